"""A TensIR function with the input checks of its source, for the code generators.

Generated code for a `CheckedFunction` checks, before any work, that every argument holds values of
its parameter's element type (a `TypeError` otherwise, instead of a conversion that could change a
number), then each guard in order: where `fails` holds on the arguments it raises `exception`, as
the source does, then the rest of `requires`, then each of `cases`: where one holds it returns the
source's value there. The lifted program is equivalent to the source on
the inputs that pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from .parser import Function
from .terms import Term


@dataclass(frozen=True)
class EntryGuard:
    """The source raises `exception` (a builtin exception name) where `fails` (a bool term over
    the parameters) holds."""

    fails: Term
    exception: str
    message: str = ""
    message_code: str = ""
    """The message as Python over the parameters' source names (an f-string), or empty."""
    computed: bool = False
    """`fails` (a conjunction) may be evaluated by the target's code where plain Python cannot
    evaluate it (a check on computed values after the loops, `ir/lifting/late_checks.py`: the
    conjuncts before the condition state its reads, and the proof shows it in its domain there).
    Other guards are evaluated as plain Python only (`ir.tensir.plain_conditions`)."""


@dataclass(frozen=True)
class EntryCase:
    """Where `when` (a bool term over the parameters) holds, the source returns `value` (a
    literal, possibly an infinity, or a parameter) without the lifted program being evaluated:
    an input the program's proof leaves out (`ir.lifting.zero_trip`: every loop runs zero
    times there). No proof reads `value`; the generated entry returns it."""

    when: Term
    value: Term


@dataclass(frozen=True)
class CheckedFunction(Function):
    """`Function` whose entry checks element types and `guards` (see the module docstring)."""

    guards: tuple[EntryGuard, ...] = ()
    requires: tuple[Term, ...] = ()
    """The rest of the precondition (reads in range, ...): where one does not hold the source
    raises (an `IndexError`, a `ZeroDivisionError`, ...) or the precondition is stronger than the
    source needs; the generated code raises `OutsidePrecondition` there, never computes."""
    defaults: tuple[tuple[str, int | float | bool], ...] = ()
    """(parameter name, default value) of the source's parameters with a default: the generated
    function takes the same defaults (and checks them as any argument)."""
    cases: tuple[EntryCase, ...] = ()
    """Checked after `requires`, in order: where one holds the function returns its value."""
