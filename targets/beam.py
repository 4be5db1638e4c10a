"""Running Flo graphs on Apache Beam.

`run_beam(graph, inputs)` lowers a graph to a Beam pipeline, runs it, and returns every output as
the interpreter does (`tensflo.ir.flo.run(...).outputs`): sequences as tuples, sets as frozensets,
Z-sets as frozensets of `(value, weight)`, lattice outputs as their join. The default runner is
Beam's embedded Python runner, `FnApiRunner`, in memory with one worker: the pipeline runs inside
this Python process, with no job server, container or JVM, and nothing is downloaded. (Beam's
`DirectRunner` would first try to download and start the Prism runner binary.) Any other runner
(`PortableRunner`, `FlinkRunner`, `SparkRunner`, `DataflowRunner`) and its options are passed
through unchanged (`runner=`, `options=`); `tensflo.targets.beam_portable.LocalCluster` starts a
job service and SDK worker processes for the `PortableRunner` on this machine.

How streams are represented: a sequence is a PCollection of `(position, value)` with positions
tuples of ints that sort in stream order; a set a PCollection of values (repeats allowed, as in
the interpreter); a Z-set one of `(value, weight)`; a lattice stream one of lattice values.
Element-wise operators, union, cross, join, difference, anti-join, keyed folds, distinct,
event-time windows, aggregates of windows, lattice merge and threshold reads become parallel Beam
transforms; keys are grouped by `canonical_key`, which equates the values Python's `==` equates. The
order-dependent operators (folds, sort, count windows, keyed folds emitting updates, integrate,
differentiate) and operators defined
outside tensflo gather their inputs and run the interpreter's own state machine for the operator
in one step, so both engines share one definition of what each operator means. Beam pipelines are
acyclic, so a nest becomes one step too: the interpreter runs it to its fixpoint on everything that
flows into it.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Hashable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

from tensflo.ir.flo import ops
from tensflo.ir.flo.checker import typecheck
from tensflo.ir.flo.graph import Graph, Nest, Stream
from tensflo.ir.flo.interpreter import Runtime, port_inputs
from tensflo.ir.flo.keys import canonical_key
from tensflo.ir.flo.semantics import instantiate
from tensflo.ir.flo.types import SEQ, SET, ZSET, LatticeKind, StreamType, Watermark
from tensflo.ir.flo.windows import per_window
from tensflo.ir.flo.zsets import zset

DEFAULT_RUNNER = "FnApiRunner"
"""Beam's embedded runner: in this process, nothing downloaded or started."""


class BeamLoweringError(Exception):
    """The graph uses something a Beam pipeline cannot express."""


def pipeline_options(runner: str, flags: Sequence[str]) -> Any:
    """Beam `PipelineOptions` for `runner` and the user's flags (`--flink_master=...`); the
    embedded runner runs in memory with one worker unless the flags say otherwise."""
    from apache_beam.options.pipeline_options import PipelineOptions

    flags = list(flags)
    extra: dict[str, Any] = {"runner": runner}
    if runner == DEFAULT_RUNNER:
        given = " ".join(flags)
        if "--direct_running_mode" not in given:
            extra["direct_running_mode"] = "in_memory"
        if "--direct_num_workers" not in given:
            extra["direct_num_workers"] = 1
    return PipelineOptions(flags, **extra)


def run_beam(graph: Graph, inputs: Mapping[str, Sequence[Any]], *,
             runner: str = DEFAULT_RUNNER, options: Sequence[str] = (),
             output_dir: str | None = None) -> dict[str, Hashable]:
    """Run `graph` on `inputs` (port -> elements; bounded ports end) with Beam; its outputs.

    `options` are Beam pipeline flags (`--flink_master=...`). Results are written as files to
    `output_dir` (default: a temporary directory), which every worker of the runner must reach.
    """
    beam = import_beam()

    types = typecheck(graph)
    ports = port_inputs(graph, inputs, types)
    options_ = pipeline_options(runner, options)
    with tempfile.TemporaryDirectory(prefix="tensflo-beam-") as tmp:
        where = output_dir or tmp
        files = {port: os.path.join(where, f"output-{i}") for i, port in enumerate(graph.outputs)}
        with beam.Pipeline(options=options_) as pipeline:
            outputs = lower(graph, {p: items for p, (_, items) in ports.items()}, pipeline, types,
                            spread=runner != DEFAULT_RUNNER)
            for port, pcoll in outputs.items():
                (pcoll
                 | f"encode {port}" >> beam.Map(_encode)
                 | f"write {port}" >> beam.io.WriteToText(files[port], shard_name_template=""))
        return {port: _collect(_read(files[port]), types[graph.outputs[port]])
                for port in graph.outputs}


