"""Structural ops: indexing, slicing, append, length and transpose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import cnum
from ..opdef import DomainError, OpDef, Slicing, register
from ..smt import Encoder, SVal
from ..types import INT, TensIRTypeError, TensorType
from .rules import expect_rank, int_arg, tensor_arg


def _index_infer(x: TensorType, i: TensorType) -> TensorType:
    tensor_arg("index", x)
    int_arg("index", i, "the index")
    return x.with_rank(x.rank - 1)


def _index_np(x: Any, i: Any) -> Any:
    if not 0 <= int(i) < np.shape(x)[0]:
        raise DomainError(f"index {int(i)} out of range for length {np.shape(x)[0]}")
    return x[int(i)]


def _index_smt(enc: Encoder, x: SVal, i: SVal) -> SVal:
    enc.require(f"(and (<= 0 {i.expr}) (< {i.expr} {x.dims[0]}))")
    at = x.at
    assert at is not None and i.expr is not None
    ie = i.expr
    if x.rank == 1:
        return enc.scalar(at((ie,)), x.elem)
    return enc.tensor(x.elem, x.dims[1:], lambda idx: at((ie, *idx)))


INDEX = register(OpDef(
    name="index", params=("x", "i"), arity=2, infer=_index_infer, numpy=_index_np, smt=_index_smt,
    doc="x[i]: element i (a row of a matrix)", form="index",
    domain="0 <= i < len(x)", modular_args=(0,),
))


def _slice_infer(x: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    tensor_arg("slice", x)
    int_arg("slice", lo, "the lower bound")
    int_arg("slice", hi, "the upper bound")
    return x


def slice_smt(enc: Encoder, x: SVal, lo: SVal, hi: SVal, axis: int = 0) -> SVal:
    """`x` cut to `lo:hi` (clamped) on `axis`."""
    n = x.dims[axis]
    at = x.at
    assert at is not None and lo.expr is not None and hi.expr is not None
    if lo.expr == "0":  # x[:hi] only changes the length
        dims = list(x.dims)
        dims[axis] = enc.clamp(hi.expr, "0", n)
        return SVal(x.elem, tuple(dims), at=at, fn=x.fn)
    start = enc.clamp(lo.expr, "0", n)
    dims = list(x.dims)
    dims[axis] = f"(- {enc.clamp(hi.expr, start, n)} {start})"

    def shifted(idx: tuple[str, ...]) -> str:
        moved = list(idx)
        moved[axis] = f"(+ {idx[axis]} {start})"
        return at(tuple(moved))

    return enc.tensor(x.elem, dims, shifted)


SLICE = register(OpDef(
    name="slice", params=("x", "lo", "hi"), arity=3, infer=_slice_infer, numpy=cnum.clamp_slice,
    smt=slice_smt,
    doc="x[lo:hi] on the first axis; bounds are clamped to [0, len(x)] (no wrap-around)",
    form="slice", slicing=Slicing(lo=1, hi=2), modular_args=(0,),
))


def _col_slice_infer(m: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    expect_rank("col_slice", m, 2, "the first argument")
    int_arg("col_slice", lo, "the lower bound")
    int_arg("col_slice", hi, "the upper bound")
    return m


COL_SLICE = register(OpDef(
    name="col_slice", params=("m", "lo", "hi"), arity=3, infer=_col_slice_infer,
    numpy=lambda m, lo, hi: m[:, max(int(lo), 0) : max(int(hi), 0)],
    smt=lambda enc, m, lo, hi: slice_smt(enc, m, lo, hi, axis=1),
    doc="columns lo..hi of every row of a matrix, bounds clamped like slice",
    slicing=Slicing(axis=1, lo=1, hi=2), modular_args=(0,),
))


def _count_infer(name: str) -> Callable[[TensorType, TensorType], TensorType]:
    def infer(x: TensorType, n: TensorType) -> TensorType:
        tensor_arg(name, x)
        int_arg(name, n, "the count")
        return x

    return infer


TAKE = register(OpDef(
    name="take", params=("x", "n"), arity=2, infer=_count_infer("take"),
    numpy=lambda x, n: cnum.clamp_slice(x, 0, n),
    smt=lambda enc, x, n: slice_smt(enc, x, SVal("int", expr="0"), n),
    doc="the first n entries: x[:n] (clamped)", slicing=Slicing(hi=1), modular_args=(0,),
))
TAIL = register(OpDef(
    name="tail", params=("x", "n"), arity=2, infer=_count_infer("tail"),
    numpy=lambda x, n: cnum.clamp_slice(x, n, np.shape(x)[0]),
    smt=lambda enc, x, n: slice_smt(enc, x, n, SVal("int", expr=x.dims[0])),
    doc="all but the first n entries: x[n:] (clamped)", slicing=Slicing(lo=1), modular_args=(0,),
))


def _append_infer(x: TensorType, e: TensorType) -> TensorType:
    tensor_arg("append", x)
    if e != x.with_rank(x.rank - 1):
        raise TensIRTypeError(
            f"append: the new entry of a {x} must be {x.with_rank(x.rank - 1)}, got {e}")
    return x


def _append_np(x: Any, e: Any) -> Any:
    if np.ndim(x) > 1 and np.shape(x)[0] > 0 and np.shape(x)[1:] != np.shape(e):
        raise DomainError(f"append: entry shape {np.shape(e)} does not match {np.shape(x)[1:]}")
    return cnum.append_rows(x, e)


def _append_smt(enc: Encoder, x: SVal, e: SVal) -> SVal:
    n = x.dims[0]
    at = x.at
    assert at is not None
    if x.rank == 1:
        ee = e.expr
        assert ee is not None
        return SVal(x.elem, (f"(+ {n} 1)",), at=lambda idx: f"(ite (= {idx[0]} {n}) {ee} {at(idx)})",
                    appended=(x, ee))
    for d1, d2 in zip(x.dims[1:], e.dims, strict=True):
        enc.require(f"(or (= {n} 0) (= {d1} {d2}))")
    eat = e.at
    assert eat is not None
    return enc.tensor(
        x.elem, (f"(+ {n} 1)", *e.dims),
        lambda idx: f"(ite (= {idx[0]} {n}) {eat(idx[1:])} {at(idx)})",
    )


APPEND = register(OpDef(
    name="append", params=("x", "e"), arity=2, infer=_append_infer, numpy=_append_np,
    smt=_append_smt, doc="x with one more entry at the end (a scalar for a vec, a row for a matrix)",
    domain="the entry's shape matches the other entries", modular_args=(0, 1),
))


def _len_infer(x: TensorType) -> TensorType:
    tensor_arg("len", x)
    return INT


LEN = register(OpDef(
    name="len", params=("x",), arity=1, infer=_len_infer, numpy=lambda x: np.int64(np.shape(x)[0]),
    smt=lambda enc, x: enc.scalar(x.dims[0], "int"),
    doc="number of entries on the first axis",
))


def _transpose_infer(m: TensorType) -> TensorType:
    expect_rank("transpose", m, 2, "the argument")
    return m


def _transpose_smt(enc: Encoder, m: SVal) -> SVal:
    at = m.at
    assert at is not None
    return enc.tensor(m.elem, (m.dims[1], m.dims[0]), lambda idx: at((idx[1], idx[0])))


TRANSPOSE = register(OpDef(
    name="transpose", params=("m",), arity=1, infer=_transpose_infer,
    numpy=lambda m: np.transpose(m), smt=_transpose_smt, doc="matrix transpose", involution=True,
    modular_args=(0,),
))
