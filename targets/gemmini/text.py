"""The text form of Gemmini programs (Python syntax, parsed with `ast`): printer and parser.

`parse_program(print_program(p)) == p` for every program; see `program` for the syntax.
"""

from __future__ import annotations

import ast
from dataclasses import fields
from typing import TypeVar

from .expr import BinOp, Const, Expr, Var, binop, show
from .isa import ELEM_BYTES
from .program import INSTRUCTIONS, Buffer, Dram, If, Instr, Loop, Program, Stmt

Number = TypeVar("Number", int, float)


class ProgramSyntaxError(ValueError):
    """Malformed program text, with its line."""


# -------------------------------------------------------------------------------------------------
# printer
# -------------------------------------------------------------------------------------------------
def _value(v: object) -> str:
    if isinstance(v, Expr):
        return show(v)
    if isinstance(v, Dram):
        return str(v)
    return repr(v)


def print_instr(s: Instr) -> str:
    args = ", ".join(f"{f.name}={_value(getattr(s, f.name))}" for f in fields(s))
    return f"{s.NAME}({args})"


def _print_body(body: tuple[Stmt, ...], indent: str, out: list[str]) -> None:
    for s in body:
        if isinstance(s, Loop):
            step = f", {s.step}" if s.step != 1 else ""
            out.append(f"{indent}for {s.var} in range({show(s.start)}, {show(s.stop)}{step}):")
            _print_body(s.body, indent + "    ", out)
        elif isinstance(s, If):
            out.append(f"{indent}if {show(s.cond)}:")
            _print_body(s.then or (), indent + "    ", out)
            if s.orelse:
                out.append(f"{indent}else:")
                _print_body(s.orelse, indent + "    ", out)
        else:
            out.append(indent + print_instr(s))


def print_program(p: Program) -> str:
    """The text form; `parse_program(print_program(p)) == p`."""
    params = ", ".join(
        f"{b.name}: {b.dtype}[{b.rows}, {b.cols}]" if b.role == "in"
        else f"{b.name}: out[{b.dtype}[{b.rows}, {b.cols}]]" for b in p.buffers)
    lines = [f"def {p.name}({params}):"]
    if p.doc:
        lines.append(f'    """{p.doc}"""')
    _print_body(p.body, "    ", lines)
    if not p.body:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------
# parser
# -------------------------------------------------------------------------------------------------
_AST_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%",
            ast.LShift: "<<", ast.BitOr: "|", ast.BitAnd: "&"}
_AST_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def _err(node: ast.AST, message: str) -> ProgramSyntaxError:
    return ProgramSyntaxError(f"line {getattr(node, 'lineno', '?')}: {message}")


def _expr(node: ast.expr, scope: set[str]) -> Expr:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Const(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return binop("-", 0, _expr(node.operand, scope))
    if isinstance(node, ast.Name):
        if node.id not in scope:
            raise _err(node, f"unknown variable {node.id!r}")
        return Var(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_OPS:
        return BinOp(_AST_OPS[type(node.op)], _expr(node.left, scope), _expr(node.right, scope))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _AST_CMP:
        return BinOp(_AST_CMP[type(node.ops[0])], _expr(node.left, scope),
                     _expr(node.comparators[0], scope))
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        out = _expr(node.values[0], scope)
        for v in node.values[1:]:
            out = BinOp(op, out, _expr(v, scope))
        return out
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("min", "max") and len(node.args) == 2 and not node.keywords):
        return BinOp(node.func.id, _expr(node.args[0], scope), _expr(node.args[1], scope))
    raise _err(node, f"not an index expression: {ast.unparse(node)}")


def _dram(node: ast.expr, scope: set[str], buffers: set[str]) -> Dram:
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id in buffers):
        return Dram(node.value.id, _expr(node.slice, scope))
    raise _err(node, f"expected a DRAM address BUFFER[offset], got {ast.unparse(node)}")


def _constant(node: ast.expr, kind: type[Number]) -> Number:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_constant(node.operand, kind)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        if kind is int and not isinstance(node.value, int):
            raise _err(node, f"expected an integer, got {node.value!r}")
        return kind(node.value)
    raise _err(node, f"expected a number, got {ast.unparse(node)}")