def lower(graph: Graph, inputs: Mapping[str, Sequence[Any]], pipeline: Any,
          types: Mapping[Stream, StreamType] | None = None, *,
          spread: bool = True) -> dict[str, Any]:
    """Add `graph`, fed by `inputs`, to a Beam `pipeline`; the PCollection of each output.

    `spread` reshuffles the inputs so that a distributed runner shares them among its workers.
    """
    beam = import_beam()
    types = types if types is not None else typecheck(graph)
    region_of = {n: _outermost(n.scope) for n in graph.nodes
                 if n.scope is not None and not isinstance(n.op, ops.Input)}
    members: dict[Nest, list[Stream]] = {}
    for n, region in region_of.items():
        members.setdefault(region, []).append(n)
    deps: dict[Stream | Nest, set[Stream | Nest]] = {}
    for n in graph.nodes:
        unit = region_of.get(n, n)
        deps.setdefault(unit, set()).update(
            region_of.get(i, i) for i in n.inputs if region_of.get(i, i) is not unit)
    try:
        order = list(TopologicalSorter(deps).static_order())
    except CycleError:
        raise BeamLoweringError(f"graph {graph.name!r}: a nest both feeds and reads the same "
                                "operators outside it, so it cannot be one Beam step") from None
    pcolls: dict[Stream, Any] = {}
    for unit in order:
        if isinstance(unit, Nest):
            pcolls.update(_nest(beam, pipeline, graph, unit, members[unit], pcolls, types))
            continue
        node = unit
        if isinstance(node.op, ops.Input):
            items = list(inputs.get(node.op.port, ()))
            if types[node].collection == SEQ:
                items = [((i,), x) for i, x in enumerate(items)]
            pcolls[node] = pipeline | node.label >> _values_of(beam)(items, reshuffle=spread)
            continue
        ins = [pcolls[i] for i in node.inputs]
        in_types = [types[i] for i in node.inputs]
        rule = next((LOWERINGS[c] for c in type(node.op).__mro__ if c in LOWERINGS), None)
        if rule is None:
            pcolls[node] = _sequential(_Labeled(beam, node.label), node.op, ins, in_types,
                                       types[node])
        else:
            with_label = _Labeled(beam, node.label)
            pcolls[node] = rule(with_label, node.op, ins, in_types, types[node])
    return {port: pcolls[s] for port, s in graph.outputs.items()}


def import_beam() -> Any:
    """`apache_beam`, imported without its warnings about optional Google Cloud libraries."""
    logging.disable(logging.WARNING)
    try:
        import apache_beam
    finally:
        logging.disable(logging.NOTSET)
    return apache_beam


@functools.cache
def _values_of(beam: Any) -> Any:
    """`beam.Create` without inferring a type from every element (slow for large inputs)."""

    class Values(beam.Create):
        def infer_output_type(self, unused_input_type: Any) -> Any:
            return beam.typehints.Any

    return Values


# -------------------------------------------------------------------------------------------------
# results
# -------------------------------------------------------------------------------------------------
def _encode(x: Any) -> str:
    return base64.b64encode(pickle.dumps(x)).decode("ascii")


def _read(path: str) -> list[Any]:
    with open(path, encoding="ascii") as f:
        return [pickle.loads(base64.b64decode(line)) for line in f if line.strip()]


