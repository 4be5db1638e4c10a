"""`tensflo bench`: time a lifted function on each target against the original program.

The function is lifted (as by `tensflo compile`), inputs of each requested size are built by
`bench_inputs`, and on the same inputs the original (C++ compiled with `g++ -O3 -march=native`, or
CPython for Python sources) and each target run: untimed warm-up calls, then timed calls until the
repeat count or the time budget is reached. A target's conversion of inputs and outputs (`prepare`,
`fetch`) is timed separately and not part of its compute time. Every target's output is compared
with the original's; a disagreement is reported, never hidden.
"""

from __future__ import annotations

import copy
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensflo.ir.lifting.float_inputs import all_close, scale_of
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Function, print_term
from tensflo.plugins.components import RunnableTarget, target_available
from tensflo.plugins.errors import UsageError

from .bench_dropin import bench_dropin, is_dropin_source
from .bench_inputs import InputPlan, NoInputs, large_inputs, plan_inputs
from .bench_plot import format_seconds, plot_speedups
from .native import NativeError
from .native_timing import BENCH_FLAGS, SLOW, compile_timed
from .pipeline import Options, compile_function, read_module

DEFAULT_SIZES = (1_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Timing:
    """Seconds of each timed call."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        """Interquartile range (max - min below 4 calls)."""
        s = sorted(self.seconds)
        if len(s) < 4:
            return s[-1] - s[0]
        q = statistics.quantiles(s, n=4)
        return q[2] - q[0]

    def to_json(self) -> dict[str, Any]:
        return {"median_s": self.median, "spread_s": self.spread, "min_s": min(self.seconds),
                "calls": len(self.seconds)}


@dataclass(frozen=True)
class Measurement:
    """One program (the original or a target) on one input size."""

    runner: str
    elements: int
    timing: Timing | None = None
    transfer: Timing | None = None
    """Input conversion plus output conversion (targets only), not part of `timing`."""
    agrees: bool | None = None
    """Whether the output equals the original's (None for the original itself)."""
    error: str | None = None
    largest_error: float | None = None
    """Floats: the largest difference from the original's output, relative to max(1, |value|)."""

    def to_json(self) -> dict[str, Any]:
        return {"runner": self.runner, "elements": self.elements,
                "time": self.timing.to_json() if self.timing else None,
                "transfer": self.transfer.to_json() if self.transfer else None,
                "agrees": self.agrees, "error": self.error, "largest_error": self.largest_error}

    def verdict(self) -> str:
        if self.error:
            return self.error
        if self.agrees is None:
            return "baseline"
        shown = f" (err {self.largest_error:.1e})" if self.largest_error else ""
        return ("same" if self.agrees else "DIFFERS") + shown


@dataclass
class BenchReport:
    """Everything `tensflo bench` measured for one function."""

    function: str
    path: str
    tensir: str
    proof: str
    baseline: str
    inputs: dict[int, str] = field(default_factory=dict)
    """Per size: the input shapes and int parameters."""
    working_set: dict[int, int] = field(default_factory=dict)
    """Per size: bytes of the arrays passed in plus the output, at the original's element width."""
    rows: list[Measurement] = field(default_factory=list)

    def baseline_at(self, elements: int) -> Measurement | None:
        return next((r for r in self.rows if r.elements == elements and r.runner == self.baseline), None)

    def speedup(self, row: Measurement) -> float | None:
        base = self.baseline_at(row.elements)
        if base is None or base.timing is None or row.timing is None or row.agrees is False:
            return None
        return base.timing.median / row.timing.median

    def to_json(self) -> dict[str, Any]:
        return {"function": self.function, "path": self.path, "tensir": self.tensir,
                "proof": self.proof, "baseline": self.baseline,
                "inputs": {str(k): v for k, v in self.inputs.items()},
                "working_set_bytes": {str(k): v for k, v in self.working_set.items()},
                "rows": [{**r.to_json(), "speedup": self.speedup(r)} for r in self.rows]}

    def table(self) -> str:
        head = ["size", "runner", "median", "spread", "transfer", "speedup", "output"]
        lines = []
        for r in self.rows:
            speed = self.speedup(r)
            lines.append([
                f"{r.elements:.0e}".replace("e+0", "e"), r.runner,
                format_seconds(r.timing.median if r.timing else None),
                format_seconds(r.timing.spread if r.timing else None),
                format_seconds(r.transfer.median if r.transfer else None),
                f"{speed:.2f}x" if speed is not None else "-",
                r.verdict(),
            ])
        widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [f"{self.function} ({self.path}): {self.tensir}", f"proof: {self.proof}; "
               f"speedup = {self.baseline} median / runner median; transfer excluded"]
        out += [f"inputs at {k:.0e}: {v}".replace("e+0", "e") for k, v in self.inputs.items()]
        out += ["", fmt.format(*head).rstrip()] + [fmt.format(*line).rstrip() for line in lines]
        return "\n".join(out) + "\n"


@dataclass(frozen=True)
class BenchOptions:
    targets: tuple[str, ...] | None = None
    """Target names; None = every available target that runs in this process."""
    sizes: tuple[int, ...] = DEFAULT_SIZES
    warmup: int = 2
    repeats: int = 15
    max_seconds: float = 1.0
    """Stop timing a runner at one size after this much time (at least 3 calls)."""
    seed: int = 0
    timeout: float = 60.0
    """Lifting budget."""
    cache_dir: str | None = None
    progress: Callable[[str], None] | None = None


def runnable_targets(registry: Any, names: Sequence[str] | None
                     ) -> list[tuple[str, RunnableTarget | None, str]]:
    """(name, target or None, reason it cannot run) for the requested or all runnable targets."""
    out: list[tuple[str, RunnableTarget | None, str]] = []
    regs = [registry.get("target", n) for n in names] if names else [
        r.component for r in registry.all("target")]
    for target in regs:
        if not isinstance(target, RunnableTarget):
            if names:
                out.append((target.name, None, "does not run in this process"))
            continue
        ok, why = target_available(target)
        out.append((target.name, target if ok else None, "" if ok else f"unavailable: {why}"))
    return out


def time_calls(call: Callable[[Any], Any], warmup: int, repeats: int, budget: float,
           setup: Callable[[], Any] = lambda: None) -> tuple[Timing, Any]:
    """Time `call(setup())` (setup untimed): warm-up calls, then up to `repeats` timed ones, at
    least 3 unless the budget is spent; a call over `SLOW` x budget ends it, as the only sample."""
    result = None
    times: list[float] = []
    spent = 0.0
    for n in range(warmup + repeats):
        arg = setup()
        t0 = time.perf_counter()
        result = call(arg)
        dt = time.perf_counter() - t0
        spent += dt
        slow = dt > SLOW * budget
        if n >= warmup or slow:
            times.append(dt)
        if slow or (len(times) >= 3 and spent > budget):
            break
    return Timing(tuple(times)), result


def _same(want: Any, got: Any, scale: float) -> bool:
    """The target's output equals the original's; floats within the quick check's tolerance
    (`float_inputs`) for inputs of magnitude `scale`."""
    want, got = np.asarray(want), np.asarray(got)
    if want.shape != got.shape:
        return False
    if want.dtype.kind == "f" or got.dtype.kind == "f":
        return all_close(want, got, scale)
    return bool(np.array_equal(want, got))


def _python_original(path: str, name: str) -> Callable[..., Any]:
    spec = importlib.util.spec_from_file_location(f"tensflo_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _time_original(path: str, fn: L.Function, args: list[Any], label: str, elements: int,
                   opts: BenchOptions) -> tuple[Measurement, Any]:
    """The original's timing and result on `args` (C++ through the timing driver, else CPython)."""
    if fn.lang == "cpp":
        try:
            program = compile_timed(path, fn.name, [str(p.type) for p in fn.params], str(fn.result),
                                    cache_dir=opts.cache_dir)
            timed = program.time(args, warmup=opts.warmup, repeats=opts.repeats,
                                 max_seconds=opts.max_seconds)
        except NativeError as e:
            return Measurement(label, elements, error=str(e).splitlines()[0]), None
        return Measurement(label, elements, Timing(timed.seconds)), timed.result
    original = _python_original(path, fn.name)
    lists = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
    timing, result = time_calls(lambda fresh: original(*fresh), opts.warmup, opts.repeats,
                            opts.max_seconds, setup=lambda: copy.deepcopy(lists))  # it may change them
    return Measurement(label, elements, timing), result


def bench_function(path: str, name: str, registry: Any, opts: BenchOptions = BenchOptions()) -> BenchReport:
    """Lift `name` from `path` and time it on every size and target (see the module docstring)."""
    say = opts.progress or (lambda _msg: None)
    module = read_module(path, registry)
    fn = module.function(name)
    if fn is None:
        known = ", ".join(f.name for f in module.functions) or "none"
        raise UsageError(f"{path} defines no function {name!r} (defined: {known})")
    say(f"lifting {name}")
    result = compile_function(module, name, registry, Options(target=None, timeout=opts.timeout,
                                                               seed=opts.seed))
    if not result.lifted or result.program is None:
        reason = next((d.message for d in result.diagnostics if d.severity == "error"), result.status)
        raise UsageError(f"{path}: {name} was not lifted, so there is nothing to bench: {reason}")
    if is_dropin_source(path, fn):
        return bench_dropin(path, module, fn, result, registry, opts, BenchReport(
            name, path, print_term(result.program) if result.program is not None else "",
            result.proof, ""))
    if result.outputs:
        raise UsageError(f"{path}: {name} has outputs through pointers ({', '.join(result.written)}"
                         "): timing such a function is not finished")
    tfn = Function(name, result.params, result.program)
    targets = runnable_targets(registry, opts.targets)
    baseline = f"g++ {' '.join(BENCH_FLAGS[1:])}" if fn.lang == "cpp" else "CPython"
    report = BenchReport(name, path, print_term(result.program), result.proof, baseline)
    try:
        plan = plan_inputs(module, fn, result.precondition, seed=opts.seed)
    except NoInputs as e:
        raise UsageError(f"{path}: cannot build benchmark inputs: {e}") from None
    buffer = "int32" if fn.lang == "cpp" else "int64"
    dtypes = {p.name: buffer for p in tfn.params if p.type.elem == "int"}
    if tfn.result.elem == "int":
        dtypes["return"] = buffer
    executables: dict[str, Any] = {}
    for elements in opts.sizes:
        try:
            arrays = large_inputs(plan, result.program, result.precondition, elements, seed=opts.seed)
        except NoInputs as e:
            report.rows.append(Measurement(baseline, elements, error=str(e)))
            continue
        report.inputs[elements] = plan.describe(arrays)
        args = [arrays[p.name] for p in fn.params]
        say(f"{name} at {elements:.0e}: {baseline}")
        original, want = _time_original(path, fn, args, baseline, elements, opts)
        report.rows.append(original)
        if original.error:
            continue
        width = 4 if fn.lang == "cpp" else 8
        report.working_set[elements] = width * (
            sum(np.size(a) for a in args if np.ndim(a)) + int(np.size(want)))
        targs = [arrays[p.name] for p in tfn.params]
        for tname, target, why in targets:
            if target is None:
                report.rows.append(Measurement(tname, elements, error=why))
                continue
            say(f"{name} at {elements:.0e}: {tname}")
            report.rows.append(time_target(tname, target, tfn, dtypes, executables, targs, want,
                                            elements, opts, scale_of(arrays, want)))
    return report


def time_target(tname: str, target: Any, tfn: Function, dtypes: dict[str, str],
                executables: dict[str, Any], args: list[Any], want: Any, elements: int,
                opts: BenchOptions, scale: float,
                compare: Callable[[Any, Any], tuple[bool, float]] | None = None) -> Measurement:
    """The target's compute time on `args` (conversions timed apart) and whether its output
    equals `want` (by `compare`: (agrees, largest error), default `_same`)."""
    try:
        if tname not in executables:
            executables[tname] = target.executable(tfn, dtypes)
        ex = executables[tname]
        t0 = time.perf_counter()
        prepared = ex.prepare(args)
        t_prepare = time.perf_counter() - t0
        timing, out = time_calls(lambda _: ex.run(prepared), opts.warmup, opts.repeats, opts.max_seconds)
        t0 = time.perf_counter()
        got = ex.fetch(out)
        t_fetch = time.perf_counter() - t0
    except Exception as e:  # a target that fails is a row of the report, not a crash of the command
        return Measurement(tname, elements, error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    agrees, worst = compare(want, got) if compare else (_same(want, got, scale), None)
    return Measurement(tname, elements, timing, Timing((t_prepare + t_fetch,)), agrees,
                       largest_error=worst)


__all__ = ["BenchOptions", "BenchReport", "InputPlan", "Measurement", "Timing", "bench_function",
           "plot_speedups", "runnable_targets", "time_calls", "time_target"]
