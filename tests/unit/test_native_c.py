"""The C harness of differential tests (`compiler/native_c.py`): pointer parameters passed as
arrays of their element type, written arrays and the return value compared after the call, floats
within single-precision rounding scaled to the number of terms, the largest error reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, check_compiled
from tensflo.compiler.native import NativeRunError
from tensflo.compiler.native_c import run_c, single_close
from tensflo.plugins.manager import load_registry

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

KERNELS = r"""#include <math.h>
#include <stdint.h>
typedef float real;

void saxpy(int n, real alpha, const real *x, real *restrict y) {
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * x[i];
}

int clamp_count(int *a, int n, int hi) {
    int c = 0;
    for (int i = 0; i < n; i++) if (a[i] > hi) { a[i] = hi; c++; }
    return c;
}

float nrm(const float *x, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    return sqrtf(s);
}

int byte_sum(const uint8_t *p, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += p[i];
    return s;
}

int quotient(int a, int b) { return a / b; }
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "k.c"
    path.write_text(KERNELS)
    return path


def _cases(rng: np.random.Generator, count: int = 60) -> list[list[object]]:
    out = []
    for _ in range(count):
        n = int(rng.integers(0, 40))
        x = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4)).tolist()
        y = (rng.standard_normal(n + int(rng.integers(0, 3)))).tolist()
        out.append([n, float(rng.standard_normal()), x, y])
    return out


def test_an_in_place_void_kernel_agrees_and_a_wrong_one_is_caught(source: Path,
                                                                   tmp_path: Path) -> None:
    def good(n, alpha, x, y):  # noqa: ANN001, ANN202
        y[:n] = alpha * x[:n] + y[:n]

    def forgets_y(n, alpha, x, y):  # noqa: ANN001, ANN202
        y[:n] = alpha * x[:n]

    cases = _cases(np.random.default_rng(3))
    ok = c_differential(str(source), "saxpy", good, cases, cache_dir=str(tmp_path / "c"))
    assert ok.ok and ok.cases == 60, ok.failures[:2]
    assert 0 < ok.largest_error < 1e-3  # single precision against float64, reported
    print(f"saxpy: largest error {ok.largest_error:.3g} over {ok.cases} cases")
    bad = c_differential(str(source), "saxpy", forgets_y, cases, cache_dir=str(tmp_path / "c"))
    assert len(bad.failures) >= 50 and "y: original" in bad.failures[0]