def _collect(items: list[Any], t: StreamType) -> Hashable:
    """What the interpreter's snapshot shows for a stream holding these Beam elements."""
    kind = t.collection
    if kind == SEQ:
        return tuple(v for _, v in sorted(items, key=lambda pv: pv[0]))
    if kind == SET:
        return frozenset(items)
    if kind == ZSET:
        return zset(items)
    return kind.normalize(kind.add(kind.empty(), items))


# -------------------------------------------------------------------------------------------------
# parallel lowerings, one per operator class
# -------------------------------------------------------------------------------------------------
class _Labeled:
    """Beam transforms named after the Flo node (`map#3/...`), so every label is unique."""

    def __init__(self, beam: Any, label: str) -> None:
        self.beam, self.label, self.n = beam, label, 0

    def __call__(self, name: str) -> str:
        self.n += 1
        return f"{self.label}/{name}{self.n}"


Lowering = Callable[[_Labeled, Any, list[Any], list[StreamType], StreamType], Any]
LOWERINGS: dict[type[ops.Op], Lowering] = {}


def lowering(*op_classes: type[ops.Op]) -> Callable[[Lowering], Lowering]:
    def register(fn: Lowering) -> Lowering:
        for cls in op_classes:
            LOWERINGS[cls] = fn
        return fn

    return register


@lowering(ops.Map)
def _map(L: _Labeled, op: ops.Map, ins: list[Any], in_types: list[StreamType],
         out: StreamType) -> Any:
    f, kind = op.f, in_types[0].collection
    if kind == SEQ:
        return ins[0] | L("Map") >> L.beam.Map(lambda pv: (pv[0], f(pv[1])))
    if kind == ZSET:
        return ins[0] | L("Map") >> L.beam.Map(lambda vw: (f(vw[0]), vw[1]))
    return ins[0] | L("Map") >> L.beam.Map(f)


@lowering(ops.Filter)
def _filter(L: _Labeled, op: ops.Filter, ins: list[Any], in_types: list[StreamType],
            out: StreamType) -> Any:
    p, kind = op.pred, in_types[0].collection
    if kind in (SEQ, ZSET):
        return ins[0] | L("Filter") >> L.beam.Filter(lambda item: p(item[1] if kind == SEQ
                                                                   else item[0]))
    return ins[0] | L("Filter") >> L.beam.Filter(p)


@lowering(ops.FlatMap)
def _flat_map(L: _Labeled, op: ops.FlatMap, ins: list[Any], in_types: list[StreamType],
              out: StreamType) -> Any:
    f, kind = op.f, in_types[0].collection
    if kind == SEQ:
        return ins[0] | L("FlatMap") >> L.beam.FlatMap(
            lambda pv: [(pv[0] + (j,), y) for j, y in enumerate(f(pv[1]))])
    if kind == ZSET:
        return ins[0] | L("FlatMap") >> L.beam.FlatMap(lambda vw: [(y, vw[1]) for y in f(vw[0])])
    return ins[0] | L("FlatMap") >> L.beam.FlatMap(f)


def _values(L: _Labeled, pcoll: Any, t: StreamType) -> Any:
    """The element values of a sequence or set stream (positions dropped)."""
    if t.collection == SEQ:
        return pcoll | L("Values") >> L.beam.Map(lambda pv: pv[1])
    return pcoll


@lowering(ops.Convert)
def _convert(L: _Labeled, op: ops.Convert, ins: list[Any], in_types: list[StreamType],
             out: StreamType) -> Any:
    values = _values(L, ins[0], in_types[0])
    if op.to == ZSET:
        if in_types[0].collection == SET:
            values = _distinct_values(L, values)
        return values | L("Weight") >> L.beam.Map(lambda v: (v, 1))
    return values


@lowering(ops.Network)
def _network(L: _Labeled, op: ops.Network, ins: list[Any], in_types: list[StreamType],
             out: StreamType) -> Any:
    # placement is the runner's business on Beam: the data moves, the values stay
    return ins[0] | L("Reshuffle") >> L.beam.Reshuffle()


