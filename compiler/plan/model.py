"""The planner's inputs: device types, the workload, measured kernel profiles, and the problem.

A *load* is the fraction of one device instance a kernel's traffic keeps busy: rate / throughput.
An instance of device type `d` may carry total load up to `d.max_util` (the headroom against
queueing); a kernel may run on `d` only if its latency there (one call, at its input size) is at
most its SLO. See docs/plan.md.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_MAX_UTIL = 0.8


@dataclass(frozen=True)
class DeviceType:
    """A kind of machine one can rent: `price` per hour, at most `count` of them (None: no limit)."""

    name: str
    price: float
    count: int | None = None
    runners: tuple[str, ...] = ()
    """Profile runners (bench targets or user table names) that run on it; default: its name."""
    max_util: float = DEFAULT_MAX_UTIL

    @property
    def runner_names(self) -> tuple[str, ...]:
        return self.runners or (self.name,)


@dataclass(frozen=True)
class Demand:
    """One workload entry: `rate` requests/s of `kernel` on inputs of `size` entries."""

    name: str
    kernel: str
    rate: float
    size: int
    slo_ms: float


@dataclass(frozen=True)
class Point:
    """One measurement: a call of `kernel` on `runner` at `size` entries takes `latency_ms`; one
    device instance sustains `throughput` requests/s (default 1000 / latency_ms: calls one at a time)."""

    kernel: str
    runner: str
    size: int
    latency_ms: float
    throughput: float
    source: str = ""


@dataclass(frozen=True)
class Estimate:
    latency_ms: float
    throughput: float


class Profile:
    """Measurements by (kernel, runner), looked up at any size: exact, log-log interpolated between
    the two nearest measured sizes, the smallest measured size's numbers below it (a smaller input is
    taken to be no faster), and no estimate above the largest measured size (no extrapolation)."""

    def __init__(self, points: Iterable[Point]) -> None:
        table: dict[tuple[str, str], dict[int, Point]] = {}
        for p in points:
            table.setdefault((p.kernel, p.runner), {})[p.size] = p
        self._table = {k: sorted(v.values(), key=lambda p: p.size) for k, v in table.items()}
        self.kernels = frozenset(k for k, _ in self._table)

    def points(self, kernel: str, runner: str) -> list[Point]:
        return self._table.get((kernel, runner), [])

    def runners(self, kernel: str) -> list[str]:
        return sorted(r for k, r in self._table if k == kernel)

    def estimate(self, kernel: str, runner: str, size: int) -> Estimate | None:
        pts = self._table.get((kernel, runner))
        if not pts or size > pts[-1].size:
            return None
        sizes = [p.size for p in pts]
        i = bisect.bisect_left(sizes, size)
        if sizes[i] == size or i == 0:
            return Estimate(pts[i].latency_ms, pts[i].throughput)
        lo, hi = pts[i - 1], pts[i]
        w = (math.log(size) - math.log(lo.size)) / (math.log(hi.size) - math.log(lo.size))

        def mix(a: float, b: float) -> float:
            return math.exp((1 - w) * math.log(a) + w * math.log(b))

        return Estimate(mix(lo.latency_ms, hi.latency_ms), mix(lo.throughput, hi.throughput))


@dataclass(frozen=True)
class Option:
    """Demand `demand` can run on device type `device` with `runner`: latency, and the load (share
    of one instance) its whole rate would take."""

    demand: int
    device: int
    runner: str
    latency_ms: float
    load: float


@dataclass(frozen=True)
class Problem:
    """A planning instance: the eligible (demand, device) options are precomputed from the profile."""

    devices: tuple[DeviceType, ...]
    demands: tuple[Demand, ...]
    options: tuple[Option, ...]
    slices: int = 1
    """A demand's rate is divided among device types in whole slices of rate / slices."""
    rejected: dict[int, str] = field(default_factory=dict)
    """Demand index -> why it has no option at all (kept for the infeasibility report)."""

    def by_demand(self) -> list[list[Option]]:
        out: list[list[Option]] = [[] for _ in self.demands]
        for o in self.options:
            out[o.demand].append(o)
        return out

    profile: Profile | None = field(default=None, repr=False, compare=False)

    def restricted(self, device: int) -> Problem:
        """The same demands with only device type `device` (for single-type plans)."""
        assert self.profile is not None
        return build_problem((self.devices[device],), self.demands, self.profile, self.slices)


def build_problem(devices: Sequence[DeviceType], demands: Sequence[Demand], profile: Profile,
                  slices: int = 1) -> Problem:
    """Eligible options: for each demand and device type, the runner with the highest throughput
    among those whose latency at the demand's size is within its SLO."""
    options: list[Option] = []
    rejected: dict[int, str] = {}
    for i, d in enumerate(demands):
        found = False
        reasons: list[str] = []
        for j, dev in enumerate(devices):
            best: tuple[float, str, Estimate] | None = None
            for runner in dev.runner_names:
                est = profile.estimate(d.kernel, runner, d.size)
                if est is None:
                    continue
                if est.latency_ms > d.slo_ms:
                    where = dev.name if runner == dev.name else f"{dev.name}/{runner}"
                    reasons.append(f"{where} {est.latency_ms:.3g} ms")
                    continue
                if best is None or est.throughput > best[0]:
                    best = (est.throughput, runner, est)
            if best is not None:
                options.append(Option(i, j, best[1], best[2].latency_ms, d.rate / best[0]))
                found = True
        if not found:
            rejected[i] = _why_not(d, profile, reasons)
    return Problem(tuple(devices), tuple(demands), tuple(options), slices, rejected, profile)


def _why_not(d: Demand, profile: Profile, reasons: list[str]) -> str:
    if reasons:
        return f"latency exceeds the SLO of {d.slo_ms:g} ms on every device ({', '.join(reasons)})"
    if d.kernel not in profile.kernels:
        return f"no measurement of kernel {d.kernel!r} in the profile"
    return (f"no measurement of {d.kernel!r} at size {d.size} or larger on any device of the "
            "catalogue")
