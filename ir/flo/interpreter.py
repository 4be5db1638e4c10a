"""The reference interpreter: runs a graph on its inputs, one schedule event at a time.

After each event the graph runs to quiescence: every batch in flight is delivered (first come,
first served, or in a seeded random order across edges; each edge stays in order), and then the
deferred edges of nests release what they hold, as the next iteration, until a fixpoint. The value
of an output is everything emitted on it so far, built up as its collection (`Runtime.snapshot`).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import ops
from .checker import typecheck
from .graph import Graph, Stream
from .schedulers import Event, InOrder, Schedule, Scheduler
from .semantics import DeferState, OpState, instantiate
from .types import StreamType

_END = object()


class FloRuntimeError(Exception):
    """A graph failed while running (a nest without fixpoint, an input on an ended port, ...)."""


class Runtime:
    """One run of a graph: feed it with `push`/`end` (or `apply`), read it with `snapshot`."""

    def __init__(self, graph: Graph, *, types: Mapping[Stream, StreamType] | None = None,
                 internal_seed: int | None = None) -> None:
        self.graph = graph
        self.types = dict(types) if types is not None else typecheck(graph)
        self.states: dict[Stream, OpState] = {
            n: instantiate(n.op, [self.types[i] for i in n.inputs], self.types[n])
            for n in graph.nodes if not isinstance(n.op, ops.Input)
        }
        self.users: dict[Stream, list[tuple[Stream, int]]] = {n: [] for n in graph.nodes}
        for n in graph.nodes:
            for i, source in enumerate(n.inputs):
                self.users[source].append((n, i))
        self.ports_of: dict[Stream, list[str]] = {}
        for port, s in graph.outputs.items():
            self.ports_of.setdefault(s, []).append(port)
        self.kinds = {port: self.types[s].collection for port, s in graph.outputs.items()}
        self.acc = {port: kind.empty() for port, kind in self.kinds.items()}
        self.ended: dict[Stream, set[int]] = {n: set() for n in graph.nodes}
        self.closed: set[str] = set()
        self.defers = [n for n in graph.nodes if isinstance(n.op, ops.Defer)]
        self.deferred = {d: state for d in self.defers
                         if isinstance(state := self.states[d], DeferState)}
        self.max_iterations = min((n.scope.max_iterations for n in self.defers if n.scope),
                                  default=0)
        self.rng = random.Random(internal_seed) if internal_seed is not None else None
        self.queue: deque[tuple[Stream, int, Any]] = deque()
        self.edges: dict[tuple[Stream, int], deque[Any]] = {}

    # feeding -----------------------------------------------------------------------------------
    def push(self, port: str, batch: Iterable[Any]) -> None:
        """Deliver a batch on an input port and run to quiescence."""
        node = self._port(port)
        if port in self.closed:
            raise FloRuntimeError(f"input {port!r} has already ended")
        self._emit(node, list(batch))
        self._quiesce()

    def end(self, port: str) -> None:
        """End a bounded input port and run to quiescence."""
        node = self._port(port)
        if not self.types[node].bounded:
            raise FloRuntimeError(f"input {port!r} is unbounded: it never ends")
        if port not in self.closed:
            self.closed.add(port)
            self._emit(node, _END)
            self._quiesce()

    def probe_end(self, port: str) -> None:
        """End an input port even if it is unbounded (the eager-execution check asks what that
        would release: for an unbounded port, the answer must be nothing)."""
        node = self._port(port)
        if port not in self.closed:
            self.closed.add(port)
            self._emit(node, _END)
            self._quiesce()

    def apply(self, event: Event) -> None:
        if event.batch is None:
            self.end(event.port)
        else:
            self.push(event.port, event.batch)

    def snapshot(self) -> dict[str, Hashable]:
        """Every output's value so far, normalized for comparison."""
        return {port: self.kinds[port].normalize(acc) for port, acc in self.acc.items()}

    def _port(self, port: str) -> Stream:
        try:
            return self.graph.inputs[port]
        except KeyError:
            raise FloRuntimeError(f"graph {self.graph.name!r} has no input {port!r} "
                                  f"(inputs: {', '.join(self.graph.inputs) or 'none'})") from None

    # running -----------------------------------------------------------------------------------
    def _emit(self, node: Stream, batch: Any) -> None:
        if batch is not _END:
            if not batch:
                return
            for port in self.ports_of.get(node, ()):
                self.acc[port] = self.kinds[port].add(self.acc[port], batch)
        for user, index in self.users[node]:
            if self.rng is None:
                self.queue.append((user, index, batch))
            else:
                self.edges.setdefault((user, index), deque()).append(batch)

    def _next(self) -> tuple[Stream, int, Any] | None:
        if self.rng is None:
            return self.queue.popleft() if self.queue else None
        live = [e for e, q in self.edges.items() if q]
        if not live:
            return None
        edge = live[self.rng.randrange(len(live))]
        return (*edge, self.edges[edge].popleft())

    def _quiesce(self) -> None:
        iterations = 0
        while True:
            while (message := self._next()) is not None:
                self._deliver(*message)
            held = [(d, state.release()) for d, state in self.deferred.items()]
            held = [(d, batch) for d, batch in held if batch]
            if not held:
                return
            iterations += 1
            if iterations > self.max_iterations:
                names = sorted({d.scope.name for d, _ in held if d.scope})
                raise FloRuntimeError(f"nest {', '.join(names)} reached no fixpoint in "
                                      f"{self.max_iterations} iterations")
            for d, batch in held:
                self._emit(d, batch)

    def _deliver(self, node: Stream, index: int, batch: Any) -> None:
        state = self.states[node]
        if batch is _END:
            self.ended[node].add(index)
            self._emit(node, list(state.end(index)))
            if len(self.ended[node]) == len(node.inputs) and not isinstance(state, DeferState):
                self._emit(node, _END)
        else:
            self._emit(node, list(state.push(index, batch)))