@lowering(ops.Union)
def _union(L: _Labeled, op: ops.Union, ins: list[Any], in_types: list[StreamType],
           out: StreamType) -> Any:
    return tuple(ins) | L("Flatten") >> L.beam.Flatten()


@lowering(ops.Cross)
def _cross(L: _Labeled, op: ops.Cross, ins: list[Any], in_types: list[StreamType],
           out: StreamType) -> Any:
    beam = L.beam
    if in_types[0].collection == ZSET:
        return ins[0] | L("Cross") >> beam.FlatMap(
            lambda a, bs: [((a[0], b[0]), a[1] * b[1]) for b in bs], beam.pvalue.AsList(ins[1]))
    return ins[0] | L("Cross") >> beam.FlatMap(lambda a, bs: [(a, b) for b in bs],
                                               beam.pvalue.AsList(ins[1]))


@lowering(ops.Join)
def _join(L: _Labeled, op: ops.Join, ins: list[Any], in_types: list[StreamType],
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
def _difference(L: _Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
                out: StreamType) -> Any:
    beam = L.beam
    if in_types[0].collection == ZSET:
        negated = ins[1] | L("Negate") >> beam.Map(lambda vw: (vw[0], -vw[1]))
        return (ins[0], negated) | L("Flatten") >> beam.Flatten()
    negative = (_values(L, ins[1], in_types[1])
                | L("AsKeys") >> beam.Map(lambda v: (canonical_key(v), None)))
    anti = isinstance(op, ops.AntiJoin)
    seq = in_types[0].collection == SEQ

    def keep(item: Any, neg: dict[Any, None]) -> bool:
        value = item[1] if seq else item
        return canonical_key(value[0] if anti else value) not in neg

    return ins[0] | L("Filter") >> beam.Filter(keep, beam.pvalue.AsDict(negative))


@lowering(ops.Fold, ops.Reduce)
def _aggregate(L: _Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
               out: StreamType) -> Any:
    if in_types[0].windowed:
        return _per_window(L, op, ins[0])
    return _sequential(L, op, ins, in_types, out)


def _per_window(L: _Labeled, op: ops.Op, windows: Any) -> Any:
    """The aggregate of each closed window, in parallel: it is a function of the window alone."""
    return windows | L("PerWindow") >> L.beam.FlatMap(
        lambda pw: [(pw[0], r) for r in per_window(op, pw[1])])


@lowering(ops.KeyedFold)
def _keyed_fold(L: _Labeled, op: ops.KeyedFold, ins: list[Any], in_types: list[StreamType],
                out: StreamType) -> Any:
    beam: Any = L.beam  # declared: a class below derives from beam.CombineFn
    if op.emit == "final" and in_types[0].windowed:
        return _per_window(L, op, ins[0])
    if op.emit != "final":
        return _sequential(L, op, ins, in_types, out)
    key, init, step = op.key, op.init, op.step
    if in_types[0].collection == SET:
        values = _distinct_values(L, ins[0]) | L("Position") >> beam.Map(lambda v: ((), v))
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
def _distinct(L: _Labeled, op: ops.Distinct, ins: list[Any], in_types: list[StreamType],
              out: StreamType) -> Any:
    beam, kind = L.beam, in_types[0].collection
    if kind == SET:
        return _distinct_values(L, ins[0])
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


def _distinct_values(L: _Labeled, pcoll: Any) -> Any:
    """One of each value (Beam groups by `canonical_key(value)`, so sets may be values)."""
    beam = L.beam
    return (pcoll | L("ByValue") >> beam.Map(lambda v: (canonical_key(v), v))
            | L("GroupByKey") >> beam.GroupByKey()
            | L("One") >> beam.Map(lambda kv: next(iter(kv[1]))))


@lowering(ops.TimeWindow)
def _time_window(L: _Labeled, op: ops.TimeWindow, ins: list[Any], in_types: list[StreamType],
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
def _lattice_read(L: _Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
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


# -------------------------------------------------------------------------------------------------
# nests: the interpreter's fixpoint, in one step
# -------------------------------------------------------------------------------------------------
def _outermost(scope: Nest) -> Nest:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _nest(beam: Any, pipeline: Any, graph: Graph, nest: Nest, nodes: list[Stream],
          pcolls: Mapping[Stream, Any], types: Mapping[Stream, StreamType]) -> dict[Stream, Any]:
    """Lower a nest (with the nests inside it) to one step that runs it to its fixpoint."""
    inside = set(nodes)
    feeds: list[Stream] = []
    for n in nodes:
        feeds.extend(i for i in n.inputs if i not in inside and i not in feeds)
    read_outside = {i for n in graph.nodes if n not in inside for i in n.inputs}
    exits = [n for n in nodes if n in read_outside or n in graph.outputs.values()]

    sub = Graph(f"{graph.name}.{nest.name}")
    copies: dict[Stream, Stream] = {}
    for j, f in enumerate(feeds):
        with sub.at(f.location):
            copies[f] = sub.input(f"in{j}", types[f])
    for n in nodes:
        copies[n] = sub._add(n.op, [], location=n.location, scope=n.scope)
    for n in nodes:
        copies[n].inputs.extend(copies[i] for i in n.inputs)
    for j, e in enumerate(exits):
        sub.output(f"out{j}", copies[e])
    sub_types = typecheck(sub)
    feed_types = [types[f] for f in feeds]
    exit_kinds = [types[e].collection for e in exits]

    def run(_: None, *contents: list[Any]) -> list[tuple[int, Any]]:
        runtime = Runtime(sub, types=sub_types)
        for j, (items, t) in enumerate(zip(contents, feed_types, strict=True)):
            if t.collection == SEQ:
                items = [v for _, v in sorted(items, key=lambda pv: pv[0])]
            if items:
                runtime.push(f"in{j}", items)
        for j, t in enumerate(feed_types):
            if t.bounded:
                runtime.end(f"in{j}")
        tagged: list[tuple[int, Any]] = []
        for j, kind in enumerate(exit_kinds):
            acc = runtime.acc[f"out{j}"]
            if kind == SEQ:
                tagged.extend((j, ((k,), x)) for k, x in enumerate(acc))
            elif kind == SET:
                tagged.extend((j, x) for x in acc)
            elif kind == ZSET:
                tagged.extend((j, vw) for vw in acc.items())
            else:
                tagged.append((j, acc))
        return tagged

    L = _Labeled(beam, f"nest {nest.name}")
    lists = [pcolls[f] | L("Gather") >> beam.combiners.ToList() for f in feeds]
    start = pipeline | L("Start") >> beam.Create([None])
    tagged = start | L("Run") >> beam.FlatMap(run, *(beam.pvalue.AsSingleton(x) for x in lists))
    return {e: (tagged | L("Select") >> beam.Filter(lambda t, j=j: t[0] == j)
                | L("Untag") >> beam.Map(lambda t: t[1]))
            for j, e in enumerate(exits)}


# -------------------------------------------------------------------------------------------------
# the operator's own state machine, in one step
# -------------------------------------------------------------------------------------------------
def _sequential(L: _Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
                out: StreamType) -> Any:
    """Gather the inputs and run the operator's interpreter state machine on them."""
    beam = L.beam
    lists = [pcoll | L("Gather") >> beam.combiners.ToList() for pcoll in ins]
    start = lists[0].pipeline | L("Start") >> beam.Create([None])

    def run(_: None, *contents: list[Any]) -> list[Any]:
        state = instantiate(op, list(in_types), out)
        emitted: list[Any] = []
        for i, (items, t) in enumerate(zip(contents, in_types, strict=True)):
            if t.collection == SEQ:
                items = [v for _, v in sorted(items, key=lambda pv: pv[0])]
            if items:
                emitted.extend(state.push(i, list(items)))
        for i, t in enumerate(in_types):
            if t.bounded:
                emitted.extend(state.end(i))
        if out.collection == SEQ:
            return [((j,), x) for j, x in enumerate(emitted)]
        return emitted

    side = [beam.pvalue.AsSingleton(lst) for lst in lists]
    return start | L("Run") >> beam.FlatMap(run, *side)
