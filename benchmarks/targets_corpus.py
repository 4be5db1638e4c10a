"""Time every lifted corpus kernel on every target against its original, with a bandwidth bound.

    .venv/bin/python benchmarks/targets_corpus.py [--elements 1e6] [--targets LIST] [--only NAME ...] [--out STEM]

Runs `tensflo bench` (compiler/bench.py) on each kernel of benchmarks/kernels at one size (the
largest input has about `--elements` entries; matrices are square), then writes
benchmarks/results/targets_corpus.md and .json: per kernel x runner the median time, speedup over
the original (g++ -O3 -march=native for C++, CPython for Python) and whether the output agreed, and
per target the geometric-mean speedup over the C++ kernels.

For a C++ kernel the speedup is measured side by side: `ROUNDS` rounds, each timing `CALLS` calls
of the g++ original (its timing driver, one process per round, the same inputs) and then `CALLS`
calls of the target, each after untimed calls (at least `WARMUP`, and at least `WARMUP_SECONDS`
of them by the runner's own call time), and the speedup is the median over rounds of the ratio of the two rounds'
medians, so that load on the machine during one round hits both. A kernel whose original call,
extrapolated (at least linearly) from one call at a tenth of the size, would take more than
`--max-call-seconds` (a matrix product, whose work grows faster than its input; a CPython matrix
product) is timed at that smaller size; its row says the size.

The bandwidth bound, measured in the same run (benchmarks/stream.py): the bytes the kernel must
move (its input arrays, and its output, in the original's width: int32 for C++) over the best
rate a STREAM kernel reaches at that working set on 1 or 2 threads (the read rate for a kernel
that writes less than 1% of its bytes, else copy or triad). Each runner's median time is also
given as a multiple of that bound. The bound counts bytes only: a compute-bound kernel (a matrix
product) cannot reach it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream import bound_at  # noqa: E402

from tensflo.compiler.bench import BenchOptions, bench_function, runnable_targets, time_calls  # noqa: E402
from tensflo.compiler.bench_dropin import is_dropin_source  # noqa: E402
from tensflo.compiler.bench_inputs import NoInputs, large_inputs, plan_inputs  # noqa: E402
from tensflo.compiler.native import NativeError  # noqa: E402
from tensflo.compiler.native_timing import compile_timed  # noqa: E402
from tensflo.compiler.pipeline import Options, compile_function, read_module  # noqa: E402
from tensflo.ir.tensir import Function  # noqa: E402
from tensflo.plugins.errors import UsageError  # noqa: E402
from tensflo.plugins.manager import Registry, load_registry  # noqa: E402
from tensflo.targets.llvm.int32_proofs import assumed, prove_source  # noqa: E402

ROOT = Path(__file__).resolve().parent
KERNELS = ROOT / "kernels"
RESULTS = ROOT / "results"
ROUNDS = 5
"""Side-by-side rounds (original, then target) per C++ kernel."""
CALLS = 3
"""Timed calls per runner and round."""
WARMUP = 3
"""Untimed calls per runner and round first: after the other runner's round, the first calls of
a 10^7-element kernel are up to 1.7x slower for a few calls (either side), not one."""
WARMUP_SECONDS = 0.02
"""...and at least this long: on this VM a core that idled (a sleep of 50 ms, or the other
runner's process) runs the first calls after it slowly for milliseconds, not calls (an int32
axpy at 10^6 on one thread: 0.67, 0.55, 0.46, 0.34, 0.28 ms ... against 0.17 ms steady), so
a fast kernel's three warm-up calls end before it is steady. Both runners get it, each by its
own call time (the original's from a probe run, the target's from its first calls)."""


@dataclass(frozen=True)
class Lifted:
    """A kernel as `bench_function` lifts it: the source function and the lifted one."""

    module: Any
    source: Any
    result: Any
    fn: Function


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elements", type=float, default=1e6)
    ap.add_argument("--targets", help="comma-separated (default: every available runnable target)")
    ap.add_argument("--only", nargs="*", help="kernel names")
    ap.add_argument("--max-seconds", type=float, default=0.3,
                    help="time budget of each runner in `tensflo bench` (its output check)")
    ap.add_argument("--max-call-seconds", type=float, default=5.0,
                    help="time a kernel whose original call would take longer at a smaller size")
    ap.add_argument("--out", default="targets_corpus",
                    help="results file stem under benchmarks/results (default targets_corpus)")
    args = ap.parse_args(argv)
    elements = int(args.elements)
    files = sorted((KERNELS / "cpp").glob("*.cc")) + sorted((KERNELS / "python").glob("*.py"))
    if args.only:
        files = [f for f in files if f.stem in args.only]
    targets = tuple(args.targets.split(",")) if args.targets else None
    kernels = []
    started = time.perf_counter()
    with load_registry() as registry:
        for path in files:
            rel = str(path.relative_to(ROOT.parent))
            lang = "cpp" if path.suffix == ".cc" else "python"
            print(f"{lang}/{path.stem} ...", file=sys.stderr, flush=True)
            opts = BenchOptions(targets=targets, sizes=(elements,), max_seconds=args.max_seconds)
            lifted = lift(rel, path.stem, registry, opts)
            size = elements
            if lifted is not None:
                size = affordable_size(rel, lifted, elements, args.max_call_seconds)
                opts = replace(opts, sizes=(size,))
            proofs = {lifted.fn: prove_source(rel, lifted.fn)} if lifted and lang == "cpp" else {}
            try:
                with assumed(proofs):
                    report = bench_function(rel, path.stem, registry, opts)
            except UsageError as e:
                kernels.append({"kernel": path.stem, "lang": lang, "skipped": str(e)})
                continue
            data = report.to_json()
            if proofs:
                data["int32_proofs"] = next(iter(proofs.values())).to_json()
            if lifted is not None and lang == "cpp":
                with assumed(proofs):
                    data["side_by_side"] = side_by_side(rel, lifted, registry, opts, size)
            moved = report.working_set.get(size)
            bound = bound_at(moved, lifted is not None and lifted.fn.result.rank == 0) if moved else None
            data.update({"kernel": path.stem, "lang": lang, "elements": size, "bytes_moved": moved,
                         "bound": bound, "bound_s": bound["seconds"] if bound else None})
            kernels.append(data)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(kernels, indent=1) + "\n")  # before rendering
    write_results(kernels, elements, time.perf_counter() - started, args.out, argv)
    return 0


def lift(rel: str, name: str, registry: Registry, opts: BenchOptions) -> Lifted | None:
    """The kernel lifted as `bench_function` lifts it; None if it is not lifted."""
    try:
        module = read_module(rel, registry)
        result = compile_function(module, name, registry, Options(target=None, timeout=opts.timeout, seed=opts.seed))
    except UsageError:
        return None
    source = module.function(name)
    if not result.lifted or result.program is None or source is None:
        return None
    return Lifted(module, source, result, Function(name, result.params, result.program))


def int32_dtypes(fn: Function) -> dict[str, str]:
    """Buffer dtypes as the C++ originals have them: int32 for every int parameter and result."""
    dtypes = {p.name: "int32" for p in fn.params if p.type.elem == "int"}
    if fn.result.elem == "int":
        dtypes["return"] = "int32"
    return dtypes


def inputs(lifted: Lifted, size: int, seed: int) -> dict[str, Any] | None:
    try:
        plan = plan_inputs(lifted.module, lifted.source, lifted.result.precondition, seed=seed)
        return large_inputs(plan, lifted.result.program, lifted.result.precondition, size, seed=seed)
    except NoInputs:
        return None


def _original(rel: str, lifted: Lifted) -> Any:
    src = lifted.source
    return compile_timed(rel, src.name, [str(p.type) for p in src.params], str(src.result))


def _one_call(rel: str, lifted: Lifted, size: int) -> float | None:
    """Seconds of one call of the original at `size` (None if it cannot run)."""
    arrays = inputs(lifted, size, 0)
    if arrays is None:
        return None
    args = [arrays[p.name] for p in lifted.source.params]
    if rel.endswith(".py"):
        spec = importlib.util.spec_from_file_location(f"targets_corpus_{lifted.source.name}", ROOT.parent / rel)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        lists = [a.tolist() if hasattr(a, "tolist") else a for a in args]
        t0 = time.perf_counter()
        getattr(module, lifted.source.name)(*lists)
        return time.perf_counter() - t0
    try:
        return _original(rel, lifted).time(args, warmup=0, repeats=1, max_seconds=1e6).seconds[0]
    except NativeError:
        return None


def affordable_size(rel: str, lifted: Lifted, elements: int, max_call_seconds: float) -> int:
    """The largest of `elements`, a tenth of it, a hundredth, ... (from `elements` / 1000 up)
    whose original call, extrapolated at least linearly from one call at the size below, takes
    at most `max_call_seconds`."""
    size = max(elements // 1000, 1000)
    while size < elements:
        seconds = _one_call(rel, lifted, size)
        if seconds is None or seconds * 10 > max_call_seconds:
            return size if seconds is not None else elements
        size *= 10
    return elements


def side_by_side(rel: str, lifted: Lifted, registry: Registry, opts: BenchOptions,
                 size: int) -> dict[str, Any]:
    """Per runnable target: the original and the target timed in alternating rounds on the same
    inputs (see the module docstring); the speedup is the median of the rounds' ratios."""
    src, result = lifted.source, lifted.result
    if is_dropin_source(rel, src) or result.outputs:
        return {}
    arrays = inputs(lifted, size, opts.seed)
    if arrays is None:
        return {}
    args = [arrays[p.name] for p in src.params]
    try:
        program = _original(rel, lifted)
        first = program.time(args, warmup=0, repeats=1, max_seconds=1e6).seconds[0]
    except NativeError as e:
        return {"error": str(e).splitlines()[0]}
    slow = first > 0.3
    rounds, calls, warm = (3, 1, 0) if slow else (ROUNDS, CALLS, WARMUP)
    if not slow:
        probe = program.time(args, warmup=WARMUP, repeats=CALLS, max_seconds=1e6).seconds
        warm_original = max(warm, math.ceil(WARMUP_SECONDS / min(probe)))
    else:
        warm_original = warm
    dtypes = int32_dtypes(lifted.fn)
    out: dict[str, Any] = {}
    for tname, target, _why in runnable_targets(registry, opts.targets):
        if target is None:
            continue
        try:
            ex = target.executable(lifted.fn, dtypes)
            prepared = ex.prepare([arrays[p.name] for p in lifted.fn.params])
            counts = _pool_counts() if tname == "llvm" else None
            own = []
            for _ in range(8):  # past the runtime's choice of threads
                t0 = time.perf_counter()
                ex.run(prepared)
                own.append(time.perf_counter() - t0)
            warm_target = warm if slow else max(warm, math.ceil(WARMUP_SECONDS / min(own)))
            pairs = []
            for _ in range(rounds):
                a = program.time(args, warmup=warm_original, repeats=calls,
                                 max_seconds=1e6).seconds
                b, _ = time_calls(lambda _, ex=ex, p=prepared: ex.run(p), warm_target, calls,
                                  1e6)
                pairs.append((statistics.median(a), b.median))
        except Exception as e:  # a failing target is a cell of the table
            out[tname] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
            continue
        ratios = [a / b for a, b in pairs]
        out[tname] = {"speedup": statistics.median(ratios), "ratios": ratios,
                      "original_s": statistics.median(a for a, _ in pairs),
                      "target_s": statistics.median(b for _, b in pairs)}
        if counts is not None:
            now = _pool_counts()
            assert now is not None
            out[tname]["pool"] = {"taken_back": now[0] - counts[0], "late": now[1] - counts[1]}
        policy = getattr(getattr(ex, "kernel", None), "thread_policy", None)
        if policy is not None:  # the llvm runtime's choice of threads, per size class
            out[tname]["threads"] = {
                str(bits): {"split": split, "one_us": [round(t * 1e6, 1) for t in one],
                            "two_us": [round(t * 1e6, 1) for t in two]}
                for bits, (split, one, two) in policy().items()}
    return out


