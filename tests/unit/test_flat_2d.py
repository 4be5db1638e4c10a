"""Flat 2-D reads `w[i * n + j]` in C: the `reshape_rows` view (semantics, targets) and the lifter
rule that reads the rows of an inner loop as `reshape_rows(w, m, n)`, checked against gcc -O2."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.ir.tensir.opdef import DomainError
from tensflo.ir.tensir.ops import RESHAPE_ROWS
from tensflo.plugins.manager import load_registry

KERNELS = """
void matvec(float *y, const float *x, const float *w, int n, int d)
{
    int i, j;
    float val;
    for (i = 0; i < d; i++) {
        val = 0.0f;
        for (j = 0; j < n; j++)
            val += w[i * n + j] * x[j];
        y[i] = val;
    }
}

void rowsum_i(long *y, const long *w, int n, int d)
{
    for (int i = 0; i < d; i++) {
        long s = 0;
        for (int j = 0; j < n; j++)
            s += w[n * i + j];
        y[i] = s;
    }
}

void skewed(float *y, const float *w, int n, int k, int d)
{
    for (int i = 0; i < d; i++) {
        float s = 0.0f;
        for (int j = 0; j < n; j++)
            s += w[i * k + j];
        y[i] = s;
    }
}
"""

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flat2d") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def tested(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    return {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=8,
                                                       require_proof="tested")}


def test_reshape_rows_views_a_prefix_as_rows() -> None:
    x = np.arange(7)
    assert RESHAPE_ROWS.numpy(x, 2, 3).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert RESHAPE_ROWS.numpy(x, 0, 3).shape == (0, 3)
    assert RESHAPE_ROWS.numpy(x, -2, -1).shape == (0, 0)
    assert RESHAPE_ROWS.numpy(x, 7, 1)[:, 0].tolist() == list(range(7))


@pytest.mark.parametrize(("rows", "cols"), [(2, 4), (8, 1), (1, -1)])
def test_reshape_rows_outside_its_domain_raises(rows: int, cols: int) -> None:
    with pytest.raises(DomainError):
        RESHAPE_ROWS.numpy(np.arange(7), rows, cols)


@pytest.mark.parametrize("name", ["matvec", "rowsum_i"])
def test_flat_rows_become_a_matrix_with_their_range_as_precondition(tested, name: str) -> None:
    r = tested[name]
    print(f"{name}: {r.tensir} [{r.proof}]")
    assert r.status == "lifted", [d.message for d in r.diagnostics]
    assert "reshape_rows(w, " in str(r.tensir)
    shown = " ".join(map(str, r.requires))
    assert "* n <= len(w)" in shown and "0 <= n" in shown


@pytest.mark.parametrize("name", ["matvec", "rowsum_i"])
def test_generated_code_agrees_with_gcc_on_random_inputs(src: Path, tested, name: str) -> None:
    with load_registry() as registry:
        report = check_compiled(str(src), tested[name], registry, count=60, seed=5)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]


def test_a_row_start_other_than_the_row_length_is_refused_by_name(tested) -> None:
    r = tested["skewed"]
    assert r.status != "lifted"
    messages = " ".join(d.message for d in r.diagnostics)
    assert "a flat 2-D read needs the start n * i" in messages
