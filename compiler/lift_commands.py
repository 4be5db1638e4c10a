"""`tensflo lift` and `tensflo compile`: lift the functions of a source file, prove them, and (for
`compile`) generate code; `compile` with several sources, a directory or a glob is batch mode."""

from __future__ import annotations

import argparse
import io
import sys
from typing import IO, TYPE_CHECKING

from tensflo.plugins.errors import ExitCode
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import Registry

from . import lift_options
from .batch.command import add_arguments as add_batch_arguments
from .console import Progress, to_file, write_file, write_json

if TYPE_CHECKING:
    from .pipeline import CompileResult

COMPILE_HELP = ("lift the loops of a C++ or Python file (or of every file under DIR...: batch "
                "mode) to TensIR, prove it, and generate code")
COMPILE_EXAMPLE = ("tensflo compile kernels/dot.cc --function dot --target numpy -o dot.py\n"
                   "  tensflo compile src/ 'lib/**/*.cc' --target numpy --jobs 2 --report report.html\n"
                   "                                        (batch mode: docs/batch.md)")
LIFT_HELP = "lift the loops of a C++ or Python file to TensIR and prove it (no code)"
LIFT_EXAMPLE = "tensflo lift kernels/dot.cc --function dot"
FUNCTION_HELP = "lift only this function (repeatable); default: every function"


def add_commands(command: AddCommand) -> None:
    sub = command("compile", COMPILE_HELP, COMPILE_EXAMPLE, run_compile, lifts=True)
    sub.add_argument("source", metavar="SRC", nargs="+",
                     help="a C (.c), C++ (.cc, .cpp) or Python (.py) file; several files, "
                          "directories or glob patterns for batch mode")
    sub.add_argument("--function", "-f", action="append", metavar="NAME", help=FUNCTION_HELP)
    sub.add_argument("--target", "-t", default="numpy", metavar="NAME",
                     help="code generator (default numpy; see `tensflo targets`)")
    sub.add_argument("-o", "--output", metavar="OUT",
                     help="write the generated module to OUT (default: stdout); in batch "
                          "mode a directory, one module per source file")
    sub.add_argument("--emit", choices=("obj", "so"), metavar="KIND",
                     help="llvm target, C source: write the lifted functions as a drop-in "
                          "object file (obj) or shared library (so) with their C signatures to "
                          "-o (docs/llvm.md)")
    lift_options.add_arguments(sub)
    add_batch_arguments(sub)

    sub = command("lift", LIFT_HELP, LIFT_EXAMPLE, run_lift, lifts=True)
    sub.add_argument("source", metavar="SRC", help="a C (.c), C++ (.cc, .cpp) or Python (.py) file")
    sub.add_argument("--function", "-f", action="append", metavar="NAME", help=FUNCTION_HELP)
    lift_options.add_arguments(sub)


