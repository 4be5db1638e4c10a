"""Binding strengths of the TensIR text form, which follow Python's (Python-like targets share them)."""

from __future__ import annotations

ATOM = 100
"""Precedence of atoms: names, calls, subscripts."""

PREC = {"or": 10, "and": 20, "not": 30, "cmp": 40, "add": 50, "mul": 60, "unary": 70}
"""Binding strengths of the infix and prefix forms; larger binds tighter."""
