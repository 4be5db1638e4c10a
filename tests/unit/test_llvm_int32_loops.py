"""32-bit proofs over the source's counted `while` loops, loops from any start by any step, and
slices bounded by another parameter's length (targets/llvm/int32_loops.py, int32_terms.py).

Each proven kernel is compared with g++ on random inputs reaching the int32 limits where the
source is defined; each wrong claim (a value the source does not compute) is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.tests.support.llvm_int32 import (
    I32_MAX,
    I32_MIN,
    agrees,
    fits,
    lift,
    needs_gxx,
    proven,
)

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"
STRIDE = """#include <vector>
std::vector<int> stride_scale(const std::vector<int>& x, int lo, int hi, int s) {
    std::vector<int> out;
    int i = lo;
    while (i <= hi) {
        out.push_back(x[i] * s - 1);
        i += 2;
    }
    return out;
}
"""
DOWN = """#include <vector>
std::vector<int> down_scale(const std::vector<int>& x, int n, int s) {
    std::vector<int> out;
    for (int i = n - 1; i >= 0; i--)
        out.push_back(x[i] * s + 3);
    return out;
}
"""
SHRINKING = """#include <vector>
std::vector<int> shrinking(const std::vector<int>& x, int n, int s) {
    std::vector<int> out;
    int i = 0;
    while (i < n) {
        out.push_back(x[i] * s);
        n = n - 1;
        i++;
    }
    return out;
}
"""


@needs_gxx
def test_a_counted_while_loop_is_proven_and_agrees_with_gxx_near_the_limits():
    path = KERNELS / "crossfade.cc"  # int k = 0; while (k < n) { out.push_back(...); k++; }
    fn = lift(path, "crossfade")
    proofs = prove_source(str(path), fn)
    assert {"(e1 * (256 - t) + e2 * t) / 256", "e1 * (256 - t) + e2 * t", "e1 * (256 - t)",
            "e2 * t", "256 - t"} <= {str(t) for t in proofs.terms}, proofs.failures
    assert "every element is an iteration" in {o["kind"] for o in proofs.obligations}
    rng = np.random.default_rng(19)
    cases = []
    for t in (0, 256, 77, -2**15, 2**20, 256 - I32_MAX, I32_MAX, int(rng.integers(-999, 999))):
        lim = I32_MAX // max(abs(256 - t), abs(t), 1)
        size = int(rng.integers(1, 300))
        a, b = (rng.integers(-lim, lim + 1, size) for _ in range(2))
        a[0], b[0] = lim, 0
        ok = fits(a * (256 - t) + b * t)
        a, b = np.where(ok, a, 0), np.where(ok, b, 0)
        cases.append([a, b, int(rng.integers(0, size + 1)), t])
    cases.append([np.zeros(3, np.int64), np.zeros(3, np.int64), 0, I32_MIN])  # 256 - t unused
    agrees(path, fn, proofs, cases)


def test_wrong_while_loop_claims_are_refused(tmp_path):
    path = KERNELS / "crossfade.cc"
    head = "def crossfade(from: vec[int], to: vec[int], n: int, t: int) -> vec[int] = "
    body = "lambda e1, e2: (e1 * (256 - t) + e2 * t) / 256)"
    # one element more than the loop's iterations: nothing inside the map is a source value
    assert not proven(path, f"{head}selection_two_args(from[:n + 1], to[:n + 1], {body}")
    # from[k + 1] is not what iteration k reads
    shifted = proven(path, f"{head}selection_two_args(tail(from, 1)[:n], to[:n], {body}")
    assert "e1 * (256 - t)" not in shifted and "e2 * t" in shifted
    src = tmp_path / "shrinking.cc"  # the bound changes in the loop: not a counted loop
    src.write_text(SHRINKING)
    assert not proven(src, "def shrinking(x: vec[int], n: int, s: int) -> vec[int] = "
                            "vec_map(x[:n], lambda e: e * s)")


@needs_gxx
def test_a_while_loop_from_a_parameter_by_two_is_proven_and_agrees_with_gxx(tmp_path):
    path = tmp_path / "stride.cc"
    path.write_text(STRIDE)
    fn = lift(path, "stride_scale")
    proofs = prove_source(str(path), fn)
    assert {"e * s", "e * s - 1"} <= {str(t) for t in proofs.terms}, proofs.failures
    head = "def stride_scale(x: vec[int], lo: int, hi: int, s: int) -> vec[int] = "
    assert not proven(path, f"{head}vec_map(stride(x, lo, 1, (hi - lo + 2) / 2), "
                             "lambda e: e * s - 1)")  # every element, not every other one
    rng = np.random.default_rng(5)
    cases = []
    for s in (1, -1, 3, 2**16, -(2**20), I32_MAX):
        x = rng.integers(-(I32_MAX // abs(s)), I32_MAX // abs(s) + 1, 101)
        x[x * s - 1 < I32_MIN] = 0
        lo = int(rng.integers(0, 50))
        cases.append([x, lo, int(rng.integers(lo - 3, 101)), s])
    agrees(path, fn, proofs, cases)


@needs_gxx
def test_a_loop_counting_down_is_proven_and_agrees_with_gxx(tmp_path):
    path = tmp_path / "down.cc"
    path.write_text(DOWN)
    fn = lift(path, "down_scale")
    proofs = prove_source(str(path), fn)
    assert {"e * s", "e * s + 3"} <= {str(t) for t in proofs.terms}, proofs.failures
    head = "def down_scale(x: vec[int], n: int, s: int) -> vec[int] = "
    assert not proven(path, f"{head}vec_map(stride(x, n - 2, -1, n), lambda e: e * s + 3)")
    rng = np.random.default_rng(9)
    cases = []
    for s in (0, -1, 5, 2**20, -I32_MAX):
        lim = (I32_MAX - 3) // max(abs(s), 1)
        x = rng.integers(-lim, lim + 1, 64)
        cases.append([x, int(rng.integers(0, 65)), s])
    agrees(path, fn, proofs, cases)


@needs_gxx
def test_a_slice_to_another_parameters_length_is_proven_and_agrees_with_gxx():
    path = KERNELS / "exclusion_blend_8.cc"  # int n = base.size(); ... active[i]
    fn = lift(path, "exclusion_blend_8")
    assert "active[:len(base)]" in str(fn.body)
    proofs = prove_source(str(path), fn)
    assert {"e1 * e2", "2 * (e1 * e2)", "e1 + e2 - 2 * (e1 * e2) / 255"} <= \
        {str(t) for t in proofs.terms}, proofs.failures
    head = "def exclusion_blend_8(base: vec[int], active: vec[int]) -> vec[int] = "
    body = "lambda e1, e2: e1 + e2 - 2 * (e1 * e2) / 255)"
    wrong = proven(path, f"{head}selection_two_args(base, tail(active, 1)[:len(base)], {body}")
    assert "e1 * e2" not in wrong and "2 * (e1 * e2)" not in wrong
    rng = np.random.default_rng(8)
    cases = []
    for size in (1, 2, 64, 777):
        base = rng.integers(-2**16, 2**16, size)
        active = rng.integers(-2**16, 2**16, size + int(rng.integers(0, 3)))
        active[:size][::5] = I32_MAX // 2 // np.maximum(np.abs(base[::5]), 1)
        p = base * active[:size]
        q = np.trunc(2 * p / 255).astype(np.int64)
        ok = fits(2 * p, base + active[:size], base + active[:size] - q)
        base = np.where(ok, base, 3)
        cases.append([base, active])
    assert max(int(np.abs(2 * c[0] * c[1][:len(c[0])]).max()) for c in cases) > 2**30
    agrees(path, fn, proofs, cases)
