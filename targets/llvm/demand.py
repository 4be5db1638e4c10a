"""Which int subterms may be computed in 32 bits: a "demanded bits" analysis on TensIR terms.

Truncation to 32 bits commutes with the ring operations (`+`, `-`, `*`, negation, and sums and
products of them): `trunc32(a + b) == trunc32(trunc32(a) + trunc32(b))` in wrapping i32, for every
a and b. So when a result is stored into an int32 buffer, every int value that reaches it only
through ring operations is *demanded mod 2^32* and may be computed in wrapping i32: the stored bits
equal those of the exact (i64) computation truncated, for every input, with no range reasoning.

The analysis walks a term from the result, carrying whether the current occurrence is demanded
mod 2^32, into the argument positions each op declares as `OpDef.modular_args` only. It stops at
every other op and position (comparisons, `ite` conditions, min/max, abs, division and remainder,
`reduce_max`, `len`): their arguments are exact again, and their int result is truncated where a
ring op consumes it. Index and slice bounds are never such positions, so shapes and addresses stay
exact i64.

A map or selection passes the demand into its lambda body; a tensor argument is narrowed only if
its lambda parameter is used in demanded positions only (`vec_map(x, lambda e: e * e)` reads `x`
in 32 bits, `vec_map(x, lambda e: ite(e > 0, e, 0))` reads it exactly).

The same (hash-consed) term can occur in both kinds of position; the lowering keeps the two
versions apart (its cache is keyed by term and demand).
"""

from __future__ import annotations

from collections.abc import Iterator

from tensflo.ir.tensir import App, Lambda, Term, Var
from tensflo.ir.tensir.ops import MAPPERS

MAPS = frozenset(MAPPERS.values())
"""Maps and selections: the demand passes into the lambda body, and to a tensor only where its
lambda parameter is demanded."""


def carries(term: Term) -> bool:
    """Whether an int `term` demanded mod 2^32 may itself be computed in 32 bits."""
    if not isinstance(term, App):
        return True  # a variable or a literal: its value, truncated
    return bool(term.op.modular_args) or term.op in MAPS


def arg_demand(term: App, demanded: bool) -> tuple[bool, ...]:
    """For each argument of `term` (demanded or not): whether it is demanded mod 2^32.

    A lambda argument's flag says whether its body is demanded.
    """
    n = len(term.args)
    if not demanded or term.type.elem != "int" or not carries(term):
        return (False,) * n
    if term.op in MAPS:
        *tensors, lam = term.args
        assert isinstance(lam, Lambda)
        uses = param_uses(lam.body, True)
        narrow = tuple(_is_int(x) and uses.get(p, {True}) == {True}
                       for x, p in zip(tensors, lam.params, strict=True))
        return (*narrow, True)
    modular = term.op.modular_args
    return tuple(i in modular and _is_int(a) for i, a in enumerate(term.args))


def _is_int(a: Term | Lambda) -> bool:
    return isinstance(a, Term) and a.type.elem == "int"


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


__all__ = ["MAPS", "arg_demand", "carries", "demanded_terms", "occurrences", "param_uses"]
