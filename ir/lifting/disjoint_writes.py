"""Several writes of one loop at affine positions proven apart by an SMT obligation.

A loop writing `y[a_k * i + c_k]` at several positions (`affine_writes`) is read with one cell
per position, seeded with the old element where the body reads it first, and `y` updated by one
`stride_update` per position after the loop. That is C's result when no two (position, iteration)
pairs land on the same element: each element is then written once, by the iteration that read it,
from elements no iteration has written yet. One position alone is distinct over the iterations
(its step is nonzero: a precondition). Positions whose steps are one constant and whose offsets
are constants are decided by `affine_writes` itself; for the others (steps that differ, or offsets
apart by a symbolic amount) the lifting states, over two fresh counters `i`, `i'` in `[lo, hi)`,

    a_k * i + c_k != a_l * i' + c_l

under the context's assumptions and the precondition so far, and the verifier proves it with the
rest of the obligations. A swap from both ends, `t = a[i]; a[i] = a[n - 1 - i]; a[n - 1 - i] = t`
over `i < n / 2`, is such a pair: `i + i' <= n - 2` there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var, lit, rewrite
from tensflo.ir.tensir.types import INT

from .build import mk
from .conditions import Context
from .results import Obligation

if TYPE_CHECKING:
    from .executor import Lifter

KIND = "disjoint writes"
"""The kind of the obligation (`Obligation.kind`)."""


def disjoint_obligation(lifter: Lifter, s: L.For, ctx: Context, positions: list[tuple[Term, Term]],
                        pairs: list[tuple[int, int]], lo: Term, hi: Term) -> None:
    """States that the positions `a * i + c` (each `(a, c)` of `positions`) of each pair `(k, l)`
    never coincide over the iterations `[lo, hi)` of `s`, as an obligation of the lifting."""
    tag = f"{s.loc.line}:{s.loc.col}"
    i, j = Var(f"{s.var} one write at {tag}", INT), Var(f"{s.var} other write at {tag}", INT)
    inside = (mk("le", lo, i), mk("lt", i, hi), mk("le", lo, j), mk("lt", j, hi))
    goals = []
    for k, m in pairs:
        (a, c), (b, d) = positions[k], positions[m]
        goals.append((rewrite.simplify(mk("ne", mk("add", mk("mul", a, i), c),
                                            mk("add", mk("mul", b, j), d))), lit(True)))
    lifter.conditions.obligations.append(Obligation(
        KIND, s.loc, ctx.assume + tuple(lifter.conditions.requires) + inside, (), tuple(goals)))
