"""The device planner (`tensflo plan`) on synthetic workloads of 10, 100 and 1,000 kernels.

Everything here is SYNTHETIC: device types with example hourly prices and a made-up performance
model (per device: a launch overhead, a speed factor for memory-bound and for compute-bound
kernels, and how many calls it runs at once), and seeded random kernels (memory- or compute-bound,
input sizes 10^3..10^7, request rates 10..30,000/s; in one mix 40% of them get an interactive SLO
of 1.5-10x the best latency any GPU achieves and the rest a batch SLO of 1 s, in the other all get
1 s). The profile gives each kernel's latency and throughput on each device at sizes 10^3..10^7,
so demands between them are interpolated the way a real profile is. Price/performance is deliberately non-linear, as in Mélange's GPU mix: cheap
devices win on small inputs, big GPUs on large compute-bound ones.

Two catalogues: `gpus` (T4, L4, A10G, A100, H100: Mélange's comparison, a mix of GPU types versus the
cheapest single GPU type) and `cpu+gpus` (the same plus a 2-core CPU). For each size the script
solves with the exact ILP (HiGHS via scipy.optimize.milp, time-limited) and with greedy, reports
time, proven optimality or gap, cost, and the saving against the cheapest single-type plan; with
`--z3 SIZES` also z3 `Optimize` on the same ILP (the alternative the issue names; interactive mix
only). The largest cases run in a fresh process so their peak RSS is their own.

    .venv/bin/python benchmarks/planner.py                   # writes benchmarks/results/planner.md
    .venv/bin/python benchmarks/planner.py --sizes 10,100 --no-write
"""

from __future__ import annotations

import argparse
import itertools
import math
import multiprocessing
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

from tensflo.compiler.plan import Demand, DeviceType, Point, Problem, Profile, build_problem, solve

RESULTS = Path(__file__).resolve().parent / "results" / "planner.md"
SIZES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)

# name: (price $/h, overhead ms, memory-bound speed, compute-bound speed, calls at once)
# Example prices and a synthetic performance model, not measurements.
DEVICES = {
    "cpu":  (0.09, 0.005, 1.0, 1.0, 1),
    "t4":   (0.53, 0.045, 8.0, 15.0, 2),
    "l4":   (0.80, 0.035, 10.0, 30.0, 2),
    "a10g": (1.01, 0.035, 15.0, 30.0, 2),
    "a100": (3.67, 0.025, 40.0, 100.0, 4),
    "h100": (6.98, 0.020, 70.0, 200.0, 4),
}
CATALOGUES = {"gpus": ("t4", "l4", "a10g", "a100", "h100"),
              "cpu+gpus": ("cpu", "t4", "l4", "a10g", "a100", "h100")}


def _loguniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def synthetic(n: int, seed: int, names: tuple[str, ...], interactive: float = 0.4
              ) -> tuple[list[DeviceType], list[Demand], Profile]:
    """`n` seeded random kernels, their profile on every device in `names`, and the catalogue; a
    share `interactive` of the kernels gets a tight SLO, the rest 1 s."""
    rng = random.Random(seed)
    devices = [DeviceType(name, DEVICES[name][0]) for name in names]
    points: list[Point] = []
    demands: list[Demand] = []
    for k in range(n):
        compute = rng.random() < 0.3
        exponent = 1.5 if compute else 1.0
        # CPU time at 10^6 entries: 0.2-2 ms (memory-bound) or 10-100 ms (compute-bound)
        at_1e6 = _loguniform(rng, 10, 100) if compute else _loguniform(rng, 0.2, 2)
        scale = at_1e6 / 1e6 ** exponent
        name = f"k{k:04d}"
        for dev in names:
            _, overhead, mem, comp, conc = DEVICES[dev]
            for size in SIZES:
                latency = overhead + scale * size ** exponent / (comp if compute else mem)
                points.append(Point(name, dev, size, latency, conc * 1e3 / latency))
        size = int(_loguniform(rng, 1e3, 1e7))
        rate = _loguniform(rng, 10, 30000)
        demands.append(Demand(name, name, rate, size, 0.0))
    profile = Profile(points)
    out = []
    for d in demands:
        best = min(e.latency_ms for dev in CATALOGUES["gpus"]  # the same SLOs in both catalogues
                   if (e := profile.estimate(d.kernel, dev, d.size)) is not None)
        factor, draw = _loguniform(rng, 1.5, 10), rng.random()
        slo = best * factor if draw < interactive else 1000.0
        out.append(Demand(d.name, d.kernel, d.rate, d.size, max(slo, best)))
    return devices, out, profile


