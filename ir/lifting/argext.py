"""Arg-max and arg-min loops: an index kept with the best element seen so far.

`if (x[i] > m) { m = x[i]; mi = i; }` (the best value in its own variable) or
`if (x[i] > x[mi]) mi = i;` (the best value read at the kept index), with any per-iteration value
`e(i)` in place of `x[i]` and `mi = i + d`. Over the iterations `[lo, b)` the values `e` form a
vector `E`, and the kept index is `ite(A >= 0, lo + d + A, mi0)` with `A = argmax_from(E, s)`,
`s` the seed (`m`'s value before the loop, or `e` at the index `mi0` kept before it). The
comparison decides the op, ties as the source breaks them: `>` keeps the first maximum
(`argmax_from`), `>=` the last (`argmax_last_from`), `<` and `<=` the minima. The best value is
`ite(A >= 0, E[A], m0)`. Both are the loop's template invariant (`v == S(i)`), and preserving
them is one unfolding of the op's definition.
"""

from __future__ import annotations

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Term, Var, free_vars, rewrite, substitute, subterms

from .build import ONE, ZERO, mk, term_arg
from .conditions import Conditions
from .loop_rules import Summary
from .results import NotLiftable, Sym
from .vectorize import PendingRead, collect_leaves, offset, vectorize

_OPS = {"gt": "argmax_from", "ge": "argmax_last_from", "lt": "argmin_from", "le": "argmin_last_from"}
_MIRROR = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


def arg_extremes(s: L.For, state: dict[str, Var], before: dict[str, Sym], new: dict[str, Term],
                 i: Var, lo: Term, names: set[str], conditions: Conditions) -> dict[str, Summary]:
    """Summaries of the loop variables (`state`, values `before` the loop and `new` after one
    iteration with counter `i`) that keep an arg-max or arg-min and its best value; the others are
    left to the other loop-shape rules. The reads of the iterations are noted in `conditions`
    (pending, as for a map), and a seed read at the index kept before the loop (`x[mi0]`) must be
    in range: a precondition, since the program reads it even when the loop does not run."""
    pending = conditions.pending
    out: dict[str, Summary] = {}
    loop_vars = set(state.values()) | {i}
    for name, var in state.items():
        if name not in new:
            continue
        found = _index_update(rewrite.simplify(new[name]), var, i, loop_vars)
        init = before.get(name)
        if not isinstance(init, Term) or not var.type.is_scalar:
            continue
        shape = None
        if found is not None and var.type.elem == "int":
            shape = _comparison(found[0], var, found[1], i, state, before, new, loop_vars)
        if shape is None:
            hit = _last_hit(s.loc, rewrite.simplify(new[name]), var, init, i, lo, loop_vars,
                            names, pending)
            if hit is not None:
                out[name] = hit
            continue
        d = found[1] if found is not None else ZERO
        op, e, seed, best = shape
        try:
            vectorize(s.loc, e, i, lo, lo, names, pending)
        except NotLiftable:  # not a vector over the iterations: another rule's case
            continue
        reads = [] if seed is None else [t for t in subterms(seed) if isinstance(t, App)
                                         and t.op.name == "index"]
        for read in reads:
            x, k = term_arg(read.args[0]), term_arg(read.args[1])
            in_range = rewrite.simplify(mk("and", mk("le", ZERO, k), mk("lt", k, mk("len", x))))
            if free_vars(in_range) & conditions.loop_vars:
                break
            if in_range not in conditions.requires:
                conditions.requires.append(in_range)
        else:
            out[name] = _index_summary(s.loc, op, e, seed, i, lo, d, init, names)
            if best is not None:
                m0 = before[best]
                assert isinstance(m0, Term)
                out[best] = _value_summary(s.loc, op, e, seed, m0, i, lo, names)
    return out


