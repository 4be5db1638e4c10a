"""How often the llvm target's magic-number estimate needs its correction, over every divisor.

    .venv/bin/python benchmarks/magic_estimates.py

For every divisor magnitude B in 1..2^31 (targets/llvm/int_div.py, `tensflo.magic_quotient32`),
compares the double estimate `trunc(2^(31+l) * fl(1 / B))`, l = ceil(log2 B), with the exact
`floor(2^(31+l) / B)` (NumPy, in chunks), and prints how many estimates are one above, one below
or further off, with the first few divisors of each. The generated code corrects the estimate by
the exact remainder, so any count here is handled; a count of "further off" would break the
correction's argument (the estimate is within 2^-21 of the quotient).
"""

from __future__ import annotations

import time

import numpy as np

CHUNK = 1 << 24
LIMIT = 2**31


def main() -> int:
    started = time.perf_counter()
    counts = {"above": 0, "below": 0, "further": 0}
    first: dict[str, list[int]] = {k: [] for k in counts}
    one = np.uint64(1)
    for start in range(1, LIMIT + 1, CHUNK):
        b = np.arange(start, min(start + CHUNK, LIMIT + 1), dtype=np.uint64)
        ell = np.zeros(b.size, dtype=np.uint64)
        for k in range(32):  # ceil(log2 B): the least l with 2^l >= B
            ell += (b > (one << np.uint64(k))).astype(np.uint64)
        power = one << (ell + np.uint64(31))
        estimate = (power.astype(np.float64) * (1.0 / b.astype(np.float64))).astype(np.uint64)
        exact = power // b
        diff = estimate.astype(np.int64) - exact.astype(np.int64)
        for kind, mask in (("above", diff == 1), ("below", diff == -1),
                           ("further", np.abs(diff) > 1)):
            counts[kind] += int(mask.sum())
            first[kind] += [int(v) for v in b[mask][: 6 - len(first[kind])]]
    print(f"| estimate | divisors (of {LIMIT}) | first |\n| --- | --- | --- |")
    for kind, n in counts.items():
        print(f"| {kind} | {n} | {', '.join(map(str, first[kind])) or '-'} |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
