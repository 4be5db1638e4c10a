"""C89 loop forms (`plugins/c_loops.py`, `c_loop_forms.py`, `c_induction.py`): two variables set
and stepped in one `for` header, a step by a variable, and count-down tests `i-- > 0`; each
lifted with a proof and run against gcc -O2 on random inputs, and a variant that must not be
read refused naming it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, check_compiled
from tensflo.ir.loop.interp import Raised
from tensflo.plugins.c_frontend import CFrontend
from tensflo.plugins.manager import load_registry
from tensflo.tests.support.c_kernels import interpreted

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

KERNELS = r"""#include <stddef.h>
void flip_twice(const int *a, int *restrict out, int n) {
    int i, j;
    for (i = 0, j = n - 1; i < n; i++, j--) out[j] = 2 * a[i];
}
int cross_dot(const int *a, const int *b, int n) {
    int s = 0;
    for (int i = 0, j = n - 1; i < n; ++i, --j) s += a[i] * b[j];
    return s;
}
int ends_diff(const int *a, int n) {
    int i, j, s = 0;
    for (i = 0, j = n - 1; i < j; i++, j--) s += a[i] - a[j];
    return s;
}
int every_kth(const int *x, int n, int k) {
    int i, s = 0;
    for (i = 0; i < n; i += k) s += x[i];
    return s;
}
float down_by(const float *x, int n, int k) {
    int i;
    float s = 0.0f;
    for (i = n - 1; i >= 0; i -= k) s += x[i];
    return s;
}
int weighted_back(const int *x, int n) {
    int i = n, s = 0;
    while (i-- > 0) s += x[i] * i;
    return s;
}
int last_zero(const int *x, int n) {
    int i = n;
    while (0 < i--)
        if (x[i] == 0) return i;
    return -1;
}
float back_sum(const float *x, size_t n) {
    float s = 0.0f;
    for (size_t i = n; i-- > 0;) s += x[i];
    return s;
}
int back_max(const int *x, int n) {
    int m = -1000;
    for (int i = n; i-- > 0;) if (x[i] > m) m = x[i];
    return m;
}
int count_down_unsigned(const int *x, size_t n) {
    int s = 0;
    size_t i = n;
    while (i--) s += x[i];
    return s;
}
int init_reads_other(const int *x, int n) {
    int i, j, s = 0;
    for (i = 0, j = i + 1; i < n; i++, j++) s += x[j];
    return s;
}
int test_reads_stepped(const int *x, int n) {
    int i, j, s = 0;
    for (i = 0, j = n; i < j; i++, j -= 2) s += x[i];
    return s;
}
int step_with_break(const int *x, int n, int k) {
    int i, s = 0;
    for (i = 0; i < n; i += k) { if (x[i] < 0) break; s += x[i]; }
    return s;
}
int signed_nonzero_test(const int *x, int n) {
    int i = n, s = 0;
    while (i--) s += x[i];
    return s;
}
int read_after(const int *x, int n) {
    int i = n, s = 0;
    while (i-- > 0) s += x[i];
    return s + i;
}
int read_after_unsigned(const int *x, size_t n) {
    size_t i;
    int s = 0;
    for (i = n; i-- > 0;) s += x[i];
    return s + (i > n);
}
int masked_dot(const int *x, const int *y, int n) {
    int i, n4, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    if (n <= 0) return 0;
    n4 = n & ~3;
    for (i = 0; i < n4; i += 4) {
        s0 += x[i] * y[i]; s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2]; s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++) s0 += x[i] * y[i];
    return s0 + s1 + s2 + s3;
}
int continued_sum(const int *x, int n, int m) {
    int i, s = 0;
    for (i = 0; i < m; i++) s += 2 * x[i];
    for (; i < n; i++) s += x[i];
    return s;
}
int round_bits(int n) {
    int a = n & -8, b;
    b = 7 & n;
    return 100 * a + b;
}
int other_mask(int n) { return n & 6; }
int nested_after(const int *x, int n) {
    int i, j, s = 0;
    for (i = 0; i < n; i++) { for (j = 0; j < i; j++) s += x[j]; s += j; }
    return s;
}
int stepped_twice(const int *x, int n) {
    int i, s = 0;
    for (i = 0; i < n; i++, i++) s += x[i];
    return s;
}
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forms") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.mark.parametrize(("name", "tensir", "arithmetic"), [
    ("flip_twice", "stride_update(out, n - 1, -1, vec_scalar_mul(a[:n], 2))", "integer"),
    ("cross_dot", "reduce_sum(vec_elemwise_mul(a[:n], stride(b, n - 1, -1, n)))", "integer"),
    ("every_kth", "reduce_sum(stride(x, 0, k, (n + (k - 1)) / k))", "integer"),
    ("down_by", "reduce_sum(stride(x, n - 1, -k, (n + (k - 1)) / k))", "real"),
    ("weighted_back", None, "integer"),
    ("last_zero", None, "integer"),
    ("back_sum", "reduce_sum(x[:n])", "real"),
    ("back_max", None, "integer"),
    ("count_down_unsigned", "reduce_sum(x[:n])", "integer"),
    ("ends_diff", None, "integer"),
    ("read_after", "reduce_sum(x[:n]) + (n - 1 - max(0, n))", "integer"),
    ("masked_dot", None, "integer"),
])
def test_loop_forms_lift_with_proofs_and_agree_with_gcc(source: Path, tmp_path: Path, name: str,
                                                        tensir: str | None,
                                                        arithmetic: str) -> None:
    result = tensflo.compile(str(source), name, synth="none", timeout=60)
    assert (result.status, result.proof, result.arithmetic) == ("lifted", "unbounded", arithmetic), \
        [str(d) for d in result.diagnostics]
    if tensir is not None:
        assert result.tensir == tensir
    with load_registry() as registry:
        report = check_compiled(str(source), result, registry, count=60,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]
    print(f"{name}: {result.tensir}; largest error {report.largest_error:.3g} over "
          f"{report.cases} cases")


