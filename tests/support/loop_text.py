"""A deterministic text form of loop-IR modules, for golden files of the frontends' output.

Statements print one per line in a Python-like syntax, indented by nesting, each with the source
line and column it came from (`# 5:9`); expressions print without locations, every operand that is
itself an operator in parentheses, so the text is unambiguous without precedence rules. A node this
printer does not know prints as `Kind(field=value, ...)`, so new node kinds still print stably.

    module benchmarks/kernels/cpp/scal.cc (cpp)

    def scal(x: vec[int], alpha: int) -> vec[int]:  # 4:18
        for i in range(0, len(x)):  # 5:5
            x[i] = x[i] * alpha  # 6:9
        return x  # 8:5
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tensflo.ir.loop import nodes as L

INDENT = "    "


def module_text(module: L.Module) -> str:
    """The whole module: its functions in order, then the functions the frontend refused."""
    lines = [f"module {module.path} ({module.lang})"]
    for fn in module.functions:
        lines += ["", *function_lines(fn)]
    for r in module.rejected:
        lines += ["", f"rejected {r.name}: {r.message}{_at(r.loc)}"]
    return "\n".join(lines) + "\n"


def function_lines(fn: L.Function) -> list[str]:
    params = ", ".join(f"{p.name}: {p.type}" for p in fn.params)
    return [f"def {fn.name}({params}) -> {fn.result}:{_at(fn.loc)}", *_block(fn.body, 1)]


def _at(loc: L.Loc) -> str:
    return f"  # {loc.line}:{loc.col}" if loc.line else ""


def _block(body: tuple[Any, ...], depth: int) -> list[str]:
    if not body:
        return [INDENT * depth + "pass"]
    return [line for s in body for line in _stmt(s, depth)]


def _stmt(s: Any, depth: int) -> list[str]:
    pad = INDENT * depth
    at = _at(s.loc) if isinstance(getattr(s, "loc", None), L.Loc) else ""
    match s:
        case L.Decl(name, type_, init):
            value = "" if init is None else f" = {expr(init)}"
            return [f"{pad}var {name}: {type_}{value}{at}"]
        case L.Assign(target, value):
            return [f"{pad}{expr(target)} = {expr(value)}{at}"]
        case L.Push(target, value):
            return [f"{pad}{expr(target)}.push({expr(value)}){at}"]
        case L.For(var, start, stop, body, step):
            bounds = f"{expr(start)}, {expr(stop)}" + (f", {step}" if step != 1 else "")
            return [f"{pad}for {var} in range({bounds}):{at}", *_block(body, depth + 1)]
        case L.While(cond, body):
            return [f"{pad}while {expr(cond)}:{at}", *_block(body, depth + 1)]
        case L.If(cond, then, orelse):
            out = [f"{pad}if {expr(cond)}:{at}", *_block(then, depth + 1)]
            if orelse:
                out += [f"{pad}else:", *_block(orelse, depth + 1)]
            return out
        case L.Return(value):
            return [f"{pad}return {expr(value)}{at}"]
    return [f"{pad}{_generic(s)}{at}"]


def expr(e: Any) -> str:
    """One expression on one line."""
    match e:
        case L.Const(value):
            return repr(value)
        case L.Name(id_):
            return id_
        case L.Index(base, index):
            return f"{_operand(base)}[{expr(index)}]"
        case L.Binary(op, left, right):
            return f"{_operand(left)} {_symbol(op)} {_operand(right)}"
        case L.Unary(op, operand):
            sym = _symbol(op)
            inner = f"({expr(operand)})" if isinstance(operand, L.Const) else _operand(operand)
            return f"{sym}{' ' if sym[-1:].isalpha() else ''}{inner}"
        case L.Cond(cond, then, orelse):
            return f"{_operand(then)} if {_operand(cond)} else {_operand(orelse)}"
        case L.Call(func, args):
            return f"{func}({', '.join(expr(a) for a in args)})"
        case L.Len(operand):
            return f"len({expr(operand)})"
        case L.NewVec(type_, length, fill):
            sized = "" if length is None else expr(length)
            filled = "" if fill is None else f", {expr(fill)}"
            return f"new {type_}({sized}{filled})"
    return _generic(e)


def _operand(e: Any) -> str:
    """An operand of an operator or an indexed base: parenthesized unless it is an atom (a negative
    literal is an atom: `-(3)` is the operator applied to `3`)."""
    text = expr(e)
    atom = isinstance(e, L.Const | L.Name | L.Index | L.Call | L.Len | L.NewVec)
    return text if atom else f"({text})"


def _symbol(op: Any) -> str:
    """An operator as source text, whether the node holds a string or an op-table entry."""
    if isinstance(op, str):
        return op
    return str(getattr(op, "symbol", None) or getattr(op, "name", None) or op)


def _generic(node: Any) -> str:
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return repr(node)
    fields = [f"{f.name}={_field(getattr(node, f.name))}" for f in dataclasses.fields(node)
              if f.name != "loc"]
    return f"{type(node).__name__}({', '.join(fields)})"


def _field(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_field(v) for v in value) + ")"
    if dataclasses.is_dataclass(value) and not isinstance(value, L.Loc | type):
        return expr(value) if _is_expr(value) else _generic(value)
    return str(value) if not isinstance(value, str) else value


def _is_expr(value: Any) -> bool:
    return isinstance(value, L.Expr)
