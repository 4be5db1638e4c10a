"""Wall time of the batch compile of the kernel corpus: local pool at --jobs 1 and 2, Beam's
embedded runner, and Beam's portable runner on a job service with 1 and 2 SDK worker processes.

    .venv/bin/python benchmarks/batch_scaling.py [--timeout S] [--jobs-list 1,2] [--no-beam]
                                                 [--portable-workers 1,2] [--repeats N]

Runs `tensflo compile benchmarks/kernels/cpp benchmarks/kernels/python --target numpy --no-cache
--json` once per configuration (a fresh process each time), then once more with a warm cache.
Reports wall time (the fastest of --repeats runs), speedup against --jobs 1, the peak resident
memory of the whole process tree (the command and its workers, sampled from /proc every 0.2 s) and
of its largest process, and checks that every configuration gives every function the same outcome
(status, proof, TensIR, precondition, finder); functions whose diagnostics differ (a search cut
by its time budget gets further in one run than another) are listed. The portable rows run
against a `LocalCluster` (`tensflo.targets.beam_portable`: Beam's job service and an external
worker pool on loopback) started before the command and timed apart; each SDK worker lifts with
`--jobs 1`, so N workers lift N functions at once. Where the time goes: the sum of the functions'
own lifting times against the wall time, and a one-function compile through the same path (the
fixed cost of submitting a job, starting the SDK workers and the gRPC stages). Writes
benchmarks/results/batch_scaling.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tensflo.compiler.batch.report import without_timings
from tensflo.targets.beam_portable import LocalCluster

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CORPUS = ["benchmarks/kernels/cpp", "benchmarks/kernels/python"]


def tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and its descendants, from /proc (0 where /proc is missing)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields.get("PPid", "0").strip())
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return sum(rss.get(p, 0) for p in tree)


def run(label: str, extra: list[str], cache: str, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "tensflo", "compile", *CORPUS, "--target", "numpy", "--json",
           "--quiet", "--timeout", str(timeout), "--cache-dir", cache, *extra]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{label}: exit {proc.returncode}: {err.strip()}")
    report = json.loads(out)
    t = report["totals"]
    lift = sum(f.get("seconds") or 0.0 for f in report["functions"])
    print(f"{label:28} {wall:7.1f} s  (lifting {lift:.1f} s)  {t['lifted']}/{t['functions']} lifted  "
          f"cache hits {t['cache_hits']}  run now {t['lifted_now']}  peak {peak / 1024:.0f} MB",
          flush=True)
    return {"label": label, "args": extra, "wall_seconds": round(wall, 2), "load_before": load,
            "cpu_seconds": round(cpu, 1),
            "peak_tree_rss_mb": round(peak / 1024, 1), "lift_seconds": round(lift, 1),
            "function_seconds": {f"{f['file']}:{f['function']}": f.get("seconds")
                                 for f in report["functions"]},
            "report": report}


OUTCOME = ("status", "proof", "tensir", "requires", "found_by")
"""What a function's result is; its diagnostics may also say how far a search got in its time."""


def best_of(repeats: int, label: str, extra: list[str], cache: str, timeout: float) -> dict:
    """The fastest of `repeats` runs (a fresh cache directory each), with every wall time."""
    runs = [run(label, extra, f"{cache}-{i}", timeout) for i in range(repeats)]
    best = min(runs, key=lambda r: r["wall_seconds"])
    best["all_wall_seconds"] = [r["wall_seconds"] for r in runs]
    return best


def compare(report: dict, reference: dict) -> tuple[list[str], list[str]]:
    """Functions whose outcome differs from the reference, and those whose diagnostics differ."""
    ref = {(f["file"], f["function"]): f for f in reference["functions"]}
    outcome, notes = [], []
    for f in report["functions"]:
        key = (f["file"], f["function"])
        name = f"{f['file']}:{f['function']}"
        r = ref.get(key)
        if r is None or any(f[k] != r[k] for k in OUTCOME):
            outcome.append(name)
        elif f["diagnostics"] != r["diagnostics"]:
            notes.append(name)
    if len(ref) != len(report["functions"]):
        outcome.append("(different function count)")
    return outcome, notes


TINY = """def total(a: list[int], n: int) -> int:
    s = 0
    for i in range(n):
        s += a[i]
    return s
"""


