"""`--fp strict` on the llvm target: float reductions add in the source's order, bit for bit; the
default reassociates them (vectorized) and the result says the proof is over real arithmetic."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.cli import main
from tensflo.ir.tensir import parse_module
from tensflo.targets.llvm import LlvmTarget
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.jit import optimize

STRICT, DEFAULT = LlvmTarget().configure(fp="strict"), LlvmTarget()
PROGRAMS = parse_module("""
def total(x: vec[float]) -> float = reduce_sum(x)
def dot(x: vec[float], y: vec[float]) -> float = reduce_sum(vec_elemwise_mul(x, y))
def product(x: vec[float]) -> float = reduce_mul(x)
def rows(m: mat[float]) -> vec[float] = matrix_row_sum(m)
""")
FNS = {f.name: f for f in PROGRAMS}


def spread(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Values over 16 orders of magnitude, of both signs: the order of additions changes the
    rounding of their sum."""
    return rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8, shape)


def sequential_sum(xs) -> float:
    acc = 0.0
    for v in xs:
        acc += float(v)
    return acc


def sequential_product(xs) -> float:
    acc = 1.0
    for v in xs:
        acc *= float(v)
    return acc


def test_strict_sums_are_bit_identical_to_a_sequential_loop_and_the_default_is_not() -> None:
    rng = np.random.default_rng(5)
    strict, default = STRICT.compile([FNS["total"]])["total"], DEFAULT.compile([FNS["total"]])["total"]
    reordered = 0
    for n in (1, 7, 64, 1000, 100_003):
        x = spread(rng, n)
        want = sequential_sum(x)
        assert float(strict(x)).hex() == want.hex(), n
        got = float(default(x))
        reordered += got != want
        assert math.isclose(got, math.fsum(x), rel_tol=1e-6, abs_tol=1e-6 * np.abs(x).sum())
    assert reordered > 0  # the inputs do tell the orders apart


def test_strict_dot_product_and_row_sums_follow_the_loops() -> None:
    rng = np.random.default_rng(9)
    code = STRICT.compile([FNS["dot"], FNS["product"], FNS["rows"]])
    for n in (3, 513, 20_000):
        x, y = spread(rng, n), spread(rng, n)
        assert float(code["dot"](x, y)).hex() == sequential_sum(a * b for a, b in zip(x, y, strict=True)).hex()
        z = rng.uniform(0.999, 1.001, n)
        assert float(code["product"](z)).hex() == sequential_product(z).hex()
    m = spread(rng, (37, 301))
    got = code["rows"](m)
    assert [float(v).hex() for v in got] == [sequential_sum(row).hex() for row in m]


def test_strict_reductions_carry_no_reassociation_and_the_default_is_vectorized() -> None:
    for name in ("total", "dot"):
        strict = str(optimize(str(build_module([FNS[name]], reassociate=False)[0])))
        default = str(optimize(str(build_module([FNS[name]], reassociate=True)[0])))
        assert "reassoc" not in strict and "x double>" not in strict
        assert "fadd reassoc <" in default  # a vector accumulator


C_SOURCE = """double total(const double *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}
"""


def test_strict_equals_gcc_O2_of_the_c_loop(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    import ctypes

    src = tmp_path / "total.c"
    src.write_text(C_SOURCE)
    lib = tmp_path / "total.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    c_total = ctypes.CDLL(str(lib)).total
    c_total.restype = ctypes.c_double
    c_total.argtypes = [ctypes.POINTER(ctypes.c_double), ctypes.c_int]
    strict = STRICT.compile([FNS["total"]])["total"]
    rng = np.random.default_rng(11)
    for n in (5, 4096, 50_001):
        x = np.ascontiguousarray(spread(rng, n))
        want = c_total(x.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), n)
        assert float(strict(x)).hex() == float(want).hex()


def compile_json(tmp_path: Path, capsys, *extra: str) -> tuple[int, dict, str]:
    src = tmp_path / "total.c"
    src.write_text(C_SOURCE)
    out = tmp_path / "total.ll"
    status = main(["compile", str(src), "--function", "total", "--target", "llvm", "--json",
                   "--quiet", "-o", str(out), *extra])
    captured = capsys.readouterr()
    result = json.loads(captured.out) if status == 0 else {}
    return status, result, out.read_text() if out.exists() else captured.err


def test_the_result_says_real_arithmetic_and_the_module_says_its_mode(tmp_path: Path, capsys) -> None:
    status, result, code = compile_json(tmp_path, capsys)
    assert status == 0 and result["arithmetic"] == "real"
    assert "--fp reassociate" in code and "fadd reassoc" in code
    status, result, code = compile_json(tmp_path, capsys, "--fp", "strict")
    assert status == 0 and result["arithmetic"] == "real"
    assert "--fp strict" in code and "reassoc " not in code.split("\n", 1)[1]


def test_bad_fp_values_and_other_targets_are_refused(tmp_path: Path, capsys) -> None:
    status, _, err = compile_json(tmp_path, capsys, "--fp", "exact")
    assert status == 2 and "unknown --fp 'exact'" in err
    src = tmp_path / "total.c"
    status = main(["compile", str(src), "--function", "total", "--target", "numpy", "--fp", "strict"])
    assert status == 2 and "takes no --fp" in capsys.readouterr().err
