"""The 32-bit proofs in the compiler: `tensflo compile X.cc --target llvm --json` reports them,
the API's result carries them to the llvm executable, Python sources never get them.

The executable built from the API's proofs is compared with g++ -O2 on the source near the int32
limits (inputs on which every `int` the source computes fits)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BLEND = ROOT / "benchmarks" / "kernels" / "cpp" / "normal_blend_8.cc"
I32_MIN, I32_MAX = -2**31, 2**31 - 1
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def _cli(*args: str) -> dict:
    tensflo = Path(sys.executable).parent / "tensflo"
    out = subprocess.run([str(tensflo), "compile", *args, "--json"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    return data[0] if isinstance(data, list) else data


def test_cli_json_reports_the_proven_subterms_with_their_time(tmp_path):
    r = _cli(str(BLEND), "--target", "llvm", "-o", str(tmp_path / "out.ll"))
    p = r["int32_proofs"]
    proven = {o["term"] for o in p["proven"] if o["kind"] == "int32 source value"}
    assert "(opacity * e1 + (255 - opacity) * e2) / 255" in proven
    assert p["params"] == ["opacity"]
    assert all(o["status"] == "unsat" for o in p["proven"])
    assert 0 < p["seconds"] < 30


def test_other_targets_and_python_sources_get_no_proofs(tmp_path):
    assert "int32_proofs" not in _cli(str(BLEND), "--target", "numpy",
                                      "-o", str(tmp_path / "out.py"))
    src = tmp_path / "blend.py"
    src.write_text("def blend(a: list[int], b: list[int], k: int) -> list[int]:\n"
                   "    out = []\n"
                   "    for i in range(len(a)):\n"
                   "        out.append(max(min(a[i], b[i]), k))\n"
                   "    return out\n")
    r = _cli(str(src), "--target", "llvm", "-o", str(tmp_path / "out.ll"))
    assert r["status"] == "lifted" and "int32_proofs" not in r


def test_a_refused_source_reports_why(tmp_path):
    src = tmp_path / "wide.cc"
    src.write_text("#include <vector>\n"
                   "std::vector<long> wide(const std::vector<int>& a, long k, int n) {\n"
                   "    std::vector<long> out(n);\n"
                   "    for (int i = 0; i < n; i++) out[i] = (k * a[i]) / 3;\n"
                   "    return out;\n"
                   "}\n")
    r = _cli(str(src), "--target", "llvm", "-o", str(tmp_path / "out.ll"))
    assert r["status"] == "lifted", r["diagnostics"]
    p = r["int32_proofs"]
    assert not [o for o in p["proven"] if o["kind"] == "int32 source value" and "k" in o["term"]]
    assert any("k * e" in f and "no `int` value" in f for f in p["not_proven"]), p["not_proven"]


@needs_gxx
def test_api_proofs_give_32_bit_code_equal_to_gxx_near_the_limits():
    import tensflo
    from tensflo.compiler.native import run_native
    from tensflo.targets.llvm.functions import build_module
    from tensflo.targets.llvm.target import LlvmTarget

    result = tensflo.compile(str(BLEND), "normal_blend_8", target="llvm")
    assert result.int32 is not None and result.int32_proofs is not None
    fn = result.emitted
    dtypes = {"base": "int32", "active": "int32", "opacity": "int32", "n": "int32",
              "return": "int32"}
    module, _ = build_module([fn], dtypes, proofs={fn.name: result.int32})
    assert "sdiv i32" in str(module)
    run = LlvmTarget().executable(fn, dtypes, int32=result.int32)
    rng = np.random.default_rng(3)
    cases, got = [], []
    for trial in range(8):
        opacity = int(rng.integers(-2**12, 2**12))
        n = 199
        room = I32_MAX // (abs(opacity) + abs(255 - opacity) + 1)
        active = rng.integers(-room, room + 1, n)
        base = rng.integers(-room, room + 1, n)
        if trial % 2:  # right at the limit: opacity * active alone near INT_MAX / INT_MIN
            active = np.full(n, I32_MAX // max(abs(opacity), 1)) * np.sign(rng.standard_normal(n))
            active = active.astype(np.int64)
            base = np.zeros(n, np.int64)
        cases.append([base.tolist(), active.tolist(), opacity, n])
        got.append(np.asarray(run.fetch(run.run(run.prepare(
            [base.astype(np.int32), active.astype(np.int32), opacity, n])))).tolist())
    want = run_native(str(BLEND), fn.name, [str(p.type) for p in fn.params], str(fn.result), cases)
    assert got == [list(w) for w in want]


@needs_gxx
def test_int_sum_reduction_runs_on_i32_lanes_and_equals_gxx_near_the_limits():
    """`int s = 0; s += x[i] * y[i]`: the result is stored as an int, so the fold is computed with
    wrapping i32 adds in any order (demand analysis); exact as the source's final value fits."""
    import tensflo
    from tensflo.compiler.native import run_native
    from tensflo.targets.llvm.functions import build_module
    from tensflo.targets.llvm.jit import optimize
    from tensflo.targets.llvm.target import LlvmTarget

    path = ROOT / "benchmarks" / "kernels" / "cpp" / "dot.cc"
    result = tensflo.compile(str(path), "dot", target="llvm")
    fn = result.emitted
    dtypes = {"x": "int32", "y": "int32", "n": "int32", "return": "int32"}
    module, _ = build_module([fn], dtypes, proofs={fn.name: result.int32})
    assert "x i32>" in str(optimize(str(module)))  # vectorized on 32-bit lanes
    run = LlvmTarget().executable(fn, dtypes, int32=result.int32)
    rng = np.random.default_rng(5)
    cases, got = [], []
    for _ in range(6):
        n = 301
        x = rng.integers(-2**15, 2**15, n)
        y = rng.integers(-2**15, 2**15, n)
        # products near 2^30; partial sums kept inside int by alternating signs
        x[::2], y[::2] = 2**15 - 1, 2**15 - 1
        x[1::2], y[1::2] = -(2**15 - 1), 2**15 - 1
        cases.append([x.tolist(), y.tolist(), n])
        got.append(int(run.fetch(run.run(run.prepare([x.astype(np.int32), y.astype(np.int32), n])))))
    want = run_native(str(path), "dot", [str(p.type) for p in fn.params], str(fn.result), cases)
    assert got == [int(w) for w in want]
    assert max(abs(v) for v in got) > 2**29