def _pool_counts() -> tuple[int, int] | None:
    """The llvm native pool's split calls so far whose worker ran no chunk (the caller took them
    all back), and whose worker finished late or ran on the caller's core
    (targets/llvm/parallel.py); None without the pool."""
    from tensflo.targets.llvm import parallel

    lib = parallel.library()
    return None if lib is None else (int(lib.tf_steals()), int(lib.tf_lates()))


def _pool_lines(kernels: list[dict]) -> list[str]:
    """The llvm native pool's split calls whose chunks the caller took all back, or whose worker
    finished late, in the side-by-side rounds (warm-up calls included), in total and for the
    kernels with the most."""
    counts = [(k["kernel"], v["pool"]) for k in kernels
              for t, v in k.get("side_by_side", {}).items()
              if t == "llvm" and isinstance(v, dict) and "pool" in v]
    if not counts:
        return []
    back = sum(c["taken_back"] for _, c in counts)
    late = sum(c["late"] for _, c in counts)
    top = sorted(counts, key=lambda kc: -(kc[1]["taken_back"] + kc[1]["late"]))[:5]
    most = ", ".join(f"{k} ({c['taken_back']}, {c['late']})" for k, c in top
                     if c["taken_back"] + c["late"])
    return ["", f"llvm native pool in the side-by-side rounds (every call, warm-up included): "
                f"{back} split calls whose chunks the caller took all back, {late} whose worker "
                f"finished late or ran on the caller's core" + (f"; most on {most}." if most else ".")]


