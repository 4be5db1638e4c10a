"""Lift the whole kernel corpus, check each lifted kernel against the original, and report.

    .venv/bin/python benchmarks/lift_corpus.py [--suite cpp,python,c,python_real] [--only NAME ...]
        [--timeout S] [--verifier z3|cvc5|portfolio] [--tests N] [--jobs N] [--out STEM]

Suites: benchmarks/kernels/cpp (C++ over std::vector), python, c (C in the styles of real
libraries: pointers, in-place, void, C89 counters, strides, libm, ...; each file's
`/* style: ... */` and `/* requires: ... */` lines are kept with its rows) and python_real (Python
in the styles of real code; each file's doctests are run too). The kernel of a file is its
function named like the file; a file without one has every public function as a kernel (Python
names starting with `_` are helpers). Each goes through the pipeline of
`tensflo compile FILE --function NAME --target numpy`, then a differential test of the lifted
ones: the original (g++ -O3 for C++ over vectors, gcc -O2 for C and C++ over pointers, CPython
for Python, exact ints) against the generated NumPy code on N random inputs inside the lifted
precondition; floats within a tolerance scaled to the number of terms and the magnitude (single
precision for C `float`), the largest error reported. An input where C `float` code differs but the
same code computed in double agrees (an underflow of single precision) is reported apart, not as
a failure.

The report (benchmarks/results/STEM.md and .json, totals printed): lifted by proof level and
arithmetic, not lifted by first reason, lifted per style tag, differential failures, median and
max time, peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
KERNELS = ROOT / "kernels"
RESULTS = ROOT / "results"
SUITES = {"cpp": ("cpp", "*.cc"), "python": ("python", "*.py"), "c": ("c", "*.c"),
          "python_real": ("python_real", "*.py")}

_registry: Any = None


def kernel_files(suites: list[str]) -> list[tuple[str, Path]]:
    """(suite, file) of every kernel file of the suites, in order."""
    return [(s, f) for s in suites for f in sorted((KERNELS / SUITES[s][0]).glob(SUITES[s][1]))]


def comment_tags(text: str) -> tuple[list[str], str]:
    """The `style:` tags and the `requires:` text of a C kernel's leading comments."""
    style = re.search(r"/\*\s*style:\s*(.*?)\s*\*/", text)
    requires = re.search(r"/\*\s*requires:\s*(.*?)\s*\*/", text)
    tags = [t.strip() for t in style.group(1).split(",")] if style else []
    return tags, requires.group(1) if requires else ""


def python_tags(text: str) -> list[str]:
    m = re.match(r"#\s*style:\s*(.*)", text)
    return [t.strip() for t in m.group(1).split(",")] if m else []


