"""First-order linear recurrences, `s = a * s + b` with `a` not 1 (Horner's rule `value = value * x
+ c`, a number read from its digits), recognized so that their refusal names them.

Their closed form after `n` iterations is

    s_n = s_0 * prod(A) + sum_k B[k] * prod_{j > k} A[j]

which needs the products of every suffix of `A` (for a constant `a`, its powers). TensIR has
prefix sums and running maxima (`scan_sum`, `scan_max`) but no prefix product, so the form cannot
be stated; and its proof with the template invariant `s == S(i)` would need one step of the
recurrence to multiply every term of the sum, an induction the one-step unfolding of a fold does
not give. Such a loop is refused with this reason, at its line:col, in either loop direction.
"""

from __future__ import annotations

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var, free_vars, lit, rewrite

from .results import NotLiftable
from .strides import affine

_WHY = ("its closed form s_0 * prod(a) + sum_k b_k * prod_(j > k) a_j needs prefix products, "
        "for which TensIR has no scan")


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


def refuse_linear(loc: L.Loc, name: str, new: Term, v: Var) -> None:
    """Raise `NotLiftable` naming the recurrence when `new` (the update of `name`) is one."""
    found = linear_update(new, v)
    if found is not None:
        a, b = (rewrite.show(t) for t in found)
        raise NotLiftable(loc, f"{name} = ({a}) * {name} + ({b}) is a first-order linear "
                               f"recurrence (Horner's rule): {_WHY}")


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
    """The refusal of a loop-IR linear update of `name` (see the module docstring)."""
    return f"{name} = a * {name} + b is a first-order linear recurrence (Horner's rule): {_WHY}"