def _handoff_line() -> str:
    """The llvm target's two-thread hand-off, measured in this process (targets/llvm/parallel.py)."""
    from tensflo.targets.llvm import parallel, runtime

    native = parallel.handoff_seconds()
    python = runtime.python_handoff_seconds()
    text = "no native pool (no C compiler)" if native is None else f"{native * 1e6:.1f} us native"
    return (f"llvm two-thread hand-off (round trip of an empty job, this run): {text}, "
            f"{python * 1e6:.1f} us through a Python thread.")


def _int32_lines(kernels: list[dict]) -> list[str]:
    """Per C++ kernel: the subterms the llvm target computes in 32 bits because they are proven
    to be source `int` values (targets/llvm/int32_proofs.py), and what was not proven."""
    rows = [k for k in kernels if "int32_proofs" in k]
    if not rows:
        return []
    out = ["", "32-bit proofs (llvm): subterms proven equal to a value the C++ source computes in "
           "`int`, computed in i32; `not proven` lists the first reason.", "",
           "| kernel | proven | not proven |", "| --- | --- | --- |"]
    for k in rows:
        p = k["int32_proofs"]
        proven = ", ".join(dict.fromkeys(f"`{o['term']}`" for o in p["proven"]
                                         if o["kind"] != "every element is an iteration")) or "none"
        missing = p["not_proven"][0].replace("|", "\\|") if p["not_proven"] else ""
        out.append(f"| {k['kernel']} | {proven.replace('|', chr(92) + '|')} | {missing} |")
    return out


