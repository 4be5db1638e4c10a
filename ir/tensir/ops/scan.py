"""Scans (inclusive prefix folds): `scan_sum(x)[k]` is the sum of `x[:k + 1]` and `scan_max(x)[k]`
the largest of `x[:k + 1]`, for every `k < len(x)` (the result has `len(x)` entries). A running
total or a running maximum pushed once per iteration, and the DP tables that read the previous
entry (`out[i] = out[i - 1] + x[i]`), are these ops. On a matrix `scan_sum` runs down the first
axis (row `k` is the sum of rows `0..k`, NumPy's `cumsum(m, axis=0)`), so the 2-D inclusive prefix
sums of a summed-area table are `transpose(scan_sum(transpose(scan_sum(m))))`.

In the SMT encoding entry `k` is the reduction of the prefix of length `k + 1` (the same recursive
fold as `reduce_sum` / `reduce_max`, with the vector's own index function), so a scan and the
reductions of its prefixes are equal term for term, and one more entry unfolds by one step. Entry
`(k, c)` of a matrix's scan is the fold of column `c`'s first `k + 1` entries (the fold of
`matrix_row_sum(transpose(m[:k + 1]))[c]`), so one more row unfolds by one step in every column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..opdef import OpDef, register
from ..smt import Encoder, SVal
from ..terms import Lit, Term
from ..types import INT, TensorType
from .linalg import MATRIX_ROW_SUM, MAX, REDUCE_MAX, REDUCE_SUM, SUM
from .rules import NUMERIC, expect_rank, same_elem
from .scalar import SCALAR_OPS
from .structural import APPEND, SLICE, TRANSPOSE


def _scan_infer(name: str, ranks: tuple[int, ...] = (1,)) -> Callable[[TensorType], TensorType]:
    def infer(x: TensorType) -> TensorType:
        if x.rank not in ranks:
            expect_rank(name, x, ranks[0], "the argument")
        same_elem(name, NUMERIC, x)
        return x

    return infer


def _scan_smt(kind: str) -> Callable[[Encoder, SVal], SVal]:
    def smt(enc: Encoder, x: SVal) -> SVal:
        at = x.at
        assert at is not None
        if x.rank == 2:
            def cell(idx: tuple[str, ...]) -> str:
                rows = str(int(idx[0]) + 1) if idx[0].isdigit() else f"(+ {idx[0]} 1)"
                column = SVal(x.elem, (rows,), at=lambda k: at((k[0], idx[1])))
                return enc.fold(kind, column)

            return enc.tensor(x.elem, x.dims, cell)

        def entry(idx: tuple[str, ...]) -> str:
            prefix = SVal(x.elem, (f"(+ {idx[0]} 1)",), at=at, fn=x.fn)
            return enc.fold(kind, prefix)

        return enc.tensor(x.elem, x.dims, entry)

    return smt


def _prefix_step(reduce: Any) -> Callable[[Term, tuple[Any, ...], Term], Term]:
    """`scan(x[:i + 1]) == append(scan(x[:i]), reduce(x[:i + 1]))`; for a matrix the new row is
    the column sums of `x[:i + 1]`, `matrix_row_sum(transpose(x[:i + 1]))`."""
    def step(prev: Term, args: tuple[Any, ...], i: Term) -> Term:
        rows = SLICE(args[0], Lit(0, INT), SCALAR_OPS["add"](i, Lit(1, INT)))
        if rows.type.rank == 2:
            return APPEND(prev, MATRIX_ROW_SUM(TRANSPOSE(rows)))
        return APPEND(prev, reduce(rows))

    return step


def _running_max_np(x: Any) -> Any:
    x = np.asarray(x)
    return np.maximum.accumulate(x) if x.shape[0] else x


SCAN_SUM = register(OpDef(
    name="scan_sum", params=("x",), arity=1, infer=_scan_infer("scan_sum", (1, 2)),
    numpy=lambda x: np.cumsum(np.asarray(x), axis=0), smt=_scan_smt(SUM.kind),
    doc="inclusive prefix sums: out[k] = reduce_sum(x[:k + 1]) for every k < len(x); on a "
        "matrix, row k is the sum of rows 0..k (down the first axis)",
    prefix_args=(0,), prefix_step=_prefix_step(REDUCE_SUM), modular_args=(0,),
))
SCAN_MAX = register(OpDef(
    name="scan_max", params=("x",), arity=1, infer=_scan_infer("scan_max"),
    numpy=_running_max_np, smt=_scan_smt(MAX.kind),
    doc="running maximum: out[k] = reduce_max(x[:k + 1]) for every k < len(x)",
    prefix_args=(0,), prefix_step=_prefix_step(REDUCE_MAX),
))

SCAN_OPS = ("scan_sum", "scan_max")
