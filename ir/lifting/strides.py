"""Strided reads: `x[a * i + c]` over a loop's counter `i` in `[lo, b)`, with `a` and `c` free of
`i`, is the strided view `stride(x, a * lo + c, a, b - lo)` (the BLAS `x[i * incx]`, a column of a
flat matrix `w[i * cols + j]`, every other element `x[2 * i + 1]`).

    x[inc * i]      over i in [0, n)  ->  stride(x, 0, inc, n)
    x[(i + 1) * 2]  over i in [0, n)  ->  stride(x, 2, 2, n)

The read is in range when the loop runs exactly when both ends are: the indices are affine in `i`,
so `a * lo + c` and `a * (b - 1) + c` bound all of them (`StridedRead.in_range`), which becomes a
precondition like the bounds of a slice. A coefficient of exactly 1 is a plain slice
(`vectorize.offset`); an index not affine in the counter is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, lit, rewrite

from .build import ONE, ZERO, mk, term_arg
from .results import NotLiftable


def _mul(a: Term, b: Term) -> Term:
    if ZERO in (a, b):
        return ZERO
    return b if a == ONE else a if b == ONE else mk("mul", a, b)


def _add(name: str, a: Term, b: Term) -> Term:
    if b == ZERO:
        return a
    if a == ZERO:
        return b if name == "add" else mk("neg", b)
    return mk(name, a, b)


def affine(idx: Term, i: Var) -> tuple[Term, Term] | None:
    """(a, c) with `idx == a * i + c` and `a`, `c` free of `i`; None when `idx` is not affine in
    `i` (a product of two terms with `i`, `i` under a division, a read indexed by `i`, ...)."""
    if i not in free_vars(idx):
        return ZERO, idx
    if idx == i:
        return ONE, ZERO
    if isinstance(idx, App) and idx.op.name in ("add", "sub"):
        left, right = affine(term_arg(idx.args[0]), i), affine(term_arg(idx.args[1]), i)
        if left is None or right is None:
            return None
        return _add(idx.op.name, left[0], right[0]), _add(idx.op.name, left[1], right[1])
    if isinstance(idx, App) and idx.op.name == "neg":
        inner = affine(term_arg(idx.args[0]), i)
        if inner is None:
            return None
        return mk("neg", inner[0]), mk("neg", inner[1])
    if isinstance(idx, App) and idx.op.name == "mul":
        p, q = term_arg(idx.args[0]), term_arg(idx.args[1])
        if i in free_vars(p) and i in free_vars(q):
            return None
        varying, factor = (p, q) if i in free_vars(p) else (q, p)
        inner = affine(varying, i)
        if inner is None:
            return None
        return _mul(inner[0], factor), _mul(inner[1], factor)
    return None


@dataclass(frozen=True)
class StridedRead:
    """A read `x[step * i + c]` of the loop being summarized; its range becomes a precondition."""

    x: Term
    step: Term
    c: Term
    loc: Loc

    def __iter__(self) -> Iterator[Term]:
        """Code that reads only `(x, start, c)` reads (at the counter plus an offset) refuses a
        strided one rather than misreading it."""
        raise NotLiftable(self.loc, "a strided read where only reads at the counter plus an "
                                    "offset are supported")

    def in_range(self, lo: Term, hi: Term) -> Term:
        """Every index read while `i` runs over `[lo, hi)` is inside `x`, when the loop runs."""
        n = rewrite.simplify(mk("len", self.x))
        ends = [rewrite.simplify(_add("add", _mul(self.step, at), self.c))
                for at in (lo, mk("sub", hi, ONE))]
        inside = [mk("and", mk("le", ZERO, e), mk("lt", e, n)) for e in ends]
        return rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), mk("and", *inside)))


def strided_slice(loc: Loc, x: Term, idx: Term, i: Var, lo: Term, b: Term,
                  pending: list[Any] | None = None) -> Term:
    """`x[a * i + c]` over i in [lo, b) as `stride(x, a * lo + c, a, b - lo)`; the read is
    recorded in `pending` when given."""
    found = affine(idx, i)
    if found is None:
        raise NotLiftable(loc, f"the index {rewrite.show(idx)} is not affine in the counter "
                               f"{i.name} (a * {i.name} + c with a and c loop-invariant)")
    a, c = (rewrite.simplify(t) for t in found)
    if a == ZERO or a == lit(0):
        raise NotLiftable(loc, f"the index {rewrite.show(idx)} does not move with the counter")
    if pending is not None:
        pending.append(StridedRead(x, a, c, loc))
    start = rewrite.simplify(_add("add", _mul(a, lo), c))
    return rewrite.simplify(mk("stride", x, start, a, mk("sub", b, lo)))
