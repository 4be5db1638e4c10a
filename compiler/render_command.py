"""`tensflo render`: the code a target generates for the functions of a .tensir file."""

from __future__ import annotations

import argparse
import io
from typing import IO

from tensflo.plugins.components import target_available
from tensflo.plugins.errors import ExitCode, PluginError, UsageError, read_input
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import Registry

from .console import to_file, write_file


def add_command(command: AddCommand) -> None:
    render = command("render", "print the code a target generates for the functions of a .tensir file",
                     "tensflo render examples/dot.tensir --target numpy -o dot.py", run)
    render.add_argument("file", metavar="FILE", help="a TensIR module (`def f(x: vec[int]) -> int = ...`)")
    render.add_argument("--target", "-t", required=True, metavar="NAME",
                        help="the code generator (see `tensflo targets`)")
    render.add_argument("--function", "-f", action="append", metavar="NAME",
                        help="render only this function (repeatable); default: all of them")
    render.add_argument("-o", "--output", metavar="OUT", help="write the code to OUT instead of stdout")


def run(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import TensIRSyntaxError, TensIRTypeError, parse_module

    reg = registry.registration("target", args.target)
    ok, why = target_available(reg.component)
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
    if to_file(args.output):
        write_file(args.output, code.getvalue())
    else:
        out.write(code.getvalue())
    return ExitCode.OK
