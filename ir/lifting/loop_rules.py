"""Loop-shape rules: a loop variable's per-iteration update read as a function of the loop bound.

`v' = append(v, e(i))` from an empty `v` is the vector of `e` over the iterations; `v' = v + r(i)`
(also `*`, `max`, `min` and their conditional forms) is the reduction of `r`'s vector; a vector
accumulated elementwise is a row sum. Each rule gives a `Summary` `S` with `v == S(b)` after the
iterations `[lo, b)`: the template invariant of the loop.
"""

from __future__ import annotations

from collections.abc import Callable

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, lit, rewrite

from .build import ZERO, coerce, mk, term_arg
from .kept_branches import without_kept_branch
from .linear_recurrences import linear_summary
from .op_facts import LESS, ORDERINGS, REDUCE_OPS, REDUCTION_KINDS, REDUCTION_UNITS
from .results import Empty, NotLiftable, Presized, Sym
from .sequence import last_value
from .vectorize import PendingRead, collect_leaves, leaf_slice, vectorize

Summary = Callable[[Term], Term]
"""A loop variable's value after the iterations `[lo, b)`, as a function of `b`."""


def summarize(s: L.For, name: str, var: Var, init: Sym, new: Term, i: Var, lo: Term,
              loop_vars: set[Var], names: set[str], pending: list[PendingRead]) -> Summary:
    """The summary of `name` (state variable `var`, `init` before the loop) whose update in one
    iteration with counter `i` is `new`; reads of the loop are recorded in `pending`."""
    others = loop_vars - {i}
    loc = s.loc
    if new == var:
        if not isinstance(init, Term):
            raise NotLiftable(loc, f"{name} is a vector being built, updated other than by a push")
        before = init
        return lambda b: before
    # push: v' = append(v, e)
    if isinstance(new, App) and new.op.name == "append" and new.args[0] == var:
        e = term_arg(new.args[1])
        if free_vars(e) & others:
            raise NotLiftable(loc, f"the entry pushed to {name} depends on values the loop "
                                   "changes (a scan, not a map)")
        if not isinstance(init, Empty):
            raise NotLiftable(loc, f"{name} is not empty before the loop that pushes to it")
        vectorize(loc, e, i, lo, lo, names, pending)  # check; note preconditions
        return lambda b: vectorize(loc, e, i, lo, b, names)
    if var.type.rank == 1 and isinstance(init, Term | Presized):
        rest = _vector_accumulated(new, var)
        if rest is not None:
            if free_vars(rest) & others:
                raise NotLiftable(loc, f"the update of {name} depends on other values the loop changes")
            total = _vector_sum(loc, rest, i, lo, names, pending)
            if isinstance(init, Presized):
                if init.fill is not None and not (isinstance(init.fill, L.Const) and init.fill.value == 0):
                    raise NotLiftable(loc, f"{name} starts with entries other than 0")
                return total
            start = init
            return lambda b: mk("vec_elemwise_add", start, total(b))
    if not isinstance(init, Term):
        raise NotLiftable(loc, f"{name} is a vector being built, updated other than by a push")
    if not var.type.is_scalar:
        raise NotLiftable(loc, f"the vector {name} is updated in a way TensIR cannot express")
    for kind in REDUCTION_KINDS:
        rest = _accumulated(new, var, kind)
        if rest is None:
            continue
        if free_vars(rest) & others:
            raise NotLiftable(loc, f"the update of {name} depends on other values the loop changes")
        return _reduction(loc, kind, init, rest, i, lo, names, pending)
    leaves: dict[Term, Term] = {}
    collect_leaves(new, i, leaves)
    overwritten = last_value(new, var, init, i, lo, others, bool(leaves))
    if overwritten is not None:
        for read in leaves.values():  # x[i + c] in every iteration: hi + c <= len(x)
            leaf_slice(loc, read, i, lo, lo, pending)
        return overwritten
    merged = without_kept_branch(new, var)
    if merged is not None:  # a candidate: preservation compares it with `new` (kept_branches)
        mark = len(pending)
        try:
            return summarize(s, name, var, init, merged, i, lo, loop_vars, names, pending)
        except NotLiftable:
            del pending[mark:]
    linear = linear_summary(loc, name, init, new, var, i, lo, others, names, pending)
    if linear is not None:
        return linear
    coupled = sorted(v.name for v in free_vars(new) & (others - {var}))
    if coupled:
        raise NotLiftable(loc, f"coupled running states: the update of {name} reads "
                               f"{', '.join(coupled)}, which the loop also changes, and is no "
                               "scan or fold the rules know (got "
                               f"{name} = {rewrite.show(new)})")
    raise NotLiftable(loc, f"the update of {name} is not a map, a push or a reduction "
                           f"(got {name} = {rewrite.show(new)})")


def reduction_parts(new: Term, v: Var) -> tuple[str, Term] | None:
    """(kind, rest) when `new == v <kind> rest` with `rest` free of `v` (a running total, product,
    maximum or minimum), else None."""
    for kind in REDUCTION_KINDS:
        rest = _accumulated(new, v, kind)
        if rest is not None and v not in free_vars(rest):
            return kind, rest
    return None


