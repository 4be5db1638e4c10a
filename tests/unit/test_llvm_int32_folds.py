"""Reductions proven to be the C/C++ source's `int` accumulators (targets/llvm/int32_folds.py):
a fold whose result is not stored directly (here divided) runs with wrapping i32 adds, vectorized.

Compared with g++ -O2 on the source near the int32 limits; wrong claims are refused."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.int32_proofs import NOTHING, prove_source
from tensflo.targets.llvm.jit import optimize
from tensflo.targets.llvm.target import LlvmTarget
from tensflo.tests.support.llvm_int32 import int32_dtypes, lift, needs_gxx

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"
MEAN_SQ = """#include <vector>

int mean_sq(const std::vector<int>& x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += x[i] * x[i];
    }
    return n > 0 ? s / n : 0;
}
"""


@pytest.mark.parametrize("name, fold", [
    ("dot", "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"),
    ("amax_abs", "reduce_max(append(vec_map(x[:n], lambda e: ite(e < 0, -e, e)), 0))"),
    ("asum", "reduce_sum(vec_map(x[:n], lambda e: ite(e < 0, -e, e)))"),  # sum -= x[i] if < 0
])
def test_corpus_folds_are_proven(name, fold):
    path = KERNELS / f"{name}.cc"
    proofs = prove_source(str(path), lift(path, name))
    assert fold in {str(t) for t in proofs.terms}, proofs.failures
    assert {"fold: each iteration applies the fold's step",
            "fold: each new accumulator value is a source int"} <= \
        {o["kind"] for o in proofs.obligations}


def test_a_fold_through_a_helper_from_the_second_element_is_proven():
    path = KERNELS / "array_max.cc"  # best = values[0]; for (i = 1; ...) best = larger(best, ...)
    fn = lift(path, "array_max")
    proofs = prove_source(str(path), fn)
    assert {str(t) for t in proofs.terms} == {str(fn.body)}
    (wrong,) = parse_module(  # starts at values[1], not at the source's values[0]
        "def array_max(values: vec[int]) -> int = "
        "reduce_max(append(take(tail(values, 1), len(values) - 1), values[1]))")
    refused = prove_source(str(path), wrong)
    assert not refused.terms
    assert any("the accumulator starts at" in f for f in refused.failures), refused.failures


@pytest.mark.parametrize("claim, reason", [
    ("reduce_sum(vec_elemwise_mul(x[:n], x[:n]))", "each iteration applies the fold's step"),
    ("reduce_sum(append(vec_elemwise_mul(x[:n], y[:n]), 1))", "the accumulator starts at"),
    ("reduce_sum(vec_elemwise_mul(x[:n - 1], y[:n - 1]))", "every iteration is an element"),
])
def test_wrong_claims_are_refused(claim, reason):
    (wrong,) = parse_module(f"def dot(x: vec[int], y: vec[int], n: int) -> int = {claim}")
    proofs = prove_source(str(KERNELS / "dot.cc"), wrong)
    assert not proofs.terms
    assert any(reason in f for f in proofs.failures), proofs.failures


@needs_gxx
def test_a_divided_sum_runs_on_i32_lanes_and_agrees_with_gxx_near_the_limits(tmp_path):
    from tensflo.compiler.native import run_native

    path = tmp_path / "mean_sq.cc"
    path.write_text(MEAN_SQ)
    fn = lift(path, "mean_sq")
    proofs = prove_source(str(path), fn)
    assert "reduce_sum(vec_map(x[:n], lambda e: e * e))" in {str(t) for t in proofs.terms}
    with_ = str(optimize(str(build_module([fn], int32_dtypes(fn), proofs={fn.name: proofs})[0])))
    without = str(optimize(str(build_module([fn], int32_dtypes(fn), proofs={fn.name: NOTHING})[0])))
    # with the proof the sum adds wrapping i32 lanes; without it, i64 lanes (any vector width)
    assert re.search(r"= add <\d+ x i32>", with_) and not re.search(r"add nsw <\d+ x i32>", with_)
    assert re.search(r"= add <\d+ x i64>", without) and not re.search(r"= add <\d+ x i32>", without)
    run = LlvmTarget().executable(fn, int32_dtypes(fn), int32=proofs)
    rng = np.random.default_rng(4)
    cases, got = [], []
    for n in (0, 1, 2, 3, 1000, 2047):
        # squares summing to just under INT_MAX: the partial sums stay in int
        x = rng.integers(-1000, 1001, max(n, 1))
        if n:
            x[:] = int(np.sqrt((2**31 - 1) // n))
            x[::3] *= -1
        cases.append([x.tolist(), n])
        got.append(int(run.fetch(run.run(run.prepare([x.astype(np.int32), n])))))
    want = run_native(str(path), "mean_sq", ["vec[int]", "int"], "int", cases)
    assert got == [int(w) for w in want]
    sums = [sum(v * v for v in c[0][:c[1]]) for c in cases]
    assert max(sums) > 2**31 - 2**22  # the test does reach the limit


SUM_DIV = """#include <vector>

int sum_div(const std::vector<int>& x, int n, int d) {
    int s = 0;
    int i = 0;
    while (i < n) {
        s += x[i] / d;
        i++;
    }
    return s;
}
"""


@needs_gxx
def test_a_while_loop_sum_of_quotients_is_proven_and_agrees_with_gxx(tmp_path):
    from tensflo.compiler.native import run_native

    path = tmp_path / "sum_div.cc"
    path.write_text(SUM_DIV)
    fn = lift(path, "sum_div")
    proofs = prove_source(str(path), fn)
    assert {str(t) for t in proofs.terms} == {"reduce_sum(vec_scalar_div(x[:n], d))"}, \
        proofs.failures
    (wrong,) = parse_module("def sum_div(x: vec[int], n: int, d: int) -> int = "
                            "reduce_sum(vec_scalar_div(x[:n], d + 1))")
    refused = prove_source(str(path), wrong)
    assert not refused.terms
    assert any("each iteration applies the fold's step" in f for f in refused.failures)
    run = LlvmTarget().executable(fn, int32_dtypes(fn), int32=proofs)
    rng = np.random.default_rng(6)
    cases, got = [], []
    for n, d in ((0, 1), (1, -1), (5, 1), (300, 3), (1000, -255), (77, 2**31 - 1)):
        lim = min(2**31 - 1, (2**31 - 1) // max(n, 1) * abs(d))
        x = rng.integers(lim // 2, lim + 1, max(n, 1)) * rng.choice([1, 1, 1, -1], max(n, 1))
        x[0] = -lim  # never INT_MIN / -1
        cases.append([x.tolist(), n, d])
        got.append(int(run.fetch(run.run(run.prepare([x.astype(np.int32), n, d])))))
    want = run_native(str(path), "sum_div", ["vec[int]", "int", "int"], "int", cases)
    assert got == [int(w) for w in want]
    assert max(abs(sum(int(v / c[2]) for v in c[0][:c[1]])) for c in cases) > 2**30  # near
