"""Vectors earlier loops computed, as fresh vectors in a later loop's preservation condition.

A loop that reads a table an earlier loop filled (`sum(min(lm, rm) - h for ...)` over running
maxima `left_max`, `right_max`) carries the table's whole definition (scans inside stride
updates) into its condition: `s + (min(L[i], R[i]) - h[i]) == reduce_sum(... L[:i + 1] ...)`.
The solver unfolds the definitions and does not decide it in time, though the step holds for any
vectors `L`, `R` of those lengths. Each such vector `T` becomes a fresh vector `V` with
`len(V) == len(T)` (and, for a matrix, the same row length: facts `T` satisfies), so the new
condition, proven for every such `V`, implies the old one.

Only the preservation condition is rewritten, and only vectors that are over the parameters (no
loop state), computed with a recursive definition (a reduction or a scan), and read on both sides
of a goal: where the loop's summary spells the table another way than its reads, the definition
is what relates them, and the condition is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars

from .build import fresh_name, mk
from .results import Obligation
from .vectorize import replace_terms


def generalize_vectors(ob: Obligation, params: frozenset[Var]) -> Obligation:
    """`ob` with each earlier-computed vector replaced by a fresh vector of its length (see the
    module docstring); `ob` itself when none applies."""
    if ob.kind != "preservation" or not ob.goals:
        return ob
    terms = [*ob.assume, *(t for pair in ob.hyps + ob.goals for t in pair)]
    taken = {v.name for t in terms for u in _subterms(t) for v in _names(u)}
    found: list[Term] = []
    for t in terms:
        _computed(t, params, found)
    mapping: dict[Term, Term] = {}
    facts: list[Term] = []
    for t in found:
        if not any(_occurs(t, a) and _occurs(t, b) for a, b in ob.goals):
            continue
        mapping[t] = Var(fresh_name("earlier", taken), t.type)
        facts.append(mk("eq", mk("len", mapping[t]), mk("len", t)))
        if t.type.rank == 2:  # a matrix's rows have a length too
            facts.append(mk("eq", mk("len", mk("transpose", mapping[t])),
                            mk("len", mk("transpose", t))))
    if not mapping:
        return ob
    return replace(ob, assume=(*(replace_terms(a, mapping) for a in ob.assume), *facts),
                   hyps=tuple((replace_terms(a, mapping), replace_terms(b, mapping)) for a, b in ob.hyps),
                   goals=tuple((replace_terms(a, mapping), replace_terms(b, mapping)) for a, b in ob.goals))


def _computed(t: Term, params: frozenset[Var], out: list[Term]) -> None:
    """The maximal vector subterms of `t` over `params` only that a recursive definition computes."""
    if isinstance(t, App) and t.type.rank and free_vars(t) <= params and any(
            isinstance(u, App) and (u.op.reduction is not None or u.op.prefix_step is not None)
            for u in _subterms(t)):
        if t not in out:
            out.append(t)
        return
    if isinstance(t, App):
        for a in t.args:
            if isinstance(a, Term):
                _computed(a, params, out)


def _names(t: Term) -> set[Var]:
    """The variables `t` binds or reads at its top: free ones and its lambdas' parameters."""
    out = set(free_vars(t))
    if isinstance(t, App):
        for a in t.args:
            if isinstance(a, Lambda):
                out.update(a.params)
    return out


def _occurs(t: Term, within: Term) -> bool:
    return any(u == t for u in _subterms(within))


def _subterms(t: Term) -> Iterator[Term]:
    yield t
    if isinstance(t, App):
        for a in t.args:
            yield from _subterms(a.body if isinstance(a, Lambda) else a)
