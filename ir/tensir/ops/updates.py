"""Writes into a vector at affine positions, as C loops writing `y[i * inc + k]` or a flat matrix
`c[i * n + j]` leave it.

`stride_update(x, start, step, vals)` is `x` with `vals[j]` written at `start + step * j` for
`j < len(vals)`, every other entry unchanged (the BLAS `y[i * incy] = ...`; step 1 is a block
`x[start : start + len(vals)] = vals`). The positions must be distinct and inside `x`: `vals` is
empty, or the step is not 0 (one value may have step 0), and the first position `start` and the
last `start + step * (len(vals) - 1)` are in `[0, len(x))` (the positions are affine in `j`, so the
two ends bound all of them).

`full(n, v)` is `n` copies of `v` (none when `n <= 0`): a pre-sized vector before the loop that
writes it (`std::vector<int> out(2 * n)`, `out = [0] * (2 * n)`).

`flatten_rows(m)` is the `rows x cols` matrix `m` read row after row as one vector of
`rows * cols` entries: entry `r * cols + c` is `m[r][c]` (the inverse of `reshape_rows`), as a
loop nest writing `c[i * n + j]` for `j < n` lays out its rows.

In the SMT encoding both are index functions: entry `p` of `stride_update` is `vals[(p - start) /
step]` where `p - start` is a multiple of the step in range, else `x[p]`; entry `k` of
`flatten_rows` is `m[k / cols][k % cols]`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import Encoder, SVal
from ..types import TensIRTypeError, TensorType
from .rules import expect_rank, int_arg


def _update_infer(x: TensorType, start: TensorType, step: TensorType,
                  vals: TensorType) -> TensorType:
    if x.rank != 1 or vals.rank != 1 or x.elem != vals.elem:
        raise TensIRTypeError(f"stride_update: x and vals must be vecs of one element type, got "
                              f"{x} and {vals}")
    int_arg("stride_update", start, "the start")
    int_arg("stride_update", step, "the step")
    return x


def _update_np(x: Any, start: Any, step: Any, vals: Any) -> Any:
    out = np.array(x, copy=True)
    v = np.asarray(vals)
    count, first, k = v.shape[0], int(start), int(step)
    if count == 0:
        return out
    if k == 0 and count > 1:
        raise DomainError(f"stride_update writes {count} values at one position (step 0)")
    n = out.shape[0]
    for end in (first, first + k * (count - 1)):
        if not 0 <= end < n:
            raise DomainError(f"stride_update writes index {end} outside length {n}")
    out[first + k * np.arange(count)] = v
    return out


def _update_smt(enc: Encoder, x: SVal, start: SVal, step: SVal, vals: SVal) -> SVal:
    n, s, k, c = x.dims[0], start.expr, step.expr, vals.dims[0]
    assert s is not None and k is not None and x.at is not None and vals.at is not None
    last = f"(+ {s} {enc.mul('int', k, f'(- {c} 1)')})"
    enc.require(f"(or (<= {c} 0) (and (or (not (= {k} 0)) (<= {c} 1)) (<= 0 {s}) (< {s} {n}) "
                f"(<= 0 {last}) (< {last} {n})))")
    old, new = x.at, vals.at

    def at(idx: tuple[str, ...]) -> str:
        d = f"(- {idx[0]} {s})"
        if k == "1":
            j, hit = d, f"(and (<= 0 {d}) (< {d} {c}))"
        else:
            # a step of 0 writes at `start` alone (one value, by the domain)
            j = f"(ite (= {k} 0) 0 (div {d} {k}))"
            multiple = f"(ite (= {k} 0) (= {d} 0) (= (mod {d} {k}) 0))"
            hit = f"(and {multiple} (<= 0 {j}) (< {j} {c}))"
        return f"(ite {hit} {new((j,))} {old(idx)})"

    return enc.tensor(x.elem, (n,), at)


STRIDE_UPDATE = register(OpDef(
    name="stride_update", params=("x", "start", "step", "vals"), arity=4, infer=_update_infer,
    numpy=_update_np, smt=_update_smt,
    doc="x with vals[j] written at start + step * j for 0 <= j < len(vals), the rest unchanged",
    domain="vals is empty, or step != 0 (or one value), and start and start + step * (len(vals) - 1) "
           "in [0, len(x))",
    modular_args=(0, 3),
))


def _flatten_infer(m: TensorType) -> TensorType:
    if m.rank != 2:
        raise TensIRTypeError(f"flatten_rows: the argument must be a matrix, got {m}")
    return TensorType(m.elem, 1)


def _flatten_np(m: Any) -> Any:
    return np.asarray(m).reshape(-1)


def _flatten_smt(enc: Encoder, m: SVal) -> SVal:
    rows, cols = m.dims
    assert m.at is not None
    at = m.at

    def flat(idx: tuple[str, ...]) -> str:
        return at((f"(div {idx[0]} {cols})", f"(mod {idx[0]} {cols})"))

    return enc.tensor(m.elem, (enc.mul("int", rows, cols),), flat)


FLATTEN_ROWS = register(OpDef(
    name="flatten_rows", params=("m",), arity=1, infer=_flatten_infer,
    numpy=_flatten_np, smt=_flatten_smt,
    doc="the rows of m one after the other: entry r * cols + c is m[r][c]",
    modular_args=(0,),
))


def _full_infer(n: TensorType, v: TensorType) -> TensorType:
    int_arg("full", n, "the length")
    expect_rank("full", v, 0, "the value")
    return TensorType(v.elem, 1)


def _full_np(n: Any, v: Any) -> Any:
    value = np.asarray(v)
    return np.full((max(int(n), 0),), value, dtype=value.dtype)


def _full_smt(enc: Encoder, n: SVal, v: SVal) -> SVal:
    assert n.expr is not None and v.expr is not None
    value = v.expr
    return enc.tensor(v.elem, (f"(ite (< {n.expr} 0) 0 {n.expr})",), lambda idx: value)


FULL = register(OpDef(
    name="full", params=("n", "v"), arity=2, infer=_full_infer, numpy=_full_np, smt=_full_smt,
    doc="n copies of v (empty when n <= 0)",
))
