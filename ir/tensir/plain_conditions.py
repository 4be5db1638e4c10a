"""Conditions the generated entry check evaluates as plain Python over the arguments.

A guard or precondition over the parameters is rendered as plain Python where it uses only
`PLAIN_OPS` (`targets/type_checks.guard_expr`): evaluated so, it raises where the source's own
expression does (a division by zero, a read out of range). Any other condition (a reduction, a
map, a slice, `sqrt`: a computed value) is evaluated by the target's code for the term, which
computes an inf or a NaN where Python raises, so the lifter keeps the reads such a condition
makes (divisors nonzero, positions in range) as preconditions evaluated before it
(`ir/lifting/late_checks.py`).
"""

from __future__ import annotations

from .terms import App, Term

PLAIN_OPS = frozenset({"add", "sub", "mul", "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
                       "floordiv", "floormod", "div", "not", "neg", "index", "ite", "len", "abs",
                       "min", "max", "to_float", "to_int"})
"""The ops the entry check evaluates as plain Python over the arguments (`div` on floats only;
`len(transpose(m))` as the column count): evaluated so, a condition raises where the source's
does (a division by zero, a read out of range). `targets/type_checks.py` renders every other
condition through the target, and only these as plain Python."""


def plain_condition(t: Term) -> bool:
    """Whether the entry check evaluates `t` as plain Python (`PLAIN_OPS`)."""
    if not isinstance(t, App):
        return True
    op, args = t.op.name, t.args
    if op == "len" and isinstance(args[0], App) and args[0].op.name == "transpose":
        return isinstance(args[0].args[0], Term) and plain_condition(args[0].args[0])
    if op not in PLAIN_OPS or (op == "div" and t.type.elem != "float"):
        return False
    return all(isinstance(a, Term) and plain_condition(a) for a in args)
