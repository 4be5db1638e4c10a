"""A function's guards (loop IR `Function.guards`) as TensIR: assumed by the lifter, checked by
the generated code.

The lifter takes `not fails` of every guard as a precondition (`requires`, and so every obligation
and the quick check's inputs assume it); the interpreter raises `Raised` where a guard fails, so
such inputs are outside the domain. `entry_function` gives the code generators the lifted program
with the guards to check at its entry (`ir.tensir.entry`), and the value of the inputs where
every loop runs zero times, which the program's domain leaves out (`zero_trip`).
"""

from __future__ import annotations

from collections.abc import Callable

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Function, Term, lit, rewrite
from tensflo.ir.tensir.entry import CheckedFunction, EntryGuard

from .build import mk
from .conditions import Conditions
from .int_bounds import conjuncts, unsatisfiable
from .results import LiftResult
from .zero_trip import zero_trip_cases


def guard_terms(function: L.Function, scalar: Callable[[L.Expr], Term]) -> tuple[EntryGuard, ...]:
    """Each guard's failure condition as a term over the parameters (`scalar` evaluates an
    expression at the function's entry, folding constants only: the generated code evaluates it
    as the source wrote it, floats included); a guard that never fails (an `isinstance` check the
    checked types imply, a read at a constant index under a condition keeping it in range) is
    left out."""
    out = (EntryGuard(scalar(g.fails), g.exception, g.message, g.message_code)
           for g in function.guards)
    return tuple(g for g in out if g.fails != lit(False) and not unsatisfiable(conjuncts(g.fails)))


def assume_guards(function: L.Function, conditions: Conditions,
                  scalar: Callable[[L.Expr], Term]) -> None:
    """Add each guard's passing to the precondition. The reads a guard makes are not
    preconditions themselves: the generated code evaluates the guard as the source does (with
    `and`/`or` short-circuiting), raising `IndexError` where the source would, and an input that
    passes every guard read in range wherever its value mattered."""
    known = len(conditions.reads)
    terms = guard_terms(function, scalar)
    del conditions.reads[known:]
    conditions.requires.extend(assumed(terms))


def assumed(guards: tuple[EntryGuard, ...]) -> list[Term]:
    """The preconditions the guards give: each one passes."""
    return [rewrite.simplify(mk("not", g.fails)) for g in guards]


def entry_function(function: L.Function, lifted: LiftResult, guards: tuple[EntryGuard, ...],
                   checked: bool) -> Function:
    """The function to generate: with its entry checks when `checked` (a Python source, whose
    inputs carry their own types), else the plain program."""
    if not checked:
        return Function(function.name, lifted.params, lifted.program)
    from_guards = assumed(guards)
    cases, covered = zero_trip_cases(function, lifted.params, lifted.requires)  # empty inputs
    rest = tuple(r for r in lifted.requires if r not in from_guards and r not in covered)
    defaults = tuple((p.name, p.default) for p in function.params if p.default is not None)
    return CheckedFunction(function.name, lifted.params, lifted.program, guards, rest, defaults,
                           cases)


