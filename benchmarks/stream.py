"""A STREAM-style memory-bandwidth reference: copy and triad, measured on this machine now.

    .venv/bin/python benchmarks/stream.py [--sizes-mb 1,8,64,512] [--threads 1,2]

Compiles a small C++ program (`g++ -O3 -march=native -fopenmp`) that runs copy (`c[i] = a[i]`)
and triad (`a[i] = b[i] + s * c[i]`) over double arrays whose total size is the working set, many
times, and reports the best rate in GB/s (bytes read + written, STREAM's counting). Working sets
that fit in a cache measure that cache, not DRAM: a kernel's bound should use the rate measured at
its own working-set size, which `bandwidth_at` does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

SOURCE = r"""
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <omp.h>

int main(int argc, char** argv) {
    long bytes = std::atol(argv[1]);
    int threads = std::atoi(argv[2]);
    omp_set_num_threads(threads);
    long n = bytes / (3 * sizeof(double));
    std::vector<double> a(n, 1.0), b(n, 2.0), c(n, 0.5);
    double s = 3.0, best_copy = 1e30, best_triad = 1e30;
    long reps = 2 + 400000000L / (bytes + 1);
    if (reps > 2000) reps = 2000;
    for (long r = 0; r < reps; r++) {
        auto t0 = std::chrono::steady_clock::now();
        #pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) c[i] = a[i];
        auto t1 = std::chrono::steady_clock::now();
        #pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        auto t2 = std::chrono::steady_clock::now();
        double dc = std::chrono::duration<double>(t1 - t0).count();
        double dt = std::chrono::duration<double>(t2 - t1).count();
        if (dc < best_copy) best_copy = dc;
        if (dt < best_triad) best_triad = dt;
    }
    double check = 0;
    for (long i = 0; i < n; i += 4096) check += a[i];
    std::printf("%.6f %.6f %.1f\n", 2.0 * n * sizeof(double) / best_copy / 1e9,
                3.0 * n * sizeof(double) / best_triad / 1e9, check);
    return 0;
}
"""


def _binary() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tensflo" / "stream"
    key = hashlib.sha256(SOURCE.encode()).hexdigest()[:16]
    binary = cache / f"stream-{key}"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", suffix=".cc", delete=False) as f:
            f.write(SOURCE)
        partial = cache / f"stream-{key}.{os.getpid()}"
        subprocess.run(["g++", "-O3", "-march=native", "-fopenmp", "-o", str(partial), f.name],
                       check=True, capture_output=True)
        os.replace(partial, binary)
        os.unlink(f.name)
    return binary


def measure(working_set_bytes: int, threads: int) -> dict[str, float]:
    """Best copy and triad rates (GB/s) for a working set of the given total size."""
    out = subprocess.run([str(_binary()), str(working_set_bytes), str(threads)], check=True,
                         capture_output=True, text=True).stdout.split()
    return {"copy_gbs": float(out[0]), "triad_gbs": float(out[1])}


def bandwidth_at(working_set_bytes: int, threads: int = 2) -> float:
    """The better of copy and triad (GB/s) at this working-set size: a kernel's bandwidth bound."""
    m = measure(max(working_set_bytes, 3 * 8 * 1024), threads)
    return max(m["copy_gbs"], m["triad_gbs"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes-mb", default="1,8,64,512")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for mb in (float(s) for s in args.sizes_mb.split(",")):
        for t in (int(s) for s in args.threads.split(",")):
            rows.append({"working_set_mb": mb, "threads": t, **measure(int(mb * 2**20), t)})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| working set MB | threads | copy GB/s | triad GB/s |\n| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['working_set_mb']:g} | {r['threads']} | {r['copy_gbs']:.1f} | {r['triad_gbs']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
