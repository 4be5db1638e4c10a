"""One element written outside a loop: `t[e] = v` (a DP table's first or last entry, set before
the loop that fills the rest) leaves `t` as its old entries with entry `e` replaced,

    t = stride_update(t, e, 1, full(1, v))

with `0 <= e < len(t)` read as the in-range condition of a read at `e` (the same precondition or
obligation). A vector pre-sized and not yet written (`[f] * n`) is `full(n, f)` there, `n`
required non-negative (`[f] * n` is empty for a negative `n`, where `full` is not defined).
Writes inside a loop are left to the loop rules (writes at the counter, at affine positions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Term, rewrite

from .build import ONE, ZERO, mk, term_arg
from .conditions import Context
from .results import NotLiftable, Presized, Sym
from .sequence import length_of

if TYPE_CHECKING:
    from .executor import Lifter


def element_write(lifter: Lifter, s: L.Assign, env: dict[str, Sym], ctx: Context) -> bool:
    """Sets `env` after the write `s` (`t[e] = v` outside any loop); False when it has another
    shape (a nested index, a vector being built by pushes)."""
    target = s.target
    _refuse_self_filled_rows(s)
    if lifter.in_loop or not (isinstance(target, L.Index) and isinstance(target.base, L.Name)):
        return False
    name = target.base.id
    cur = env.get(name)
    if isinstance(cur, Presized):
        cur = filled(lifter, s.loc, cur, env, ctx)
    if not (isinstance(cur, Term) and cur.type.rank == 1):
        return False
    idx = lifter.scalar(target.index, env, ctx)
    value = lifter.value(s.value, env, ctx, cur.type.scalar)
    if not isinstance(value, Term):
        raise NotLiftable(s.value.loc, f"the value written into {name} is a vector")
    _condition(lifter, target.loc, mk("and", mk("le", ZERO, idx), mk("lt", idx, written_length(cur))),
               ctx)
    env[name] = mk("stride_update", cur, idx, ONE, mk("full", ONE, value))
    return True


def filled(lifter: Lifter, loc: L.Loc, cur: Presized, env: dict[str, Sym], ctx: Context
           ) -> Term | None:
    """A vector pre-sized and not yet written, `[f] * n`, as `full(n, f)` (`0 <= n` required
    unless `n` is a length); None without a scalar fill."""
    if not (cur.type.rank == 1 and cur.fill is not None):
        return None
    fill = lifter.value(cur.fill, env, ctx, cur.type.scalar)
    if not (isinstance(fill, Term) and fill.type == cur.type.scalar):
        return None
    if not (isinstance(cur.length_term, App) and cur.length_term.op.name == "len"):
        _condition(lifter, loc, mk("le", ZERO, cur.length_term), ctx)
    return mk("full", cur.length_term, fill)


def _refuse_self_filled_rows(s: L.Assign) -> None:
    """Refuses `t[e1][e2] = v` where `v` reads other entries of `t`: a 2-D DP table (a (min, +)
    path table, a summed-area table in a shape `dp_table2d` does not read), which no rule reads."""
    base = s.target.base if isinstance(s.target, L.Index) else None
    if not (isinstance(base, L.Index) and isinstance(base.base, L.Name)):
        return
    name = base.base.id
    if any(isinstance(x, L.Index) and isinstance(x.base, L.Index) and x.base.base == L.Name(name)
           and x != s.target for x in L.sub_exprs(s.value)):
        raise NotLiftable(s.loc, f"{name}[...][...] is computed from other entries of {name}: a "
                                 "2-D DP table (a summed-area or path-cost table), which the "
                                 "loop-shape rules do not read (of these only summed-area "
                                 "tables lift: t[i + 1][j + 1] = r + t[i][j + 1] + t[i + 1][j] "
                                 "- t[i][j], or a row's running total added to the row above)")


def written_length(t: Term) -> Term:
    """`len(t)` through the element writes above: `stride_update` keeps its vector's length,
    `full(n, f)` has `n` entries."""
    while isinstance(t, App) and t.op.name == "stride_update":
        t = term_arg(t.args[0])
    if isinstance(t, App) and t.op.name == "full":
        return term_arg(t.args[0])
    return length_of(t)


def _condition(lifter: Lifter, loc: L.Loc, cond: Term, ctx: Context) -> None:
    """`cond` as a read's in-range condition: a precondition, or an obligation under `ctx`."""
    cond = rewrite.simplify(cond)
    if not lifter.conditions.route(cond, ctx):
        lifter.conditions.reads.append((loc, cond, ctx))
