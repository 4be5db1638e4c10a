"""The C reader's loop shapes: `++`/`--`/assignments inside expressions, second induction
variables, loops stepping by more than one, strided reads (the `stride` op): read into loop IR that runs like gcc's code, lifted
with proofs where the rules fit, refused naming the construct where C leaves the order open."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, check_compiled, load_module
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.opdef import DomainError
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.plugins.c_frontend import CFrontend
from tensflo.plugins.manager import load_registry
from tensflo.tests.support.c_kernels import interpreted

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

KERNELS = r"""#include <math.h>
#include <stddef.h>
#include <stdint.h>
int sum_post(const int *x, int n) {
    int s = 0, k = 0;
    for (int j = 0; j < n; j++) s += x[k++];
    return s;
}
int pack_pos(const int *x, int n, int *out) {
    int k = 0;
    for (int i = 0; i < n; i++) if (x[i] > 0) out[k++] = x[i];
    return k;
}
int pre_and_chain(const int *x, int n, int *y) {
    int a, b, k = -1;
    a = b = 3;
    for (int i = 0; i < n; i++) { int v = x[++k]; y[i] = v * a + b; }
    return k;
}
float sasum_iv(int n, const float *x, int incx) {
    int i, ix = 0;
    float s = 0.0f;
    for (i = 0; i < n; i++) { s += fabsf(x[ix]); ix += incx; }
    return s;
}
int dot_iv(const int *x, const int *y, int n, int incx, int incy) {
    int s = 0, ix = 0, iy = 0;
    for (int i = 0; i < n; i++) { s += x[ix] * y[iy]; ix += incx; iy += incy; }
    return s;
}
int rev_dot(const int *x, const int *y, int n) {
    int s = 0, k = n - 1;
    for (int i = 0; i < n; i++) { s += x[k] * y[i]; k--; }
    return s;
}
int steps_taken(int n, int inc) {
    int k = 5;
    for (int i = 0; i < n; i++) { k += inc; if (k > 1000) k = k; }
    return k;
}
int col_sum(const int *w, int rows, int cols, int j) {
    int s = 0;
    for (int i = 0; i < rows; i++) s += w[i * cols + j];
    return s;
}
int odd_sum(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += 3 * x[2 * i + 1];
    return s;
}
int every_third(const int *x, int n) {
    int s = 0;
    for (int i = 1; i < n; i += 3) s += x[i] * 2;
    return s;
}
int down_by_three(const int *x, int n) {
    int i, s = 0;
    for (i = n - 1; i >= 2; i -= 3) s += x[i];
    return s;
}
int count_special(const float *x, int n) {
    int c = 0;
    for (int i = 0; i < n; i++) if (isnan(x[i]) || isinf(x[i])) c++;
    return c;
}
void nan_to_fill(float *x, int n, float fill) {
    for (int i = 0; i < n; i++) if (isnan(x[i])) x[i] = fill;
}
int either(const int *x, const int *y, int n) {
    int c = 0;
    for (int i = 0; i < n; i++) if (x[i] || y[i]) c++;
    return c;
}
float nan_default(int n) { return n > 0 ? 1.0f : NAN; }
float inf_default(int n) { return n > 0 ? 1.0f : INFINITY; }
int count_below(const int *x, int m, size_t n) {
    int c = 0;
    for (int i = 0; i < m; i++) if (i < n) c += x[i];
    return c;
}
float dot_size(const float *x, const float *y, size_t n) {
    float s = 0.0f;
    for (size_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}
void threshold(const unsigned char *px, unsigned char *out, int n, unsigned char t) {
    for (int i = 0; i < n; i++) out[i] = px[i] >= t ? 255 : 0;
}
void multiply(const uint8_t *a, const uint8_t *b, uint8_t *out, int n) {
    for (int i = 0; i < n; i++) out[i] = (uint8_t)(a[i] * b[i] / 255);
}
uint32_t hash(const unsigned char *p, size_t n) {
    uint32_t h = 5;
    for (size_t i = 0; i < n; i++) h = h * 33 + p[i];
    return h;
}
void brighten(const uint8_t *a, uint8_t *out, int n) {
    for (int i = 0; i < n; i++) out[i] = (uint8_t)(a[i] + 10);
}
int mixed_compare(const int *x, int m, size_t n) {
    int s = 0;
    for (int i = 0; i < m; i++) if (x[i] < n) s += x[i];
    return s;
}
int narrow_local(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) { unsigned char v = x[i]; s += v; }
    return s;
}
typedef float real;
typedef int32_t idx_t;
#define SCALE 3
#define OFFSET (-2)
real scaled_sum(const real *x, idx_t n) {
    real s = 0.0f;
    for (idx_t i = 0; i < n; i++) s += SCALE * x[i] + OFFSET;
    return s;
}
int dot4(const int *x, const int *y, int n) {
    int i, n4 = n & -4, s = 0;
    for (i = 0; i < n4; i += 4) s += x[i] * y[i] + x[i + 1] * y[i + 1];
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}
uint8_t inc8(uint8_t v) { return v + 1; }
static int twice8(uint8_t v) { return 2 * v; }
int via_helper(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += twice8(x[i]);
    return s;
}
int moving_start(const int *x, int n, int m) {
    int s = 0;
    for (int i = m; i < n; i += 2) { s += x[i]; m++; }
    return s + m;
}
int unsequenced(int *y, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) y[k++] = k;
    return 0;
}
int sometimes(const int *x, int n) {
    int s = 0, k = 0;
    for (int i = 0; i < n; i++) s += x[i] > 0 ? x[k++] : 0;
    return s;
}
int in_condition(int n) {
    int s = 0;
    while (n-- > 0) s += n;
    return s;
}
int in_return(int k) { return k++; }
int square_index(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += x[i * i];
    return s;
}
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shapes") / "k.c"
    path.write_text(KERNELS)
    return path


