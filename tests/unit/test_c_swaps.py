"""In-place updates by swaps: writes of one loop at positions with different steps.

`ir/lifting/affine_writes.py` reads writes `y[a_k * i + c_k]` at several positions with one cell
each; where the steps differ or the offsets are a symbolic amount apart, the positions must never
coincide over the iterations, an SMT obligation (`ir/lifting/disjoint_writes.py`). Each kernel is
written for the test, lifted, and its generated entry compared with `gcc -O2` on random inputs; the
ones whose positions do coincide are not reported as lifted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.ir.lifting.disjoint_writes import KIND
from tensflo.plugins.manager import load_registry

KERNELS = r"""
void reverse_two_ends(int *a, int n) {
    int i, j, t;
    for (i = 0, j = n - 1; i < j; i++, j--) {
        t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void reverse_half(float *a, int n) {
    for (int i = 0; i < n / 2; i++) {
        float t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}

void swap_halves(float *a, int h) {
    for (int i = 0; i < h; i++) {
        float t = a[i];
        a[i] = a[i + h];
        a[i + h] = t;
    }
}

void mirror_second_half(int *a, int n) {
    for (int i = 0; i < n / 2; i++)
        a[n - 1 - i] = a[i] * 2;
}

void swap_twice(int *a, int n) {
    for (int i = 0; i < n; i++) {
        int t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}

void swap_middle(int *a, int n) {
    for (int i = 0; i < (n + 1) / 2; i++) {
        int t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}
"""

LIFTED = {  # a part of each program
    "reverse_two_ends": "stride(a, n - 1, -1, ",
    "reverse_half": "stride(a, n - 1, -1, n / 2)",
    "swap_halves": "take(tail(a, h), h)",
    "mirror_second_half": "vec_scalar_mul(a[:n / 2], 2)",
}

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("swaps") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def results(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    return {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}


@pytest.mark.parametrize("name", LIFTED)
def test_writes_proven_apart_lift_and_agree_with_gcc(src: Path, results, name: str) -> None:
    r = results[name]
    assert r.status == "lifted", [str(d) for d in r.diagnostics]
    assert r.proof == "unbounded"
    assert LIFTED[name] in r.tensir, r.tensir
    disjoint = [ob for ob in r.obligations if ob["kind"] == KIND]
    assert disjoint and all(ob["level"] == "unbounded" for ob in disjoint), r.obligations
    with load_registry() as registry:
        report = check_compiled(str(src), r, registry, count=80, seed=7)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]


def test_positions_that_coincide_are_not_reported_as_lifted(results) -> None:
    twice = results["swap_twice"]  # each pair swapped back: the one-write reading is wrong
    assert twice.status != "lifted"
    assert any("disagrees with the source" in d.message or f"{KIND} sat" in d.message
               for d in twice.diagnostics), [d.message for d in twice.diagnostics]
    middle = results["swap_middle"]  # odd n: the middle element swapped with itself
    assert middle.status != "lifted"
    assert any(f"{KIND} sat" in d.message for d in middle.diagnostics), \
        [d.message for d in middle.diagnostics]

