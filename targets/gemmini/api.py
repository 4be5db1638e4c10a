"""The Gemmini target's Python API: lower, schedule (optionally search), emit C, measure.

    from tensflo.targets.gemmini import compile_term
    result = compile_term(fn, {"a": (64, 64), "b": (64, 64)}, search="beam", budget=40, seed=0)
    result.c            # C text over gemmini.h
    result.program      # the Gemmini program (printable, runnable on the emulator)
    result.report       # cycles, utilisation, bytes moved
    result.run({"a": a, "b": b})   # run on the emulator with TensIR argument names
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tensflo.ir.tensir import Function, Term
from tensflo.plugins.errors import UsageError

from .cemit import render
from .cycles import DEFAULT_MODEL, CycleModel, Report, measure
from .emulator import run
from .generator import build
from .lower import Lowered, lower
from .planners import Planner
from .program import Program
from .schedule import NAIVE, Schedule, library
from .search import Evaluator, SearchConfig, SearchResult, beam_search
from .trace import trace
from .workload import Workload

SEARCHES = ("none", "beam")


@dataclass(frozen=True)
class GemminiResult:
    """A compiled workload: the chosen schedule, its program and C text, and what it costs."""

    name: str
    workload: Workload
    schedule: Schedule
    program: Program
    c: str
    report: Report
    baselines: dict[str, Report] = field(default_factory=dict)
    """Reports of the naive and library schedules, for comparison."""
    search: SearchResult | None = None
    lowered: Lowered | None = None
    seconds: float = 0.0

    @property
    def cycles(self) -> int:
        return self.report.cycles

    @property
    def utilisation(self) -> float:
        return self.report.utilisation

    @property
    def bytes_moved(self) -> int:
        return self.report.bytes_moved

    def run(self, args: Mapping[str, object]) -> np.ndarray | dict[str, np.ndarray]:
        """Run the program on the emulator. With a TensIR origin, `args` are keyed by parameter
        name and the result is the function's value; otherwise by buffer name (A, B, D, X)."""
        if self.lowered is None:
            return run(self.program, {k: np.asarray(v) for k, v in args.items()})
        outputs = run(self.program, self.lowered.inputs(args))
        return self.lowered.result(outputs)

    def as_dict(self) -> dict:
        out = {
            "function": self.name,
            "target": "gemmini",
            "schedule": self.schedule.as_dict(),
            "cycles": self.cycles,
            "utilisation": round(self.utilisation, 4),
            "macs": self.report.macs,
            "bytes_loaded": self.report.bytes_loaded,
            "bytes_stored": self.report.bytes_stored,
            "instructions": self.report.instructions,
            "baselines": {k: {"cycles": r.cycles, "utilisation": round(r.utilisation, 4)}
                          for k, r in self.baselines.items()},
            "seconds": round(self.seconds, 3),
        }
        if self.search is not None:
            out["search"] = {"measured": self.search.measured, "rejected": self.search.rejected,
                             "steps": list(self.search.best.steps),
                             "seconds": round(self.search.seconds, 3)}
        return out


def compile_workload(workload: Workload, search: str = "none", budget: int = 40, seed: int = 0,
                     schedule: Schedule | None = None, config: SearchConfig | None = None,
                     model: CycleModel = DEFAULT_MODEL, lowered: Lowered | None = None,
                     planner: Planner | None = None) -> GemminiResult:
    """Schedule a workload: `schedule` if given, else the library schedule, improved by beam
    search when `search="beam"` (`budget` schedules measured, seeded by `seed`, planned by
    `planner`, default the symbolic one)."""
    if search not in SEARCHES:
        raise UsageError(f"unknown search {search!r} (choose from {', '.join(SEARCHES)})")
    t0 = time.perf_counter()
    chosen = schedule or library(workload)
    found = None
    if search == "beam":
        cfg = config or SearchConfig(budget=budget, seed=seed)
        found = beam_search(workload, chosen, cfg, planner=planner,
                            evaluator=Evaluator(workload, model, seed))
        chosen = found.best.schedule
    # a planner may have written the best program itself (then `chosen` is its parent's schedule)
    program = found.best.build(workload) if found is not None else build(workload, chosen)
    report = measure(trace(program), model)
    baselines = {name: measure(trace(build(workload, s)), model)
                 for name, s in (("naive", NAIVE), ("library", library(workload)))}
    return GemminiResult(program.name, workload, chosen, program, render(program), report,
                         baselines, found, lowered, time.perf_counter() - t0)


def compile_term(fn: Function | Term, shapes: Mapping[str, tuple[int, ...]], search: str = "none",
                 budget: int = 40, seed: int = 0, schedule: Schedule | None = None,
                 config: SearchConfig | None = None, planner: Planner | None = None,
                 model: CycleModel = DEFAULT_MODEL) -> GemminiResult:
    """Lower a TensIR function (or term) with the given parameter shapes and compile it
    (cycles in `model`).

    Raises `UsageError` for a term the target cannot run or inconsistent shapes.
    """
    lowered = lower(fn, shapes)
    return compile_workload(lowered.workload, search, budget, seed, schedule, config,
                            model=model, lowered=lowered, planner=planner)


def check_on_emulator(result: GemminiResult, fn: Function, shapes: Mapping[str, tuple[int, ...]],
                      seed: int = 0) -> bool:
    """Run `result` on the emulator with seeded random int8 inputs (int32 for biases) and compare
    with the TensIR reference semantics. Raises `EmulatorError` when the program itself fails."""
    from tensflo.ir.tensir import evaluate

    assert result.lowered is not None
    rng = np.random.default_rng(seed)
    values: dict[str, object] = {}
    for p in fn.params:
        if p.type.rank == 0:
            values[p.name] = shapes[p.name][0] if p.name in shapes else 0
            continue
        wide = any(buf == "D" and q == p.name for buf, q, _ in result.lowered.bindings)
        lo, hi = (-(1 << 15), 1 << 15) if wide else (-128, 128)
        values[p.name] = rng.integers(lo, hi, shapes[p.name])
    expected = np.asarray(evaluate(fn.body, values))
    got = result.run(values)
    return bool(np.array_equal(np.asarray(got, np.int64), expected.astype(np.int64)))
