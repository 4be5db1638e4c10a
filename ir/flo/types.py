"""Stream types: boundedness, the collection a stream's elements build up, and locations.

A Flo stream delivers its elements in batches. What the elements *mean* together is given by the
stream's collection kind: a sequence (order matters), a set, a Z-set (values with integer weights)
or a lattice (values combined with join). Every kind says how a batch is added to what was seen so
far (`add`) and how to compare two such values (`normalize`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .lattices import Lattice
from .zsets import zset_add, zset_normalize


class FloTypeError(Exception):
    """A graph that is ill-typed, has an illegal cycle or an implicit crossing between locations.

    `errors` holds every message found; `str()` is the first one followed by a count of the rest.
    """

    def __init__(self, errors: str | Sequence[str]) -> None:
        self.errors: tuple[str, ...] = (errors,) if isinstance(errors, str) else tuple(errors)
        more = len(self.errors) - 1
        super().__init__(self.errors[0] + (f" (and {more} more)" if more else ""))


# -------------------------------------------------------------------------------------------------
# collection kinds
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Collection:
    """What the elements of a stream build up to; subclasses are the kinds."""

    name: ClassVar[str] = "?"
    ordered: ClassVar[bool] = False
    """Whether the arrival order of elements is part of the value (only for sequences)."""

    def empty(self) -> Any:
        raise NotImplementedError

    def add(self, acc: Any, batch: Iterable[Any]) -> Any:
        """`acc` extended by a batch (may update `acc` in place and return it)."""
        raise NotImplementedError

    def normalize(self, acc: Any) -> Hashable:
        """A canonical, comparable form of an accumulated value."""
        raise NotImplementedError


    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class SeqKind(Collection):
    """A sequence: elements in arrival order."""

    name: ClassVar[str] = "Seq"
    ordered: ClassVar[bool] = True

    def empty(self) -> list[Any]:
        return []

    def add(self, acc: list[Any], batch: Iterable[Any]) -> list[Any]:
        acc.extend(batch)
        return acc

    def normalize(self, acc: list[Any]) -> tuple[Any, ...]:
        return tuple(acc)




@dataclass(frozen=True)
class SetKind(Collection):
    """A set: order and repetition do not matter."""

    name: ClassVar[str] = "Set"

    def empty(self) -> set[Any]:
        return set()

    def add(self, acc: set[Any], batch: Iterable[Any]) -> set[Any]:
        acc.update(batch)
        return acc

    def normalize(self, acc: set[Any]) -> frozenset[Any]:
        return frozenset(acc)




@dataclass(frozen=True)
class ZSetKind(Collection):
    """A Z-set: elements are `(value, weight)` pairs and weights add up (DBSP's changes)."""

    name: ClassVar[str] = "ZSet"

    def empty(self) -> dict[Any, int]:
        return {}

    def add(self, acc: dict[Any, int], batch: Iterable[tuple[Any, int]]) -> dict[Any, int]:
        return zset_add(acc, batch)

    def normalize(self, acc: dict[Any, int]) -> frozenset[tuple[Any, int]]:
        return zset_normalize(acc)




@dataclass(frozen=True)
class LatticeKind(Collection):
    """Values of a lattice, combined with its join (LVars)."""

    lattice: Lattice
    name: ClassVar[str] = "Lattice"

    def empty(self) -> Any:
        return self.lattice.bottom

    def add(self, acc: Any, batch: Iterable[Any]) -> Any:
        for x in batch:
            acc = self.lattice.join(acc, x)
        return acc

    def normalize(self, acc: Any) -> Hashable:
        return self.lattice.normalize(acc)


    def __str__(self) -> str:
        return f"Lattice({self.lattice})"


SEQ = SeqKind()
SET = SetKind()
ZSET = ZSetKind()


def lattice(lat: Lattice) -> LatticeKind:
    """The collection kind of a stream of values of `lat`."""
    return LatticeKind(lat)


# -------------------------------------------------------------------------------------------------
# stream types
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StreamType:
    """A stream's type: whether it ends (bounded) and the collection its elements build."""

    bounded: bool
    collection: Collection
    windowed: bool = False
    """Whether each element is a closed window (made by `window`): a fold, reduce or keyed fold
    reading it aggregates each window, and so waits for no end."""

    def __str__(self) -> str:
        of = " of windows" if self.windowed else ""
        return f"{'Bounded' if self.bounded else 'Unbounded'}[{self.collection}{of}]"


def bounded(collection: Collection = SEQ) -> StreamType:
    """A stream that ends: operators may wait for its end (fold, sort, ...)."""
    return StreamType(True, collection)


def unbounded(collection: Collection = SEQ) -> StreamType:
    """A stream that may never end: only non-blocking operators may read it."""
    return StreamType(False, collection)


# -------------------------------------------------------------------------------------------------
# locations
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Location:
    """Where an operator runs: one process, or every member of a cluster."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}({self.name!r})"


def process(name: str = "main") -> Location:
    return Location("process", name)


def cluster(name: str) -> Location:
    return Location("cluster", name)


@dataclass(frozen=True)
class Watermark:
    """A marker in an event stream: no event with a smaller event time is expected any more."""

    time: float
