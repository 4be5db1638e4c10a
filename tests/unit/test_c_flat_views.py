"""Local pointers into a pointer parameter (`const float *row = a + r * cols;`, read by
`plugins/c_pointers.py` as views at an offset) and the flat 2-D reads beyond whole rows
(`ir/lifting/flat2d.py`): rows with a leading dimension `a[i * lda + p]`, rows read from a column
on, and columns `b[p * n + j]` one per value of an outer counter; checked against gcc -O2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry

KERNELS = r"""
long window_total(const long *x, int n, int k)
{
    const long *p = x + k;
    long t = 0;
    for (int i = 0; i < n; i++)
        t += p[i];
    return t;
}

void lead_gemv(int m, int k, const float *a, int lda, const float *x, float *restrict y)
{
    for (int i = 0; i < m; i++) {
        float s = 0.0f;
        for (int p = 0; p < k; p++)
            s += a[i * lda + p] * x[p];
        y[i] = s;
    }
}

void rest_sums(const long *w, int rows, int cols, long *restrict out)
{
    for (int r = 0; r < rows; r++) {
        const long *row = &w[r * cols];
        long s = 0;
        for (int c = 1; c < cols; c++)
            s += row[c];
        out[r] = s;
    }
}

void c89_row_sums(const double *a, int rows, int cols, double *restrict out)
{
    const double *row;
    int r, c;
    double s;
    for (r = 0; r < rows; r++) {
        row = a + r * cols;
        s = 0.0;
        for (c = 0; c < cols; c++)
            s += row[c];
        out[r] = s;
    }
}

float walked_sum(const float *x, int n)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        s += *x;
        x++;
    }
    return s;
}

void walked_axpy(int n, float a, const float *x, int incx, float *y, int incy)
{
    for (int i = 0; i < n; i++) {
        *y += a * *x;
        x += incx;
        y += incy;
    }
}

void walked_copy(int n, float a, const float *src, float *restrict dst)
{
    for (int i = 0; i < n; i++)
        *dst++ = a * *src++;
}

void affine_by_count(long *y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = y[i] * n + i;
}

