"""Writes at affine positions in C: strided `y[i * inc]`, several positions `out[2 * i + k]`, flat
2-D rows `a[i * n + j]`; the TensIR ops `stride_update` and `flatten_rows` (semantics, targets)
and the lifter rules, checked against gcc -O2."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import check_compiled, load_module
from tensflo.ir.tensir.opdef import DomainError
from tensflo.ir.tensir.ops import FLATTEN_ROWS, FULL, STRIDE_UPDATE
from tensflo.plugins.manager import load_registry

KERNELS = r"""
void scopy_c89(int n, const float *x, int incx, float *y, int incy)
{
    int i, ix = 0, iy = 0;
    for (i = 0; i < n; i++) {
        y[iy] = x[ix];
        ix += incx;
        iy += incy;
    }
}

void sscal_strided(int n, float a, float *x, int incx)
{
    for (int i = 0; i < n; i++)
        x[i * incx] *= a;
}

void saxpy_strided(int n, float a, const float *x, int incx, float *y, int incy)
{
    for (int i = 0; i < n; i++)
        y[i * incy] += a * x[i * incx];
}

void every_third(long *out, const long *x, int n)
{
    for (int i = 0; i < n; i++)
        out[3 * i + 1] = x[i] - 1;
}

void clamp_strided(int *v, int n, int inc, int hi)
{
    for (int i = 0; i < n; i++)
        if (v[i * inc] > hi)
            v[i * inc] = hi;
}

void shift_left(float *restrict out, const float *x, int n)
{
    for (int i = 1; i < n; i++)
        out[i - 1] = x[i];
}

void interleave(const int *a, const int *b, int *out, int n)
{
    for (int i = 0; i < n; i++) {
        out[2 * i] = a[i];
        out[2 * i + 1] = b[i];
    }
}

int pack_pairs(const float *a, const float *b, float *restrict out, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        out[k++] = a[i];
        out[k++] = b[i] - a[i];
    }
    return k;
}

int odd_steps(const int *a, int *out, int n)
{
    int k = 1;
    for (int i = 0; i < n; i++) {
        out[k] = a[i];
        k += 3;
        out[k - 2] = -a[i];
    }
    return k;
}

void zero_strided(int n, float *x, int incx)
{
    for (int i = 0; i < n; i++)
        x[i * incx] = 0.0f;
}

void mark_pairs(const int *a, int *out, int n, int tag)
{
    for (int i = 0; i < n; i++) {
        out[2 * i] = tag;
        out[2 * i + 1] = a[i];
    }
}

void pair_sums(const float *x, float *restrict out, int n)
{
    for (int i = 0; i + 1 < n; i += 2)
        out[i / 2] = x[i] + x[i + 1];
}

void rank1(int m, int n, float alpha, const float *x, const float *y, float *a)
{
    for (int i = 0; i < m; i++) {
        float t = alpha * x[i];
        for (int j = 0; j < n; j++)
            a[i * n + j] += t * y[j];
    }
}

void affine_table(int m, int n, int s, int *t)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            t[n * i + j] = t[n * i + j] * s + 1;
}

void transpose_flat(const float *a, float *restrict t, int rows, int cols)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            t[j * rows + i] = a[i * cols + j];
}

void square_index(int n, float *y)
{
    for (int i = 0; i < n; i++)
        y[i * i] = 1.0f;
}

