"""The flat 2-D view: `reshape_rows(x, rows, cols)` is `x[:rows * cols]` read as a `rows x cols`
matrix whose row `r` is `x[r * cols : (r + 1) * cols]`, as C code reading `w[i * n + j]` sees a
row-major matrix stored flat.

`rows <= 0` is the empty matrix; otherwise `cols >= 0` and `rows * cols <= len(x)` (every entry read
is inside `x`). In the SMT encoding the view is the index function `(r, c) -> x(r * cols + c)`
with `max(rows, 0)` rows, so a view with one more row has the same function: a per-row op over it
unfolds by one row like over a prefix `m[:i + 1]`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import Encoder, SVal
from ..types import TensIRTypeError, TensorType
from .rules import int_arg


def _reshape_rows_infer(x: TensorType, rows: TensorType, cols: TensorType) -> TensorType:
    if x.rank != 1:
        raise TensIRTypeError(f"reshape_rows: the first argument must be a vec, got {x}")
    int_arg("reshape_rows", rows, "the row count")
    int_arg("reshape_rows", cols, "the column count")
    return TensorType(x.elem, 2)


def _reshape_rows_np(x: Any, rows: Any, cols: Any) -> Any:
    r, c = int(rows), int(cols)
    arr = np.asarray(x)
    if r <= 0:
        return arr[:0].reshape(0, max(c, 0))
    if c < 0:
        raise DomainError(f"reshape_rows: {c} columns")
    if r * c > arr.shape[0]:
        raise DomainError(f"reshape_rows: {r} x {c} entries from a vector of length {arr.shape[0]}")
    return arr[:r * c].reshape(r, c)


def _reshape_rows_smt(enc: Encoder, x: SVal, rows: SVal, cols: SVal) -> SVal:
    n, r, c = x.dims[0], rows.expr, cols.expr
    assert r is not None and c is not None and x.at is not None
    enc.require(f"(or (<= {r} 0) (and (<= 0 {c}) (<= {enc.mul('int', r, c)} {n})))")
    at = x.at

    def flat(idx: tuple[str, ...]) -> str:
        # row r starts at r * cols, which the domain keeps in [0, len(x)]: written clamped as
        # `tail` writes its start, so a fold over a row is the same term as over `tail(x, r * cols)`
        return at((f"(+ {idx[1]} {enc.clamp(enc.mul('int', idx[0], c), '0', n)})",))

    return enc.tensor(x.elem, (f"(ite (< {r} 0) 0 {r})", f"(ite (< {c} 0) 0 {c})"), flat)


RESHAPE_ROWS = register(OpDef(
    name="reshape_rows", params=("x", "rows", "cols"), arity=3, infer=_reshape_rows_infer,
    numpy=_reshape_rows_np, smt=_reshape_rows_smt,
    doc="x[:rows * cols] as a rows x cols matrix: row r is x[r * cols : (r + 1) * cols]",
    domain="rows <= 0, or cols >= 0 and rows * cols <= len(x)",
    modular_args=(0,),
))
