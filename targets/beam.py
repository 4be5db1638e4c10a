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
flows into it. Element-wise lowerings are here, the grouping ones (keys, windows, lattices) in
`tensflo.targets.beam_keyed`, labels, the lowering registry and the one-step runs of the
interpreter in `tensflo.targets.beam_steps`.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import pickle
import tempfile
from collections.abc import Hashable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

from tensflo.ir.flo import ops
from tensflo.ir.flo.checker import typecheck
from tensflo.ir.flo.graph import Graph, Nest, Stream
from tensflo.ir.flo.interpreter import port_inputs
from tensflo.ir.flo.types import SEQ, SET, ZSET, StreamType
from tensflo.ir.flo.zsets import zset
from tensflo.targets import beam_keyed  # noqa: F401  (registers the grouping lowerings)
from tensflo.targets.beam_steps import (
    LOWERINGS,
    Labeled,
    distinct_values,
    lower_nest,
    lowering,
    outermost,
    sequential,
    values_of_elements,
)

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
    region_of = {n: outermost(n.scope) for n in graph.nodes
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
            pcolls.update(lower_nest(beam, pipeline, graph, unit, members[unit], pcolls, types))
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
            pcolls[node] = sequential(Labeled(beam, node.label), node.op, ins, in_types,
                                       types[node])
        else:
            with_label = Labeled(beam, node.label)
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
# element-wise lowerings (the grouping ones are in beam_keyed)
# -------------------------------------------------------------------------------------------------
@lowering(ops.Map)
def _map(L: Labeled, op: ops.Map, ins: list[Any], in_types: list[StreamType],
         out: StreamType) -> Any:
    f, kind = op.f, in_types[0].collection
    if kind == SEQ:
        return ins[0] | L("Map") >> L.beam.Map(lambda pv: (pv[0], f(pv[1])))
    if kind == ZSET:
        return ins[0] | L("Map") >> L.beam.Map(lambda vw: (f(vw[0]), vw[1]))
    return ins[0] | L("Map") >> L.beam.Map(f)


@lowering(ops.Filter)
def _filter(L: Labeled, op: ops.Filter, ins: list[Any], in_types: list[StreamType],
            out: StreamType) -> Any:
    p, kind = op.pred, in_types[0].collection
    if kind in (SEQ, ZSET):
        return ins[0] | L("Filter") >> L.beam.Filter(lambda item: p(item[1] if kind == SEQ
                                                                   else item[0]))
    return ins[0] | L("Filter") >> L.beam.Filter(p)


@lowering(ops.FlatMap)
def _flat_map(L: Labeled, op: ops.FlatMap, ins: list[Any], in_types: list[StreamType],
              out: StreamType) -> Any:
    f, kind = op.f, in_types[0].collection
    if kind == SEQ:
        return ins[0] | L("FlatMap") >> L.beam.FlatMap(
            lambda pv: [(pv[0] + (j,), y) for j, y in enumerate(f(pv[1]))])
    if kind == ZSET:
        return ins[0] | L("FlatMap") >> L.beam.FlatMap(lambda vw: [(y, vw[1]) for y in f(vw[0])])
    return ins[0] | L("FlatMap") >> L.beam.FlatMap(f)


@lowering(ops.Convert)
def _convert(L: Labeled, op: ops.Convert, ins: list[Any], in_types: list[StreamType],
             out: StreamType) -> Any:
    values = values_of_elements(L, ins[0], in_types[0])
    if op.to == ZSET:
        if in_types[0].collection == SET:
            values = distinct_values(L, values)
        return values | L("Weight") >> L.beam.Map(lambda v: (v, 1))
    return values


@lowering(ops.Network)
def _network(L: Labeled, op: ops.Network, ins: list[Any], in_types: list[StreamType],
             out: StreamType) -> Any:
    # placement is the runner's business on Beam: the data moves, the values stay
    return ins[0] | L("Reshuffle") >> L.beam.Reshuffle()


@lowering(ops.Union)
def _union(L: Labeled, op: ops.Union, ins: list[Any], in_types: list[StreamType],
           out: StreamType) -> Any:
    return tuple(ins) | L("Flatten") >> L.beam.Flatten()


@lowering(ops.Cross)
def _cross(L: Labeled, op: ops.Cross, ins: list[Any], in_types: list[StreamType],
           out: StreamType) -> Any:
    beam = L.beam
    if in_types[0].collection == ZSET:
        return ins[0] | L("Cross") >> beam.FlatMap(
            lambda a, bs: [((a[0], b[0]), a[1] * b[1]) for b in bs], beam.pvalue.AsList(ins[1]))
    return ins[0] | L("Cross") >> beam.FlatMap(lambda a, bs: [(a, b) for b in bs],
                                               beam.pvalue.AsList(ins[1]))
