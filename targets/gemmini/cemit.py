"""Render a Gemmini program as one C translation unit over `gemmini.h`.

The file includes `include/gemmini.h` of ucb-bar/gemmini-rocc-tests (default configuration: DIM 16,
`elem_t` int8, `acc_t` int32) and defines one function taking the program's buffers as plain
pointers, `const` for inputs. Instructions become the header's macros with the same operand
order: `gemmini_extended_mvin(dram_addr, spad_addr, cols, rows)`, `gemmini_extended_preload(BD, C,
BD_cols, BD_rows, C_cols, C_rows)`, `gemmini_extended_config_ex(dataflow, act, sys_shift,
acc_scale, relu6_shift, A_stride, A_transpose, B_transpose)`, ... Index arithmetic prints with
only the parentheses C needs.
"""

from __future__ import annotations

from typing import IO

from .expr import Expr, show_c
from .isa import C_TYPES, DIM
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

HEADER_VERSION = "ucb-bar/gemmini-rocc-tests include/gemmini.h, commit 0015b1af5e1d"
MVIN_MACROS = {0: "gemmini_extended_mvin", 1: "gemmini_extended_mvin2", 2: "gemmini_extended_mvin3"}


def _e(e: Expr) -> str:
    return show_c(e)


def _dram(d: Dram) -> str:
    off = show_c(d.offset, 8)
    return d.buffer if off == "0" else f"{d.buffer} + {off}"


def _bool(v: int) -> str:
    return "true" if v else "false"


def _float(v: float) -> str:
    return repr(float(v))


def render_instr(s: Instr) -> str:
    """One C statement."""
    if isinstance(s, ConfigEx):
        return (f"gemmini_extended_config_ex({'WEIGHT_STATIONARY' if s.dataflow == 1 else 'OUTPUT_STATIONARY'}, "
                f"{'RELU' if s.act == 1 else 'NO_ACTIVATION'}, 0, {_float(s.acc_scale)}, 0, 1, "
                f"{_bool(s.a_transpose)}, {_bool(s.b_transpose)});")
    if isinstance(s, ConfigLd):
        return (f"gemmini_extended3_config_ld({_e(s.stride)}, {_float(s.scale)}, "
                f"{_bool(s.shrunk)}, {s.id});")
    if isinstance(s, ConfigSt):
        return f"gemmini_config_st({_e(s.stride)});"
    if isinstance(s, Mvin):
        return f"{MVIN_MACROS[s.id]}({_dram(s.dram)}, {_e(s.addr)}, {_e(s.cols)}, {_e(s.rows)});"
    if isinstance(s, Mvout):
        return f"gemmini_extended_mvout({_dram(s.dram)}, {_e(s.addr)}, {_e(s.cols)}, {_e(s.rows)});"
    if isinstance(s, Preload):
        ops = ", ".join(_e(x) for x in (s.bd, s.c, s.bd_cols, s.bd_rows, s.c_cols, s.c_rows))
        return f"gemmini_extended_preload({ops});"
    if isinstance(s, ComputePreloaded | ComputeAccumulated):
        which = "preloaded" if isinstance(s, ComputePreloaded) else "accumulated"
        ops = ", ".join(_e(x) for x in (s.a, s.bd, s.a_cols, s.a_rows, s.bd_cols, s.bd_rows))
        return f"gemmini_extended_compute_{which}({ops});"
    if isinstance(s, Fence):
        return "gemmini_fence();"
    if isinstance(s, Flush):
        return f"gemmini_flush({s.skip});"
    if isinstance(s, LoopWs):
        args = [_e(s.i), _e(s.j), _e(s.k), _e(s.pad_i), _e(s.pad_j), _e(s.pad_k), _dram(s.a),
                _dram(s.b), "NULL" if s.no_d else _dram(s.d), _dram(s.c), _e(s.a_stride),
                _e(s.b_stride), _e(s.d_stride), _e(s.c_stride), "false", "false",
                _bool(s.full_c), "false", _bool(s.ex_accumulate)]
        return f"gemmini_loop_ws({', '.join(args)});"
    raise TypeError(f"cannot render {s!r}")


def _body(body: tuple[Stmt, ...], indent: str, out: list[str]) -> None:
    for s in body:
        if isinstance(s, Loop):
            step = f"{s.var}++" if s.step == 1 else f"{s.var} += {s.step}"
            out.append(f"{indent}for (size_t {s.var} = {_e(s.start)}; {s.var} < {_e(s.stop)}; {step}) {{")
            _body(s.body, indent + "  ", out)
            out.append(indent + "}")
        elif isinstance(s, If):
            out.append(f"{indent}if ({show_c(s.cond)}) {{")
            _body(s.then, indent + "  ", out)
            if s.orelse:
                out.append(indent + "} else {")
                _body(s.orelse, indent + "  ", out)
            out.append(indent + "}")
        else:
            out.append(indent + render_instr(s))


def signature(p: Program) -> str:
    params = ", ".join(
        f"{'const ' if b.role == 'in' else ''}{C_TYPES[b.dtype]} *{b.name}" for b in p.buffers)
    return f"void {p.name}({params})"


def render(p: Program) -> str:
    """The C file for `p`."""
    body: list[str] = []
    _body(p.body, "  ", body)
    layout = [f" *   {b.name}: {b.rows} x {b.cols} {C_TYPES[b.dtype]} ({b.dtype}), row-major, "
              f"{'read' if b.role == 'in' else 'written'}" for b in p.buffers]
    lines = [
        f"/* {p.name}: {p.doc}" if p.doc else f"/* {p.name}",
        " *",
        f" * {signature(p)};",
        " *",
        " * Buffers (row stride = columns):",
        *layout,
        " *",
        f" * Gemmini ISA as in {HEADER_VERSION}",
        f" * (default configuration: DIM {DIM}, elem_t int8, acc_t int32). Generated by tensflo.",
        " */",
        "#include <stdbool.h>",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        '#include "include/gemmini.h"',
        "",
    ]
    for name, op in (("min", "<"), ("max", ">")):
        if any(f"tf_{name}(" in line for line in body):
            lines.append(f"static inline size_t tf_{name}(size_t a, size_t b) "
                         f"{{ return a {op} b ? a : b; }}")
            lines.append("")
    lines.append(signature(p) + " {")
    lines += body
    lines.append("}")
    return "\n".join(lines) + "\n"


def emit(p: Program, out: IO[str]) -> None:
    out.write(render(p))
