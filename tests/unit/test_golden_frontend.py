"""Golden text of the frontends and the lifter: for a set of corpus kernels, the loop IR each
frontend reads (`tests/golden/loop/`) and what `compile` lifts it to without a target: status,
proof level, precondition and TensIR (`tests/golden/tensir/`).

The kernels cover maps, reductions (sum and max), nested loops over matrices, conditionals, helper
functions, and each language's division. Refresh with `pytest --update-golden` after a change that
is meant to alter the output, and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tensflo.compiler.pipeline import CompileResult, Options, compile_file, read_module
from tensflo.plugins.manager import Registry
from tensflo.tests.support.loop_text import module_text

REPO = Path(__file__).resolve().parents[2]
KERNELS = {
    "cpp": [
        "axpy",                  # a map over two vectors
        "dot",                   # a sum reduction
        "amax_abs",              # a max reduction through a helper with a conditional
        "softmax_part1",         # a max reduction seeded with the first element
        "remove_dc_offset",      # a reduction, a division, then a map
        "quantize_activations",  # a helper with early returns, a conditional initializer
        "darken_blend_8",        # nested loops building a matrix row by row, if/else
        "column_sums",           # nested loops in column order
        "gemm",                  # a triple loop nest: matrix product
    ],
    "python": [
        "axpy",
        "dot",
        "relu",                  # a conditional expression in a map
        "clamp_array",           # a helper function
        "softmax_part1",
        "screen_blend_8",        # Python floor division
        "multiply_blend_8",      # nested loops over len(...) with a helper
        "column_sums",
        "matmul",
    ],
}
SUFFIX = {"cpp": ".cc", "python": ".py"}
CASES = [(lang, name) for lang, names in KERNELS.items() for name in names]
IDS = [f"{lang}-{name}" for lang, name in CASES]


def _source(lang: str, name: str) -> str:
    """The kernel's path relative to the repository (the loop IR's locations name it)."""
    return f"benchmarks/kernels/{lang}/{name}{SUFFIX[lang]}"


def lift_text(result: CompileResult) -> str:
    """What lifting found for one function, in the order a reader checks it."""
    lines = [f"function: {result.function}", f"status: {result.status}",
             f"proof: {result.proof}", f"found_by: {result.found_by}", "requires:"]
    lines += [f"  {r}" for r in result.requires] or ["  (nothing)"]
    lines += ["tensir:", f"  {result.tensir}", "diagnostics:"]
    lines += [f"  {d}" for d in result.diagnostics] or ["  (none)"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("lang", "name"), CASES, ids=IDS)
def test_loop_ir(lang: str, name: str, registry: Registry, golden, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    golden(f"loop/{lang}/{name}.txt", module_text(read_module(_source(lang, name), registry)))


@pytest.mark.parametrize(("lang", "name"), CASES, ids=IDS)
def test_lifted_tensir(lang: str, name: str, registry: Registry, golden, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    (result,) = compile_file(_source(lang, name), [name], registry, Options(target=None))
    golden(f"tensir/{lang}/{name}.txt", lift_text(result))
