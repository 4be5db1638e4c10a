"""Workloads given directly on the command line (no TensIR function): convolutions, with their
check on the emulator and the per-schedule report against the lower bound.

    tensflo gemmini compile --conv n=4,h=56,w=56,cin=64,cout=64,k=3,stride=1,pad=1 --bias --relu
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np

from tensflo.plugins.errors import UsageError

from .bound import lower_bound
from .cycles import DEFAULT_MODEL, CycleModel
from .emulator import EmulatorError, run
from .workload import Gemm, conv2d_image

CONV_KEYS = {"n": 1, "h": None, "w": None, "cin": None, "cout": None, "k": 3, "stride": 1, "pad": 0}


def parse_conv(spec: str, bias: bool = False, relu: bool = False, out_dtype: str = "int32",
               acc_scale: float = 1.0) -> Gemm:
    """`n=4,h=56,w=56,cin=64,cout=64,k=3,stride=1,pad=1` -> the convolution workload.

    `bias` adds a per-output-channel int32 bias; `relu` applies ReLU on the int8 output (so it
    implies `out_dtype` int8). Raises `UsageError` for unknown keys, missing sizes or shapes the
    generator cannot run (input channels not a multiple of 16, a kernel larger than the image).
    """
    values: dict[str, int | None] = dict(CONV_KEYS)
    for item in filter(None, (s.strip() for s in spec.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if key not in CONV_KEYS or not sep:
            raise UsageError(f"bad --conv item {item!r}: write KEY=VALUE with KEY one of "
                             f"{', '.join(CONV_KEYS)}")
        try:
            values[key] = int(value)
        except ValueError:
            raise UsageError(f"bad --conv item {item!r}: {key} must be an integer") from None
    missing = [k for k, v in values.items() if v is None]
    if missing:
        raise UsageError(f"--conv needs {', '.join(missing)} (e.g. n=1,h=56,w=56,cin=64,cout=64)")
    v: dict[str, int] = {k: int(x) for k, x in values.items() if x is not None}
    try:
        return conv2d_image(v["n"], v["h"], v["w"], v["cin"], v["cout"], v["k"], v["stride"],
                            v["pad"], bias="row" if bias else "none",
                            out_dtype="int8" if relu else out_dtype, relu=relu,
                            acc_scale=acc_scale)
    except ValueError as e:
        raise UsageError(f"--conv {spec}: {e}") from None


def check_workload(result: Any, seed: int = 0) -> bool:
    """Run the program on the emulator with seeded random inputs and compare with the workload's
    NumPy reference. Raises `EmulatorError` when the program itself fails."""
    w = result.workload
    inputs = w.inputs(np.random.default_rng(seed))
    got = run(result.program, inputs)
    return all(np.array_equal(got[k], v) for k, v in w.reference(inputs).items())


def parse_model(spec: str | None) -> CycleModel:
    """`dma_latency=200,max_inflight=4` -> the default cycle model with those fields changed."""
    if not spec:
        return DEFAULT_MODEL
    names = [f.name for f in fields(CycleModel)]
    changes: dict[str, int] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        try:
            if key not in names or not sep:
                raise ValueError
            changes[key] = int(value)
            if changes[key] < 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"bad --cycle-model item {item!r}: write KEY=N (N >= 1) with KEY one "
                             f"of {', '.join(names)}") from None
    return replace(DEFAULT_MODEL, **changes)


def schedule_report(result: Any, model: CycleModel = DEFAULT_MODEL) -> dict[str, Any]:
    """Cycles, utilisation and the ratio to the lower bound of the chosen schedule and of the
    naive and library baselines, and the bound itself (all in `model`)."""
    bound = lower_bound(result.workload, model)
    reports = {"chosen": result.report, **result.baselines}
    return {
        "bound": {"cycles": bound.cycles, "utilisation": round(bound.utilisation, 4),
                  "limit": bound.limit},
        "schedules": {name: {"cycles": r.cycles, "utilisation": round(r.utilisation, 4),
                             "over_bound": round(r.cycles / bound.cycles, 4) if bound.cycles else None}
                      for name, r in reports.items()},
    }


__all__ = ["parse_conv", "parse_model", "check_workload", "schedule_report", "EmulatorError"]
