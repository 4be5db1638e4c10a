"""The `tensflo` command: what is available (`ops`, `targets`, `plugins`) and `render`.

Every command loads the plugins first (their options appear in each command's help). Usage and
input errors are reported as one message on stderr with exit status 2 (see `errors.ExitCode`);
TensIR text errors add the offending line with a caret under the position.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, NoReturn

from tensflo import __version__
from tensflo.plugins.argtypes import positive_float, positive_int
from tensflo.plugins.errors import ExitCode, UsageError, read_input
from tensflo.plugins.manager import (
    DISABLE_AUTOLOAD_ENV,
    PluginError,
    Registry,
    UnknownComponentError,
    call_each,
    load_registry,
)

from .table import table

PROG = "tensflo"

DESCRIPTION = """\
tensflo lifts sequential loops to verified tensor programs: it finds an equivalent program in
TensIR (a small typed tensor IR), proves the equivalence with an SMT solver, and generates code
for a target. Frontends, synthesizers, verifiers, targets and TensIR ops come from plugins."""

EPILOG = f"""\
examples:
  tensflo compile kernel.cc --function f --target numpy -o f.py
                                        lift f's loops, prove the TensIR program, write NumPy code
  tensflo lift kernel.py --json         TensIR, proof level and precondition of every function
  tensflo ops                           list every TensIR op
  tensflo ops 'vec_*'                   show the vec ops in detail
  tensflo targets                       list the code generators and whether they work here
  tensflo plugins                       list the loaded plugins and where they came from
  tensflo render examples/dot.tensir --target numpy
                                        print the NumPy module for a .tensir file
  tensflo bench kernel.cc --function f --sizes 1e3,1e6
                                        time f on every target against g++ -O3 -march=native

exit status: 0 ok, 1 not lifted, 2 usage or input error.
Set {DISABLE_AUTOLOAD_ENV}=1 to load only tensflo's own plugins."""


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as `UsageError` so `main` prints one line and returns 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=100)


