"""The cost of the exact-int guard of functions lifted from Python (targets/exact_ints.py).

For a few programs and sizes, times per call (best of several runs): the guard's check alone
(`int64_inputs`: one read of the inputs and the bound), the int64 program alone (`<f>_int64`) and
the whole guarded call, for NumPy int64 arrays and for Python lists as inputs, on the numpy and
torch targets. Prints a table (Markdown); `--sizes` and `--targets` choose what runs.

    .venv/bin/python benchmarks/exact_ints.py [--sizes 1000,10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tensflo.ir.tensir import Function, Var, parse, vec
from tensflo.ir.tensir.magnitude import magnitude_bound
from tensflo.targets.numpy import NumpyTarget
from tensflo.targets.torch import TorchTarget

PROGRAMS = {
    "dot": "reduce_sum(vec_elemwise_mul(x, y))",
    "saxpy-like": "vec_elemwise_add(vec_scalar_mul(x, 3), y)",
    "max": "reduce_max(vec_elemwise_sub(x, y))",
}
TARGETS = {"numpy": NumpyTarget, "torch": TorchTarget}


def best(fn: Callable[[], Any], budget: float = 0.3) -> float:
    """Seconds per call: the best of several timed batches."""
    fn()
    calls, t = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        t = time.perf_counter() - start
        if t > 0.02 or calls > 10**5:
            break
        calls *= 4
    runs = max(3, min(20, int(budget / max(t, 1e-9))))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return min(times)


def measure(target: str, name: str, n: int, as_list: bool) -> dict[str, float]:
    x, y = Var("x", vec("int")), Var("y", vec("int"))
    fn = Function("f", (x, y), parse(PROGRAMS[name], {"x": x.type, "y": y.type}))
    ns = TARGETS[target]().compile([fn], source_lang="python")
    spec = magnitude_bound(fn).spec()
    rng = np.random.default_rng(0)
    a, b = rng.integers(-1000, 1000, n), rng.integers(-1000, 1000, n)
    args = (a.tolist(), b.tolist()) if as_list else (a, b)
    converted, bound = ns["int64_inputs"](spec, args)
    assert bound <= 2**63 - 1, "small inputs must take the int64 path"
    return {
        "check": best(lambda: ns["int64_inputs"](spec, args)),
        "program": best(lambda: ns["f_int64"](*args)),
        "guarded": best(lambda: ns["f"](*args)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--targets", default="numpy,torch")
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| target | program | inputs | n | check (us) | int64 program (us) | guarded call (us) "
          "| check / program |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for target in args.targets.split(","):
        for name in args.programs.split(","):
            for as_list in (False, True):
                for n in sizes:
                    if as_list and n > 100_000:
                        continue  # lists of 10**6 Python ints: the conversion alone, seconds
                    m = measure(target, name, n, as_list)
                    kind = "list" if as_list else "int64 array"
                    print(f"| {target} | {name} | {kind} | {n} | {m['check'] * 1e6:.1f} | "
                          f"{m['program'] * 1e6:.1f} | {m['guarded'] * 1e6:.1f} | "
                          f"{m['check'] / m['program']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
