"""Checks after the computation started (loop IR `Check`: Python `if norm == 0: raise
ValueError(...)` after the loops), read as preconditions over the lifted terms.

A check at the top level of the function body, outside any loop, branch or helper and before any
statement that may return, runs on every input that reaches it: where its condition `fails`
(evaluated on the symbolic values at that point, a term over the parameters) holds, the source
raises. So `not fails` joins `requires` (the program is equivalent to the source on the inputs that
pass, which is what the obligations prove), and the generated code checks it at its entry
(`EntryGuard`, after the source's own prologue checks) as

    fails'  =  (every precondition stated before the check)  and  fails

so that an input on which the source raises earlier (a read out of range in a loop before the
check) is refused by that earlier precondition, not by this check. The entry check evaluates
scalars, lengths and entries of the arguments as plain Python; a condition on a computed vector
(`reduce_sum(w[:n]) == 0.0`) is evaluated by the target's own code for the term, after the
conjuncts before it (`targets/type_checks.computed_conditions`). For such a condition the reads it
makes (positions in range, divisors nonzero) stay preconditions and join the conjuncts before it,
so the target evaluates it only where the source reaches the check's end without raising (where
the source divides by zero first, the generated code raises `OutsidePrecondition`, a
`ZeroDivisionError`, never computes an inf). A check anywhere else is refused with its location.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var, free_vars, lit, rewrite
from tensflo.ir.tensir.entry import EntryGuard
from tensflo.ir.tensir.plain_conditions import plain_condition

from .build import conj, mk
from .conditions import Context
from .results import NotLiftable, Obligation, Sym

if TYPE_CHECKING:
    from .executor import Lifter


def top_level_checks(fn: L.Function) -> frozenset[int]:
    """The `Check` statements of `fn.body` (by identity) that every call reaching them runs: at
    the top level, before the first statement that may return."""
    out: set[int] = set()
    for s in fn.body:
        if isinstance(s, L.Check):
            out.add(id(s))
        elif any(isinstance(t, L.Return) for t in L.walk_stmts((s,))):
            break
    return frozenset(out)


def late_check(lifter: Lifter, s: L.Check, env: dict[str, Sym], ctx: Context) -> EntryGuard:
    """Read the check `s` at this point of `lifter`'s run: its failure becomes an entry guard
    (returned, and kept in `lifter.late`) and its passing a precondition."""
    if lifter.in_loop or lifter.depth or ctx.counters or id(s) not in top_level_checks(lifter.function):
        raise NotLiftable(s.loc, f"a check raising {s.guard.exception} inside a loop, a branch or "
                                 f"a helper, or after a statement that may return (only checks "
                                 f"every input reaches are read, as preconditions)")
    known = len(lifter.conditions.reads)
    fails = rewrite.simplify(lifter.scalar(s.guard.fails, env, ctx))
    params = {Var(p.name, p.type) for p in lifter.function.params}
    stray = free_vars(fails) - params
    if stray:
        raise NotLiftable(s.loc, f"a check raising {s.guard.exception} whose condition depends on "
                                 f"{', '.join(sorted(v.name for v in stray))}, not only on the "
                                 f"parameters")
    plain = plain_condition(fails)
    if plain:
        # the entry check evaluates the condition as the source does (short-circuiting, raising
        # IndexError where the source does): its reads are no preconditions, as for entry guards
        del lifter.conditions.reads[known:]
    # else the target evaluates it: its reads (in range, divisors nonzero) stay preconditions,
    # so it is evaluated only where the source reaches the check without raising
    prior = [*lifter.conditions.requires, *_reads_so_far(lifter)]
    guard = EntryGuard(rewrite.simplify(mk("and", conj(prior), fails)) if prior else fails,
                       s.guard.exception, s.guard.message, computed=not plain)
    if guard.fails == lit(False):
        return guard  # never raises: nothing to check or assume
    lifter.late.append(guard)
    if not plain:  # where it holds, the target's value of the condition is the source's
        lifter.conditions.obligations.append(Obligation(
            "check domain", s.loc, tuple(prior), (), (), domain_of=fails))
    passes = rewrite.simplify(mk("not", fails))
    if passes not in lifter.conditions.requires:
        lifter.conditions.requires.append(passes)
    return guard


def _reads_so_far(lifter: Lifter) -> list[Term]:
    """The preconditions the reads made so far give (as `Conditions.read_obligations` states
    them; those over loop counters are proven from the others and add nothing)."""
    out: list[Term] = []
    for _, cond, ctx in lifter.conditions.reads:
        guard = lifter.conditions.where_runs(ctx)
        full = rewrite.simplify(mk("or", mk("not", guard), rewrite.simplify(cond)))
        if full != lit(True) and not (free_vars(full) & lifter.conditions.loop_vars):
            out.append(full)
    return out
