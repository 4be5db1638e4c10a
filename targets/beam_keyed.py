"""Beam lowerings of the operators that group: joins, differences, keyed folds, distinct,
event-time windows, per-window aggregates and lattice reads. Keys are grouped by `canonical_key`,
which equates the values Python's `==` equates (the interpreter's key equality). Importing this
module registers the lowerings in `tensflo.targets.beam_steps.LOWERINGS`.
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.flo import ops
from tensflo.ir.flo.keys import canonical_key
from tensflo.ir.flo.types import SEQ, SET, ZSET, LatticeKind, StreamType, Watermark
from tensflo.ir.flo.windows import per_window
from tensflo.targets.beam_steps import (
    Labeled,
    distinct_values,
    lowering,
    sequential,
    values_of_elements,
)


@lowering(ops.Join)
def _join(L: Labeled, op: ops.Join, ins: list[Any], in_types: list[StreamType],
          out: StreamType) -> Any:
    beam = L.beam
    if in_types[0].collection == ZSET:
        left = ins[0] | L("KeyLeft") >> beam.Map(lambda e: (canonical_key(e[0][0]), e))
        right = ins[1] | L("KeyRight") >> beam.Map(lambda e: (canonical_key(e[0][0]), e))
        return ((left, right) | L("CoGroup") >> beam.CoGroupByKey()
                | L("Pairs") >> beam.FlatMap(lambda kv: [
                    ((a[0][0], (a[0][1], b[0][1])), a[1] * b[1])
                    for a in kv[1][0] for b in kv[1][1]]))
    left = ins[0] | L("KeyLeft") >> beam.Map(lambda kx: (canonical_key(kx[0]), kx))
    right = ins[1] | L("KeyRight") >> beam.Map(lambda kx: (canonical_key(kx[0]), kx))
    return ((left, right) | L("CoGroup") >> beam.CoGroupByKey()
            | L("Pairs") >> beam.FlatMap(lambda kv: [
                (a[0], (a[1], b[1])) for a in kv[1][0] for b in kv[1][1]]))


@lowering(ops.Difference, ops.AntiJoin)
def _difference(L: Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
                out: StreamType) -> Any:
    beam = L.beam
    if in_types[0].collection == ZSET:
        negated = ins[1] | L("Negate") >> beam.Map(lambda vw: (vw[0], -vw[1]))
        return (ins[0], negated) | L("Flatten") >> beam.Flatten()
    negative = (values_of_elements(L, ins[1], in_types[1])
                | L("AsKeys") >> beam.Map(lambda v: (canonical_key(v), None)))
    anti = isinstance(op, ops.AntiJoin)
    seq = in_types[0].collection == SEQ

    def keep(item: Any, neg: dict[Any, None]) -> bool:
        value = item[1] if seq else item
        return canonical_key(value[0] if anti else value) not in neg

    return ins[0] | L("Filter") >> beam.Filter(keep, beam.pvalue.AsDict(negative))


@lowering(ops.Fold, ops.Reduce)
def _aggregate(L: Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
               out: StreamType) -> Any:
    if in_types[0].windowed:
        return _per_window(L, op, ins[0])
    return sequential(L, op, ins, in_types, out)


def _per_window(L: Labeled, op: ops.Op, windows: Any) -> Any:
    """The aggregate of each closed window, in parallel: it is a function of the window alone."""
    return windows | L("PerWindow") >> L.beam.FlatMap(
        lambda pw: [(pw[0], r) for r in per_window(op, pw[1])])


@lowering(ops.KeyedFold)
def _keyed_fold(L: Labeled, op: ops.KeyedFold, ins: list[Any], in_types: list[StreamType],
                out: StreamType) -> Any:
    beam: Any = L.beam  # declared: a class below derives from beam.CombineFn
    if op.emit == "final" and in_types[0].windowed:
        return _per_window(L, op, ins[0])
    if op.emit != "final":
        return sequential(L, op, ins, in_types, out)
    key, init, step = op.key, op.init, op.step
    if in_types[0].collection == SET:
        values = distinct_values(L, ins[0]) | L("Position") >> beam.Map(lambda v: ((), v))
    else:
        values = ins[0]

    def with_key(pv: tuple[Any, Any]) -> tuple[Any, tuple[Any, Any]]:
        k = key(pv[1])
        return (canonical_key(k), (k, pv))

    keyed = values | L("Key") >> beam.Map(with_key)
    if op.merge is not None:
        merge = op.merge

        class Fold(beam.CombineFn):
            """Accumulators carry the key (None until the first element)."""

            def create_accumulator(self) -> Any:
                return (None, init)

            def add_input(self, acc: Any, item: Any) -> Any:
                return (item[0], step(acc[1], item[1][1]))

            def merge_accumulators(self, accs: Any) -> Any:
                accs = iter(accs)
                k, acc = next(accs, (None, init))
                for other_key, other in accs:
                    k = k if k is not None else other_key
                    acc = merge(acc, other)
                return (k, acc)

            def extract_output(self, acc: Any) -> Any:
                return acc

        return (keyed | L("CombinePerKey") >> beam.CombinePerKey(Fold())
                | L("Result") >> beam.Map(lambda ck: ck[1]))

    def fold(kv: tuple[Any, Any]) -> tuple[Any, Any]:
        items = sorted(kv[1], key=lambda item: item[1][0])
        acc = init
        for _, (_, v) in items:
            acc = step(acc, v)
        return (items[0][0], acc)

    return keyed | L("GroupByKey") >> beam.GroupByKey() | L("Fold") >> beam.Map(fold)


@lowering(ops.Distinct)
def _distinct(L: Labeled, op: ops.Distinct, ins: list[Any], in_types: list[StreamType],
              out: StreamType) -> Any:
    beam, kind = L.beam, in_types[0].collection
    if kind == SET:
        return distinct_values(L, ins[0])
    if kind == ZSET:
        return (ins[0] | L("ByValue") >> beam.Map(lambda vw: (canonical_key(vw[0]), vw))
                | L("GroupByKey") >> beam.GroupByKey()
                | L("Weight") >> beam.Map(_total_weight)
                | L("Positive") >> beam.Filter(lambda vw: vw[1] > 0)
                | L("One") >> beam.Map(lambda vw: (vw[0], 1)))
    # a sequence keeps the first occurrence of each value, where it was
    return (ins[0] | L("ByValue") >> beam.Map(lambda pv: (canonical_key(pv[1]), pv))
            | L("GroupByKey") >> beam.GroupByKey()
            | L("First") >> beam.Map(lambda kv: min(kv[1], key=lambda pv: pv[0])))


def _total_weight(kv: tuple[Any, Any]) -> tuple[Any, int]:
    entries = list(kv[1])
    return (entries[0][0], sum(w for _, w in entries))


@lowering(ops.TimeWindow)
def _time_window(L: Labeled, op: ops.TimeWindow, ins: list[Any], in_types: list[StreamType],
                 out: StreamType) -> Any:
    """Event-time windows in parallel: the watermarks (few) are a side input; events are grouped
    by window. An event is late when a watermark before it has passed its window's end; a window
    is emitted at the first watermark that reaches its end (or at the end of a bounded input),
    and placed in the stream at that watermark's position, then by start."""
    beam = L.beam
    size, time, bounded = op.size, op.time, in_types[0].bounded
    marks = (ins[0] | L("Watermarks") >> beam.Filter(lambda pv: isinstance(pv[1], Watermark))
             | L("Marks") >> beam.Map(lambda pv: (pv[0], pv[1].time)))

    def assign(pv: tuple[Any, Any], marks: list[tuple[Any, float]]) -> list[Any]:
        position, event = pv
        t = time(event)
        start = t - t % size
        if any(p < position and mark >= start + size for p, mark in marks):
            return []  # late
        return [(canonical_key(start), (start, pv))]

    def close(kv: tuple[Any, Any], marks: list[tuple[Any, float]]) -> list[Any]:
        entries = sorted(kv[1], key=lambda item: item[1][0])
        start = entries[0][0]
        firing = sorted(p for p, mark in marks if mark >= start + size)
        if firing:
            at = firing[0]
        elif bounded:
            at = (float("inf"),)
        else:
            return []  # still open
        window = ops.Window(start, start + size, tuple(e for _, (_, e) in entries))
        return [(at + (start,), window)]

    events = ins[0] | L("Events") >> beam.Filter(lambda pv: not isinstance(pv[1], Watermark))
    side = beam.pvalue.AsList(marks)
    return (events | L("Assign") >> beam.FlatMap(assign, side)
            | L("GroupByKey") >> beam.GroupByKey()
            | L("Close") >> beam.FlatMap(close, side))


@lowering(ops.Merge, ops.Threshold)
def _lattice_read(L: Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
                  out: StreamType) -> Any:
    beam = L.beam
    kind = in_types[0].collection
    assert isinstance(kind, LatticeKind)
    lat = kind.lattice
    joined = ((tuple(ins) | L("Flatten") >> beam.Flatten()) if len(ins) > 1 else ins[0])

    def join_all(values: Any) -> Any:
        acc = lat.bottom
        for v in values:
            acc = lat.join(acc, v)
        return acc

    if not isinstance(op, ops.Threshold):
        return joined | L("Join") >> beam.CombineGlobally(join_all)  # a merge
    # a read fires on what was written: an empty input (no write) reads nothing, as on the
    # interpreter, even when the bottom value reaches an activation
    total = joined | L("Join") >> beam.CombineGlobally(join_all).without_defaults()
    sets = op.sets

    def read(acc: Any) -> list[Any]:
        for label, activations in sets.items():
            if any(lat.leq(a, acc) for a in activations):
                return [((0,), label)]
        return []

    return total | L("Read") >> beam.FlatMap(read)

