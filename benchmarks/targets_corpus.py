"""Time every lifted corpus kernel on every target against its original, with a bandwidth bound.

    .venv/bin/python benchmarks/targets_corpus.py [--elements 1e6] [--targets LIST] [--only NAME ...] [--out STEM]

Runs `tensflo bench` (compiler/bench.py) on each kernel of benchmarks/kernels at one size (the
largest input has about `--elements` entries; matrices are square), then writes
benchmarks/results/targets_corpus.md and .json: per kernel x runner the median time, speedup over
the original (g++ -O3 -march=native for C++, CPython for Python) and whether the output agreed, and
per target the geometric-mean speedup over the C++ kernels. A STREAM-style copy/triad
(benchmarks/stream.py) measured in the same run at each kernel's working-set size gives its
bandwidth bound: bytes of the inputs it reads plus its output (int32, as in the C++ code) divided
by the measured rate; each runner's time is also given as a multiple of that bound.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream import bandwidth_at  # noqa: E402

from tensflo.compiler.bench import BenchOptions, bench_function  # noqa: E402
from tensflo.compiler.pipeline import Options, compile_function, read_module  # noqa: E402
from tensflo.ir.tensir import Function  # noqa: E402
from tensflo.plugins.errors import UsageError  # noqa: E402
from tensflo.plugins.manager import Registry, load_registry  # noqa: E402
from tensflo.targets.llvm.int32_proofs import Int32Proofs, assumed, prove_source  # noqa: E402

ROOT = Path(__file__).resolve().parent
KERNELS = ROOT / "kernels"
RESULTS = ROOT / "results"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elements", type=float, default=1e6)
    ap.add_argument("--targets", help="comma-separated (default: every available runnable target)")
    ap.add_argument("--only", nargs="*", help="kernel names")
    ap.add_argument("--max-seconds", type=float, default=1.0)
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
            proofs = int32_proofs(rel, path.stem, registry, opts) if lang == "cpp" else {}
            try:
                with assumed(proofs):
                    report = bench_function(rel, path.stem, registry, opts)
            except UsageError as e:
                kernels.append({"kernel": path.stem, "lang": lang, "skipped": str(e)})
                continue
            data = report.to_json()
            if proofs:
                data["int32_proofs"] = next(iter(proofs.values())).to_json()
            moved = report.working_set.get(elements)
            rate = bandwidth_at(moved) if moved else None
            data.update({"kernel": path.stem, "lang": lang, "bytes_moved": moved,
                         "bandwidth_gbs": rate,
                         "bound_s": moved / (rate * 1e9) if moved and rate else None})
            kernels.append(data)
    write_results(kernels, elements, time.perf_counter() - started, args.out)
    return 0


def int32_proofs(rel: str, name: str, registry: Registry, opts: BenchOptions,
                 ) -> dict[Function, Int32Proofs]:
    """The lifted function (as `bench_function` lifts it) and its subterms proven to be values
    the C++ source computes in `int`, which the llvm target then computes in 32 bits."""
    try:
        module = read_module(rel, registry)
        result = compile_function(module, name, registry, Options(target=None, timeout=opts.timeout, seed=opts.seed))
    except UsageError:
        return {}
    if not result.lifted or result.program is None:
        return {}
    fn = Function(name, result.params, result.program)
    return {fn: prove_source(rel, fn)}


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
                  out: str = "targets_corpus") -> None:
    runners = sorted({r["runner"] for k in kernels for r in k.get("rows", [])
                      if r["runner"] not in ("CPython",) and not r["runner"].startswith("g++")})
    lines = [
        "# Targets on the kernel corpus",
        "",
        f"Command: `.venv/bin/python benchmarks/targets_corpus.py --elements {elements}` "
        f"({platform.python_version()}, {platform.machine()}, {os.cpu_count() or 1} CPUs; {seconds:.0f} s).",
        "Each cell: median ms, speedup over the original (g++ -O3 -march=native for C++, CPython for "
        "Python), and time / bandwidth bound (STREAM-style copy/triad at the kernel's working set, "
        "2 threads). `DIFFERS` marks an output that is not the original's; `err` a runner that "
        "failed (reason in the JSON). Conversion to and from each framework is excluded. The bound "
        "counts bytes only: for compute-bound kernels (matrix products) it is far below any "
        "achievable time.",
        "",
        "| kernel | original ms | bound ms | " + " | ".join(runners) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in runners) + " |",
    ]
    speedups: dict[str, list[float]] = {r: [] for r in runners}
    bound_ratios: dict[str, list[float]] = {r: [] for r in runners}
    slower: dict[str, list[str]] = {r: [] for r in runners}
    for k in kernels:
        name = f"{k['lang']}/{k['kernel']}"
        if "skipped" in k:
            lines.append(f"| {name} | not lifted | | " + " | ".join("" for _ in runners) + " |")
            continue
        rows = {r["runner"]: r for r in k["rows"]}
        base = rows.get(k["baseline"])
        base_ms = base["time"]["median_s"] * 1e3 if base and base["time"] else None
        bound = k.get("bound_s")
        cells = []
        for runner in runners:
            r = rows.get(runner)
            if r is None or r["time"] is None:
                cells.append("err" if r else "")
                continue
            t = r["time"]["median_s"]
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
        lines.append(f"| {name} | {base_ms:.3f} | {bound * 1e3 if bound else 0:.3f} | "
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
    lines += ["", _handoff_line()]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak RSS of the benchmark process: {peak:.0f} MB."]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{out}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{out}.json").write_text(json.dumps(kernels, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
