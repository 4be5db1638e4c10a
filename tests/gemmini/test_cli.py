"""`tensflo gemmini run` and `tensflo gemmini compile`, and the target in `tensflo render`."""

from __future__ import annotations

import json

import pytest

from tensflo.targets.gemmini.text import parse_program

KERNELS = """\
def mm(a: mat[int], b: mat[int]) -> mat[int] =
    matmul(a, b)

def fused(a: mat[int], b: mat[int], d: mat[int]) -> mat[int] =
    matrix_map(matrix_elemwise_add(matmul(a, b), d), lambda e: min(max(e, 0), 127))

def sub(a: mat[int], b: mat[int]) -> mat[int] =
    matrix_elemwise_sub(a, b)
"""


@pytest.fixture
def kernels(tmp_path):
    path = tmp_path / "k.tensir"
    path.write_text(KERNELS)
    return path


def test_compile_reports_cycles_and_checks_on_the_emulator(cli, kernels):
    code, out, err = cli("gemmini", "compile", str(kernels), "-f", "fused",
                         "--shapes", "a=48x32,b=32x40,d=48x40")
    assert code == 0, err
    assert "cycles:" in out and "utilisation:" in out and "library:" in out
    assert "emulator == NumPy: yes" in out


def test_compile_with_search_as_json(cli, kernels):
    code, out, _ = cli("gemmini", "compile", str(kernels), "-f", "mm", "--shapes",
                       "a=64x64,b=64x64", "--search", "beam", "--budget", "8", "--json")
    data = json.loads(out)
    assert code == 0 and data["checked"] is True and data["search"]["measured"] <= 8
    assert data["cycles"] <= data["baselines"]["library"]["cycles"]
    assert 0 < data["utilisation"] <= 1


def test_compile_emits_c_and_ir_and_the_ir_runs(cli, kernels, tmp_path):
    code, c, _ = cli("gemmini", "compile", str(kernels), "-f", "mm", "--shapes",
                     "a=32x32,b=32x32", "--emit", "c")
    assert code == 0 and '#include "include/gemmini.h"' in c and "void mm(" in c
    ir = tmp_path / "mm.gemmini"
    code, _, _ = cli("gemmini", "compile", str(kernels), "-f", "mm", "--shapes",
                     "a=32x32,b=32x32", "--emit", "ir", "-o", str(ir))
    assert code == 0 and parse_program(ir.read_text()).name == "mm"
    code, out, _ = cli("gemmini", "run", str(ir), "--json")
    data = json.loads(out)
    assert code == 0 and data["macs"] == 32 ** 3 and data["bytes_loaded"] == 2 * 32 * 32


def test_compile_emits_c_for_either_header_generation(cli, kernels):
    args = ("gemmini", "compile", str(kernels), "-f", "fused", "--shapes", "a=48x32,b=32x40,d=48x40",
            "--emit", "c")
    code, current, _ = cli(*args)
    assert code == 0 and "gemmini_extended_config_st(40, RELU, 1.0);" in current
    code, old, _ = cli(*args, "--gemmini-header", "2021")
    assert code == 0 and "gemmini_config_st(40);" in old
    assert "gemmini_extended_config_ex(WEIGHT_STATIONARY, RELU, 0, 1.0, 0, 1, false, false);" in old


@pytest.mark.parametrize("args, message", [
    (["-f", "sub", "--shapes", "a=4x4,b=4x4"], "cannot lower matrix_elemwise_sub"),
    (["-f", "nope", "--shapes", "a=4x4"], "defines no function 'nope'"),
    (["-f", "mm", "--shapes", "a=4by4"], "bad shape"),
    (["-f", "mm", "--shapes", "a=4x4,b=5x4"], "has 5 rows"),
])
def test_compile_usage_errors_are_one_line(cli, kernels, args, message):
    code, out, err = cli("gemmini", "compile", str(kernels), *args)
    assert code == 2 and message in err and "Traceback" not in err and not out


def test_run_reports_bad_programs_without_a_traceback(cli, tmp_path):
    bad = tmp_path / "bad.gemmini"
    bad.write_text("def p(A: int8[16, 16], C: out[int8[16, 16]]):\n"
                   "    config_ld(stride=16, scale=1.0, shrunk=0, id=0)\n"
                   "    mvin(dram=A[0], addr=0x40000010, cols=16, rows=16, id=0)\n")
    code, _, err = cli("gemmini", "run", str(bad))
    assert code == 2 and "wrong address bits" in err and "Traceback" not in err
    bad.write_text("def p(A: int8[16, 16]):\n    mvin(dram=A[0], addr=0)\n")
    code, _, err = cli("gemmini", "run", str(bad))
    assert code == 2 and "line 2" in err
    code, _, err = cli("gemmini", "run", str(tmp_path / "missing.gemmini"))
    assert code == 2 and "no such file" in err


def test_render_needs_shapes(cli, kernels):
    code, _, err = cli("render", str(kernels), "--target", "gemmini", "-f", "mm")
    assert code == 2 and "needs tensor shapes" in err


def test_target_with_shapes_emits_c():
    import io

    from tensflo.ir.tensir import parse_module
    from tensflo.targets.gemmini.plugin import GemminiTarget

    fns = parse_module(KERNELS)[:1]
    out = io.StringIO()
    GemminiTarget(shapes=(("a", (16, 48)), ("b", (48, 16)))).emit(fns, out)
    assert "void mm(const elem_t *A, const elem_t *B, acc_t *C)" in out.getvalue()


EXAMPLE_SHAPES = {
    "gemm": "a=48x64,b=64x32",
    "dense_relu": "x=64x128,w=128x32,bias=64x32",
    "gemv": "m=40x64,v=64",
    "residual": "a=30x40,b=30x40",
}


@pytest.mark.parametrize("function", EXAMPLE_SHAPES)
def test_examples_compile_and_match_numpy(cli, repo, function):
    code, out, err = cli("gemmini", "compile", str(repo / "examples/gemmini/kernels.tensir"),
                         "-f", function, "--shapes", EXAMPLE_SHAPES[function])
    assert code == 0, err
    assert "emulator == NumPy: yes" in out


def test_example_program_runs(cli, repo):
    code, out, err = cli("gemmini", "run", str(repo / "examples/gemmini/gemm_16x16x16.gemmini"))
    assert code == 0, err
    assert "utilisation:" in out and "4096 MACs" in out


def test_unknown_planner_is_a_usage_error(cli, kernels):
    code, _, err = cli("gemmini", "compile", str(kernels), "-f", "mm", "--shapes",
                       "a=16x16,b=16x16", "--search", "beam", "--planner", "oracle")
    assert code == 2 and "no planner 'oracle' (available: llm, symbolic)" in err
