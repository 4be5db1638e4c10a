"""Time llvm drop-ins (`tensflo compile --target llvm --emit so`) against gcc -O2 of the original C.

Both are shared libraries called through ctypes with the same NumPy buffers (disjoint, so the
drop-in takes its lifted path), n = 10^3..10^6; the table gives the median time per call and the
ratio original / drop-in (above 1: the drop-in is faster).

    .venv/bin/python benchmarks/dropin.py [--out benchmarks/results/dropin.md]
"""

from __future__ import annotations

import argparse
import ctypes
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = (ROOT / "benchmarks" / "dropin_kernels.c").read_text()
KERNELS = {
    "saxpy": ("float32", 2, [ctypes.c_int, ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p], None),
    "sdot": ("float32", 2, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_float),
    "relu": ("float32", 1, [ctypes.c_int, ctypes.c_void_p], None),
    "dnorm": ("float64", 1, [ctypes.c_int, ctypes.c_void_p], ctypes.c_double),
}
SIZES = (10**3, 10**4, 10**5, 10**6)


def timed(fn, args, budget: float = 0.2) -> float:
    """Median seconds per call over batches filling about `budget` seconds."""
    fn(*args)
    t0, calls = time.perf_counter(), 0
    while time.perf_counter() - t0 < 0.02:
        fn(*args)
        calls += 1
    batch = max(1, calls)
    samples = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(batch):
            fn(*args)
        samples.append((time.perf_counter() - t) / batch)
    return sorted(samples)[len(samples) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="also write the table (markdown) here")
    args = ap.parse_args()
    rows = ["| kernel | n | gcc -O2 (us) | drop-in (us) | ratio |", "|---|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "k.c"
        src.write_text(SOURCE)
        orig = Path(d) / "orig.so"
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(orig), str(src), "-lm"],
                       check=True)
        original = ctypes.CDLL(str(orig))
        for name, (dtype, arrays, argtypes, restype) in KERNELS.items():
            so = Path(d) / f"{name}.so"
            subprocess.run([str(ROOT / ".venv/bin/tensflo"), "compile", str(src), "-f", name,
                            "--target", "llvm", "--emit", "so", "-o", str(so), "-q"],
                           check=True, capture_output=True)
            dropin = ctypes.CDLL(str(so))
            fns = []
            for lib in (original, dropin):
                f = getattr(lib, name)
                f.argtypes, f.restype = argtypes, restype
                fns.append(f)
            rng = np.random.default_rng(0)
            for n in SIZES:
                bufs = [rng.uniform(-1, 1, n).astype(dtype) for _ in range(arrays)]
                call = [n, *([1e-6] if name == "saxpy" else []), *(b.ctypes.data for b in bufs)]
                t_orig, t_drop = timed(fns[0], call), timed(fns[1], call)
                rows.append(f"| {name} | {n} | {t_orig * 1e6:.2f} | {t_drop * 1e6:.2f} | "
                            f"{t_orig / t_drop:.2f} |")
                print(rows[-1], flush=True)
    table = "\n".join(rows) + "\n"
    if args.out:
        Path(args.out).write_text("# llvm drop-in against gcc -O2 of the original\n\n"
                                  "`.venv/bin/python benchmarks/dropin.py`\n\n" + table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