void overlapping(int *out, const int *a, int n)
{
    for (int i = 0; i < n; i++) {
        out[2 * i] = a[i];
        out[2 * i + 2] = -a[i];
    }
}
"""

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("affine") / "k.c"
    path.write_text(KERNELS)
    return path


@pytest.fixture(scope="module")
def results(src: Path) -> dict[str, tensflo.compiler.pipeline.CompileResult]:
    return {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=30)}


# -- the ops -------------------------------------------------------------------------------------
def test_stride_update_writes_the_positions_and_keeps_the_rest() -> None:
    x = np.arange(10)
    got = STRIDE_UPDATE.numpy(x, 1, 3, np.array([-1, -2, -3]))
    assert got.tolist() == [0, -1, 2, 3, -2, 5, 6, -3, 8, 9]
    assert x.tolist() == list(range(10))  # a new vector: the old one is unchanged
    assert STRIDE_UPDATE.numpy(x, 9, -4, np.array([7, 8, 9])).tolist() == \
        [0, 9, 2, 3, 4, 8, 6, 7, 8, 7]
    assert STRIDE_UPDATE.numpy(x, 4, 0, np.array([5])).tolist()[4] == 5
    assert STRIDE_UPDATE.numpy(x, 99, 5, np.array([], dtype=int)).tolist() == list(range(10))
    assert FLATTEN_ROWS.numpy(np.arange(6).reshape(2, 3)).tolist() == [0, 1, 2, 3, 4, 5]
    assert FULL.numpy(3, 1.5).tolist() == [1.5] * 3 and FULL.numpy(-2, 7).tolist() == []


@pytest.mark.parametrize("start, step, count", [(8, 1, 3), (-1, 2, 2), (0, 4, 4), (3, 0, 2)])
def test_stride_update_outside_its_domain_raises(start: int, step: int, count: int) -> None:
    with pytest.raises(DomainError):
        STRIDE_UPDATE.numpy(np.arange(10), start, step, np.ones(count, dtype=int))


def _smt_holds(text: str, *extra: str) -> bool:
    """Whether `text` (a TensIR equality over y, v: vec[int], s, k, j, m, n, r, c: int) is proven
    when 0 <= j < len(v) and the update is inside its domain."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import INT, parse, vec
    from tensflo.plugins.solvers import Z3Verifier

    env = {"y": vec("int"), "v": vec("int"), "s": INT, "k": INT, "j": INT, "m": INT, "n": INT,
           "r": INT, "c": INT}
    lhs, rhs = (parse(side, env) for side in text.split(" == "))
    assume = tuple(parse(a, env) for a in ("0 <= j", "j < len(v)", "0 < k", "0 <= s",
                                             "s + k * (len(v) - 1) < len(y)", *extra))
    ob = Obligation("preservation", NOWHERE, assume, (), ((lhs, rhs),))
    return check_obligations([ob], [Z3Verifier()], timeout=20).level == "unbounded"


def test_smt_semantics_write_the_strided_positions_and_keep_the_others() -> None:
    assert _smt_holds("stride_update(y, s, k, v)[s + k * j] == v[j]")
    assert _smt_holds("len(stride_update(y, s, k, v)) == len(y)")
    assert _smt_holds("stride_update(y, s, 2, v)[s + 2 * j + 1] == y[s + 2 * j + 1]", "k == 2")
    assert not _smt_holds("stride_update(y, s, k, v)[s + k * j + 1] == v[j]")  # a wrong stride
    assert not _smt_holds("stride_update(y, s, k, v)[s + k * j] == y[s + k * j]")
    assert _smt_holds("full(n, s)[j] == s", "j < n") and _smt_holds("len(full(n, s)) == n", "0 <= n")
    assert not _smt_holds("len(full(n, s)) == n")  # n may be negative: then it is empty


def test_smt_semantics_of_flatten_rows_are_the_row_major_entries() -> None:
    rows = ("0 <= r", "r < m", "0 <= c", "c < n", "m * n <= len(y)")
    assert _smt_holds("flatten_rows(reshape_rows(y, m, n))[r * n + c] == y[r * n + c]", *rows)
    assert not _smt_holds("flatten_rows(reshape_rows(y, m, n))[r * n + c] == y[c * m + r]", *rows)


TARGETS = {"numpy": ("tensflo.targets.numpy", "NumpyTarget"),
           "jax": ("tensflo.targets.jax", "JaxTarget"), "torch": ("tensflo.targets.torch", "TorchTarget"),
           "mlx": ("tensflo.targets.mlx", "MlxTarget"),
           "llvm": ("tensflo.targets.llvm.target", "LlvmTarget")}


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_target_computes_the_updates_as_numpy(target: str) -> None:
    from tensflo.ir.tensir import INT, Function, Var, parse, vec

    params = {"y": vec("int"), "s": INT, "k": INT, "v": vec("int"), "m": INT, "n": INT}
    fn = Function("f", tuple(Var(k, t) for k, t in params.items()),
                  parse("stride_update(y, s, k, flatten_rows(reshape_rows(v, m, n)))", params))
    module, cls = TARGETS[target]
    if target in ("jax", "torch", "mlx"):
        pytest.importorskip("mlx.core" if target == "mlx" else target)
    f = getattr(importlib.import_module(module), cls)().compile([fn])["f"]
    rng = np.random.default_rng(7)
    for s, k, m, n in [(0, 1, 2, 3), (2, 3, 1, 4), (11, -2, 2, 2), (5, 0, 1, 1), (0, 2, 0, 3)]:
        y = rng.integers(-9, 10, 12)
        v = rng.integers(-9, 10, m * n + 1)
        want = y.copy()
        want[s + k * np.arange(m * n)] = v[:m * n]
        got = np.asarray(f(y, s, k, v, m, n))
        assert got.tolist() == want.tolist(), (target, s, k, m, n)
    fill = Function("g", (Var("n", INT), Var("v", INT)), parse("full(n, v)", {"n": INT, "v": INT}))
    g = getattr(importlib.import_module(module), cls)().compile([fill])["g"]
    assert np.asarray(g(3, -4)).tolist() == [-4] * 3 and np.asarray(g(-1, 2)).tolist() == []
    if target == "llvm":  # outside the domain: an error, never a number
        for s, k, m, n in [(11, 1, 1, 2), (0, 0, 1, 2), (-1, 1, 1, 1)]:
            with pytest.raises(DomainError):
                f(np.zeros(12, dtype=int), s, k, np.ones(m * n, dtype=int), m, n)