def run_lift(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    results = _lift_results(args, registry, None)
    if args.json:
        _write_results(results, out)
    else:
        _report(results, out)
    return _exit_status(results)


def run_compile(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from .batch.command import run_command, wants_batch

    if wants_batch(args):
        return run_command(args, registry, out,
                           lift_options.lift_options(args, registry, args.target))
    args.source = args.source[0]
    if getattr(args, "emit", None):
        return _run_emit(args, registry, out)
    results = _lift_results(args, registry, args.target)
    code = _code(results, registry, args.target, args.source)
    if code is not None and to_file(args.output):
        write_file(args.output, code)
    if args.json:
        _write_results(results, out)
    else:
        _report(results, sys.stderr)
        if code is not None and not to_file(args.output):
            out.write(code)
    return _exit_status(results)


def _run_emit(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    """`--emit obj|so`: lift without a code generator, then write the llvm drop-in."""
    from tensflo.plugins.errors import UsageError

    from .dropin_emit import emit_dropin

    if args.target != "llvm":
        raise UsageError(f"--emit {args.emit} needs --target llvm")
    lift_options.lift_options(args, registry, "llvm")  # the target is available here
    results = _lift_results(args, registry, None)
    emit_dropin(results, args.source, args.emit, args.output, registry,
                lift_options.lift_options(args, registry, None).frontend_options)
    if args.json:
        _write_results(results, out)
    else:
        _report(results, sys.stderr)
    return _exit_status(results)


def _code(results: list[CompileResult], registry: Registry, target: str, source: str) -> str | None:
    """The module of the lifted functions: one function's code, or all of them emitted together
    (with the exact-int guard of a Python source)."""
    from tensflo.ir.tensir import Function
    from tensflo.targets.exact_ints import source_lang_options

    from .pipeline import configured_target

    lifted = [r for r in results if r.lifted]
    if len(lifted) == 1:
        return lifted[0].code
    if not lifted:
        return None
    if any(r.outputs for r in lifted):  # entries with C signatures: each result's own module
        return "\n\n".join(r.code.rstrip("\n") for r in lifted if r.code is not None) + "\n"
    buf = io.StringIO()
    emitter = configured_target(registry, target, dict(lifted[0].target_options))
    emitter.emit([r.emitted or Function(r.function, r.params, r.program) for r in lifted
                  if r.program is not None],
                 buf, **source_lang_options(emitter, source))
    return buf.getvalue()


def _lift_results(args: argparse.Namespace, registry: Registry,
                  target: str | None) -> list[CompileResult]:
    from .pipeline import compile_file

    progress = Progress(not args.quiet)
    options = lift_options.lift_options(args, registry, target, progress)
    try:
        return compile_file(args.source, args.function, registry, options)
    finally:
        progress.clear()


def _write_results(results: list[CompileResult], out: IO[str]) -> None:
    write_json(results[0].to_json() if len(results) == 1 else [r.to_json() for r in results], out)


def _report(results: list[CompileResult], out: IO[str]) -> None:
    for r in results:
        head = f"{r.function}: {r.status.replace('_', ' ')}"
        if r.tensir is not None:
            head += f", proof {r.proof} ({r.arithmetic} arithmetic)"
        out.write(head + "\n")
        if r.outputs:
            _report_outputs(r, out)
        elif r.tensir is not None:
            out.write(f"  tensir:    {r.tensir}\n")
        if r.tensir is not None:
            if r.requires:
                out.write(f"  requires:  {' and '.join(f'({x})' for x in r.requires)}\n")
            proven = sum(1 for ob in r.obligations if ob["level"] == "unbounded")
            floats = (r.tested_on or {}).get("floats") or []
            kinds = f" (floats: {', '.join(floats)})" if floats else ""
            out.write(f"  checked:   {r.tests} random inputs{kinds}; {proven}/{len(r.obligations)} "
                      f"conditions proven for all lengths\n")
            out.write(f"  found by:  {r.found_by} in {r.seconds.get('total', 0):.2f} s\n")
            if r.int_policy in ("exact", "overflow-error", "int64-inputs", "unguarded"):
                out.write(f"  ints:      {r.int_policy} (Python ints never overflow; see "
                          f"docs/exact_ints.md)\n")
            if r.target_report and "cycles" in r.target_report:
                rep = r.target_report
                out.write(f"  {r.target}:  {rep.get('cycles')} cycles, utilisation "
                          f"{rep.get('utilisation', 0):.1%}, checked on the emulator: "
                          f"{rep.get('checked_on_emulator')}\n")
            elif r.target_report:  # other targets' reports: each entry but `assumes` (a warning)
                shown = [f"{k} {v}" for k, v in r.target_report.items() if k != "assumes"]
                if shown:
                    out.write(f"  {r.target}:  {'; '.join(shown)}\n")
        for d in r.diagnostics:
            out.write(f"  {d}\n")


def _report_outputs(r: CompileResult, out: IO[str]) -> None:
    """The outputs of a function that writes pointers, is `void` or returns tuples, one line each."""
    if r.written or not all(o["name"].startswith("item") for o in r.outputs):
        out.write(f"  writes:    {', '.join(r.written) or 'no pointer parameter'}\n")
    for o in r.outputs:
        where = f"{o['name']}[:{o['extent']}]" if o.get("extent") else \
            f"{o['name']}[0]" if "index" in o else o["name"]
        out.write(f"  output {where}: {o['tensir'] or '(not lifted)'}  [{o['status'].replace('_', ' ')}"
                  f", proof {o['proof']}]\n")
    unless = next((o["unless"] for o in r.outputs if o.get("unless")), None)
    if unless:
        out.write(f"  unless:    {unless} (then it returns at once, leaving every array unchanged)\n")


def _exit_status(results: list[CompileResult]) -> int:
    return ExitCode.OK if all(r.lifted for r in results) else ExitCode.NOT_LIFTED
