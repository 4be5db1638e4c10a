"""`tensflo bench`: time a lifted function on each target against the original (see `bench`)."""

from __future__ import annotations

import argparse
import sys
from typing import IO

from tensflo.plugins.argtypes import positive_float, positive_int
from tensflo.plugins.errors import ExitCode, UsageError
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import Registry

from .console import Progress, write_json


def add_command(command: AddCommand) -> None:
    bench = command("bench", "time a lifted function on each target against the original "
                    "(g++ -O3 -march=native, or CPython)",
                    "tensflo bench kernels/dot.cc --function dot --targets numpy,llvm --sizes 1e3,1e6",
                    run)
    bench.add_argument("source", metavar="SRC", help="a C++ (.cc, .cpp) or Python (.py) file")
    bench.add_argument("--function", "-f", required=True, metavar="NAME", help="the function to time")
    bench.add_argument("--targets", metavar="LIST",
                       help="comma-separated targets (default: every available target that runs "
                            "in this process; see `tensflo targets`)")
    bench.add_argument("--sizes", default="1e3,1e5,1e6", metavar="LIST",
                       help="entries of the largest input, comma-separated (default 1e3,1e5,1e6); "
                            "matrices are square")
    bench.add_argument("--repeats", type=positive_int, default=15, metavar="N",
                       help="timed calls per runner and size (default 15; fewer when a call is slow)")
    bench.add_argument("--max-seconds", type=positive_float, default=1.0, metavar="S",
                       help="stop timing a runner at one size after S seconds, once 3 calls ran "
                            "(default 1)")
    bench.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the random inputs")
    bench.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                       help="lifting time budget in seconds (default 60)")
    bench.add_argument("--json", action="store_true", help="print the measurements as JSON")
    bench.add_argument("--plot", metavar="OUT.png",
                       help="draw a speedup chart (needs matplotlib: pip install 'tensflo[plot]')")
    bench.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr")


def run(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from .bench import BenchOptions, bench_function, plot_speedups

    sizes = tuple(_size(s) for s in args.sizes.split(",") if s.strip())
    if not sizes:
        raise UsageError("--sizes needs at least one size, e.g. 1e3,1e6")
    targets = tuple(t for t in (args.targets or "").split(",") if t) or None
    for t in targets or ():
        registry.registration("target", t)
    if args.plot:
        _check_plot_path(args.plot)  # before measuring: nothing measured is lost to it
    progress = Progress(not args.quiet)
    try:
        report = bench_function(args.source, args.function, registry, BenchOptions(
            targets=targets, sizes=sizes, repeats=args.repeats, max_seconds=args.max_seconds,
            seed=args.seed, timeout=args.timeout, progress=progress))
    finally:
        progress.clear()
    if args.json:
        write_json(report.to_json(), out)
    else:
        out.write(report.table())
    if args.plot:
        out.flush()
        try:
            plot_speedups([report], args.plot)
        except OSError as e:
            raise UsageError(f"cannot write {args.plot}: {e.strerror or e} (the measurements "
                             f"were written above)") from None
    bad = [r for r in report.rows if r.agrees is False]
    for r in bad:
        print(f"tensflo: error: {r.runner} output differs from the original at {r.elements} entries",
              file=sys.stderr)
    return ExitCode.NOT_LIFTED if bad else ExitCode.OK


def _check_plot_path(path: str) -> None:
    """`--plot PATH` can be written and matplotlib is installed; a UsageError otherwise."""
    import importlib.util
    import os

    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'tensflo[plot]'")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: no directory {folder}")
    if not os.access(folder, os.W_OK) or os.path.isdir(path):
        raise UsageError(f"cannot write {path}: not a writable file path")


def _size(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--sizes: {text!r} is not a number (use e.g. 1000 or 1e6)") from None
    if not (value >= 1 and value == int(value)):
        raise UsageError(f"--sizes: {text!r} must be a whole number >= 1")
    return int(value)