def build_parser(registry: Registry) -> argparse.ArgumentParser:
    """The argument parser; plugins add their options through `tensflo_add_options`."""
    plugin_options = _Parser(add_help=False)
    for _ in call_each(registry, "tensflo_add_options", parser=plugin_options):
        pass

    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=_formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands.required = True

    def command(name: str, help: str, example: str, run: Callable[..., int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".",
            epilog=f"example:\n  {example}", formatter_class=_formatter,
            parents=[plugin_options],
        )
        sub.set_defaults(run=run)
        return sub

    ops = command("ops", "list the TensIR ops: how each is written, its types and meaning",
                  "tensflo ops 'reduce_*'", _cmd_ops)
    ops.add_argument("names", nargs="*", metavar="NAME",
                     help="show only these ops, in detail (shell-style patterns allowed)")
    ops_format = ops.add_mutually_exclusive_group()
    ops_format.add_argument("--json", action="store_true", help="print a JSON list")
    ops_format.add_argument("--markdown", action="store_true",
                            help="print the reference page (docs/ops.md)")

    targets = command("targets", "list the code generators and whether each works here",
                      "tensflo targets", _cmd_targets)
    targets.add_argument("--json", action="store_true", help="print a JSON list")

    plugins = command("plugins", "list the loaded plugins, what they provide, where they came from",
                      "tensflo plugins", _cmd_plugins)
    plugins.add_argument("--json", action="store_true", help="print a JSON list")

    render = command("render", "print the code a target generates for the functions of a .tensir file",
                     "tensflo render examples/dot.tensir --target numpy -o dot.py", _cmd_render)
    render.add_argument("file", metavar="FILE", help="a TensIR module (`def f(x: vec[int]) -> int = ...`)")
    render.add_argument("--target", "-t", required=True, metavar="NAME",
                        help="the code generator (see `tensflo targets`)")
    render.add_argument("--function", "-f", action="append", metavar="NAME",
                        help="render only this function (repeatable); default: all of them")
    render.add_argument("-o", "--output", metavar="OUT", help="write the code to OUT instead of stdout")

    for name, help_text, example, run in (
        ("compile", "lift the loops of a C++ or Python file (or of every file under DIR...: batch "
                    "mode) to TensIR, prove it, and generate code",
         "tensflo compile kernels/dot.cc --function dot --target numpy -o dot.py\n"
         "  tensflo compile src/ 'lib/**/*.cc' --target numpy --jobs 2 --report report.html\n"
         "                                        (batch mode: docs/batch.md)", _cmd_compile),
        ("lift", "lift the loops of a C++ or Python file to TensIR and prove it (no code)",
         "tensflo lift kernels/dot.cc --function dot", _cmd_lift),
    ):
        sub = command(name, help_text, example, run)
        if name == "compile":
            sub.add_argument("source", metavar="SRC", nargs="+",
                             help="a C++ (.cc, .cpp) or Python (.py) file; several files, "
                                  "directories or glob patterns for batch mode")
        else:
            sub.add_argument("source", metavar="SRC", help="a C++ (.cc, .cpp) or Python (.py) file")
        sub.add_argument("--function", "-f", action="append", metavar="NAME",
                         help="lift only this function (repeatable); default: every function")
        if name == "compile":
            sub.add_argument("--target", "-t", default="numpy", metavar="NAME",
                             help="code generator (default numpy; see `tensflo targets`)")
            sub.add_argument("-o", "--output", metavar="OUT",
                             help="write the generated module to OUT (default: stdout); in batch "
                                  "mode a directory, one module per source file")
            sub.add_argument("--shapes", metavar="SPEC",
                             help="for targets that need sizes (gemmini): tensor shapes and the "
                                  "values of scalar bounds, e.g. a=64x64,b=64x64,m=64")
            sub.add_argument("--search", metavar="KIND",
                             help="for gemmini: none (library schedule) or beam (schedule search)")
            sub.add_argument("--budget", type=int, metavar="N",
                             help="for gemmini: schedules the search may measure")
        sub.add_argument("--json", action="store_true",
                         help="print the result as JSON (one object; a list for several functions)")
        sub.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                         help="time budget per function in seconds (default 60)")
        sub.add_argument("--verifier", default="z3", metavar="NAME",
                         help="z3, cvc5, or portfolio (races both); default z3")
        sub.add_argument("--synth", default="enum", metavar="LIST",
                         help="synthesizers tried when the loop-shape rules fail, comma-separated "
                              "(default enum; `none` for rules only)")
        sub.add_argument("--no-rules", dest="rules", action="store_false",
                         help="skip the loop-shape rules: only the synthesizers propose candidates "
                              "(to measure a synthesizer on its own)")
        sub.add_argument("--require-proof", default="bounded", metavar="LEVEL",
                         choices=("unbounded", "bounded", "tested"),
                         help="weakest proof accepted as lifted: unbounded, bounded (default) or "
                              "tested (random differential tests only)")
        sub.add_argument("--seed", type=int, default=0, metavar="N",
                         help="seed for random inputs and the search (default 0)")
        sub.add_argument("--tests", type=int, default=64, metavar="N",
                         help="random inputs each candidate is checked on before proving (default 64)")
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr")
        if name == "compile":
            from .batch.command import add_arguments as add_batch_arguments

            add_batch_arguments(sub)

    bench = command("bench", "time a lifted function on each target against the original "
                    "(g++ -O3 -march=native, or CPython)",
                    "tensflo bench kernels/dot.cc --function dot --targets numpy,llvm --sizes 1e3,1e6",
                    _cmd_bench)
    bench.add_argument("source", metavar="SRC", help="a C++ (.cc, .cpp) or Python (.py) file")
    bench.add_argument("--function", "-f", required=True, metavar="NAME", help="the function to time")
    bench.add_argument("--targets", metavar="LIST",
                       help="comma-separated targets (default: every available target that runs "
                            "in this process; see `tensflo targets`)")
    bench.add_argument("--sizes", default="1e3,1e5,1e6", metavar="LIST",
                       help="entries of the largest input, comma-separated (default 1e3,1e5,1e6); "
                            "matrices are square")
    bench.add_argument("--repeats", type=positive_int, default=15, metavar="N",
                       help="timed calls per runner and size (default 15; fewer when a call is slow)")
    bench.add_argument("--max-seconds", type=positive_float, default=1.0, metavar="S",
                       help="stop timing a runner at one size after S seconds, once 3 calls ran "
                            "(default 1)")
    bench.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the random inputs")
    bench.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                       help="lifting time budget in seconds (default 60)")
    bench.add_argument("--json", action="store_true", help="print the measurements as JSON")
    bench.add_argument("--plot", metavar="OUT.png",
                       help="draw a speedup chart (needs matplotlib: pip install 'tensflo[plot]')")
    bench.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr")

    taken = set(commands.choices)

    def plugin_command(name: str, help: str, example: str, run: Callable[..., int]) -> Any:
        if name in taken:
            raise PluginError(f"two commands are named {name!r}")
        taken.add(name)
        return command(name, help, example, run)

    for _ in call_each(registry, "tensflo_register_commands", add_command=plugin_command):
        pass
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `tensflo` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    registry: Registry | None = None
    try:
        registry = load_registry()
        parser = build_parser(registry)
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help and --version
            return e.code if isinstance(e.code, int) else ExitCode.OK
        return args.run(args, registry, sys.stdout)
    except UsageError as e:
        return _fail(str(e))
    except (PluginError, UnknownComponentError) as e:
        return _fail(str(e.args[0]) if e.args else str(e))
    except BrokenPipeError:
        # the reader went away (`tensflo ops | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:
        return 130
    finally:
        if registry is not None:
            registry.close()


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return ExitCode.USAGE