def _instr(node: ast.Call, scope: set[str], buffers: set[str]) -> Instr:
    assert isinstance(node.func, ast.Name)
    cls = INSTRUCTIONS.get(node.func.id)
    if cls is None:
        raise _err(node, f"unknown instruction {node.func.id!r} (known: {', '.join(INSTRUCTIONS)})")
    if node.args:
        raise _err(node, f"{cls.NAME}: give operands as keywords (name=value)")
    kinds = {f.name: f.type for f in fields(cls)}
    values: dict[str, object] = {}
    for kw in node.keywords:
        if kw.arg not in kinds:
            raise _err(node, f"{cls.NAME} has no operand {kw.arg!r} (operands: {', '.join(kinds)})")
        kind = kinds[kw.arg]
        if kind == "Expr":
            values[kw.arg] = _expr(kw.value, scope)
        elif kind == "Dram":
            values[kw.arg] = _dram(kw.value, scope, buffers)
        elif kind == "float":
            values[kw.arg] = _constant(kw.value, float)
        else:
            values[kw.arg] = _constant(kw.value, int)
    try:
        return cls(**values)
    except TypeError as e:
        raise _err(node, f"{cls.NAME}: {e}") from None


def _body(nodes: list[ast.stmt], scope: set[str], buffers: set[str]) -> tuple[Stmt, ...]:
    out: list[Stmt] = []
    for node in nodes:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.For):
            it = node.iter
            if not (isinstance(node.target, ast.Name) and isinstance(it, ast.Call)
                    and isinstance(it.func, ast.Name) and it.func.id == "range"
                    and 1 <= len(it.args) <= 3 and not node.orelse):
                raise _err(node, "loops are written `for VAR in range(start, stop[, step]):`")
            args = it.args if len(it.args) > 1 else [ast.Constant(0), it.args[0]]
            step = _constant(args[2], int) if len(args) == 3 else 1
            if not isinstance(step, int) or step <= 0:
                raise _err(node, "a loop step must be a positive integer")
            var = node.target.id
            out.append(Loop(var, _expr(args[0], scope), _expr(args[1], scope),
                            _body(node.body, scope | {var}, buffers), step))
        elif isinstance(node, ast.If):
            out.append(If(_expr(node.test, scope), _body(node.body, scope, buffers),
                          _body(node.orelse, scope, buffers)))
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name)):
            out.append(_instr(node.value, scope, buffers))
        else:
            raise _err(node, f"expected an instruction, `for` or `if`, got {ast.unparse(node)}")
    return tuple(out)


def _buffer(arg: ast.arg) -> Buffer:
    ann, role = arg.annotation, "in"
    if isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name) and ann.value.id == "out":
        ann, role = ann.slice, "out"
    if (isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name)
            and ann.value.id in ELEM_BYTES and isinstance(ann.slice, ast.Tuple)):
        sizes = [e.value for e in ann.slice.elts
                 if isinstance(e, ast.Constant) and type(e.value) is int]
        if len(sizes) == len(ann.slice.elts) == 2:
            rows, cols = sizes
            return Buffer(arg.arg, ann.value.id, rows, cols, role)
    raise _err(arg, f"buffer {arg.arg} needs a type like int8[ROWS, COLS] or out[int32[ROWS, COLS]]")


def parse_program(text: str) -> Program:
    """Parse the text form (see the module docstring)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise ProgramSyntaxError(f"line {e.lineno}: {e.msg}") from None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) != 1 or len(tree.body) != 1:
        raise ProgramSyntaxError("a program file holds exactly one `def NAME(buffers): ...`")
    fn = defs[0]
    buffers = tuple(_buffer(a) for a in fn.args.args)
    names = {b.name for b in buffers}
    body = fn.body
    doc = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        doc, body = body[0].value.value, body[1:]
    return Program(fn.name, buffers, _body(body, set(), names), doc)


__all__ = ["print_program", "print_instr", "parse_program", "ProgramSyntaxError"]
