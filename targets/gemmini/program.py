"""Gemmini programs: instructions of the ISA with loops and address arithmetic (text form: `text`).

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

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import ClassVar

from .expr import BinOp, Const, E, Expr, ExprLike, Var, binop, show
from .isa import ELEM_BYTES


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
@dataclass(frozen=True, slots=True)
class Instr:
    """Base of instructions; `NAME` is the text form, fields print as keyword arguments."""

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
class Compute(Instr):
    """The operands of both compute instructions: rows at `a`, the operand at `bd`."""

    a: Expr
    bd: Expr
    a_cols: Expr
    a_rows: Expr
    bd_cols: Expr
    bd_rows: Expr


@dataclass(frozen=True, slots=True)
class ComputePreloaded(Compute):
    """`gemmini_extended_compute_preloaded`: multiply rows at `a` by the weights just preloaded."""

    NAME: ClassVar[str] = "compute_preloaded"


@dataclass(frozen=True, slots=True)
class ComputeAccumulated(Compute):
    """`gemmini_extended_compute_accumulated`: multiply by the weights already in the array."""

    NAME: ClassVar[str] = "compute_accumulated"


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
        from .text import print_program

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


__all__ = [
    "Program", "Buffer", "Dram", "Loop", "If", "Stmt", "Instr", "ConfigEx", "ConfigLd", "ConfigSt",
    "Mvin", "Mvout", "Preload", "ComputePreloaded", "ComputeAccumulated", "Fence", "Flush",
    "LoopWs", "INSTRUCTIONS", "loop", "when", "substitute", "walk", "Expr", "Var", "E",
]