def test_a_loop_continuing_a_counter_is_proven_by_cvc5(source: Path, tmp_path: Path) -> None:
    """`for (; i < n; i++)` after `for (i = 0; i < m; i++)` starts at C's `max(0, m)` (z3
    alone times out on the tail's preservation)."""
    result = tensflo.compile(str(source), "continued_sum", synth="none", timeout=60,
                             verifier="portfolio")
    assert (result.status, result.proof) == ("lifted", "unbounded")
    assert result.tensir == ("reduce_sum(vec_scalar_mul(x[:m], 2)) + "
                             "reduce_sum(take(tail(x, max(0, m)), n - max(0, m)))")
    with load_registry() as registry:
        report = check_compiled(str(source), result, registry, count=60,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]


def test_a_variable_step_is_required_positive(source: Path) -> None:
    """C's `for (i = 0; i < n; i += k)` does not end for k <= 0 once it runs: `1 <= k` is the
    precondition, and the reading raises where it fails (where C would not end)."""
    result = tensflo.compile(str(source), "every_kth", synth="none", timeout=60)
    assert "1 <= k" in result.requires
    run = interpreted(source, "every_kth")
    assert run(np.arange(6), 6, 2) == 0 + 2 + 4
    with pytest.raises(Raised, match="must be at least 1") as raised:
        run(np.arange(6), 6, 0)
    assert raised.value.exception == "ValueError"


@pytest.mark.parametrize(("name", "make"), [
    ("flip_twice", lambda r, n: [r.integers(-9, 10, n).tolist(), [0] * n, n]),
    ("ends_diff", lambda r, n: [r.integers(-9, 10, max(n, 1)).tolist(), n - 2]),
    ("every_kth", lambda r, n: [r.integers(-9, 10, n).tolist(), n, int(r.integers(1, 5))]),
    ("weighted_back", lambda r, n: [r.integers(-9, 10, max(n, 1)).tolist(), n - 2]),
    ("last_zero", lambda r, n: [r.integers(-2, 3, n).tolist(), n]),
    ("back_max", lambda r, n: [r.integers(-9, 10, max(n, 1)).tolist(), n - 2]),
    ("read_after", lambda r, n: [r.integers(-9, 10, max(n, 1)).tolist(), n - 2]),
    ("continued_sum", lambda r, n: [r.integers(-9, 10, n).tolist(), n, int(r.integers(-2, n + 1))]),
    ("masked_dot", lambda r, n: [r.integers(-9, 10, n).tolist(), r.integers(-9, 10, n).tolist(),
                                 n]),
    ("round_bits", lambda r, n: [int(r.integers(-40, 40))]),
])
def test_the_reading_runs_like_gcc_on_every_length(source: Path, tmp_path: Path, name: str,
                                                   make: Any) -> None:
    """The loop IR itself (interpreted) against gcc, negative lengths included (the loops then
    do not run; a count-down counter ends where C's does)."""
    rng = np.random.default_rng(11)
    cases = [make(rng, int(n)) for n in rng.integers(0, 12, 40)]
    report = c_differential(str(source), name, interpreted(source, name), cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


@pytest.mark.parametrize(("name", "words"), [
    ("init_reads_other", "a `for` init whose value of j reads a variable the same init sets"),
    ("test_reads_stepped", "a loop test `i < j` that reads a variable the increment also steps"),
    ("step_with_break", "a loop stepping i by a variable amount whose body may `break`"),
    ("signed_nonzero_test", "the test `i --` on a signed i (it tests i != 0"),
    ("read_after_unsigned", "is read after a loop over it: its value after a loop is not "
     "modelled"),
    ("other_mask", "the operator &"),
    ("stepped_twice", "a `for` increment stepping i twice"),
    ("nested_after", "the loop counter j, declared before its loop"),
])
def test_forms_that_are_not_read_are_refused_naming_them(source: Path, name: str,
                                                         words: str) -> None:
    module = CFrontend().parse(str(source), source.read_text())
    (rejected,) = [r for r in module.rejected if r.name == name]
    assert words in rejected.message, rejected.message
    assert rejected.loc.line > 1