def test_the_llvm_drop_in_refuses_a_whole_array_output(src: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("compile", str(src), "--function", "scopy_c89", "--target", "llvm", "--emit",
                    "obj", "-o", str(src.parent / "s.o"), "--synth", "none")
    assert p.returncode != 0 and "Traceback" not in p.stdout + p.stderr
    assert "the drop-in does not write whole arrays yet (y: written at affine positions)" in \
        p.stdout + p.stderr


# -- lifting -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, output, tensir", [
    ("scopy_c89", "y", "stride_update(y, 0, incy, stride(x, 0, incx, n))"),
    ("sscal_strided", "x", "stride_update(x, 0, incx, vec_scalar_mul(stride(x, 0, incx, n), a))"),
    ("saxpy_strided", "y", "stride_update(y, 0, incy, selection_two_args(stride(y, 0, incy, n), "
                           "stride(x, 0, incx, n), lambda e1, e2: e1 + a * e2))"),
    ("every_third", "out", "stride_update(out, 1, 3, vec_scalar_sub(x[:n], 1))"),
    ("clamp_strided", "v", "stride_update(v, 0, inc, vec_map(stride(v, 0, inc, n), "
                           "lambda e: ite(e > hi, hi, e)))"),
    ("shift_left", "out", "stride_update(out, 0, 1, take(tail(x, 1), n - 1))"),
    ("interleave", "out", "stride_update(stride_update(out, 0, 2, a[:n]), 1, 2, b[:n])"),
    ("odd_steps", "out", "stride_update(stride_update(out, 1, 3, a[:n]), 2, 3, vec_map(a[:n], "
                         "lambda e: -e))"),
    ("zero_strided", "x", "stride_update(x, 0, incx, full(n, 0.0))"),
    ("mark_pairs", "out", "stride_update(stride_update(out, 0, 2, full(n, tag)), 1, 2, a[:n])"),
    ("pair_sums", "out", "stride_update(out[:n], 0, 1, vec_elemwise_add(stride(x, 0, 2, "),
    ("rank1", "a", "stride_update(a, 0, 1, flatten_rows(matrix_elemwise_add(reshape_rows(a, m, n), "
                   "outer(vec_scalar_mul(x[:m], alpha), y[:n]))))"),
    ("affine_table", "t", "stride_update(t, 0, 1, flatten_rows("),
    ("transpose_flat", "t", "stride_update(t, 0, 1, flatten_rows(transpose(reshape_rows(a, rows, "
                            "cols))))"),
])
def test_affine_writes_lift_with_an_unbounded_proof(results, name: str, output: str,
                                                    tensir: str) -> None:
    r = results[name]
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    (out,) = [o for o in r.outputs if o["name"] != "return"]
    assert out["name"] == output
    assert "extent" not in out or name == "pair_sums"  # the whole array is the output
    assert out["tensir"].startswith(tensir), out["tensir"]


def test_a_counter_stepped_twice_per_iteration_is_read_as_a_function_of_the_loop(results) -> None:
    r = results["pack_pairs"]
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    got = {o["name"]: o["tensir"] for o in r.outputs}
    assert got == {"return": "max(n, 0) * 2", "out": "stride_update(stride_update(out, 0, 2, a[:n]), "
                                                      "1, 2, vec_elemwise_sub(b[:n], a[:n]))"}
    assert results["odd_steps"].outputs[0]["tensir"] == "1 + 3 * max(0, n)"


def test_the_positions_written_are_a_precondition(results) -> None:
    requires = " and ".join(results["scopy_c89"].requires)
    assert "incy != 0 or n <= 1" in requires
    assert "incy * (n - 1) < len(y)" in requires
    assert "m <= 0 or 0 <= n and m * n <= len(a)" in results["rank1"].requires


@pytest.mark.parametrize("name", ["scopy_c89", "sscal_strided", "saxpy_strided", "every_third",
                                  "clamp_strided", "shift_left", "interleave", "rank1",
                                  "affine_table", "transpose_flat", "pack_pairs", "odd_steps",
                                  "zero_strided", "mark_pairs", "pair_sums"])
def test_generated_code_agrees_with_gcc_on_random_inputs(src: Path, results, name: str) -> None:
    with load_registry() as registry:
        report = check_compiled(str(src), results[name], registry, count=60, seed=3)
    print(f"{name}: {report.cases} cases, largest float error {report.largest_error:.3g}")
    assert report.cases >= 20
    assert report.ok, report.failures[:3]


