"""Throughput of a Flo pipeline on the reference interpreter, on Apache Beam's embedded runner and
on Beam's portable runner (a job service and 1 or 2 SDK worker processes on loopback, started by
`tensflo.targets.beam_portable.LocalCluster`).

The pipeline is map -> filter -> keyed fold over a bounded stream of `(key, value)` events:
double each value, drop multiples of three, sum per key. Each engine runs it once on the same
events, and once on a single event: that run's time is the engine's fixed cost (pipeline
construction, job submission, starting the SDK workers, reading results back), and the rest of
the time, per event, is what the data costs. The script checks that all engines agree, prints a
Markdown table and writes it to benchmarks/results/flo_throughput.md.

    .venv/bin/python benchmarks/flo_throughput.py            # 10^6 events
    .venv/bin/python benchmarks/flo_throughput.py --events 100000 --no-write
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tensflo.ir.flo import SEQ, Graph, InOrder, bounded, run

RESULTS = Path(__file__).resolve().parent / "results" / "flo_throughput.md"
KEYS = 1000


def pipeline() -> Graph:
    g = Graph("map_filter_keyed_fold")
    events = g.input("events", bounded(SEQ))
    doubled = events.map(lambda kv: (kv[0], 2 * kv[1]))
    kept = doubled.filter(lambda kv: kv[1] % 3 != 0)
    g.output("sums", kept.keyed_fold(key=lambda kv: kv[0], init=0,
                                     step=lambda acc, kv: acc + kv[1],
                                     merge=lambda a, b: a + b))
    return g


def events(n: int) -> list[tuple[int, int]]:
    return [(i % KEYS, i % 97) for i in range(n)]


Row = tuple[str, float, float, Any, dict[str, float]]
CpuProbe = Callable[[], dict[str, float]]


def measure(name: str, fn: Callable[[dict[str, list[Any]]], Any], inputs: dict[str, list[Any]],
            cpu: CpuProbe | None = None) -> Row:
    """(name, seconds on all events, seconds on one event, result on all events, CPU seconds of
    each part during the run on all events)."""
    start = time.perf_counter()
    fn({"events": inputs["events"][:1]})
    fixed = time.perf_counter() - start
    probe = cpu or (lambda: {})
    before, client = probe(), time.process_time()
    start = time.perf_counter()
    result = fn(inputs)
    seconds = time.perf_counter() - start
    used = {"this process": time.process_time() - client}
    used.update({part: t - before.get(part, 0.0) for part, t in probe().items()})
    return name, seconds, fixed, result, used


def cluster_cpu(groups: list[int]) -> dict[str, float]:
    """CPU seconds so far of the job service and of the worker pool with its SDK workers (those
    that ended count in the pool's children's time), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = {"job service": 0.0, "SDK workers and pool": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pgid = int(fields[2])
        if pgid in groups:
            part = "job service" if pgid == groups[0] else "SDK workers and pool"
            total[part] += sum(int(f) for f in fields[11:15]) / tick
    return total


def portable(cluster: Any, g: Graph, inputs: dict[str, list[Any]]) -> Row:
    from tensflo.targets.beam import run_beam
    from tensflo.targets.beam_portable import PORTABLE_RUNNER

    def on_cluster(i: dict[str, list[Any]]) -> Any:
        return run_beam(g, i, runner=PORTABLE_RUNNER, options=cluster.flags())

    n = cluster.workers
    return measure(f"Beam PortableRunner, job service + {n} SDK worker process"
                   f"{'es' if n > 1 else ''}", on_cluster, inputs,
                   lambda: cluster_cpu(cluster.process_groups()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events")
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="interpreter batch size (default: %(default)s)")
    parser.add_argument("--portable-workers", type=int, nargs="*", default=[1, 2], metavar="N",
                        help="run the portable runner with N SDK workers (default: 1 2)")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)

    from tensflo.targets.beam import run_beam
    from tensflo.targets.beam_portable import LocalCluster

    load = os.getloadavg()[0]
    g, data = pipeline(), events(args.events)
    inputs = {"events": data}
    rows = [
        measure(f"interpreter, batches of {args.batch_size}",
                lambda i: run(g, i, scheduler=InOrder(args.batch_size)).outputs, inputs),
        measure("interpreter, one event per batch",
                lambda i: run(g, i, scheduler=InOrder(1)).outputs, inputs),
        measure("Beam FnApiRunner (embedded, in memory, 1 worker)",
                lambda i: run_beam(g, i), inputs),
    ]
    for workers in args.portable_workers:
        with LocalCluster(workers=workers) as cluster:
            rows.append(portable(cluster, g, inputs))
    reference = rows[0][3]
    for name, _, _, result, _ in rows:
        if result != reference:
            print(f"error: {name} disagrees with the interpreter", file=sys.stderr)
            return 1

    import apache_beam

    lines = [
        f"# Flo throughput: map -> filter -> keyed fold, {args.events:,} events, {KEYS} keys",
        "",
        f"Command: `.venv/bin/python benchmarks/flo_throughput.py"
        f"{'' if args.events == 1_000_000 else f' --events {args.events}'}`  ",
        f"Python {platform.python_version()}, apache-beam {apache_beam.__version__}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average {load:.1f} at the start "
        "(the machine is shared, so times vary). Wall time of one run each, including "
        "graph checking and, for Beam, pipeline construction, start-up and reading the results "
        "back. All engines gave the same per-key sums.",
        "",
        "| engine | seconds | events/s | fixed cost (1 event), s | per event, µs |",
        "|---|---:|---:|---:|---:|",
        *(f"| {name} | {seconds:.2f} | {args.events / seconds:,.0f} | {fixed:.2f} | "
          f"{max(seconds - fixed, 0) / args.events * 1e6:.2f} |"
          for name, seconds, fixed, _, _ in rows),
        "",
        f"CPU seconds of each process during the run on {args.events:,} events:",
        "",
        *(f"- {name}: " + ", ".join(f"{part} {t:.1f}" for part, t in used.items())
          for name, _, _, _, used in rows),
        "",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
