"""Lifting + proof + differential test against g++ -O3 / CPython for a representative corpus subset.

The whole corpus is measured by benchmarks/lift_corpus.py; this subset covers each loop shape the
lifter reads: maps and selections, reductions (sum, max with an element as start), pre-sized and
in-place outputs, nested rows, columns, vector accumulation, affine offsets, helpers, `resize`,
C division, and Python floor division.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.plugins.manager import load_registry

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels"

SUBSET = [
    "cpp/dot.cc", "cpp/darken_blend_8.cc", "cpp/gemv.cc", "cpp/softmax_part1.cc",
    "cpp/attention_scores.cc", "cpp/linear_dodge_8.cc", "cpp/lighten_blend_8.cc",
    "cpp/column_sums.cc", "cpp/gemv_transposed.cc", "cpp/first_difference.cc", "cpp/color_burn_8.cc",
    "cpp/normal_blend_8.cc", "cpp/count_above.cc", "cpp/row_sums.cc", "cpp/gemm.cc", "cpp/ger.cc",
    "python/screen_blend_8.py", "python/matmul.py", "python/softmax_part1.py", "python/column_sums.py",
]


@pytest.mark.parametrize("kernel", SUBSET)
def test_lift_prove_and_compare_with_the_original(kernel: str, native_cache: str) -> None:
    path = KERNELS / kernel
    name = path.stem
    result = tensflo.compile(str(path), name, target="numpy", synth="none", timeout=60)
    assert result.status == "lifted", [str(d) for d in result.diagnostics]
    assert result.proof == "unbounded"
    assert result.obligations and all(ob["status"] == "unsat" for ob in result.obligations)
    assert result.tests >= 32
    assert [str(r) for r in result.precondition] == result.requires
    with load_registry() as registry:
        report = check_compiled(str(path), result, registry, count=100, cache_dir=native_cache)
    assert report.cases >= 60, "too few random inputs inside the precondition"
    assert report.ok, report.failures[:3]


@pytest.mark.parametrize("kernel, reason", [
    ("cpp/histogram.cc", "element assignment"),
    ("python/iir_lowpass.py", "not a map"),
])
def test_kernels_outside_tensir_are_not_lifted_and_say_why(kernel: str, reason: str) -> None:
    path = KERNELS / kernel
    result = tensflo.compile(str(path), path.stem, synth="none", timeout=30)
    assert result.status == "not_lifted" and result.code is None
    text = " ".join(d.message for d in result.diagnostics)
    assert reason in text
    assert all(d.line for d in result.diagnostics if d.severity == "note")
