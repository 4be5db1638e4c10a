"""The llvm target's outputs with and without non-temporal stores, side by side in one process.

    .venv/bin/python benchmarks/stream_stores.py [--elements 1e6,3e6,1e7] [--only NAME ...] [--out STEM]

For each lifted C++ corpus kernel with an array result (default: a set of element-wise ones), at
each size: the llvm kernel (int32, 32-bit proofs as in targets_corpus.py, the runtime's thread
policy) timed in alternating rounds with its streamed nest forced off (`Kernel.stream_bytes` past
any size) and on (0), each round 8 calls after one untimed call whose output is checked against
the other way's; the table gives each way's median ms, plain / streamed, whether the default
threshold (`streaming.default_stream_bytes()`, a share of the last-level cache, against the
call's working set) streams at that size, and the kernel's working set. Writes
benchmarks/results/<STEM>.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import targets_corpus as tc  # noqa: E402

from tensflo.compiler.bench import BenchOptions  # noqa: E402
from tensflo.plugins.manager import load_registry  # noqa: E402
from tensflo.targets.llvm import streaming  # noqa: E402
from tensflo.targets.llvm.int32_proofs import assumed, prove_source  # noqa: E402

DEFAULT = ["apply_gain", "scal", "axpy", "hard_clip", "clamp_array", "crossfade", "ger",
           "first_difference", "multiply_blend_8", "color_burn_8", "softmax_part2"]
ROUNDS = 8
CALLS = 8
NEVER = 2**62


def _kernel(registry, name: str, size: int):
    rel = f"benchmarks/kernels/cpp/{name}.cc"
    lifted = tc.lift(rel, name, registry, BenchOptions(targets=("llvm",), sizes=(size,)))
    if lifted is None or lifted.fn.result.rank == 0:
        return None
    arrays = tc.inputs(lifted, size, 0)
    with assumed({lifted.fn: prove_source(rel, lifted.fn)}):
        ex = registry.get("target", "llvm").executable(lifted.fn, tc.int32_dtypes(lifted.fn))
    return ex, ex.prepare([arrays[q.name] for q in lifted.fn.params])


def measure(ex, prepared) -> dict[str, float]:
    kernel = ex.kernel
    default = kernel.stream_bytes
    times: dict[str, list[float]] = {"plain": [], "streamed": []}
    want = None
    for _ in range(ROUNDS):
        for way, limit in (("plain", NEVER), ("streamed", 0)):
            kernel.stream_bytes = limit
            got = ex.run(prepared)
            if want is None:
                want = np.array(got)
            elif not np.array_equal(np.asarray(got), want):
                raise AssertionError(f"{kernel.fn.name}: the {way} output differs")
            got = None
            for _ in range(CALLS):
                t0 = time.perf_counter()
                got = ex.run(prepared)
                times[way].append(time.perf_counter() - t0)
            got = None
    kernel.stream_bytes = default
    out_bytes = want.nbytes if want is not None else 0
    return {"plain_s": statistics.median(times["plain"]),
            "streamed_s": statistics.median(times["streamed"]),
            "working_set": sum(a.nbytes for a in prepared.arrays) + out_bytes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elements", default="1e6,3e6,1e7")
    ap.add_argument("--only", nargs="*", default=DEFAULT)
    ap.add_argument("--out", default="stream_stores")
    args = ap.parse_args(argv)
    sizes = [int(float(s)) for s in args.elements.split(",")]
    started = time.perf_counter()
    rows = []
    with load_registry() as registry:
        for name in args.only:
            for size in sizes:
                made = _kernel(registry, name, size)
                if made is None:
                    print(f"{name}: not lifted, or a scalar result", file=sys.stderr)
                    break
                m = measure(*made)
                streams = m["working_set"] >= streaming.default_stream_bytes()
                rows.append((name, size, m, streams))
                print(f"{name:20s} {size:>10,d} plain {m['plain_s'] * 1e3:8.3f} ms  streamed "
                      f"{m['streamed_s'] * 1e3:8.3f} ms  x{m['plain_s'] / m['streamed_s']:5.2f}"
                      f"  {'streams' if streams else 'plain'} by default", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Non-temporal output stores (llvm target)", "",
        f"Command: `{' '.join(['.venv/bin/python benchmarks/stream_stores.py', *(argv or sys.argv[1:])])}` "
        f"({platform.python_version()}, {platform.machine()}, last-level cache "
        f"{streaming.last_level_cache() >> 20} MB, default threshold "
        f"{streaming.default_stream_bytes() / 2**20:.1f} MB of working set; "
        f"{time.perf_counter() - started:.0f} s; peak {peak:.0f} MB).",
        "Each row: the kernel on int32 inputs, median of "
        f"{ROUNDS} alternating rounds of {CALLS} calls each way, the runtime's thread policy.", "",
        "| kernel | elements | working set MB | plain ms | streamed ms | plain / streamed | default |",
        "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, size, m, streams in rows:
        lines.append(f"| {name} | {size:.0e} | {m['working_set'] / 2**20:.1f} | "
                     f"{m['plain_s'] * 1e3:.3f} | {m['streamed_s'] * 1e3:.3f} | "
                     f"{m['plain_s'] / m['streamed_s']:.2f} | "
                     f"{'streamed' if streams else 'plain'} |")
    out = tc.RESULTS / f"{args.out}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
