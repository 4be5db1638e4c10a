"""Matrix-vector elements proven to be the C++ source's per-row `int` accumulators
(targets/llvm/int32_matvec.py): the product and what is computed from it run in 32 bits.

The code is compared with g++ -O2 on the source near the int32 limits (partial sums that stay in
`int`, final values next to INT_MAX), and wrong claims about the accumulator are refused."""

from __future__ import annotations

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
ATTENTION = ROOT / "benchmarks" / "kernels" / "cpp" / "attention_scores.cc"
GEMV = ROOT / "benchmarks" / "kernels" / "cpp" / "gemv.cc"
MATVEC = ("matrix_vec_mul(col_slice(key_cache_layer[:token_position], head * head_size, "
          "head * head_size + head_size), take(tail(q, head * head_size), head_size))")
SIGNATURE = ("def attention_scores(token_position: int, head: int, head_size: int, "
             "key_cache_layer: mat[int], q: vec[int], scale: int) -> vec[int] = ")


def test_attention_scores_elements_are_proven_and_computed_in_i32():
    fn = lift(ATTENTION, "attention_scores")
    proofs = prove_source(str(ATTENTION), fn)
    proven = {str(t) for t in proofs.terms}
    assert MATVEC in proven and "r1 / scale" in proven, proofs.failures
    kinds = {o["kind"] for o in proofs.obligations}
    assert "matvec element: each iteration adds m[i][j] * v[j]" in kinds
    assert "matvec element: each new accumulator value is a source int" in kinds
    with_ = str(optimize(str(build_module([fn], int32_dtypes(fn), proofs={fn.name: proofs})[0])))
    without = str(optimize(str(build_module([fn], int32_dtypes(fn), proofs={fn.name: NOTHING})[0])))
    # r1 / scale of two i32 values by a parameter: a magic multiply (targets/llvm/int_div.py,
    # its shift from `ctlz`), not an i64 sdiv
    assert "llvm.ctlz.i32" in with_ and "sdiv i64" not in with_ and "mul <8 x i32>" in with_
    assert "sdiv i64" in without  # the proof is what makes the difference


@pytest.mark.parametrize("body", [
    f"vec_map({MATVEC}, lambda r1: ite(scale != 0, (r1 + 1) / scale, r1))",  # not the source
    "vec_map(" + MATVEC.replace("tail(q, head * head_size)", "tail(q, head * head_size + 1)")
    + ", lambda r1: ite(scale != 0, r1 / scale, r1))",  # another vector: not the accumulator
])
def test_wrong_claims_about_the_accumulator_are_not_proven(body):
    (wrong,) = parse_module(SIGNATURE + body)
    proofs = prove_source(str(ATTENTION), wrong)
    assert not any("/ scale" in str(t) for t in proofs.terms), proofs.terms
    if "+ 1)," in body:
        assert not proofs.terms
        assert any("each iteration adds" in f for f in proofs.failures), proofs.failures


def test_an_accumulator_that_does_not_start_at_zero_is_refused(tmp_path):
    src = tmp_path / "rows.cc"
    src.write_text(ATTENTION.read_text().replace("int score = 0;", "int score = 1;"))
    (claim,) = parse_module(SIGNATURE + f"vec_map({MATVEC}, lambda r1: ite(scale != 0, "
                                        "r1 / scale, r1))")
    proofs = prove_source(str(src), claim)
    assert not proofs.terms
    assert any("the accumulator starts at 0" in f for f in proofs.failures), proofs.failures


def _near_limit_rows(rng: np.random.Generator, t: int, width: int, offset: int, h: int):
    """Rows whose products with q alternate +P and -P (P near INT_MAX): partial sums stay in
    int and the final one is P; other rows random and small."""
    big = 46340  # 46340^2 = 2147395600 < INT_MAX
    q = rng.integers(-300, 301, width)
    q[offset:offset + h] = big
    keys = rng.integers(-300, 301, (t, width))
    for r in range(0, t, 2):
        keys[r, offset:offset + h] = [big if k % 2 == 0 else -big for k in range(h)]
        if r % 4 == 2:
            keys[r, offset:offset + h] *= -1  # final value -P
    return q, keys


@needs_gxx
def test_attention_scores_agrees_with_gxx_near_the_int32_limits():
    from tensflo.compiler.native import run_native

    fn = lift(ATTENTION, "attention_scores")
    proofs = prove_source(str(ATTENTION), fn)
    run = LlvmTarget().executable(fn, int32_dtypes(fn), int32=proofs)
    rng = np.random.default_rng(11)
    cases, got = [], []
    for scale in (0, 1, -1, 7, -3, 2**31 - 1):
        t, head, h = 21, 1, 33
        q, keys = _near_limit_rows(rng, t, 3 * h, head * h, h)
        cases.append([t, head, h, keys.tolist(), q.tolist(), scale])
        got.append(np.asarray(run.fetch(run.run(run.prepare(
            [t, head, h, keys.astype(np.int32), q.astype(np.int32), scale])))).tolist())
    want = run_native(str(ATTENTION), fn.name, [str(p.type) for p in fn.params],
                      str(fn.result), cases)
    assert got == [list(w) for w in want]
    assert max(abs(v) for row in got for v in row) > 2**30


@needs_gxx
def test_gemv_accumulators_are_proven_and_agree_with_gxx():
    from tensflo.compiler.native import run_native

    fn = lift(GEMV, "gemv")
    proofs = prove_source(str(GEMV), fn)
    assert "alpha * r1" in {str(t) for t in proofs.terms}, proofs.failures
    run = LlvmTarget().executable(fn, int32_dtypes(fn), int32=proofs)
    rng = np.random.default_rng(12)
    cases, got = [], []
    for _ in range(4):
        m, n = 9, 33
        x, a = _near_limit_rows(rng, m, n, 0, n)
        y = rng.integers(-5, 6, m)
        cases.append([m, n, 1, a.tolist(), x.tolist(), -1, y.tolist()])
        got.append(np.asarray(run.fetch(run.run(run.prepare(
            [m, n, 1, a.astype(np.int32), x.astype(np.int32), -1, y.astype(np.int32)])))).tolist())
    want = run_native(str(GEMV), fn.name, [str(p.type) for p in fn.params], str(fn.result), cases)
    assert got == [list(w) for w in want]
