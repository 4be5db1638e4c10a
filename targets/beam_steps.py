"""The Beam lowering's shared parts: transform labels, the registry of parallel lowerings, and the
steps that run the interpreter's own definition in one Beam step (an operator's state machine on its
gathered inputs; a nest run to its fixpoint). The lowerings themselves are in
`tensflo.targets.beam` (element-wise) and `tensflo.targets.beam_keyed` (grouped by key or window).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tensflo.ir.flo import ops
from tensflo.ir.flo.checker import typecheck
from tensflo.ir.flo.graph import Graph, Nest, Stream
from tensflo.ir.flo.interpreter import Runtime
from tensflo.ir.flo.keys import canonical_key
from tensflo.ir.flo.semantics import instantiate
from tensflo.ir.flo.types import SEQ, SET, ZSET, StreamType


class Labeled:
    """Beam transforms named after the Flo node (`map#3/...`), so every label is unique."""

    def __init__(self, beam: Any, label: str) -> None:
        self.beam, self.label, self.n = beam, label, 0

    def __call__(self, name: str) -> str:
        self.n += 1
        return f"{self.label}/{name}{self.n}"


Lowering = Callable[[Labeled, Any, list[Any], list[StreamType], StreamType], Any]
LOWERINGS: dict[type[ops.Op], Lowering] = {}


def lowering(*op_classes: type[ops.Op]) -> Callable[[Lowering], Lowering]:
    def register(fn: Lowering) -> Lowering:
        for cls in op_classes:
            LOWERINGS[cls] = fn
        return fn

    return register



def values_of_elements(L: Labeled, pcoll: Any, t: StreamType) -> Any:
    """The element values of a sequence or set stream (positions dropped)."""
    if t.collection == SEQ:
        return pcoll | L("Values") >> L.beam.Map(lambda pv: pv[1])
    return pcoll


def distinct_values(L: Labeled, pcoll: Any) -> Any:
    """One of each value (Beam groups by `canonical_key(value)`, so sets may be values)."""
    beam = L.beam
    return (pcoll | L("ByValue") >> beam.Map(lambda v: (canonical_key(v), v))
            | L("GroupByKey") >> beam.GroupByKey()
            | L("One") >> beam.Map(lambda kv: next(iter(kv[1]))))


# -------------------------------------------------------------------------------------------------
# nests: the interpreter's fixpoint, in one step
# -------------------------------------------------------------------------------------------------
def outermost(scope: Nest) -> Nest:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def lower_nest(beam: Any, pipeline: Any, graph: Graph, nest: Nest, nodes: list[Stream],
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

    L = Labeled(beam, f"nest {nest.name}")
    lists = [pcolls[f] | L("Gather") >> beam.combiners.ToList() for f in feeds]
    start = pipeline | L("Start") >> beam.Create([None])
    tagged = start | L("Run") >> beam.FlatMap(run, *(beam.pvalue.AsSingleton(x) for x in lists))
    return {e: (tagged | L("Select") >> beam.Filter(lambda t, j=j: t[0] == j)
                | L("Untag") >> beam.Map(lambda t: t[1]))
            for j, e in enumerate(exits)}


# -------------------------------------------------------------------------------------------------
# the operator's own state machine, in one step
# -------------------------------------------------------------------------------------------------
def sequential(L: Labeled, op: ops.Op, ins: list[Any], in_types: list[StreamType],
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
