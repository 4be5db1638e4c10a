"""Autocomp-style schedule search: plan (pick a menu option) -> apply -> check -> measure, in a beam.

The menu (`menu.MENU`) lists transformations of a `Schedule`; applying one gives a few variants. A
planner (`planners`) chooses which options to try from a candidate, given the workload, the
candidate's schedule and its cycle report (the hardware feedback); `SymbolicPlanner` (the default)
weighs options by where the cycles go. Each variant is built, measured with the cycle model and,
before it may enter the beam, run on the emulator and compared with the NumPy reference on seeded
random inputs; wrong programs are rejected. The planner is shown only the options that still
propose an unmeasured variant, and menu dropout hides a random part of those at each step.
Everything is seeded: the same arguments give the same result.

A planner may also implement its plans itself (`ProgramWriter`, e.g. an LLM rewriting the program
text): its programs are candidates like the schedules, but each is checked on the emulator before
it is measured, and a wrong or failing one is rejected and counted. A planner that cannot answer
raises `PlannerError`; the search then uses the symbolic planner (or the menu's own variants) for
that candidate and records why.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from .cycles import DEFAULT_MODEL, CycleModel, Report, measure
from .emulator import EmulatorError, run
from .generator import build
from .menu import MENU, OPTIONS
from .planners import PLANNERS, Planner, PlannerError, PlanState
from .program import Buffer, Program
from .schedule import NAIVE, Schedule, ScheduleError, align, check, dims, library
from .text import print_program
from .trace import trace
from .workload import Add, Workload


@dataclass(frozen=True)
class Candidate:
    schedule: Schedule
    report: Report
    steps: tuple[str, ...] = ()
    program: Program | None = None
    """A program a planner wrote (checked on the emulator), or None: the schedule's program."""

    @property
    def cycles(self) -> int:
        return self.report.cycles

    def build(self, workload: Workload) -> Program:
        """The candidate's program."""
        return self.program if self.program is not None else build(workload, self.schedule)

    def _key(self) -> tuple[int, str, str]:
        return (self.cycles, str(self.schedule),
                "" if self.program is None else print_program(self.program))


@dataclass(frozen=True)
class SearchConfig:
    beam: int = 3
    """Candidates kept after each step."""
    depth: int = 6
    """Steps (plan -> apply -> check -> measure rounds)."""
    samples: int = 3
    """Options each candidate's planner proposes per step."""
    variants: int = 2
    """Variants tried per proposed option."""
    dropout: float = 0.2
    """Chance that a menu option is hidden from the planner at a step."""
    budget: int = 60
    """Most schedules measured."""
    seed: int = 0
    check: bool = True
    """Run candidates on the emulator against the reference before they enter the beam."""
    seconds: float | None = None
    """Stop measuring new schedules once the search has run this long (None: no limit)."""


@dataclass
class SearchResult:
    best: Candidate
    start: Candidate
    measured: int = 0
    rejected: int = 0
    """Candidates that produced wrong results on the emulator or failed on it (no schedule's
    program should; a planner's written programs may)."""
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)
    programs: dict[str, int] = field(default_factory=dict)
    """Written programs by outcome: `accepted`, `wrong` (differ from the reference), `failed`
    (the emulator or the cycle model refused them), `signature` (other buffers), `duplicate`
    (written before, or the candidate's own program unchanged)."""
    fallbacks: list[str] = field(default_factory=list)
    """Why the planner could not answer, each time the search fell back to the symbolic one."""
    planner: dict = field(default_factory=dict)
    """The planner's own account (`summary()`, if it has one): requests, tokens, seconds,
    answers rejected."""

    @property
    def speedup(self) -> float:
        return self.start.cycles / self.best.cycles

    def extras(self) -> dict:
        """What a program-writing planner did, for reports (empty for the symbolic planner)."""
        out: dict = {}
        if self.programs:
            out["programs"] = dict(self.programs)
        if self.fallbacks:
            out["fallbacks"] = list(self.fallbacks)
        if self.planner:
            out["planner"] = dict(self.planner)
        if self.best.program is not None:
            out["best_written_by_planner"] = True
        return out


