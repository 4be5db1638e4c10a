"""Autocomp-style schedule search: plan (pick a menu option) -> apply -> check -> measure, in a beam.

The menu (`MENU`) lists transformations of a `Schedule`; applying one gives a few variants. A
planner chooses which options to try from a candidate, given the workload, the candidate's
schedule and its cycle report (the hardware feedback); `SymbolicPlanner` (the default) weighs
options by where the cycles go. Each variant is built, measured with the cycle model and, before it
may enter the beam, run on the emulator and compared with the NumPy reference on seeded random
inputs; wrong programs are rejected. The planner is shown only the options that still propose
an unmeasured variant, and menu dropout hides a random part of those at each step.
Everything is seeded: the same arguments give the same result.

Planners other than the symbolic one come from plugins implementing the hook
`tensflo_gemmini_planners` (see `hooks`). A planner may also implement its plans itself
(`ProgramWriter`, e.g. an LLM rewriting the program text): its programs are candidates like the
schedules, but each is checked on the emulator before it is measured, and a wrong or failing one is
rejected and counted. A planner that cannot answer raises `PlannerError`; the search then uses the
symbolic planner (or the menu's own variants) for that candidate and records why.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import ClassVar, Protocol

import numpy as np

from .cycles import DEFAULT_MODEL, CycleModel, Report, measure
from .emulator import EmulatorError, run
from .isa import MAX_BLOCK_LEN
from .program import Buffer, Program
from .schedule import NAIVE, Schedule, ScheduleError, build, check, dims, library
from .text import print_program
from .trace import trace
from .workload import Add, Gemm, Workload


# -------------------------------------------------------------------------------------------------
# the menu
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    """One menu entry: a named transformation with the variants it proposes."""

    name: str
    description: str
    apply: Callable[[Workload, Schedule], list[Schedule]]
    gemm_only: bool = False
    """Only meaningful for matrix products (elementwise adds have no k loop or weights)."""

    def variants(self, w: Workload, s: Schedule) -> list[Schedule]:
        return [] if self.gemm_only and isinstance(w, Add) else self.apply(w, s)


def _valid(w: Workload, candidates: list[Schedule], current: Schedule) -> list[Schedule]:
    out: list[Schedule] = []
    for s in candidates:
        if s == current or s in out:
            continue
        try:
            check(w, s)
        except ScheduleError:
            continue
        out.append(s)
    return out


def _fit(w: Workload, s: Schedule, dim: str) -> Schedule | None:
    """The largest size of one tile dimension that still fits."""
    limit = dict(zip("ijk", dims(w), strict=True))[dim]
    best = None
    for n in range(getattr(s, "t" + dim), limit + 1):
        c = _align(replace(s, **{"t" + dim: n}))
        try:
            check(w, c)
            best = c
        except ScheduleError:
            continue
    return best


def _align(s: Schedule) -> Schedule:
    """Shrink blocks-per-mvin until they divide the tile."""
    a = max(d for d in range(1, s.a_blocks + 1) if s.tk % d == 0)
    b = max(d for d in range(1, s.b_blocks + 1) if s.tj % d == 0)
    return replace(s, a_blocks=a, b_blocks=b)


def _tiling(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for d in ("ij" if isinstance(w, Add) else "ijk"):
        size = getattr(s, "t" + d)
        out.append(_align(replace(s, **{"t" + d: size * 2})))
        out.append(_align(replace(s, **{"t" + d: max(1, size // 2)})))
        fitted = _fit(w, s, d)
        if fitted:
            out.append(fitted)
    # reshape the C tile at the same accumulator footprint: more rows reuse each preloaded
    # weight longer, more columns reuse each A block longer
    if s.tj > 1:
        out.append(_align(replace(s, ti=s.ti * 2, tj=s.tj // 2)))
    if s.ti > 1:
        out.append(_align(replace(s, ti=s.ti // 2, tj=s.tj * 2)))
    return _valid(w, out, s)


def _reorder(w: Workload, s: Schedule) -> list[Schedule]:
    out = [replace(s, outer="jik" if s.outer == "ijk" else "ijk", reuse_a=False, reuse_b=False)]
    out += [replace(s, inner="".join(p)) for p in itertools.permutations("ijk")]
    return _valid(w, out, s)


def _split(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [_align(replace(s, tk=max(1, s.tk // 2), reuse_a=False, reuse_b=False))], s)


def _fuse(w: Workload, s: Schedule) -> list[Schedule]:
    out = [replace(s, mvout="fused")]
    if isinstance(w, Gemm):
        out.append(_align(replace(s, tk=dims(w)[2])))  # fuse the k tiles into one
    return _valid(w, out, s)


def _unroll(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, unroll=u) for u in (2, 4)], s)


def _double_buffer(w: Workload, s: Schedule) -> list[Schedule]:
    dimensions = "ij" if isinstance(w, Add) else "ijk"
    if s.double_buffer:
        # single buffering: one region, so a tile may grow into the whole memory
        out = [replace(s, double_buffer=False)]
        for d in dimensions:
            out.append(_align(replace(s, double_buffer=False, **{"t" + d: getattr(s, "t" + d) * 2})))
        return _valid(w, out, s)
    out = [replace(s, double_buffer=True)]
    for d in dimensions:  # make room by halving one dimension
        out.append(_align(replace(s, double_buffer=True,
                                  **{"t" + d: max(1, getattr(s, "t" + d) // 2)})))
    return _valid(w, out, s)


def _keep(w: Workload, s: Schedule) -> list[Schedule]:
    if isinstance(w, Add):
        return []
    kb = dims(w)[2]
    out = []
    for outer, flag in (("ijk", "reuse_a"), ("jik", "reuse_b")):
        flags = {"reuse_a": flag == "reuse_a", "reuse_b": flag == "reuse_b"}
        c = _align(replace(s, outer=outer, tk=kb, **flags))
        out.append(c)
        for d in ("ti", "tj"):  # shrink until it fits
            shrunk = c
            while getattr(shrunk, d) > 1:
                shrunk = _align(replace(shrunk, **{d: getattr(shrunk, d) // 2}))
                try:
                    check(w, shrunk)
                    out.append(shrunk)
                    break
                except ScheduleError:
                    continue
    return _valid(w, out, s)


def _hoist(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, hoist_config=True)], s)


def _overlap(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, loads="interleaved")], s)


def _overlap_stores(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for mvout in ("deferred", "carried"):
        out.append(replace(s, mvout=mvout))
        if s.inner[0] == "k":
            out += [replace(s, mvout=mvout, inner=order) for order in ("jki", "ikj")]
    return _valid(w, out, s)


def _hoist_loads(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, loads="upfront")], s)


def _no_fences(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, fence=False)], s)


def _wide_dma(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for a in range(MAX_BLOCK_LEN, 0, -1):
        out.append(replace(s, a_blocks=a))
        out.append(replace(s, tk=-(-s.tk // a) * a, a_blocks=a))
    for b in range(MAX_BLOCK_LEN, 0, -1):
        out.append(replace(s, b_blocks=b))
        out.append(replace(s, tj=-(-s.tj // b) * b, b_blocks=b))
    valid = _valid(w, out, s)
    return [c for c in valid if c.a_blocks > s.a_blocks or c.b_blocks > s.b_blocks][:3]


MENU: tuple[Option, ...] = (
    Option("tiling", "resize one tile dimension (double, halve, or grow to fill memory)", _tiling),
    Option("reorder", "reorder the tile loops or the block loops inside a tile", _reorder,
           gemm_only=True),
    Option("split", "split the reduction into more, smaller k tiles", _split, gemm_only=True),
    Option("fuse", "move results out inside the compute loop; fuse the k tiles into one", _fuse),
    Option("unroll", "unroll the innermost block loop", _unroll, gemm_only=True),
    Option("double_buffer", "alternate two scratchpad/accumulator regions between tiles, or "
           "go back to one region so a tile can use the whole memory", _double_buffer),
    Option("keep_in_scratchpad", "keep the A (or B) tile in the scratchpad across tiles", _keep,
           gemm_only=True),
    Option("hoist_config", "configure once, outside the loops", _hoist),
    Option("hoist_loads", "move a tile's loads out of its compute loops, before them",
           _hoist_loads, gemm_only=True),
    Option("overlap_dma", "load each block just before its first use, overlapping DMA and "
           "compute", _overlap, gemm_only=True),
    Option("overlap_stores", "move each result out during the next row (or column) of blocks, "
           "spread over its k steps, overlapping stores with compute (the last row of a tile: "
           "after the tile, or carried into the next tile)", _overlap_stores,
           gemm_only=True),
    Option("remove_fences", "drop the fences between tiles", _no_fences),
    Option("wide_dma", "move up to 4 blocks per mvin", _wide_dma, gemm_only=True),
)
OPTIONS = {o.name: o for o in MENU}


# -------------------------------------------------------------------------------------------------
# planners
# -------------------------------------------------------------------------------------------------
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


# -------------------------------------------------------------------------------------------------
# evaluation and beam search
# -------------------------------------------------------------------------------------------------
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
            if not np.array_equal(out.get(name), value):
                return None, f"wrong: {name} differs from the reference"
        try:
            return measure(stream, self.model), ""
        except Exception as e:
            return None, f"failed: the cycle model: {type(e).__name__}: {e}"


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
                    if result.measured >= config.budget:
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
        if result.measured >= config.budget or stalled == 3:
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
    s = _align(replace(schedule, ti=min(schedule.ti, ib), tj=min(schedule.tj, jb),
                       tk=min(schedule.tk, kb)))
    if (s.reuse_a or s.reuse_b) and s.tk < kb:
        s = _align(replace(s, tk=kb))
    for _ in range(64):
        try:
            check(workload, s)
            return s
        except ScheduleError:
            dim = max(("ti", "tj", "tk"), key=lambda d: getattr(s, d))
            s = _align(replace(s, **{dim: max(1, getattr(s, dim) // 2)}))
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
