"""The TensIR text form, printed from each op's declared form; `parse(print_term(t)) == t`."""

from __future__ import annotations

from .precedence import ATOM, PREC
from .terms import App, Arg, Lambda, Lit, Var


def print_term(term: Arg) -> str:
    """The canonical text of a term (or of a lambda argument)."""
    return _print(term, 0)


def format_literal(value: int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"non-finite float literal {text} has no TensIR text form")
    return text


def _paren(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def _print(term: Arg, need: int) -> str:
    if isinstance(term, Var):
        return term.name
    if isinstance(term, Lit):
        text = format_literal(term.value)
        return _paren(text, PREC["unary"] if text.startswith("-") else ATOM, need)
    if isinstance(term, Lambda):
        params = ", ".join(p.name for p in term.params)
        return _paren(f"lambda {params}: {_print(term.body, 0)}", 0, need)
    assert isinstance(term, App)
    op, args = term.op, term.args
    if op.form == "infix":
        left = op.prec + (0 if op.assoc == "left" else 1)
        text = f"{_print(args[0], left)} {op.symbol} {_print(args[1], op.prec + 1)}"
        return _paren(text, op.prec, need)
    if op.form == "prefix":
        arg = args[0]
        if op.symbol == "-" and isinstance(arg, Lit) and not isinstance(arg.value, bool):
            inner = f"({format_literal(arg.value)})"  # -(5) is neg(5); -5 is a literal
        else:
            inner = _print(arg, op.prec)
        symbol = op.symbol or ""
        sep = " " if symbol.isalpha() else ""
        return _paren(f"{symbol}{sep}{inner}", op.prec, need)
    if op.form == "index":
        return f"{_print(args[0], ATOM)}[{_print(args[1], 0)}]"
    if op.form == "slice":
        lo = args[1]
        lo_text = "" if isinstance(lo, Lit) and lo.value == 0 else _print(lo, 0)
        return f"{_print(args[0], ATOM)}[{lo_text}:{_print(args[2], 0)}]"
    return f"{op.name}({', '.join(_print(a, 0) for a in args)})"