def _geomean(values: list[float]) -> float | None:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


def write_results(kernels: list[dict], elements: int, seconds: float,
                  out: str = "targets_corpus", argv: list[str] | None = None) -> None:
    runners = sorted({r["runner"] for k in kernels for r in k.get("rows", [])
                      if r["runner"] not in ("CPython",) and not r["runner"].startswith("g++")})
    lines = [
        "# Targets on the kernel corpus",
        "",
        "Command: `.venv/bin/python benchmarks/targets_corpus.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}` "
        f"({platform.python_version()}, {platform.machine()}, {os.cpu_count() or 1} CPUs; {seconds:.0f} s; "
        f"{elements:.0e} elements).",
        "Each cell: median ms, speedup over the original (g++ -O3 -march=native for C++, measured "
        "side by side in alternating rounds, median of the rounds' ratios; CPython for Python), and "
        "time / bandwidth bound. The bound: the kernel's bytes (inputs and output) over the best "
        "rate of a STREAM kernel (read for a reduction, else copy or triad) at the kernel's working "
        "set on 1 or 2 threads, measured in this run (`bound` column: ms, STREAM kernel, GB/s, "
        "threads). `DIFFERS` marks an output that is not the original's; `err` a runner that "
        "failed (reason in the JSON). Conversion to and from each framework is excluded. The bound "
        "counts bytes only: for compute-bound kernels (matrix products) it is far below any "
        "achievable time. A kernel timed below the requested size says so (`@ size`): its "
        "original would take over `--max-call-seconds` per call.",
        "",
        "| kernel | original ms | bound | " + " | ".join(runners) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in runners) + " |",
    ]
    speedups: dict[str, list[float]] = {r: [] for r in runners}
    bound_ratios: dict[str, list[float]] = {r: [] for r in runners}
    slower: dict[str, list[str]] = {r: [] for r in runners}
    for k in kernels:
        name = f"{k['lang']}/{k['kernel']}"
        if k.get("elements", elements) != elements:
            name += f" @ {k['elements']:.0e}"
        if "skipped" in k:
            lines.append(f"| {name} | not lifted | | " + " | ".join("" for _ in runners) + " |")
            continue
        rows = {r["runner"]: r for r in k["rows"]}
        base = rows.get(k["baseline"])
        base_ms = base["time"]["median_s"] * 1e3 if base and base["time"] else None
        bound = k.get("bound_s")
        side = k.get("side_by_side", {})
        originals = [v["original_s"] for v in side.values() if isinstance(v, dict) and "original_s" in v]
        if k["baseline"] in rows and originals:
            base_ms = statistics.median(originals) * 1e3
        cells = []
        for runner in runners:
            r = rows.get(runner)
            if r is None or r["time"] is None:
                cells.append("err" if r else "")
                continue
            t = r["time"]["median_s"]
            if "speedup" in side.get(runner, {}):
                t = side[runner]["target_s"]
                r = {**r, "speedup": side[runner]["speedup"]}
            text = f"{t * 1e3:.3f}"
            if r["agrees"] is False:
                cells.append(text + " DIFFERS")
                slower[runner].append(f"{k['kernel']} (differs)")
                continue
            if r["speedup"] is not None:
                text += f" ({r['speedup']:.2f}x)"
                if k["lang"] == "cpp":
                    speedups[runner].append(r["speedup"])
                    if r["speedup"] < 1:
                        slower[runner].append(f"{k['kernel']} {r['speedup']:.2f}x")
            if bound:
                text += f" [{t / bound:.2f}]"
                bound_ratios[runner].append(t / bound)
            cells.append(text)
        b = k.get("bound") or {}
        where = f"{b['seconds'] * 1e3:.3f} ({b['stream']}, {b['gbs']:.0f} GB/s, {b['threads']}t)" if b else ""
        lines.append(f"| {name} | {base_ms:.3f} | {where} | "
                     + " | ".join(cells) + " |" if base_ms is not None else
                     f"| {name} | failed | | " + " | ".join(cells) + " |")
    lines += ["", "| runner | geomean speedup over g++ (C++ kernels) | kernels | slower than g++ on | "
              "median time / bound |", "| --- | --- | --- | --- | --- |"]
    for runner in runners:
        g = _geomean(speedups[runner])
        med = statistics.median(bound_ratios[runner]) if bound_ratios[runner] else None
        lines.append(f"| {runner} | {g:.2f}x | {len(speedups[runner])} | "
                     f"{len(slower[runner])} | "
                     f"{med:.2f} |" if g is not None and med is not None else
                     f"| {runner} | - | 0 | - | - |")
    for runner in runners:
        if slower[runner] and len(slower[runner]) <= 20:
            lines.append(f"\n{runner} is slower than g++ on: {', '.join(slower[runner])}.")
    lines += _int32_lines(kernels)
    lines += ["", _handoff_line()] + _pool_lines(kernels)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak RSS of the benchmark process: {peak:.0f} MB."]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{out}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{out}.json").write_text(json.dumps(kernels, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
