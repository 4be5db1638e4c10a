"""TensIR types: scalars and tensors of rank 1..3 over a scalar element type, and lambda types."""

from __future__ import annotations

from dataclasses import dataclass

ELEMENTS: tuple[str, ...] = ("int", "float", "bool")
"""Scalar element types. `int` is a mathematical integer in proofs and int64 in generated code."""

RANK_NAMES: dict[int, str] = {1: "vec", 2: "mat", 3: "tensor3d"}
"""Printed name of each tensor rank; rank 0 prints as the bare element type."""


class TensIRTypeError(TypeError):
    """An ill-typed TensIR term: raised when a term is constructed, so ill-typed terms cannot exist."""


@dataclass(frozen=True, slots=True)
class TensorType:
    """A scalar (rank 0) or a rectangular tensor of rank 1..3 over `elem`."""

    elem: str
    rank: int = 0

    def __post_init__(self) -> None:
        if self.elem not in ELEMENTS:
            raise TensIRTypeError(f"unknown element type {self.elem!r}")
        if not 0 <= self.rank <= 3:
            raise TensIRTypeError(f"rank {self.rank} is not supported (0..3)")

    @property
    def is_scalar(self) -> bool:
        return self.rank == 0

    @property
    def scalar(self) -> TensorType:
        """The element type as a scalar type."""
        return TensorType(self.elem)

    def with_rank(self, rank: int) -> TensorType:
        return TensorType(self.elem, rank)

    def __str__(self) -> str:
        if self.rank == 0:
            return self.elem
        return f"{RANK_NAMES[self.rank]}[{self.elem}]"


@dataclass(frozen=True, slots=True)
class FnType:
    """The type of a lambda: scalar parameters to a scalar result."""

    params: tuple[TensorType, ...]
    result: TensorType

    def __str__(self) -> str:
        return f"({', '.join(map(str, self.params))}) -> {self.result}"


INT = TensorType("int")
FLOAT = TensorType("float")
BOOL = TensorType("bool")


def vec(elem: str) -> TensorType:
    return TensorType(elem, 1)


def mat(elem: str) -> TensorType:
    return TensorType(elem, 2)


def tensor3d(elem: str) -> TensorType:
    return TensorType(elem, 3)


def parse_type(text: str) -> TensorType:
    """Parse a printed type such as `int` or `mat[float]`."""
    text = text.replace(" ", "")
    if text in ELEMENTS:
        return TensorType(text)
    for rank, name in RANK_NAMES.items():
        if text.startswith(name + "[") and text.endswith("]"):
            return TensorType(text[len(name) + 1 : -1], rank)
    raise TensIRTypeError(f"unknown type {text!r}")
