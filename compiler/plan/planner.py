"""The planner's entry point: the best plan for a workload and, for comparison, the cheapest plan
that uses a single device type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import Demand, DeviceType, Problem, Profile, build_problem
from .pack import Instance, pack, violations
from .solve import Outcome, Solution, solve_exact, solve_greedy

METHODS = ("auto", "exact", "greedy")
AUTO_EXACT_LIMIT = 200_000
"""`auto` goes straight to greedy above this many (demand, device type) options."""


@dataclass(frozen=True)
class Plan:
    """A solved problem: the solution and its instances, or why there is none."""

    problem: Problem
    solution: Solution | None
    instances: tuple[Instance, ...] = ()
    infeasible: tuple[tuple[str, str], ...] = ()
    """(demand name, reason) when the workload is proven infeasible."""
    note: str = ""

    @property
    def feasible(self) -> bool:
        return self.solution is not None

    @property
    def cost(self) -> float | None:
        return self.solution.cost if self.solution else None


@dataclass(frozen=True)
class PlanReport:
    best: Plan
    single: tuple[tuple[str, Plan], ...]
    """Per device type: the plan restricted to that type."""

    @property
    def cheapest_single(self) -> tuple[str, Plan] | None:
        feasible = [(name, p) for name, p in self.single if p.feasible]
        return min(feasible, key=lambda np_: np_[1].cost or 0.0) if feasible else None

    @property
    def saving(self) -> float | None:
        """1 - cost / cost of the cheapest single-type plan."""
        single = self.cheapest_single
        if single is None or self.best.cost is None or not single[1].cost:
            return None
        return 1.0 - self.best.cost / single[1].cost


def solve(problem: Problem, method: str = "auto", time_limit: float | None = 10.0) -> Plan:
    """Solve with `exact` (HiGHS, time-limited), `greedy`, or `auto`: exact unless the instance is
    very large, keeping greedy's plan if it is cheaper than a time-limited exact incumbent and
    falling back to it when exact found none."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if problem.rejected:
        return Plan(problem, None, infeasible=tuple(
            (problem.demands[i].name, why) for i, why in sorted(problem.rejected.items())))
    if method == "greedy" or (method == "auto" and len(problem.options) > AUTO_EXACT_LIMIT):
        return _finish(problem, solve_greedy(problem))
    exact = solve_exact(problem, time_limit)
    if method == "exact" or exact.infeasible or (exact.solution and exact.solution.optimal):
        return _finish(problem, exact)
    greedy = solve_greedy(problem)
    if greedy.solution is None:
        return _finish(problem, exact)
    g = greedy.solution
    if exact.solution is None or g.cost < exact.solution.cost:
        note = ("exact found no plan within the time limit" if exact.solution is None
                else f"greedy beat exact's incumbent {exact.solution.cost:.4g}")
        bound = exact.bound
        return _finish(problem, Outcome(Solution(
            "greedy", g.counts, g.slices, g.cost, bound is not None and g.cost <= bound + 1e-9,
            bound, g.seconds + exact.seconds, note), False, g.seconds))
    return _finish(problem, exact)


def _finish(problem: Problem, outcome: Outcome) -> Plan:
    if outcome.solution is None:
        if outcome.infeasible:
            return Plan(problem, None, infeasible=_blame(problem), note=outcome.note)
        return Plan(problem, None, note=outcome.note or "no plan found")
    instances = pack(problem, outcome.solution)
    bad = violations(problem, outcome.solution.counts, instances)
    if bad:  # a bug in a solver or in pack, never a user error
        raise AssertionError("planner produced an invalid plan: " + "; ".join(bad[:5]))
    return Plan(problem, outcome.solution, instances)


def _instances(device: DeviceType, load: float) -> float:
    """Room for a demand that takes `load` of one instance on all the instances of `device` its
    count limit allows, in units of that demand (inf: no count limit)."""
    return device.max_util * device.count / load if device.count is not None else float("inf")