def reason_key(reason: str) -> str:
    """A reason without the names in it, to count kernels by what stopped them."""
    text = re.sub(r"^\S+:\d+:\d+: ", "", reason)
    text = re.sub(r" \(also refused: .*$", "", text)
    text = re.sub(r"\bstruct \w+", "struct …", text)
    text = re.sub(r"\((const )?[\w ]+ \*\)", "(T *)", text)
    text = re.sub(r"\bunsigned type (const )?[\w ]+? for", r"unsigned type \1T for", text)
    text = re.sub(r"\bpointer type (const )?[\w ]+?(\*+)", r"pointer type \1T \2", text)
    text = re.sub(r"^\w+ was not lifted \((.*)\)$", r"\1", text)
    text = re.sub(r"^(loop-shape rules|enum|rules): ", "", text)
    text = re.sub(r"`[^`]*`", "`…`", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+\b", "N", text)
    text = re.sub(r"\b(parameter|variable|counter|function|array|pointer) (?!type\b|parameter\b)[A-Za-z_]\w*",
                  r"\1 …", text)
    return text[:110]


def _init() -> None:
    global _registry
    from tensflo.plugins.manager import load_registry

    _registry = load_registry().__enter__()


def _doctests(path: Path) -> dict[str, int]:
    import doctest
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"corpus_doctest_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module, verbose=False, report=False)
    return {"attempted": result.attempted, "failed": result.failed}


def run_file(suite: str, path: Path, only: list[str] | None, timeout: float, verifier: str,
             tests: int) -> list[dict[str, Any]]:
    """The rows of every public function of one kernel file (never raises)."""
    from tensflo.compiler.differential import check_compiled
    from tensflo.compiler.pipeline import Options, compile_file, read_module

    if _registry is None:
        _init()
    rel = str(path.relative_to(ROOT.parent))
    text = path.read_text()
    tags, requires = comment_tags(text) if suite == "c" else (python_tags(text), "")
    base = {"suite": suite, "file": rel, "lang": suite.split("_")[0], "tags": tags,
            "requires": requires}
    try:
        module = read_module(rel, _registry)
        names = [n for n in [*(f.name for f in module.functions), *(r.name for r in module.rejected)]
                 if not (suite.startswith("python") and n.startswith("_"))]
    except Exception as e:  # a file that does not parse is one error row
        return [{**base, "kernel": path.stem, "function": None, "status": "error", "proof": "none",
                 "arithmetic": "integer", "seconds": 0.0, "differential": None,
                 "reason": str(e), "reason_key": reason_key(str(e))}]
    names = [path.stem] if path.stem in names else sorted(set(names), key=names.index)
    doctests = _doctests(path) if suite == "python_real" else None
    rows = []
    for name in names:
        kernel = path.stem if name == path.stem or len(names) == 1 else f"{path.stem}.{name}"
        if only and kernel not in only and path.stem not in only:
            continue
        options = Options(target="numpy", verifier=verifier, timeout=timeout)
        start = time.perf_counter()
        try:
            (result,) = compile_file(rel, [name], _registry, options)
        except Exception as e:
            rows.append({**base, "kernel": kernel, "function": name, "status": "error",
                         "proof": "none", "arithmetic": "integer",
                         "seconds": round(time.perf_counter() - start, 3), "differential": None,
                         "reason": f"{type(e).__name__}: {e}", "reason_key": type(e).__name__})
            continue
        seconds = time.perf_counter() - start
        diff = None
        if result.lifted and result.code is not None:
            try:
                report = check_compiled(rel, result, _registry, count=tests)
                diff = {"cases": report.cases, "failed": len(report.failures),
                        "failures": report.failures[:3],
                        "largest_error": report.largest_error,
                        "largest_relative_error": report.largest_relative_error,
                        "precision_only": len(report.precision_only),
                        "precision_examples": report.precision_only[:2]}
            except Exception as e:  # the harness could not run it: counted as a failure
                diff = {"cases": 0, "failed": 1, "failures": [f"{type(e).__name__}: {e}"[:600]],
                        "largest_error": 0.0}
        reason = next((d.message for d in result.diagnostics if d.severity == "error"), "")
        notes = [d.message for d in result.diagnostics if d.severity in ("note", "warning")]
        if reason.endswith("was not lifted") and notes:
            reason = f"{reason} ({notes[0]})"
        rows.append({
            **base, "kernel": kernel, "function": name, "status": result.status,
            "proof": result.proof, "arithmetic": result.arithmetic, "found_by": result.found_by,
            "tensir": result.tensir, "requires_lifted": list(result.requires),
            "seconds": round(seconds, 3), "differential": diff,
            "reason": reason if not result.lifted else "",
            "reason_key": reason_key(reason) if not result.lifted else "",
            "notes": notes, "doctests": doctests,
        })
    return rows


def totals_of(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    lifted = [r for r in rows if r["status"] == "lifted"]
    diff_fail = [r for r in rows if r["differential"] and r["differential"]["failed"]]
    times = [r["seconds"] for r in rows]
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    by_suite = {s: {"kernels": sum(r["suite"] == s for r in rows),
                    "lifted": sum(r["suite"] == s for r in lifted)}
                for s in dict.fromkeys(r["suite"] for r in rows)}
    return {
        "kernels": len(rows), "lifted": len(lifted),
        "by_suite": by_suite,
        "by_proof": dict(Counter(r["proof"] for r in lifted).most_common()),
        "by_proof_and_arithmetic": dict(Counter(f"{r['proof']} {r['arithmetic']}"
                                                for r in lifted).most_common()),
        "unbounded": sum(r["proof"] == "unbounded" for r in lifted),
        "unbounded_pct": round(100 * sum(r["proof"] == "unbounded" for r in lifted)
                               / max(len(rows), 1), 1),
        "not_lifted_by_reason": dict(Counter(r["reason_key"] for r in rows
                                             if r["status"] != "lifted").most_common()),
        "differential_failures": len(diff_fail),
        "differential_cases": sum(r["differential"]["cases"] for r in rows if r["differential"]),
        "largest_float_error": max((r["differential"]["largest_error"] for r in rows
                                    if r["differential"]), default=0.0),
        "largest_relative_float_error": max((r["differential"].get("largest_relative_error", 0.0)
                                             for r in rows if r["differential"]), default=0.0),
        "single_precision_differences": {r["kernel"]: r["differential"]["precision_only"]
                                         for r in rows if r["differential"]
                                         and r["differential"].get("precision_only")},
        "doctest_failures": sum(1 for r in rows if r.get("doctests") and r["doctests"]["failed"]),
        "median_seconds": round(statistics.median(times), 3) if times else 0,
        "max_seconds": round(max(times), 3) if times else 0,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "verifier": args.verifier, "timeout": args.timeout, "tests": args.tests,
        "jobs": args.jobs, "python": sys.version.split()[0], "cpus": os.cpu_count(),
    }


def by_tag(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        for t in r.get("tags") or []:
            e = out.setdefault(f"{r['suite']}:{t}", {"kernels": 0, "lifted": 0})
            e["kernels"] += 1
            e["lifted"] += r["status"] == "lifted"
    return dict(sorted(out.items()))


def markdown(rows: list[dict[str, Any]], totals: dict[str, Any], tags: dict[str, Any],
             command: str) -> str:
    lines = ["# Lifting the kernel corpus", "", f"Command: `{command}`", "",
             f"{totals['lifted']} of {totals['kernels']} kernels lifted; "
             f"{totals['differential_failures']} differential failures on "
             f"{totals['differential_cases']} inputs (largest float error "
             f"{totals['largest_float_error']:.3g}, relative "
             f"{totals['largest_relative_float_error']:.3g}); inputs where C `float` code differs "
             "only by single precision (the same code in double agrees): "
             f"{totals['single_precision_differences'] or 'none'}; "
             f"median {totals['median_seconds']} s, "
             f"max {totals['max_seconds']} s; peak memory {totals['peak_rss_mb']} MB.", "",
             "| suite | kernels | lifted |", "|---|---|---|"]
    lines += [f"| {s} | {v['kernels']} | {v['lifted']} |" for s, v in totals["by_suite"].items()]
    lines += ["", "| proof | arithmetic | lifted |", "|---|---|---|"]
    lines += [f"| {k.split()[0]} | {k.split()[1]} | {v} |"
              for k, v in totals["by_proof_and_arithmetic"].items()]
    lines += ["", "## Not lifted, by first reason", "", "| kernels | reason |", "|---|---|"]
    lines += [f"| {v} | {k.replace('|', '/')} |" for k, v in totals["not_lifted_by_reason"].items()]
    lines += ["", "## By style tag", "", "| suite:tag | kernels | lifted |", "|---|---|---|"]
    lines += [f"| {k} | {v['kernels']} | {v['lifted']} |" for k, v in tags.items()]
    lines += ["", "## Kernels", "",
              "| suite | kernel | status | proof | arithmetic | seconds | differential | "
              "TensIR or reason |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        d = r["differential"]
        dtext = "" if d is None else f"{d['cases'] - d['failed']}/{d['cases']}"
        if d and d.get("largest_error"):
            dtext += f" (err {d['largest_error']:.2g}, rel {d.get('largest_relative_error', 0):.2g})"
        if d and d.get("precision_only"):
            dtext += f", {d['precision_only']} single-precision only"
        what = r.get("tensir") if r["status"] == "lifted" else r["reason"]
        what = (what or "").replace("|", "\\|").replace("\n", " ")[:300]
        lines.append(f"| {r['suite']} | {r['kernel']} | {r['status']} | {r['proof']} | "
                     f"{r['arithmetic']} | {r['seconds']:.2f} | {dtext} | `{what}` |")
    lines += ["", "Totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()
                                         if not isinstance(v, dict)), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--verifier", default="z3")
    ap.add_argument("--tests", type=int, default=100, help="differential inputs per kernel")
    ap.add_argument("--only", nargs="*", help="kernel (or file stem) names to run")
    ap.add_argument("--suite", default="cpp,python,c,python_real",
                    help="comma-separated suites (default all: cpp,python,c,python_real)")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="kernel files lifted at once")
    ap.add_argument("--out", default="lift_corpus", help="results/STEM.md and .json")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of results/STEM.json this run does not redo (re-run part "
                         "of the corpus); the report says which rows were re-run")
    args = ap.parse_args(argv)
    suites = [s for s in args.suite.split(",") if s]
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        ap.error(f"unknown suite {unknown[0]!r} (choose from {', '.join(SUITES)})")
    files = kernel_files(suites)
    if args.only:
        files = [(s, f) for s, f in files
                 if f.stem in args.only or any(o.split(".")[0] == f.stem for o in args.only)]
    work = [(s, f, args.only, args.timeout, args.verifier, args.tests) for s, f in files]
    rows: list[dict[str, Any]] = []

    def show(file_rows: list[dict[str, Any]]) -> None:
        for r in file_rows:
            d = r["differential"]
            dtext = "" if d is None else f" diff {d['cases'] - d['failed']}/{d['cases']}"
            print(f"{r['suite']:11} {r['kernel']:32} {r['status']:10} {r['proof']:9} "
                  f"{r['arithmetic']:7} {r['seconds']:6.2f}s{dtext}", flush=True)
        rows.extend(file_rows)

    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs, initializer=_init) as pool:
            for file_rows in pool.map(run_file, *zip(*work, strict=True)):
                show(file_rows)
    else:
        for w in work:
            show(run_file(*w))

    command = ("benchmarks/lift_corpus.py " + " ".join(argv if argv is not None else sys.argv[1:])
               ).strip()
    if args.merge and (RESULTS / f"{args.out}.json").exists():
        old = json.loads((RESULTS / f"{args.out}.json").read_text())
        redone = {(r["suite"], r["kernel"]) for r in rows}
        for r in rows:
            r["rerun"] = command
        by_key = {(r["suite"], r["kernel"]): r for r in rows}
        kept = [by_key.pop((r["suite"], r["kernel"]), r) if (r["suite"], r["kernel"]) in redone
                else r for r in old["kernels"]]
        rows = kept + list(by_key.values())
        command = f"{old.get('command', 'benchmarks/lift_corpus.py')}; then {command}"
    totals = totals_of(rows, args)
    tags = by_tag(rows)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(
        json.dumps({"command": command, "totals": totals, "by_tag": tags, "kernels": rows},
                   indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(markdown(rows, totals, tags, command))
    print()
    for k, v in totals.items():
        print(f"{k:24} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
