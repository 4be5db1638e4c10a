"""First-order linear recurrences: `linear_recurrence(a, b, s0)` is the value of `s` after

    s = s0
    for k in range(len(b)): s = a[k] * s + b[k]

for vectors `a` and `b` of one length (Horner's rule is `a` all `x`, `b` the coefficients from the
highest degree down; a number read from its digits is `a` all the base). Its closed form,
`s0 * prod(a) + sum_k b[k] * prod(a[k + 1:])`, needs every suffix product; the op states the fold
itself instead.

In the SMT encoding the op is a recursive function on the length, the fold above read backwards:
`lr(fa, fb, s0, n) = ite(n <= 0, s0, fa(n - 1) * lr(fa, fb, s0, n - 1) + fb(n - 1))`, so its
prefix lemma `lr(a[:i + 1], b[:i + 1], s0) == a[i] * lr(a[:i], b[:i], s0) + b[i]` is one unfolding
(a slice only changes the length), exactly like a reduction's. A numeral length up to
`Encoder.UNROLL` unrolls the same recursion, term for term.

The NumPy semantics is the same loop on Python numbers: floats are rounded step by step as CPython
rounds the source's own loop; ints are exact (object arrays give Python ints back, int64 arrays the
value modulo 2**64, as every int64 op). Every target renders the op as the same loop, one step per
entry in order (`targets/recurrence_runtime.py`, NumPy's over `tolist()` in `recurrence_numpy.py`,
`jax.lax.scan` in `recurrence_jax.py`, one native loop on llvm), so it computes the value the SMT
definition states; functions lifted from Python run it on Python ints when the call-time magnitude
bound leaves int64 (`targets/exact_ints.py`), never wrapping.

Also here: `linear_recurrence_scan(a, b, s0)`, the value after each step (entry `k` is the
recursive function at length `k + 1`, as a scan's entry is its reduction's), and `ipow(x, k)`, a
power with a computed exponent (the fold `x * ipow(x, k - 1)`). Under the nonlinear abstraction
(`Encoder.abstract_nonlinear`) these ops state that the uninterpreted product commutes, since a
source may write the step as `s * a` or `a * s`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import SORTS, Encoder, SVal
from ..terms import Lit, Term
from ..types import INT, TensIRTypeError, TensorType
from .rules import NUMERIC, expect_rank, same_elem
from .scalar import SCALAR_OPS
from .structural import APPEND, INDEX, SLICE


def _infer(a: TensorType, b: TensorType, s0: TensorType) -> TensorType:
    expect_rank("linear_recurrence", a, 1, "the factors a")
    expect_rank("linear_recurrence", b, 1, "the terms b")
    expect_rank("linear_recurrence", s0, 0, "the start s0")
    same_elem("linear_recurrence", NUMERIC, a, b, s0)
    return s0


def _numpy(a: Any, b: Any, s0: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise DomainError(f"linear_recurrence: {a.shape[0]} factors for {b.shape[0]} terms")
    dtype = np.result_type(a, b, np.asarray(s0))
    s = np.asarray(s0).item()
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        s = x * s + y
    if dtype.kind == "O":
        return s  # Python ints: exact at any size
    if dtype.kind == "i":  # int64 values wrap as every other int64 op's do
        s = (s + 2**63) % 2**64 - 2**63
    return np.asarray(s, dtype=dtype)[()]


def _step(enc: Encoder, elem: str, acc: str, a: str, b: str) -> str:
    """One step `a * acc + b` (the product abstracted as `reduce_mul`'s is, even for numerals,
    so unrolled and recursive forms are equal term for term)."""
    _commutes(enc, elem)
    return f"(+ {enc.mul(elem, a, acc, numerals_exact=False)} {b})"


def _commutes(enc: Encoder, elem: str) -> None:
    """Under the nonlinear abstraction, state that the uninterpreted product commutes (a fact of
    multiplication): the source may write `s * a` or `a * s`, the op's step is `a * s`."""
    if not enc.abstract_nonlinear:
        return
    sort = SORTS[elem]
    name = enc.declare_fun(f"tf_mul_{sort}", [sort, sort], sort)
    fact = (f"(forall ((x {sort}) (y {sort})) (! (= ({name} x y) ({name} y x)) "
            f":pattern (({name} x y))))")
    if fact not in enc.assumptions:
        enc.assumptions.append(fact)


def _rec_fn(enc: Encoder, elem: str) -> str:
    sort = SORTS[elem]
    name = f"tf_linrec_{sort}"
    fsort = enc.dialect.fn_sort(1, elem)
    prev = f"({name} fa fb s (- n 1))"
    last = ("(- n 1)",)
    step = _step(enc, elem, prev, enc.dialect.apply("fa", last), enc.dialect.apply("fb", last))
    enc.define(name, f"(define-fun-rec {name} ((fa {fsort}) (fb {fsort}) (s {sort}) (n Int)) "
                     f"{sort} (ite (<= n 0) s {step}))")
    return name


def _smt(enc: Encoder, a: SVal, b: SVal, s0: SVal) -> SVal:
    n = b.dims[0]
    enc.require(f"(= {a.dims[0]} {n})")
    assert a.at is not None and b.at is not None and s0.expr is not None
    if n.isdigit() and int(n) <= enc.UNROLL:
        s = s0.expr
        for j in range(int(n)):
            s = _step(enc, s0.elem, s, a.at((str(j),)), b.at((str(j),)))
        return enc.scalar(s, s0.elem)
    name = _rec_fn(enc, s0.elem)
    return enc.scalar(f"({name} {enc.materialize(a)} {enc.materialize(b)} {s0.expr} {n})",
                      s0.elem)