def test_the_entry_updates_only_the_positions_written(results) -> None:
    mod = load_module(results["scopy_c89"].code, "scopy_c89")
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.zeros(7)
    assert mod.scopy_c89(3, x, 2, y, 3) is None
    assert y.tolist() == [1.0, 0.0, 0.0, 3.0, 0.0, 0.0, 5.0]
    with pytest.raises(ValueError, match="requires"):
        mod.scopy_c89(3, x, 2, np.zeros(6), 3)  # y[6] would be written: outside y


@pytest.mark.parametrize("name, message", [
    ("square_index", "an access to y (written in the loop) at an index that is not affine in "
                     "the counter i"),
    ("overlapping", "writes into out at positions that may coincide"),
])
def test_writes_that_are_not_affine_or_may_coincide_are_refused_by_name(results, name: str,
                                                                        message: str) -> None:
    r = results[name]
    assert r.status != "lifted"
    assert any(message in d.message for d in r.diagnostics), [d.message for d in r.diagnostics]


def test_a_wrong_stride_is_caught_by_the_check_against_the_source(src: Path) -> None:
    from tensflo.compiler.multi_output import check_together
    from tensflo.ir.loop.outputs import derive_outputs
    from tensflo.ir.tensir import INT, parse, vec
    from tensflo.plugins.cpp_frontend import parse_cpp

    m = parse_cpp(str(src), KERNELS, language="c")
    fn = m.function("every_third")
    assert fn is not None
    (out,) = derive_outputs(fn)
    env = {"out": vec("int"), "x": vec("int"), "n": INT}
    requires = [parse(t, env) for t in ("0 <= n", "n <= len(x)", "3 * n <= len(out)")]
    right = parse("stride_update(out, 1, 3, vec_scalar_sub(x[:n], 1))", env)
    wrong = parse("stride_update(out, 1, 2, vec_scalar_sub(x[:n], 1))", env)
    assert check_together(m, fn, requires, [(out, right)], seed=0) is None
    problem = check_together(m, fn, requires, [(out, wrong)], seed=0)
    assert problem is not None and "output out of every_third" in problem


PYTHON = """
def scaled_copy(x: list[float], out: list[float], k: int) -> list[float]:
    for i in range(len(x)):
        out[i * k + 1] = 2.0 * x[i]
    return out


def evens_zeroed(y: list[int], n: int) -> list[int]:
    for i in range(n):
        y[2 * i] = 0
    return y


def upsample(x: list[float]) -> list[float]:
    out = [0.0] * (2 * len(x))
    for i in range(len(x)):
        out[2 * i] = x[i]
        out[2 * i + 1] = 0.5 * x[i]
    return out
"""

CPP = """
#include <vector>
std::vector<int> every_other(std::vector<int> y, const std::vector<int>& x) {
    for (int i = 0; i < (int)x.size(); i++) y[2 * i + 1] = x[i] + y[2 * i + 1];
    return y;
}

std::vector<int> interleave2(const std::vector<int>& a, const std::vector<int>& b, int n) {
    std::vector<int> out(2 * n);
    for (int i = 0; i < n; i++) { out[2 * i] = a[i]; out[2 * i + 1] = b[i]; }
    return out;
}
"""


def test_python_and_cpp_vectors_written_at_affine_positions_agree_with_the_source(
        tmp_path: Path) -> None:
    lift_and_diff = load_module((Path(__file__).parent / "gxx_float.py").read_text(),
                                "gxx_float").lift_and_diff
    got = lift_and_diff(tmp_path, [("w.py", PYTHON, ["scaled_copy", "upsample", "evens_zeroed"]),
                                   ("w.cc", CPP, ["every_other", "interleave2"])])
    for key, tensir in [("py:scaled_copy", "stride_update(out, 1, k, vec_scalar_mul(x, 2.0))"),
                        ("py:evens_zeroed", "stride_update(y, 0, 2, full(n, 0))"),
                        ("py:upsample", "stride_update(stride_update(full(2 * len(x), 0.0), 0, 2, "
                                        "x), 1, 2, vec_scalar_mul(x, 0.5))"),
                        ("cc:every_other",
                         "stride_update(y, 1, 2, vec_elemwise_add(x, stride(y, 1, 2, len(x))))"),
                        ("cc:interleave2", "stride_update(stride_update(full(2 * n, 0), 0, 2, "
                                           "a[:n]), 1, 2, b[:n])")]:
        _, r, diff = got[key]
        assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
        assert r.tensir == tensir
        if diff is not None:
            print(f"{key}: {diff[0]} inputs, largest float error {diff[1]:.3g}")
            assert diff[0] >= 20
