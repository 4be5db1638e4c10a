"""A column-major matrix-vector product on two threads split over its columns (`f_ksplit`): two
partial outputs added with the output dtype's wrapping arithmetic equal one thread and the TensIR
reference (ints bit for bit, also when int32 sums wrap; float64 within rounding), for odd sizes,
0 and 1 rows or columns; strict floats keep the row split."""

from __future__ import annotations

import ctypes
import re
from typing import Any

import numpy as np
import pytest

from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import runtime
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.target import LlvmTarget

FNS = {f.name: f for f in parse_module("""
def gemv_t(a: mat[int], x: vec[int], m: int, n: int) -> vec[int] = matrix_vec_mul(transpose(col_slice(a[:m], 0, n)), x[:m])
def fgemv_t(a: mat[float], x: vec[float]) -> vec[float] = matrix_vec_mul(transpose(a), x)
def column_sums(a: mat[int]) -> vec[int] = matrix_row_sum(transpose(a))
def fcolumn_sums(a: mat[float]) -> vec[float] = matrix_row_sum(transpose(a))
def gemv(a: mat[int], x: vec[int]) -> vec[int] = matrix_vec_mul(a, x)
""")}
SHAPES = [(0, 0), (0, 5), (1, 1), (1, 7), (5, 1), (7, 0), (3, 3), (13, 5), (130, 17), (257, 1),
          (1, 300), (301, 299)]
"""(matrix rows k, columns = output length)."""


