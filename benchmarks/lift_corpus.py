"""Lift the whole kernel corpus, check each lifted kernel against the original, and report.

    .venv/bin/python benchmarks/lift_corpus.py [--timeout S] [--verifier z3|cvc5|portfolio]
                                               [--tests N] [--only NAME ...]

For every kernel in benchmarks/kernels/{cpp,python} it runs the same pipeline as
`tensflo compile KERNEL --function NAME --target numpy`, then a differential test: the original
(g++ -O3 for C++, CPython for Python) and the generated NumPy code on N random inputs inside the
precondition. Writes benchmarks/results/lift_corpus.md and .json and prints the totals.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from tensflo.compiler.differential import check_compiled
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry

ROOT = Path(__file__).resolve().parent
KERNELS = ROOT / "kernels"
RESULTS = ROOT / "results"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--verifier", default="z3")
    ap.add_argument("--tests", type=int, default=100, help="differential inputs per kernel")
    ap.add_argument("--only", nargs="*", help="kernel names to run")
    args = ap.parse_args(argv)

    files = sorted((KERNELS / "cpp").glob("*.cc")) + sorted((KERNELS / "python").glob("*.py"))
    if args.only:
        files = [f for f in files if f.stem in args.only]
    rows = []
    with load_registry() as registry:
        options = Options(target="numpy", verifier=args.verifier, timeout=args.timeout)
        for path in files:
            rel = str(path.relative_to(ROOT.parent))
            start = time.perf_counter()
            (result,) = compile_file(rel, [path.stem], registry, options)
            seconds = time.perf_counter() - start
            diff = None
            if result.lifted and result.code is not None:
                report = check_compiled(rel, result, registry, count=args.tests)
                diff = {"cases": report.cases, "failures": report.failures[:3],
                        "failed": len(report.failures)}
            reason = next((d.message for d in result.diagnostics if d.severity == "error"), "")
            notes = [d.message for d in result.diagnostics if d.severity in ("note", "warning")]
            rows.append({
                "kernel": path.stem, "lang": "cpp" if path.suffix == ".cc" else "python",
                "status": result.status, "proof": result.proof, "found_by": result.found_by,
                "tensir": result.tensir, "seconds": round(seconds, 3), "differential": diff,
                "reason": reason if not result.lifted else "", "notes": notes,
            })
            mark = f"{result.status:10} {result.proof:9}"
            d = "" if diff is None else f" diff {diff['cases'] - diff['failed']}/{diff['cases']}"
            print(f"{path.stem:28} {mark} {seconds:6.2f}s{d}", flush=True)

    lifted = [r for r in rows if r["status"] == "lifted"]
    unbounded = [r for r in rows if r["status"] == "lifted" and r["proof"] == "unbounded"]
    diff_fail = [r for r in rows if r["differential"] and r["differential"]["failed"]]
    times = [r["seconds"] for r in rows]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    totals = {
        "kernels": len(rows), "lifted": len(lifted), "unbounded": len(unbounded),
        "unbounded_pct": round(100 * len(unbounded) / max(len(rows), 1), 1),
        "differential_failures": len(diff_fail),
        "differential_cases": sum(r["differential"]["cases"] for r in rows if r["differential"]),
        "median_seconds": round(statistics.median(times), 3) if times else 0,
        "max_seconds": round(max(times), 3) if times else 0,
        "peak_rss_mb": round(peak_mb, 1),
        "verifier": args.verifier, "timeout": args.timeout, "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lift_corpus.json").write_text(json.dumps({"totals": totals, "kernels": rows}, indent=2) + "\n")
    lines = ["# Lifting the kernel corpus", "",
             f"Command: `.venv/bin/python benchmarks/lift_corpus.py --timeout {args.timeout:g} "
             f"--verifier {args.verifier} --tests {args.tests}`", "",
             "| kernel | lang | status | proof | seconds | differential | TensIR or reason |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        d = r["differential"]
        dtext = "" if d is None else f"{d['cases'] - d['failed']}/{d['cases']}"
        what = r["tensir"] if r["status"] == "lifted" else r["reason"] or "; ".join(r["notes"])[:200]
        what = (what or "").replace("|", "\\|")
        lines.append(f"| {r['kernel']} | {r['lang']} | {r['status']} | {r['proof']} | "
                     f"{r['seconds']:.2f} | {dtext} | `{what}` |")
    lines += ["", "Totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()), ""]
    (RESULTS / "lift_corpus.md").write_text("\n".join(lines))
    print()
    for k, v in totals.items():
        print(f"{k:24} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