class ScheduleDependenceError(FloRuntimeError):
    """Two schedules of one run gave different outputs."""


@dataclass(frozen=True)
class RunResult:
    """The outputs of a run, the schedule it followed (the first, when several ran) and how
    many schedules ran (all giving these outputs)."""

    outputs: dict[str, Hashable]
    schedule: Schedule
    schedules: int = 1


def run(graph: Graph, inputs: Mapping[str, Sequence[Any]], *,
        scheduler: Scheduler | None = None, schedule: Schedule | None = None) -> RunResult:
    """Run `graph` on `inputs` (port -> elements) under every schedule of `scheduler` (default:
    in order, one element per batch) or under the given `schedule`; bounded ports end.

    When the scheduler yields several schedules (`Exhaustive()`, `RandomSchedules(count=n)`)
    each one runs, and `ScheduleDependenceError` names two that give different outputs."""
    types = typecheck(graph)
    ports = port_inputs(graph, inputs, types)
    schedules = iter([schedule]) if schedule is not None else \
        (scheduler or InOrder()).schedules(ports)
    first: RunResult | None = None
    count = 0
    for current in schedules:
        count += 1
        runtime = Runtime(graph, types=types, internal_seed=current.internal_seed)
        for event in current.events:
            runtime.apply(event)
        outputs = runtime.snapshot()
        if first is None:
            first = RunResult(outputs, current)
        elif outputs != first.outputs:
            port = next(p for p in outputs if outputs[p] != first.outputs[p])
            raise ScheduleDependenceError(
                f"graph {graph.name!r}: output {port!r} depends on the schedule: "
                f"{first.outputs[port]!r} under {first.schedule}, "
                f"{outputs[port]!r} under {current}")
    if first is None:
        raise FloRuntimeError(f"graph {graph.name!r}: the scheduler gave no schedule")
    return RunResult(first.outputs, first.schedule, count)


def port_inputs(graph: Graph, inputs: Mapping[str, Sequence[Any]],
                types: Mapping[Stream, StreamType]) -> dict[str, tuple[StreamType, list[Any]]]:
    """Each input port's type and elements (a port not given gets none)."""
    unknown = sorted(set(inputs) - set(graph.inputs))
    if unknown:
        raise FloRuntimeError(f"graph {graph.name!r} has no input {unknown[0]!r} "
                              f"(inputs: {', '.join(graph.inputs) or 'none'})")
    return {port: (types[node], list(inputs.get(port, ()))) for port, node in graph.inputs.items()}
