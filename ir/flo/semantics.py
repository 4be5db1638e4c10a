"""Incremental semantics of each operator, for the reference interpreter.

An operator runs as a state machine: `push(i, batch)` receives a batch on input `i` and returns
the elements it emits now; `end(i)` says input `i` has ended and returns what that releases.
Set streams may repeat an element; operators that count or pair elements (cross, join, folds,
sort, distinct) take each element of a set once. Register the state machine of a new operator with
`@impl(MyOp)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import ops
from .types import SET, ZSET, LatticeKind, StreamType, Watermark
from .windows import per_window
from .zsets import zset_minus, zset_plus

Batch = list[Any]


class OpState:
    """The running state of one operator node."""

    def __init__(self, op: Any, inputs: list[StreamType], output: StreamType) -> None:
        self.op = op
        self.inputs = inputs
        self.output = output

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        raise NotImplementedError

    def end(self, index: int) -> Iterable[Any]:
        return ()


StateFactory = Callable[[Any, list[StreamType], StreamType], OpState]
IMPLS: dict[type[ops.Op], StateFactory] = {}
"""The interpreter's state machine for each operator class."""


def impl(op_class: type[ops.Op]) -> Callable[[StateFactory], StateFactory]:
    """Register the state machine of an operator class (a class taking `(op, inputs, output)`)."""

    def register(factory: StateFactory) -> StateFactory:
        IMPLS[op_class] = factory
        return factory

    return register


def instantiate(op: ops.Op, inputs: list[StreamType], output: StreamType) -> OpState:
    for cls in type(op).__mro__:
        if cls in IMPLS:
            return IMPLS[cls](op, inputs, output)
    raise NotImplementedError(f"operator {op.name!r} ({type(op).__name__}) has no interpreter "
                              "semantics: register one with @semantics.impl")


class _Once:
    """The elements of a set stream not seen before (everything, for other kinds)."""

    def __init__(self, dedupe: bool) -> None:
        self.seen: set[Any] | None = set() if dedupe else None

    def new(self, batch: Iterable[Any]) -> list[Any]:
        if self.seen is None:
            return list(batch)
        out = []
        for x in batch:
            if x not in self.seen:
                self.seen.add(x)
                out.append(x)
        return out


# -------------------------------------------------------------------------------------------------
# element-wise and plumbing
# -------------------------------------------------------------------------------------------------
@impl(ops.Map)
class _Map(OpState):
    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        f = self.op.f
        if self.inputs[0].collection == ZSET:
            return [(f(v), w) for v, w in batch]
        return [f(x) for x in batch]


@impl(ops.Filter)
class _Filter(OpState):
    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        p = self.op.pred
        if self.inputs[0].collection == ZSET:
            return [(v, w) for v, w in batch if p(v)]
        return [x for x in batch if p(x)]


@impl(ops.FlatMap)
class _FlatMap(OpState):
    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        f = self.op.f
        if self.inputs[0].collection == ZSET:
            return [(y, w) for v, w in batch for y in f(v)]
        return [y for x in batch for y in f(x)]