class Evaluator:
    """Builds, measures and checks schedules of one workload (results cached)."""

    def __init__(self, workload: Workload, model: CycleModel = DEFAULT_MODEL, seed: int = 0) -> None:
        self.workload, self.model = workload, model
        self.inputs = workload.inputs(np.random.default_rng(seed))
        self.expected = workload.reference(self.inputs)
        self._reports: dict[Schedule, Report] = {}
        self._checked: dict[Schedule, bool] = {}
        self._programs: dict[Program, tuple[Report | None, str]] = {}
        self._buffers: tuple[Buffer, ...] | None = None

    def measure(self, s: Schedule) -> Report:
        if s not in self._reports:
            self._reports[s] = measure(trace(build(self.workload, s)), self.model)
        return self._reports[s]

    def correct(self, s: Schedule) -> bool:
        if s not in self._checked:
            try:
                out = run(build(self.workload, s), self.inputs)
                ok = all(np.array_equal(out[k], v) for k, v in self.expected.items())
            except EmulatorError:
                ok = False
            self._checked[s] = ok
        return self._checked[s]

    def program(self, p: Program) -> tuple[Report | None, str]:
        """Check a program written outside the generator, then measure it: `(report, "")` when
        it has the workload's buffers and computes the reference on the seeded inputs, else
        `(None, reason)`, the reason starting with `signature`, `failed` or `wrong`."""
        if p not in self._programs:
            self._programs[p] = self._check_program(p)
        return self._programs[p]

    def _check_program(self, p: Program) -> tuple[Report | None, str]:
        if self._buffers is None:
            self._buffers = build(self.workload, library(self.workload)).buffers
        if p.buffers != self._buffers:
            want = ", ".join(f"{b.name}: {b.dtype}[{b.rows}, {b.cols}] ({b.role})"
                             for b in self._buffers)
            return None, f"signature: the buffers must be {want}"
        try:
            stream = trace(p)
            out = run(p, self.inputs, stream)
        except Exception as e:  # an untrusted program: any failure rejects it
            return None, f"failed: {type(e).__name__}: {e}"
        for name, value in self.expected.items():
            got = out.get(name)
            if got is None or not np.array_equal(got, value):
                return None, f"wrong: {name} differs from the reference"
        try:
            return measure(stream, self.model), ""
        except Exception as e:
            return None, f"failed: the cycle model: {type(e).__name__}: {e}"


def _out_of_time(config: SearchConfig, t0: float) -> bool:
    return config.seconds is not None and time.perf_counter() - t0 >= config.seconds


def beam_search(workload: Workload, start: Schedule | None = None,
                config: SearchConfig = SearchConfig(), planner: Planner | None = None,
                evaluator: Evaluator | None = None) -> SearchResult:
    """Search schedules for `workload` from `start` (default: the library schedule).

    With a `ProgramWriter` planner, the options it picks are implemented by the planner (checked
    programs enter the beam next to schedules); it falls back to the symbolic planner, or to the
    option's own variants, where it raises `PlannerError`."""
    t0 = time.perf_counter()
    planner = planner or PLANNERS["symbolic"]
    writer = getattr(planner, "implement", None)
    written: set[Program] = set()
    ev = evaluator or Evaluator(workload, seed=config.seed)
    rng = np.random.default_rng(config.seed)
    start = start or library(workload)
    first = Candidate(start, ev.measure(start))
    if config.check and not ev.correct(start):
        raise EmulatorError(f"the start schedule ({start}) gives wrong results")
    result = SearchResult(first, first, measured=1)
    beam = [first]
    seen = {start}
    stalled = 0  # consecutive steps that proposed nothing new
    for depth in range(config.depth):
        children: list[Candidate] = []
        for cand in beam:
            # the planner sees the options that still propose something new (minus dropout)
            proposals = {o.name: [v for v in o.variants(workload, cand.schedule) if v not in seen]
                         for o in MENU}
            usable = [o for o in MENU if proposals[o.name]]
            if cand.program is not None:  # a written program: every option for the workload
                usable = [o for o in MENU if not (o.gemm_only and isinstance(workload, Add))]
            menu = [o for o in usable if rng.random() >= config.dropout] or usable
            if not menu:
                continue
            state = PlanState(workload, cand.schedule, cand.report, cand.steps, cand.program)
            implement = writer
            try:
                names = planner.plan(state, menu, config.samples, rng)
            except PlannerError as e:
                result.fallbacks.append(f"step {depth + 1}, plan: {e}")
                names, implement = PLANNERS["symbolic"].plan(state, menu, config.samples, rng), None
            for name in names:
                if implement is not None:
                    if name not in {o.name for o in menu}:
                        continue  # not offered: a writer's plans are its own to check
                    try:
                        programs = implement(state, OPTIONS[name], config.variants, rng)
                    except PlannerError as e:  # the option's own variants instead
                        result.fallbacks.append(f"step {depth + 1}, implement {name}: {e}")
                    else:
                        children += _written(programs[:config.variants], cand, name, ev, written,
                                             config.budget, result, depth + 1)
                        continue
                variants = [v for v in proposals.get(name, []) if v not in seen]
                if len(variants) > config.variants:
                    idx = sorted(rng.choice(len(variants), config.variants, replace=False))
                    variants = [variants[i] for i in idx]
                for v in variants:
                    if result.measured >= config.budget or _out_of_time(config, t0):
                        break
                    seen.add(v)
                    result.measured += 1
                    children.append(Candidate(v, ev.measure(v), cand.steps + (name,)))
        pool = sorted(beam + children, key=Candidate._key)
        beam = []
        for c in pool:
            if len(beam) == config.beam:
                break
            # written programs were checked before they were measured
            if config.check and c not in beam and c.program is None and not ev.correct(c.schedule):
                result.rejected += 1
                continue
            beam.append(c)
        if beam[0].cycles < result.best.cycles:
            result.best = beam[0]
        result.log.append(f"step {depth + 1}: best {result.best.cycles} cycles "
                          f"({result.best.report.utilisation:.1%}), measured {result.measured}")
        stalled = stalled + 1 if not children else 0
        if result.measured >= config.budget or stalled == 3 or _out_of_time(config, t0):
            break
    summary = getattr(planner, "summary", None)
    if callable(summary):
        result.planner = summary()
    result.seconds = time.perf_counter() - t0
    return result


