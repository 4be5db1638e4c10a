"""A state an `if`/`elif` chain keeps on one branch, read as its update on the other branch.

In `if x < lo: lo = x  elif x > hi: hi = x` the update of `hi` is `ite(x < lo, hi, max(hi, x))`:
the first branch keeps `hi` because it changes another state. Most such chains keep the state
where the other branch would keep it anyway (`x < lo <= hi`, so `max(hi, x)` is `hi` there), and
the update is then the other branch alone:

    v' = ite(c, v, e)   ->   v' = e        (and `ite(c, e, v)` likewise)

when `e` itself reads `v` (an update of `v`, not an overwrite, which `ite(c, x, v)` is). The
result is only a candidate for the loop-shape rules: the loop's preservation obligation compares
the summary built from `e` with the original update `ite(c, v, e)` at every iteration, so a merge
that is not equal on the states the loop reaches is never proven (and a random test refutes it
first). Where `e` reads another state `w` whose update keeps `w` when `c` fails (`w' = ite(c, g,
w)`), `w` is `w'` in `e`'s branch: `e` is read with `w'` for `w`, so that `best = max(best, p - m)`
after `if p < m: m = p` is a fold of the new running minimum (see `recurrences.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from tensflo.ir.tensir import App, Term, Var, free_vars

from .build import term_arg
from .sequence import replace_outside_lambdas


def without_kept_branch(new: Term, var: Var, others: Mapping[Var, Term] | None = None) -> Term | None:
    """`new` (the update of `var`) without the branches that keep `var` (see the module
    docstring), or None when it has none to drop. `others` maps the loop's other states to their
    updates; a state kept where the dropped condition fails is read at its new value."""
    t, dropped = new, False
    while isinstance(t, App) and t.op.name == "ite":
        c, p, q = map(term_arg, t.args)
        if p == var and q != var and var in free_vars(q):
            t = _at_new_values(q, c, others or {})
        elif q == var and p != var and var in free_vars(p):
            t = p
        else:
            break
        dropped = True
    return t if dropped else None


def _at_new_values(e: Term, c: Term, others: Mapping[Var, Term]) -> Term:
    """`e` (evaluated where `c` fails) with each other state `w` whose update is `ite(c, g, w)`
    read as that update (equal to `w` where `c` fails)."""
    swap: dict[Term, Term] = {}
    for w, update in others.items():
        if w not in free_vars(e) or not (isinstance(update, App) and update.op.name == "ite"):
            continue
        uc, _, keep = map(term_arg, update.args)
        if uc == c and keep == w:
            swap[w] = update
    return replace_outside_lambdas(e, swap) if swap else e

