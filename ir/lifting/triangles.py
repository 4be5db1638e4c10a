"""Sums over the pairs `i < j`: a nested loop whose inner range starts at the outer counter
(`for j in range(i + 1, n)`), as in counting the pairs with a given sum or the inversions.

Summarized, the inner loop is a reduction over `x[i + 1:]`, a part of the vector that moves with
the outer counter; the outer loop would then be a reduction over the strict upper triangle of the
pairwise matrix `[f(x[i], x[j])]`. TensIR has no such mask (no iota, no triangle) and no map over
the pairs of two vectors (`outer` only multiplies), so the loop is refused with this reason; for a
symmetric `f` the triangle is half the full matrix without its diagonal, which would need the same
missing pairwise map.
"""

from __future__ import annotations

from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, rewrite, subterms

from .results import NotLiftable

_MOVING = ("tail", "slice", "take")
"""Ops whose position arguments say where a part of a vector starts or ends."""


def moving_part(body: Term, i: Var) -> Term | None:
    """A part of a vector in `body` whose start or end reads the counter `i`, else None."""
    for t in subterms(body):
        if isinstance(t, App) and t.op.name in _MOVING and any(
                isinstance(a, Term) and i in free_vars(a) for a in t.args[1:]):
            return t
    return None


def refuse_triangle(loc: Loc, body: Term, i: Var) -> None:
    """Raise `NotLiftable` naming a sum over the pairs `i < j` when `body` (an iteration's value
    over the counter `i`) reads a part of a vector that starts at the counter."""
    part = moving_part(body, i)
    if part is None:
        return
    raise NotLiftable(loc, f"a sum over the pairs {i.name} < j (an inner loop starting at the "
                           f"counter {i.name}: {rewrite.show(part)}): TensIR has no op for the "
                           "triangle of a pairwise matrix")


def refuse_pairs(loc: Loc, body: Term, lo: Term) -> None:
    """Raise `NotLiftable` naming a sum over the pairs `i < j` when `body` (an iteration's value of
    an inner loop starting at `lo`) reads a vector at a variable `lo` reads (`x[i]` beside the
    entries from `i + 1` on)."""
    starts = {v for v in free_vars(lo) if v.type.is_scalar and v.type.elem == "int"}
    for t in subterms(body):
        if isinstance(t, App) and t.op.name == "index" and isinstance(t.args[1], Term) \
                and free_vars(t.args[1]) & starts:
            i = sorted(v.name for v in free_vars(t.args[1]) & starts)[0]
            raise NotLiftable(loc, f"a sum over the pairs {i} < j (an inner loop from "
                                   f"{rewrite.show(lo)} beside the read {rewrite.show(t)}): TensIR "
                                   "has no op for the triangle of a pairwise matrix")