def _written(programs: list[Program], parent: Candidate, option: str, ev: Evaluator,
             written: set[Program], budget: int, result: SearchResult,
             step: int) -> list[Candidate]:
    """Candidates of the programs a planner wrote for `option`: each one new, right on the
    emulator and measured; the others are counted in `result.programs` (and `rejected`)."""
    out: list[Candidate] = []
    current = parent.build(ev.workload)
    for p in programs:
        if result.measured >= budget:
            break
        if p in written or p == current:
            result.programs["duplicate"] = result.programs.get("duplicate", 0) + 1
            continue
        written.add(p)
        result.measured += 1
        report, why = ev.program(p)
        kind = "accepted" if report is not None else why.split(":", 1)[0]
        result.programs[kind] = result.programs.get(kind, 0) + 1
        if report is None:
            result.rejected += 1
            result.log.append(f"step {step}: program for {option} rejected: {why}")
            continue
        out.append(Candidate(parent.schedule, report, parent.steps + (option,), p))
    return out


def transfer(schedule: Schedule, workload: Workload) -> Schedule:
    """Adapt a schedule found for one shape to another: clamp tiles to the new problem, shrink
    until it fits, keep every other decision."""
    if isinstance(workload, Add):
        return schedule
    ib, jb, kb = dims(workload)
    s = align(replace(schedule, ti=min(schedule.ti, ib), tj=min(schedule.tj, jb),
                       tk=min(schedule.tk, kb)))
    if (s.reuse_a or s.reuse_b) and s.tk < kb:
        s = align(replace(s, tk=kb))
    for _ in range(64):
        try:
            check(workload, s)
            return s
        except ScheduleError:
            dim = max(("ti", "tj", "tk"), key=lambda d: getattr(s, d))
            s = align(replace(s, **{dim: max(1, getattr(s, dim) // 2)}))
    check(workload, library(workload))
    return library(workload)


def replay(steps: tuple[str, ...] | list[str], workload: Workload, start: Schedule | None = None,
           evaluator: Evaluator | None = None, check_results: bool = True) -> SearchResult:
    """Reuse a found optimization sequence on another workload: apply the same menu options in
    order from `start` (default: the library schedule), keeping at each step the best variant
    (or the current schedule if no variant is faster). No planning; every variant is measured."""
    t0 = time.perf_counter()
    ev = evaluator or Evaluator(workload)
    current = Candidate(start or library(workload), ev.measure(start or library(workload)))
    result = SearchResult(current, current, measured=1)
    for name in steps:
        best = current
        for v in OPTIONS[name].variants(workload, current.schedule):
            result.measured += 1
            cand = Candidate(v, ev.measure(v), current.steps + (name,))
            if cand.cycles < best.cycles:
                if check_results and not ev.correct(v):
                    result.rejected += 1
                    continue
                best = cand
        current = best
    result.best = current
    result.seconds = time.perf_counter() - t0
    return result


def baselines(workload: Workload) -> dict[str, Schedule]:
    return {"naive": NAIVE, "library": library(workload)}


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")