# -------------------------------------------------------------------------------------------------
# commands
# -------------------------------------------------------------------------------------------------
def _cmd_ops(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import OPS
    from tensflo.ir.tensir.reference import op_info, printed_form, render_ops_markdown

    ops = list(OPS)
    if args.names:
        ops = [op for op in ops if any(fnmatch.fnmatchcase(op.name, p) for p in args.names)]
        if not ops:
            raise UsageError(f"no op matches {' '.join(args.names)} (see `tensflo ops`)")
    if args.markdown:
        out.write(render_ops_markdown(ops))
        return ExitCode.OK
    if args.json:
        _json([op_info(op) for op in ops], out)
        return ExitCode.OK
    if args.names:
        for op in ops:
            info = op_info(op)
            out.write(f"{info['name']}\n")
            fields = [
                ("written", info["written"]),
                ("types", "\n".join(info["types"]) or "(not enumerated)"),
                ("meaning", info["doc"]),
                ("requires", info["domain"]),
                ("family", info["family"] or ""),
                ("lemma", "yes" if info["prefix_lemma"] else "no"),
                ("targets", ", ".join(info["targets"])),
                ("from", info["origin"]),
            ]
            for key, value in fields:
                if value:
                    value = value.replace("\n", "\n" + " " * 12)
                    out.write(f"  {key + ':':<10}{value}\n")
        return ExitCode.OK
    rows = []
    plugin_ops = any(OPS.origin(op.name) != "tensflo" for op in ops)
    for op in ops:
        row = [op.name, printed_form(op), op.doc]
        if plugin_ops:
            origin = OPS.origin(op.name)
            row.append(registry.ops[op.name].name if op.name in registry.ops else origin)
        rows.append(row)
    headers = ["NAME", "WRITTEN", "MEANING"] + (["FROM"] if plugin_ops else [])
    out.write(table(headers, rows))
    out.write(f"\n{len(ops)} ops; `tensflo ops NAME` shows types and details.\n")
    return ExitCode.OK


def _cmd_targets(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    items = []
    for reg in registry.all("target"):
        ok, why = _available(reg)
        items.append({
            "name": reg.name,
            "available": ok,
            "reason": why,
            "description": getattr(reg.component, "description", ""),
            "plugin": reg.plugin.name,
            "distribution": reg.plugin.distribution,
        })
    if args.json:
        _json(items, out)
        return ExitCode.OK
    rows = [
        [i["name"], "yes" if i["available"] else f"no: {i['reason'] or 'unavailable'}",
         i["description"], f"{i['plugin']} ({i['distribution']})"]
        for i in items
    ]
    out.write(table(["TARGET", "AVAILABLE", "DESCRIPTION", "PLUGIN"], rows))
    return ExitCode.OK


def _available(reg: Any) -> tuple[bool, str]:
    from tensflo.plugins.components import target_available

    return target_available(reg.component)


def _cmd_plugins(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    items = []
    for info in registry.plugins.values():
        provides: dict[str, list[str]] = {}
        ops = registry.ops_of(info.name)
        if ops:
            provides["op"] = ops
        for reg in registry.provided_by(info.name):
            provides.setdefault(reg.kind, []).append(reg.name)
        items.append({
            "name": info.name,
            "module": info.module,
            "distribution": info.dist_name,
            "version": info.dist_version,
            "entry_point": info.entry_point,
            "provides": provides,
            "hooks": registry.hooks_of(info.name),
        })
    if args.json:
        _json(items, out)
        return ExitCode.OK
    rows = []
    for item in items:
        what = "; ".join(
            f"{kind}{'s' if len(names) > 1 else ''} {', '.join(names)}"
            for kind, names in item["provides"].items()
        ) or "hooks " + ", ".join(item["hooks"])
        where = item["distribution"] and f"{item['distribution']} {item['version']}"
        source = f"{where}, entry point {item['entry_point']}" if where else item["module"]
        rows.append([item["name"], what, source])
    out.write(table(["PLUGIN", "PROVIDES", "FROM"], rows))
    if not registry.autoload:
        out.write(f"\n{DISABLE_AUTOLOAD_ENV} is set: only tensflo's own plugins are loaded.\n")
    return ExitCode.OK


def _cmd_render(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import TensIRSyntaxError, TensIRTypeError, parse_module

    reg = registry.registration("target", args.target)
    ok, why = _available(reg)
    if not ok:
        raise UsageError(f"target {args.target!r} is not available here: {why or 'unavailable'}")
    text = read_input(args.file)
    try:
        functions = parse_module(text, source=args.file)
    except TensIRSyntaxError as e:
        raise UsageError(f"{e.source}:{e.line}:{e.column}: {e.message}\n{e.context}") from None
    except TensIRTypeError as e:
        raise UsageError(f"{args.file}: {e}") from None
    if args.function:
        defined = {fn.name: fn for fn in functions}
        missing = [name for name in args.function if name not in defined]
        if missing:
            shown = ", ".join(defined) or "none"
            raise UsageError(f"{args.file} defines no function {missing[0]!r} (defined: {shown})")
        functions = [defined[name] for name in args.function]
    if not functions:
        raise UsageError(f"{args.file} defines no function")
    code = io.StringIO()
    try:
        reg.component.emit(functions, code)
    except Exception as e:
        raise PluginError(
            f"target {args.target!r} ({reg.plugin}) could not render {args.file}: "
            f"{type(e).__name__}: {e}"
        ) from e
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(code.getvalue())
        except OSError as e:
            raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
    else:
        out.write(code.getvalue())
    return ExitCode.OK


class _Progress:
    """One status line on stderr, rewritten in place; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.width = 0

    def __call__(self, message: str) -> None:
        if self.enabled:
            text = message[:100]
            sys.stderr.write("\r" + text.ljust(self.width))
            sys.stderr.flush()
            self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def lift_options(args: argparse.Namespace, registry: Registry, target: str | None,
                 progress: Callable[[str], None] | None = None) -> Any:
    """The pipeline `Options` of the lifting flags (shared by `lift`, `compile` and batch
    compile), each checked before any work: unknown components, an unavailable target, target and
    synthesizer options."""
    from .pipeline import Options, configured_synthesizers

    verifiers = ("z3", "cvc5", "portfolio")
    if args.verifier not in verifiers:
        raise UsageError(f"unknown verifier {args.verifier!r} (choose from {', '.join(verifiers)})")
    for v in ("z3", "cvc5") if args.verifier == "portfolio" else (args.verifier,):
        registry.registration("verifier", v)
    synth = tuple(s for s in args.synth.split(",") if s and s != "none")
    synth_options = []
    for s in synth:
        registry.registration("synthesizer", s)
        prefix = s.replace("-", "_") + "_"
        given = tuple((k[len(prefix):], v) for k, v in sorted(vars(args).items())
                      if k.startswith(prefix) and v is not None)
        if given:
            synth_options.append((s, given))
    target_options: dict[str, Any] = {}
    if target is not None:
        reg = registry.registration("target", target)
        ok, why = _available(reg)
        if not ok:
            raise UsageError(f"target {target!r} is not available here: {why or 'unavailable'}")
        for flag in ("shapes", "search", "budget"):
            if getattr(args, flag, None) is not None:
                target_options[flag] = getattr(args, flag)
        if target_options:
            if not hasattr(reg.component, "configure"):
                shown = ", ".join(f"--{k}" for k in target_options)
                raise UsageError(f"target {target!r} takes no {shown}")
            target_options["seed"] = args.seed
            reg.component.configure(**target_options)  # reject bad values before lifting
    if args.tests < 1:
        raise UsageError("--tests must be at least 1")
    options = Options(target=target, verifier=args.verifier, timeout=args.timeout, seed=args.seed,
                      tests=args.tests, require_proof=args.require_proof, synth=synth,
                      synth_options=tuple(synth_options), rules=args.rules,
                      progress=progress, target_options=tuple(target_options.items()))
    configured_synthesizers(registry, options)  # bad synthesizer options fail before any work
    return options


def _lift_results(args: argparse.Namespace, registry: Registry, target: str | None) -> list[Any]:
    from .pipeline import compile_file

    progress = _Progress(not args.quiet)
    options = lift_options(args, registry, target, progress)
    try:
        return compile_file(args.source, args.function, registry, options)
    finally:
        progress.clear()


def _report(results: list[Any], out: IO[str]) -> None:
    for r in results:
        head = f"{r.function}: {r.status.replace('_', ' ')}"
        if r.tensir is not None:
            head += f", proof {r.proof}"
        out.write(head + "\n")
        if r.tensir is not None:
            out.write(f"  tensir:    {r.tensir}\n")
            if r.requires:
                out.write(f"  requires:  {' and '.join(f'({x})' for x in r.requires)}\n")
            proven = sum(1 for ob in r.obligations if ob["level"] == "unbounded")
            out.write(f"  checked:   {r.tests} random inputs; {proven}/{len(r.obligations)} "
                      f"conditions proven for all lengths\n")
            out.write(f"  found by:  {r.found_by} in {r.seconds.get('total', 0):.2f} s\n")
            if r.target_report:
                rep = r.target_report
                out.write(f"  {r.target}:  {rep.get('cycles')} cycles, utilisation "
                          f"{rep.get('utilisation', 0):.1%}, checked on the emulator: "
                          f"{rep.get('checked_on_emulator')}\n")
        for d in r.diagnostics:
            out.write(f"  {d}\n")


def _exit_status(results: list[Any]) -> int:
    return ExitCode.OK if all(r.lifted for r in results) else ExitCode.NOT_LIFTED


def _cmd_lift(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    results = _lift_results(args, registry, None)
    if args.json:
        _json(results[0].to_json() if len(results) == 1 else [r.to_json() for r in results], out)
    else:
        _report(results, out)
    return _exit_status(results)


def _cmd_compile(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import Function

    from .batch.command import lift_options, run_command, wants_batch

    if wants_batch(args):
        return run_command(args, registry, out, lift_options(args, registry))
    args.source = args.source[0]
    results = _lift_results(args, registry, args.target)
    lifted = [r for r in results if r.lifted]
    code = None
    if len(lifted) == 1:
        code = lifted[0].code
    elif lifted:
        from .pipeline import configured_target

        buf = io.StringIO()
        configured_target(registry, args.target, dict(lifted[0].target_options)).emit(
            [Function(r.function, r.params, r.program) for r in lifted], buf)
        code = buf.getvalue()
    if code is not None and args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(code)
        except OSError as e:
            raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
    if args.json:
        _json(results[0].to_json() if len(results) == 1 else [r.to_json() for r in results], out)
    else:
        _report(results, sys.stderr)
        if code is not None and not (args.output and args.output != "-"):
            out.write(code)
    return _exit_status(results)


def _cmd_bench(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from .bench import BenchOptions, bench_function, plot_speedups

    sizes = tuple(_size(s) for s in args.sizes.split(",") if s.strip())
    if not sizes:
        raise UsageError("--sizes needs at least one size, e.g. 1e3,1e6")
    targets = tuple(t for t in (args.targets or "").split(",") if t) or None
    for t in targets or ():
        registry.registration("target", t)
    progress = _Progress(not args.quiet)
    try:
        report = bench_function(args.source, args.function, registry, BenchOptions(
            targets=targets, sizes=sizes, repeats=args.repeats, max_seconds=args.max_seconds,
            seed=args.seed, timeout=args.timeout, progress=progress))
    finally:
        progress.clear()
    if args.plot:
        plot_speedups([report], args.plot)
    if args.json:
        _json(report.to_json(), out)
    else:
        out.write(report.table())
    bad = [r for r in report.rows if r.agrees is False]
    for r in bad:
        print(f"{PROG}: error: {r.runner} output differs from the original at {r.elements} entries",
              file=sys.stderr)
    return ExitCode.NOT_LIFTED if bad else ExitCode.OK


def _size(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--sizes: {text!r} is not a number (use e.g. 1000 or 1e6)") from None
    if not (value >= 1 and value == int(value)):
        raise UsageError(f"--sizes: {text!r} must be a whole number >= 1")
    return int(value)


# -------------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------------
def _json(value: Any, out: IO[str]) -> None:
    json.dump(value, out, indent=2)
    out.write("\n")


__all__ = ["main", "build_parser"]