def _blame(problem: Problem) -> tuple[tuple[str, str], ...]:
    """Which demands make a proven-infeasible problem infeasible: those with no eligible device,
    else those that alone exceed the count limits, else all that compete for limited types."""
    if problem.rejected:
        return tuple((problem.demands[i].name, why) for i, why in sorted(problem.rejected.items()))
    devs = problem.devices
    out = []
    for i, opts in enumerate(problem.by_demand()):
        room = sum(_instances(devs[o.device], o.load) for o in opts)
        if room < 1.0:
            out.append((problem.demands[i].name, "needs more instances than the count limits of "
                        "its eligible devices allow"))
    if out:
        return tuple(out)
    limits = ", ".join(f"{d.name} <= {d.count}" for d in devs if d.count is not None)
    return tuple((problem.demands[i].name, f"together with the others exceeds the count limits "
                  f"({limits})") for i, opts in enumerate(problem.by_demand())
                 if all(devs[o.device].count is not None for o in opts))


def plan(devices: Sequence[DeviceType], demands: Sequence[Demand], profile: Profile, *,
         slices: int = 1, method: str = "auto", time_limit: float | None = 10.0) -> PlanReport:
    """The cheapest plan meeting every SLO, and each single-device-type plan (same method)."""
    problem = build_problem(devices, demands, profile, slices)
    best = solve(problem, method, time_limit)
    single = tuple((d.name, solve(problem.restricted(j), method, time_limit))
                   for j, d in enumerate(problem.devices))
    return PlanReport(best, single)


def to_json(report: PlanReport) -> dict[str, Any]:
    best, p = report.best, report.best.problem
    sol = best.solution
    out: dict[str, Any] = {"feasible": best.feasible, "slices": p.slices}
    if sol is None:
        out["infeasible"] = [{"demand": n, "reason": r} for n, r in best.infeasible]
        out["note"] = best.note
    else:
        out.update({
            "method": sol.method, "optimal": sol.optimal, "gap": sol.gap, "bound": sol.bound,
            "solve_seconds": sol.seconds, "note": sol.note, "cost_per_hour": sol.cost,
            "devices": [{"type": d.name, "count": n, "price_per_hour": d.price,
                         "cost_per_hour": d.price * n, "max_util": d.max_util}
                        for d, n in zip(p.devices, sol.counts, strict=True) if n],
            "instances": [{"type": p.devices[inst.device].name, "number": inst.number,
                           "utilisation": inst.load,
                           "demands": [{"demand": p.demands[pl.demand].name, "rate": pl.rate,
                                        "load": pl.load, "runner": pl.runner}
                                       for pl in inst.placements]}
                          for inst in best.instances],
            "demands": [_demand_json(best, i) for i in range(len(p.demands))],
        })
    single = report.cheapest_single
    out["single_type"] = [{"type": name, "feasible": sp.feasible, "cost_per_hour": sp.cost,
                           "count": sum(sp.solution.counts) if sp.solution else None,
                           "method": sp.solution.method if sp.solution else None,
                           "optimal": sp.solution.optimal if sp.solution else None,
                           "reason": None if sp.feasible else _first_reason(sp)}
                          for name, sp in report.single]
    out["cheapest_single_type"] = single[0] if single else None
    out["saving"] = report.saving
    return out


def _first_reason(plan_: Plan) -> str:
    if plan_.infeasible:
        name, why = plan_.infeasible[0]
        more = len(plan_.infeasible) - 1
        return f"{name}: {why}" + (f" (and {more} more)" if more else "")
    return plan_.note or "no plan found"


def placements_of(plan_: Plan, demand: int) -> list[tuple[Instance, Any]]:
    return [(inst, pl) for inst in plan_.instances for pl in inst.placements if pl.demand == demand]


def _demand_json(plan_: Plan, i: int) -> dict[str, Any]:
    p = plan_.problem
    d = p.demands[i]
    return {"demand": d.name, "kernel": d.kernel, "rate": d.rate, "size": d.size,
            "slo_ms": d.slo_ms,
            "placements": [{"type": p.devices[inst.device].name, "number": inst.number,
                            "runner": pl.runner, "rate": pl.rate, "latency_ms": pl.latency_ms,
                            "load": pl.load} for inst, pl in placements_of(plan_, i)]}