void product(int m, int n, int k, const double *a, const double *b, double *restrict c)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int p = 0; p < k; p++)
                acc += a[i * k + p] * b[p * n + j];
            c[i * n + j] = acc;
        }
}
"""

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("views") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def proven(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    names = ("window_total", "lead_gemv", "rest_sums", "affine_by_count", "walked_sum",
             "walked_axpy", "walked_copy", "c89_row_sums")
    return {r.function: r for r in tensflo.compile_all(str(src), list(names), synth="none",
                                                       timeout=30, verifier="portfolio")}


def read(text: str) -> L.Module:
    return parse_cpp("k.c", text, language="c")


# -- reading -------------------------------------------------------------------------------------
def test_a_local_pointer_is_an_offset_taken_where_it_is_declared() -> None:
    m = read("int f(const int *x, int k) { const int *p = x + k; k = 0; return p[1] + *p; }")
    fn = m.function("f")
    assert fn is not None, m.rejected
    decl, assign, ret = fn.body
    assert isinstance(decl, L.Decl) and decl.name == "p_offset"
    assert decl.init == L.Binary("+", L.Const(0), L.Name("k"))
    assert ret == L.Return(L.Binary("+", L.Index(L.Name("x"), L.Binary("+", L.Name("p_offset"),
                                                                            L.Const(1))),
                                     L.Index(L.Name("x"), L.Name("p_offset"))))
    # C reads the pointer's value from before `k = 0`
    result, _ = Interpreter(m).run_in_place(fn, [[1, 2, 3, 4], 2])
    assert result == 4 + 3


def test_views_of_views_and_writes_through_them() -> None:
    m = read("void f(int *y, int n) { int *q = &y[n]; int *r = q - 1; r[0] = 7; *q = 5; }")
    fn = m.function("f")
    assert fn is not None, m.rejected
    _, after = Interpreter(m).run_in_place(fn, [[0, 0, 0, 0], 2])
    assert after[0] == [0, 7, 5, 0]


def test_a_moved_pointer_assigns_its_offset() -> None:
    m = read("int f(const int *x, int k) { const int *p = x + 1; p += k; --p; x++; p = p + 2;"
             " return *p + x[0]; }")
    fn = m.function("f")
    assert fn is not None, m.rejected
    assert fn.body[0] == L.Decl("x_offset", fn.body[0].type, L.Const(0))
    result, _ = Interpreter(m).run_in_place(fn, [[10, 11, 12, 13, 14, 15], 2])
    assert result == 14 + 11  # p at 1 + 2 - 1 + 2, x at 1


def test_a_pointer_moved_inside_a_dereference_moves_around_its_statement() -> None:
    m = read("int f(int *y, const int *x) { *y++ = *x++; *++y = *x++ * 10; *y++ = *++x; return 0; }")
    fn = m.function("f")
    assert fn is not None, m.rejected
    _, after = Interpreter(m).run_in_place(fn, [[0] * 5, [1, 2, 3, 4]])
    assert after[0] == [1, 0, 4, 0, 0]  # as gcc runs it


@pytest.mark.parametrize("body, message", [
    ("int f(const int *x, const int *y) { const int *p = x; p = y + 1; return p[0]; }",
     "pointing p into y (it points into x)"),
    ("int f(int *x, int n) { for (int i = 0; i < n; i++) *x++ = *x + 1; return 0; }",
     "`x ++` changes x, which the same statement also uses"),
    ("int f(const int *x, int n) { int s = 0; for (int i = 0; i < n; i++) s += *(x++ + 1);"
     " return s; }", "pointer arithmetic"),
    ("int f(const int *x, const int *y) { const int *p = x + 1; p = y; return p[0]; }",
     "pointing p into y"),
    ("int f(const int *x, int n) { const int *p; if (n > 0) { p = x + 1; } return p[0]; }",
     "the local pointer p used where it has no value from an assignment earlier in its block"),
    ("int f(const int *x, int n) { const int *p; p++; return 0; }",
     "the local pointer p used where it has no value"),
    ("int f(const int *x, const int *y, int c) { const int *p = c ? x : y; return p[0]; }",
     "the local pointer p = "),
    ("int f(const int *x) { const int *p = x + 1; if (p) return 1; return 0; }",
     "the pointer p used as a value"),
    ("int g(const int *p) { return p[0]; }\nint f(const int *x) { const int *p = x + 1; return g(p); }",
     "passing of the local pointer p"),
    ("int f(const int *x) { const int *p = x; const int *p2 = p; { const int *p = x; } return 0; }",
     "redeclaring p"),
])
def test_other_local_pointers_are_refused_naming_them(body: str, message: str) -> None:
    m = read(body)
    rejected = [r for r in m.rejected if r.name == "f"]
    assert rejected, m.functions
    assert message in rejected[0].message, rejected[0].message
    assert rejected[0].loc.line >= 1 and rejected[0].loc.col >= 1


# -- lifting -------------------------------------------------------------------------------------
def test_the_reads_of_strided_rows_and_of_columns_are_the_preconditions() -> None:
    from tensflo.ir.lifting.flat2d import FlatRowsRead
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import INT, Var, lit, rewrite, vec

    w, ld, c, k, m, lo, hi = (Var(n, vec("int") if n == "w" else INT)
                              for n in ("w", "ld", "c", "k", "m", "lo", "hi"))
    rows = FlatRowsRead(w, ld, NOWHERE, c, k).in_range(lit(0), m)
    assert rewrite.show(rows) == ("(m <= 0 or 0 <= ld and m * ld <= len(w)) and "
                                  "(k <= 0 or 0 <= c and c + k <= ld)")
    columns = FlatRowsRead(w, ld, NOWHERE, c, k, down=True).in_range(lo, hi)
    assert rewrite.show(columns) == ("hi <= lo or 0 <= ld and k * ld <= len(w) and "
                                     "(0 <= c + lo and c + hi <= ld)")
    assert FlatRowsRead(w, lit(1), NOWHERE, lit(0), lit(8)).columns_fit() == lit(False)


@pytest.mark.parametrize("name, tensir", [
    ("window_total", "reduce_sum(take(tail(x, k), n))"),
    ("lead_gemv", "col_slice(reshape_rows(a, "),
    ("rest_sums", "matrix_row_sum(col_slice(reshape_rows(w, "),
    ("affine_by_count", "vec_scalar_mul(y[:n], len(y[:n]))"),
    ("walked_sum", "reduce_sum(x[:n])"),
    ("walked_axpy", "stride(x, 0, incx, n)"),
    ("walked_copy", "vec_scalar_mul(src[:n], a)"),
    ("c89_row_sums", "matrix_row_sum(reshape_rows(a, "),
])
def test_views_and_strided_rows_are_proven(proven, name: str, tensir: str) -> None:
    r = proven[name]
    print(f"{name}: {r.tensir} [{r.proof}] requires {list(map(str, r.requires))}")
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    assert tensir in str(r.tensir)


def test_a_leading_dimension_requires_the_rows_to_fit_in_it(proven) -> None:
    shown = " ".join(map(str, proven["lead_gemv"].requires))
    assert "k <= lda" in shown and "* lda <= len(a)" in shown


@pytest.mark.parametrize("name", ["window_total", "lead_gemv", "rest_sums", "affine_by_count",
                                  "walked_sum", "walked_axpy", "walked_copy", "c89_row_sums"])
def test_generated_code_agrees_with_gcc_on_random_inputs(src: Path, proven, name: str) -> None:
    with load_registry() as registry:
        report = check_compiled(str(src), proven[name], registry, count=60, seed=3)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]


def test_overlapping_rows_are_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "w.c"
    path.write_text("void smooth(const float *x, int n, const float *h, float *restrict y) {\n"
                    "  for (int i = 0; i + 4 <= n; i++) {\n"
                    "    float s = 0.0f;\n"
                    "    for (int k = 0; k < 4; k++) s += h[k] * x[i + k];\n"
                    "    y[i] = s;\n  }\n}\n")
    r = tensflo.compile(str(path), "smooth", synth="none", timeout=4)
    assert r.status != "lifted"
    messages = " ".join(d.message for d in r.diagnostics)
    assert "rows of 4 entries starting 1 apart (at i) overlap" in messages, messages


def test_columns_read_down_the_rows_make_a_matrix_product(src: Path) -> None:
    """`b[p * n + j]` over `p` is column j; over `j` the columns of `b` as a `k x n` matrix. The
    product is found and agrees with gcc; its proof is not reached (the inner loop's step times
    out), so it is only `tested`, never reported as proven."""
    r = tensflo.compile(str(src), "product", synth="none", timeout=4, require_proof="tested")
    print(f"product: {r.tensir} [{r.proof}]")
    assert r.status == "lifted", [d.message for d in r.diagnostics]
    assert "matmul(reshape_rows(a, m, k), col_slice(reshape_rows(b, k, n), 0, n))" in str(r.tensir)
    assert r.proof in ("tested", "unbounded")
    with load_registry() as registry:
        report = check_compiled(str(src), r, registry, count=40, seed=4)
    print(f"product: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20 and report.ok, report.failures[:3]
