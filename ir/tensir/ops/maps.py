"""Maps and selections: a scalar lambda applied at every index of one or two tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import Encoder, SLambda, SVal
from ..terms import Arg, Lambda, Term, substitute
from ..types import FnType, TensorType
from .rules import NOUN, PLURAL, expect_rank
from .structural import APPEND, INDEX

MAPPERS: dict[tuple[int, int], OpDef] = {}
"""(number of tensor arguments, rank) -> the op applying a lambda at every index."""


def beta(lam: Lambda, *args: Term) -> Term:
    """Apply a lambda to argument terms by substitution."""
    return substitute(lam.body, dict(zip(lam.params, args, strict=True)))


def _mapper(name: str, rank: int, nargs: int) -> OpDef:
    def lam_params(*ts: TensorType) -> tuple[TensorType, ...]:
        return tuple(t.scalar for t in ts[:nargs])

    def infer(*ts: TensorType | FnType) -> TensorType:
        *tensors, fn = ts
        for j, t in enumerate(tensors):
            assert isinstance(t, TensorType)
            expect_rank(name, t, rank, f"argument {j + 1}")
        assert isinstance(fn, FnType)
        return fn.result.with_rank(rank)

    def numpy(*args: Any) -> Any:
        *tensors, fn = args
        shape = np.shape(tensors[0])
        if any(np.shape(x) != shape for x in tensors):
            raise DomainError(f"{name}: shapes differ")
        return np.broadcast_to(fn(*tensors), shape)

    def smt(enc: Encoder, *args: Any) -> SVal:
        *tensors, fn = args
        assert isinstance(fn, SLambda)
        return enc.pointwise(fn, *tensors, elem=fn.elem)

    def step(prev: Term, args: tuple[Arg, ...], i: Term) -> Term:
        *tensors, lam = args
        assert isinstance(lam, Lambda)
        rows = [INDEX(x, i) for x in tensors]
        entry = beta(lam, *rows) if rank == 1 else MAPPERS[(nargs, rank - 1)](*rows, lam)
        return APPEND(prev, entry)

    op = register(OpDef(
        name=name, arity=nargs + 1, infer=infer, numpy=numpy, smt=smt,
        doc=(f"apply a scalar lambda to every element of a {NOUN[rank]}" if nargs == 1 else
             f"combine two {PLURAL[rank]} of equal shape elementwise with a lambda"),
        params=("x", "f") if nargs == 1 else ("x", "y", "f"),
        lambdas={nargs: lam_params}, prefix_args=tuple(range(nargs)), prefix_step=step,
        domain="" if nargs == 1 else "operands have equal shapes",
    ))
    MAPPERS[(nargs, rank)] = op
    return op


VEC_MAP = _mapper("vec_map", 1, 1)
MATRIX_MAP = _mapper("matrix_map", 2, 1)
SELECTION_TWO_ARGS = _mapper("selection_two_args", 1, 2)
MATRIX_SELECTION_TWO_ARGS = _mapper("matrix_selection_two_args", 2, 2)
