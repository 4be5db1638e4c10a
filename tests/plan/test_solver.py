"""The planner against brute force on tiny seeded random instances, and an independent check of
every plan it returns (SLO, capacity, rates served, count limits)."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from tensflo.compiler.plan import (
    Demand,
    DeviceType,
    Point,
    Profile,
    build_problem,
    plan,
    solve,
    solve_exact,
)

SIZE = 1000


def random_instance(seed: int, limits: bool = False):
    """Raw numbers: latency_ms[demand][device] and throughput[demand][device] (None: unmeasured)."""
    rng = random.Random(seed)
    nd, ni = rng.randint(1, 3), rng.randint(1, 4)
    devices = [DeviceType(f"d{j}", round(rng.uniform(0.1, 5.0), 2),
                          rng.choice([None, 1, 2, 3]) if limits else None,
                          max_util=rng.choice([0.6, 0.8, 1.0])) for j in range(nd)]
    latency = [[None if rng.random() < 0.1 else round(rng.uniform(0.1, 8), 3)
                for _ in range(nd)] for _ in range(ni)]
    throughput = [[rng.uniform(50, 400) for _ in range(nd)] for _ in range(ni)]
    demands = [Demand(f"k{i}", f"k{i}", round(rng.uniform(10, 200), 1), SIZE,
                      round(rng.uniform(3, 12), 2)) for i in range(ni)]
    points = [Point(f"k{i}", f"d{j}", SIZE, latency[i][j], throughput[i][j])
              for i in range(ni) for j in range(nd) if latency[i][j] is not None]
    return devices, demands, latency, throughput, Profile(points)


def brute_force(devices, demands, latency, throughput, slices=1) -> float | None:
    """Cheapest device multiset for which some division of every demand into `slices` slices over
    device types fits (load rate/throughput summed per type <= util x count); None: infeasible."""
    nd = len(devices)
    ok = [[j for j in range(nd) if latency[i][j] is not None and latency[i][j] <= d.slo_ms]
          for i, d in enumerate(demands)]
    if any(not o for o in ok):
        return None
    per_demand = [list(itertools.combinations_with_replacement(o, slices)) for o in ok]
    type_loads = set()
    for choice in itertools.product(*per_demand):
        load = [0.0] * nd
        for i, parts in enumerate(choice):
            for j in parts:
                load[j] += demands[i].rate / throughput[i][j] / slices
        type_loads.add(tuple(load))
    # enough of each type to carry every demand's heaviest load, unless the catalogue limits it
    cap = [d.count if d.count is not None else math.ceil(
        max(ld[j] for ld in type_loads) / d.max_util)
        for j, d in enumerate(devices)]
    multisets = sorted(itertools.product(*(range(c + 1) for c in cap)),
                       key=lambda counts: sum(d.price * n for d, n in zip(devices, counts,
                                                                            strict=True)))
    for counts in multisets:  # cheapest first: the first that fits is the optimum
        if any(all(load[j] <= devices[j].max_util * counts[j] * (1 + 1e-9) for j in range(nd))
               for load in type_loads):
            return sum(d.price * n for d, n in zip(devices, counts, strict=True))
    return None


def check(devices, demands, latency, throughput, report_plan) -> None:
    """Independent of the planner's own check: recompute everything from the raw numbers."""
    sol = report_plan.solution
    served = [0.0] * len(demands)
    per_type = [0] * len(devices)
    for inst in report_plan.instances:
        dev = devices[inst.device]
        per_type[inst.device] += 1
        busy = 0.0
        for pl in inst.placements:
            d = demands[pl.demand]
            lat = latency[pl.demand][inst.device]
            assert lat is not None and lat <= d.slo_ms, (d.name, dev.name)
            busy += pl.rate / throughput[pl.demand][inst.device]
            served[pl.demand] += pl.rate
        assert busy <= dev.max_util * (1 + 1e-6), (dev.name, inst.number, busy)
    for d, r in zip(demands, served, strict=True):
        assert r == pytest.approx(d.rate, rel=1e-6)
    assert tuple(per_type) == sol.counts
    for d, n in zip(devices, sol.counts, strict=True):
        assert d.count is None or n <= d.count
    assert sol.cost == pytest.approx(sum(d.price * n for d, n in zip(devices, sol.counts,
                                                                      strict=True)))


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("limits", [False, True])
def test_exact_matches_brute_force_and_greedy_is_never_better(seed, limits):
    devices, demands, latency, throughput, profile = random_instance(seed, limits)
    problem = build_problem(devices, demands, profile)
    want = brute_force(devices, demands, latency, throughput)
    exact = solve(problem, "exact", time_limit=30)
    greedy = solve(problem, "greedy")
    if want is None:
        assert not exact.feasible and exact.infeasible
        assert not greedy.feasible
        return
    assert exact.solution is not None and exact.solution.optimal
    assert exact.cost == pytest.approx(want, abs=1e-9)
    check(devices, demands, latency, throughput, exact)
    if greedy.feasible:  # greedy may fail under count limits, never produce a bad plan
        check(devices, demands, latency, throughput, greedy)
        assert greedy.cost >= exact.cost - 1e-9
    else:
        assert limits


@pytest.mark.parametrize("seed", range(12))
def test_slices_match_brute_force(seed):
    devices, demands, latency, throughput, profile = random_instance(100 + seed)
    want = brute_force(devices, demands, latency, throughput, slices=2)
    result = solve(build_problem(devices, demands, profile, slices=2), "exact", time_limit=30)
    assert result.cost == (pytest.approx(want, abs=1e-9) if want is not None else None)
    if want is not None:
        check(devices, demands, latency, throughput, result)
        # slicing can only help: never costlier than one device type per kernel
        one = solve(build_problem(devices, demands, profile), "exact", time_limit=30)
        assert result.cost <= one.cost + 1e-9


