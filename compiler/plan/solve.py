"""Choosing device counts and the share of each demand per device type: exact (an integer linear
program solved by HiGHS through `scipy.optimize.milp`) or greedy.

Variables: n_j, the instances of device type j (integer, at most its count limit), and z_o, the
slices of a demand placed on the device type of option o (integer, 0..S with S = `slices`).

    minimise    sum_j price_j * n_j
    subject to  sum_{o of demand i} z_o = S                          for every demand i
                sum_{o on type j} load_o * z_o / S <= util_j * n_j   for every device type j

`pack` then spreads each type's load over its n_j instances (whole demands first, largest first;
what fits nowhere whole is split across instances), so no instance carries more than util_j.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .model import Problem

EPS = 1e-9
"""Relative slack for float rounding in capacity checks."""
SOLVER_SLACK = 1e-7
"""The exact solver sees each capacity this much smaller, so its rounding never overfills."""


@dataclass(frozen=True)
class Solution:
    """Device counts and slices per option (aligned with `Problem.options`)."""

    method: str
    counts: tuple[int, ...]
    slices: tuple[int, ...]
    cost: float
    optimal: bool
    bound: float | None
    """A proven lower bound on the optimal cost (exact solver), if known."""
    seconds: float
    note: str = ""

    @property
    def gap(self) -> float | None:
        if self.optimal:
            return 0.0
        if self.bound is None:
            return None
        return max(0.0, (self.cost - self.bound) / self.cost) if self.cost > 0 else 0.0


@dataclass(frozen=True)
class Outcome:
    """What a solver found: a solution, or none (`infeasible` when that is proven)."""

    solution: Solution | None
    infeasible: bool
    seconds: float
    bound: float | None = None
    note: str = ""


def need(load: float, util: float) -> int:
    """Instances needed to carry `load` at utilisation at most `util`."""
    return max(0, math.ceil(load / util - EPS))


def cost_of(problem: Problem, counts: tuple[int, ...]) -> float:
    return sum(d.price * n for d, n in zip(problem.devices, counts, strict=True))


def loads(problem: Problem, slices: tuple[int, ...]) -> list[float]:
    out = [0.0] * len(problem.devices)
    for o, z in zip(problem.options, slices, strict=True):
        out[o.device] += o.load * z / problem.slices
    return out


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what native code prints to stdout (HiGHS writes debugging lines such as
    `HighsMipSolverData::transformNewIntegerFeasibleSolution` there) to /dev/null meanwhile."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (captured): nothing to guard
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def solve_exact(problem: Problem, time_limit: float | None = None) -> Outcome:
    """The minimum-cost counts and slices (HiGHS branch and bound; with a time limit, the best
    solution found and the proven bound)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    t0 = time.perf_counter()
    if problem.rejected:
        return Outcome(None, True, 0.0, note="a demand has no eligible device")
    devs, opts, s = problem.devices, problem.options, problem.slices
    nd, no, ni = len(devs), len(opts), len(problem.demands)
    total = [0.0] * nd
    for o in opts:
        total[o.device] += o.load
    upper = [min(need(total[j], d.max_util), d.count if d.count is not None else math.inf)
             for j, d in enumerate(devs)]
    rows, cols, vals = [], [], []
    for k, o in enumerate(opts):
        rows += [o.demand, ni + o.device]
        cols += [nd + k, nd + k]
        vals += [1.0, o.load / s]
    for j, d in enumerate(devs):
        rows.append(ni + j)
        cols.append(j)
        vals.append(-d.max_util * (1 - SOLVER_SLACK))
    a = coo_matrix((vals, (rows, cols)), shape=(ni + nd, nd + no)).tocsr()
    lo = np.concatenate([np.full(ni, float(s)), np.full(nd, -np.inf)])
    hi = np.concatenate([np.full(ni, float(s)), np.zeros(nd)])
    c = np.concatenate([[d.price for d in devs], np.zeros(no)])
    options = {"disp": False, "mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    with _quiet_stdout():
        res = milp(c, constraints=LinearConstraint(a, lo, hi), integrality=np.ones(nd + no),
                   bounds=Bounds(np.zeros(nd + no),
                                 np.concatenate([upper, np.full(no, float(s))])),
                   options=options)
    seconds = time.perf_counter() - t0
    bound = getattr(res, "mip_dual_bound", None)
    bound = float(bound) if bound is not None and np.isfinite(bound) else None
    if res.status == 2:
        return Outcome(None, True, seconds, note="the count limits leave no feasible plan")
    if res.x is None:
        return Outcome(None, False, seconds, bound, note=f"HiGHS: {res.message}")
    x = np.rint(res.x).astype(int)
    z = tuple(int(v) for v in x[nd:])
    counts = tuple(max(int(x[j]), need(load, d.max_util))
                   for j, (d, load) in enumerate(zip(devs, loads(problem, z), strict=True)))
    optimal = res.status == 0
    cost = cost_of(problem, counts)
    if optimal:
        bound = cost
    return Outcome(Solution("exact", counts, z, cost, optimal, bound, seconds,
                            "" if optimal else f"HiGHS stopped: {res.message}"),
                   False, seconds, bound)


def solve_greedy(problem: Problem) -> Outcome:
    """Each slice (largest load first) to the device type where its load costs least per hour
    (price x load / util) within the count limits; then, type by type, try to empty the last
    instance by moving its smallest slices elsewhere, kept when the total cost falls."""
    t0 = time.perf_counter()
    if problem.rejected:
        return Outcome(None, True, 0.0, note="a demand has no eligible device")
    devs, s = problem.devices, problem.slices
    by_demand = problem.by_demand()
    index = {id(o): k for k, o in enumerate(problem.options)}
    z = [0] * len(problem.options)
    load = [0.0] * len(devs)

    def fits(j: int, extra: float) -> bool:
        limit = devs[j].count
        return limit is None or need(load[j] + extra, devs[j].max_util) <= limit

    order = sorted(range(len(problem.demands)),
                   key=lambda i: -min(o.load for o in by_demand[i]))
    for i in order:
        ranked = sorted(by_demand[i], key=lambda o: (devs[o.device].price * o.load
                                                     / devs[o.device].max_util, o.latency_ms))
        for _ in range(s):
            o = next((o for o in ranked if fits(o.device, o.load / s)), None)
            if o is None:
                return Outcome(None, False, time.perf_counter() - t0,
                               note=f"greedy could not place {problem.demands[i].name} within "
                                    "the count limits")
            z[index[id(o)]] += 1
            load[o.device] += o.load / s

    def total() -> float:
        return sum(d.price * need(ld, d.max_util) for d, ld in zip(devs, load, strict=True))

    improved = True
    while improved:
        improved = False
        for j in sorted(range(len(devs)), key=lambda j: -devs[j].price):
            if need(load[j], devs[j].max_util) == 0:
                continue
            before, saved_z, saved_load = total(), list(z), list(load)
            target = devs[j].max_util * (need(load[j], devs[j].max_util) - 1)
            on_j = sorted((k for k, o in enumerate(problem.options) if o.device == j and z[k]),
                          key=lambda k: problem.options[k].load)
            for k in on_j:
                o = problem.options[k]
                while z[k] and load[j] > target * (1 + EPS):
                    alt = [a for a in by_demand[o.demand] if a.device != j
                           and fits(a.device, a.load / s)]
                    if not alt:
                        break
                    a = min(alt, key=lambda a: (devs[a.device].price * (
                        need(load[a.device] + a.load / s, devs[a.device].max_util)
                        - need(load[a.device], devs[a.device].max_util)), a.load))
                    z[k] -= 1
                    z[index[id(a)]] += 1
                    load[j] -= o.load / s
                    load[a.device] += a.load / s
                if load[j] <= target * (1 + EPS):
                    break
            if total() < before - EPS:
                improved = True
            else:
                z, load = saved_z, saved_load
    counts = tuple(need(ld, d.max_util) for d, ld in zip(devs, load, strict=True))
    seconds = time.perf_counter() - t0
    return Outcome(Solution("greedy", counts, tuple(z), cost_of(problem, counts), False, None,
                            seconds), False, seconds)
