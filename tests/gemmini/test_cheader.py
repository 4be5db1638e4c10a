"""The emitted C against the current gemmini.h and the 2021 one: golden files for both, every one
compiles with `gcc -Wall -Werror -c` against a declarations-only header stating each macro's
signature (tests/gemmini/cheaders), and runs: the macros forward to functions that print each
call, the calls are replayed as instructions on the emulator under that header generation's
meaning (the activation from `config_st` in the current one, from `config_ex` in 2021), and the
outputs must equal NumPy's. A dropped or misplaced activation fails."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir import parse_module
from tensflo.targets.gemmini.api import compile_term
from tensflo.targets.gemmini.cemit import HeaderError, render, signature
from tensflo.targets.gemmini.emulator import Emulator
from tensflo.targets.gemmini.expr import E
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.program import (
    Buffer,
    ComputeAccumulated,
    ComputePreloaded,
    ConfigEx,
    ConfigLd,
    ConfigSt,
    Dram,
    Fence,
    Flush,
    Instr,
    LoopWs,
    Mvin,
    Mvout,
    Preload,
    Program,
)
from tensflo.targets.gemmini.schedule import NAIVE, Schedule, library
from tensflo.targets.gemmini.workload import Add, conv2d, conv2d_image, gemm

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

HEADERS_DIR = Path(__file__).parent / "cheaders"
DECLS = {"current": HEADERS_DIR / "gemmini_decls.h", "2021": HEADERS_DIR / "gemmini_decls_2021.h"}
ELEM = {"int8": 1, "int32": 4}
(MATMUL,) = parse_module("def gemm_32x32x32(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)\n")


def _matmul_ab(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"C": (inputs["A"].astype(np.int64) @ inputs["B"].astype(np.int64)).astype(np.int32)}


def _loop_ws_program() -> Program:
    return Program("lw", (Buffer("A", "int8", 32, 32), Buffer("B", "int8", 32, 32),
                          Buffer("C", "int32", 32, 32, "out")),
                   (ConfigEx(), LoopWs(E(2), E(2), E(2), E(0), E(0), E(0), Dram("A", E(0)),
                                       Dram("B", E(0)), Dram("B", E(0)), Dram("C", E(0)), E(32),
                                       E(32), E(32), E(32), 1, 1, 0), Fence()))


def _workload_case(w, schedule=None):
    return lambda: (build(w, schedule or library(w)), w.inputs, w.reference)


# name -> () -> (program, inputs(rng), reference(inputs))
CASES: dict[str, Callable] = {
    "gemm_32x32x32": lambda: (compile_term(MATMUL, {"a": (32, 32), "b": (32, 32)}).program,
                              lambda rng: {k: rng.integers(-128, 128, (32, 32)).astype(np.int8)
                                           for k in "AB"}, _matmul_ab),
    "naive_40x24x33": _workload_case(gemm(40, 24, 33), NAIVE),
    "dense_bias_relu": _workload_case(gemm(40, 24, 33, bias="row", out_dtype="int8", relu=True,
                                           name="dense_bias_relu")),
    "double_buffered_scaled_relu": _workload_case(
        w := gemm(64, 48, 80, bias="matrix", out_dtype="int8", relu=True, acc_scale=0.25,
                  name="double_buffered_scaled_relu"),
        replace(library(w), unroll=2, double_buffer=True, ti=2, hoist_config=False)),
    "conv_bias_relu": _workload_case(conv2d(2, 10, 32, 32, bias="row", out_dtype="int8",
                                            relu=True, name="conv_bias_relu")),
    "conv_stride2_pad1": _workload_case(conv2d_image(1, 13, 13, 32, 24, kernel=3, stride=2, pad=1,
                                                     bias="row", out_dtype="int8", relu=True,
                                                     name="conv_stride2_pad1")),
    "add": _workload_case(Add("add", 40, 50)),
    "loop_ws": lambda: (_loop_ws_program(),
                        lambda rng: {k: rng.integers(-128, 128, (32, 32)).astype(np.int8)
                                     for k in "AB"}, _matmul_ab),
}


class ReplayError(Exception):
    """A trace the replay does not model (it would not mean what the program means)."""


def _main_c(p: Program) -> str:
    decls = [f"static {'elem_t' if b.dtype == 'int8' else 'acc_t'} buf_{b.name}[{b.rows * b.cols}];"
             for b in p.buffers]
    prints = [f'  printf("buffer {b.name} %llu\\n", (unsigned long long)(uintptr_t)buf_{b.name});'
              for b in p.buffers]
    args = ", ".join(f"buf_{b.name}" for b in p.buffers)
    return "\n".join(['#include <stdio.h>', '#include "include/gemmini.h"', f"{signature(p)};",
                      *decls, "int main(void) {", *prints, f"  {p.name}({args});", "  return 0;",
                      "}"]) + "\n"


def compile_and_trace(p: Program, c_text: str, header: str, tmp: Path) -> list[str]:
    """Compile `c_text` with -Wall -Werror against the declarations of `header`, link it with
    the tracing definitions, run it; the trace lines."""
    (tmp / "include").mkdir(exist_ok=True)
    (tmp / "include" / "gemmini.h").write_text(f'#include "{DECLS[header]}"\n')
    src, main = tmp / f"{p.name}.c", tmp / "main.c"
    src.write_text(c_text)
    main.write_text(_main_c(p))
    flags = ["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", str(tmp)]
    for f in (src, main):
        r = subprocess.run([*flags, "-c", str(f), "-o", str(f) + ".o"], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, f"{f.name} against the {header} header:\n{r.stderr}"
    exe = tmp / "prog"
    r = subprocess.run(["gcc", str(src) + ".o", str(main) + ".o", str(HEADERS_DIR / "gemmini_trace.c"),
                        "-o", str(exe)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    return run.stdout.splitlines()


def replay(p: Program, lines: list[str], header: str) -> Program:
    """The traced calls as a flat program, each macro with its meaning in `header`."""
    bases: dict[str, int] = {}
    sizes = {b.name: (b.rows * b.cols, ELEM[b.dtype]) for b in p.buffers}
    body: list[Instr] = []
    df, act, scale, trans = 1, 0, 1.0, (0, 0)

    def dram(addr: int) -> Dram:
        for name, base in bases.items():
            n, esize = sizes[name]
            if base <= addr < base + n * esize:
                if (addr - base) % esize:
                    raise ReplayError(f"address {addr} is not at an element of {name}")
                return Dram(name, E((addr - base) // esize))
        raise ReplayError(f"address {addr} is in no buffer")

    for line in lines:
        op, *f = line.split()
        if op == "buffer":
            bases[f[0]] = int(f[1])
            continue
        v = [float(x) if "." in x or "e" in x else int(x) for x in f]
        if op == "config_ex6":
            df, sys_act, sys_shift, a_stride, at, bt = v
            if sys_act or sys_shift or a_stride != 1:
                raise ReplayError(f"config_ex with sys_act {sys_act}, sys_shift {sys_shift}, "
                                  f"A_stride {a_stride} is not modelled")
            trans = (at, bt)
            body.append(ConfigEx(df, act, scale, *trans))
        elif op == "config_st3":
            stride, act, scale = v
            body += [ConfigEx(df, act, scale, *trans), ConfigSt(E(stride))]
        elif op == "config_ex8":
            df, act, sys_shift, scale, relu6, a_stride, at, bt = v
            if sys_shift or relu6 or a_stride != 1:
                raise ReplayError("config_ex shifts or A_stride are not modelled")
            trans = (at, bt)
            body.append(ConfigEx(df, act, scale, *trans))
        elif op == "config_st1":
            body.append(ConfigSt(E(v[0])))
        elif op == "config_ld":
            body.append(ConfigLd(E(v[0]), v[1], v[2], v[3]))
        elif op == "mvin":
            body.append(Mvin(dram(v[1]), E(v[2]), E(v[3]), E(v[4]), v[0]))
        elif op == "mvout":
            body.append(Mvout(dram(v[0]), E(v[1]), E(v[2]), E(v[3])))
        elif op == "preload":
            body.append(Preload(*map(E, v)))
        elif op == "compute":
            cls = ComputeAccumulated if v[0] else ComputePreloaded
            body.append(cls(*map(E, v[1:])))
        elif op in ("loop_ws19", "loop_ws23"):
            (i, j, k, pi, pj, pk, a, b, d, c, sa, sb, sd, sc, at, bt, full_c, low_d, ex_acc,
             *extra) = v
            if extra and (extra[0] != act or any(extra[1:])):
                raise ReplayError(f"loop_ws act {extra[0]} (config_st set {act}), spad ids or "
                                  "resadd are not modelled")
            if at or bt or low_d:
                raise ReplayError("loop_ws transposes or low_D are not modelled")
            body.append(LoopWs(E(i), E(j), E(k), E(pi), E(pj), E(pk), dram(a), dram(b),
                               dram(d) if d else dram(a), dram(c), E(sa), E(sb), E(sd), E(sc),
                               int(not d), full_c, ex_acc))
        elif op == "flush":
            body.append(Flush(v[0]))
        elif op == "fence":
            body.append(Fence())
        else:
            raise ReplayError(f"unknown call {op}")
    return Program(p.name, p.buffers, tuple(body))


def semantic_check(name: str, header: str, tmp: Path, c_text: str | None = None,
                   seed: int = 0) -> None:
    """Compile, trace and replay the emitted C (or `c_text`) of case `name`; its outputs must
    equal the reference on seeded random inputs."""
    program, make_inputs, reference = CASES[name]()
    lines = compile_and_trace(program, c_text or render(program, header), header, tmp)
    replayed = replay(program, lines, header)
    inputs = make_inputs(np.random.default_rng(seed))
    got = Emulator(replayed, inputs).run()
    for buf, want in reference(inputs).items():
        wrong = int(np.sum(got[buf] != want))
        assert wrong == 0, f"{name} ({header}): {wrong} of {want.size} outputs of {buf} differ"


@pytest.mark.parametrize("header", ["current", "2021"])
@pytest.mark.parametrize("name", CASES)
def test_golden_compiles_and_computes_the_reference(name, header, golden, tmp_path):
    program = CASES[name]()[0]
    text = render(program, header)
    golden(f"gemmini/{header}/{name}.c", text)
    semantic_check(name, header, tmp_path)


def test_current_header_puts_the_activation_in_config_st():
    program = CASES["dense_bias_relu"]()[0]
    current, old = render(program), render(program, "2021")
    assert "gemmini_extended_config_ex(WEIGHT_STATIONARY, NO_ACTIVATION, 0, 1, false, false);" in current
    assert "gemmini_extended_config_st(24, RELU, 1.0);" in current
    assert "gemmini_extended_config_ex(WEIGHT_STATIONARY, RELU, 0, 1.0, 0, 1, false, false);" in old
    assert "gemmini_config_st(24);" in old


def _mutate(name: str, old: str, new: str) -> str:
    text = render(CASES[name]()[0])
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize("mutation", ["dropped", "in_config_ex", "2021_args_fixed"])
def test_a_wrong_activation_placement_fails_the_check(mutation, tmp_path):
    name = "dense_bias_relu"
    if mutation == "dropped":  # config_st without the activation: ReLU silently lost
        text = _mutate(name, "config_st(24, RELU, 1.0)", "config_st(24, NO_ACTIVATION, 1.0)")
    elif mutation == "in_config_ex":  # the activation given to config_ex, as in 2021
        text = _mutate(name, "config_ex(WEIGHT_STATIONARY, NO_ACTIVATION,", "config_ex(WEIGHT_STATIONARY, RELU,")
        text = text.replace("config_st(24, RELU, 1.0)", "config_st(24, NO_ACTIVATION, 1.0)")
    else:  # the 2021 file with only the argument counts fixed (the failure)
        text = render(CASES[name]()[0], "2021")
        text = text.replace("0, 1.0, 0, 1, false, false);", "0, 1, false, false);")
        text = text.replace("gemmini_config_st(24);", "gemmini_extended_config_st(24, NO_ACTIVATION, 1.0);")
    with pytest.raises((AssertionError, ReplayError)) as failure:
        semantic_check(name, "current", tmp_path, text)
    assert "outputs of C differ" in str(failure.value) or "sys_act 1" in str(failure.value)


def test_the_2021_file_does_not_compile_against_the_current_header(tmp_path):
    program = CASES["gemm_32x32x32"]()[0]
    with pytest.raises(AssertionError, match="passed 8 arguments, but takes just 6"):
        compile_and_trace(program, render(program, "2021"), "current", tmp_path)


def test_programs_the_current_header_cannot_express_are_refused():
    a, b, c = Buffer("A", "int8", 16, 16), Buffer("B", "int8", 16, 16), Buffer("C", "int8", 16, 16, "out")
    mv = Mvout(Dram("C", E(0)), E(0x80000000), E(16), E(16))
    two = Program("two", (a, b, c), (ConfigEx(act=1), ConfigSt(E(16)), ConfigEx(act=0), mv))
    with pytest.raises(HeaderError, match="different activations"):
        render(two)
    early = Program("early", (a, b, c), (ConfigEx(act=1), mv, ConfigSt(E(16))))
    with pytest.raises(HeaderError, match="mvout` may run before"):
        render(early)
    assert "gemmini_config_st(16);" in render(two, "2021")


@pytest.mark.parametrize("header", ["current", "2021"])
def test_lean_inner_loop_c_compiles_and_computes_the_reference(header, tmp_path):
    # strided loops over i (start (k % 4) + j, step 4; stores from (k + nk (j + 1) - j) % nk)
    w = conv2d(1, 7, 64, 40, bias="row", out_dtype="int8", relu=True, name="conv_lean")
    s = Schedule(ti=7, tj=1, tk=12, inner="kji", a_blocks=4, loads="spread", mvout="next",
                 double_buffer=True, fence=False, hoist_config=True, lean=True)
    program = build(w, s)
    replayed = replay(program, compile_and_trace(program, render(program, header), header,
                                                 tmp_path), header)
    inputs = w.inputs(np.random.default_rng(3))
    got = Emulator(replayed, inputs).run()
    for buf, want in w.reference(inputs).items():
        np.testing.assert_array_equal(got[buf], want)