def portable_row(workers: int, repeats: int, tmp: str, timeout: float) -> dict:
    """The corpus through the portable runner on a job service with `workers` SDK workers, and
    a one-function compile through it (the fixed cost of a job)."""
    start = time.perf_counter()
    with LocalCluster(workers=workers) as cluster:
        started = time.perf_counter() - start
        flags = ["--executor", "beam", "--runner", "PortableRunner", "--jobs", "1", "--no-cache",
                 *(a for f in cluster.flags() for a in ("--beam-option", f.removeprefix("--")))]
        label = f"portable, {workers} SDK worker{'s' if workers > 1 else ''}"
        row = best_of(repeats, label, flags, os.path.join(tmp, f"portable{workers}"), timeout)
        tiny_dir = os.path.join(tmp, f"tiny{workers}")
        os.makedirs(tiny_dir, exist_ok=True)
        with open(os.path.join(tiny_dir, "tiny.py"), "w") as f:
            f.write(TINY)
        tiny = time_command([sys.executable, "-m", "tensflo", "compile", "tiny.py", "--target",
                             "numpy", "--json", "--quiet", "--cache-dir",
                             os.path.join(tiny_dir, "cache"), *flags], tiny_dir)
        local_tiny = time_command([sys.executable, "-m", "tensflo", "compile", "tiny.py",
                                   "--target", "numpy", "--json", "--quiet", "--no-cache",
                                   "--jobs", "1"], tiny_dir)
    row["cluster_start_seconds"] = round(started, 2)
    row["one_function"] = tiny
    row["one_function_local"] = local_tiny
    print(f"  cluster start {started:.1f} s; one function: portable {tiny['wall_seconds']:.1f} s "
          f"(lifting {tiny['lift_seconds']:.2f} s), local {local_tiny['wall_seconds']:.1f} s",
          flush=True)
    return row


def _sleep_and_say_where(x: int) -> str:
    start = time.time()
    time.sleep(2)
    return json.dumps([x, os.getpid(), start, time.time()])


def split_check(workers: int, elements: int = 8) -> dict:
    """How Beam shares a stage among SDK workers: `elements` jobs of 2 s each (sleeping, so CPU
    load does not matter) through Create -> Reshuffle -> Map on a `workers`-worker cluster; per
    SDK worker process, when each of its elements started and ended (s after submission)."""
    from tensflo.targets.beam import import_beam, pipeline_options

    beam = import_beam()
    with LocalCluster(workers=workers) as cluster, \
            tempfile.TemporaryDirectory(prefix="tensflo-split-") as out:
        start = time.time()
        with beam.Pipeline(options=pipeline_options("PortableRunner", cluster.flags())) as p:
            (p | beam.Create(list(range(elements)), reshuffle=False) | beam.Reshuffle()
             | beam.Map(_sleep_and_say_where) | beam.io.WriteToText(os.path.join(out, "o")))
        wall = time.time() - start
        spans: dict[int, list[tuple[float, float]]] = {}
        for name in os.listdir(out):
            with open(os.path.join(out, name)) as f:
                for line in f:
                    _, pid, a, b = json.loads(line)
                    spans.setdefault(pid, []).append((round(a - start, 1), round(b - start, 1)))
    return {"workers": workers, "wall_seconds": round(wall, 1),
            "per_worker": [sorted(v) for v in spans.values()]}


