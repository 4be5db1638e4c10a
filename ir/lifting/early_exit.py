"""Loops that leave early: a search.

A counted loop whose whole body is `if (c(i)) { ...; break; }` or `if (c(i)) { ...; return e; }`
runs until the first iteration where `c` holds (the last one, for a loop counting down). Over the
iterations `[lo, hi)`, `c` is a mask `M` (its per-iteration value vectorized as for a map), and
the exit is at `lo + K` with `K = find_first(M, 0)` counting up, `K = find_last(M)` counting down,
`-1` when the loop runs to its end. After the loop each variable the exit branch assigns is
`ite(K >= 0, v(lo + K), v_before)`; a `return e` inside makes the function's result
`ite(K >= 0, e(lo + K), rest)`, `rest` being the code after the loop.

The proof is by the loop's own induction, with `K_i` the search still to run at iteration `i`
(`find_first(M, i - lo)`, or `find_last(M[:i - lo + 1])` counting down), each obligation one
unfolding of the op's definition: `K_start == K` (initiation), `c(i) => K_i == i - lo` (the exit),
`not c(i) => K_i == K_next` (preservation) and `K_i == -1` when the loop stops (postcondition).
The mask covers every iteration, so reading it needs the whole range in bounds: that becomes the
precondition, as for loops without an exit. Values kept at the exit may not read the inputs at the
exit's index (the program would read out of range when nothing is found).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var, free_vars, lit, rewrite, substitute
from tensflo.ir.tensir.types import INT

from .build import ONE, ZERO, as_bool, mk
from .conditions import Context
from .loop_rewrite import while_to_for
from .results import NotLiftable, Obligation, Sym
from .strides import StridedRead
from .vectorize import PendingRead, collect_leaves, vectorize

if TYPE_CHECKING:
    from .executor import Lifter

EXITS = (L.Break, L.Return)


def leaves_early(s: L.Stmt) -> bool:
    """Whether `s` is a loop whose body (not a nested loop's) has a `break` or a `return`."""
    if not isinstance(s, L.For | L.While):
        return False
    return any(isinstance(t, EXITS) for t in _own_stmts(s.body))


def returns_inside(s: L.Stmt) -> bool:
    """Whether `s` is a loop with a `return` in its body (nested loops included)."""
    return isinstance(s, L.For | L.While) and any(
        isinstance(t, L.Return) for t in L.walk_stmts(s.body))


def _own_stmts(body: tuple[L.Stmt, ...]) -> list[L.Stmt]:
    out: list[L.Stmt] = []
    for s in body:
        out.append(s)
        if isinstance(s, L.If):
            out += _own_stmts(s.then) + _own_stmts(s.orelse)
    return out


def search_loop(lifter: Lifter, s: L.For | L.While, rest: Sequence[L.Stmt] | None,
                env: dict[str, Sym], ctx: Context) -> Term | None:
    """Lift the early-exit loop `s`. With a `return` inside, `rest` is the code after the loop
    and the function's result is returned; with a `break`, `env` is updated and None returned."""
    from_while = isinstance(s, L.While)
    loop = while_to_for(s, env) if isinstance(s, L.While) else s
    decls, cond, then, exit_ = _shape(loop)
    if ctx.counters:
        raise NotLiftable(exit_.loc, "an early exit from a loop inside another loop (only a "
                                     "search at the top level of the function is read)")
    if isinstance(exit_, L.Return) and rest is None:
        raise NotLiftable(exit_.loc, "a `return` inside a loop, in a branch")
    start = lifter.scalar(loop.start, env, ctx)
    stop = lifter.scalar(loop.stop, env, ctx)
    if loop.step == 1:
        lo, hi = start, stop
    elif loop.step == -1 and not from_while:
        lo, hi = rewrite.simplify(mk("add", stop, ONE)), rewrite.simplify(mk("add", start, ONE))
    else:
        raise NotLiftable(loop.loc, f"an early exit from a loop stepping by {loop.step}")
    up = loop.step == 1
    i = lifter.fresh(loop.var, INT)
    lifter.conditions.loop_vars.add(i)
    inner = Context(ctx.assume + (mk("le", lo, i), mk("lt", i, hi)), ctx.counters + (i,),
                    ctx.runs + (mk("lt", lo, hi),))
    body_env: dict[str, Sym] = dict(env)
    body_env[loop.var] = i
    for d in decls:
        if d.name in env:
            raise NotLiftable(d.loc, f"{d.name}, declared in the loop, is also a variable outside it")
        lifter.stmt(d, body_env, inner)
    c = as_bool(lifter.scalar(cond, body_env, inner))
    then_env = dict(body_env)
    if lifter.block(then, then_env, inner) is not None:
        raise NotLiftable(exit_.loc, "a `return` before the loop's exit")
    kept: dict[str, Term] = {}
    if isinstance(exit_, L.Return):
        kept["return"] = _kept(lifter.scalar(exit_.value, then_env, inner), i, exit_.loc, "returned")
    else:
        for name, old in env.items():
            new = then_env.get(name)
            if name == loop.var or new is old:
                continue
            if not (isinstance(new, Term) and isinstance(old, Term) and new.type.is_scalar):
                raise NotLiftable(exit_.loc, f"{name} changes at the exit other than to a scalar value")
            kept[name] = _kept(new, i, exit_.loc, f"assigned to {name}")
    pending: list[PendingRead] = []
    mask = vectorize(loop.loc, mk("ite", c, ONE, ZERO), i, lo, hi, lifter.names, pending)
    _read_ranges(lifter, loop, pending, lo, hi)
    found = _search(mask, ZERO if up else None)
    at = rewrite.simplify(mk("add", lo, found))
    _obligations(lifter, loop, ctx, mask, found, c, i, lo, hi, up)
    hit = mk("le", ZERO, found)
    # where the counter stops when the loop runs to its end: the first value failing its test
    ran_out = mk("max", lo, hi) if up else mk("min", mk("sub", hi, ONE), mk("sub", lo, ONE))
    if isinstance(exit_, L.Return):
        assert rest is not None
        rest_env = dict(env)
        _end_counter(lifter, loop, rest_env, from_while, ran_out)  # the loop ran to its end
        after = lifter.block(rest, rest_env, ctx)
        if not isinstance(after, Term):
            raise NotLiftable(loop.loc, "no `return` after a loop that may return early")
        value = substitute(kept["return"], {i: at})
        if value.type != after.type:
            raise NotLiftable(exit_.loc, f"the loop returns {value.type} where the code after it "
                                         f"returns {after.type}")
        return rewrite.simplify(mk("ite", hit, value, after))
    for name, new in kept.items():
        old = env[name]
        assert isinstance(old, Term)
        env[name] = rewrite.simplify(mk("ite", hit, substitute(new, {i: at}), old))
    _end_counter(lifter, loop, env, from_while, mk("ite", hit, at, ran_out))
    return None


def _end_counter(lifter: Lifter, loop: L.For, env: dict[str, Sym], from_while: bool,
                 final: Term) -> None:
    """A counter declared before the loop, of a `while` or of a C `for`, stops at `final`; a
    Python `for` counter's final value is not modelled (as for loops without an exit)."""
    if loop.var in env and (from_while or lifter.function.lang != "python"):
        env[loop.var] = rewrite.simplify(final)
    else:
        env.pop(loop.var, None)


def _shape(s: L.For) -> tuple[tuple[L.Decl, ...], L.Expr, tuple[L.Stmt, ...], L.Break | L.Return]:
    """`if (c) { ...; exit }` as the loop body, after declarations of the body's own locals
    (`x = xs[i]` of a Python `for x in xs`) -> (the declarations, c, the statements before the
    exit, exit)."""
    *pre, last = s.body or (L.Break(s.loc),)
    if all(isinstance(d, L.Decl) and d.init is not None for d in pre) and isinstance(last, L.If) \
            and not last.orelse and last.then and isinstance(last.then[-1], EXITS):
        *then, exit_ = last.then
        if not any(isinstance(t, EXITS) for t in L.walk_stmts(tuple(then))):
            assert isinstance(exit_, L.Break | L.Return)
            return tuple(d for d in pre if isinstance(d, L.Decl)), last.cond, tuple(then), exit_
    where = next((t for t in _own_stmts(s.body) if isinstance(t, EXITS)), s)
    raise NotLiftable(where.loc, "an early exit other than a search, `if (c) { ...; break; }` or "
                                 "`if (c) return e;` as the loop body (after declarations)")


def _kept(value: Term, i: Var, loc: L.Loc, what: str) -> Term:
    leaves: dict[Term, Term] = {}
    collect_leaves(value, i, leaves)
    if leaves:
        raise NotLiftable(loc, f"the value {what} at the exit reads an input at the exit's index "
                               f"({rewrite.show(next(iter(leaves)))})")
    return value


def _search(mask: Term, start: Term | None) -> Term:
    return mk("find_first", mask, start) if start is not None else mk("find_last", mask)


def _still_to_run(mask: Term, i: Term, lo: Term, up: bool) -> Term:
    """The exit still to come, relative to `lo`, at the top of the iteration with counter `i`."""
    if up:
        return mk("find_first", mask, mk("sub", i, lo))
    return mk("find_last", mk("slice", mask, ZERO, mk("add", mk("sub", i, lo), ONE)))


def _read_ranges(lifter: Lifter, s: L.For, pending: list[PendingRead], lo: Term, hi: Term) -> None:
    """The mask reads `x[lo + c .. hi + c)`: in range when the loop runs (a precondition)."""
    requires = lifter.conditions.requires
    for read in pending:
        if isinstance(read, StridedRead):  # x[a * i + c]: both ends in range
            cond = read.in_range(lo, hi)
        else:
            x, start, c = read
            length = rewrite.simplify(mk("len", x))
            cond = rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), mk("and", mk(
                "le", ZERO, start), mk("le", rewrite.simplify(mk("add", hi, c)), length))))
        if free_vars(cond) & lifter.conditions.loop_vars:
            raise NotLiftable(s.loc, "a search whose range depends on values of other loops")
        if cond != lit(True) and cond not in requires:
            requires.append(cond)


