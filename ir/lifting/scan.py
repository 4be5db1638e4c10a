"""Running values pushed once per iteration: scans.

`s += r(i); out.push_back(s)` pushes the running total after each step, so over the iterations
`[lo, b)` the vector pushed is `s0 + scan_sum(R)` with `R` the vector of `r` (and `s0` the value
of `s` before the loop); pushing before the update gives the exclusive form
`s0 + (scan_sum(R) - R)`. A running maximum (`m = max(m, r(i))`, or `if (r(i) > m) m = r(i)`)
gives `max(scan_max(R), m0)` entry by entry, a running minimum the same on `-R`. The entry pushed
may be any function `g` of the running value alone (`push(2 * s)`): the vector is then `g` mapped
over it. The summary is the template invariant `out == S(i)`; preserving it is one unfolding of the
scan's definition beside the reduction's.
"""

from __future__ import annotations

from collections.abc import Callable

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit, rewrite

from .build import mk, term_arg
from .counter_values import counter_values
from .linear_recurrences import linear_trace
from .loop_rules import Summary, reduction_parts
from .results import Empty, NotLiftable, Sym
from .sequence import hoisted_map, replace_outside_lambdas
from .vectorize import PendingRead, vectorize


def running_scans(s: L.For, state: dict[str, Var], before: dict[str, Sym], new: dict[str, Term],
                  i: Var, lo: Term, names: set[str], pending: list[PendingRead]
                  ) -> dict[str, Summary]:
    """Summaries of the vectors (of `state`, empty `before` the loop) each iteration pushes a
    function of a running total, maximum or minimum to (`new`: the values after one iteration with
    counter `i`); the others are left to the other loop-shape rules."""
    out: dict[str, Summary] = {}
    loop_vars = set(state.values()) | {i}
    for name, var in state.items():
        pushed = new.get(name)
        if not (isinstance(pushed, App) and pushed.op.name == "append" and pushed.args[0] == var
                and isinstance(before.get(name), Empty)):
            continue
        entry = rewrite.simplify(term_arg(pushed.args[1]))
        running = [v for v in state.values() if v in free_vars(entry) and v != var]
        if len(running) != 1:
            continue
        (v,) = running
        vname = next(n for n, w in state.items() if w == v)
        init, after = before.get(vname), new.get(vname)
        if not isinstance(init, Term) or after is None or not v.type.is_scalar:
            continue
        parts = reduction_parts(rewrite.simplify(after), v)
        if parts is None:
            linear = linear_trace(s.loc, entry, v, rewrite.simplify(after), init, i, lo, loop_vars,
                                  names, pending)
            if linear is not None:
                out[name] = linear
            continue
        kind, rest = parts
        if free_vars(rest) & (loop_vars - {i}) or i not in free_vars(rest):
            continue
        summary = _scan_summary(s, entry, v, rewrite.simplify(after), kind, rest, init, i, lo,
                                names, pending, loop_vars)
        if summary is not None:
            out[name] = summary
    return out


def _scan_summary(s: L.For, entry: Term, v: Var, after: Term, kind: str, rest: Term, init: Term,
                  i: Var, lo: Term, names: set[str], pending: list[PendingRead],
                  loop_vars: set[Var]) -> Summary | None:
    """The vector of `entry` over the iterations, where `v` runs with `v' = after`, or None."""
    t = Var(_fresh("t", entry, names), v.type)
    inclusive = replace_outside_lambdas(entry, {after: t})
    exclusive = replace_outside_lambdas(entry, {v: t})
    state_vars = loop_vars - {i}  # the counter may be read as a value (iota)
    if not free_vars(inclusive) & state_vars:
        g, before_step = inclusive, False
    elif not free_vars(exclusive) & state_vars:
        g, before_step = exclusive, True
    else:
        return None
    if kind not in ("add", "max", "min"):
        return None
    try:
        vectorize(s.loc, rest, i, lo, lo, names, pending)
    except NotLiftable:
        return None
    loc = s.loc

    def running(b: Term) -> Term:
        r = vectorize(loc, rest, i, lo, b, names)
        if kind == "add":
            total = mk("scan_sum", r)
            if before_step:
                total = mk("vec_elemwise_sub", total, r)
            return total if _is_zero(init) else mk("vec_scalar_add", total, init)
        e = Var(_fresh("e", init, names), v.type)
        if kind == "max":
            inclusive = _seeded(mk("scan_max", r), init, e, lambda a, b: mk("max", a, b))
        else:
            negated = mk("vec_map", r, Lambda((e,), mk("neg", e)))
            inclusive = _seeded(mk("scan_max", negated), init, e,
                                lambda a, b: mk("min", mk("neg", a), b))
        if not before_step:
            return inclusive
        # the value before each step: the seed, then the inclusive scan shifted by one entry
        seeds = _seeded(r, init, e, lambda a, b: b)
        shifted = mk("take", inclusive, mk("sub", mk("len", r), lit(1)))
        return mk("stride_update", seeds, lit(1), lit(1), shifted)

    if g == t:
        return running

    def per_entry(b: Term) -> dict[Var, Term]:
        vectors = {t: running(b)}
        if i in free_vars(g):
            vectors[i] = counter_values(lo, b)
        return vectors

    def mapped(b: Term) -> Term:
        m = hoisted_map(g, per_entry(b))
        if m is None:
            raise NotLiftable(loc, f"the entry pushed, {rewrite.show(g)} of a running value, "
                                   "is not a map TensIR can say")
        return m

    if hoisted_map(g, per_entry(lo)) is None:
        return None
    return mapped


def _seeded(scan: Term, init: Term, e: Var, combine: Callable[[Term, Term], Term]) -> Term:
    """`combine(entry, init)` for every entry of `scan`: in a lambda when the seed is over
    scalars, else beside a vector holding the seed (a lambda body reads only scalars)."""
    if all(w.type.is_scalar for w in free_vars(init)):
        return mk("vec_map", scan, Lambda((e,), combine(e, init)))
    zero = lit(0.0) if e.type.elem == "float" else lit(0)
    seeds = mk("vec_scalar_add", mk("vec_map", scan, Lambda((e,), zero)), init)
    s = Var(e.name + "_", e.type)
    return mk("selection_two_args", scan, seeds, Lambda((e, s), combine(e, s)))


def _is_zero(t: Term) -> bool:
    return t == lit(0) or t == lit(0.0)


def _fresh(base: str, t: Term, names: set[str]) -> str:
    taken = {v.name for v in free_vars(t)} | names
    name = base
    while name in taken:
        name += "_"
    return name
