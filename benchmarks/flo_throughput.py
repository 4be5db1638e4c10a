"""Throughput of a Flo pipeline on the reference interpreter and on Apache Beam's embedded runner.

The pipeline is map -> filter -> keyed fold over a bounded stream of `(key, value)` events:
double each value, drop multiples of three, sum per key. Each engine runs it once on the same
events; the script checks that all engines agree, prints a Markdown table of events per second
and writes it to benchmarks/results/flo_throughput.md.

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


def measure(name: str, fn: Callable[[], Any], n: int) -> tuple[str, float, float, Any]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    return name, seconds, n / seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events")
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="interpreter batch size (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)

    from tensflo.targets.beam import run_beam

    load = os.getloadavg()[0]
    g, data = pipeline(), events(args.events)
    inputs = {"events": data}
    rows = [
        measure(f"interpreter, batches of {args.batch_size}",
                lambda: run(g, inputs, scheduler=InOrder(args.batch_size)).outputs, args.events),
        measure("interpreter, one event per batch",
                lambda: run(g, inputs, scheduler=InOrder(1)).outputs, args.events),
        measure("Beam FnApiRunner (embedded, in memory, 1 worker)",
                lambda: run_beam(g, inputs), args.events),
    ]
    reference = rows[0][3]
    for name, _, _, result in rows:
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
        "| engine | seconds | events/s |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds:.2f} | {rate:,.0f} |" for name, seconds, rate, _ in rows),
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