def time_command(cmd: list[str], cwd: str) -> dict:
    """Wall time of a compile command and its functions' own lifting time."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    return {"wall_seconds": round(wall, 2),
            "lift_seconds": round(sum(f.get("seconds") or 0.0 for f in report["functions"]), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--jobs-list", default="1,2")
    ap.add_argument("--beam-jobs", type=int, default=2)
    ap.add_argument("--no-beam", action="store_true")
    ap.add_argument("--portable-workers", default="1,2",
                    help="SDK workers of the portable-runner rows ('' for none)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per configuration (the fastest "
                                                             "is reported)")
    ap.add_argument("--split-check", action="store_true",
                    help="only show how Beam shares 8 two-second elements among 1 and 2 SDK "
                         "workers (split_check)")
    ap.add_argument("--render", action="store_true",
                    help="only rewrite results/batch_scaling.md from results/batch_scaling.json")
    args = ap.parse_args(argv)
    if args.split_check:
        for workers in (1, 2):
            print(json.dumps(split_check(workers)), flush=True)
        return 0
    if args.render:
        (RESULTS / "batch_scaling.md").write_text(
            render(json.loads((RESULTS / "batch_scaling.json").read_text())))
        return 0

    rows = []
    with tempfile.TemporaryDirectory(prefix="tensflo-batch-bench-") as tmp:
        for jobs in (int(j) for j in args.jobs_list.split(",")):
            rows.append(best_of(args.repeats, f"local --jobs {jobs}",
                                ["--jobs", str(jobs), "--no-cache"],
                                os.path.join(tmp, f"local{jobs}"), args.timeout))
        if not args.no_beam:
            rows.append(best_of(args.repeats, f"beam FnApiRunner --jobs {args.beam_jobs}",
                                ["--executor", "beam", "--jobs", str(args.beam_jobs),
                                 "--no-cache"], os.path.join(tmp, "beam"), args.timeout))
        for workers in (int(w) for w in args.portable_workers.split(",") if w):
            rows.append(portable_row(workers, args.repeats, tmp, args.timeout))
        warm = os.path.join(tmp, "warm")
        run("(filling the cache)", ["--jobs", "2"], warm, args.timeout)
        warm_rows = [run("local --jobs 2, warm cache", ["--jobs", "2"], warm, args.timeout)
                     for _ in range(args.repeats)]
        best = min(warm_rows, key=lambda r: r["wall_seconds"])
        best["all_wall_seconds"] = [r["wall_seconds"] for r in warm_rows]
        rows.append(best)
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    base = rows[0]["wall_seconds"]
    reference = without_timings(rows[0]["report"])
    for r in rows:
        r["speedup"] = round(base / r["wall_seconds"], 2)
        r["outcome_differs"], r["diagnostics_differ"] = compare(
            without_timings(r["report"]), reference)
        r["totals"] = r.pop("report")["totals"]

    data = {"rows": rows, "largest_process_rss_mb": round(largest_mb, 1),
            "timeout": args.timeout, "cpus": os.cpu_count(), "repeats": args.repeats,
            "python": sys.version.split()[0]}
    text = render(data)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "batch_scaling.md").write_text(text)
    (RESULTS / "batch_scaling.json").write_text(json.dumps(data, indent=2) + "\n")
    return 0 if not any(r["outcome_differs"] for r in rows) else 1


def render(data: dict) -> str:
    """The Markdown page of a run's JSON."""
    rows, largest_mb, cpus = data["rows"], data["largest_process_rss_mb"], data["cpus"]
    repeats = data.get("repeats", len(rows[0]["all_wall_seconds"]))
    timeout, python = data["timeout"], data.get("python", sys.version.split()[0])
    head = ("| configuration | wall s (best) | runs | speedup vs --jobs 1 | lifted | run now | "
            "cache hits | CPU s | lifting s (sum) | peak RSS (tree) MB | same outcomes | load before |")
    lines = ["# Batch compile of the kernel corpus", "",
             f"Command: `.venv/bin/python benchmarks/batch_scaling.py --timeout {timeout:g} "
             f"--repeats {repeats}` (each row: `tensflo compile {' '.join(CORPUS)} --target "
             f"numpy --json` with the flags shown, fastest of {repeats} run(s); "
             f"{cpus} CPUs, Python {python}).", "",
             head, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r["totals"]
        runs = ", ".join(f"{w:.1f}" for w in r["all_wall_seconds"])
        lines.append(f"| {r['label']} | {r['wall_seconds']:.1f} | {runs} | {r['speedup']:.2f}x | "
                     f"{t['lifted']}/{t['functions']} | {t['lifted_now']} | {t['cache_hits']} | "
                     f"{r['cpu_seconds']:.0f} | "
                     f"{'0 (all cached)' if not t['lifted_now'] else format(r['lift_seconds'], '.0f')}"
                     f" | {r['peak_tree_rss_mb']:.0f} | "
                     f"{'yes' if not r['outcome_differs'] else 'NO: ' + ', '.join(r['outcome_differs'])}"
                     f" | {r['load_before']:.2f} |")
    noted = sorted({n for r in rows for n in r["diagnostics_differ"]})
    lines += ["", f"Largest single process (command or worker) over all runs: "
                  f"{largest_mb:.0f} MB peak RSS. Peak RSS (tree) sums the command and its worker "
                  f"processes (and their short-lived forked solver processes, whose pages shared "
                  f"with their parent count twice), sampled every 0.2 s. \"same outcomes\": every "
                  f"function has the status, proof level, TensIR, precondition and finder of the "
                  f"--jobs 1 row. \"load before\": the 1-minute load average when the row's "
                  f"fastest run started (the machine is shared; anything above 0 is other work "
                  f"competing for the {cpus} CPUs, and a run with more worker processes gets a "
                  f"larger share of them). \"CPU s\": user + system time of the command and the "
                  f"processes it waited for (RUSAGE_CHILDREN: a worker process that is killed at "
                  f"the end instead of reaped is not counted, so this can be far below the work "
                  f"done; \"lifting s (sum)\", the functions' own lifting times, is the better "
                  f"measure of it).", ""]
    portable = [r for r in rows if "one_function" in r]
    if portable:
        lines += ["Portable runner, fixed costs (`LocalCluster` started before the command, not "
                  "part of its row; a one-function compile of `total` through the same flags, "
                  "against the local pool at `--jobs 1`):", "",
                  "| configuration | cluster start s | one function, portable: wall s | its lifting "
                  "s | one function, local --jobs 1: wall s |", "|---|---|---|---|---|"]
        lines += [f"| {r['label']} | {r['cluster_start_seconds']:.1f} | "
                  f"{r['one_function']['wall_seconds']:.1f} | "
                  f"{r['one_function']['lift_seconds']:.2f} | "
                  f"{r['one_function_local']['wall_seconds']:.1f} |" for r in portable]
        lines += ["", "\"CPU s\" of a portable row counts only the command and its children: the "
                  "SDK workers and their lifting processes belong to the cluster, so their CPU "
                  "time is not in it; \"lifting s (sum)\" is the sum of the functions' own "
                  "lifting times wherever they ran.", ""]
    if noted:
        lines += [f"Same outcome, different diagnostics (a search that ran until its time budget "
                  f"and got further in one run than in another): {', '.join(noted)}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
