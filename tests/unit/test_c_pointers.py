"""C pointer parameters, in-place updates, `void` and several outputs (issue 20 items 1-2).

Pointers are read as vectors (`plugins/c_pointers.py`), each written pointer and the return value
is lifted as its own output (`ir/loop/outputs.py`, `compiler/multi_output.py`), and the generated
entry with the C signature (`targets/entry.py`) is compared with `gcc -O2` on random inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import check_compiled, load_module
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import LoopIRError
from tensflo.ir.loop.outputs import RETURN, derive_outputs, write_only, written_pointers
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry

KERNELS = r"""#include <math.h>

void scale(float *a, int n, float s) {
    for (int i = 0; i < n; i++) a[i] *= s;
}

void relu(float *x, int n) {
    for (int i = 0; i < n; ++i) x[i] = fmaxf(x[i], 0.0f);
    return;
}

void axpy(int n, float alpha, const float *x, float *restrict y) {
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * x[i];
}

void bounds(int n, const int x[], int *lo, int *hi) {
    for (int i = 0; i < n; i++) { lo[i] = x[i] - 1; hi[i] = x[i] + 1; }
}

float sumsq_copy(int n, const float *x, float *y) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) { s += x[i] * x[i]; y[i] = x[i]; }
    return s;
}

int first(const int *p) { return *p; }

int clamp_count(int *a, int n, int hi) {
    int c = 0;
    for (int i = 0; i < n; i++) if (a[i] > hi) { a[i] = hi; c++; }
    return c;
}