def _prefix_step(prev: Term, args: tuple[Any, ...], i: Term) -> Term:
    """`lr(a[:i + 1], b[:i + 1], s0) == a[i] * lr(a[:i], b[:i], s0) + b[i]`."""
    a, b = args[0], args[1]
    return SCALAR_OPS["add"](SCALAR_OPS["mul"](INDEX(a, i), prev), INDEX(b, i))


LINEAR_RECURRENCE = register(OpDef(
    name="linear_recurrence", params=("a", "b", "s0"), arity=3, infer=_infer, numpy=_numpy,
    smt=_smt, doc="the fold s = a[k] * s + b[k] over k < len(b) from s = s0 (Horner's rule)",
    domain="a and b have one length", prefix_args=(0, 1), prefix_step=_prefix_step,
))


def _scan_infer(a: TensorType, b: TensorType, s0: TensorType) -> TensorType:
    return _infer(a, b, s0).with_rank(1)


def _scan_numpy(a: Any, b: Any, s0: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise DomainError(f"linear_recurrence_scan: {a.shape[0]} factors for {b.shape[0]} terms")
    dtype = np.result_type(a, b, np.asarray(s0))
    s, out = np.asarray(s0).item(), []
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        s = x * s + y
        out.append(s)
    if dtype.kind == "i":  # int64 values wrap as every other int64 op's do
        out = [(v + 2**63) % 2**64 - 2**63 for v in out]
    return np.asarray(out, dtype=dtype)


def _scan_smt(enc: Encoder, a: SVal, b: SVal, s0: SVal) -> SVal:
    n = b.dims[0]
    enc.require(f"(= {a.dims[0]} {n})")
    assert s0.expr is not None
    name, fa, fb, start = _rec_fn(enc, s0.elem), enc.materialize(a), enc.materialize(b), s0.expr
    return enc.tensor(s0.elem, (n,), lambda idx: f"({name} {fa} {fb} {start} (+ {idx[0]} 1))")


def _scan_step(prev: Term, args: tuple[Any, ...], i: Term) -> Term:
    """`scan(a[:i + 1], b[:i + 1], s0) == append(scan(a[:i], b[:i], s0), lr(a[:i + 1], ...))`."""
    end = SCALAR_OPS["add"](i, Lit(1, INT))
    a, b = (SLICE(x, Lit(0, INT), end) for x in args[:2])
    return APPEND(prev, LINEAR_RECURRENCE(a, b, args[2]))


LINEAR_RECURRENCE_SCAN = register(OpDef(
    name="linear_recurrence_scan", params=("a", "b", "s0"), arity=3, infer=_scan_infer,
    numpy=_scan_numpy, smt=_scan_smt,
    doc="the value after each step of linear_recurrence: out[k] = linear_recurrence(a[:k + 1], "
        "b[:k + 1], s0)",
    domain="a and b have one length", prefix_args=(0, 1), prefix_step=_scan_step,
))
"""The trace of the fold (a running value pushed once per iteration): entry `k` is the recursive
function at length `k + 1`, as a scan's entry is its reduction's, so one more entry unfolds by one
step."""


def _ipow_infer(x: TensorType, k: TensorType) -> TensorType:
    expect_rank("ipow", x, 0, "the base")
    same_elem("ipow", NUMERIC, x)
    if k != INT:
        raise TensIRTypeError(f"ipow: the exponent must be int, got {k}")
    return x


def _ipow_np(x: Any, k: Any) -> Any:
    """Elementwise over broadcast arrays (lambdas are vectorized): Python's power of each pair."""
    x, k = np.asarray(x), np.asarray(k)
    if (k < 0).any():
        raise DomainError("ipow: a negative exponent")
    try:
        value = np.asarray(np.asarray(x, dtype=object) ** np.asarray(k, dtype=object),
                           dtype=object)
    except OverflowError:  # a float power past the largest float: CPython raises there too
        raise DomainError("ipow: a float power overflows") from None
    if x.dtype.kind == "O":
        return value
    if x.dtype.kind == "i" and value.size and not all(-2**63 <= v < 2**63 for v in value.flat):
        raise DomainError("ipow: an int power leaves int64")
    return value.astype(x.dtype)


def _ipow_smt(enc: Encoder, x: SVal, k: SVal) -> SVal:
    assert x.expr is not None and k.expr is not None
    sort = SORTS[x.elem]
    name = f"tf_ipow_{sort}"
    one = "1" if x.elem == "int" else "1.0"
    _commutes(enc, x.elem)
    step = enc.mul(x.elem, "x", f"({name} x (- k 1))", numerals_exact=False)
    enc.define(name, f"(define-fun-rec {name} ((x {sort}) (k Int)) {sort} "
                     f"(ite (<= k 0) {one} {step}))")
    return enc.scalar(f"({name} {x.expr} {k.expr})", x.elem)


IPOW = register(OpDef(
    name="ipow", params=("x", "k"), arity=2, infer=_ipow_infer, numpy=_ipow_np, smt=_ipow_smt,
    doc="x ** k for an int k >= 0: k products of x (Python's int and float power)",
    domain="k >= 0 (and an int result inside int64 for the NumPy oracle)",
))
"""A power with a computed exponent (`x ** i` over a loop counter). Its SMT meaning is the fold
`ipow(x, k) = x * ipow(x, k - 1)`, `1` for `k <= 0`; the targets render `x ** k` through a helper
that raises for a negative exponent, where Python's `**` gives a float and the op is undefined,
so no input gets a wrong number."""

RECURRENCE_OPS = ("linear_recurrence", "linear_recurrence_scan", "ipow")