def test_a_function_that_writes_and_returns_is_compared_on_both(source: Path,
                                                                tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    cases = [[rng.integers(-20, 21, n).tolist(), n, int(rng.integers(-5, 6))]
             for n in rng.integers(0, 20, 50)]
    cases = [[c[0], c[1], c[2]] for c in cases]

    def good(a, n, hi):  # noqa: ANN001, ANN202
        c = int(np.sum(a[:n] > hi))
        a[:n] = np.minimum(a[:n], hi)
        return c

    def returns_only(a, n, hi):  # noqa: ANN001, ANN202
        return int(np.sum(a[:n] > hi))

    assert c_differential(str(source), "clamp_count", good, cases,
                          cache_dir=str(tmp_path / "c")).ok
    bad = c_differential(str(source), "clamp_count", returns_only, cases,
                         cache_dir=str(tmp_path / "c"))
    assert bad.failures and all("a: original" in f and "the result" not in f
                                for f in bad.failures)


def test_a_lifted_float_kernel_passes_the_differential_check(source: Path,
                                                             tmp_path: Path) -> None:
    result = tensflo.compile(str(source), "nrm", synth="none")
    assert (result.status, result.proof, result.arithmetic) == ("lifted", "unbounded", "real")
    with load_registry() as registry:
        report = check_compiled(str(source), result, registry, count=100,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 100, report.failures[:2]
    print(f"nrm: largest error {report.largest_error:.3g} over {report.cases} cases")


def test_element_types_are_the_functions_own(source: Path, tmp_path: Path) -> None:
    sig, out = run_c(str(source), "byte_sum", [[[255, 1, 300], 3]], cache_dir=str(tmp_path / "c"))
    assert sig.params[0].ctype == "unsigned char" and sig.params[0].pointer
    assert out[0].result == 255 + 1 + 44 and out[0].arrays == {"p": [255, 1, 44]}  # uint8 wraps


def test_a_crashing_case_is_reported_and_the_others_run(source: Path, tmp_path: Path) -> None:
    with pytest.raises(NativeRunError) as e:
        run_c(str(source), "quotient", [[7, 2], [1, 0], [9, 3]], cache_dir=str(tmp_path / "c"))
    assert list(e.value.failures) == [1] and "SIGFPE" in e.value.failures[1]
    assert [o.result for o in e.value.results if o is not None] == [3, 3]


def test_the_single_precision_tolerance_scales_with_terms_and_magnitude() -> None:
    x = np.random.default_rng(0).standard_normal(1000) * 100
    exact = float(np.sum(x))
    single = float(np.sum(x.astype(np.float32), dtype=np.float32))
    assert exact != single and single_close(single, exact, 100.0, 1000)
    assert not single_close(exact * 1.001 + 1, exact, 100.0, 1000)
    assert not single_close(1.0, 1.1, 1.0, 1)
    assert single_close(float("nan"), float("nan"), 1, 1) and not single_close(float("nan"), 0, 1, 1)
    assert single_close(float("inf"), 1e39, 1, 1) and not single_close(float("inf"), 1e30, 1, 1)


CPP_FLOATS = r"""#include <vector>
#include <cmath>
std::vector<float> scaled(const std::vector<float>& x, float s) {
    std::vector<float> out(x.size());
    for (std::size_t i = 0; i < x.size(); i++) out[i] = s * x[i];
    return out;
}
double norm(const std::vector<double>& x) {
    double acc = 0;
    for (std::size_t i = 0; i < x.size(); i++) acc += x[i] * x[i];
    return std::sqrt(acc);
}
"""


def test_cpp_vectors_of_floats_run_in_the_harness(tmp_path: Path) -> None:
    path = tmp_path / "f.cc"
    path.write_text(CPP_FLOATS)
    rng = np.random.default_rng(9)
    cases = [[rng.standard_normal(int(n)).tolist(), float(rng.standard_normal())]
             for n in rng.integers(0, 30, 40)]
    good = c_differential(str(path), "scaled", lambda x, s: s * np.asarray(x), cases,
                          cache_dir=str(tmp_path / "c"))
    assert good.ok and good.largest_error > 0, good.failures[:2]
    bad = c_differential(str(path), "scaled", lambda x, s: s + np.asarray(x), cases,
                         cache_dir=str(tmp_path / "c"))
    assert len(bad.failures) > 30 and "the result: original" in bad.failures[0]
    result = tensflo.compile(str(path), "norm", synth="none")
    assert (result.status, result.arithmetic) == ("lifted", "real")
    with load_registry() as registry:  # the lifted program against g++ on float vectors
        report = check_compiled(str(path), result, registry, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 100, report.failures[:2]
    print(f"norm: largest error {report.largest_error:.3g} over {report.cases} cases")


UNDERFLOW = r"""#include <math.h>
float unit_norm_x(const float *x, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    return s == 0.0f ? 0.0f : x[0] / sqrtf(s);
}
"""


def test_a_single_precision_underflow_is_told_apart_from_a_wrong_program(tmp_path: Path) -> None:
    path = tmp_path / "u.c"
    path.write_text(UNDERFLOW)

    def real(x, n):  # noqa: ANN001, ANN202
        s = float(np.sum(np.asarray(x[:n]) ** 2))
        return 0.0 if s == 0 else x[0] / np.sqrt(s)

    tiny = [[[1e-30], 1], [[3.0, 4.0], 2], [[2e-25, 0.0], 2]]  # 1e-60 underflows in float
    report = c_differential(str(path), "unit_norm_x", real, tiny, cache_dir=str(tmp_path / "c"))
    assert report.ok and len(report.precision_only) == 2, report
    assert "original 0.0, generated 1.0 (the C code in double precision agrees)" in \
        report.precision_only[0]
    wrong = c_differential(str(path), "unit_norm_x", lambda x, n: 2 * real(x, n), tiny,
                           cache_dir=str(tmp_path / "c"))
    assert len(wrong.failures) == 3 and not wrong.precision_only


def test_both_sides_get_the_values_the_c_types_hold(source: Path, tmp_path: Path) -> None:
    def byte_sum(p, n):  # noqa: ANN001, ANN202
        return int(np.sum(p[:n]))

    report = c_differential(str(source), "byte_sum", byte_sum, [[[300, -1, 7], 3]],
                            cache_dir=str(tmp_path / "c"))
    assert report.ok, report.failures  # 300 and -1 are 44 and 255 in an unsigned char array
