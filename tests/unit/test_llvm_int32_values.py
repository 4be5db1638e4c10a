"""32-bit proofs of values beyond one source expression: a value the source selects by a branch
(one of several source values, in one obligation), a slice to a scalar expression of the
parameters, and a parameter-only subterm computed once (targets/llvm/int32_terms.py,
int32_proofs.py).

Each proven kernel is compared with g++ on random inputs reaching the int32 limits where the
source is defined; each wrong claim (a value the source does not compute) is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.targets.llvm.target import LlvmTarget
from tensflo.tests.support.llvm_int32 import (
    I32_MAX,
    I32_MIN,
    agrees,
    int32_dtypes,
    lift,
    needs_gxx,
    proven,
)

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"
HEAD = """#include <vector>
std::vector<int> head_scale(const std::vector<int>& a, int n, int m, int k) {
    std::vector<int> out;
    for (int i = 0; i < n - m; i++)
        out.push_back(a[i] * k + m + 100 / k);
    return out;
}
"""


@needs_gxx
def test_a_slice_to_a_scalar_expression_and_a_hoisted_division(tmp_path):
    path = tmp_path / "head.cc"
    path.write_text(HEAD)
    fn = lift(path, "head_scale")
    proofs = prove_source(str(path), fn)
    proven = {str(t) for t in proofs.terms}
    assert "a[:n - m]" in str(fn.body) and "e * k + m" in proven, proofs.failures
    # 100 / k uses parameters only: computed once, even for an empty map, so a division must be
    # a value the source computes before its loop (it is not)
    assert "100 / k" not in proven
    rng = np.random.default_rng(2)
    cases = []
    for k in (1, -1, 7, 2**12, -(2**24)):
        lim = (I32_MAX - 300) // abs(k)
        a = rng.integers(-lim, lim + 1, 50)
        a[:2] = [lim, -lim]
        n = int(rng.integers(0, 60))
        m = max(int(rng.integers(-100, 101)), n - len(a))  # the source reads a[:n - m]
        cases.append([a, n, m, k])
    agrees(path, fn, proofs, cases)


@needs_gxx
def test_a_value_the_source_selects_by_branch_is_proven_and_agrees_with_gxx():
    path = KERNELS / "hard_clip.cc"  # if (s > limit) limit; else if (s < -limit) -limit; else s
    fn = lift(path, "hard_clip")
    proofs = prove_source(str(path), fn)
    assert str(fn.body.args[-1].body) in {str(t) for t in proofs.terms}, proofs.failures
    assert any("by branch" in o["kind"] for o in proofs.obligations)
    head = "def hard_clip(samples: vec[int], n: int, limit: int) -> vec[int] = "
    # -limit is a source value wherever s <= limit (the test `s < -limit` computes it), -e is not
    wrong = proven(path, f"{head}vec_map(samples[:n], lambda e: ite(e > limit, limit, -e))")
    assert not wrong & {"-e", "ite(e > limit, limit, -e)"}
    assert "ite(e > limit, limit, -limit)" in proven(
        path, f"{head}vec_map(samples[:n], lambda e: ite(e > limit, limit, -limit))")
    rng = np.random.default_rng(4)
    cases = []
    for limit in (0, 1, 1000, I32_MAX, -I32_MAX, -5):
        x = rng.integers(I32_MIN, I32_MAX, 200)
        x[:4] = [I32_MIN, I32_MAX, limit, -limit]
        cases.append([x, int(rng.integers(0, 201)), limit])
    from tensflo.compiler.native import run_native

    ex = LlvmTarget().compile([fn], int32_dtypes(fn), {fn.name: proofs})[fn.name]
    want = run_native(str(path), fn.name, [str(p.type) for p in fn.params], str(fn.result),
                      [[c[0].tolist(), *c[1:]] for c in cases])
    for case, w in zip(cases, want, strict=True):
        assert ex(case[0].astype(np.int32), *case[1:]).tolist() == list(w)