def z3_exact(problem: Problem, timeout_s: float) -> tuple[float | None, float, str]:
    """The same integer program (one device type per kernel) with z3 Optimize: a Boolean per
    option, a pseudo-Boolean equality per kernel, loads scaled to integers (rounded up) and prices
    in cents. Returns (cost, seconds, status)."""
    import z3

    assert problem.slices == 1
    t0 = time.perf_counter()
    opt = z3.Optimize()
    opt.set("timeout", int(timeout_s * 1000))
    n = [z3.Int(f"n{j}") for j in range(len(problem.devices))]
    x = [z3.Bool(f"x{k}") for k in range(len(problem.options))]
    for v in n:
        opt.add(v >= 0)
    by_demand: list[list[int]] = [[] for _ in problem.demands]
    for k, o in enumerate(problem.options):
        by_demand[o.demand].append(k)
    for ks in by_demand:
        opt.add(z3.PbEq([(x[k], 1) for k in ks], 1))
    scale = 10**6
    for j, d in enumerate(problem.devices):
        terms = [z3.If(x[k], math.ceil(o.load * scale), 0)
                 for k, o in enumerate(problem.options) if o.device == j]
        if terms:
            opt.add(z3.Sum(terms) <= int(d.max_util * scale) * n[j])
    objective = z3.Sum([round(d.price * 100) * v for d, v in zip(problem.devices, n,
                                                                   strict=True)])
    opt.minimize(objective)
    result = opt.check()
    seconds = time.perf_counter() - t0
    if result == z3.sat:
        return opt.model().eval(objective).as_long() / 100, seconds, "optimal"
    return None, seconds, f"{result} (timeout {timeout_s:g} s)" if result == z3.unknown else str(
        result)


def run_case(n: int, seed: int, catalogue: str, interactive: float, time_limit: float,
             use_z3: bool) -> dict[str, Any]:
    devices, demands, profile = synthetic(n, seed, CATALOGUES[catalogue], interactive)
    problem = build_problem(devices, demands, profile)
    exact = solve(problem, "exact", time_limit)
    greedy = solve(problem, "greedy")
    singles = []
    for j, d in enumerate(devices):
        t0 = time.perf_counter()
        sp = solve(problem.restricted(j), "exact", time_limit)
        singles.append((d.name, sp.cost, time.perf_counter() - t0))
    feasible = [(name, c) for name, c, _ in singles if c is not None]
    cheapest = min(feasible, key=lambda x: x[1]) if feasible else None
    es, gs = exact.solution, greedy.solution
    assert es is not None and gs is not None, "synthetic workloads are feasible by construction"
    row: dict[str, Any] = {
        "catalogue": catalogue, "interactive": interactive, "kernels": n, "options": len(problem.options),
        "exact_s": es.seconds, "exact_optimal": es.optimal, "exact_gap": es.gap,
        "exact_cost": es.cost, "exact_devices": sum(es.counts),
        "greedy_s": gs.seconds, "greedy_cost": gs.cost,
        "single_type": cheapest[0] if cheapest else None,
        "single_cost": cheapest[1] if cheapest else None,
        "single_feasible": len(feasible), "single_s": sum(t for *_, t in singles),
        "single_costs": {name: c for name, c, _ in singles},
        "mix": {d.name: c for d, c in zip(devices, es.counts, strict=True) if c},
    }
    if use_z3:
        cost, seconds, status = z3_exact(problem, time_limit)
        row.update(z3_cost=cost, z3_s=seconds, z3_status=status)
    return row