@pytest.fixture
def force_k(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every call of at least 2 columns splits over them (no size threshold); the (rows, cols)
    of each k split run are recorded."""
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(runtime, "K_SPLIT_COLS", 2)
    runs: list[tuple[int, int]] = []
    k_halves = runtime.Kernel._k_halves

    def spy(self: runtime.Kernel, prepared: Any, out: np.ndarray, cols: int) -> None:
        runs.append((out.shape[0], cols))
        k_halves(self, prepared, out, cols)

    monkeypatch.setattr(runtime.Kernel, "_k_halves", spy)
    return runs


def _reference(name: str, args: list[Any]) -> np.ndarray:
    fn = FNS[name]
    return np.asarray(evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args, strict=True)}))


def _one_and_two(kernel: runtime.Kernel, args: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    prepared = kernel.prepare(args)
    kernel.threads = 1
    one = np.array(kernel.run(prepared))
    kernel.threads = 2
    two = np.array(kernel.run(prepared))
    return one, two


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_int_k_split_equals_one_thread_and_the_reference(dtype: str, force_k) -> None:
    rng = np.random.default_rng(1)
    kernels = LlvmTarget().compile([FNS["gemv_t"], FNS["column_sums"]],
                                   {"a": dtype, "x": dtype, "return": dtype})
    assert all(k.info.ksplit for k in kernels.values())
    big = 2**20 if dtype == "int32" else 2**28  # int32: the sums wrap (the stored low 32 bits)
    for rows, cols in SHAPES:
        a = rng.integers(-big, big, (rows, cols)).astype(dtype)
        x = rng.integers(-4096, 4096, rows).astype(dtype)
        for m, n in {(rows, cols), (rows - 1, cols - 2), (rows + 2, cols + 1)}:
            args = [a, x, m, n]
            one, two = _one_and_two(kernels["gemv_t"], args)
            want = _reference("gemv_t", args).astype(np.int64).astype(dtype)
            assert one.tolist() == want.tolist() and two.tolist() == want.tolist(), (rows, cols, m, n)
        one, two = _one_and_two(kernels["column_sums"], [a])
        want = _reference("column_sums", [a]).astype(np.int64).astype(dtype)
        assert one.tolist() == want.tolist() and two.tolist() == want.tolist(), (rows, cols)
    assert (299, 301) in force_k and (297, 300) in force_k  # (outputs, columns) split by k
    assert all(k >= 2 for _, k in force_k)


def test_int32_sums_that_wrap_keep_the_sequential_bits(force_k) -> None:
    kernel = LlvmTarget().compile([FNS["column_sums"]], {"a": "int32", "return": "int32"})[
        "column_sums"]
    a = np.full((9, 4), 2**31 - 1, dtype=np.int32)
    a[::2] = -(2**31)
    one, two = _one_and_two(kernel, [a])
    want = (a.astype(np.int64).sum(axis=0) % 2**32).astype(np.uint32).view(np.int32)
    assert one.tolist() == two.tolist() == want.tolist()
    assert force_k == [(4, 9)]


def test_float64_k_split_is_within_rounding_of_the_reference(force_k) -> None:
    rng = np.random.default_rng(2)
    kernels = LlvmTarget().compile([FNS["fgemv_t"], FNS["fcolumn_sums"]])
    assert all(k.info.ksplit for k in kernels.values())
    worst = 0.0
    for rows, cols in SHAPES:
        a, x = rng.normal(size=(rows, cols)), rng.normal(size=rows)
        for name, args in (("fgemv_t", [a, x]), ("fcolumn_sums", [a])):
            one, two = _one_and_two(kernels[name], args)
            want = _reference(name, args)
            scale = np.abs(a).sum(axis=0) * (np.abs(x).max() if len(x) and name == "fgemv_t"
                                             else 1.0) + 1.0
            err = float(np.max(np.abs(two - want) / scale, initial=0.0))
            worst = max(worst, err, float(np.max(np.abs(one - want) / scale, initial=0.0)))
            assert two.shape == want.shape == (cols,)
    assert worst < 1e-13, f"largest relative error {worst}"
    assert len(force_k) == 2 * len([s for s in SHAPES if s[0] >= 2 and s[1] >= 1])


def test_strict_floats_and_row_major_products_have_no_k_split(force_k) -> None:
    strict = LlvmTarget().configure(fp="strict").compile([FNS["fgemv_t"]])["fgemv_t"]
    assert not strict.info.ksplit
    rows = LlvmTarget().compile([FNS["gemv"]])["gemv"]
    assert not rows.info.ksplit
    rng = np.random.default_rng(3)
    a, x = rng.normal(size=(50, 40)), rng.normal(size=50)
    one, two = _one_and_two(strict, [a, x])
    assert one.tolist() == two.tolist()  # the row split keeps each element's order
    assert force_k == []


def test_the_k_split_module_has_the_partial_function_and_the_column_count():
    module, lowered = build_module([FNS["column_sums"]], {"a": "int32", "return": "int32"},
                                   ksplit=True)
    assert lowered[0].ksplit and '@"column_sums_ksplit"(' in str(module)
    plain, lowered = build_module([FNS["column_sums"]], {"a": "int32", "return": "int32"})
    assert not lowered[0].ksplit and "_ksplit" not in str(plain)
    kernel = LlvmTarget().compile([FNS["gemv_t"]], {"a": "int32", "x": "int32",
                                                     "return": "int32"})["gemv_t"]
    a = np.zeros((40, 9), dtype=np.int32)
    dims = (ctypes.c_int64 * 2)()
    assert kernel._shape(*kernel.prepare([a, np.zeros(40, np.int32), 31, 7]).c_args, dims) == 0
    assert list(dims) == [7, 31]  # the output length, then the columns k of the transpose


def test_the_rule_splits_short_outputs_with_many_columns():
    assert runtime.k_split_pays(1000, 1000) and runtime.k_split_pays(16, 62_500)
    assert not runtime.k_split_pays(65_536, 15) and not runtime.k_split_pays(0, 10**6)
    kernel = LlvmTarget().compile([FNS["column_sums"]], {"a": "int32", "return": "int32"})[
        "column_sums"]
    kernel.threads = 2
    a = np.arange(300 * 301, dtype=np.int32).reshape(300, 301)
    assert kernel(a).tolist() == a.astype(np.int64).sum(axis=0).tolist()


# -- scalar subterms computed once per call (`prologue`) --------------------------------------

HOISTED = {f.name: f for f in parse_module("""
def dc(x: vec[int], n: int) -> vec[int] = vec_scalar_sub(x[:n], ite(n > 0, reduce_sum(x[:n]) / n, 0))
def flag(x: vec[int], y: vec[int]) -> vec[int] = vec_scalar_add(x, ite(reduce_max(y) > 0, 1, 2))
def top(x: vec[int]) -> vec[int] = vec_scalar_sub(x, reduce_max(x))
def fscale(u: vec[float], v: vec[float]) -> vec[float] = vec_scalar_mul(u, reduce_sum(v))
""")}


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)


def _hoisted_reference(name: str, args: list[Any], dtype: str) -> list[Any]:
    fn = HOISTED[name]
    want = np.asarray(evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args, strict=True)}))
    return (want.astype(np.int64).astype(dtype) if dtype.startswith("int") else want).tolist()


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_hoisted_scalars_give_the_reference_on_one_and_two_threads(dtype: str,
                                                                    two_threads) -> None:
    rng = np.random.default_rng(5)
    dtypes = {"x": dtype, "y": dtype, "return": dtype}
    kernels = LlvmTarget().compile([HOISTED[n] for n in ("dc", "flag", "top")], dtypes)
    assert all(k.info.hoisted for k in kernels.values())
    lim = 2**31 if dtype == "int32" else 2**40
    for size in (1, 2, 7, 1001):
        x = rng.integers(-lim, lim, size).astype(dtype)
        y = rng.integers(-5, 5, size).astype(dtype)
        for name, args in (("dc", [x, size]), ("dc", [x, size - 1]), ("dc", [x, size + 3]),
                           ("flag", [x, y]), ("top", [x])):
            one, two = _one_and_two(kernels[name], args)
            want = _hoisted_reference(name, args, dtype)
            assert one.tolist() == want and two.tolist() == want, (name, size, args[1:])


def test_a_hoisted_int_reduction_runs_on_two_threads_before_the_prologue(
        monkeypatch: pytest.MonkeyPatch, two_threads) -> None:
    calls: list[str] = []
    real, fold = runtime.Kernel._halves, runtime.Kernel._fold

    def spy(self: runtime.Kernel, *args: Any) -> None:
        calls.append(self.fn.name)
        real(self, *args)

    def fold_spy(self: runtime.Kernel, slots: int, split: bool) -> Any:
        calls.extend([self.fn.name] if split else [])
        return fold(self, slots, split)

    monkeypatch.setattr(runtime.Kernel, "_halves", spy)
    monkeypatch.setattr(runtime.Kernel, "_fold", fold_spy)  # a scalar result's halves
    kernel = LlvmTarget().compile([HOISTED["dc"]], {"x": "int32", "return": "int32"})["dc"]
    x = np.arange(-500, 1501, dtype=np.int32) * 1_000_003
    one, two = _one_and_two(kernel, [x, 1990])
    assert one.tolist() == two.tolist() == _hoisted_reference("dc", [x, 1990], "int32")
    assert calls == ["dc__part0", "dc"]  # the sum's halves, then the output's


def test_a_hoisted_float_sum_and_a_domain_error_in_the_prologue(two_threads) -> None:
    from tensflo.ir.tensir import DomainError

    rng = np.random.default_rng(6)
    kernels = LlvmTarget().compile([HOISTED["fscale"], HOISTED["flag"]])
    u, v = rng.normal(size=301), rng.normal(size=77)
    one, two = _one_and_two(kernels["fscale"], [u, v])
    want = np.asarray(_hoisted_reference("fscale", [u, v], "float64"))
    assert one.tolist() == two.tolist()  # the sum is computed once, the same for both halves
    assert np.max(np.abs(two - want)) <= 1e-12 * np.abs(v).sum() * np.abs(u).max()
    kernel = kernels["flag"]
    for threads in (1, 2):
        kernel.threads = threads
        with pytest.raises(DomainError, match="reduce_max"):
            kernel(np.arange(5), np.zeros(0, dtype=np.int64))


def test_the_hoisted_function_loads_the_sum_instead_of_looping():
    module, lowered = build_module([HOISTED["dc"]], {"x": "int32", "return": "int32"},
                                   hoist=True)
    assert lowered[0].hoisted
    text = str(module)

    def loops(name: str) -> int:
        body = text[text.index(f'define i32 @"{name}"('):].split("\n}\n")[0]
        # loop headers, but not the streamed copy of the output nest (test_llvm_streaming.py)
        return len(re.findall(r'^"?(?!stream\.)[\w.]*head[\w.]*"?:', body, re.M))

    assert loops("dc") == 2 and loops("dc_hoisted") == 1  # the sum's loop, the nest
    assert loops("dc_prologue") == 0 and loops("dc__part0") == 1  # the sum, in its own function
    assert [f.name for f, _ in lowered[0].parts] == ["dc__part0"] and lowered[0].parts[0][1].split
    plain, lowered = build_module([HOISTED["dc"]], {"x": "int32", "return": "int32"})
    assert not lowered[0].hoisted and "_hoisted" not in str(plain)


def test_without_the_native_pool_the_python_thread_runs_both_kinds_of_halves(
        monkeypatch: pytest.MonkeyPatch, force_k) -> None:
    monkeypatch.setattr(runtime.parallel, "library", lambda: None)
    kernels = LlvmTarget().compile([FNS["column_sums"], HOISTED["dc"]],
                                   {"a": "int32", "x": "int32", "return": "int32"})
    a = np.arange(35, dtype=np.int32).reshape(7, 5)
    one, two = _one_and_two(kernels["column_sums"], [a])
    assert one.tolist() == two.tolist() == a.sum(axis=0).tolist() and force_k == [(5, 7)]
    x = np.arange(-40, 61, dtype=np.int32)
    one, two = _one_and_two(kernels["dc"], [x, 101])
    assert one.tolist() == two.tolist() == _hoisted_reference("dc", [x, 101], "int32")


def test_a_k_split_writes_into_a_given_out(force_k) -> None:
    kernel = LlvmTarget().compile([FNS["gemv_t"]], {"a": "int64", "x": "int64"})["gemv_t"]
    kernel.threads = 2
    a, x = np.arange(60).reshape(12, 5), np.arange(12)
    out = np.full(5, -7, dtype=np.int64)
    assert kernel(a, x, 12, 5, out=out) is out
    assert out.tolist() == (a.T @ x).tolist() and force_k == [(5, 12)]
