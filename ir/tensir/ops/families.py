"""The elementwise (`vec_elemwise_add`, ...) and broadcast (`vec_scalar_add`, `scalar_vec_sub`, ...)
families, derived from a scalar kernel: each op applies the kernel at every index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import Encoder, SVal
from ..terms import Arg, Term
from ..types import TensorType
from .rules import NOUN, PLURAL, RANK_PREFIX, expect_rank
from .scalar import KERNELS, SCALAR_OPS, Kernel
from .structural import APPEND, INDEX

ELEMWISE: dict[tuple[str, int], OpDef] = {}
"""(kernel name, rank) -> the op combining two tensors of that rank elementwise."""
BROADCAST: dict[tuple[str, int, bool], OpDef] = {}
"""(kernel name, rank, scalar first) -> the op combining a tensor and a scalar."""


def _lower(family: Callable[[int], OpDef | None], k: Kernel, rank: int) -> OpDef:
    """The op of the same family one rank down (the scalar op below rank 1)."""
    if rank == 1:
        return SCALAR_OPS[k.name]
    op = family(rank - 1)
    assert op is not None
    return op


def _modular(k: Kernel) -> tuple[int, ...]:
    return (0, 1) if k.modular else ()


def _elemwise(k: Kernel, rank: int) -> OpDef:
    name = f"{RANK_PREFIX[rank]}_elemwise_{k.name}"

    def infer(a: TensorType, b: TensorType) -> TensorType:
        expect_rank(name, a, rank, "the first operand")
        expect_rank(name, b, rank, "the second operand")
        return k.result_type(a.scalar, b.scalar).with_rank(rank)

    def numpy(a: Any, b: Any) -> Any:
        if np.shape(a) != np.shape(b):
            raise DomainError(f"{name}: shapes differ {np.shape(a)} vs {np.shape(b)}")
        return k.numpy(a, b)

    def smt(enc: Encoder, a: SVal, b: SVal) -> SVal:
        return enc.pointwise(lambda x, y: k.smt(enc, a.elem, x, y), a, b)

    def step(prev: Term, args: tuple[Arg, ...], i: Term) -> Term:
        x, y = args
        lower = _lower(lambda r: ELEMWISE.get((k.name, r)), k, rank)
        return APPEND(prev, lower(INDEX(x, i), INDEX(y, i)))

    op = register(OpDef(
        name=name, arity=2, infer=infer, numpy=numpy, smt=smt,
        doc=k.with_note(f"elementwise {k.doc} of two {PLURAL[rank]} of equal shape"),
        params=("a", "b"),
        prefix_args=(0, 1), prefix_step=step, domain="operands have equal shapes",
        family=k.name, commutative=k.commutative, modular_args=_modular(k),
    ))
    ELEMWISE[(k.name, rank)] = op
    return op


def _broadcast(k: Kernel, rank: int, scalar_first: bool) -> OpDef:
    pre = RANK_PREFIX[rank]
    name = f"scalar_{pre}_{k.name}" if scalar_first else f"{pre}_scalar_{k.name}"
    tpos, spos = (1, 0) if scalar_first else (0, 1)

    def infer(*ts: TensorType) -> TensorType:
        expect_rank(name, ts[tpos], rank, f"argument {tpos + 1}")
        expect_rank(name, ts[spos], 0, f"argument {spos + 1}")
        return k.result_type(ts[0].scalar, ts[1].scalar).with_rank(rank)

    def smt(enc: Encoder, *args: SVal) -> SVal:
        elem = args[0].elem
        return enc.broadcast(lambda a, b: k.smt(enc, elem, a, b), args[tpos], args[spos],
                             scalar_first=scalar_first)

    def step(prev: Term, args: tuple[Arg, ...], i: Term) -> Term:
        lower = _lower(lambda r: BROADCAST.get((k.name, r, scalar_first)), k, rank)
        parts = list(args)
        parts[tpos] = INDEX(args[tpos], i)
        return APPEND(prev, lower(*parts))

    formula = f"s {k.symbol} e" if scalar_first else f"e {k.symbol} s"
    what = f"{k.doc} with a scalar: {formula} for each element e of a {NOUN[rank]}"
    op = register(OpDef(
        name=name, arity=2, infer=infer, numpy=k.numpy, smt=smt,
        doc=k.with_note(what), prefix_args=(tpos,), prefix_step=step, family=k.name,
        params=("s", "x") if scalar_first else ("x", "s"), modular_args=_modular(k),
    ))
    BROADCAST[(k.name, rank, scalar_first)] = op
    return op


def declare() -> None:
    """Register the families of `+ - * /` (after every other built-in op, in docs order)."""
    for name in ("add", "sub", "mul", "div"):
        for rank in (1, 2, 3):
            _elemwise(KERNELS[name], rank)
        for rank in (1, 2):
            _broadcast(KERNELS[name], rank, scalar_first=False)
    for name in ("sub", "div"):
        for rank in (1, 2):
            _broadcast(KERNELS[name], rank, scalar_first=True)
