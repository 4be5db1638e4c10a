"""The llvm target's 32-bit arithmetic: narrow values (int32 loads, literals) and the subterms
proven to be values the C++ source computes in `int` (targets/llvm/int32_proofs.py).

Results are compared with the C++ source compiled by g++ on random inputs, including values next
to the int32 limits on which the source is still defined, and with the TensIR reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir import DomainError, Function
from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.targets.llvm.target import LlvmTarget
from tensflo.tests.support.llvm_int32 import I32_MAX, I32_MIN, fits, int32_dtypes, lift, needs_gxx

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"


def _native(path: Path, fn: Function, cases: list[list]) -> list:
    from tensflo.compiler.native import run_native

    return run_native(str(path), fn.name, [str(p.type) for p in fn.params], str(fn.result),
                      [[a.tolist() if isinstance(a, np.ndarray) else a for a in c] for c in cases])


def _kernel(fn: Function, dtypes: dict[str, str], proofs=None):
    """The compiled function (callable on NumPy arrays), with 32-bit proofs when given."""
    return LlvmTarget().compile([fn], dtypes, {fn.name: proofs} if proofs else {})[fn.name]


@needs_gxx
def test_normal_blend_is_proven_and_agrees_with_gxx_near_the_int32_limits():
    path = KERNELS / "normal_blend_8.cc"
    fn = lift(path, "normal_blend_8")
    proofs = prove_source(str(path), fn)
    proven = {str(t) for t in proofs.terms}
    assert "(opacity * e1 + (255 - opacity) * e2) / 255" in proven
    assert "opacity * e1 + (255 - opacity) * e2" in proven
    assert proofs.params == {"opacity"}
    assert all(o["status"] == "unsat" for o in proofs.obligations)
    module, _ = build_module([fn], int32_dtypes(fn), proofs={fn.name: proofs})
    assert "sdiv i32" in str(module) and "mul i32" in str(module)  # the 32-bit path is taken

    ex = _kernel(fn, int32_dtypes(fn), proofs)
    rng = np.random.default_rng(7)
    cases, worst = [], 0
    for trial in range(12):
        n = 257
        opacity = int(rng.integers(-2**15, 2**15)) if trial else 2**16
        # entries whose every int intermediate fits, many of them right at the limit
        lim = I32_MAX // max(abs(opacity), abs(255 - opacity), 1)
        active = rng.integers(-lim, lim + 1, n, dtype=np.int64)
        base = rng.integers(-lim, lim + 1, n, dtype=np.int64)
        active[:4] = [lim, -lim, lim, 0]
        base[:4] = [0, 0, -lim, lim]
        a, b = opacity * active, (255 - opacity) * base
        ok = fits(a, b, a + b)
        active, base = np.where(ok, active, 1), np.where(ok, base, 1)
        worst = max(worst, int(np.abs(opacity * active + (255 - opacity) * base).max()))
        cases.append([base.astype(np.int32), active.astype(np.int32), opacity, n])
    assert worst > 2**30  # the inputs reach the int32 limits
    want = _native(path, fn, cases)
    for case, w in zip(cases, want, strict=True):
        got = ex(*case)
        assert got.tolist() == list(w)
        ref = evaluate(fn.body, {p.name: v for p, v in zip(fn.params, case, strict=True)})
        assert got.tolist() == np.asarray(ref).tolist()


def test_a_proven_parameter_outside_int_is_a_domain_error():
    path = KERNELS / "normal_blend_8.cc"
    fn = lift(path, "normal_blend_8")
    ex = _kernel(fn, int32_dtypes(fn), prove_source(str(path), fn))
    x = np.ones(4, dtype=np.int32)
    assert ex(x, x, 3, 4).tolist() == [1] * 4
    with pytest.raises(DomainError, match="opacity"):
        ex(x, x, 2**40, 4)


@needs_gxx
def test_a_branch_is_proven_under_its_condition_only(tmp_path):
    path = KERNELS / "amax_abs.cc"
    fn = lift(path, "amax_abs")
    proofs = prove_source(str(path), fn)
    # the source computes -v only when v < 0: `-e` is proven where the ite selects it
    assert {str(t) for t in proofs.terms} == {"ite(e < 0, -e, e)", "-e", str(fn.body)}  # the fold
    (wrong,) = parse_module("def amax_abs(x: vec[int], n: int) -> int = "
                            "reduce_max(append(vec_map(x[:n], lambda e: -e), 0))")
    unguarded = prove_source(str(path), wrong)  # a wrong claim: -INT_MIN is computed here
    assert not unguarded.terms and any(f.startswith("-e:") for f in unguarded.failures)
    ex = _kernel(fn, int32_dtypes(fn), proofs)
    rng = np.random.default_rng(3)
    cases = []
    for n in (1, 7, 100, 1000):
        x = rng.integers(I32_MIN + 1, I32_MAX, n, dtype=np.int64)  # -INT_MIN is undefined
        x[0] = I32_MIN + 1 if n % 2 else I32_MAX
        cases.append([x.astype(np.int32), n])
    for case, w in zip(cases, _native(path, fn, cases), strict=True):
        assert int(ex(*case)) == w


@needs_gxx
def test_a_long_intermediate_is_not_proven_and_stays_exact(tmp_path):
    src = tmp_path / "scaled.cc"
    src.write_text("#include <vector>\n"
                   "std::vector<int> scaled(const std::vector<int>& a, int s, int n) {\n"
                   "    std::vector<int> out(n);\n"
                   "    for (int i = 0; i < n; i++) {\n"
                   "        long t = a[i];\n"
                   "        out[i] = t * s / 65536 > 100 ? 1 : 0;\n"
                   "    }\n"
                   "    return out;\n"
                   "}\n")
    fn = lift(src, "scaled")
    proofs = prove_source(str(src), fn)
    proven = {str(t) for t in proofs.terms}
    assert not proven & {"e * s", "e * s / 65536", "e * s / 65536 > 100"}, proven
    assert proven <= {"ite(e * s / 65536 > 100, 1, 0)"}  # 0 or 1: the `?:`'s int value
    ex = _kernel(fn, int32_dtypes(fn), proofs)
    a = np.array([2**30, -2**30, I32_MAX, I32_MIN, 12345, 6463, 6464], dtype=np.int32)
    case = [a, 1024, 7]  # a[i] * 1024 leaves int: the comparison needs all of the long product
    (want,) = _native(src, fn, [case])
    assert ex(*case).tolist() == list(want) == [1, 0, 1, 0, 1, 0, 1]


def test_narrow_comparisons_division_and_maxima_are_exact_at_the_limits():
    """Without any proof: int32 loads and literals are narrow; i32 results equal the reference."""
    fns = parse_module(
        "def neg_div(x: vec[int]) -> vec[int] = vec_map(x, lambda e: e / -1)\n"
        "def rem(x: vec[int]) -> vec[int] = vec_map(x, lambda e: e % -1 + e % 7)\n"
        "def pick(x: vec[int]) -> vec[int] = vec_map(x, lambda e: ite(e < 5, min(e, -3), max(e, 9)))\n"
        "def top(x: vec[int]) -> int = reduce_max(x)\n"
        "def top0(x: vec[int]) -> int = reduce_max(append(x, 0))\n")
    x = np.array([I32_MIN, I32_MIN + 1, -7, -1, 0, 1, 5, 6, I32_MAX - 1, I32_MAX], dtype=np.int32)
    rng = np.random.default_rng(0)
    for f in fns:
        for data in (x, rng.permutation(x), -np.abs(x + 1).astype(np.int32)):
            for out in ("int32", "int64"):
                if f.name == "neg_div" and out == "int32":
                    continue  # -INT_MIN does not fit an int32 output
                ex = _kernel(f, {"x": "int32", "return": out})
                want = np.asarray(evaluate(f.body, {"x": data.astype(np.int64)}))
                assert np.asarray(ex(data)).tolist() == want.tolist(), (f.name, out)
    module, _ = build_module([fns[3]], {"x": "int32", "return": "int64"})
    assert "icmp sge i32" in str(module)  # the maximum runs on 32-bit lanes


@needs_gxx
def test_color_dodge_division_is_proven_under_its_branch_and_agrees_with_gxx():
    path = KERNELS / "color_dodge_8.cc"
    fn = lift(path, "color_dodge_8")
    proofs = prove_source(str(path), fn)
    assert "e2 * 255 / (255 - e1)" in {str(t) for t in proofs.terms}
    (wrong,) = parse_module(
        "def color_dodge_8(base: mat[int], active: mat[int], m: int, n: int) -> mat[int] = "
        "matrix_selection_two_args(col_slice(active[:m], 0, n), col_slice(base[:m], 0, n), "
        "lambda e1, e2: e2 * 255 / (255 - e1) + 1)")
    claimed = {str(t) for t in prove_source(str(path), wrong).terms}
    # not a source value where the source divides (e2 * 255 / (255 - e1) may be INT_MAX there)
    assert "e2 * 255 / (255 - e1) + 1" not in claimed
    # the unguarded division is still one: where e1 == 255 (no source division) its value is 0,
    # which the source computes there (255 - e1); the disjunctive obligation finds that
    assert claimed <= {"e2 * 255 / (255 - e1)", "255 - e1"}
    ex = _kernel(fn, int32_dtypes(fn), proofs)
    rng = np.random.default_rng(11)
    lim = I32_MAX // 255
    cases = []
    for m, n in ((1, 1), (3, 17), (40, 33)):
        base = rng.integers(-lim, lim + 1, (m, n))
        base.flat[:2] = [lim, -lim][: base.size]
        active = rng.integers(-2**31, 2**31, (m, n))
        active[rng.random((m, n)) < 0.3] = 255
        near = rng.random((m, n)) < 0.3
        active[near] = rng.integers(250, 260, int(near.sum()))
        ok = fits(255 - active)
        active = np.where(ok, active, 0)
        cases.append([base.astype(np.int32), active.astype(np.int32), m, n])
    for case, w in zip(cases, _native(path, fn, cases), strict=True):
        assert ex(*case).tolist() == [list(r) for r in w]