void stats(const float *x, int n, float *mx, float *total) {
    float m = x[0], t = 0.0f;
    for (int i = 0; i < n; i++) { m = fmaxf(m, x[i]); t += x[i]; }
    *mx = m;
    *total = t;
}
"""

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ptr") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def results(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    return {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}


def read(text: str, name: str = "k.c") -> L.Module:
    return parse_cpp(name, text, language="c")


# -- reading -------------------------------------------------------------------------------------
def test_pointer_and_array_parameters_are_vectors_and_void_has_no_result() -> None:
    m = read(KERNELS)
    bounds = m.function("bounds")
    assert bounds is not None and bounds.result is None
    assert [(p.name, str(p.type), p.pointer) for p in bounds.params] == [
        ("n", "int", False), ("x", "vec[int]", True), ("lo", "vec[int]", True),
        ("hi", "vec[int]", True)]
    first = m.function("first")
    assert first is not None and first.body == (L.Return(L.Index(L.Name("p"), L.Const(0))),)
    relu = m.function("relu")
    assert relu is not None and not any(isinstance(s, L.Return) for s in relu.body)


@pytest.mark.parametrize("body, message", [
    ("float f(const float *x) { return *(x + 1); }", "pointer arithmetic"),
    ("float f(const float *x, int n) { return *(x + n); }", "pointer arithmetic"),
    ("int f(const int *x, const int *y) { return x < y; }", "pointer comparison ('x < y')"),
    ("void f(int *x, int *y) { x = y; }", "pointing x into y"),
    ("int f(const int *x) { if (x) return 1; return 0; }", "the pointer x used as a value"),
    ("void f(float *x, float *y, int n) { for (int i = 0; i < n; i++) { if (x[i] < 0) return; y[i] = 1; } }",
     "an early `return;` inside a loop of a void function"),
    ("void f(float **x) { }", "a pointer to pointers"),
    ("void f(short *y, const int *x, int n) { for (int i = 0; i < n; i++) y[i] = x[i]; }",
     "a store into "),
    ("void g(int *p) { p[0] = 1; }\nint f(int *x) { g(x); return 0; }", "the expression statement"),
    ("int g(int *p) { return p[0]; }\nint f(int *x) { return g(x); }", "may write through it"),
])
def test_constructs_beyond_the_vector_model_are_refused_naming_them(body: str, message: str) -> None:
    m = read(body)
    rejected = [r for r in m.rejected if r.name == "f"]
    assert rejected, m.functions
    assert message in rejected[0].message
    assert rejected[0].loc.line >= 1 and rejected[0].loc.col >= 1


def test_the_interpreter_runs_a_function_as_c_does() -> None:
    m = read(KERNELS)
    fn = m.function("sumsq_copy")
    assert fn is not None
    x, y = [1.0, 2.0, 3.0], [9.0, 9.0, 9.0, 9.0]
    result, after = Interpreter(m).run_in_place(fn, [3, x, y])
    assert result == 14.0 and after[2] == [1.0, 2.0, 3.0, 9.0] and y == [9.0] * 4


# -- outputs -------------------------------------------------------------------------------------
def test_each_written_pointer_is_an_output_with_its_extent_read_as_its_length() -> None:
    m = read(KERNELS)
    axpy = m.function("axpy")
    assert axpy is not None
    (out,) = derive_outputs(axpy)
    assert (out.name, out.extent, str(out.function.result)) == ("y", "n", "vec[float]")
    loop = out.function.body[1]
    assert isinstance(loop, L.For) and loop.stop == L.Len(L.Name("y"))
    assert isinstance(out.function.body[-1], L.Return) and out.function.body[-1].value == L.Name("y")
    assert not any(p.pointer for p in out.function.params)


def test_a_function_that_writes_and_returns_has_both_outputs() -> None:
    fn = read(KERNELS).function("sumsq_copy")
    assert fn is not None
    assert written_pointers(fn) == ("y",) and write_only(fn) == ("y",)
    ret, y = derive_outputs(fn)
    assert (ret.name, y.name) == (RETURN, "y")
    assert not any(isinstance(s, L.Assign) and isinstance(s.target, L.Index)
                   for s in L.walk_stmts(ret.function.body))  # the write-only y is left out


def test_a_scalar_written_through_a_pointer_is_an_element_output() -> None:
    fn = read(KERNELS).function("stats")
    assert fn is not None
    mx, total = derive_outputs(fn)
    assert (mx.name, mx.element, mx.extent, str(mx.function.result)) == ("mx", True, None, "float")
    assert mx.function.body[0] == L.Decl("mx__0", mx.function.result, L.Index(L.Name("mx"),
                                                                             L.Const(0)))
    assert mx.function.body[-1] == L.Return(L.Name("mx__0"))


@pytest.mark.parametrize("body, unseen", [
    ("int c = 0; for (int i = 0; i < n; i++) if (a[i] > 0) { a[i] = 0; c++; } return c;", True),
    ("int s = 0; for (int i = 0; i < n; i++) s += a[i]; "
     "for (int i = 0; i < n; i++) a[i] -= s; return s;", True),
    ("int c = 0; for (int i = 0; i < n; i++) { a[i] = 1; c += a[i]; } return c;", False),
    ("int c = 0; for (int i = 1; i < n; i++) { a[i] = a[i - 1]; c += a[i]; } return c;", False),
    ("for (int i = 0; i < n; i++) a[i] = 0; return a[0];", False),
])
def test_writes_the_return_value_cannot_see_are_left_out_of_it(body: str, unseen: bool) -> None:
    fn = read(f"int f(int *a, int n) {{ {body} }}").function("f")
    assert fn is not None
    ret = derive_outputs(fn)[0]
    kept = any(isinstance(s, L.Assign) and isinstance(s.target, L.Index)
               for s in L.walk_stmts(ret.function.body))
    assert kept is not unseen


def test_a_written_pointer_without_an_extent_is_refused() -> None:
    fn = read("void f(float *y, float v) { y[1] = v; }").function("f")
    assert fn is not None
    with pytest.raises(LoopIRError, match="no parameter gives the extent of the written pointer y"):
        derive_outputs(fn)


# -- lifting -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, outputs", [  # per output, a part of its TensIR
    ("scale", {"a": "a[:n]"}),
    ("relu", {"x": "x[:n]"}),
    ("axpy", {"y": "y[:n]"}),
    ("bounds", {"lo": "lo[:n]", "hi": "hi[:n]"}),
    ("sumsq_copy", {"return": "x[:n]", "y": "y[:n]"}),
    ("stats", {"mx": "reduce_max(", "total": "reduce_sum(x[:n])"}),
    ("clamp_count", {"return": "a[:n]", "a": "a[:n]"}),
])
def test_in_place_and_void_kernels_lift_with_a_proof(results, name: str, outputs: dict) -> None:
    r = results[name]
    assert r.status == "lifted", [str(d) for d in r.diagnostics]
    assert r.proof == "unbounded"
    got = {o["name"]: o["tensir"] for o in r.outputs}
    assert set(got) == set(outputs)
    assert all(outputs[k] in got[k] for k in outputs), got
    for o in r.outputs:
        assert o["proof"] == "unbounded"
        if o["name"] != "return" and "index" not in o:
            assert o["extent"] == "n" and f"len({o['name']}) >= n" in o["requires"]
    assert r.tensir == r.outputs[0]["tensir"]
    assert "n >= 0" in r.requires or name == "stats"
    assert r.written == [o for o in outputs if o != "return"]


def test_overlap_of_a_written_array_is_a_precondition(results) -> None:
    assert "x and y do not overlap" in results["axpy"].requires
    assert {"x and lo do not overlap", "x and hi do not overlap", "lo and hi do not overlap"} \
        <= set(results["bounds"].requires)
    assert not any("overlap" in r for r in results["scale"].requires)


def test_json_shows_the_outputs_and_the_written_parameters(src: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("lift", str(src), "--function", "sumsq_copy", "--json", "--synth", "none", "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["written"] == ["y"]
    assert [(o["name"], o["proof"], o.get("extent")) for o in out["outputs"]] == [
        ("return", "unbounded", None), ("y", "unbounded", "n")]
    vec = src.parent / "v.cc"
    vec.write_text("#include <vector>\nstd::vector<int> f(std::vector<int> y, int a) {\n"
                   "  for (std::size_t i = 0; i < y.size(); i++) y[i] += a;\n  return y;\n}\n")
    p = tensflo_cmd("lift", str(vec), "--json", "--synth", "none", "-q")
    out = json.loads(p.stdout)
    assert out["status"] == "lifted" and out["tensir"] == "vec_scalar_add(y, a)"
    assert "outputs" not in out and "written" not in out  # today's contract for std::vector


def test_the_cli_lists_the_outputs(src: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("lift", str(src), "--function", "bounds", "--synth", "none", "-q")
    assert "  writes:    lo, hi" in p.stdout
    assert "  output lo[:n]: " in p.stdout and "  output hi[:n]: " in p.stdout
    assert "[lifted, proof unbounded]" in p.stdout


# -- generated code ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["scale", "relu", "axpy", "bounds", "sumsq_copy", "stats",
                                  "clamp_count"])
def test_generated_code_agrees_with_gcc_on_random_inputs(src: Path, results, name: str) -> None:
    with load_registry() as registry:
        report = check_compiled(str(src), results[name], registry, count=60, seed=3)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]


def test_the_entry_updates_in_place_checks_overlap_and_preconditions(results) -> None:
    mod = load_module(results["axpy"].code, "axpy")
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([10.0, 20.0, 30.0, 40.0], dtype=np.float32)
    assert mod.axpy(3, 2.0, x, y) is None
    assert y.tolist() == [12.0, 24.0, 36.0, 40.0]  # y[3:] untouched
    with pytest.raises(ValueError, match="x and y do not overlap"):
        mod.axpy(2, 1.0, y, y)
    buf = np.zeros(6)
    with pytest.raises(ValueError, match="x and y do not overlap"):
        mod.axpy(2, 1.0, buf[:3], buf[1:4])
    with pytest.raises(ValueError, match="len\\(y\\) >= n"):
        mod.axpy(5, 1.0, np.zeros(5), np.zeros(3))
    st = load_module(results["stats"].code, "stats")
    mx, total = np.full(2, 7.0), np.zeros(1)
    assert st.stats(np.array([1.0, 5.0, 2.0]), 3, mx, total) is None
    assert mx.tolist() == [5.0, 7.0] and total.tolist() == [8.0]
    both = load_module(results["sumsq_copy"].code, "sumsq_copy")
    y2 = np.zeros(3)
    assert float(both.sumsq_copy(2, np.array([3.0, 4.0]), y2)) == 25.0 and y2.tolist() == [3, 4, 0]


@pytest.mark.parametrize("target", ["torch", "jax", "mlx"])
def test_other_python_targets_update_in_place_like_numpy(src: Path, target: str) -> None:
    r = tensflo.compile(str(src), "axpy", target=target, synth="none")
    assert r.status == "lifted", [str(d) for d in r.diagnostics]
    mod = load_module(r.code, f"axpy_{target}")
    x = [1.0, 2.0, 3.0]
    if target == "torch":
        import torch

        y = torch.tensor([10.0, 20.0, 30.0, 40.0], dtype=torch.float64)
        mod.axpy(3, 2.0, torch.tensor(x, dtype=torch.float64), y)
        got = y.tolist()
    elif target == "mlx":
        import mlx.core as mx

        y = mx.array([10.0, 20.0, 30.0, 40.0])
        mod.axpy(3, 2.0, mx.array(x), y)
        got = np.asarray(y).tolist()
    else:
        yn = np.array([10.0, 20.0, 30.0, 40.0])
        mod.axpy(3, 2.0, np.array(x), yn)
        got = yn.tolist()
        import jax.numpy as jnp

        with pytest.raises(TypeError, match="y is written in place"):
            mod.axpy(3, 2.0, np.array(x), jnp.zeros(4))
    assert got == [12.0, 24.0, 36.0, 40.0]


def test_targets_that_cannot_update_arrays_refuse(src: Path) -> None:
    r = tensflo.compile(str(src), "scale", target="llvm", synth="none")
    assert r.status == "not_lifted" and r.code is None
    assert any("not finished there" in d.message for d in r.diagnostics)


def test_a_wrong_output_program_is_caught_by_the_check_against_the_source() -> None:
    from tensflo.compiler.multi_output import check_together
    from tensflo.ir.tensir import FLOAT, INT, parse, vec

    m = read(KERNELS)
    fn = m.function("scale")
    assert fn is not None
    (out,) = derive_outputs(fn)
    env = {"a": vec("float"), "n": INT, "s": FLOAT}
    requires = [parse("n >= 0", env), parse("len(a) >= n", env)]
    right = parse("vec_scalar_mul(a[:n], s)", env)
    wrong = parse("vec_scalar_add(a[:n], s)", env)
    assert check_together(m, fn, requires, [(out, right)], seed=0) is None
    problem = check_together(m, fn, requires, [(out, wrong)], seed=0)
    assert problem is not None and "output a of scale" in problem
    never = [parse("n >= 0", env), parse("n < 0", env)]
    assert "may be unsatisfiable (a vacuous proof)" in (check_together(m, fn, never, [(out, right)],
                                                                        seed=0) or "")


def test_a_tested_output_whose_extent_does_not_hold_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "pairs.c"
    src.write_text("void pairs(const int *a, int *out, int n) {\n"
                   "  int k = 0;\n"
                   "  for (int i = 0; i < n; i++) { out[k] = a[i]; if (a[i] > 0) k++; k++; }\n}\n")
    r = tensflo.compile(str(src), "pairs", require_proof="tested", timeout=60)
    assert r.status == "not_lifted" and r.code is None
    assert any("accesses out at or beyond n" in d.message for d in r.diagnostics), \
        [str(d) for d in r.diagnostics]


def test_a_cpp_function_over_pointers_lifts_and_agrees_with_gxx(tmp_path: Path) -> None:
    src = tmp_path / "k.cc"
    src.write_text("#include <algorithm>\n"
                   "void clip(int n, const int* x, int* y, int hi) {\n"
                   "  for (int i = 0; i < n; ++i) y[i] = std::min(x[i], hi);\n}\n")
    r = tensflo.compile(str(src), "clip", synth="none")
    assert (r.status, r.proof, r.written) == ("lifted", "unbounded", ["y"])
    assert "x and y do not overlap" in r.requires
    with load_registry() as registry:
        report = check_compiled(str(src), r, registry, count=60, seed=2)
    assert report.cases >= 20 and report.ok, report.failures[:3]


def test_gemmini_refuses_a_function_with_outputs(src: Path) -> None:
    r = tensflo.compile(str(src), "bounds", target="gemmini", synth="none")
    assert r.status == "not_lifted" and r.code is None
    assert any("not finished there" in d.message for d in r.diagnostics)


def test_batch_compile_writes_the_entry_that_updates_in_place(tmp_path: Path, tensflo_cmd) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "k.c").write_text(
        "void add1(int *y, int n) { for (int i = 0; i < n; i++) y[i] += 1; }\n"
        "int twice(int a) { return 2 * a; }\n")
    p = tensflo_cmd("compile", str(tmp_path / "src"), "--target", "numpy", "-q", "-o",
                    str(tmp_path / "out"), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    (module,) = (tmp_path / "out").rglob("k_c.py")
    mod = load_module(module.read_text(), "batch_k")
    y = np.array([1, 2, 3, 4])
    assert mod.add1(y, 3) is None and y.tolist() == [2, 3, 4, 4]
    assert int(mod.twice(5)) == 10


def test_bench_times_a_function_with_outputs_as_the_dropin(src: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("bench", str(src), "--function", "scale", "--sizes", "1e3", "--repeats", "3",
                    "--max-seconds", "0.05", "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "llvm drop-in" in p.stdout and "only as the llvm drop-in" in p.stdout
