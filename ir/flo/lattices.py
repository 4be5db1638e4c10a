"""Join semilattices for lattice-typed streams and LVars-style threshold reads.

A lattice gives `bottom`, `join` and `leq` (by default: `join(a, b) == b`), and says which value is
the inconsistent top, if it has one (`is_top`).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


class Lattice:
    """A join semilattice of Python values."""

    @property
    def bottom(self) -> Any:
        raise NotImplementedError

    def join(self, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def leq(self, a: Any, b: Any) -> bool:
        return self.normalize(self.join(a, b)) == self.normalize(b)

    def is_top(self, a: Any) -> bool:
        """Whether `a` is the inconsistent top value (two incompatible writes)."""
        return False

    def normalize(self, a: Any) -> Hashable:
        return a


@dataclass(frozen=True)
class MaxLattice(Lattice):
    """Numbers ordered as usual; join is `max`, bottom is `floor`."""

    floor: float = float("-inf")

    @property
    def bottom(self) -> float:
        return self.floor

    def join(self, a: Any, b: Any) -> Any:
        return a if a >= b else b

    def leq(self, a: Any, b: Any) -> bool:
        return a <= b

    def __str__(self) -> str:
        return "Max"


@dataclass(frozen=True)
class SetLattice(Lattice):
    """Frozensets ordered by inclusion; join is union."""

    @property
    def bottom(self) -> frozenset[Any]:
        return frozenset()

    def join(self, a: frozenset[Any], b: frozenset[Any]) -> frozenset[Any]:
        return frozenset(a) | frozenset(b)

    def leq(self, a: frozenset[Any], b: frozenset[Any]) -> bool:
        return frozenset(a) <= frozenset(b)

    def normalize(self, a: Any) -> frozenset[Any]:
        return frozenset(a)

    def __str__(self) -> str:
        return "SetUnion"


class Flat(enum.Enum):
    """The two extra points of a flat lattice."""

    BOTTOM = "⊥"
    TOP = "⊤"

    def __repr__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FlatLattice(Lattice):
    """`Flat.BOTTOM` below every plain value, plain values pairwise incomparable, `Flat.TOP` above."""

    @property
    def bottom(self) -> Flat:
        return Flat.BOTTOM

    def join(self, a: Any, b: Any) -> Any:
        if a is Flat.BOTTOM or a == b:
            return b
        if b is Flat.BOTTOM:
            return a
        return Flat.TOP

    def leq(self, a: Any, b: Any) -> bool:
        return a is Flat.BOTTOM or b is Flat.TOP or a == b

    def is_top(self, a: Any) -> bool:
        return a is Flat.TOP

    def __str__(self) -> str:
        return "Flat"


@dataclass(frozen=True)
class PairLattice(Lattice):
    """Pairs ordered componentwise; a pair with a top component is top."""

    first: Lattice
    second: Lattice

    @property
    def bottom(self) -> tuple[Any, Any]:
        return (self.first.bottom, self.second.bottom)

    def join(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
        return (self.first.join(a[0], b[0]), self.second.join(a[1], b[1]))

    def leq(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
        return self.first.leq(a[0], b[0]) and self.second.leq(a[1], b[1])

    def is_top(self, a: tuple[Any, Any]) -> bool:
        return self.first.is_top(a[0]) or self.second.is_top(a[1])

    def normalize(self, a: tuple[Any, Any]) -> Hashable:
        return (self.first.normalize(a[0]), self.second.normalize(a[1]))

    def __str__(self) -> str:
        return f"Pair({self.first}, {self.second})"


@dataclass(frozen=True)
class MapLattice(Lattice):
    """Dicts from keys to values of `values`, joined key by key (a missing key is bottom)."""

    values: Lattice

    @property
    def bottom(self) -> dict[Any, Any]:
        return {}

    def join(self, a: dict[Any, Any], b: dict[Any, Any]) -> dict[Any, Any]:
        out = dict(a)
        for k, v in b.items():
            out[k] = self.values.join(out[k], v) if k in out else v
        return out

    def leq(self, a: Any, b: Any) -> bool:
        a, b = dict(a), dict(b)
        return all(k in b and self.values.leq(v, b[k]) for k, v in a.items())

    def is_top(self, a: Any) -> bool:
        return any(self.values.is_top(v) for v in dict(a).values())

    def normalize(self, a: Any) -> frozenset[tuple[Any, Hashable]]:
        return frozenset((k, self.values.normalize(v)) for k, v in dict(a).items())

    def __str__(self) -> str:
        return f"Map({self.values})"
