"""Building Flo graphs: a fluent API over streams, nests with deferred edges, and composition.

```python
g = Graph("clicks")
clicks = g.input("clicks", unbounded(SEQ))
g.output("per_user", clicks.map(lambda c: (c.user, 1)).keyed_fold(
    key=lambda kv: kv[0], init=0, step=lambda n, kv: n + kv[1], emit="updates"))
```
Every operator node is a `Stream` (its output); nodes are mutable and compared by identity.
Types are checked by `checker.typecheck`, which every runner calls first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import ops
from .types import Collection, Location, StreamType, process


@dataclass(eq=False)
class Nest:
    """A nested scope whose cycles are closed by deferred edges; runs each input to a fixpoint."""

    name: str
    graph: Graph
    parent: Nest | None = None
    max_iterations: int = 1000

    def defer(self, type: StreamType) -> Stream:
        """A loop-carried stream: `feed` it later; values fed arrive at the next iteration."""
        return self.graph._add(ops.Defer(type), [], scope=self)


@dataclass(eq=False)
class Stream:
    """An operator node of a graph, and the stream it outputs."""

    op: ops.Op
    inputs: list[Stream]
    graph: Graph
    id: int
    location: Location
    scope: Nest | None = None

    def __repr__(self) -> str:
        return f"<{self.label}>"

    @property
    def label(self) -> str:
        """How messages name the node: `map#3`, `input 'events'`."""
        if isinstance(self.op, ops.Input):
            return self.op.label()
        return f"{self.op.label()}#{self.id}"

    def _then(self, op: ops.Op, *others: Stream) -> Stream:
        for other in others:
            if other.graph is not self.graph:
                raise ValueError(f"{other!r} belongs to graph {other.graph.name!r}, "
                                 f"not {self.graph.name!r}: use Graph.include to compose graphs")
        return self.graph._add(op, [self, *others])

    def apply(self, op: ops.Op, *others: Stream) -> Stream:
        """Apply any operator (a user-defined `Op` subclass too) to this stream and `others`."""
        return self._then(op, *others)

    # element-wise ------------------------------------------------------------------------------
    def map(self, f: Callable[[Any], Any]) -> Stream:
        return self._then(ops.Map(f))

    def filter(self, pred: Callable[[Any], bool]) -> Stream:
        return self._then(ops.Filter(pred))

    def flat_map(self, f: Callable[[Any], Any]) -> Stream:
        return self._then(ops.FlatMap(f))

    def into(self, collection: Collection) -> Stream:
        """The same elements as another collection (e.g. a sequence as a set)."""
        return self._then(ops.Convert(collection))

    def send_to(self, location: Location) -> Stream:
        """An explicit network edge to `location`; the result lives there."""
        return self.graph._add(ops.Network(location), [self], location=location)

    # combining ---------------------------------------------------------------------------------
    def union(self, *others: Stream) -> Stream:
        return self._then(ops.Union(), *others)

    def cross(self, other: Stream) -> Stream:
        return self._then(ops.Cross(), other)

    def join(self, other: Stream) -> Stream:
        return self._then(ops.Join(), other)

    def difference(self, other: Stream) -> Stream:
        return self._then(ops.Difference(), other)

    def anti_join(self, keys: Stream) -> Stream:
        return self._then(ops.AntiJoin(), keys)

    # aggregation -------------------------------------------------------------------------------
    def fold(self, init: Any, step: Callable[[Any, Any], Any]) -> Stream:
        return self._then(ops.Fold(init, step))

    def reduce(self, f: Callable[[Any, Any], Any]) -> Stream:
        return self._then(ops.Reduce(f))

    def keyed_fold(self, key: Callable[[Any], Hashable], init: Any,
                   step: Callable[[Any, Any], Any], emit: str = "final",
                   merge: Callable[[Any, Any], Any] | None = None) -> Stream:
        return self._then(ops.KeyedFold(key, init, step, emit, merge))

    def sort(self, key: Callable[[Any], Any] | None = None, reverse: bool = False) -> Stream:
        return self._then(ops.Sort(key, reverse))

    def distinct(self) -> Stream:
        return self._then(ops.Distinct())

    def window(self, count: int | None = None, *, size: float | None = None,
               time: Callable[[Any], float] | None = None) -> Stream:
        """Tumbling windows by `count` elements, or by event `time` of width `size`."""
        if (count is None) == (size is None) or (size is None) != (time is None):
            raise ValueError("window takes either count=N or size=S with time=F")
        if count is not None:
            return self._then(ops.CountWindow(count))
        assert size is not None and time is not None
        return self._then(ops.TimeWindow(size, time))

    # lattices and Z-set steps ------------------------------------------------------------------
    def merge(self, *others: Stream) -> Stream:
        return self._then(ops.Merge(), *others)

    def threshold(self, sets: Mapping[Hashable, Sequence[Any]]) -> Stream:
        return self._then(ops.Threshold(dict(sets)))

    def integrate(self) -> Stream:
        return self._then(ops.Integrate())

    def differentiate(self) -> Stream:
        return self._then(ops.Differentiate())

    # nests ---------------------------------------------------------------------------------------
    def feed(self, source: Stream) -> None:
        """Close a deferred edge made by `Nest.defer`: `source` flows into it."""
        if not isinstance(self.op, ops.Defer):
            raise ValueError(f"only a deferred stream can be fed, not {self.label}")
        if self.inputs:
            raise ValueError(f"{self.label} is already fed by {self.inputs[0].label}")
        if source.graph is not self.graph:
            raise ValueError(f"{source!r} belongs to another graph")
        self.inputs.append(source)


@dataclass(eq=False)
class Graph:
    """A Flo graph: named inputs, operators, named outputs."""

    name: str = "flo"
    location: Location = field(default_factory=process)
    """The location of new operators (see `at`)."""
    nodes: list[Stream] = field(default_factory=list)
    inputs: dict[str, Stream] = field(default_factory=dict)
    outputs: dict[str, Stream] = field(default_factory=dict)
    _scope: Nest | None = None

    def _add(self, op: ops.Op, inputs: list[Stream], *, location: Location | None = None,
             scope: Nest | None = None) -> Stream:
        node = Stream(op, inputs, self, len(self.nodes), location or self.location,
                      scope or self._scope)
        self.nodes.append(node)
        return node

    def input(self, port: str, type: StreamType) -> Stream:
        """A new input port of the given type."""
        if port in self.inputs:
            raise ValueError(f"graph {self.name!r} already has an input {port!r}")
        node = self._add(ops.Input(port, type), [])
        self.inputs[port] = node
        return node

    def output(self, port: str, stream: Stream) -> Stream:
        """Make `stream` an output of the graph under the name `port`."""
        if port in self.outputs:
            raise ValueError(f"graph {self.name!r} already has an output {port!r}")
        if stream.graph is not self:
            raise ValueError(f"{stream!r} belongs to graph {stream.graph.name!r}")
        self.outputs[port] = stream
        return stream

    @contextmanager
    def at(self, location: Location) -> Iterator[None]:
        """Operators made inside the block run at `location`."""
        saved, self.location = self.location, location
        try:
            yield
        finally:
            self.location = saved

    @contextmanager
    def nest(self, name: str = "nest", max_iterations: int = 1000) -> Iterator[Nest]:
        """A nested scope: cycles inside it must go through its `defer` streams."""
        scope = Nest(name, self, self._scope, max_iterations)
        saved, self._scope = self._scope, scope
        try:
            yield scope
        finally:
            self._scope = saved

    def include(self, other: Graph, **bindings: Stream) -> dict[str, Stream]:
        """Copy `other` into this graph, its inputs bound to the given streams; its outputs."""
        missing = set(other.inputs) - set(bindings)
        extra = set(bindings) - set(other.inputs)
        if missing or extra:
            raise ValueError(f"include({other.name!r}) binds inputs {sorted(other.inputs)}; "
                             f"missing {sorted(missing)}, unknown {sorted(extra)}")
        copies: dict[int, Stream] = {}
        nests: dict[int, Nest] = {}

        def copy_nest(n: Nest | None) -> Nest | None:
            if n is None:
                return self._scope
            if id(n) not in nests:
                nests[id(n)] = Nest(f"{other.name}.{n.name}", self, copy_nest(n.parent),
                                    n.max_iterations)
            return nests[id(n)]

        for node in other.nodes:
            if isinstance(node.op, ops.Input):
                copies[node.id] = bindings[node.op.port]
                continue
            copies[node.id] = self._add(node.op, [], location=node.location,
                                        scope=copy_nest(node.scope))
        for node in other.nodes:
            if not isinstance(node.op, ops.Input):
                copies[node.id].inputs.extend(copies[i.id] for i in node.inputs)
        return {port: copies[s.id] for port, s in other.outputs.items()}
