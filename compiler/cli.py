"""The `tensflo` command: its parser, built from the command modules and the plugins, and `main`.

Each command lives in its own module (`ops_command`, `listing_commands`, `render_command`,
`lift_commands`, `bench_command`); plugins add commands through `tensflo_register_commands` and
options to the commands they apply to through `tensflo_add_options`. Usage and input errors are
reported on stderr with exit status 2 (see `errors.ExitCode`): one line, or, for a place in an
input file, clang's `FILE:LINE:COL: error: message`, the source line and a caret.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, NoReturn

from tensflo import __version__
from tensflo.plugins.errors import ExitCode, PluginError, UnknownComponentError, UsageError

if TYPE_CHECKING:
    from tensflo.plugins.hookspecs import RunCommand
    from tensflo.plugins.manager import Registry

DISABLE_AUTOLOAD_ENV = "TENSFLO_DISABLE_PLUGIN_AUTOLOAD"
"""`tensflo.plugins.manager.DISABLE_AUTOLOAD_ENV`, spelled here so `--version` imports no plugin
machinery."""

PROG = "tensflo"

BLAS_THREADS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""The variables that set how many threads NumPy's BLAS starts (OpenBLAS, OpenMP, MKL builds)."""

ONE_BLAS_THREAD = frozenset({"compile", "lift", "render", "ops", "targets", "plugins", "cache"})
"""The commands the `tensflo` program runs with one BLAS thread when none of `BLAS_THREADS_ENV`
is set: their NumPy work is small (the random-input checks), and starting BLAS's thread pool
costs more CPU than it saves. `bench` and the commands of plugins keep BLAS's default (they may
time code); `main(argv)` called in-process leaves the environment alone."""

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
  tensflo cache info                    where tensflo's on-disk caches are and their sizes

exit status: 0 ok, 1 not lifted, 2 usage or input error.
Set {DISABLE_AUTOLOAD_ENV}=1 to load only tensflo's own plugins.
compile, lift, render, ops, targets, plugins and cache run NumPy's BLAS on one thread unless
{", ".join(BLAS_THREADS_ENV[:-1])} or {BLAS_THREADS_ENV[-1]} is set; bench keeps its default."""


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as `UsageError` so `main` prints one line and returns 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=100)


def build_parser(registry: Registry, selected: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; plugins add commands through `tensflo_register_commands` and options
    to each command through `tensflo_add_options`.

    With `selected` (the command about to run, `""` for none), plugin options are added to that
    command only, and plugin commands only when it is not a built-in one, so that a lazy registry
    imports only the plugins the command line needs.
    """
    from tensflo.plugins.manager import call_each

    from . import (
        bench_command,
        cache_command,
        lift_commands,
        listing_commands,
        ops_command,
        render_command,
    )

    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=_formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands.required = True

    def command(name: str, help: str, example: str, run: RunCommand, *,
                lifts: bool = False) -> argparse.ArgumentParser:
        plugin_options = _Parser(add_help=False)
        if selected is None or selected == name:
            registry.add_options(plugin_options, name, lifts)
        try:
            sub = commands.add_parser(
                name, help=help, description=help[0].upper() + help[1:] + ".",
                epilog=f"example:\n  {example}", formatter_class=_formatter,
                parents=[plugin_options],
            )
        except argparse.ArgumentError as e:
            raise PluginError(f"plugin options of command {name!r} clash: {e}") from e
        sub.set_defaults(run=run)
        return sub

    ops_command.add_command(command)
    listing_commands.add_commands(command)
    render_command.add_command(command)
    lift_commands.add_commands(command)
    bench_command.add_command(command)
    cache_command.add_command(command)

    taken = set(commands.choices)
    if selected in taken:
        return parser

    def plugin_command(name: str, help: str, example: str, run: RunCommand, *,
                       lifts: bool = False) -> argparse.ArgumentParser:
        if name in taken:
            raise PluginError(f"two commands are named {name!r}")
        taken.add(name)
        return command(name, help, example, run, lifts=lifts)

    for _ in call_each(registry, "tensflo_register_commands", add_command=plugin_command):
        pass
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `tensflo` command (with `argv` None: the program, `sys.argv`); returns the exit
    status."""
    program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if not a.startswith("-")), "")
    if program:
        one_blas_thread(selected, os.environ)
    if "--version" in argv[:argv.index(selected) if selected else len(argv)]:
        print(f"{PROG} {__version__}")
        return ExitCode.OK
    if program:  # start-up (imports, plugins, the parser) makes what lives as long as the process
        gc.disable()
    registry: Registry | None = None
    try:
        registry = load_registry()
        parser = build_parser(registry, selected)
        try:
            args = _parse(registry, parser, argv, selected)
        except SystemExit as e:  # --help and --version
            return e.code if isinstance(e.code, int) else ExitCode.OK
        if program:
            gc.freeze()  # the objects of start-up are never scanned again
            gc.enable()
        code = args.run(args, registry, sys.stdout)
        for name, message in registry.failed.items():
            if name not in registry.not_installed:
                print(f"{PROG}: warning: {message}", file=sys.stderr)
        return code
    except UsageError as e:
        from tensflo.plugins.errors import missing_extra

        return _fail(missing_extra(e) or str(e))
    except (PluginError, UnknownComponentError) as e:
        return _fail(str(e.args[0]) if e.args else str(e))
    except BrokenPipeError:
        # the reader went away (`tensflo ops | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except ModuleNotFoundError as e:  # an optional package of a feature: name its extra
        from tensflo.plugins.errors import missing_extra

        hint = missing_extra(e)
        if hint is None:
            raise
        return _fail(hint)
    except KeyboardInterrupt:
        return 130
    finally:
        if program:
            gc.enable()
        if registry is not None:
            registry.close()


def _parse(registry: Registry, parser: argparse.ArgumentParser, argv: list[str],
           selected: str) -> argparse.Namespace:
    """Parse `argv`; again with the real options of the plugins whose stand-ins it used, or,
    when it does not parse, with the plugins that failed to import the last time retried (the
    error then names the plugins whose package is not installed)."""
    try:
        args = parser.parse_args(argv)
    except UsageError as first:
        error = first
        if registry.retry_failed():
            try:
                return build_parser(registry, selected).parse_args(argv)
            except UsageError as again:
                error = again
        notes = [f"plugin {name!r} is not loaded: {line}"
                 for name, line in registry.not_installed.items()]
        if not notes:
            raise
        raise UsageError("\n".join([str(error), *notes])) from error
    if registry.load_given_options(args):  # a plugin's options stood in: now its own
        args = build_parser(registry, selected).parse_args(argv)
    return args


def one_blas_thread(command: str, environ: MutableMapping[str, str]) -> bool:
    """Set each of `BLAS_THREADS_ENV` to 1 in `environ` for a command of `ONE_BLAS_THREAD` when
    none is set (before NumPy is imported); True when it did."""
    if command not in ONE_BLAS_THREAD or any(name in environ for name in BLAS_THREADS_ENV):
        return False
    environ.update(dict.fromkeys(BLAS_THREADS_ENV, "1"))
    return True


def load_registry() -> Registry:
    """The registry the command uses: lazy, each plugin imported when the command needs it."""
    from tensflo.plugins.manager import load_registry as load

    return load(lazy=True)


def _fail(message: str) -> int:
    from .console import format_error

    sys.stderr.write(format_error(message, PROG))
    return ExitCode.USAGE


__all__ = ["main", "build_parser"]
