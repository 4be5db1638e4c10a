"""Tables filled from the entry the previous iteration wrote, at affine positions: a loop over
`[lo, hi)` whose only write of `t` (a vector holding values, or `[f] * n`: `full(n, f)`) is `t[a * i + c] = g(...)`
at the top level of its body, `a` a non-zero constant, and whose reads of `t` before and in that
write are all `t[a * (i - 1) + c]` (the entry written one iteration before; at `i = lo` an entry
set before the loop). A backward DP table read at its next entry, run in its order
(`for i in range(n - 2, -1, -1): r[i] = max(r[i + 1], h[i])`, counter `t` with `i = n - 2 - t`),
has this shape. The loop is the same as one carrying that entry in a scalar and pushing each new
entry:

    carry = t[a * (lo - 1) + c]                  (read only when the loop runs)
    for i in [lo, hi): ...; carry = g(carry, ...); vals.push(carry)
    t = stride_update(t, a * lo + c, a, vals)

The positions written are distinct (`a != 0`) and must be inside `t` when the loop runs (their
ends: a precondition, or an obligation inside another loop); the other rules read the carried
value (a running total, a running maximum, ...) and its pushes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import substitute_stmt
from tensflo.ir.tensir import Lit, Term, Var, rewrite
from tensflo.ir.tensir.types import INT

from .build import ONE, ZERO, mk
from .conditions import Context
from .dp_table import carried_table
from .dp_table2d import summed_area_loop
from .element_writes import filled, written_length
from .loop_rewrite import map_exprs
from .results import Empty, NotLiftable, Presized, Sym
from .strides import affine

if TYPE_CHECKING:
    from .executor import Lifter


def previous_cell_loop(lifter: Lifter, s: L.For, env: dict[str, Sym], ctx: Context) -> bool:
    """Runs the loop `s` as above and returns True when it has that shape; False (nothing done)
    otherwise."""
    if s.step != 1:
        return False
    if summed_area_loop(lifter, s, env, ctx):  # a 2-D table: dp_table2d reads it
        return True
    for k, st in enumerate(s.body):
        if not (isinstance(st, L.Assign) and isinstance(st.target, L.Index)
                and isinstance(st.target.base, L.Name)):
            continue
        name = st.target.base.id
        cur = env.get(name)
        if not (isinstance(cur, Term | Presized) and cur.type.rank == 1):
            continue
        found = _reads(lifter, s, k, name, env, ctx)
        if found is not None:
            if isinstance(cur, Presized):  # [f] * n: its entries are f
                lo, hi = lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)
                if carried_table(s, env, lo, hi) is not None:
                    return False  # filled from its first entry on: dp_table reads it
                cur = filled(lifter, s.loc, cur, env, ctx)
                if cur is None:
                    return False
                env[name] = cur
            _run(lifter, s, k, name, cur, *found, env, ctx)
            return True
    return False


def _reads(lifter: Lifter, s: L.For, k: int, name: str, env: dict[str, Sym], ctx: Context
           ) -> tuple[Term, Term, list[L.Index]] | None:
    """`(a, c, reads)`: the write `name[a * i + c]` (statement `k`) and the reads of
    `name[a * (i - 1) + c]` before and in it, when these are all the uses of `name` in the body."""
    st = s.body[k]
    assert isinstance(st, L.Assign) and isinstance(st.target, L.Index)
    counter = Var(f"{s.var} at {s.loc.line}:{s.loc.col}", INT)
    probe = dict(env)
    probe[s.var] = counter
    changed = set(L.assigned_vars(s.body))

    def position(index: L.Expr) -> tuple[Term, Term] | None:
        if not all(isinstance(x, L.Name | L.Const) or isinstance(x, L.Binary)
                   and x.op in ("+", "-", "*") for x in L.sub_exprs(index)) or \
                any(isinstance(x, L.Name) and x.id != s.var and (x.id in changed or x.id not in env)
                    for x in L.sub_exprs(index)):
            return None  # sums and products of the counter and values the loop does not change
        try:
            found = affine(lifter.scalar(index, probe, ctx), counter)
        except NotLiftable:
            return None
        return None if found is None else (rewrite.simplify(found[0]), rewrite.simplify(found[1]))

    written = position(st.target.index)
    if written is None or not (isinstance(written[0], Lit) and type(written[0].value) is int
                               and written[0].value != 0):
        return None
    a, c = written
    previous = (a, rewrite.simplify(mk("sub", c, a)))
    reads = [x for t in L.walk_stmts(s.body[:k + 1]) for e in L.stmt_values(t)
             for x in L.sub_exprs(e) if isinstance(x, L.Index) and x.base == L.Name(name)]
    uses = [x for t in L.walk_stmts(tuple(s.body)) for e in L.stmt_exprs(t)
            for x in L.sub_exprs(e) if x == L.Name(name)]
    if not reads or len(uses) != len(reads) + 1:
        return None  # another use: after the write, a length, a second write, ...
    positions = [position(r.index) for r in reads]
    if any(p != previous for p in positions):
        back = [_iterations_back(p, a, c) for p in positions]
        if all(m is not None and m >= 1 for m in back):
            order = max(m for m in back if m is not None)
            raise NotLiftable(st.loc, f"{name} is filled from the entry written {order} "
                                      f"iterations before: a recurrence of order {order}, which "
                                      "no TensIR scan states (a scan carries the previous entry "
                                      "only)")
        return None
    lo = lifter.scalar(s.start, env, ctx)
    seed = rewrite.simplify(mk("add", mk("mul", a, mk("sub", lo, ONE)), c))
    if isinstance(seed, Lit) and type(seed.value) is int and seed.value < 0:
        return None  # Python would read from the end: not the entry before the first written
    return a, c, reads


def _iterations_back(p: tuple[Term, Term] | None, a: Term, c: Term) -> int | None:
    """`m` when the position `p` is `a * (i - m) + c` for a constant `m`, else None."""
    if p is None or p[0] != a:
        return None
    d = rewrite.simplify(mk("sub", c, p[1]))
    if not (isinstance(d, Lit) and type(d.value) is int and isinstance(a, Lit)):
        return None
    m, r = divmod(d.value, int(a.value))
    return m if r == 0 else None


def _run(lifter: Lifter, s: L.For, k: int, name: str, cur: Term, a: Term, c: Term,
         reads: list[L.Index], env: dict[str, Sym], ctx: Context) -> None:
    tag = f"{s.loc.line}:{s.loc.col}"
    carry, vals = f"{name} entry at {tag}", f"{name} written at {tag}"
    st = s.body[k]
    assert isinstance(st, L.Assign)
    here = L.Name(carry, s.loc)
    before = map_exprs(s.body[:k], lambda e: here if e in reads else None)
    (step,) = map_exprs([L.Assign(here, st.value, st.loc)], lambda e: here if e in reads else None)
    body = (*before, step, L.Push(L.Name(vals, s.loc), here, s.loc), *s.body[k + 1:])
    lo, hi = lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)
    runs = Context(ctx.assume, ctx.counters, ctx.runs + (mk("lt", lo, hi),))
    seed = substitute_stmt(L.Decl(carry, cur.type.scalar, reads[0], s.loc), L.Name(s.var), s.start)
    lifter.stmt(seed, env, runs)
    env[vals] = Empty(cur.type)
    lifter.for_(replace(s, body=body), env, ctx)
    pushed = env.pop(vals)
    env.pop(carry, None)
    n = written_length(cur)
    first = rewrite.simplify(mk("add", mk("mul", a, lo), c))
    last = rewrite.simplify(mk("add", mk("mul", a, mk("sub", hi, ONE)), c))
    inside = rewrite.simplify(mk("and", mk("and", mk("le", ZERO, first), mk("lt", first, n)),
                                 mk("and", mk("le", ZERO, last), mk("lt", last, n))))
    if not lifter.conditions.route(inside, runs):
        lifter.conditions.reads.append((st.target.loc, inside, runs))
    assert isinstance(pushed, Term), pushed
    env[name] = mk("stride_update", cur, first, a, pushed)
