"""Which int subterms may be computed in 32 bits: a "demanded bits" analysis on TensIR terms.

Truncation to 32 bits commutes with the ring operations (`+`, `-`, `*`, negation, and sums and
products of them): `trunc32(a + b) == trunc32(trunc32(a) + trunc32(b))` in wrapping i32, for every
a and b. So when a result is stored into an int32 buffer, every int value that reaches it only
through ring operations is *demanded mod 2^32* and may be computed in wrapping i32: the stored bits
equal those of the exact (i64) computation truncated, for every input, with no range reasoning.

The analysis walks a term from the result, carrying whether the current occurrence is demanded
mod 2^32, into the argument positions of ring ops (`RING`) only. It stops at every other op
(comparisons, `ite` conditions, min/max, abs, division and remainder, `reduce_max`, `len`): their
arguments are exact again, and their int result is truncated where a ring op consumes it. Index
and slice bounds are never ring positions, so shapes and addresses stay exact i64.

A map or selection passes the demand into its lambda body; a tensor argument is narrowed only if
its lambda parameter is used in demanded positions only (`vec_map(x, lambda e: e * e)` reads `x`
in 32 bits, `vec_map(x, lambda e: ite(e > 0, e, 0))` reads it exactly).

The same (hash-consed) term can occur in both kinds of position; the lowering keeps the two
versions apart (its cache is keyed by term and demand).
"""

from __future__ import annotations

from collections.abc import Iterator

from tensflo.ir.tensir import App, Lambda, Term, Var
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS

_SCALAR_RING = {"add", "sub", "mul", "neg"}
_TENSOR_RING = {"reduce_sum", "reduce_mul", "matrix_row_sum", "outer", "matrix_vec_mul", "matmul",
                "transpose", "append"}
_FIRST_ONLY = {"index", "slice", "col_slice", "take", "tail"}
"""Structural ops whose first argument carries the elements; the others are indices and bounds."""

RING: dict[str, tuple[bool, ...] | None] = {
    **{name: None for name in _SCALAR_RING | _TENSOR_RING},  # None: every argument
    **{op.name: None for (k, _), op in ELEMWISE.items() if k in _SCALAR_RING},
    **{op.name: None for (k, _, _), op in BROADCAST.items() if k in _SCALAR_RING},
    **{name: (True,) for name in _FIRST_ONLY},  # the rest (False) are indices and bounds
    "ite": (False, True, True),  # ite(c, a, b): the branches, never the condition
}
"""Ops through which the demand mod 2^32 passes, by name: which argument positions carry it
(None: all; positions past the tuple's end do not)."""
_MAPS = {op.name for op in MAPPERS.values()}


def carries(term: Term) -> bool:
    """Whether an int `term` demanded mod 2^32 may itself be computed in 32 bits."""
    if not isinstance(term, App):
        return True  # a variable or a literal: its value, truncated
    return term.op.name in RING or term.op.name in _MAPS


def arg_demand(term: App, demanded: bool) -> tuple[bool, ...]:
    """For each argument of `term` (demanded or not): whether it is demanded mod 2^32.

    A lambda argument's flag says whether its body is demanded.
    """
    n = len(term.args)
    if not demanded or term.type.elem != "int" or not carries(term):
        return (False,) * n
    name = term.op.name
    if name in _MAPS:
        *tensors, lam = term.args
        assert isinstance(lam, Lambda)
        uses = param_uses(lam.body, True)
        narrow = tuple(x.type.elem == "int" and uses.get(p, {True}) == {True}
                       for x, p in zip(tensors, lam.params, strict=True))
        return (*narrow, True)
    positions = RING[name] or (True,) * n
    positions += (False,) * (n - len(positions))
    return tuple(p and a.type.elem == "int" for p, a in zip(positions, term.args, strict=True))


def occurrences(term: Term | Lambda, demanded: bool) -> Iterator[tuple[Term | Lambda, bool]]:
    """Every subterm occurrence of `term` with whether it is demanded mod 2^32 (pre-order)."""
    demanded = demanded and (isinstance(term, Lambda) or term.type.elem == "int")
    yield term, demanded
    if isinstance(term, Lambda):
        yield from occurrences(term.body, demanded)
    elif isinstance(term, App):
        for arg, d in zip(term.args, arg_demand(term, demanded), strict=True):
            yield from occurrences(arg, d)


def param_uses(body: Term, demanded: bool) -> dict[Var, set[bool]]:
    """For each variable of `body`: the demand flags of its occurrences."""
    uses: dict[Var, set[bool]] = {}
    for sub, d in occurrences(body, demanded):
        if isinstance(sub, Var):
            uses.setdefault(sub, set()).add(d)
    return uses


def demanded_terms(body: Term) -> frozenset[Term]:
    """The subterms of a function body stored into an int32 buffer that are computed in 32 bits
    somewhere (for tests and docs; the lowering carries the flag itself)."""
    root = body.type.elem == "int" and carries(body)
    return frozenset(t for t, d in occurrences(body, root) if d and isinstance(t, Term) and carries(t))


__all__ = ["RING", "arg_demand", "carries", "demanded_terms", "occurrences", "param_uses"]
