"""C emission: a golden file for a small GEMM, and every emitted file compiles against a header
with gemmini.h's macro names and arities."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from tensflo.ir.tensir import parse_module
from tensflo.targets.gemmini.api import compile_term
from tensflo.targets.gemmini.cemit import render, signature
from tensflo.targets.gemmini.expr import E
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.program import Buffer, Dram, LoopWs, Program
from tensflo.targets.gemmini.schedule import NAIVE, library
from tensflo.targets.gemmini.workload import Add, conv2d, gemm

(MATMUL,) = parse_module("def gemm_32x32x32(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)\n")

# The macros of gemmini.h with their operand counts; each expands to a call that type-checks.
STUB = """
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
typedef int8_t elem_t;
typedef int32_t acc_t;
#define WEIGHT_STATIONARY 1
#define OUTPUT_STATIONARY 0
#define NO_ACTIVATION 0
#define RELU 1
void rocc(uint64_t rs1, uint64_t rs2);
#define gemmini_extended_config_ex(dataflow, act, sys_shift, acc_scale, relu6_shift, A_stride, A_transpose, B_transpose) \\
  rocc((uint64_t)(dataflow) | (uint64_t)(act) | (uint64_t)(A_stride) | (uint64_t)(A_transpose) | (uint64_t)(B_transpose), (uint64_t)(sys_shift) | (uint64_t)(relu6_shift) | (uint64_t)(float)(acc_scale))
#define gemmini_extended3_config_ld(stride, scale, shrunk, id) rocc((uint64_t)(float)(scale) | (uint64_t)(shrunk) | (uint64_t)(id), (uint64_t)(stride))
#define gemmini_config_st(stride) rocc(0, (uint64_t)(stride))
#define MVX(dram, spad, cols, rows) rocc((uint64_t)(uintptr_t)(dram), (uint64_t)(spad) | ((uint64_t)(cols) << 32) | ((uint64_t)(rows) << 48))
#define gemmini_extended_mvin(dram_addr, spad_addr, cols, rows) MVX(dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvin2(dram_addr, spad_addr, cols, rows) MVX(dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvin3(dram_addr, spad_addr, cols, rows) MVX(dram_addr, spad_addr, cols, rows)
#define gemmini_extended_mvout(dram_addr, spad_addr, cols, rows) MVX(dram_addr, spad_addr, cols, rows)
#define gemmini_extended_preload(BD, C, BD_cols, BD_rows, C_cols, C_rows) rocc((uint64_t)(BD) | ((uint64_t)(BD_cols) << 32) | ((uint64_t)(BD_rows) << 48), (uint64_t)(C) | ((uint64_t)(C_cols) << 32) | ((uint64_t)(C_rows) << 48))
#define gemmini_extended_compute_preloaded(A, BD, A_cols, A_rows, BD_cols, BD_rows) rocc((uint64_t)(A) | ((uint64_t)(A_cols) << 32) | ((uint64_t)(A_rows) << 48), (uint64_t)(BD) | ((uint64_t)(BD_cols) << 32) | ((uint64_t)(BD_rows) << 48))
#define gemmini_extended_compute_accumulated(A, BD, A_cols, A_rows, BD_cols, BD_rows) gemmini_extended_compute_preloaded(A, BD, A_cols, A_rows, BD_cols, BD_rows)
#define gemmini_loop_ws(I, J, K, pad_I, pad_J, pad_K, A, B, D, C, A_stride, B_stride, D_stride, C_stride, A_transpose, B_transpose, full_C, low_D, ex_accumulate) \\
  rocc((uint64_t)(I) | (uint64_t)(J) | (uint64_t)(K) | (uint64_t)(pad_I) | (uint64_t)(pad_J) | (uint64_t)(pad_K) | (uint64_t)(uintptr_t)(A) | (uint64_t)(uintptr_t)(B) | (uint64_t)(uintptr_t)(D) | (uint64_t)(uintptr_t)(C), (uint64_t)(A_stride) | (uint64_t)(B_stride) | (uint64_t)(D_stride) | (uint64_t)(C_stride) | (uint64_t)(A_transpose) | (uint64_t)(B_transpose) | (uint64_t)(full_C) | (uint64_t)(low_D) | (uint64_t)(ex_accumulate))
#define gemmini_flush(skip) rocc((uint64_t)(skip), 0)
#define gemmini_fence() rocc(0, 0)
"""


def test_golden_c_for_a_small_gemm(golden):
    result = compile_term(MATMUL, {"a": (32, 32), "b": (32, 32)})
    golden("gemmini/gemm_32x32x32.c", result.c)


def test_signature_and_layout_comment():
    w = gemm(64, 32, 48, bias="matrix", out_dtype="int8", relu=True, name="f")
    c = render(build(w, library(w)))
    assert "void f(const elem_t *A, const elem_t *B, const acc_t *D, elem_t *C) {" in c
    assert " *   D: 64 x 32 acc_t (int32), row-major, read" in c
    assert c.count('#include "include/gemmini.h"') == 1 and "gemmini_fence();\n}" in c
    assert "gemmini_extended_config_ex(WEIGHT_STATIONARY, RELU, 0, 1.0, 0, 1, false, false);" in c


PROGRAMS = {
    "naive": lambda: build(gemm(40, 24, 33), NAIVE),
    "library_bias_relu": lambda: build(w := gemm(40, 24, 33, bias="row", out_dtype="int8", relu=True), library(w)),
    "unrolled_double_buffered": lambda: build(w := gemm(64, 48, 80), replace(library(w), unroll=2, double_buffer=True, ti=2)),
    "conv": lambda: build(w := conv2d(2, 10, 32, 32), library(w)),
    "add": lambda: build(w := Add("add", 40, 50), library(w)),
    "loop_ws": lambda: Program("lw", (Buffer("A", "int8", 32, 32), Buffer("B", "int8", 32, 32),
                                      Buffer("C", "int32", 32, 32, "out")),
                               (LoopWs(E(2), E(2), E(2), E(0), E(0), E(0), Dram("A", E(0)), Dram("B", E(0)),
                                       Dram("B", E(0)), Dram("C", E(0)), E(32), E(32), E(32), E(32), 1, 1, 0),)),
}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_emitted_c_compiles_against_the_header_macros(tmp_path):
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "gemmini.h").write_text(STUB)
    for name, make in PROGRAMS.items():
        p = make()
        path = tmp_path / f"{name}.c"
        path.write_text(render(p))
        result = subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                                 "-I", str(tmp_path), str(path)], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, f"{name}:\n{result.stderr}"
        assert signature(p) in path.read_text()
