"""The extent of a written C pointer is the bound of the loop whose counter indexes its writes.

`ir/loop/outputs.py` reads a written pointer `y` with length `n`, an `int` parameter: the one
bounding the loop over the counter of the writes `y[j]` (`n` for `y[j]` in a loop over `j < n`
nested in one over `i < m`), not merely the first parameter bounding some loop. Each kernel here is
lifted and the generated entry compared with `gcc -O2` on random inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import derive_outputs, extent_candidates
from tensflo.ir.tensir.types import INT
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry

KERNELS = r"""
void inner_write(int m, int n, const float *a, const float *x, float *y) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            y[j] += a[i * n + j] * x[i];
}

void outer_counter_write(int m, int n, const float *a, const float *x, float *y) {
    if (n <= 0) return;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
            y[i] += a[i * n + j] * x[j];
}

void outer_write(int m, int n, const float *a, const float *x, float *y) {
    float s = 0.0f;
    for (int k = 0; k < n; k++) s += x[k];
    for (int i = 0; i < m; i++) {
        y[i] = s;
        for (int j = 0; j < n; j++)
            y[i] += a[i * n + j] * x[j];
    }
}

void offset_write(int m, int n, const int *a, int *y) {
    int s = 0;
    for (int i = 0; i < m; i++) s += a[i];
    y[0] = s;
    for (int j = 0; j < n - 1; j++)
        y[j + 1] = y[j] + a[j];
}

void down_write(int m, int n, const int *a, int *y) {
    for (int i = 0; i < m; i++)
        for (int j = n - 1; j >= 0; j--)
            y[j] += a[i * n + j];
}
"""

EXTENTS = {  # the extent, and the one the first parameter bounding any loop would give
    "inner_write": ("n", "m"),
    "outer_counter_write": ("m", "n"),
    "outer_write": ("m", "n"),
    "offset_write": ("n", "m"),
    "down_write": ("n", "m"),
}

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("extent") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def results(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    return {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}


def function(name: str) -> L.Function:
    fn = parse_cpp("k.c", KERNELS, language="c").function(name)
    assert fn is not None
    return fn


@pytest.mark.parametrize("name", EXTENTS)
def test_the_extent_bounds_the_loop_over_the_writes_counter(name: str) -> None:
    fn = function(name)
    extent, first_bound = EXTENTS[name]
    (out,) = derive_outputs(fn)
    assert (out.name, out.extent) == ("y", extent)
    assert extent_candidates(fn)[0] == first_bound  # without the pointer: any loop's bound first
    assert extent_candidates(fn, "y")[0] == extent


def test_a_loop_writing_the_pointer_reads_its_length_on_entry() -> None:
    out = derive_outputs(function("inner_write"))[0].function
    assert out.body[0] == L.Decl("y__len", INT, L.Len(L.Name("y")))
    outer = out.body[1]
    assert isinstance(outer, L.For) and outer.stop == L.Name("m")
    inner = outer.body[0]
    assert isinstance(inner, L.For) and inner.stop == L.Name("y__len")
    single = derive_outputs(function("offset_write"))[0].function  # no loop reads n and writes y
    assert not any(isinstance(s, L.Decl) and s.name == "y__len" for s in single.body)


@pytest.mark.parametrize("name, part", [
    ("inner_write", "matrix_vec_mul(transpose(reshape_rows(a, m, len(y[:n]))), x[:m])"),
    ("outer_counter_write", "reshape_rows(a, len(y[:m]), n)"),
    ("outer_write", "reshape_rows(a, len(y[:m]), n)"),
    ("offset_write", "scan_sum(a[:len(y[:n]) - 1])"),
    ("down_write", "matrix_row_sum(transpose(reshape_rows(a, m, len(y[:n]))))"),
])
def test_each_lifts_with_a_proof_and_agrees_with_gcc(src: Path, results, name: str,
                                                      part: str) -> None:
    r = results[name]
    assert r.status == "lifted", [str(d) for d in r.diagnostics]
    assert r.proof == "unbounded"
    (o,) = r.outputs
    extent = EXTENTS[name][0]
    assert o["extent"] == extent and f"len(y) >= {extent}" in o["requires"]
    assert part in o["tensir"], o["tensir"]
    with load_registry() as registry:
        report = check_compiled(str(src), r, registry, count=60, seed=5)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]
