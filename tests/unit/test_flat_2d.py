"""Flat 2-D reads `w[i * n + j]` in C: the `reshape_rows` view (semantics, targets) and the lifter
rule that reads the rows of an inner loop as `reshape_rows(w, m, n)`, checked against gcc -O2."""

from __future__ import annotations

import importlib
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

void squared(float *y, const float *w, int n, int d)
{
    for (int i = 0; i < d; i++) {
        float s = 0.0f;
        for (int j = 0; j < n; j++)
            s += w[i * i + j];
        y[i] = s;
    }
}
"""

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
ROOT = Path(__file__).resolve().parents[2]


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


def test_a_row_stride_other_than_the_row_length_reads_the_first_columns(tested) -> None:
    r = tested["skewed"]
    assert r.status == "lifted", [d.message for d in r.diagnostics]
    assert "col_slice(reshape_rows(w, " in str(r.tensir)
    assert "n <= k" in " ".join(map(str, r.requires))


def test_a_row_start_not_affine_in_the_counter_is_refused_by_name(tested) -> None:
    r = tested["squared"]
    assert r.status != "lifted"
    messages = " ".join(d.message for d in r.diagnostics)
    assert "is not affine in the counter i" in messages


def _smt_holds(text: str, *extra: str, elem: str = "int") -> bool:
    """Whether `text` (a TensIR equality over w, v: vec[elem], m, n, r, c: int) is proven when
    0 <= r < m, 0 <= c < n and m * n <= len(w)."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import INT, parse, vec
    from tensflo.plugins.solvers import Z3Verifier

    env = {"w": vec(elem), "v": vec(elem), "m": INT, "n": INT, "r": INT, "c": INT}
    lhs, rhs = (parse(side, env) for side in text.split(" == "))
    assume = tuple(parse(a, env) for a in ("0 <= r", "r < m", "0 <= c", "c < n", "m * n <= len(w)",
                                             *extra))
    ob = Obligation("preservation", NOWHERE, assume, (), ((lhs, rhs),))
    return check_obligations([ob], [Z3Verifier()], timeout=20).level == "unbounded"


def test_smt_semantics_are_the_row_major_entries() -> None:
    assert _smt_holds("reshape_rows(w, m, n)[r][c] == w[r * n + c]")
    assert _smt_holds("len(reshape_rows(w, m, n)) == m")
    assert not _smt_holds("reshape_rows(w, m, n)[r][c] == w[c * m + r]")


def test_a_fold_over_a_row_is_the_fold_over_the_inner_loops_slice() -> None:
    rows = ("0 <= r * n", "r * n + n <= m * n")  # the row facts, proven per loop
    assert _smt_holds("reduce_sum(reshape_rows(w, m, n)[r]) == reduce_sum(take(tail(w, r * n), n))",
                      *rows)
    assert _smt_holds("matrix_row_sum(reshape_rows(w, r + 1, n))[r] == "
                      "reduce_sum(take(tail(w, r * n), n))", *rows)
    assert not _smt_holds("reduce_sum(reshape_rows(w, m, n)[r]) == reduce_sum(take(tail(w, r), n))",
                          *rows)


TARGETS = {"numpy": ("tensflo.targets.numpy", "NumpyTarget"),
           "llvm": ("tensflo.targets.llvm.target", "LlvmTarget"),
           "jax": ("tensflo.targets.jax", "JaxTarget"), "torch": ("tensflo.targets.torch", "TorchTarget")}


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_target_computes_the_view(target: str) -> None:
    from tensflo.ir.tensir import INT, Function, Var, parse, vec

    params = {"w": vec("int"), "m": INT, "n": INT, "x": vec("int")}
    fn = Function("f", tuple(Var(k, t) for k, t in params.items()),
                  parse("matrix_vec_mul(reshape_rows(w, m, n), x)", params))
    module, cls = TARGETS[target]
    if target in ("jax", "torch"):
        pytest.importorskip(target)
    f = getattr(importlib.import_module(module), cls)().compile([fn])["f"]
    rng = np.random.default_rng(7)
    for m, n in [(3, 4), (1, 5), (4, 1), (0, 3)]:
        w = rng.integers(-9, 10, m * n + 2)
        x = rng.integers(-9, 10, n)
        want = w[:m * n].reshape(m, n) @ x
        got = np.asarray(f(w, m, n, x))
        assert got.tolist() == want.tolist(), (target, m, n)


CPP_ROWSUM = """
#include <vector>
std::vector<int> rowsum(const std::vector<int>& w, int n, int d) {
  std::vector<int> y;
  for (int i = 0; i < d; i++) {
    int s = 0;
    for (int j = 0; j < n; j++) s += w[i * n + j];
    y.push_back(s);
  }
  return y;
}
"""


def test_row_sums_of_a_flat_matrix_pushed_to_a_vector_are_proven(tmp_path: Path) -> None:
    path = tmp_path / "r.cc"
    path.write_text(CPP_ROWSUM)
    (r,) = tensflo.compile_all(str(path), synth="none", timeout=30, verifier="portfolio")
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    assert str(r.tensir) == "matrix_row_sum(reshape_rows(w, d, n))"
    with load_registry() as registry:
        report = check_compiled(str(path), r, registry, count=60, seed=5)
    assert report.cases >= 20 and report.ok, report.failures[:3]


@pytest.mark.parametrize("elem", ["int", "float"])
def test_the_outer_loop_step_of_a_flat_matrix_vector_product_is_proven(elem: str) -> None:
    """The step of `y[i] = sum_j w[i*n + j] * x[j]`: appending row r's dot product (the inner
    loop's, factors in the source's order) to the first r entries gives the first r + 1. Proven
    because the encoding compares an append's last element outside the quantifier and spells a
    product of two elements one way; a row off by one is not proven."""
    rows = ("0 <= r * n", "r * n + n <= m * n", "n <= len(v)")
    step = ("append(matrix_vec_mul(reshape_rows(w, r, n), v[:n]), "
            "reduce_sum(vec_elemwise_mul(take(tail(w, {start}), n), v[:n]))) == "
            "matrix_vec_mul(reshape_rows(w, r + 1, n), v[:n])")
    assert _smt_holds(step.format(start="r * n"), *rows, elem=elem)
    assert not _smt_holds(step.format(start="(r + 1) * n"), *rows, elem=elem)


def test_pointer_matrix_vector_products_are_proven_with_the_portfolio(src: Path) -> None:
    """`y[i] = val` after the inner loop (a pointer output) and the corpus kernel `matmul_vec`:
    lifted `unbounded` (z3 and cvc5 raced: the outer loop's postcondition needs cvc5)."""
    for path, name in ((src, "matvec"), (ROOT / "benchmarks" / "kernels" / "c" / "matmul_vec.c",
                                          "matmul_vec")):
        r = tensflo.compile(str(path), name, synth="none", timeout=60, verifier="portfolio")
        assert (r.status, r.proof) == ("lifted", "unbounded"), [d.message for d in r.diagnostics]
        assert "matrix_vec_mul(reshape_rows(w, " in str(r.outputs)