def _last_hit(loc: L.Loc, t: Term, var: Var, init: Term, i: Var, lo: Term, loop_vars: set[Var],
              names: set[str], pending: list[PendingRead]) -> Summary | None:
    """`if (c(i)) v = g(i);` with `c` and `g` free of the loop's variables: `v` keeps the value
    of the last hit, `ite(0 <= K, g(lo + K), v0)` with `K = find_last(M)`, `M` the mask of `c`
    (`g` may not read an input at the counter: the program would read out of range when there is
    no hit)."""
    if not (isinstance(t, App) and t.op.name == "ite" and t.args[2] == var):
        return None
    c, g = term_arg(t.args[0]), term_arg(t.args[1])
    others = loop_vars - {i}
    if i not in free_vars(c) or free_vars(c) & others or free_vars(g) & (others | {var}) \
            or g.type != var.type:
        return None
    leaves: dict[Term, Term] = {}
    collect_leaves(g, i, leaves)
    if leaves:
        return None
    flag = mk("ite", c, ONE, ZERO)
    try:
        vectorize(loc, flag, i, lo, lo, names, pending)
    except NotLiftable:
        return None

    def summary(b: Term) -> Term:
        k = mk("find_last", vectorize(loc, flag, i, lo, b, names))
        return mk("ite", mk("le", ZERO, k), substitute(g, {i: mk("add", lo, k)}), init)

    return summary


def _index_update(t: Term, var: Var, i: Var, loop_vars: set[Var]) -> tuple[App, Term] | None:
    """`ite(c, i + d, var)` -> (c, d)."""
    if not (isinstance(t, App) and t.op.name == "ite" and t.args[2] == var):
        return None
    c, g = term_arg(t.args[0]), term_arg(t.args[1])
    d = offset(g, i)
    if d is None or free_vars(d) & loop_vars or not isinstance(c, App):
        return None
    return c, d


def _comparison(full: App, var: Var, d: Term, i: Var, state: dict[str, Var], before: dict[str, Sym],
                new: dict[str, Term], loop_vars: set[Var]
                ) -> tuple[str, Term, Term | None, str | None] | None:
    """(op, e, seed, name of the best-value variable or None) when `full` compares `e(i)` with
    the best so far; `c || g(mi)` (`imin < 0 ||`: nothing kept yet) is the op without a seed,
    which takes the first element (the proof checks that `g` says so)."""
    c, seeded = full, True
    if full.op.name == "or":
        a, b = term_arg(full.args[0]), term_arg(full.args[1])
        a, b = (a, b) if free_vars(b) == {var} else (b, a)
        if free_vars(b) != {var} or not isinstance(a, App):
            return None
        c, seeded = a, False
    if c.op.name not in _OPS:
        return None
    a, b = term_arg(c.args[0]), term_arg(c.args[1])
    cmp = c.op.name
    if i not in free_vars(a):
        a, b, cmp = b, a, _MIRROR[cmp]
    e = a
    if i not in free_vars(e) or free_vars(e) & (loop_vars - {i}):
        return None
    op = _OPS[cmp] if seeded else _OPS[cmp].removesuffix("_from")
    # the best value in its own variable m, updated with the index: ite(c, e, m)
    for name, m in state.items():
        if b == m and m is not var and name in new and rewrite.simplify(new[name]) == rewrite.simplify(
                mk("ite", full, e, m)):
            seed = before.get(name)
            if isinstance(seed, Term) and seed.type == e.type:
                return op, e, seed if seeded else None, name
            return None
    # the best value read at the kept index: e(mi - d)
    at_kept = rewrite.simplify(mk("sub", var, d))
    if rewrite.simplify(b) == rewrite.simplify(substitute(e, {i: at_kept})):
        kept0 = before.get(next(n for n, v in state.items() if v is var))
        if not isinstance(kept0, Term):
            return None
        if not seeded:
            return op, e, None, None
        return op, e, rewrite.simplify(substitute(e, {i: mk("sub", kept0, d)})), None
    return None


def _extreme(loc: L.Loc, op: str, e: Term, seed: Term | None, i: Var, lo: Term, b: Term,
             names: set[str]) -> tuple[Term, Term]:
    vector = vectorize(loc, e, i, lo, b, names)
    return vector, mk(op, vector, *(() if seed is None else (seed,)))


def _index_summary(loc: L.Loc, op: str, e: Term, seed: Term | None, i: Var, lo: Term, d: Term,
                   init: Term, names: set[str]) -> Summary:
    def summary(b: Term) -> Term:
        _, at = _extreme(loc, op, e, seed, i, lo, b, names)
        return mk("ite", mk("le", ZERO, at), mk("add", mk("add", lo, d), at), init)

    return summary


def _value_summary(loc: L.Loc, op: str, e: Term, seed: Term | None, m0: Term, i: Var, lo: Term,
                   names: set[str]) -> Summary:
    def summary(b: Term) -> Term:
        vector, at = _extreme(loc, op, e, seed, i, lo, b, names)
        return mk("ite", mk("le", ZERO, at), mk("index", vector, at), m0)

    return summary
