"""Flatten a program into its dynamic instruction stream (the trace both the emulator and the
cycle model consume).

The program is compiled once into Python (its loops become Python loops) that appends one tuple
per executed instruction: `(opcode, static_id, overhead, *operands)` with every operand evaluated
to an int or float. `overhead` counts the loop iterations and `if` tests the CPU ran since the
previous instruction, for the cycle model. `loop_ws` expands into an equivalent sequence of the
other instructions (`expand_loop_ws`; one block per mvin, no double buffering).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from .expr import Expr, show
from .isa import ACC_BIT, ACCUMULATE_BIT, BANK_ROWS, DIM, FULL_WIDTH_BIT, GARBAGE_ADDR, SP_ROWS
from .program import (
    ComputeAccumulated,
    ComputePreloaded,
    ConfigEx,
    ConfigLd,
    ConfigSt,
    Dram,
    Fence,
    Flush,
    If,
    Instr,
    Loop,
    LoopWs,
    Mvin,
    Mvout,
    Preload,
    Program,
    Stmt,
)
from .text import print_instr

CFG_EX, CFG_LD, CFG_ST, MVIN, MVOUT, PRELOAD, COMPUTE_P, COMPUTE_A, FENCE, FLUSH = range(10)
OPCODES: dict[type[Instr], int] = {
    ConfigEx: CFG_EX, ConfigLd: CFG_LD, ConfigSt: CFG_ST, Mvin: MVIN, Mvout: MVOUT,
    Preload: PRELOAD, ComputePreloaded: COMPUTE_P, ComputeAccumulated: COMPUTE_A, Fence: FENCE,
    Flush: FLUSH}
OPNAMES = {v: k.NAME for k, v in OPCODES.items()}

Event = tuple
"""`(opcode, static_id, overhead, *operands)`; operands as in the instruction's fields, DRAM
addresses as two operands (buffer name, element offset)."""


@dataclass(frozen=True)
class Trace:
    events: list[Event]
    statements: list[Instr]
    """The static instructions; an event's `static_id` indexes this list (for messages)."""

    def describe(self, event: Event) -> str:
        return f"{OPNAMES[event[0]]} (from `{print_instr(self.statements[event[1]])}`)"


def _operand(v: object) -> list[str]:
    if isinstance(v, Expr):
        return [show(v)]
    if isinstance(v, Dram):
        return [repr(v.buffer), show(v.offset)]
    return [repr(v)]


def _compile(program: Program) -> tuple[str, list[Instr]]:
    statements: list[Instr] = []
    lines = ["def _trace(emit, expand_loop_ws, min=min, max=max):", "    ov = 0"]

    def body(stmts: tuple[Stmt, ...], indent: str) -> None:
        if not stmts:
            lines.append(indent + "pass")
        for s in stmts:
            if isinstance(s, Loop):
                step = f", {s.step}" if s.step != 1 else ""
                lines.append(f"{indent}for {s.var} in range({show(s.start)}, {show(s.stop)}{step}):")
                lines.append(f"{indent}    ov += 1")
                body(s.body, indent + "    ")
            elif isinstance(s, If):
                lines.append(f"{indent}ov += 1")
                lines.append(f"{indent}if {show(s.cond)}:")
                body(s.then, indent + "    ")
                if s.orelse:
                    lines.append(f"{indent}else:")
                    body(s.orelse, indent + "    ")
            else:
                sid = len(statements)
                statements.append(s)
                ops = [x for f in fields(s) for x in _operand(getattr(s, f.name))]
                if isinstance(s, LoopWs):
                    lines.append(f"{indent}expand_loop_ws(emit, {sid}, ov, {', '.join(ops)})")
                else:
                    lines.append(f"{indent}emit(({', '.join([str(OPCODES[type(s)]), str(sid), 'ov', *ops])}))")
                lines.append(f"{indent}ov = 0")

    body(program.body, "    ")
    return "\n".join(lines) + "\n", statements


def trace(program: Program) -> Trace:
    """The dynamic instruction stream of `program`."""
    source, statements = _compile(program)
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<gemmini program {program.name}>", "exec"), namespace)
    events: list[Event] = []
    namespace["_trace"](events.append, expand_loop_ws)
    return Trace(events, statements)


