"""Per-target rendering entries that ops carry in `OpDef.render`.

An entry is a `Template` (text with `{0}`, `{1}`, ... placeholders, the precedence of the result and
the precedence each argument needs) or a function `(ctx, term) -> (text, prec)` for ops whose code
depends on more than their arguments' text (lambdas, literals). Precedences follow Python's.
"""

from __future__ import annotations

from dataclasses import dataclass

ATOM = 100
"""Precedence of atoms: names, calls, subscripts."""

PREC = {"or": 10, "and": 20, "not": 30, "cmp": 40, "add": 50, "mul": 60, "unary": 70}
"""Binding strengths shared by the TensIR text form and Python-like targets."""


@dataclass(frozen=True)
class Template:
    """Code for one op application: `text` with numbered placeholders."""

    text: str
    prec: int = ATOM
    needs: tuple[int, ...] = ()
    """Minimum precedence of each argument (missing ones: 0, e.g. inside a call's parentheses)."""

    def need(self, i: int) -> int:
        return self.needs[i] if i < len(self.needs) else 0


def infix(symbol: str, prec: int, assoc: str = "left") -> Template:
    """`{0} symbol {1}`; left-associative operators need a tighter right operand."""
    left = prec if assoc == "left" else prec + 1
    return Template(f"{{0}} {symbol} {{1}}", prec, (left, prec + 1))


def prefix(symbol: str, prec: int) -> Template:
    sep = " " if symbol[-1].isalpha() else ""
    return Template(f"{symbol}{sep}{{0}}", prec, (prec,))


def call(name: str, arity: int) -> Template:
    return Template(f"{name}({', '.join(f'{{{i}}}' for i in range(arity))})")
