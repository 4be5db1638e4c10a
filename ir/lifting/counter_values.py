"""The loop counter used as data (`total / (i + 1)`, `value *= i`, `2 * i + x[i]`): over the
iterations `[lo, b)` the counter's values are the vector `iota(b - lo) + lo`, and a per-iteration
value reading it is a map over that vector beside the slices of the inputs it reads."""

from __future__ import annotations

from tensflo.ir.tensir import Lambda, Term, Var, free_vars, rewrite, subterms

from .build import ZERO, mk


def counter_values(lo: Term, b: Term) -> Term:
    """The counter's values over the iterations `[lo, b)`: `iota(b - lo) + lo` (empty when
    `b <= lo`)."""
    values = mk("iota", rewrite.simplify(mk("sub", b, lo)))
    return values if lo == ZERO else rewrite.simplify(mk("vec_scalar_add", values, lo))


def reads_counter_as_value(body: Term, i: Var) -> bool:
    """Whether `i` occurs in `body` only inside scalar subterms (data, not a slice bound or the
    position of a whole-vector op), outside lambdas."""
    for sub in subterms(body):
        if isinstance(sub, Lambda):
            if i in free_vars(sub.body):
                return False
            continue
        if i in free_vars(sub) and not sub.type.is_scalar:
            return False
    return True
