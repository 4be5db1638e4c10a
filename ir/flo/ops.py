"""Flo operators: one class per operator, holding its parameters and its type rule.

Each operator says which stream types it reads (`infer` raises `FloTypeError` otherwise) and which
of its inputs it blocks on (`blocking_inputs`: it waits for their end, so they must be bounded).
How an operator executes lives outside the class: the interpreter's semantics are registered with
`semantics.impl`, the Beam lowering in `tensflo.targets.beam`. A new operator is a subclass of `Op`
plus an `@impl` for it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .types import (
    SEQ,
    SET,
    ZSET,
    Collection,
    FloTypeError,
    LatticeKind,
    Location,
    SeqKind,
    SetKind,
    StreamType,
    ZSetKind,
)

Fn = Callable[..., Any]


def _kinds(*kinds: type[Collection]) -> str:
    return " or ".join(k.name for k in kinds)


@dataclass(frozen=True, eq=False)
class Op:
    """An operator; `arity` is its number of inputs (None: one or more)."""

    name: ClassVar[str] = "op"
    arity: ClassVar[int | None] = 1
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind, LatticeKind)
    """The collection kinds of the first input (the others are checked by `infer`)."""
    same_collection: ClassVar[bool] = False
    """Whether all inputs must carry the same collection (union, cross, join, merge)."""

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        """Indices of the inputs whose end this operator waits for."""
        return ()

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        first = inputs[0].collection
        if not isinstance(first, self.accepts):
            raise FloTypeError(
                f"{self.name} reads {_kinds(*self.accepts)} streams, not {inputs[0]}")
        if self.same_collection:
            _same_collection(self, inputs)

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        """The output type for these input types (after `check_inputs`)."""
        return StreamType(all(t.bounded for t in inputs), inputs[0].collection)

    def label(self) -> str:
        return self.name


def _same_collection(op: Op, inputs: Sequence[StreamType]) -> None:
    first = inputs[0].collection
    for t in inputs[1:]:
        if t.collection != first:
            raise FloTypeError(f"{op.name} reads streams of one collection, not {inputs[0]} and {t}")


# -------------------------------------------------------------------------------------------------
# sources and plumbing
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Input(Op):
    """A named input port of the graph."""

    port: str
    type: StreamType
    name: ClassVar[str] = "input"
    arity: ClassVar[int | None] = 0

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return self.type

    def label(self) -> str:
        return f"input {self.port!r}"


@dataclass(frozen=True, eq=False)
class Defer(Op):
    """A deferred edge inside a `nest`: what is fed in arrives at the next iteration."""

    type: StreamType
    name: ClassVar[str] = "defer"

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        if inputs[0].collection != self.type.collection:
            raise FloTypeError(f"defer of {self.type} is fed a {inputs[0]} stream")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return self.type


@dataclass(frozen=True, eq=False)
class Network(Op):
    """An explicit network edge: the only way for data to move to another location."""

    to: Location
    name: ClassVar[str] = "network"


# -------------------------------------------------------------------------------------------------
# element-wise
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Map(Op):
    """`f(x)` for every element (for Z-sets: `(f(x), w)`)."""

    f: Fn
    name: ClassVar[str] = "map"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind)


@dataclass(frozen=True, eq=False)
class Filter(Op):
    """The elements for which `pred(x)` is true."""

    pred: Fn
    name: ClassVar[str] = "filter"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind)


@dataclass(frozen=True, eq=False)
class FlatMap(Op):
    """Every element of `f(x)`, in order, for every element `x`."""

    f: Fn
    name: ClassVar[str] = "flat_map"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind)


@dataclass(frozen=True, eq=False)
class Convert(Op):
    """The same elements seen as another collection (sequence to set, Z-set or lattice)."""

    to: Collection
    name: ClassVar[str] = "into"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        super().check_inputs(inputs)
        source = inputs[0].collection
        if isinstance(self.to, SeqKind) or (source == SET and self.to == SET):
            raise FloTypeError(f"into({self.to}) cannot convert a {inputs[0]} stream: a set has "
                               "no order to make a sequence from")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded, self.to)

    def label(self) -> str:
        return f"into({self.to})"


# -------------------------------------------------------------------------------------------------
# combining streams
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Union(Op):
    """All elements of all inputs (lattices: their join)."""

    name: ClassVar[str] = "union"
    arity: ClassVar[int | None] = None
    accepts: ClassVar[tuple[type[Collection], ...]] = (SetKind, ZSetKind, LatticeKind)
    same_collection: ClassVar[bool] = True

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        if isinstance(inputs[0].collection, SeqKind):
            raise FloTypeError("union of sequences would depend on arrival order: convert them "
                               "first, e.g. .into(SET) or .into(ZSET)")
        super().check_inputs(inputs)


@dataclass(frozen=True, eq=False)
class Cross(Op):
    """Every pair `(x, y)` of an element of each input (Z-sets: weights multiply)."""

    name: ClassVar[str] = "cross"
    arity: ClassVar[int | None] = 2
    accepts: ClassVar[tuple[type[Collection], ...]] = (SetKind, ZSetKind)
    same_collection: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class Join(Op):
    """Symmetric hash join of `(key, x)` and `(key, y)` pairs into `(key, (x, y))`."""

    name: ClassVar[str] = "join"
    arity: ClassVar[int | None] = 2
    accepts: ClassVar[tuple[type[Collection], ...]] = (SetKind, ZSetKind)
    same_collection: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class Difference(Op):
    """Elements of the first input not in the second; blocks on the second (not for Z-sets)."""

    name: ClassVar[str] = "difference"
    arity: ClassVar[int | None] = 2
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind)

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return () if inputs[0].collection == ZSET else (1,)

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        super().check_inputs(inputs)
        pos, neg = inputs[0].collection, inputs[1].collection
        if (pos == ZSET) != (neg == ZSET) or not isinstance(neg, (SeqKind, SetKind, ZSetKind)):
            raise FloTypeError(f"{self.name} cannot subtract a {inputs[1]} stream from a "
                               f"{inputs[0]} stream")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded and inputs[1].bounded, inputs[0].collection)


@dataclass(frozen=True, eq=False)
class AntiJoin(Op):
    """`(key, x)` pairs of the first input whose key is not in the second; blocks on the second."""

    name: ClassVar[str] = "anti_join"
    arity: ClassVar[int | None] = 2
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return (1,)

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        super().check_inputs(inputs)
        if not isinstance(inputs[1].collection, (SeqKind, SetKind)):
            raise FloTypeError(f"anti_join reads its keys from a Seq or Set stream, not {inputs[1]}")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded and inputs[1].bounded, inputs[0].collection)


# -------------------------------------------------------------------------------------------------
# aggregation
# -------------------------------------------------------------------------------------------------
def _per_window(input: StreamType) -> StreamType | None:
    """The type of an aggregate of each window of a windowed stream (None: not windowed)."""
    return StreamType(input.bounded, SEQ) if input.windowed else None


@dataclass(frozen=True, eq=False)
class Fold(Op):
    """`step(...step(init, x1)..., xn)` once the input ends (sets: each element once); over a
    windowed stream, that of each window as it closes (see `per_window`)."""

    init: Any
    step: Fn
    name: ClassVar[str] = "fold"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return () if inputs[0].windowed else (0,)

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return _per_window(inputs[0]) or StreamType(True, SEQ)


@dataclass(frozen=True, eq=False)
class Reduce(Op):
    """`f(...f(x1, x2)..., xn)` once the input ends; nothing for an empty input; over a windowed
    stream, that of each window as it closes (see `per_window`)."""

    f: Fn
    name: ClassVar[str] = "reduce"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return () if inputs[0].windowed else (0,)

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return _per_window(inputs[0]) or StreamType(True, SEQ)


@dataclass(frozen=True, eq=False)
class KeyedFold(Op):
    """A fold per `key(x)`.

    `emit="final"` waits for the end and emits the set of `(key, acc)` (over a windowed stream:
    that set, as a frozenset, for each window as it closes); `emit="updates"` emits
    `(key, acc)` after every element (sequences only) and so also reads unbounded streams.
    `merge(acc1, acc2)`, when given, combines partial accumulators so that engines may fold in
    parallel; it must be associative with `init` as identity, and make the order of elements
    irrelevant.
    """

    key: Fn
    init: Any
    step: Fn
    emit: str = "final"
    merge: Fn | None = None
    name: ClassVar[str] = "keyed_fold"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def __post_init__(self) -> None:
        if self.emit not in ("final", "updates"):
            raise ValueError(f"keyed_fold emit must be 'final' or 'updates', not {self.emit!r}")

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return (0,) if self.emit == "final" and not inputs[0].windowed else ()

    def check_inputs(self, inputs: Sequence[StreamType]) -> None:
        super().check_inputs(inputs)
        if self.emit == "updates" and inputs[0].collection != SEQ:
            raise FloTypeError(f"keyed_fold(emit='updates') reads Seq streams, not {inputs[0]}")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        if self.emit == "final":
            return _per_window(inputs[0]) or StreamType(True, SET)
        return StreamType(inputs[0].bounded, SEQ)


@dataclass(frozen=True, eq=False)
class Sort(Op):
    """All elements sorted by `key` once the input ends."""

    key: Fn | None = None
    reverse: bool = False
    name: ClassVar[str] = "sort"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind)

    def blocking_inputs(self, inputs: Sequence[StreamType]) -> tuple[int, ...]:
        return (0,)

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(True, SEQ)


@dataclass(frozen=True, eq=False)
class Distinct(Op):
    """Each value once (sequences: first occurrences; Z-sets: weight 1 while positive)."""

    name: ClassVar[str] = "distinct"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind, SetKind, ZSetKind)


# -------------------------------------------------------------------------------------------------
# windows
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """The contents of a closed window: events in arrival order, event times in `[start, end)`."""

    start: float
    end: float
    items: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class CountWindow(Op):
    """Tuples of `size` consecutive elements; a shorter last one when a bounded input ends."""

    size: int
    name: ClassVar[str] = "window"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind,)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"a count window holds at least one element, not {self.size}")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded, SEQ, windowed=True)

    def label(self) -> str:
        return f"window(count={self.size})"


@dataclass(frozen=True, eq=False)
class TimeWindow(Op):
    """Tumbling event-time windows of `size`, closed by `Watermark`s in the stream.

    An event goes to the window `[k*size, (k+1)*size)` holding `time(event)`; a window is emitted
    as a `Window` when a watermark reaches its end (all open ones when a bounded input ends).
    Events of an already closed window are late and dropped.
    """

    size: float
    time: Fn
    name: ClassVar[str] = "window"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind,)

    def __post_init__(self) -> None:
        if not self.size > 0:
            raise ValueError(f"a time window has a positive size, not {self.size}")

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded, SEQ, windowed=True)

    def label(self) -> str:
        return f"window(size={self.size})"


# -------------------------------------------------------------------------------------------------
# lattices (LVars)
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Merge(Op):
    """The join of its lattice inputs so far, emitted whenever it grows."""

    name: ClassVar[str] = "merge"
    arity: ClassVar[int | None] = None
    accepts: ClassVar[tuple[type[Collection], ...]] = (LatticeKind,)
    same_collection: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class Threshold(Op):
    """LVars threshold read: the label of the first activation set the join so far reaches.

    `sets` maps labels to activation values; once the accumulated value is above some value of a
    set, that label is emitted (once). The result is deterministic when values of different sets
    are pairwise incompatible (their join is top); the property checker finds the cases where not.
    """

    sets: Mapping[Hashable, Sequence[Any]] = field(default_factory=dict)
    name: ClassVar[str] = "threshold"
    accepts: ClassVar[tuple[type[Collection], ...]] = (LatticeKind,)

    def infer(self, inputs: Sequence[StreamType]) -> StreamType:
        return StreamType(inputs[0].bounded, SEQ)


# -------------------------------------------------------------------------------------------------
# DBSP: streams whose elements are Z-set values (one per time step)
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Integrate(Op):
    """Running sums of a sequence of Z-set values (DBSP's I)."""

    name: ClassVar[str] = "integrate"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind,)


@dataclass(frozen=True, eq=False)
class Differentiate(Op):
    """Differences of consecutive Z-set values of a sequence (DBSP's D; the first minus empty)."""

    name: ClassVar[str] = "differentiate"
    accepts: ClassVar[tuple[type[Collection], ...]] = (SeqKind,)


BUILTIN_OPS: tuple[type[Op], ...] = (
    Map, Filter, FlatMap, Convert, Union, Cross, Join, Difference, AntiJoin, Fold, Reduce,
    KeyedFold, Sort, Distinct, CountWindow, TimeWindow, Merge, Threshold, Integrate, Differentiate,
    Network, Defer,
)
"""The operators tensflo defines (besides `Input`)."""

