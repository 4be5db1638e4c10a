"""Gemmini programs: instructions of the ISA with loops and address arithmetic, a printer and a parser.

A `Program` is a function over DRAM buffers (row-major matrices, `int8` or `int32`) whose body is
a tree of instructions, `for` loops and `if` statements. Its text form is Python syntax, so it
reads like the C it becomes:

    def gemm_32x32x32(A: int8[32, 32], B: int8[32, 32], C: out[int32[32, 32]]):
        config_ex(dataflow=1, act=0, acc_scale=1.0)
        config_ld(stride=32, scale=1.0, shrunk=0, id=0)
        for i in range(0, 2):
            mvin(dram=A[i*16*32], addr=i*16, cols=32, rows=16, id=0)
        ...

Operand names and meanings follow `gemmini.h` (`gemmini_extended_mvin(dram_addr, spad_addr, cols,
rows)` and so on); DRAM addresses are a buffer plus an offset in elements; local addresses are
32-bit values (see `isa`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import ClassVar

from .expr import BinOp, Const, E, Expr, ExprLike, Var, binop, show
from .isa import ELEM_BYTES


class ProgramSyntaxError(ValueError):
    """Malformed program text, with its line."""


@dataclass(frozen=True, slots=True)
class Dram:
    """A DRAM address: `buffer` plus `offset` elements (printed `A[offset]`, C `A + offset`)."""

    buffer: str
    offset: Expr

    def __str__(self) -> str:
        return f"{self.buffer}[{show(self.offset)}]"


# -------------------------------------------------------------------------------------------------
# instructions
# -------------------------------------------------------------------------------------------------
class Instr:
    """Base of instructions; `NAME` is the text form, fields print as keyword arguments."""

    __slots__ = ()
    NAME: ClassVar[str]


@dataclass(frozen=True, slots=True)
class ConfigEx(Instr):
    """`gemmini_extended_config_ex`: dataflow, activation applied on mvout, accumulator scale."""

    NAME: ClassVar[str] = "config_ex"
    dataflow: int = 1
    act: int = 0
    acc_scale: float = 1.0
    a_transpose: int = 0
    b_transpose: int = 0


@dataclass(frozen=True, slots=True)
class ConfigLd(Instr):
    """`gemmini_extended3_config_ld`: DRAM row stride in bytes and scale for mvin number `id`."""

    NAME: ClassVar[str] = "config_ld"
    stride: Expr
    scale: float = 1.0
    shrunk: int = 0
    """Move int8 (elem_t) values into the accumulator instead of int32."""
    id: int = 0


@dataclass(frozen=True, slots=True)
class ConfigSt(Instr):
    """`gemmini_config_st`: DRAM row stride in bytes for mvout."""

    NAME: ClassVar[str] = "config_st"
    stride: Expr


@dataclass(frozen=True, slots=True)
class Mvin(Instr):
    """`gemmini_extended_mvin{,2,3}`: rows x cols values from DRAM to local memory."""

    NAME: ClassVar[str] = "mvin"
    dram: Dram
    addr: Expr
    cols: Expr
    rows: Expr
    id: int = 0


@dataclass(frozen=True, slots=True)
class Mvout(Instr):
    """`gemmini_extended_mvout`: rows x cols values from local memory to DRAM."""

    NAME: ClassVar[str] = "mvout"
    dram: Dram
    addr: Expr
    cols: Expr
    rows: Expr


@dataclass(frozen=True, slots=True)
class Preload(Instr):
    """`gemmini_extended_preload`: weights from `bd` (or none) and the output address `c`."""

    NAME: ClassVar[str] = "preload"
    bd: Expr
    c: Expr
    bd_cols: Expr
    bd_rows: Expr
    c_cols: Expr
    c_rows: Expr


@dataclass(frozen=True, slots=True)
class ComputePreloaded(Instr):
    """`gemmini_extended_compute_preloaded`: multiply rows at `a` by the weights just preloaded."""

    NAME: ClassVar[str] = "compute_preloaded"
    a: Expr
    bd: Expr
    a_cols: Expr
    a_rows: Expr
    bd_cols: Expr
    bd_rows: Expr


@dataclass(frozen=True, slots=True)
class ComputeAccumulated(Instr):
    """`gemmini_extended_compute_accumulated`: multiply by the weights already in the array."""

    NAME: ClassVar[str] = "compute_accumulated"
    a: Expr
    bd: Expr
    a_cols: Expr
    a_rows: Expr
    bd_cols: Expr
    bd_rows: Expr


@dataclass(frozen=True, slots=True)
class Fence(Instr):
    """`gemmini_fence()`: wait until every issued instruction has finished."""

    NAME: ClassVar[str] = "fence"


@dataclass(frozen=True, slots=True)
class Flush(Instr):
    """`gemmini_flush(skip)`: flush the TLB (no effect on data)."""

    NAME: ClassVar[str] = "flush"
    skip: int = 0


@dataclass(frozen=True, slots=True)
class LoopWs(Instr):
    """`gemmini_loop_ws`: the CISC weight-stationary matmul over I x J x K blocks.

    C = A * B (+ D) for an (I*DIM - pad_I) x (K*DIM - pad_K) times (K*DIM - pad_K) x (J*DIM - pad_J)
    product; strides are in elements. `d` may be omitted (`no_d=1`); `full_c` writes int32.
    It runs like the unrolled instruction sequence of `emulator.expand_loop_ws`.
    """

    NAME: ClassVar[str] = "loop_ws"
    i: Expr
    j: Expr
    k: Expr
    pad_i: Expr
    pad_j: Expr
    pad_k: Expr
    a: Dram
    b: Dram
    d: Dram
    c: Dram
    a_stride: Expr
    b_stride: Expr
    d_stride: Expr
    c_stride: Expr
    no_d: int = 0
    full_c: int = 0
    ex_accumulate: int = 0


INSTRUCTIONS: dict[str, type[Instr]] = {cls.NAME: cls for cls in (
    ConfigEx, ConfigLd, ConfigSt, Mvin, Mvout, Preload, ComputePreloaded, ComputeAccumulated,
    Fence, Flush, LoopWs)}


# -------------------------------------------------------------------------------------------------
# structure
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Loop:
    """`for var in range(start, stop, step): body` (C: `for (size_t var = start; ...)`)."""

    var: str
    start: Expr
    stop: Expr
    body: tuple[Stmt, ...]
    step: int = 1


@dataclass(frozen=True, slots=True)
class If:
    """`if cond: then else: orelse`."""

    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()


Stmt = Instr | Loop | If


@dataclass(frozen=True, slots=True)
class Buffer:
    """A DRAM parameter: a row-major `rows` x `cols` matrix of `dtype`, read (`in`) or written (`out`)."""

    name: str
    dtype: str
    rows: int
    cols: int
    role: str = "in"

    @property
    def elem_bytes(self) -> int:
        return ELEM_BYTES[self.dtype]


@dataclass(frozen=True, slots=True)
class Program:
    """A Gemmini function: DRAM buffers and a body."""

    name: str
    buffers: tuple[Buffer, ...]
    body: tuple[Stmt, ...]
    doc: str = ""

    def buffer(self, name: str) -> Buffer:
        for b in self.buffers:
            if b.name == name:
                return b
        raise KeyError(name)

    def __str__(self) -> str:
        return print_program(self)


def loop(var: str, start: ExprLike, stop: ExprLike, body: list[Stmt] | tuple[Stmt, ...],
         step: int = 1) -> list[Stmt]:
    """A loop, or its body alone when it runs once (`for i in range(0, 1)` -> body with i = 0)."""
    start, stop = E(start), E(stop)
    if isinstance(start, Const) and isinstance(stop, Const) and stop.value - start.value <= step:
        if stop.value <= start.value:
            return []
        return substitute(list(body), {var: start})
    if not body:
        return []
    return [Loop(var, start, stop, tuple(body), step)]


def when(cond: ExprLike, then: list[Stmt], orelse: list[Stmt] | None = None) -> list[Stmt]:
    """An `if`, or one branch when the condition is constant."""
    cond = E(cond)
    if isinstance(cond, Const):
        return list(then) if cond.value else list(orelse or [])
    if not then and not orelse:
        return []
    return [If(cond, tuple(then), tuple(orelse or ()))]


def substitute_expr(e: Expr, env: dict[str, Expr]) -> Expr:
    if isinstance(e, Var):
        return env.get(e.name, e)
    if isinstance(e, BinOp):
        return binop(e.op, substitute_expr(e.a, env), substitute_expr(e.b, env))
    return e


def substitute(body: list[Stmt] | tuple[Stmt, ...], env: dict[str, Expr]) -> list[Stmt]:
    """Replace loop variables by expressions, folding what becomes constant (an `if` with a
    constant condition becomes its branch, a loop that runs once its body)."""
    out: list[Stmt] = []
    for s in body:
        if isinstance(s, Loop):
            inner = {k: v for k, v in env.items() if k != s.var}
            out += loop(s.var, substitute_expr(s.start, env), substitute_expr(s.stop, env),
                        substitute(s.body, inner), s.step)
        elif isinstance(s, If):
            out += when(substitute_expr(s.cond, env), substitute(s.then, env),
                        substitute(s.orelse, env))
        else:
            values = {}
            for f in fields(s):
                v = getattr(s, f.name)
                if isinstance(v, Expr):
                    v = substitute_expr(v, env)
                elif isinstance(v, Dram):
                    v = Dram(v.buffer, substitute_expr(v.offset, env))
                values[f.name] = v
            out.append(type(s)(**values))
    return out


def walk(body: tuple[Stmt, ...] | list[Stmt]) -> Iterator[Stmt]:
    """Every statement, pre-order."""
    for s in body:
        yield s
        if isinstance(s, Loop):
            yield from walk(s.body)
        elif isinstance(s, If):
            yield from walk(s.then)
            yield from walk(s.orelse)


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


def _constant(node: ast.expr, kind: type) -> object:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _constant(node.operand, kind)
        return -value  # type: ignore[operator]
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
        else:
            values[kw.arg] = _constant(kw.value, float if kind == "float" else int)
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
            and ann.value.id in ELEM_BYTES and isinstance(ann.slice, ast.Tuple)
            and len(ann.slice.elts) == 2
            and all(isinstance(e, ast.Constant) and type(e.value) is int for e in ann.slice.elts)):
        rows, cols = (e.value for e in ann.slice.elts)  # type: ignore[union-attr]
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


__all__ = [
    "Program", "Buffer", "Dram", "Loop", "If", "Stmt", "Instr", "ConfigEx", "ConfigLd", "ConfigSt",
    "Mvin", "Mvout", "Preload", "ComputePreloaded", "ComputeAccumulated", "Fence", "Flush",
    "LoopWs", "INSTRUCTIONS", "print_program", "parse_program", "ProgramSyntaxError", "loop",
    "when", "substitute", "walk", "Expr", "Var", "E",
]