def _ints(rng: np.random.Generator, n: int, extra: int = 0) -> list[int]:
    return rng.integers(-9, 10, n + extra).tolist()


@pytest.mark.parametrize(("name", "make"), [
    ("sum_post", lambda r, n: [_ints(r, n), n]),
    ("pack_pos", lambda r, n: [_ints(r, n), n, _ints(r, n)]),
    ("pre_and_chain", lambda r, n: [_ints(r, n), n, _ints(r, n)]),
    ("steps_taken", lambda r, n: [n, int(r.integers(-4, 5))]),
    ("rev_dot", lambda r, n: [_ints(r, n), _ints(r, n), n]),
    ("every_third", lambda r, n: [_ints(r, n), n - 3]),
    ("down_by_three", lambda r, n: [_ints(r, n), n - 3]),
    ("moving_start", lambda r, n: [_ints(r, n), n, int(r.integers(0, 3))]),
])
def test_effects_and_induction_variables_run_like_gcc(source: Path, tmp_path: Path, name: str,
                                                      make: Any) -> None:
    rng = np.random.default_rng(7)
    cases = [make(rng, int(n)) for n in rng.integers(0, 12, 40)]
    report = c_differential(str(source), name, interpreted(source, name), cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


def test_a_wrong_reading_of_a_postfix_increment_is_caught(source: Path, tmp_path: Path) -> None:
    """The differential check itself can fail: a prefix reading of `out[k++]` differs."""
    def prefix(x: Any, n: int, out: Any) -> int:
        k = 0
        for i in range(n):
            if x[i] > 0:
                k += 1
                out[k % len(out)] = x[i]
        return k

    rng = np.random.default_rng(3)
    cases = [[_ints(rng, n), n, _ints(rng, n)] for n in rng.integers(3, 12, 20)]
    report = c_differential(str(source), "pack_pos", prefix, cases, cache_dir=str(tmp_path / "c"))
    assert report.failures


@pytest.mark.parametrize(("name", "tensir", "arithmetic"), [
    ("sum_post", "reduce_sum(x[:n])", "integer"),
    ("sasum_iv", "reduce_sum(vec_map(stride(x, 0, incx, n), lambda e: abs(e)))", "real"),
    ("dot_iv", "reduce_sum(vec_elemwise_mul(stride(x, 0, incx, n), stride(y, 0, incy, n)))",
     "integer"),
    ("rev_dot", "reduce_sum(vec_elemwise_mul(stride(x, n - 1, -1, n), y[:n]))", "integer"),
    ("col_sum", "reduce_sum(stride(w, j, cols, rows))", "integer"),
    ("odd_sum", "reduce_sum(vec_scalar_mul(stride(x, 1, 2, n), 3))", "integer"),
    ("every_third", "reduce_sum(vec_scalar_mul(stride(x, 1, 3, (n + 1) / 3), 2))", "integer"),
    ("down_by_three", "reduce_sum(stride(x, n - 1, -3, n / 3))", "integer"),
    ("scaled_sum", "reduce_sum(vec_map(x[:n], lambda e: 3.0 * e + -2.0))", "real"),
    ("either", "reduce_sum(selection_two_args(x[:n], y[:n], lambda e1, e2: ite(e1 != 0 or "
     "e2 != 0, 1, 0)))", "integer"),
])
def test_strided_and_induction_kernels_lift_with_proofs_and_agree_with_gcc(
        source: Path, tmp_path: Path, name: str, tensir: str, arithmetic: str) -> None:
    result = tensflo.compile(str(source), name, synth="none", timeout=60)
    assert (result.status, result.proof, result.arithmetic) == ("lifted", "unbounded", arithmetic)
    assert result.tensir == tensir
    with load_registry() as registry:
        report = check_compiled(str(source), result, registry, count=60,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]
    print(f"{name}: largest error {report.largest_error:.3g} over {report.cases} cases")


def test_a_strided_read_states_both_ends_as_its_precondition(source: Path) -> None:
    result = tensflo.compile(str(source), "col_sum", synth="none", timeout=60)
    text = " ".join(result.requires)
    assert "0 <= j" in text and "cols * (rows - 1) + j < len(w)" in text


@pytest.mark.parametrize(("name", "words"), [
    ("unsequenced", "changes k, which the same statement also uses"),
    ("sometimes", "runs only when a `?:`, `&&` or `||` takes its branch"),
    ("in_condition", "in the condition of a `while` loop"),
    ("in_return", "in a `return` value"),
    ("nan_default", "the constant NAN (proofs treat floats as real numbers, which have no NaN)"),
    ("inf_default", "the constant INFINITY or HUGE_VAL"),
    ("hash", "unsigned arithmetic `h * 33` (uint32_t wraps modulo 2^32"),
    ("brighten", "the cast `( uint8_t ) ( a [ i ] + 10 )` to uint8_t, whose value may not fit"),
    ("mixed_compare", "the signed value `x [ i ]` converted to size_t (a negative value would "
     "wrap)"),
    ("narrow_local", "initializing v, a unsigned char, with `x [ i ]`, which may not fit"),
    ("inc8", "`v + 1` converted to uint8_t, whose value may not fit"),
    ("via_helper", "`x [ i ]` converted to uint8_t, whose value may not fit"),
])
def test_effects_where_c_leaves_the_order_open_are_refused(source: Path, name: str,
                                                           words: str) -> None:
    module = CFrontend().parse(str(source), source.read_text())
    (rejected,) = [r for r in module.rejected if r.name == name]
    assert words in rejected.message and rejected.loc.line > 1


def test_an_index_not_affine_in_the_counter_is_not_lifted(source: Path) -> None:
    result = tensflo.compile(str(source), "square_index", synth="none", timeout=60)
    assert result.status == "not_lifted"
    assert any("not affine in the counter" in d for d in map(str, result.diagnostics))


_ENV = {"x": TensorType("int", 1), "a": INT, "b": INT, "c": INT}


@pytest.mark.parametrize(("start", "step", "count", "want"), [
    (0, 2, 3, [10, 12, 14]),
    (5, -2, 3, [15, 13, 11]),
    (1, 0, 4, [11, 11, 11, 11]),
    (3, 7, 0, []),
    (3, 7, -2, []),
])
def test_stride_semantics(start: int, step: int, count: int, want: list[int]) -> None:
    term = parse("stride(x, a, b, c)", _ENV)
    env = {"x": np.arange(10, 20), "a": start, "b": step, "c": count}
    assert list(evaluate(term, env)) == want


@pytest.mark.parametrize(("start", "step", "count"), [(0, 2, 6), (-1, 1, 2), (9, -3, 5)])
def test_stride_outside_the_vector_is_outside_its_domain(start: int, step: int,
                                                          count: int) -> None:
    term = parse("stride(x, a, b, c)", _ENV)
    with pytest.raises(DomainError):
        evaluate(term, {"x": np.arange(10), "a": start, "b": step, "c": count})


def _generated(result: Any) -> Any:
    """The generated numpy function of a lifted result."""
    return getattr(load_module(result.code, result.function), result.function)


def _specials(rng: np.random.Generator, n: int) -> list[float]:
    pool = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.5, -2.25, 1e30]
    return [pool[int(k)] for k in rng.integers(0, len(pool), n)]


