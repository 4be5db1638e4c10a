"""Schedules: how a graph's inputs arrive, in which batches and in which interleaving.

A `Schedule` is a sequence of events, each a batch of elements on one input port or the end of a
bounded port. Elements of a sequence port arrive in the given order; those of a set, Z-set or
lattice port may arrive in any order. Schedulers produce schedules for given inputs:

- `InOrder`: ports round-robin, fixed batch size, one schedule;
- `RandomSchedules`: seeded random orders, batchings and interleavings, and a random order of
  delivery inside the graph;
- `Exhaustive`: every order, batching and interleaving (for small inputs).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .types import StreamType


@dataclass(frozen=True)
class Event:
    """A batch arriving on `port`, or (`batch` None) the end of that bounded port."""

    port: str
    batch: tuple[Any, ...] | None

    def __str__(self) -> str:
        if self.batch is None:
            return f"{self.port}:end"
        return f"{self.port}:[{', '.join(map(repr, self.batch))}]"


@dataclass(frozen=True)
class Schedule:
    """Events in arrival order; `internal_seed` picks the delivery order inside the graph
    (None: first come, first served)."""

    events: tuple[Event, ...]
    internal_seed: int | None = None

    def __str__(self) -> str:
        text = " ".join(map(str, self.events)) or "(nothing)"
        if self.internal_seed is not None:
            text += f" (internal order seed {self.internal_seed})"
        return text

    def prefix(self, n: int) -> Schedule:
        return Schedule(self.events[:n], self.internal_seed)

    def then(self, event: Event) -> Schedule:
        return Schedule(self.events + (event,), self.internal_seed)


Ports = Mapping[str, tuple[StreamType, Sequence[Any]]]
"""Each input port's type and elements."""


class Scheduler:
    """Produces schedules for the given inputs."""

    def schedules(self, ports: Ports) -> Iterator[Schedule]:
        raise NotImplementedError


@dataclass(frozen=True)
class InOrder(Scheduler):
    """Every port in batches of `batch_size`, ports taking turns; ends last."""

    batch_size: int = 1

    def schedules(self, ports: Ports) -> Iterator[Schedule]:
        per_port = []
        for port, (_, items) in ports.items():
            items = list(items)
            per_port.append([Event(port, tuple(items[i:i + self.batch_size]))
                             for i in range(0, len(items), self.batch_size)])
        events = [e for turn in itertools.zip_longest(*per_port) for e in turn if e is not None]
        events += [Event(port, None) for port, (t, _) in ports.items() if t.bounded]
        yield Schedule(tuple(events))


@dataclass(frozen=True)
class RandomSchedules(Scheduler):
    """`count` random schedules from `seed` (orders of unordered ports, batchings, interleavings,
    internal delivery order)."""

    seed: int = 0
    count: int = 100

    def schedules(self, ports: Ports) -> Iterator[Schedule]:
        for i in range(self.count):
            rng = random.Random(self.seed * 1_000_003 + i)
            lanes = []
            for port, (t, items) in ports.items():
                items = list(items)
                if not t.collection.ordered:
                    rng.shuffle(items)
                lane = [Event(port, tuple(b)) for b in _random_batches(items, rng)]
                if t.bounded:
                    lane.append(Event(port, None))
                lanes.append(lane)
            yield Schedule(tuple(_random_interleaving(lanes, rng)), rng.randrange(2**31))


def _random_batches(items: list[Any], rng: random.Random) -> list[list[Any]]:
    batches: list[list[Any]] = []
    for x in items:
        if not batches or rng.random() < 0.5:
            batches.append([])
        batches[-1].append(x)
    return batches


def _random_interleaving(lanes: list[list[Event]], rng: random.Random) -> list[Event]:
    heads = [0] * len(lanes)
    out: list[Event] = []
    while True:
        live = [i for i, lane in enumerate(lanes) if heads[i] < len(lane)]
        if not live:
            return out
        # weigh lanes by what they have left, so every interleaving is possible and none dominates
        i = rng.choices(live, weights=[len(lanes[j]) - heads[j] for j in live])[0]
        out.append(lanes[i][heads[i]])
        heads[i] += 1


@dataclass(frozen=True)
class Exhaustive(Scheduler):
    """Every schedule: all orders of unordered ports, all batchings, all interleavings."""

    def schedules(self, ports: Ports) -> Iterator[Schedule]:
        choices = [list(_lanes(port, t, items)) for port, (t, items) in ports.items()]
        for lanes in itertools.product(*choices):
            for events in _interleavings(list(lanes)):
                yield Schedule(tuple(events))

    @staticmethod
    def count(ports: Ports) -> int:
        """How many schedules `schedules` yields."""
        # per port: how many lanes have k events
        per_port = []
        for _, (t, items) in ports.items():
            n = len(items)
            orders = 1 if t.collection.ordered else _order_count(items)
            extra = 1 if t.bounded else 0
            if n == 0:
                per_port.append({extra: 1})
            else:
                per_port.append({k + extra: orders * math.comb(n - 1, k - 1)
                                 for k in range(1, n + 1)})
        total = 0
        for combo in itertools.product(*(d.items() for d in per_port)):
            ks = [k for k, _ in combo]
            ways = math.prod(c for _, c in combo)
            multinomial = math.factorial(sum(ks)) // math.prod(math.factorial(k) for k in ks)
            total += ways * multinomial
        return total


def _lanes(port: str, t: StreamType, items: Sequence[Any]) -> Iterator[list[Event]]:
    orders = [tuple(items)] if t.collection.ordered else _orders(items)
    for order in orders:
        for batches in _compositions(list(order)):
            lane = [Event(port, tuple(b)) for b in batches]
            if t.bounded:
                lane.append(Event(port, None))
            yield lane


def _order_count(items: Sequence[Any]) -> int:
    """How many distinct orders `items` has: n! over the factorials of the repeat counts."""
    counts: list[int] = []
    firsts: list[Any] = []
    for x in items:
        for i, y in enumerate(firsts):
            if x == y:
                counts[i] += 1
                break
        else:
            firsts.append(x)
            counts.append(1)
    return math.factorial(len(items)) // math.prod(math.factorial(c) for c in counts)


def _orders(items: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Every distinct order of `items` (equal items are not told apart; they need no hash)."""
    classes = [next(j for j in range(i + 1) if items[j] == items[i]) for i in range(len(items))]
    seen: dict[tuple[int, ...], tuple[Any, ...]] = {}
    for perm in itertools.permutations(range(len(items))):
        seen.setdefault(tuple(classes[i] for i in perm), tuple(items[i] for i in perm))
    return list(seen.values())


def _compositions(items: list[Any]) -> Iterator[list[list[Any]]]:
    n = len(items)
    if n == 0:
        yield []
        return
    for cuts in itertools.product((False, True), repeat=n - 1):
        batches = [[items[0]]]
        for x, cut in zip(items[1:], cuts, strict=True):
            if cut:
                batches.append([])
            batches[-1].append(x)
        yield batches


def _interleavings(lanes: list[list[Event]]) -> Iterator[list[Event]]:
    live = [lane for lane in lanes if lane]
    if not live:
        yield []
        return
    for i, lane in enumerate(live):
        rest = live[:i] + [lane[1:]] + live[i + 1:]
        for tail in _interleavings(rest):
            yield [lane[0], *tail]
