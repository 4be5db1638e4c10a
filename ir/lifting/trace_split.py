"""The preservation conditions of semiring states (`recurrences.py`) in steps a solver decides.

Two rewrites, each implying the original condition:

- A fold over a state's trace `T` (`best == reduce_max(append(T(i), best0))`) needs `T(i + 1)`,
  a scan nested inside another fold. The step `T(i + 1) == append(T(i), s')` (`s'` the state's
  update) becomes its own condition; in the fold's condition `T(i)` is a fresh vector `V` and
  `T(i + 1)` is `append(V, s')`. Instantiating `V := T(i)` and using the step gives the original.
- A loop over `[c, n)` reads its slices as `tail(x, c)`, whose index function (shifted, clamped)
  sits inside every scan's lambda. Each `tail(x, c)` becomes a fresh vector `y` with
  `len(y) == len(tail(x, c))` and `0 <= c <= len(x) => y[i - c] == x[i]` (`i` the counter): facts
  `tail(x, c)` itself satisfies, so the new condition, proven for every such `y`, implies the old.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars

from .build import ONE, ZERO, fresh_name, mk
from .loop_rules import Summary
from .recurrences import SemiringSummary
from .results import Obligation
from .vectorize import replace_terms


def split_traces(obligations: Sequence[Obligation], summaries: Mapping[str, Summary], i: Var
                 ) -> list[Obligation]:
    """The loop's `obligations` with the preservation condition rewritten as above when a summary
    comes from `recurrences.py` (the others unchanged)."""
    ours = [s for s in summaries.values() if isinstance(s, SemiringSummary)]
    if not ours:
        return list(obligations)
    out: list[Obligation] = []
    for ob in obligations:
        if ob.kind != "preservation":
            out.append(ob)
            continue
        taken = {v.name for t in _terms(ob) for v in free_vars(t)}
        mapping: dict[Term, Term] = {}
        steps: list[Obligation] = []
        for s in ours:
            if s.trace is None or s.value is None:
                continue
            now, nxt = s.trace(i), s.trace(mk("add", i, ONE))
            if now in mapping:
                continue
            v = Var(fresh_name("trace", taken), now.type)
            mapping[now], mapping[nxt] = v, mk("append", v, s.value)
            steps.append(replace(ob, goals=((nxt, mk("append", now, s.value)),)))
        main = _substituted(ob, mapping) if mapping else ob
        out.extend(_tails_generalized(o, i, taken) for o in (main, *steps))
    return out


def _tails_generalized(ob: Obligation, i: Var, taken: set[str]) -> Obligation:
    tails: dict[Term, Term] = {}
    facts: list[Term] = []
    for t in _terms(ob):
        for u in _subterms(t):
            if not (isinstance(u, App) and u.op.name == "tail") or u in tails:
                continue
            x, c = u.args
            assert isinstance(x, Term) and isinstance(c, Term)
            y = Var(fresh_name("tail", taken), u.type)
            tails[u] = y
            facts.append(mk("eq", mk("len", y), mk("len", u)))
            inside = mk("and", mk("le", ZERO, c), mk("le", c, mk("len", x)))
            facts.append(mk("or", mk("not", inside),
                            mk("eq", mk("index", y, mk("sub", i, c)), mk("index", x, i))))
    if not tails:
        return ob
    generalized = _substituted(ob, tails)  # (the facts keep the original tails)
    return replace(generalized, assume=generalized.assume + tuple(facts))


def _substituted(ob: Obligation, mapping: Mapping[Term, Term]) -> Obligation:
    return replace(ob, assume=tuple(replace_terms(a, mapping) for a in ob.assume),
                   hyps=tuple((replace_terms(a, mapping), replace_terms(b, mapping)) for a, b in ob.hyps),
                   goals=tuple((replace_terms(a, mapping), replace_terms(b, mapping)) for a, b in ob.goals))


def _terms(ob: Obligation) -> list[Term]:
    return [*ob.assume, *(t for pair in ob.hyps + ob.goals for t in pair)]


def _subterms(t: Term) -> list[Term]:
    out = [t]
    if isinstance(t, App):
        for a in t.args:
            out += _subterms(a.body if isinstance(a, Lambda) else a)
    return out