@impl(ops.Convert)
class _Convert(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.once = _Once(self.inputs[0].collection == SET)

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.op.to == ZSET:
            return [(x, 1) for x in self.once.new(batch)]
        return batch


@impl(ops.Network)
@impl(ops.Union)
class _Pass(OpState):
    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        return batch


@impl(ops.Defer)
class DeferState(OpState):
    """Holds what is fed in until the interpreter starts the next iteration (`release`)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.once = _Once(self.output.collection == SET)
        self.held: list[Any] = []

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        self.held.extend(self.once.new(batch))
        return ()

    def release(self) -> list[Any]:
        out, self.held = self.held, []
        return out


# -------------------------------------------------------------------------------------------------
# combining
# -------------------------------------------------------------------------------------------------
class _Symmetric(OpState):
    """Both inputs kept (each set element once); a new batch meets everything from the other."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.zset = self.inputs[0].collection == ZSET
        dedupe = self.inputs[0].collection == SET
        self.once = (_Once(dedupe), _Once(dedupe))
        self.seen: tuple[list[Any], list[Any]] = ([], [])

    def pairs(self, index: int, batch: Batch) -> list[tuple[Any, Any]]:
        new = self.once[index].new(batch)
        other = self.seen[1 - index]
        self.seen[index].extend(new)
        if index == 0:
            return [(a, b) for a in new for b in other]
        return [(a, b) for b in new for a in other]


@impl(ops.Cross)
class _Cross(_Symmetric):
    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.zset:
            return [((a, b), wa * wb) for (a, wa), (b, wb) in self.pairs(index, batch)]
        return self.pairs(index, batch)


@impl(ops.Join)
class _Join(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.zset = self.inputs[0].collection == ZSET
        dedupe = self.inputs[0].collection == SET
        self.once = (_Once(dedupe), _Once(dedupe))
        self.tables: tuple[dict[Any, list[Any]], dict[Any, list[Any]]] = ({}, {})

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        mine, other = self.tables[index], self.tables[1 - index]
        out = []
        for item in self.once[index].new(batch):
            if self.zset:
                (k, x), w = item
                mine.setdefault(k, []).append((x, w))
                for y, wy in other.get(k, ()):
                    pair = (x, y) if index == 0 else (y, x)
                    out.append(((k, pair), w * wy))
            else:
                k, x = item
                mine.setdefault(k, []).append(x)
                for y in other.get(k, ()):
                    out.append((k, (x, y) if index == 0 else (y, x)))
        return out


@impl(ops.Difference)
@impl(ops.AntiJoin)
class _Difference(OpState):
    """Buffers the positive side until the negative side ends (Z-sets: subtracts at once)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.zset = self.inputs[0].collection == ZSET
        self.key: Callable[[Any], Any] = (lambda x: x[0]) if isinstance(self.op, ops.AntiJoin) \
            else (lambda x: x)
        self.negative: set[Any] = set()
        self.negative_done = False
        self.held: list[Any] = []

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.zset:
            return batch if index == 0 else [(v, -w) for v, w in batch]
        if index == 1:
            self.negative.update(batch)
            return ()
        if not self.negative_done:
            self.held.extend(batch)
            return ()
        return [x for x in batch if self.key(x) not in self.negative]

    def end(self, index: int) -> Iterable[Any]:
        if index != 1 or self.zset:
            return ()
        self.negative_done = True
        out = [x for x in self.held if self.key(x) not in self.negative]
        self.held = []
        return out


# -------------------------------------------------------------------------------------------------
# aggregation
# -------------------------------------------------------------------------------------------------
class _Buffered(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.once = _Once(self.inputs[0].collection == SET)
        self.items: list[Any] = []

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        self.items.extend(self.once.new(batch))
        return ()


class _Aggregate(_Buffered):
    """A fold or reduce: of the whole input at its end, or of each window of a windowed input."""

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.inputs[0].windowed:
            return [r for window in batch for r in per_window(self.op, window)]
        return super().push(index, batch)


@impl(ops.Fold)
class _Fold(_Aggregate):
    def end(self, index: int) -> Iterable[Any]:
        if self.inputs[0].windowed:
            return ()
        acc = self.op.init
        for x in self.items:
            acc = self.op.step(acc, x)
        return [acc]


@impl(ops.Reduce)
class _Reduce(_Aggregate):
    def end(self, index: int) -> Iterable[Any]:
        if self.inputs[0].windowed or not self.items:
            return ()
        acc = self.items[0]
        for x in self.items[1:]:
            acc = self.op.f(acc, x)
        return [acc]


@impl(ops.Sort)
class _Sort(_Buffered):
    def end(self, index: int) -> Iterable[Any]:
        return sorted(self.items, key=self.op.key, reverse=self.op.reverse)


@impl(ops.KeyedFold)
class _KeyedFold(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.once = _Once(self.inputs[0].collection == SET)
        self.acc: dict[Any, Any] = {}

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.inputs[0].windowed and self.op.emit == "final":
            return [r for window in batch for r in per_window(self.op, window)]
        key, step, init, acc = self.op.key, self.op.step, self.op.init, self.acc
        updates = self.op.emit == "updates"
        out = []
        for x in self.once.new(batch):
            k = key(x)
            a = acc[k] = step(acc.get(k, init), x)
            if updates:
                out.append((k, a))
        return out

    def end(self, index: int) -> Iterable[Any]:
        final = self.op.emit == "final" and not self.inputs[0].windowed
        return list(self.acc.items()) if final else ()


@impl(ops.Distinct)
class _Distinct(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.once = _Once(True)
        self.weights: dict[Any, int] = {}

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.inputs[0].collection != ZSET:
            return self.once.new(batch)
        out = []
        for v, w in batch:
            old = self.weights.get(v, 0)
            new = old + w
            if new:
                self.weights[v] = new
            else:
                self.weights.pop(v, None)
            if (old > 0) != (new > 0):
                out.append((v, 1 if new > 0 else -1))
        return out


# -------------------------------------------------------------------------------------------------
# windows
# -------------------------------------------------------------------------------------------------
@impl(ops.CountWindow)
class _CountWindow(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.current: list[Any] = []

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        out = []
        for x in batch:
            self.current.append(x)
            if len(self.current) == self.op.size:
                out.append(tuple(self.current))
                self.current = []
        return out

    def end(self, index: int) -> Iterable[Any]:
        if not self.inputs[0].bounded:  # an unbounded stream may go on: keep the window open
            return ()
        rest, self.current = self.current, []
        return [tuple(rest)] if rest else ()


@impl(ops.TimeWindow)
class _TimeWindow(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.watermark = float("-inf")
        self.open: dict[float, list[Any]] = {}

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        size = self.op.size
        out: list[Any] = []
        for x in batch:
            if isinstance(x, Watermark):
                if x.time > self.watermark:
                    self.watermark = x.time
                    out.extend(self._close(lambda start: start + size <= self.watermark))
                continue
            t = self.op.time(x)
            start = t - t % size
            if start + size > self.watermark:  # else late: its window is already closed
                self.open.setdefault(start, []).append(x)
        return out

    def _close(self, done: Callable[[float], bool]) -> list[ops.Window]:
        closing = sorted(s for s in self.open if done(s))
        return [ops.Window(s, s + self.op.size, tuple(self.open.pop(s))) for s in closing]

    def end(self, index: int) -> Iterable[Any]:
        return self._close(lambda start: True) if self.inputs[0].bounded else ()


# -------------------------------------------------------------------------------------------------
# lattices and Z-set steps
# -------------------------------------------------------------------------------------------------
@impl(ops.Merge)
class _Merge(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.kind = self.inputs[0].collection
        self.acc = self.kind.empty()

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        new = self.kind.add(self.acc, batch)
        grew = self.kind.normalize(new) != self.kind.normalize(self.acc)
        self.acc = new
        return [new] if grew else ()


@impl(ops.Threshold)
class _Threshold(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        kind = self.inputs[0].collection
        assert isinstance(kind, LatticeKind)  # the checker admits lattice inputs only
        self.lattice = kind.lattice
        self.acc = self.lattice.bottom
        self.fired = False

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        if self.fired:
            return ()
        for x in batch:
            self.acc = self.lattice.join(self.acc, x)
        for label, activations in self.op.sets.items():
            if any(self.lattice.leq(a, self.acc) for a in activations):
                self.fired = True
                return [label]
        return ()


@impl(ops.Integrate)
class _Integrate(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.sum: frozenset[Any] = frozenset()

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        out = []
        for x in batch:
            self.sum = zset_plus(self.sum, x)
            out.append(self.sum)
        return out


@impl(ops.Differentiate)
class _Differentiate(OpState):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.previous: frozenset[Any] = frozenset()

    def push(self, index: int, batch: Batch) -> Iterable[Any]:
        out = []
        for x in batch:
            out.append(zset_minus(x, self.previous))
            self.previous = x
        return out


