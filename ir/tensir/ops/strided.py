"""The strided view: `stride(x, start, step, count)` is `x[start], x[start + step], ...`, `count`
entries (none when `count <= 0`), as a C loop reading `x[i * inc + k]` sees them.

Every index read must be inside `x` (the reads are those of the source loop, which C requires in
bounds): `count <= 0`, or the first index `start` and the last `start + step * (count - 1)` are in
`[0, len(x))` (the indices are affine in the position, so the two ends bound all of them). A step
of 0 repeats `x[start]`; a negative step walks backwards. In the SMT encoding the view is an index
function `j -> x(start + step * j)` with length `max(count, 0)`, so a view with one more entry
has the same function: a reduction over it unfolds by one step like over a prefix `x[:i + 1]`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import DomainError, OpDef, register
from ..smt import Encoder, SVal
from ..types import TensorType
from .rules import int_arg, tensor_arg


def _stride_infer(x: TensorType, start: TensorType, step: TensorType,
                  count: TensorType) -> TensorType:
    tensor_arg("stride", x)
    int_arg("stride", start, "the start")
    int_arg("stride", step, "the step")
    int_arg("stride", count, "the count")
    return x


def _stride_np(x: Any, start: Any, step: Any, count: Any) -> Any:
    count = int(count)
    if count <= 0:
        return np.asarray(x)[:0]
    first, last = int(start), int(start) + int(step) * (count - 1)
    n = np.shape(x)[0]
    for end in (first, last):
        if not 0 <= end < n:
            raise DomainError(f"stride reads index {end} outside length {n}")
    return np.asarray(x)[first + int(step) * np.arange(count)]


def _stride_smt(enc: Encoder, x: SVal, start: SVal, step: SVal, count: SVal) -> SVal:
    n, s, k, c = x.dims[0], start.expr, step.expr, count.expr
    assert s is not None and k is not None and c is not None and x.at is not None
    last = f"(+ {s} {enc.mul('int', k, f'(- {c} 1)')})"
    enc.require(f"(or (<= {c} 0) (and (<= 0 {s}) (< {s} {n}) (<= 0 {last}) (< {last} {n})))")
    at = x.at

    def shifted(idx: tuple[str, ...]) -> str:
        return at((f"(+ {s} {enc.mul('int', k, idx[0])})", *idx[1:]))

    return enc.tensor(x.elem, (f"(ite (< {c} 0) 0 {c})", *x.dims[1:]), shifted)


STRIDE = register(OpDef(
    name="stride", params=("x", "start", "step", "count"), arity=4, infer=_stride_infer,
    numpy=_stride_np, smt=_stride_smt,
    doc="count entries of x from start, step apart: x[start + step * j] for 0 <= j < count",
    domain="count <= 0, or start and start + step * (count - 1) in [0, len(x))",
    modular_args=(0,),
))
