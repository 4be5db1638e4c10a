"""What the op declarations share: element types, type-rule checks, and NumPy value coercion."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..types import INT, TensIRTypeError, TensorType

RANK_PREFIX = {1: "vec", 2: "matrix", 3: "tensor3d"}
"""How an op family spells each rank in its ops' names (`vec_elemwise_add`)."""
PLURAL = {1: "vectors", 2: "matrices", 3: "3-d tensors"}
NOUN = {1: "vector", 2: "matrix", 3: "3-d tensor"}
NUMERIC = ("int", "float")
DTYPES = {"int": np.int64, "float": np.float64, "bool": np.bool_}
"""The NumPy dtype of each element type's values."""


def as_value(x: Any, t: TensorType) -> Any:
    """Coerce a NumPy result to the canonical value of type `t` (dtype; 0-d arrays to scalars)."""
    arr: np.ndarray[Any, Any] = np.asarray(x, dtype=DTYPES[t.elem])
    return arr[()] if t.rank == 0 else arr


def same_elem(name: str, elems: tuple[str, ...], *ts: TensorType) -> str:
    """The one element type of `ts`, which must be among `elems`."""
    elem = ts[0].elem
    if any(t.elem != elem for t in ts) or elem not in elems:
        shown = ", ".join(map(str, ts))
        raise TensIRTypeError(
            f"{name} needs operands of one element type among {'/'.join(elems)}; got {shown}")
    return elem


def expect_rank(name: str, t: TensorType, rank: int, what: str) -> None:
    if t.rank != rank:
        want = str(TensorType(t.elem, rank)) if rank else "a scalar"
        raise TensIRTypeError(f"{name}: {what} must be {want}, got {t}")


def tensor_arg(name: str, t: TensorType, what: str = "the first argument") -> None:
    if t.rank < 1:
        raise TensIRTypeError(f"{name}: {what} must be a vec, mat or tensor3d, got {t}")


def int_arg(name: str, t: TensorType, what: str) -> None:
    if t != INT:
        raise TensIRTypeError(f"{name}: {what} must be int, got {t}")
