"""C emission: the signature and layout comment (golden files, compilation against the macro
signatures and the semantic check of the emitted C: test_cheader.py)."""

from __future__ import annotations

from tensflo.targets.gemmini.cemit import render
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import library
from tensflo.targets.gemmini.workload import gemm


def test_signature_and_layout_comment():
    w = gemm(64, 32, 48, bias="matrix", out_dtype="int8", relu=True, name="f")
    c = render(build(w, library(w)))
    assert "void f(const elem_t *A, const elem_t *B, const acc_t *D, elem_t *C) {" in c
    assert " *   D: 64 x 32 acc_t (int32), row-major, read" in c
    assert c.count('#include "include/gemmini.h"') == 1 and "gemmini_fence();\n}" in c
    assert "gemmini_extended_config_ex(WEIGHT_STATIONARY, NO_ACTIVATION, 0, 1, false, false);" in c
    assert "gemmini_extended_config_st(32, RELU, 1.0);" in c