def _vector_sum(loc: Loc, rest: Term, i: Var, lo: Term, names: set[str],
                pending: list[PendingRead]) -> Summary:
    """sum over i in [lo, b) of the vector rest(i), as a function of b."""
    if isinstance(rest, App) and rest.op.name == "vec_scalar_mul" and i in free_vars(rest.args[1]):
        # sum_i s(i) * r(i) = transpose(rows r) @ (s over i)
        r, sc = map(term_arg, rest.args)
        vectorize(loc, r, i, lo, lo, names, pending)
        vectorize(loc, sc, i, lo, lo, names, pending)
        return lambda b: mk("matrix_vec_mul", mk("transpose", vectorize(loc, r, i, lo, b, names)),
                            vectorize(loc, sc, i, lo, b, names))
    vectorize(loc, rest, i, lo, lo, names, pending)
    return lambda b: mk("matrix_row_sum", mk("transpose", vectorize(loc, rest, i, lo, b, names)))


def _reduction(loc: Loc, kind: str, init: Term, rest: Term, i: Var, lo: Term, names: set[str],
               pending: list[PendingRead]) -> Summary:
    """`init <kind> rest(lo) <kind> ... <kind> rest(b - 1)` as a function of b."""
    if i not in free_vars(rest):
        def count(b: Term) -> Term:
            return mk("max", mk("sub", b, lo), ZERO)

        if kind == "add":
            return lambda b: mk("add", init, mk("mul", coerce(count(b), rest.type), rest))
        if kind in ("max", "min"):
            return lambda b: mk("ite", mk("lt", lo, b), mk(kind, init, rest), init)
        raise NotLiftable(loc, "a product of a loop-invariant value (a power)")
    vectorize(loc, rest, i, lo, lo, names, pending)
    if kind in ("add", "mul"):
        return lambda b: mk(kind, init, mk(REDUCE_OPS[kind], vectorize(loc, rest, i, lo, b, names)))
    if kind == "max":
        return lambda b: mk(REDUCE_OPS["max"], mk("append", vectorize(loc, rest, i, lo, b, names), init))
    negated = mk("neg", rest)
    return lambda b: mk("neg", mk(REDUCE_OPS["max"], mk(
        "append", vectorize(loc, negated, i, lo, b, names), mk("neg", init))))


def _accumulated(new: Term, v: Var, kind: str) -> Term | None:
    """`rest` such that new == v <kind> rest (conditional updates give an `ite` rest)."""
    unit = lit(REDUCTION_UNITS[kind]) if kind in REDUCTION_UNITS else None
    if isinstance(new, App) and new.op.name == "ite" and v in free_vars(new.args[0]):
        # max/min written as a comparison: ite(e > v, e, v) and friends
        if kind in ("max", "min"):
            c, a, b = new.args
            assert isinstance(c, App)
            return _compare_select(c, term_arg(a), term_arg(b), v, kind)
        return None
    if isinstance(new, App) and new.op.name == "ite":
        # an unchanged branch contributes the unit (max/min have none: then no reduction)
        c, a, b = map(term_arg, new.args)
        ra = unit if a == v else _accumulated(a, v, kind)
        rb = unit if b == v else _accumulated(b, v, kind)
        if ra is None or rb is None:
            return None
        return mk("ite", c, ra, rb)
    if kind == "add":
        terms = rewrite.sum_terms(new)
        hits = [k for k, (sign, t) in enumerate(terms) if t == v]
        if len(hits) != 1 or terms[hits[0]][0] != 1:
            return None
        rest = [st for k, st in enumerate(terms) if k != hits[0]]
        if any(v in free_vars(t) for _, t in rest):
            return None
        return rewrite.from_sum_terms(rest, v.type)
    if isinstance(new, App) and new.op.name == kind:
        a, b = map(term_arg, new.args)
        if a == v and v not in free_vars(b):
            return b
        if b == v and v not in free_vars(a):
            return a
    return None


def _vector_accumulated(new: Term, v: Var) -> Term | None:
    """r such that new == v + r elementwise (v possibly sliced to its own length)."""
    if not (isinstance(new, App) and new.op.name == "vec_elemwise_add"):
        return None
    a, b = map(term_arg, new.args)

    def is_v(t: Term) -> bool:
        return t == v or (isinstance(t, App) and t.op.name == "slice" and t.args[0] == v
                          and t.args[1] == ZERO)

    if is_v(a) and v not in free_vars(b):
        return b
    if is_v(b) and v not in free_vars(a):
        return a
    return None


def _compare_select(c: App, a: Term, b: Term, v: Var, kind: str) -> Term | None:
    """ite(e > v, e, v) -> e for max; ite(e < v, e, v) -> e for min (and the mirrored forms)."""
    if c.op.name not in ORDERINGS:
        return None
    x, y = map(term_arg, c.args)
    # normalise to "x greater than y"
    if c.op.name in LESS:
        x, y = y, x
    greater_first = (a, b) == (x, y)
    smaller_first = (a, b) == (y, x)
    if kind == "max" and greater_first and v in (x, y):
        e = x if y == v else y
        return e if v not in free_vars(e) else None
    if kind == "min" and smaller_first and v in (x, y):
        e = y if x == v else x
        return e if v not in free_vars(e) else None
    return None
