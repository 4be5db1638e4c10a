"""Row sums on the llvm target: `matrix_row_sum` of a transposed matrix (column sums) runs as a
column-order nest over the output (the matrix read row by row), and equals NumPy on random inputs,
bit for bit in the source's order for floats, on one and on two threads."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tensflo.ir.tensir import parse_module
from tensflo.targets.llvm import LlvmTarget
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.jit import optimize

FNS = {f.name: f for f in parse_module("""
def column_sums(m: mat[int], n: int) -> vec[int] = matrix_row_sum(transpose(m)[:n])
def row_sums(m: mat[int]) -> vec[int] = matrix_row_sum(m)
def fcolumn_sums(m: mat[float]) -> vec[float] = matrix_row_sum(transpose(m))
""")}
STRICT = LlvmTarget().configure(fp="strict")


def sequential_column_sums(m: np.ndarray) -> list[float]:
    out = []
    for j in range(m.shape[1]):
        acc = 0.0
        for i in range(m.shape[0]):
            acc += float(m[i, j])
        out.append(acc)
    return out


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("threads", [1, 2])
def test_int_column_and_row_sums_equal_numpy(dtype: str, threads: int) -> None:
    rng = np.random.default_rng(3)
    kernels = LlvmTarget().compile([FNS["column_sums"], FNS["row_sums"]],
                                   {"m": dtype, "return": dtype})
    for k in kernels.values():
        k.threads = threads
    for rows, cols in [(0, 0), (1, 1), (3, 70), (257, 5), (300, 301)]:
        m = rng.integers(-1000, 1000, (rows, cols)).astype(dtype)
        for n in {0, cols // 2, cols, cols + 3}:
            got = kernels["column_sums"](m, n)
            want = m.astype(np.int64).sum(axis=0)[:n]
            assert np.array_equal(np.asarray(got, dtype=np.int64), want), (rows, cols, n)
        assert np.array_equal(np.asarray(kernels["row_sums"](m), dtype=np.int64),
                              m.astype(np.int64).sum(axis=1)), (rows, cols)


def test_float_column_sums_add_in_row_order_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    kernel = STRICT.compile([FNS["fcolumn_sums"]])["fcolumn_sums"]
    for rows, cols in [(1, 1), (40, 9), (513, 33)]:
        m = rng.normal(size=(rows, cols)) * 10.0 ** rng.integers(-8, 8, (rows, cols))
        got = [float(v).hex() for v in kernel(m)]
        assert got == [v.hex() for v in sequential_column_sums(m)], (rows, cols)


def test_column_sums_read_the_matrix_by_rows() -> None:
    """The column-sum nest's inner loop walks the output and one matrix row with unit stride:
    the optimized IR stores vectors into the output (a per-column fold stores one scalar each)."""
    module, _ = build_module([FNS["column_sums"]], {"m": "int32", "return": "int32"})
    text = str(optimize(str(module)))
    body = text[text.index("@column_sums("):]
    assert re.search(r"store <\d+ x i32>", body)
