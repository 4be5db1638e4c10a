"""The Gemmini plugin: registers the `gemmini` target and the `tensflo gemmini` commands.

    tensflo gemmini run PROGRAM [--seed N] [--json]
        run a program file (the text form of `program.Program`) on the emulator with seeded
        random inputs; report cycles, utilisation, bytes moved
    tensflo gemmini compile FILE.tensir --function F --shapes a=64x64,b=64x64
            [--search beam --budget N --seed S --planner NAME] [--emit c|ir]
            [--gemmini-header current|2021] [--json] [-o OUT]
            [--llm-base-url URL --llm-model M --llm-cache DIR]     (with --planner llm)
        lower one TensIR function, schedule it (library schedule or beam search), check it on the
        emulator against the NumPy reference, report cycles and utilisation
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar

import pluggy

from tensflo.plugins.components import Configurable, TargetReport
from tensflo.plugins.errors import ExitCode, UsageError, read_input
from tensflo.plugins.hookspecs import AddCommand, hookimpl
from tensflo.plugins.manager import Registry

from . import hookspecs

if TYPE_CHECKING:
    from .llm_planner import LLMPlanner


@dataclass(frozen=True)
class GemminiTarget:
    """C for the Gemmini accelerator over `gemmini.h`, scheduled for fixed shapes.

    TensIR types carry no sizes: `shapes` gives each tensor parameter's shape, as
    `(("a", (64, 64)), ("b", (64, 64)))`; `search` is "none" (library schedule) or "beam".
    """

    name: ClassVar[str] = "gemmini"
    description: ClassVar[str] = "C over gemmini.h for the Gemmini systolic array (emulated)"
    suffix: ClassVar[str] = ".c"
    """File extension of the generated code (batch compile's `-o DIR`)."""
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    search: str = "none"
    budget: int = 40
    seed: int = 0

    def available(self) -> tuple[bool, str]:
        return True, ""

    def configure(self, shapes: str | None = None, search: str | None = None,
                  budget: int | None = None, seed: int | None = None) -> GemminiTarget:
        """This target with command-line options applied (`tensflo compile --target gemmini`)."""
        from dataclasses import replace

        from .api import SEARCHES
        from .lower import parse_shapes

        changes: dict[str, Any] = {}
        if shapes is not None:
            changes["shapes"] = tuple(parse_shapes(shapes).items())
        if search is not None:
            if search not in SEARCHES:
                raise UsageError(f"unknown search {search!r} (choose from {', '.join(SEARCHES)})")
            changes["search"] = search
        if budget is not None:
            if budget < 1:
                raise UsageError("--budget must be at least 1")
            changes["budget"] = budget
        if seed is not None:
            changes["seed"] = seed
        return replace(self, **changes)

    def emit(self, functions: list[Any], out: IO[str]) -> list[TargetReport]:
        """One C translation unit per function (concatenated); needs `shapes`.

        Each program is checked on the emulator against the TensIR reference before it is
        written; returns one report per function (cycles, utilisation, bytes moved, checked).
        """
        from .api import check_on_emulator, compile_term
        from .emulator import EmulatorError

        if not self.shapes:
            raise UsageError("the gemmini target needs tensor shapes: give `--shapes a=64x64,...` "
                             "(tensor parameters as ROWSxCOLS, scalars used as bounds as NAME=VALUE)")
        reports = []
        for n, fn in enumerate(functions):
            shapes = dict(self.shapes)
            result = compile_term(fn, shapes, self.search, self.budget, self.seed)
            try:
                checked = check_on_emulator(result, fn, shapes, self.seed)
            except EmulatorError as e:
                raise UsageError(f"gemmini: the program for {fn.name} failed on the emulator: {e}") from None
            if not checked:
                raise UsageError(f"gemmini: the program for {fn.name} disagrees with the TensIR "
                                 "reference on the emulator")
            out.write(("\n" if n else "") + result.c)
            report = result.as_dict()
            report["checked_on_emulator"] = checked
            report["assumes"] = ("tensor inputs are int8 (-128..127), products accumulate in int32 "
                                 "and results are as the lowering states (docs/gemmini.md)")
            reports.append(report)
        return reports


@hookimpl
def tensflo_add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def tensflo_register_targets() -> list[GemminiTarget]:
    return [GemminiTarget()]


@hookimpl
def tensflo_add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The target's options on `tensflo compile` (passed to `GemminiTarget.configure`)."""
    if command != "compile":
        return
    g = parser.add_argument_group("gemmini target (--target gemmini)")
    g.add_argument("--shapes", dest="target_shapes", metavar="SPEC",
                   help="for targets that need sizes (gemmini): tensor shapes and the "
                        "values of scalar bounds, e.g. a=64x64,b=64x64,m=64")
    g.add_argument("--search", dest="target_search", metavar="KIND",
                   help="for gemmini: none (library schedule) or beam (schedule search)")
    g.add_argument("--budget", dest="target_budget", type=int, metavar="N",
                   help="for gemmini: schedules the search may measure")


@hookimpl
def tensflo_gemmini_planners() -> list[LLMPlanner]:
    from .llm_planner import planners  # lazy: keeps plugin loading cheap

    return planners()


@hookimpl
def tensflo_register_commands(add_command: AddCommand) -> None:
    from tensflo.plugins.llm.plugin import add_options as add_llm_options

    parser = add_command("gemmini", "run programs on the Gemmini emulator; compile TensIR for it",
                         "tensflo gemmini compile examples/gemmini/kernels.tensir --function gemm "
                         "--shapes a=64x64,b=64x64", _run)
    add_llm_options(parser)  # read by the LLM planner (`compile --planner llm`)
    sub = parser.add_subparsers(dest="gemmini_command", metavar="COMMAND", title="commands")
    sub.required = True
    run = sub.add_parser("run", help="run a program file on the emulator",
                         epilog="example:\n  tensflo gemmini run examples/gemmini/gemm_16x16x16.gemmini",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Run a Gemmini program file on the emulator with seeded "
                                     "random inputs; report cycles, utilisation and bytes moved.")
    run.add_argument("program", metavar="PROGRAM", help="a program in the text form (docs/gemmini.md)")
    run.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    comp = sub.add_parser("compile", help="lower a TensIR function and schedule it",
                          epilog="example:\n  tensflo gemmini compile examples/gemmini/kernels.tensir "
                                 "-f gemm --shapes a=256x256,b=256x256 --search beam --budget 20",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description="Lower a TensIR function to a Gemmini program, schedule it "
                                      "(optionally by beam search), check it on the emulator, "
                                      "report cycles and utilisation.")
    comp.add_argument("file", metavar="FILE", nargs="?", help="a TensIR module (not with --conv)")
    comp.add_argument("--function", "-f", metavar="NAME", help="the function to compile")
    comp.add_argument("--shapes", metavar="SHAPES",
                      help="tensor parameter shapes and scalar values, e.g. a=64x32,b=32x16,v=32,n=8")
    comp.add_argument("--conv", metavar="SPEC",
                      help="compile a convolution instead of a TensIR function: "
                           "n=BATCH,h=H,w=W,cin=C,cout=K[,k=3][,stride=1][,pad=0] (NHWC image "
                           "h x w, zero-padded by pad on each side by the caller; cin a multiple "
                           "of 16)")
    comp.add_argument("--bias", action="store_true",
                      help="with --conv: add an int32 bias per output channel")
    comp.add_argument("--relu", action="store_true",
                      help="with --conv: ReLU on the int8 (saturated) output")
    comp.add_argument("--schedule", choices=("naive", "library", "search"), default=None,
                      help="naive (one block at a time), library (tiled_matmul_auto's, the "
                           "default) or search (beam search, as --search beam)")
    comp.add_argument("--search", choices=("none", "beam"), default="none",
                      help="none: the library schedule (default); beam: Autocomp-style search")
    comp.add_argument("--cycle-model", metavar="KEY=N,...",
                      help="cycle model parameters other than the defaults, e.g. "
                           "dma_latency=200,max_inflight=4 (fields of cycles.CycleModel; "
                           "docs/gemmini.md, 'How far to trust the model')")
    comp.add_argument("--budget", type=int, default=40,
                      help="schedules the search measures (default 40)")
    comp.add_argument("--seed", type=int, default=0, help="seed of the search and the check inputs")
    comp.add_argument("--planner", default="symbolic", metavar="NAME",
                      help="the search's planner: symbolic (default) or one from a plugin "
                           "(llm: a chat model plans and rewrites the program)")
    # SUPPRESS: the same options given before `compile` (plugin-wide) are not overwritten
    comp.add_argument("--llm-base-url", default=argparse.SUPPRESS, metavar="URL",
                      help="with --planner llm: an OpenAI-compatible endpoint, e.g. "
                           "http://127.0.0.1:8000/v1 (key from $TENSFLO_LLM_API_KEY)")
    comp.add_argument("--llm-model", default=argparse.SUPPRESS, metavar="NAME",
                      help="with --planner llm: the model to ask")
    comp.add_argument("--llm-cache", default=argparse.SUPPRESS, metavar="DIR",
                      help="with --planner llm: cache answers in DIR (default ~/.cache/tensflo/llm; "
                           "re-runs send nothing); `tensflo gemmini --no-llm-cache compile ...` "
                           "caches nothing")
    comp.add_argument("--gemmini-header", choices=("current", "2021"), default="current",
                      help="gemmini.h generation the C is written for: current (default; the "
                           "dev branch, activation in config_st) or 2021 (commit 0015b1af)")
    comp.add_argument("--emit", choices=("c", "ir"), default=None,
                      help="print the C file or the program text instead of the report")
    comp.add_argument("--json", action="store_true", help="print one JSON object")
    comp.add_argument("--no-check", action="store_true",
                      help="skip running the program on the emulator against NumPy")
    comp.add_argument("-o", "--output", metavar="OUT", help="write --emit output to OUT")


def _run(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    if args.gemmini_command == "run":
        return _cmd_run(args, out)
    return _cmd_compile(args, registry, out)


def _report_lines(report: Any) -> list[str]:
    return [
        f"cycles:      {report.cycles}",
        f"utilisation: {report.utilisation:.1%} ({report.macs} MACs)",
        f"bytes moved: {report.bytes_moved} ({report.bytes_loaded} loaded, "
        f"{report.bytes_stored} stored)",
        "instructions: " + ", ".join(f"{k} {v}" for k, v in sorted(report.instructions.items())),
    ]


def _cmd_run(args: argparse.Namespace, out: IO[str]) -> int:
    import numpy as np

    from .cycles import measure
    from .emulator import DTYPES, Emulator, EmulatorError
    from .text import ProgramSyntaxError, parse_program
    from .trace import trace

    try:
        program = parse_program(read_input(args.program))
    except ProgramSyntaxError as e:
        raise UsageError(f"{args.program}: {e}") from None
    rng = np.random.default_rng(args.seed)
    inputs = {}
    for b in program.buffers:
        if b.role == "in":
            info = np.iinfo(DTYPES[b.dtype])
            lo, hi = (info.min, info.max + 1) if b.dtype == "int8" else (-(1 << 15), 1 << 15)
            inputs[b.name] = rng.integers(lo, hi, (b.rows, b.cols)).astype(DTYPES[b.dtype])
    try:
        stream = trace(program)
        outputs = Emulator(program, inputs).run(stream)
    except EmulatorError as e:
        raise UsageError(f"{args.program}: {e}") from None
    except (ArithmeticError, KeyError, TypeError, ValueError) as e:
        raise UsageError(f"{args.program}: cannot run: {type(e).__name__}: {e}") from None
    report = measure(stream)
    checksums = {k: int(v.astype(np.int64).sum()) for k, v in outputs.items()}
    if args.json:
        json.dump({"program": program.name, **report.as_dict(), "output_sums": checksums},
                  out, indent=2)
        out.write("\n")
        return ExitCode.OK
    out.write(f"{program.name}: ran {len(stream.events)} instructions\n")
    out.write("\n".join(_report_lines(report)) + "\n")
    out.write("output sums: " + ", ".join(f"{k} {v}" for k, v in checksums.items()) + "\n")
    return ExitCode.OK


def _adopt_written(result: Any) -> Any:
    """The result with the searched program when a planner wrote it (the API builds the best
    candidate's schedule; a written program is the candidate itself, checked and measured)."""
    from dataclasses import replace

    from .cemit import HeaderError, render

    best = result.search.best if result.search is not None else None
    if best is None or best.program is None:
        return result
    try:
        c = render(best.program)
    except HeaderError:
        c = ""  # `--emit c` renders again and reports why
    return replace(result, program=best.program, c=c, report=best.report)


def _planner_lines(search: Any) -> list[str]:
    """What a program-writing planner did: its cost, its programs by outcome, fallbacks."""
    lines = []
    p = search.planner
    if p:
        lines.append(f"planner:     {p.get('calls', 0)} calls ({p.get('requests', 0)} requests, "
                     f"{p.get('cache_hits', 0)} cached), {p.get('prompt_tokens', 0)} + "
                     f"{p.get('completion_tokens', 0)} tokens, {p.get('seconds', 0.0):.1f}s; "
                     f"plans {p.get('plans', 0)} (rejected: unknown option "
                     f"{p.get('unknown_option', 0)}, malformed {p.get('malformed_plan', 0)}); "
                     f"programs parsed {p.get('programs', 0)} (rejected: parse error "
                     f"{p.get('parse_error', 0)}, too large {p.get('too_large', 0)})")
    if search.programs:
        lines.append("programs:    " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(search.programs.items()))
                     + (" (the best one was written by the planner)"
                        if search.best.program is not None else ""))
    if search.fallbacks:
        lines.append(f"fallbacks:   {len(search.fallbacks)} to the symbolic planner, first: "
                     f"{search.fallbacks[0]}")
    return lines


def _c_text(program: Any, header: str) -> str:
    """The C file for `header`; a program that header cannot express is a usage error."""
    from .cemit import HeaderError, render

    try:
        return render(program, header)
    except HeaderError as e:
        raise UsageError(f"gemmini: {e}") from None


def _cmd_compile(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import TensIRSyntaxError, TensIRTypeError, parse_module

    from .api import check_on_emulator, compile_term
    from .emulator import EmulatorError
    from .lower import parse_shapes

    if args.conv is not None:
        return _cmd_compile_conv(args, registry, out)
    if args.file is None or args.function is None or args.shapes is None:
        raise UsageError("gemmini compile needs FILE, --function and --shapes (or --conv SPEC)")
    if args.bias or args.relu:
        raise UsageError("--bias and --relu go with --conv; a TensIR function states its own")
    text = read_input(args.file)
    try:
        functions = {f.name: f for f in parse_module(text, source=args.file)}
    except TensIRSyntaxError as e:
        raise UsageError(f"{e.source}:{e.line}:{e.column}: {e.message}\n{e.context}") from None
    except TensIRTypeError as e:
        raise UsageError(f"{args.file}: {e}") from None
    fn = functions.get(args.function)
    if fn is None:
        raise UsageError(f"{args.file} defines no function {args.function!r} "
                         f"(defined: {', '.join(functions) or 'none'})")
    search, schedule, planner = _schedule_options(args, registry)
    result = _adopt_written(compile_term(fn, parse_shapes(args.shapes), search, args.budget,
                                         args.seed, schedule=schedule, planner=planner,
                                         model=_model(args)))
    checked = None
    if not args.no_check:
        try:
            checked = check_on_emulator(result, fn, parse_shapes(args.shapes), args.seed)
        except EmulatorError as e:
            raise UsageError(f"the generated program failed on the emulator: {e}") from None
    return _write_result(args, result, checked, out)


def _schedule_options(args: argparse.Namespace, registry: Registry) -> tuple[str, Any, Any]:
    """(search, fixed schedule or None, planner) from --schedule / --search / --planner."""
    from .hooks import planners
    from .schedule import NAIVE

    if args.budget < 1:
        raise UsageError("--budget must be at least 1")
    if args.schedule is not None and args.search == "beam" and args.schedule != "search":
        raise UsageError(f"--schedule {args.schedule} and --search beam disagree")
    search = "beam" if args.schedule == "search" or args.search == "beam" else "none"
    schedule = NAIVE if args.schedule == "naive" else None
    available = planners(registry)
    if args.planner not in available:
        raise UsageError(f"no planner {args.planner!r} (available: {', '.join(sorted(available))})")
    planner = available[args.planner]
    if search == "beam" and isinstance(planner, Configurable):
        # a planner with an endpoint (llm) takes the --llm-* options
        options = {k.removeprefix("llm_"): v for k, v in vars(args).items()
                   if k.startswith("llm_") and v is not None}
        planner = planner.configure(**options)
    return search, schedule, planner


def _cmd_compile_conv(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from .api import compile_workload
    from .direct import check_workload, parse_conv
    from .emulator import EmulatorError

    if args.file is not None or args.function is not None or args.shapes is not None:
        raise UsageError("--conv replaces FILE, --function and --shapes")
    workload = parse_conv(args.conv, bias=args.bias, relu=args.relu)
    search, schedule, planner = _schedule_options(args, registry)
    result = _adopt_written(compile_workload(workload, search, args.budget, args.seed,
                                             schedule=schedule, planner=planner,
                                             model=_model(args)))
    checked = None
    if not args.no_check:
        try:
            checked = check_workload(result, args.seed)
        except EmulatorError as e:
            raise UsageError(f"the generated program failed on the emulator: {e}") from None
    return _write_result(args, result, checked, out)


def _model(args: argparse.Namespace) -> Any:
    from .direct import parse_model

    return parse_model(args.cycle_model)


def _choice(args: argparse.Namespace) -> str:
    """naive, library or search: the schedule the command compiled."""
    return args.schedule or ("search" if args.search == "beam" else "library")


def _write_result(args: argparse.Namespace, result: Any, checked: bool | None, out: IO[str]) -> int:
    from .direct import schedule_report
    from .text import print_program

    if args.emit:
        code = _c_text(result.program, args.gemmini_header) if args.emit == "c" \
            else print_program(result.program)
        if args.output and args.output != "-":
            try:
                with open(args.output, "w", encoding="utf-8") as f:
                    f.write(code)
            except OSError as e:
                raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
        else:
            out.write(code)
        return ExitCode.OK if checked is not False else ExitCode.NOT_LIFTED
    bounds = schedule_report(result, _model(args))
    bounds["schedules"][_choice(args)] = bounds["schedules"].pop("chosen")
    if args.json:
        report = result.as_dict()
        if result.search is not None:
            report["search"].update(result.search.extras())
        json.dump({**report, **bounds, "checked": checked}, out, indent=2)
        out.write("\n")
    else:
        out.write(f"{result.name}: {result.program.doc}\n")
        out.write(f"schedule:    {result.schedule}\n")
        out.write("\n".join(_report_lines(result.report)) + "\n")
        for name, r in result.baselines.items():
            out.write(f"{name + ':':<12} {r.cycles} cycles ({r.utilisation:.1%}), "
                      f"{bounds['schedules'][name]['over_bound']}x the bound\n")
        b = bounds["bound"]
        out.write(f"bound:       {b['cycles']} cycles ({b['utilisation']:.1%}, {b['limit']}); "
                  f"this schedule ({_choice(args)}) {bounds['schedules'][_choice(args)]['over_bound']}x\n")
        if result.search is not None:
            s = result.search
            out.write(f"search:      {s.measured} schedules measured in {s.seconds:.1f}s, "
                      f"steps {', '.join(s.best.steps) or '(none)'}\n")
            for line in _planner_lines(s):
                out.write(line + "\n")
        if checked is not None:
            out.write(f"emulator == NumPy: {'yes' if checked else 'NO'}\n")
    return ExitCode.OK if checked is not False else ExitCode.NOT_LIFTED
