"""First-order linear recurrences `s = a * s + b` with `a` not 1 (Horner's rule `value = value * x
+ c`, a number read from its digits), read as the TensIR op `linear_recurrence`.

Over the iterations `[lo, hi)` the state is `linear_recurrence(A, B, s_0)`, with `A` and `B` the
vectors of `a` and `b` over the iterations (a value the loop does not change is `full(hi - lo, a)`)
and `s_0` its value before the loop. The op is the fold itself (`ir/tensir/ops/recurrence.py`), so
the template invariant `s == S(i)` is preserved by one unfolding of its definition, as a
reduction's is; the closed form `s_0 * prod(a) + sum_k b_k * prod_(j > k) a_j`, whose proof would
need every term of the sum multiplied in one step, is never stated. A loop counting down is read in
its order (its iterations do not commute), with the strided reads `x[c - t]` of `strides.py`.
A state pushed once per iteration (`ir/lifting/scan.py` asks `linear_trace`) is the trace
`linear_recurrence_scan(A, B, s_0)`, or, pushed before its update, `s_0` and then that trace
without its last entry.

Refused, naming the recurrence at its line:col: `a` or `b` reading another value the loop changes
(coupled states), and `a` or `b` that vary with the counter but are no vector of inputs (the
counter itself is one: `iota`).
"""

from __future__ import annotations

from collections.abc import Callable

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var, free_vars, lit, rewrite

from .build import ONE, ZERO, coerce, mk
from .results import NotLiftable
from .strides import affine
from .vectorize import PendingRead, vectorize

Summary = Callable[[Term], Term]
"""The state after the iterations `[lo, b)`, as a function of `b` (as `loop_rules.Summary`)."""


def linear_update(new: Term, v: Var) -> tuple[Term, Term] | None:
    """(a, b) with `new == a * v + b`, `a` and `b` free of `v` and `a` not the constant 1 or 0
    (a running sum, an overwrite), else None."""
    if v not in free_vars(new):
        return None
    found = affine(new, v)
    if found is None:
        return None
    a, b = (rewrite.simplify(t) for t in found)
    if a in (lit(1), lit(1.0), lit(0), lit(0.0)) or v in free_vars(a) | free_vars(b):
        return None
    return a, b


def linear_summary(loc: L.Loc, name: str, init: Term, new: Term, v: Var, i: Var, lo: Term,
                   others: set[Var], names: set[str], pending: list[PendingRead]) -> Summary | None:
    """The summary `b -> linear_recurrence(A[lo:b], B[lo:b], init)` of `name` (state `v`, `init`
    before the loop) when its update `new` is `a * v + b`; None when it is not; raises
    `NotLiftable` naming the recurrence when `a` or `b` cannot be read as vectors."""
    found = linear_update(new, v)
    if found is None:
        return None
    shown = f"{name} = ({rewrite.show(found[0])}) * {name} + ({rewrite.show(found[1])})"
    coupled = sorted(w.name for w in (free_vars(found[0]) | free_vars(found[1])) & others)
    if coupled:
        raise NotLiftable(loc, f"{shown} is a first-order linear recurrence whose factor or term "
                               f"reads {', '.join(coupled)}, which the loop also changes")
    try:
        a, b = (coerce(t, v.type) for t in found)
    except NotLiftable:
        raise NotLiftable(loc, f"{shown}: the factor and the term are not of {name}'s type "
                               f"{v.type}") from None
    over = _vectors(loc, shown, a, b, i, lo, names, pending)
    return lambda bound: mk("linear_recurrence", *over(bound), init)


def linear_trace(loc: L.Loc, entry: Term, v: Var, after: Term, init: Term, i: Var, lo: Term,
                 loop_vars: set[Var], names: set[str], pending: list[PendingRead]
                 ) -> Summary | None:
    """The vector a loop builds by pushing `entry` once per iteration, when `entry` is the state
    `v` of a linear recurrence (`v' = after`) after its update (`linear_recurrence_scan(A, B,
    init)`) or before it (`init`, then that trace without its last entry); None otherwise."""
    found = linear_update(after, v)
    if found is None or entry not in (after, v):
        return None
    if (free_vars(found[0]) | free_vars(found[1])) & (loop_vars - {i}):
        return None
    try:
        a, b = (coerce(t, v.type) for t in found)
        over = _vectors(loc, "", a, b, i, lo, names, pending)
    except NotLiftable:
        return None

    def trace(bound: Term) -> Term:
        scan = mk("linear_recurrence_scan", *over(bound), init)
        if entry == after:
            return scan
        n = mk("max", mk("sub", bound, lo), ZERO)
        return mk("stride_update", mk("full", n, init), ONE, ONE, mk("take", scan, mk("sub", n, ONE)))

    return trace


def _vectors(loc: L.Loc, shown: str, a: Term, b: Term, i: Var, lo: Term, names: set[str],
             pending: list[PendingRead]) -> Callable[[Term], tuple[Term, Term]]:
    """`bound -> (A, B)`: the factors and terms over the iterations `[lo, bound)`, copies of a
    value the loop does not change; raises `NotLiftable` (naming `shown`) when one that varies is
    no vector of inputs."""
    for t, what in ((a, "factor"), (b, "term")):
        if i in free_vars(t):
            try:
                vectorize(loc, t, i, lo, lo, names, pending)  # check; note preconditions
            except NotLiftable as e:
                raise NotLiftable(loc, f"{shown} is a first-order linear recurrence whose {what} "
                                       f"is no vector of inputs: {e.reason}") from None

    def over(t: Term, bound: Term) -> Term:
        if i in free_vars(t):
            return vectorize(loc, t, i, lo, bound, names)
        return mk("full", mk("max", mk("sub", bound, lo), ZERO), t)

    return lambda bound: (over(a, bound), over(b, bound))


def is_linear_statement(value: L.Expr, name: str) -> bool:
    """Whether the loop-IR `value` assigned to `name` is `name * e + f` (or `e * name + f`, `f +
    ...`, `- f`) with `e` and `f` not reading `name`."""
    me = L.Name(name)

    def reads(e: L.Expr) -> bool:
        return any(x == me for x in L.sub_exprs(e))

    def scaled(e: L.Expr) -> bool:
        return isinstance(e, L.Binary) and e.op == "*" and (
            (e.left == me and not reads(e.right)) or (e.right == me and not reads(e.left)))

    if isinstance(value, L.Binary) and value.op in ("+", "-"):
        if scaled(value.left) and not reads(value.right):
            return True
        return value.op == "+" and scaled(value.right) and not reads(value.left)
    return False


def linear_reason(name: str) -> str:
    """Why a loop-IR linear update of `name` keeps its loop's order (see the module docstring)."""
    return (f"{name} = a * {name} + b is a first-order linear recurrence, whose iterations do not "
            "commute")