def test_isnan_and_isinf_lift_and_agree_with_gcc_on_nans_and_infinities(source: Path,
                                                                        tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    result = tensflo.compile(str(source), "count_special", synth="none", timeout=60)
    assert (result.status, result.proof, result.arithmetic) == ("lifted", "unbounded", "real")
    assert "isnan(e)" in result.tensir and "isinf(e)" in result.tensir
    cases = [[_specials(rng, int(n)), int(n)] for n in rng.integers(0, 12, 40)]
    report = c_differential(str(source), "count_special", _generated(result), cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]

    def nan_only(x: Any, n: int) -> int:  # forgets the infinities: caught
        return int(np.isnan(np.asarray(x[:n])).sum())

    assert c_differential(str(source), "count_special", nan_only, cases,
                          cache_dir=str(tmp_path / "c")).failures


def test_a_nan_replacing_kernel_updates_in_place_like_gcc(source: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    result = tensflo.compile(str(source), "nan_to_fill", synth="none", timeout=60)
    assert (result.status, result.proof) == ("lifted", "unbounded")
    cases = [[_specials(rng, int(n)), int(n), 7.5] for n in rng.integers(0, 12, 40)]
    report = c_differential(str(source), "nan_to_fill", _generated(result), cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


def test_a_size_t_length_lifts_with_its_sign_as_a_guard(source: Path, tmp_path: Path) -> None:
    result = tensflo.compile(str(source), "dot_size", synth="none", timeout=60)
    assert (result.status, result.proof) == ("lifted", "unbounded")
    assert result.tensir == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"
    assert "0 <= n" in result.requires  # what C can pass
    with load_registry() as registry:
        report = check_compiled(str(source), result, registry, count=60,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]


@pytest.mark.parametrize(("name", "tensir"), [
    ("threshold", "vec_map(px[:len(out[:n])], lambda e: ite(e >= t, 255, 0))"),
    ("multiply", "selection_two_args(a[:len(out[:n])], b[:len(out[:n])], "
                 "lambda e1, e2: e1 * e2 / 255)"),
])
def test_unsigned_char_kernels_lift_and_agree_with_gcc_on_pixels(source: Path, tmp_path: Path,
                                                                 name: str, tensir: str) -> None:
    result = tensflo.compile(str(source), name, synth="none", timeout=60)
    assert (result.status, result.proof) == ("lifted", "unbounded")
    (out,) = [o for o in result.outputs if o["name"] == "out"]
    assert out["tensir"] == tensir
    rng = np.random.default_rng(13)
    pixels = [(rng.integers(0, 256, int(n)).tolist(), int(n)) for n in rng.integers(0, 16, 40)]
    cases = [[p, rng.integers(0, 256, n).tolist(), [0] * n, n] if name == "multiply"
             else [p, [0] * n, n, int(rng.integers(0, 256))] for p, n in pixels]
    report = c_differential(str(source), name, _generated(result), cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


def test_a_counter_counting_up_from_zero_compares_with_a_size_t(source: Path) -> None:
    """`i < n` converts the int counter to size_t: exact, as the counter is never negative."""
    module = CFrontend().parse(str(source), source.read_text())
    assert module.function("count_below") is not None
