"""Helpers of the llvm 32-bit proof tests: lift a C++ source, the int32 buffer dtypes, whether
values fit in int32, and the check that proven 32-bit code equals g++ and the TensIR reference."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensflo.ir.tensir import Function
from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.targets.llvm.target import LlvmTarget

I32_MIN, I32_MAX = -2**31, 2**31 - 1
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def lift(path: Path, name: str) -> Function:
    """Function `name` of the source at `path`, lifted (asserted) by the rules and the proofs."""
    from tensflo.compiler.pipeline import Options, compile_function, read_module
    from tensflo.plugins.manager import load_registry

    with load_registry() as registry:
        result = compile_function(read_module(str(path), registry), name, registry,
                                  Options(target=None))
    assert result.lifted and result.program is not None, result.diagnostics
    return Function(name, result.params, result.program)


def int32_dtypes(fn: Function) -> dict[str, str]:
    """int32 buffers for every int parameter and for the result."""
    return {**{p.name: "int32" for p in fn.params if p.type.elem == "int"}, "return": "int32"}


def fits(*values: np.ndarray) -> np.ndarray:
    """Where every one of `values` lies in int32."""
    return np.logical_and.reduce([(v >= I32_MIN) & (v <= I32_MAX) for v in values])


def agrees(path: Path, fn: Function, proofs: Any, cases: list[list]) -> None:
    """The 32-bit code equals g++ on the source and the TensIR reference on every case."""
    from tensflo.compiler.native import run_native

    assert all(o["status"] == "unsat" for o in proofs.obligations)
    module, _ = build_module([fn], int32_dtypes(fn), proofs={fn.name: proofs})
    assert "mul i32" in str(module)  # the proven products are 32-bit
    ex = LlvmTarget().compile([fn], int32_dtypes(fn), {fn.name: proofs})[fn.name]
    want = run_native(str(path), fn.name, [str(p.type) for p in fn.params], str(fn.result),
                      [[a.tolist() if isinstance(a, np.ndarray) else a for a in c] for c in cases])
    for case, w in zip(cases, want, strict=True):
        got = ex(*[a.astype(np.int32) if isinstance(a, np.ndarray) else a for a in case])
        assert got.tolist() == list(w), case
        ref = evaluate(fn.body, {p.name: v for p, v in zip(fn.params, case, strict=True)})
        assert got.tolist() == np.asarray(ref).tolist()


def proven(path: Path, text: str) -> set[str]:
    """The subterms of the one function in TensIR `text` proven against the source at `path`."""
    (fn,) = parse_module(text)
    return {str(t) for t in prove_source(str(path), fn).terms}