def _two_devices():
    devices = [DeviceType("cheap", 1.0), DeviceType("fast", 4.0, count=1)]
    points = [Point("a", "cheap", SIZE, 5.0, 100.0), Point("a", "fast", SIZE, 1.0, 1000.0),
              Point("b", "cheap", SIZE, 50.0, 10.0), Point("b", "fast", SIZE, 2.0, 1000.0)]
    return devices, Profile(points)


def test_kernel_over_the_slo_on_every_device_is_named():
    devices, profile = _two_devices()
    demands = [Demand("a", "a", 10, SIZE, 10), Demand("b", "b", 10, SIZE, 1.5)]
    report = plan(devices, demands, profile)
    assert not report.best.feasible
    assert [name for name, _ in report.best.infeasible] == ["b"]
    assert "cheap 50 ms" in report.best.infeasible[0][1]
    assert report.cheapest_single is None and report.saving is None


def test_count_limits_make_a_workload_infeasible():
    devices, profile = _two_devices()
    # b needs `fast` (SLO 3 ms); at 1500 requests/s it needs 2 instances, and only 1 exists
    demands = [Demand("a", "a", 10, SIZE, 10), Demand("b", "b", 1500, SIZE, 3)]
    result = solve(build_problem(devices, demands, profile), "exact")
    assert not result.feasible
    assert [name for name, _ in result.infeasible] == ["b"]
    assert "count limits" in result.infeasible[0][1]


def test_single_type_plans_and_saving():
    devices, profile = _two_devices()
    demands = [Demand("a", "a", 150, SIZE, 10), Demand("b", "b", 10, SIZE, 100)]
    report = plan(devices, demands, profile)
    # all on cheap: a needs 150/100/0.8 -> 2 instances... plus b 10/10 = 1.0 -> total load 2.5
    # -> 4 instances = 4.0; all on fast: 0.16 load -> 1 instance = 4.0; mixed can't beat 4.0
    costs = dict((name, p.cost) for name, p in report.single)
    assert costs == {"cheap": pytest.approx(4.0), "fast": pytest.approx(4.0)}
    assert report.best.cost == pytest.approx(4.0)
    assert report.saving == pytest.approx(0.0)


def test_time_limited_exact_reports_a_bound():
    rng = random.Random(7)
    devices = [DeviceType(f"d{j}", p) for j, p in enumerate((0.5, 0.8, 1.0, 3.7, 7.0))]
    points, demands = [], []
    for i in range(400):
        for j in range(5):
            lat = rng.uniform(0.1, 5)
            points.append(Point(f"k{i}", f"d{j}", SIZE, lat, rng.uniform(100, 3000) * (j + 1)))
        demands.append(Demand(f"k{i}", f"k{i}", rng.uniform(10, 3000), SIZE, 4.0))
    problem = build_problem(devices, demands, Profile(points))
    out = solve_exact(problem, time_limit=0.5)
    sol = out.solution
    if sol is None:  # nothing found in time: still not claimed infeasible
        assert not out.infeasible
        return
    if sol.bound is None:  # stopped before HiGHS had a bound: no gap is claimed
        assert not sol.optimal and sol.gap is None
    else:
        assert sol.bound <= sol.cost + 1e-9
        assert sol.optimal or sol.gap == pytest.approx((sol.cost - sol.bound) / sol.cost)
    # auto keeps the better of exact's (time-limited, so run-dependent) plan and greedy's
    auto = solve(problem, "auto", time_limit=0.5)
    assert auto.cost is not None and auto.cost <= solve(problem, "greedy").cost + 1e-9
    assert math.isfinite(auto.cost)


def test_profile_interpolates_in_log_log_and_never_extrapolates_upwards():
    profile = Profile([Point("k", "r", 1000, 1.0, 1000.0), Point("k", "r", 100000, 100.0, 10.0)])
    mid = profile.estimate("k", "r", 10000)
    assert mid.latency_ms == pytest.approx(10.0) and mid.throughput == pytest.approx(100.0)
    assert profile.estimate("k", "r", 1000).latency_ms == 1.0
    assert profile.estimate("k", "r", 10).latency_ms == 1.0  # below: the smallest size's numbers
    assert profile.estimate("k", "r", 100001) is None  # above: no estimate
    demands = [Demand("big", "k", 1.0, 200000, 1000.0)]
    problem = build_problem([DeviceType("r", 1.0)], demands, profile)
    assert "at size 200000 or larger" in problem.rejected[0]


def test_auto_falls_back_to_greedy(monkeypatch):
    from tensflo.compiler.plan import planner
    from tensflo.compiler.plan.solve import Outcome

    devices, demands, latency, throughput, profile = random_instance(3)
    problem = build_problem(devices, demands, profile)
    assert not problem.rejected
    # the exact solver ran out of time without a solution, having proven a bound of 0
    monkeypatch.setattr(planner, "solve_exact", lambda p, t: Outcome(None, False, 1.0, 0.0))
    result = solve(problem, "auto", time_limit=1.0)
    assert result.solution.method == "greedy" and not result.solution.optimal
    assert result.solution.bound == 0.0 and "no plan within the time limit" in result.solution.note
    check(devices, demands, latency, throughput, result)
    monkeypatch.setattr(planner, "AUTO_EXACT_LIMIT", 0)  # too large for exact: greedy only
    monkeypatch.setattr(planner, "solve_exact", lambda p, t: pytest.fail("exact ran"))
    assert solve(problem, "auto").solution.method == "greedy"
