"""Hook specifications of tensflo's plugin system (pluggy project name `tensflo`).

A plugin is a module or object implementing some of these hooks, marked with `hookimpl`. Built-in
plugins and third-party ones are found the same way: through the `tensflo` entry-point group
(`[options.entry_points] tensflo = myname = mypackage.myplugin`). Hooks are always called with
keyword arguments, so adding an argument later breaks no plugin.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from tensflo.ir.tensir import OpDef, Term

    from .manager import Registry

PROJECT = "tensflo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

RunCommand = Callable[[argparse.Namespace, "Registry", IO[str]], int]
"""A subcommand: `run(args, registry, out)` does the work and returns the exit status."""


class AddCommand(Protocol):
    """The `add_command` of `tensflo_register_commands`: adds one subcommand, returns its parser."""

    def __call__(self, name: str, help: str, example: str, run: RunCommand, *,
                 lifts: bool = False) -> argparse.ArgumentParser:
        """`help` is one line; `example` a command line shown under the help. `lifts` says the
        command lifts with the lifting flags, so options for synthesizers apply to it."""
        ...


# -------------------------------------------------------------------------------------------------
# components: each hook returns a list of component objects (collected from every plugin)
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_register_frontends() -> list[Any]:
    """Return frontends (objects with `name`, `extensions` and `parse`), see `components.Frontend`.

    Collected from all plugins; a name registered twice is an error naming both plugins.
    """


@hookspec
def tensflo_register_synthesizers() -> list[Any]:
    """Return synthesizers (objects with `name` and `synthesize`), see `components.Synthesizer`.

    Collected from all plugins.
    """


@hookspec
def tensflo_register_verifiers() -> list[Any]:
    """Return verifiers (objects with `name` and `check`), see `components.Verifier`.

    Collected from all plugins.
    """


@hookspec
def tensflo_register_targets() -> list[Any]:
    """Return code generators (objects with `name`, `available` and `emit`), see `components.Target`.

    Collected from all plugins.
    """


@hookspec
def tensflo_register_ops() -> list[OpDef]:
    """Return extra TensIR ops with full semantics (type rule, NumPy, SMT, printed form, renderings).

    Collected from all plugins; an op name that already exists is an error naming both origins.
    """


# -------------------------------------------------------------------------------------------------
# configuration
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_add_options(parser: argparse.ArgumentParser) -> None:
    """Add command-line options to the `tensflo` parser (use a `--<plugin>-...` prefix).

    Called once per plugin when the CLI is built; the parsed values reach components as options.
    """


@hookspec
def tensflo_register_commands(add_command: Any) -> None:
    """Add `tensflo` subcommands: call `add_command(name, help, example, run)` for each.

    `add_command` returns the subcommand's `argparse.ArgumentParser` for its arguments; `run` is
    called as `run(args, registry, out) -> exit status`. Raise `tensflo.plugins.errors.UsageError`
    for a user error (one line on stderr, exit 2). A name already taken is an error.
    """


@hookspec
def tensflo_gemmini_planners() -> list[Any]:
    """Return schedule planners for the Gemmini target's search (objects with `name` and
    `plan(state, menu, samples, rng)`, see `tensflo.targets.gemmini.search.Planner`), e.g. an LLM
    planner beside the built-in symbolic one. Collected from all plugins; names must be unique.
    """


# -------------------------------------------------------------------------------------------------
# observers
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_candidate_found(function: str, candidate: Term, found_by: str) -> None:
    """Called for each candidate that passed the quick check, before verification. Collected."""


@hookspec
def tensflo_result(result: Any) -> None:
    """Called with each finished `CompileResult`. Collected."""