def expand_loop_ws(emit, sid: int, ov: int, i: int, j: int, k: int, pad_i: int, pad_j: int,
                   pad_k: int, a_buf: str, a_off: int, b_buf: str, b_off: int, d_buf: str,
                   d_off: int, c_buf: str, c_off: int, a_stride: int, b_stride: int,
                   d_stride: int, c_stride: int, no_d: int, full_c: int,
                   ex_accumulate: int) -> None:
    """Emit the instructions of one `loop_ws`: A in the scratchpad's lower half, B in the upper
    half, C (and D) from accumulator row 0; loop order j, k, i (weights reused across i).

    It sets the load strides of mvin ids 0-2 and the store stride, as its operands give them.
    """
    for e in _loop_ws_events(sid, i, j, k, pad_i, pad_j, pad_k, a_buf, a_off, b_buf, b_off,
                             d_buf, d_off, c_buf, c_off, a_stride, b_stride, d_stride, c_stride,
                             no_d, full_c, ex_accumulate):
        emit((e[0], e[1], ov, *e[2:]))
        ov = 0


def _loop_ws_events(sid, ni, nj, nk, pad_i, pad_j, pad_k, a_buf, a_off, b_buf, b_off, d_buf,
                    d_off, c_buf, c_off, a_stride, b_stride, d_stride, c_stride, no_d, full_c,
                    ex_accumulate) -> Iterator[tuple]:
    half = SP_ROWS // 2
    assert half % BANK_ROWS == 0
    a_base, b_base = 0, half
    c_elem = 4 if full_c else 1
    yield (CFG_LD, sid, a_stride, 1.0, 0, 0)
    yield (CFG_LD, sid, b_stride, 1.0, 0, 1)
    yield (CFG_LD, sid, d_stride * 4, 1.0, 0, 2)
    yield (CFG_ST, sid, c_stride * c_elem)

    def rows_i(i: int) -> int:
        return DIM - (pad_i if i == ni - 1 else 0)

    def cols_j(j: int) -> int:
        return DIM - (pad_j if j == nj - 1 else 0)

    def rows_k(k: int) -> int:
        return DIM - (pad_k if k == nk - 1 else 0)

    if not no_d:
        for i in range(ni):
            for j in range(nj):
                yield (MVIN, sid, d_buf, d_off + (i * DIM * d_stride + j * DIM),
                       ACC_BIT | (i * nj + j) * DIM, cols_j(j), rows_i(i), 2)
    for j in range(nj):
        for k in range(nk):
            for i in range(ni):
                a_sp = a_base + (i * nk + k) * DIM
                b_sp = b_base + (k * nj + j) * DIM
                c_acc = ACC_BIT | (i * nj + j) * DIM
                if j == 0:
                    yield (MVIN, sid, a_buf, a_off + (i * DIM * a_stride + k * DIM), a_sp,
                           rows_k(k), rows_i(i), 0)
                if i == 0:
                    yield (MVIN, sid, b_buf, b_off + (k * DIM * b_stride + j * DIM), b_sp,
                           cols_j(j), rows_k(k), 1)
                accumulate = k > 0 or not no_d or ex_accumulate
                c = c_acc | (ACCUMULATE_BIT if accumulate else 0)
                if i == 0:
                    yield (PRELOAD, sid, b_sp, c, cols_j(j), rows_k(k), cols_j(j), rows_i(i))
                    yield (COMPUTE_P, sid, a_sp, GARBAGE_ADDR, rows_k(k), rows_i(i), DIM, DIM)
                else:
                    yield (PRELOAD, sid, GARBAGE_ADDR, c, DIM, DIM, cols_j(j), rows_i(i))
                    yield (COMPUTE_A, sid, a_sp, GARBAGE_ADDR, rows_k(k), rows_i(i), DIM, DIM)
                if k == nk - 1:
                    full = FULL_WIDTH_BIT if full_c else 0
                    yield (MVOUT, sid, c_buf, c_off + (i * DIM * c_stride + j * DIM),
                           c_acc | full, cols_j(j), rows_i(i))
