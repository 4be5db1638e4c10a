"""The two Flo properties, checked by running a graph under many schedules.

For a run, the *consumed input* after an event is what each port has delivered so far (built up
as the port's collection, plus whether it ended) and the *output* is what each output has emitted
so far (built up as its collection).

- **Streaming progress**: the output is a function of the consumed input. Two schedules that
  reach the same consumed input (whatever the batching, interleaving, arrival order of unordered
  ports, or delivery order inside the graph) must show the same output.
- **Eager execution**: an output that can be produced is produced before more input is consumed.
  Only bounded inputs may be waited for (the type system allows blocking on them alone), so after
  each consumed input `p`, ending the still-open *unbounded* inputs (each alone, then all of them)
  must release nothing: whatever it would release was computable from `p` and was held back.

`check` returns a `CheckResult`; when a property fails its `counterexample` names the schedules.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .checker import typecheck
from .graph import Graph, Stream
from .interpreter import Runtime, port_inputs
from .schedulers import Exhaustive, RandomSchedules, Schedule, Scheduler
from .types import StreamType

PROPERTIES = ("streaming_progress", "eager_execution")

ConsumedKey = tuple[tuple[str, Hashable, bool], ...]


@dataclass(frozen=True)
class Counterexample:
    """Why a property fails: the schedule(s) and what the output was."""

    property: str
    message: str
    schedules: tuple[Schedule, ...]
    output: str
    values: tuple[Hashable, ...]

    def __str__(self) -> str:
        lines = [f"{self.property} fails: {self.message}"]
        lines += [f"  schedule {i + 1}: {s}" for i, s in enumerate(self.schedules)]
        return "\n".join(lines)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check`; true when no property failed."""

    properties: tuple[str, ...]
    schedules: int
    """How many schedules ran."""
    exhaustive: bool
    """Whether those included every schedule of the inputs (each delivered first come, first
    served inside the graph)."""
    states: int
    """How many distinct consumed inputs were reached."""
    counterexample: Counterexample | None = None

    @property
    def ok(self) -> bool:
        return self.counterexample is None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        how = "all schedules and random ones" if self.exhaustive else "random schedules"
        head = (f"{', '.join(self.properties)}: {'ok' if self.ok else 'FAILED'} "
                f"({self.schedules} runs: {how}; {self.states} input prefixes)")
        return head if self.ok else f"{head}\n{self.counterexample}"


@dataclass
class _Seen:
    outputs: dict[str, Hashable]
    schedule: Schedule


def check(graph: Graph, inputs: Mapping[str, Sequence[Any]], *,
          properties: Sequence[str] = PROPERTIES, scheduler: Scheduler | None = None,
          limit: int = 2000, samples: int = 200, seed: int = 0,
          eager_limit: int = 200) -> CheckResult:
    """Check streaming progress and eager execution of `graph` on `inputs` (port -> elements).

    Runs every schedule when there are at most `limit` of them (delivering first come, first
    served inside the graph), then `samples` random ones from `seed` (which also vary the order
    of delivery inside the graph); a `scheduler` replaces both. Eager execution is checked at up
    to `eager_limit` consumed inputs. Raises `FloTypeError` for an ill-typed graph.
    """
    unknown = [p for p in properties if p not in PROPERTIES]
    if unknown:
        raise ValueError(f"unknown property {unknown[0]!r} (known: {', '.join(PROPERTIES)})")
    types = typecheck(graph)
    ports = port_inputs(graph, inputs, types)
    exhaustive = scheduler is None and Exhaustive.count(ports) <= limit
    runs: Iterator[Schedule]
    if scheduler is not None:
        runs = scheduler.schedules(ports)
    else:
        runs = RandomSchedules(seed, samples).schedules(ports)
        if exhaustive:
            runs = itertools.chain(Exhaustive().schedules(ports), runs)
    seen: dict[ConsumedKey, _Seen] = {}
    count = 0
    progress = "streaming_progress" in properties
    for schedule in runs:
        count += 1
        failure = _run_one(graph, types, ports, schedule, seen, progress)
        if failure is not None:
            return CheckResult(tuple(properties), count, exhaustive, len(seen), failure)
    if "eager_execution" in properties:
        for key, first in list(seen.items())[:eager_limit]:
            failure = _eager_at(graph, types, ports, key, first)
            if failure is not None:
                return CheckResult(tuple(properties), count, exhaustive, len(seen), failure)
    return CheckResult(tuple(properties), count, exhaustive, len(seen))


def _run_one(graph: Graph, types: Mapping[Stream, StreamType],
             ports: Mapping[str, tuple[StreamType, list[Any]]], schedule: Schedule,
             seen: dict[ConsumedKey, _Seen], progress: bool) -> Counterexample | None:
    runtime = Runtime(graph, types=types, internal_seed=schedule.internal_seed)
    consumed = {port: t.collection.empty() for port, (t, _) in ports.items()}
    ended: set[str] = set()
    for step, event in enumerate(schedule.events, 1):
        runtime.apply(event)
        if event.batch is None:
            ended.add(event.port)
        else:
            kind = ports[event.port][0].collection
            consumed[event.port] = kind.add(consumed[event.port], event.batch)
        key = tuple((port, ports[port][0].collection.normalize(acc), port in ended)
                    for port, acc in consumed.items())
        outputs = runtime.snapshot()
        before = seen.get(key)
        if before is None:
            seen[key] = _Seen(outputs, schedule.prefix(step))
        elif progress and before.outputs != outputs:
            port = next(p for p in outputs if outputs[p] != before.outputs[p])
            return Counterexample(
                "streaming_progress",
                f"output {port!r} differs for the same consumed input: "
                f"{_show(before.outputs[port])} after schedule 1, {_show(outputs[port])} "
                "after schedule 2",
                (before.schedule, schedule.prefix(step)), port,
                (before.outputs[port], outputs[port]))
    return None


def _eager_at(graph: Graph, types: Mapping[Stream, StreamType],
              ports: Mapping[str, tuple[StreamType, list[Any]]], key: ConsumedKey,
              first: _Seen) -> Counterexample | None:
    ended = {port for port, _, done in key if done}
    open_ports = [p for p, (t, _) in ports.items() if not t.bounded and p not in ended]
    probes = [[p] for p in open_ports]
    if len(open_ports) > 1:
        probes.append(open_ports)
    for probe in probes:
        runtime = Runtime(graph, types=types, internal_seed=first.schedule.internal_seed)
        for e in first.schedule.events:
            runtime.apply(e)
        for port in probe:
            runtime.probe_end(port)
        after = runtime.snapshot()
        for port, now in first.outputs.items():
            if after[port] != now:
                ending = " and ".join(repr(p) for p in probe)
                return Counterexample(
                    "eager_execution",
                    f"output {port!r} is {_show(now)}, but ending the unbounded input {ending} "
                    f"would make it {_show(after[port])}: that output needed no more input and "
                    "was held back",
                    (first.schedule,), port, (now, after[port]))
    return None


def _show(value: Hashable) -> str:
    if isinstance(value, frozenset):
        try:
            return "{" + ", ".join(map(repr, sorted(value))) + "}"
        except TypeError:
            return "{" + ", ".join(sorted(map(repr, value))) + "}"
    return repr(value)
