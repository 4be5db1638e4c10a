"""The counter as a value: `iota(n)` is the vector `0, 1, ..., n - 1` (empty when `n <= 0`).

A loop that uses its counter as data (`total / (i + 1)`, `value *= i`) computes, over its
iterations `[lo, b)`, a map of `iota(b - lo) + lo`. In the SMT encoding entry `k` is `k` itself and
the length is `max(n, 0)`, so every fact about an entry is arithmetic on its index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import OpDef, register
from ..smt import Encoder, SVal
from ..types import INT, TensorType
from .rules import int_arg


def _iota_infer(n: TensorType) -> TensorType:
    int_arg("iota", n, "the length")
    return INT.with_rank(1)


def _iota_np(n: Any) -> Any:
    return np.arange(max(int(n), 0), dtype=np.int64)


def _iota_smt(enc: Encoder, n: SVal) -> SVal:
    assert n.expr is not None
    return enc.tensor("int", (f"(ite (< {n.expr} 0) 0 {n.expr})",), lambda idx: idx[0])


IOTA = register(OpDef(
    name="iota", params=("n",), arity=1, infer=_iota_infer, numpy=_iota_np, smt=_iota_smt,
    doc="the vector 0, 1, ..., n - 1 (empty when n <= 0): a loop counter used as a value",
))
