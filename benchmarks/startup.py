"""How long the everyday commands take to start and to compile a small kernel.

    .venv/bin/python benchmarks/startup.py [--repeat N] [--out STEM]

Measures, each as the median of N runs, the wall time and the CPU time (user + system of the
child process) of: `python -c pass`, `tensflo --version`, `--help`, `targets`, and `tensflo
compile FILE --function F --target numpy` of three corpus kernels (C++ and Python). A compile is
measured cold (an empty tensflo cache directory: the plugin manifests are rebuilt, each run) and
warm (the cache kept between runs). Then the same compiles through the API in one process
(`tensflo.compile`), the first call (imports included) apart from the median of the later ones.
Bytecode is cached as for an installed package (in a scratch `PYTHONPYCACHEPREFIX`), and the
first run of each command line is not counted. Writes benchmarks/results/STEM.md (default
`startup`) and prints the same table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
KERNELS = [("cpp/dot.cc", "dot"), ("cpp/gemv.cc", "gemv"), ("python/axpy.py", "axpy")]
GOALS = {"tensflo --version": "≤ 0.15 s", "tensflo targets": "≤ 0.5 s",
         "compile (warm)": "≤ 0.35 s CPU", "API compile": "≤ 0.1 s"}

PROFILE = """## Where the CPU of a warm compile goes

From `python -X importtime`, cProfile and the CPU time of `tensflo compile
benchmarks/kernels/cpp/dot.cc --function dot --target numpy` (and gemv.cc, axpy.py), shares of
the process's CPU:

- imports, a little over half: numpy (about 40 ms: the TensIR op table and the random inputs
  use it), tensflo's own modules (about 60 ms, a third of it building dataclasses), z3 (about
  20 ms), jinja2 (about 10 ms, the numpy target's module template), libclang's bindings, pluggy.
- proving the obligations with z3, about 15%; the random-input check (drawing inputs in the
  domain, running the loop IR and the TensIR program), about 10%; the C++ frontend with a warm
  header cache, 5% (dot) to 10% (gemv): the work of the compile itself.

What the `tensflo` program no longer spends on a warm compile (each measured alone on dot.cc):

- OpenBLAS starting its worker threads when numpy is imported, about 40 ms of CPU (on the other
  core): compile, lift, render, ops, targets, plugins and cache run with one BLAS thread unless
  OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS is set (bench keeps BLAS's default).
- the garbage collector's passes over the objects the imports create, 15 to 45 ms: it is off
  during start-up (imports, plugins, the parser), then those objects are frozen and it runs for
  the command.
- the llvm target, the llm plugin and the gemmini target, about 25 ms, imported only because they
  add options to `compile`: the plugin manifests record the options, which stand in on the
  parser until one is given or the plugin's component is used.
- `importlib.metadata` (with email, zipfile, csv), about 25 ms: the plugins' entry points are read
  from the `*.dist-info` directories on sys.path directly (about 1 ms).

Still imported by a numpy compile without being used: the llvm target's 32-bit proofs (about
8 ms; the pipeline imports `targets/llvm/int32_source` for every target), the batch modules
(about 9 ms; `lift_commands` imports `batch.command` for the batch options), `fractions` (the
SMT encoder).
"""

API_SCRIPT = """
import json, statistics, sys, time
repeat = int(sys.argv[1])
rows = []
for path, fn in json.loads(sys.argv[2]):
    times = []
    for i in range(repeat + 1):
        c, w = time.process_time(), time.perf_counter()
        import tensflo
        result = tensflo.compile(path, fn, target="numpy")
        times.append((time.perf_counter() - w, time.process_time() - c))
        assert result.status == "lifted", (path, result.status)
    rows.append({"kernel": f"{path}:{fn}", "first": times[0],
                 "wall": statistics.median(t[0] for t in times[1:]),
                 "cpu": statistics.median(t[1] for t in times[1:])})
print(json.dumps(rows))
"""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], env: dict[str, str], repeat: int,
            before_each: Path | None = None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `argv` over `repeat` runs after one uncounted run; with
    `before_each`, that directory is emptied before every run."""
    walls, cpus = [], []
    for i in range(repeat + 1):
        if before_each is not None:
            shutil.rmtree(before_each, ignore_errors=True)
        cpu, wall = _child_cpu(), time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        wall, cpu = time.perf_counter() - wall, _child_cpu() - cpu
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
        if i:
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--out", default="startup", help="report stem in benchmarks/results/")
    args = parser.parse_args()

    python = sys.executable
    tensflo = [python, "-m", "tensflo"]
    scratch = Path(tempfile.mkdtemp(prefix="tensflo-startup-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "TENSFLO_DISABLE_PLUGIN_AUTOLOAD")}
    env.update(PYTHONPYCACHEPREFIX=str(scratch / "pycache"),
               TENSFLO_CACHE_DIR=str(scratch / "cache"))
    rows: list[tuple[str, float, float]] = []
    load_before = os.getloadavg()[0]

    def row(label: str, argv: list[str], cold: bool = False) -> None:
        wall, cpu = measure(argv, env, args.repeat, scratch / "cache" if cold else None)
        rows.append((label, wall, cpu))
        print(f"{label:<44} {wall:8.3f} s {cpu:8.3f} s", flush=True)

    try:
        row("python -c pass", [python, "-c", "pass"])
        row("tensflo --version", [*tensflo, "--version"])
        row("tensflo --help", [*tensflo, "--help"])
        row("tensflo targets", [*tensflo, "targets"])
        for path, fn in KERNELS:
            argv = [*tensflo, "compile", str(ROOT / "kernels" / path), "--function", fn,
                    "--target", "numpy"]
            row(f"compile {path} (cold cache)", argv, cold=True)
            row(f"compile {path} (warm cache)", argv)
        kernels = [(str(ROOT / "kernels" / p), f) for p, f in KERNELS]
        done = subprocess.run([python, "-c", API_SCRIPT, str(args.repeat), json.dumps(kernels)],
                              env=env, cwd=REPO, capture_output=True, text=True, check=True)
        api = json.loads(done.stdout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()[0]
    for item in api:
        name = Path(item["kernel"]).name
        rows.append((f"API tensflo.compile {name} (first call)", *item["first"]))
        rows.append((f"API tensflo.compile {name} (later calls)", item["wall"], item["cpu"]))
        print(f"API {name}: first {item['first'][0]:.3f} s wall, later {item['wall']:.3f} s "
              f"wall {item['cpu']:.3f} s CPU", flush=True)

    lines = [
        "# Start-up and small-compile times",
        "",
        f"`python benchmarks/startup.py --repeat {args.repeat}`: median of {args.repeat} runs "
        "after one uncounted run; CPU is user + system time of the process. Machine: "
        f"{os.cpu_count()} cores, shared: load average (1 min) {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end (other jobs ran at the same time: walls are noisy, CPU "
        "less so).",
        "Goals from issue 16: " + "; ".join(f"{k} {v}" for k, v in GOALS.items()) + ".",
        "Cold: tensflo's user cache directory is emptied before each run (plugin manifests, the "
        "C/C++ frontends' precompiled headers and the compiler's include directories are "
        "rebuilt); warm: it is kept.",
        "",
        "| what | wall (s) | CPU (s) |",
        "|---|---:|---:|",
        *(f"| {label} | {wall:.3f} | {cpu:.3f} |" for label, wall, cpu in rows),
        "",
        PROFILE,
    ]
    out = ROOT / "results" / f"{args.out}.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
