"""Reductions and linear algebra: sums, products and maxima of vectors, row sums, outer, matrix
products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, Reduction, register
from ..smt import Encoder, SVal
from ..terms import Lit
from ..types import INT, TensorType
from .families import BROADCAST, ELEMWISE
from .rules import NUMERIC, expect_rank, same_elem
from .scalar import ITE, SCALAR_OPS
from .structural import APPEND, INDEX, TRANSPOSE

SUM = Reduction("sum", "add", 0, lambda enc, elem, acc, x: f"(+ {acc} {x})")
PROD = Reduction(  # abstracted even for numerals: unrolled == recursive, term for term
    "prod", "mul", 1, lambda enc, elem, acc, x: enc.mul(elem, acc, x, numerals_exact=False))
MAX = Reduction("max", "max", None, lambda enc, elem, acc, x: f"(let ((p {acc}) (q {x})) (ite (>= p q) p q))")


def _reduce_infer(name: str) -> Callable[[TensorType], TensorType]:
    def infer(x: TensorType) -> TensorType:
        expect_rank(name, x, 1, "the argument")
        same_elem(name, NUMERIC, x)
        return x.scalar

    return infer


def _reduce_max_np(x: Any) -> Any:
    if np.shape(x)[0] == 0:
        raise DomainError("reduce_max of an empty vector")
    return np.max(x)


REDUCE_SUM = register(OpDef(
    name="reduce_sum", params=("x",), arity=1, infer=_reduce_infer("reduce_sum"),
    numpy=lambda x: np.sum(x), smt=lambda enc, x: enc.scalar(enc.fold(SUM.kind, x), x.elem),
    doc="sum of a vector (0 when empty)", prefix_args=(0,),
    prefix_step=lambda prev, args, i: SCALAR_OPS["add"](prev, INDEX(args[0], i)),
    reduction=SUM, modular_args=(0,),
))
REDUCE_MUL = register(OpDef(
    name="reduce_mul", params=("x",), arity=1, infer=_reduce_infer("reduce_mul"),
    numpy=lambda x: np.prod(x), smt=lambda enc, x: enc.scalar(enc.fold(PROD.kind, x), x.elem),
    doc="product of a vector (1 when empty)", prefix_args=(0,),
    prefix_step=lambda prev, args, i: SCALAR_OPS["mul"](prev, INDEX(args[0], i)),
    reduction=PROD, modular_args=(0,),
))
REDUCE_MAX = register(OpDef(
    name="reduce_max", params=("x",), arity=1, infer=_reduce_infer("reduce_max"),
    numpy=_reduce_max_np, smt=lambda enc, x: enc.scalar(enc.fold(MAX.kind, x), x.elem),
    doc="largest element of a non-empty vector", prefix_args=(0,),
    prefix_step=lambda prev, args, i: ITE(
        SCALAR_OPS["eq"](i, Lit(0, INT)), INDEX(args[0], i),
        SCALAR_OPS["max"](prev, INDEX(args[0], i)),
    ),
    domain="len(x) >= 1", reduction=MAX,
))


def _row_sum_infer(m: TensorType) -> TensorType:
    expect_rank("matrix_row_sum", m, 2, "the argument")
    same_elem("matrix_row_sum", NUMERIC, m)
    return m.with_rank(1)


def _row_sum_smt(enc: Encoder, m: SVal) -> SVal:
    at = m.at
    assert at is not None
    return enc.tensor(m.elem, (m.dims[0],), lambda idx: enc.fold(
        SUM.kind, enc.tensor(m.elem, (m.dims[1],), lambda k: at((idx[0], k[0])))))


MATRIX_ROW_SUM = register(OpDef(
    name="matrix_row_sum", params=("m",), arity=1, infer=_row_sum_infer,
    numpy=lambda m: np.sum(m, axis=1), smt=_row_sum_smt,
    doc="the sum of each row of a matrix: out[i] = reduce_sum(m[i])", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(prev, REDUCE_SUM(INDEX(args[0], i))),
    modular_args=(0,),
))


def _outer_infer(x: TensorType, y: TensorType) -> TensorType:
    expect_rank("outer", x, 1, "the first argument")
    expect_rank("outer", y, 1, "the second argument")
    same_elem("outer", NUMERIC, x, y)
    return x.with_rank(2)


def _outer_smt(enc: Encoder, x: SVal, y: SVal) -> SVal:
    xa, ya = x.at, y.at
    assert xa is not None and ya is not None
    return enc.tensor(x.elem, (x.dims[0], y.dims[0]),
                      lambda idx: enc.mul(x.elem, xa((idx[0],)), ya((idx[1],))))


OUTER = register(OpDef(
    name="outer", params=("x", "y"), arity=2, infer=_outer_infer,
    numpy=lambda x, y: np.multiply.outer(x, y), smt=_outer_smt,
    doc="outer product: out[i][j] = x[i] * y[j]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, BROADCAST[("mul", 1, False)](args[1], INDEX(args[0], i))),
    modular_args=(0, 1),
))


def _product_rules(name: str, right_rank: int) -> tuple[Callable[..., TensorType], Callable[..., Any]]:
    """Type rule and NumPy semantics of `matrix @ (vector | matrix)`, the inner lengths equal."""

    def infer(a: TensorType, b: TensorType) -> TensorType:
        expect_rank(name, a, 2, "the first operand")
        expect_rank(name, b, right_rank, "the second operand")
        same_elem(name, NUMERIC, a, b)
        return b if right_rank == 1 else a

    def numpy(a: Any, b: Any) -> Any:
        if np.shape(a)[1] != np.shape(b)[0]:
            raise DomainError(f"{name}: {np.shape(a)} times {np.shape(b)}")
        return a @ b

    return infer, numpy


_mv_infer, _mv_np = _product_rules("matrix_vec_mul", 1)
_mm_infer, _mm_np = _product_rules("matmul", 2)


def _dot(enc: Encoder, elem: str, n: str, left: Callable[[str], str], right: Callable[[str], str]) -> str:
    """sum over k < n of left(k) * right(k), by the shared reduction."""
    terms = enc.tensor(elem, (n,), lambda idx: enc.mul(elem, left(idx[0]), right(idx[0])))
    return enc.fold(SUM.kind, terms)


def _mv_smt(enc: Encoder, m: SVal, v: SVal) -> SVal:
    enc.require(f"(= {m.dims[1]} {v.dims[0]})")
    mat, vec = m.at, v.at
    assert mat is not None and vec is not None
    return enc.tensor(
        v.elem, (m.dims[0],),
        lambda idx: _dot(enc, v.elem, m.dims[1], lambda k: vec((k,)), lambda k: mat((idx[0], k))),
    )


MATRIX_VEC_MUL = register(OpDef(
    name="matrix_vec_mul", params=("m", "v"), arity=2, infer=_mv_infer, numpy=_mv_np, smt=_mv_smt,
    doc="matrix times vector: out[i] = sum_k m[i][k] * v[k]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, REDUCE_SUM(ELEMWISE[("mul", 1)](args[1], INDEX(args[0], i)))
    ),
    domain="cols(m) == len(v)", modular_args=(0, 1),
))


def _mm_smt(enc: Encoder, a: SVal, b: SVal) -> SVal:
    enc.require(f"(= {a.dims[1]} {b.dims[0]})")
    left, right = a.at, b.at
    assert left is not None and right is not None
    return enc.tensor(
        a.elem, (a.dims[0], b.dims[1]),
        lambda idx: _dot(enc, a.elem, a.dims[1], lambda k: left((idx[0], k)),
                         lambda k: right((k, idx[1]))),
    )


MATMUL = register(OpDef(
    name="matmul", params=("a", "b"), arity=2, infer=_mm_infer, numpy=_mm_np, smt=_mm_smt,
    doc="matrix product: out[i][j] = sum_k a[i][k] * b[k][j]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, MATRIX_VEC_MUL(TRANSPOSE(args[1]), INDEX(args[0], i))
    ),
    domain="cols(a) == rows(b)", modular_args=(0, 1),
))
