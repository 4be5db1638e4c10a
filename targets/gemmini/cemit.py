"""Render a Gemmini program as one C translation unit over `gemmini.h`.

The file includes `include/gemmini.h` of ucb-bar/gemmini-rocc-tests (default configuration: DIM 16,
`elem_t` int8, `acc_t` int32) and defines one function taking the program's buffers as plain
pointers, `const` for inputs. Instructions become the header's macros with the same operand
order: `gemmini_extended_mvin(dram_addr, spad_addr, cols, rows)`, `gemmini_extended_preload(BD, C,
BD_cols, BD_rows, C_cols, C_rows)`, ... Index arithmetic prints with only the parentheses C needs.

Two header generations (`HEADERS`):

- "current" (default; the `dev` branch since September 2021): the activation applied on mvout and
  the accumulator scale are set by `gemmini_extended_config_st(stride, acc_act, acc_scale)`;
  `gemmini_extended_config_ex(dataflow, sys_act, sys_shift, A_stride, A_transpose, B_transpose)`
  takes 6 operands; `gemmini_loop_ws` takes 23 (`..., ex_accumulate, act, a_spad_id, b_spad_id,
  is_resadd`). A program's `config_ex` carries the activation and scale, so each `config_st`
  receives them; a program whose `config_ex` instructions disagree on them, or that could move
  out through the accumulator before a `config_st` follows its `config_ex`, is refused
  (`HeaderError`) rather than emitted with a different activation.
- "2021" (commit 0015b1af, May 2021): activation and scale in the 8-operand
  `gemmini_extended_config_ex`, `gemmini_config_st(stride)`, the 19-operand `gemmini_loop_ws`.
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
    walk,
)

HEADERS = ("current", "2021")
HEADER_VERSIONS = {
    "current": "ucb-bar/gemmini-rocc-tests include/gemmini.h, dev branch (activation and "
               "accumulator scale in gemmini_extended_config_st)",
    "2021": "ucb-bar/gemmini-rocc-tests include/gemmini.h, commit 0015b1af5e1d",
}
HEADER_VERSION = HEADER_VERSIONS["current"]
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


class HeaderError(ValueError):
    """A program the chosen header generation cannot express with the same meaning."""


def _act(act: int) -> str:
    return "RELU" if act == 1 else "NO_ACTIVATION"


def render_instr(s: Instr, header: str = "current", act: tuple[int, float] = (0, 1.0)) -> str:
    """One C statement; `act` is the program's (activation, accumulator scale), which the
    current header sets with `config_st` (and `loop_ws`) instead of `config_ex`."""
    current = header == "current"
    if isinstance(s, ConfigEx):
        dataflow = "WEIGHT_STATIONARY" if s.dataflow == 1 else "OUTPUT_STATIONARY"
        if current:
            return (f"gemmini_extended_config_ex({dataflow}, NO_ACTIVATION, 0, 1, "
                    f"{_bool(s.a_transpose)}, {_bool(s.b_transpose)});")
        return (f"gemmini_extended_config_ex({dataflow}, {_act(s.act)}, 0, {_float(s.acc_scale)}, 0, 1, "
                f"{_bool(s.a_transpose)}, {_bool(s.b_transpose)});")
    if isinstance(s, ConfigLd):
        return (f"gemmini_extended3_config_ld({_e(s.stride)}, {_float(s.scale)}, "
                f"{_bool(s.shrunk)}, {s.id});")
    if isinstance(s, ConfigSt):
        if current:
            return f"gemmini_extended_config_st({_e(s.stride)}, {_act(act[0])}, {_float(act[1])});"
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
        if current:
            args += [_act(act[0]), "0", "0", "false"]
        return f"gemmini_loop_ws({', '.join(args)});"
    raise TypeError(f"cannot render {s!r}")


def _body(body: tuple[Stmt, ...], indent: str, out: list[str], header: str,
          act: tuple[int, float]) -> None:
    for s in body:
        if isinstance(s, Loop):
            step = f"{s.var}++" if s.step == 1 else f"{s.var} += {s.step}"
            out.append(f"{indent}for (size_t {s.var} = {_e(s.start)}; {s.var} < {_e(s.stop)}; {step}) {{")
            _body(s.body, indent + "  ", out, header, act)
            out.append(indent + "}")
        elif isinstance(s, If):
            out.append(f"{indent}if ({show_c(s.cond)}) {{")
            _body(s.then, indent + "  ", out, header, act)
            if s.orelse:
                out.append(indent + "} else {")
                _body(s.orelse, indent + "  ", out, header, act)
            out.append(indent + "}")
        else:
            out.append(indent + render_instr(s, header, act))


def output_config(p: Program) -> tuple[int, float]:
    """The (activation, accumulator scale) every `config_ex` of `p` sets, for the current header.

    Raises `HeaderError` when they differ, or, for a non-identity setting, when a store could run
    before both a `config_ex` and a `config_st` have (in the 2021 header `config_ex` alone took
    effect; in the current one only `config_st` does).
    """
    settings = {(s.act, float(s.acc_scale)) for s in walk(p.body) if isinstance(s, ConfigEx)}
    if len(settings) > 1:
        raise HeaderError(f"{p.name}: config_ex instructions set different activations or scales "
                          f"{sorted(settings)}; the current gemmini.h sets them with config_st, "
                          "so this program is emitted only with --gemmini-header 2021")
    act = settings.pop() if settings else (0, 1.0)
    if act != (0, 1.0):
        _stores_after_config(p.name, p.body, False, False)
    return act


def _stores_after_config(name: str, body: tuple[Stmt, ...], ex: bool, st: bool) -> tuple[bool, bool]:
    """Walk `body` in order knowing whether a config_ex and a config_st have run on every path
    (with one setting in the program, both must have run before a store agrees in both headers);
    a loop or branch may not run, so what it sets is forgotten after it."""
    for s in body:
        if isinstance(s, Loop):
            _stores_after_config(name, s.body, ex, st)
        elif isinstance(s, If):
            _stores_after_config(name, s.then, ex, st)
            _stores_after_config(name, s.orelse, ex, st)
        elif isinstance(s, ConfigEx):
            ex = True
        elif isinstance(s, ConfigSt):
            st = True
        elif isinstance(s, Mvout | LoopWs) and not (ex and st):
            raise HeaderError(f"{name}: `{type(s).NAME}` may run before both config_ex and "
                              "config_st have set the activation; the current gemmini.h applies "
                              "the activation only from config_st")
    return ex, st


def signature(p: Program) -> str:
    params = ", ".join(
        f"{'const ' if b.role == 'in' else ''}{C_TYPES[b.dtype]} *{b.name}" for b in p.buffers)
    return f"void {p.name}({params})"


def render(p: Program, header: str = "current") -> str:
    """The C file for `p` over the `header` generation ("current" or "2021")."""
    if header not in HEADERS:
        raise HeaderError(f"unknown gemmini.h generation {header!r} (choose from {', '.join(HEADERS)})")
    act = output_config(p) if header == "current" else (0, 1.0)
    body: list[str] = []
    _body(p.body, "  ", body, header, act)
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
        f" * Gemmini ISA as in {HEADER_VERSIONS[header]}",
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


def emit(p: Program, out: IO[str], header: str = "current") -> None:
    out.write(render(p, header))