def _obligations(lifter: Lifter, s: L.For, ctx: Context, mask: Term, found: Term, c: Term, i: Var,
                 lo: Term, hi: Term, up: bool) -> None:
    pre = ctx.assume + tuple(lifter.conditions.requires)
    runs = (mk("le", lo, i), mk("lt", i, hi))
    first = lo if up else rewrite.simplify(mk("sub", hi, ONE))
    nxt = mk("add", i, ONE) if up else mk("sub", i, ONE)
    k_i = _still_to_run(mask, i, lo, up)
    obs = lifter.conditions.obligations
    obs.append(Obligation("initiation", s.loc, pre, (), ((_still_to_run(mask, first, lo, up), found),)))
    obs.append(Obligation("preservation", s.loc, pre + runs + (c,), (),
                          ((k_i, mk("sub", i, lo)),)))
    obs.append(Obligation("preservation", s.loc, pre + runs + (mk("not", c),), (),
                          ((k_i, _still_to_run(mask, nxt, lo, up)),)))
    # the loop stops at i == hi counting up (i == lo - 1 down), or at once when it does not run
    end = hi if up else rewrite.simplify(mk("sub", lo, ONE))
    stop = (mk("or", mk("eq", i, end), mk("and", mk("eq", i, first), mk("not", mk("lt", lo, hi)))),)
    obs.append(Obligation("postcondition", s.loc, pre + stop, (), ((k_i, mk("neg", ONE)),)))