def _child(queue: Any, *args: Any) -> None:
    row = run_case(*args)
    row["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(row)


def run_isolated(*args: Any) -> dict[str, Any]:
    """`run_case(*args)` in a fresh (spawned) process, with that process's peak RSS."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, *args))
    proc.start()
    row = queue.get()
    proc.join()
    return row


def table(rows: list[dict[str, Any]], use_z3: bool) -> str:
    head = ["catalogue", "SLOs", "kernels", "exact s", "exact", "exact $/h", "greedy s", "greedy $/h",
            "greedy/exact", "cheapest single type", "saving", "saving vs each feasible single type",
            "devices (exact)"]
    if use_z3:
        head += ["z3 Optimize"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        proof = "optimal" if r["exact_optimal"] else f"gap {r['exact_gap'] * 100:.2g}%"
        single = (f"{r['single_type']} ${r['single_cost']:.2f}/h" if r["single_type"]
                  else "none feasible")
        saving = (f"{1 - r['exact_cost'] / r['single_cost']:.1%}" if r["single_cost"] else "-")
        mix = ", ".join(f"{c} {t}" for t, c in r["mix"].items())
        others = [1 - r["exact_cost"] / c for c in r["single_costs"].values() if c]
        spread = (f"{min(others):.0%}..{max(others):.0%} ({len(others)} "
                  f"type{'s' if len(others) > 1 else ''})" if others else "-")
        slos = (f"{r['interactive']:.0%} interactive" if r["interactive"] else "all 1 s")
        cells = [r["catalogue"], slos, f"{r['kernels']:,}", f"{r['exact_s']:.2f}", proof,
                 f"{r['exact_cost']:.2f}", f"{r['greedy_s']:.3f}", f"{r['greedy_cost']:.2f}",
                 f"{r['greedy_cost'] / r['exact_cost']:.3f}", single, saving, spread, mix]
        if use_z3:
            cells.append("-" if "z3_s" not in r else
                         f"{r['z3_s']:.2f} s, {r['z3_status']}"
                         + (f", ${r['z3_cost']:.2f}/h" if r["z3_cost"] is not None else ""))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def summary(rows: list[dict[str, Any]]) -> str:
    """The largest savings, and where the exact solver was not proven optimal, from the rows."""

    def case(r: dict[str, Any]) -> str:
        slos = f"{r['interactive']:.0%} interactive" if r["interactive"] else "all 1 s"
        return f"{r['catalogue']}, {slos}, {r['kernels']:,} kernels"

    cheapest = [(1 - r["exact_cost"] / r["single_cost"], r) for r in rows if r["single_cost"]]
    anyone = [(1 - r["exact_cost"] / c, r) for r in rows for c in r["single_costs"].values() if c]
    lines = []
    if cheapest:
        s, r = max(cheapest, key=lambda x: x[0])
        lines.append(f"Largest saving against the cheapest single-type plan: {s:.1%} ({case(r)}).")
    if anyone:
        s, r = max(anyone, key=lambda x: x[0])
        lines.append(f"Largest saving against any feasible single-type plan (the kind of "
                     f"comparison behind Mélange's \"up to 77%\"): {s:.1%} ({case(r)}).")
    unproven = [case(r) for r in rows if not r["exact_optimal"]]
    lines.append("Exact not proven optimal within the time limit: "
                 + ("; ".join(unproven) if unproven else "none") + ".")
    worst = max(rows, key=lambda r: r["greedy_cost"] / r["exact_cost"])
    lines.append(f"Greedy's worst cost ratio to exact: {worst['greedy_cost'] / worst['exact_cost']:.3f}"
                 f" ({case(worst)}).")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100,1000", help="kernel counts (default 10,100,1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0,
                    help="seconds per exact solve (default 60)")
    ap.add_argument("--z3", default="10,100", metavar="SIZES",
                    help="kernel counts also solved with z3 Optimize (default 10,100; '' for none)")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/results")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    z3_sizes = {int(s) for s in args.z3.split(",") if s}
    rows = []
    t_all = time.perf_counter()
    for catalogue, interactive in itertools.product(CATALOGUES, (0.4, 0.0)):
        for n in sizes:
            use_z3 = n in z3_sizes and interactive > 0
            row = (run_isolated if n == max(sizes) else run_case)(
                n, args.seed + n, catalogue, interactive, args.time_limit, use_z3)
            rows.append(row)
            print(f"{catalogue} {interactive:.0%} interactive {n}: exact {row['exact_s']:.2f} s ${row['exact_cost']:.2f}/h, "
                  f"greedy ${row['greedy_cost']:.2f}/h, single {row['single_type']} "
                  f"${row['single_cost'] or 0:.2f}/h", file=sys.stderr)
    text = table(rows, bool(z3_sizes))
    largest = [r for r in rows if "peak_rss_mib" in r]
    rss = "; ".join(f"{r['catalogue']}, {r['interactive']:.0%} interactive, {r['kernels']:,} "
                    f"kernels: {r['peak_rss_mib']:.0f} MiB" for r in largest)
    total = time.perf_counter() - t_all
    text += "\n" + summary(rows) + "\n"
    print(text)
    print(f"peak RSS of the largest cases (each in its own process): {rss}")
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            "# Device planner on synthetic workloads\n\n"
            f"`.venv/bin/python benchmarks/planner.py --sizes {args.sizes} --seed {args.seed} "
            f"--time-limit {args.time_limit:g} --z3 '{args.z3}'` on {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; {total:.0f} s in all.\n\n"
            "SYNTHETIC devices, prices and performance model, seeded random kernels (see the "
            "script's docstring); not measurements. Exact: HiGHS through scipy.optimize.milp, "
            "relative gap 0, time limit per solve as above. Saving = 1 - exact cost / cheapest "
            "single-device-type plan (each single type solved exactly too). Each kernel runs on "
            "one device type (--slices 1); instances have an 80% utilisation cap.\n\n"
            + text + f"\nPeak RSS, largest cases (each in its own process): {rss}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
