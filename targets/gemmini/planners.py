"""Planners of the schedule search: which menu options to try next from a candidate.

A planner sees a `PlanState` (the workload, a candidate's schedule, its cycle report and how it was
found) and names options of the menu to try. `SymbolicPlanner`, the default, weighs options by
where the cycles go. Other planners come from plugins implementing the hook
`tensflo_gemmini_planners` (see `hooks`); a `ProgramWriter` also implements its plans itself,
returning rewritten programs. A planner that cannot answer raises `PlannerError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from .cycles import Report
from .generator import build
from .menu import MENU, Option
from .program import Program
from .schedule import Schedule
from .workload import Workload


@dataclass(frozen=True)
class PlanState:
    """What a planner sees: the workload, a candidate schedule, its report and how it was found."""

    workload: Workload
    schedule: Schedule
    report: Report
    history: tuple[str, ...]
    program: Program | None = None
    """The candidate's program when a planner wrote it (`schedule` is then the schedule of the
    candidate it was rewritten from); None for a schedule's own program."""

    def current(self) -> Program:
        """The candidate's program."""
        return self.program if self.program is not None else build(self.workload, self.schedule)


class PlannerError(Exception):
    """A planner could not answer (its endpoint failed, its budget is spent); the search falls back
    to the symbolic planner for that candidate and records the reason."""


class Planner(Protocol):
    """Chooses menu options to try next (plan phase); the search applies them (implement phase)."""

    name: ClassVar[str]

    def plan(self, state: PlanState, menu: list[Option], samples: int,
             rng: np.random.Generator) -> list[str]:
        """Up to `samples` option names from `menu`, most promising first."""
        ...


class ProgramWriter(Planner, Protocol):
    """A planner that implements its plans itself (Autocomp's second phase): for a chosen option
    it returns rewritten programs of the candidate instead of the option's schedule variants.
    Nothing it returns is trusted: the search runs each program on the emulator against the
    reference before measuring it. Programs must be parsed data (`text.parse_program`), with loop
    bounds small enough to trace."""

    def implement(self, state: PlanState, option: Option, n: int,
                  rng: np.random.Generator) -> list[Program]:
        """Up to `n` rewritten programs of `state`'s candidate applying `option`."""
        ...


@dataclass(frozen=True)
class SymbolicPlanner:
    """Weighs each option by the bottleneck the cycle report shows, then samples without
    replacement: DMA-bound -> wider transfers, bigger or kept tiles; execute queue idle ->
    overlap, double buffering, fewer fences; store-heavy -> spread stores; repeated preloads ->
    loop reorder."""

    name: ClassVar[str] = "symbolic"

    def weights(self, state: PlanState) -> dict[str, float]:
        s, r = state.schedule, state.report
        cycles = max(r.cycles, 1)
        ld, ex, st = (r.busy.get(q, 0) / cycles for q in ("ld", "ex", "st"))
        idle = max(0.0, 1.0 - ex)
        w = {o.name: 0.2 for o in MENU}
        w["tiling"] += 1.0 + ld + st
        w["wide_dma"] += 2.0 * ld
        w["keep_in_scratchpad"] += 1.5 * ld
        w["double_buffer"] += 2.0 * idle
        w["overlap_dma"] += 2.0 * idle if s.loads == "upfront" else 0.0
        w["remove_fences"] += 3.0 if s.fence else 0.0
        w["hoist_config"] += 1.0 if not s.hoist_config else 0.0
        w["fuse"] += st + (0.5 if s.mvout == "tile" else 0.0)
        w["overlap_stores"] += {"tile": 2.0, "fused": 2.0, "deferred": 1.0}.get(s.mvout, 0.0) * st
        w["reorder"] += 1.0 if s.inner[-1] != "i" else 0.3
        w["split"] += 0.2
        w["spread_loads"] += 2.0 * idle if s.loads != "spread" else 0.0
        w["weight_reuse"] += 1.0 + idle
        return w

    def plan(self, state: PlanState, menu: list[Option], samples: int,
             rng: np.random.Generator) -> list[str]:
        weights = self.weights(state)
        names = [o.name for o in menu]
        p = np.array([weights.get(n, 0.2) for n in names], float)
        k = min(samples, len(names))
        picks = rng.choice(len(names), size=k, replace=False, p=p / p.sum())
        return [names[i] for i in picks]


PLANNERS: dict[str, Planner] = {"symbolic": SymbolicPlanner()}
