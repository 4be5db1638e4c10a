"""Batch compile of a small real C code base with its build settings (`-p`), and its report.

    .venv/bin/python benchmarks/real_c_codebase.py [--work DIR] [--jobs N] [--timeout S]

The code base is ECOS 2.0.14 (Embedded Conic Solver: sparse linear algebra, cone operations,
equilibration, an LDL factorization and the AMD ordering; C89/C99 with an `include/` folder per
part), fetched from PyPI as the `ecos` source distribution with pip (nothing else is downloaded;
the sources are not committed). Its `compile_commands.json` is written from its build: the
`Extension(...)` of its setup.py gives the sources, include directories and macros, plus the
Python and NumPy include directories its module needs, as distutils compiles them. Then

    tensflo compile SRC_DIRS... -p BUILD --target numpy --json --no-cache

lifts every function of every `.c` file and header, headers read as part of the files that
include them. The report (benchmarks/results/real_c_codebase.md and .json): functions found,
lifted by proof level and arithmetic, not lifted by first reason, errors (a crash would be one),
files that did not parse.
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PACKAGE, VERSION = "ecos", "2.0.14"
PYTHON = Path(sys.executable)


def fetch(work: Path) -> Path:
    """The unpacked source distribution (downloaded with pip once)."""
    root = work / f"{PACKAGE}-{VERSION}"
    if root.is_dir():
        return root
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(PYTHON), "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "--no-build-isolation", f"{PACKAGE}=={VERSION}", "-d", str(work)],
                   check=True, capture_output=True, text=True)
    with tarfile.open(work / f"{PACKAGE}-{VERSION}.tar.gz") as tar:
        tar.extractall(work, filter="data")
    return root


def _evaluate(node: ast.expr, root: Path) -> Any:
    """The value of a setup.py expression made of literals, `+` and `glob(...)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _evaluate(node.left, root) + _evaluate(node.right, root)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "glob"
            and len(node.args) == 1):
        pattern = ast.literal_eval(node.args[0])
        return sorted(os.path.relpath(p, root) for p in glob.glob(str(root / pattern)))
    return ast.literal_eval(node)


def build_settings(root: Path) -> dict[str, Any]:
    """sources, include_dirs and define_macros of the `Extension(...)` in setup.py."""
    tree = ast.parse((root / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Extension":
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            return {k: _evaluate(kw[k], root) for k in ("sources", "include_dirs", "define_macros")}
    raise SystemExit(f"{root}/setup.py: no Extension(...) found")


def write_compile_commands(root: Path) -> Path:
    """build/compile_commands.json as distutils would compile each source (cwd: the root)."""
    import numpy

    settings = build_settings(root)
    includes = [*settings["include_dirs"], sysconfig.get_paths()["include"], numpy.get_include()]
    defines = [f"-D{n}" if v is None else f"-D{n}={v}" for n, v in settings["define_macros"]]
    entries = [{"directory": str(root), "file": src,
                "arguments": ["cc", *defines, *(f"-I{d}" for d in includes), "-O2", "-fPIC",
                              "-c", src, "-o", f"build/{Path(src).with_suffix('.o').name}"]}
               for src in settings["sources"]]
    build = root / "build"
    build.mkdir(exist_ok=True)
    (build / "compile_commands.json").write_text(json.dumps(entries, indent=1) + "\n")
    return build


def reason_key(reason: str) -> str:
    sys.path.insert(0, str(HERE))
    from lift_corpus import reason_key as key

    return key(reason)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--work", default="/tmp/tensflo-real-c", help="where the sources go")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0, help="per function, seconds")
    args = ap.parse_args(argv)
    root = fetch(Path(args.work))
    build = write_compile_commands(root)
    dirs = ["ecos/**/*.c", "ecos/**/*.h", "src/*.c"]
    command = [str(PYTHON), "-m", "tensflo", "compile", *dirs, "-p", str(build), "--target",
               "numpy", "--json", "--no-cache", "--quiet", "--jobs", str(args.jobs),
               "--timeout", f"{args.timeout:g}"]
    start = time.monotonic()
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"tensflo compile failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    rows = report["functions"]
    functions = [r for r in rows if r["function"] is not None]
    lifted = [r for r in functions if r["status"] == "lifted"]
    not_lifted = [r for r in functions if r["status"] == "not_lifted"]
    errors = [r for r in functions if r["status"] == "error"]
    unparsed = [r for r in rows if r["function"] is None]
    internal = [r for r in rows if "internal error" in (r.get("reason") or "")
                or "reader failed" in (r.get("reason") or "")]
    totals = {
        "code_base": f"{PACKAGE} {VERSION} (PyPI source distribution)",
        "files": len({r["file"] for r in rows}),
        "functions": len(functions), "lifted": len(lifted), "not_lifted": len(not_lifted),
        "errors": len(errors), "files_not_parsed": len(unparsed),
        "crashed": len(internal),
        "by_proof": dict(Counter(f"{r['proof']} {r['arithmetic']}" for r in lifted)),
        "not_lifted_by_reason": dict(Counter(reason_key(r["reason"])
                                             for r in not_lifted + errors).most_common()),
        "wall_seconds": round(wall, 1), "jobs": args.jobs, "timeout": args.timeout,
    }
    shown = " ".join(["tensflo", *command[3:]]).replace(str(build), "build")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "real_c_codebase.json").write_text(json.dumps(
        {"command": shown, "totals": totals, "functions": rows}, indent=2) + "\n")
    lines = [f"# Batch compile of a real C code base: {totals['code_base']}", "",
             "Command (in the unpacked sources, `build/compile_commands.json` written from its "
             "setup.py by `benchmarks/real_c_codebase.py`):", "", f"    {shown}", "",
             f"{totals['files']} files, {totals['functions']} functions: {totals['lifted']} lifted, "
             f"{totals['not_lifted']} not lifted, {totals['errors']} errors "
             f"({totals['crashed']} crashed), {totals['files_not_parsed']} files not parsed; "
             f"{totals['wall_seconds']} s with {args.jobs} jobs.", "",
             "| proof | arithmetic | lifted |", "|---|---|---|"]
    lines += [f"| {k.split()[0]} | {k.split()[1]} | {v} |" for k, v in totals["by_proof"].items()]
    lines += ["", "## Lifted", "", "| file | function | proof | TensIR |", "|---|---|---|---|"]
    lines += [f"| {r['file']} | {r['function']} | {r['proof']} | `{r['tensir']}` |"
              for r in lifted]
    lines += ["", "## Not lifted, by first reason", "", "| functions | reason |", "|---|---|"]
    lines += [f"| {v} | {k.replace('|', '/')} |" for k, v in totals["not_lifted_by_reason"].items()]
    if unparsed:
        lines += ["", "## Files not parsed", ""]
        lines += [f"- {r['file']}: {r['reason'][:300]}" for r in unparsed]
    lines += ["", "## Every function", "", "| file | line | function | status | reason |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['file']} | {r['line']} | {r['function']} | {r['status']} | "
              f"{(r['reason'] or '').replace('|', '/')[:200]} |" for r in functions]
    (RESULTS / "real_c_codebase.md").write_text("\n".join(lines) + "\n")
    for k, v in totals.items():
        print(f"{k:22} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