MEAN_SQ_C = """int mean_sq(const int* x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += x[i] * x[i];
    }
    return n > 0 ? s / n : 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_dropin_uses_the_proofs_and_equals_gcc_near_the_limits(tmp_path):
    import ctypes

    src = tmp_path / "mean_sq.c"
    src.write_text(MEAN_SQ_C)
    tensflo = Path(sys.executable).parent / "tensflo"
    out = subprocess.run([str(tensflo), "compile", str(src), "--target", "llvm", "--emit", "so",
                          "-o", str(tmp_path / "dropin.so")], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", str(src), "-o", str(tmp_path / "orig.so")],
                   check=True, timeout=60)
    if shutil.which("objdump"):  # the sum of squares runs on 32-bit lanes
        asm = subprocess.run(["objdump", "-d", str(tmp_path / "dropin.so")], capture_output=True,
                             text=True, check=True).stdout
        assert "vpaddd" in asm or "paddd" in asm
    funcs = []
    for lib in ("dropin.so", "orig.so"):
        f = ctypes.CDLL(str(tmp_path / lib)).mean_sq
        f.argtypes, f.restype = [ctypes.POINTER(ctypes.c_int), ctypes.c_int], ctypes.c_int
        funcs.append(f)
    rng = np.random.default_rng(9)
    for n in (0, 1, 5, 999, 4096):
        x = np.full(max(n, 1), int(np.sqrt(I32_MAX // max(n, 1))), np.int32)
        x[::2] *= -1
        x[1::7] = rng.integers(-100, 101, len(x[1::7]))
        ptr = x.ctypes.data_as(ctypes.POINTER(ctypes.c_int))
        assert funcs[0](ptr, n) == funcs[1](ptr, n)


def test_a_spent_budget_reports_timeouts_and_proves_no_subterm():
    from tensflo.ir.tensir.parser import parse_module
    from tensflo.targets.llvm.int32_proofs import prove_source

    (fn,) = parse_module("def normal_blend_8(base: vec[int], active: vec[int], opacity: int, "
                         "n: int) -> vec[int] = selection_two_args(active[:n], base[:n], "
                         "lambda e1, e2: (opacity * e1 + (255 - opacity) * e2) / 255)")
    proofs = prove_source(str(BLEND), fn, budget=0.0)
    assert not proofs.terms and not proofs.params
    assert any(f.endswith("not proven: timeout") for f in proofs.failures), proofs.failures
