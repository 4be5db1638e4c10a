"""Device instances from a solution: each type's load spread over its instances, and a check of
the result that shares nothing with the solvers."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Problem
from .solve import Solution

TOLERANCE = 1e-6
"""Relative float slack accepted by `violations`."""


@dataclass(frozen=True)
class Placement:
    """`rate` requests/s of demand `demand` served on one instance, keeping `load` of it busy."""

    demand: int
    rate: float
    load: float
    runner: str
    latency_ms: float


@dataclass(frozen=True)
class Instance:
    device: int
    number: int
    """1-based number among the instances of its type."""
    placements: tuple[Placement, ...]

    @property
    def load(self) -> float:
        return sum(p.load for p in self.placements)


def pack(problem: Problem, solution: Solution) -> tuple[Instance, ...]:
    """Whole demands first-fit by decreasing load; a demand that fits no instance whole is split
    over the instances with the most room (the counts leave room for all of it)."""
    out: list[Instance] = []
    for j, dev in enumerate(problem.devices):
        n = solution.counts[j]
        items = [(o, z) for o, z in zip(problem.options, solution.slices, strict=True)
                 if o.device == j and z]
        items.sort(key=lambda oz: -oz[0].load * oz[1])
        room = [dev.max_util] * n
        placed: list[list[Placement]] = [[] for _ in range(n)]
        for o, z in items:
            frac = z / problem.slices
            rate, load = problem.demands[o.demand].rate * frac, o.load * frac
            b = next((b for b in range(n) if room[b] >= load * (1 - 1e-12)), None)
            if b is not None:
                placed[b].append(Placement(o.demand, rate, load, o.runner, o.latency_ms))
                room[b] -= load
                continue
            left = load
            for b in sorted(range(n), key=lambda b: -room[b]):
                if left <= 0:
                    break
                take = min(room[b], left)
                if left - take <= load * 1e-12:  # float residue: the last instance takes it
                    take = left
                if take <= 0:
                    continue
                placed[b].append(Placement(o.demand, rate * take / load, take, o.runner,
                                           o.latency_ms))
                room[b] -= take
                left -= take
        out += [Instance(j, b + 1, tuple(placed[b])) for b in range(n)]
    return tuple(out)


def violations(problem: Problem, counts: tuple[int, ...],
               instances: tuple[Instance, ...]) -> list[str]:
    """Everything wrong with a plan: overfull instances, demands served on a device type where their
    latency exceeds the SLO (or was never measured), rates not fully served, count limits exceeded."""
    bad: list[str] = []
    eligible = {(o.demand, o.device): o for o in problem.options}
    served = [0.0] * len(problem.demands)
    per_type = [0] * len(problem.devices)
    for inst in instances:
        dev = problem.devices[inst.device]
        per_type[inst.device] += 1
        if inst.load > dev.max_util * (1 + TOLERANCE):
            bad.append(f"{dev.name} #{inst.number} is {inst.load:.4f} busy > {dev.max_util}")
        for p in inst.placements:
            d = problem.demands[p.demand]
            o = eligible.get((p.demand, inst.device))
            if o is None or o.latency_ms > d.slo_ms:
                bad.append(f"{d.name} on {dev.name} cannot meet its SLO")
            served[p.demand] += p.rate
    for d, r in zip(problem.demands, served, strict=True):
        if abs(r - d.rate) > TOLERANCE * d.rate:
            bad.append(f"{d.name}: {r:g} of {d.rate:g} requests/s served")
    for dev, have, n in zip(problem.devices, per_type, counts, strict=True):
        if have != n:
            bad.append(f"{dev.name}: {have} instances packed, {n} counted")
        if dev.count is not None and have > dev.count:
            bad.append(f"{dev.name}: {have} instances > limit {dev.count}")
    return bad
