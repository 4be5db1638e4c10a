"""Hook specifications of tensflo's plugin system (pluggy project name `tensflo`).

A plugin is a module or object implementing some of these hooks, marked with `hookimpl`. Built-in
plugins and third-party ones are found the same way: through the `tensflo` entry-point group
(`[options.entry_points] tensflo = myname = mypackage.myplugin`). Hooks are always called with
keyword arguments, so adding an argument later breaks no plugin, and an implementation may take
fewer arguments than the specification lists.

A user's mistake (a bad option value, an unreadable input) is reported by raising
`tensflo.plugins.errors.UsageError`: one line on stderr, exit status 2. Any other exception raised
in a hook is a `tensflo.plugins.errors.PluginError` naming the plugin. A plugin may declare hooks of
its own (`tensflo_add_hookspecs`), for the plugins that extend it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from tensflo.ir.tensir import OpDef, Term

    from .components import Frontend, Synthesizer, Target, Verifier
    from .manager import Registry

PROJECT = "tensflo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

TARGET_OPTION_PREFIX = "target_"
"""Options whose dest starts with this go to the chosen target's `configure`, without it."""

RunCommand = Callable[[argparse.Namespace, "Registry", IO[str]], int]
"""A subcommand: `run(args, registry, out)` does the work and returns the exit status."""


class AddCommand(Protocol):
    """The `add_command` of `tensflo_register_commands`: adds one subcommand, returns its parser."""

    def __call__(self, name: str, help: str, example: str, run: RunCommand, *,
                 lifts: bool = False) -> argparse.ArgumentParser:
        """`help` is one line; `example` a command line shown under the help. `lifts` says that
        the command lifts with the lifting flags (`--synth`, `--verifier`, ...), so that lifting
        options of plugins (`--llm-*`) apply to it."""
        ...


# -------------------------------------------------------------------------------------------------
# the plugin manager
# -------------------------------------------------------------------------------------------------
@hookspec(historic=True)
def tensflo_add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    """Declare hooks of this plugin's own: `pluginmanager.add_hookspecs(module)` (as pytest's
    `pytest_addhooks`). The Gemmini plugin declares `tensflo_gemmini_planners` this way.

    Historic: called for each plugin as it is registered, before its other hooks are checked, so
    plugins registered later may implement the new hooks.
    """


# -------------------------------------------------------------------------------------------------
# components: each hook returns a list of component objects (collected from every plugin)
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_register_frontends() -> list[Frontend] | None:
    """Return frontends (objects with `name`, `extensions` and `parse`), see `components.Frontend`.

    Collected from all plugins; a name registered twice is an error naming both plugins.
    """


@hookspec
def tensflo_register_synthesizers() -> list[Synthesizer] | None:
    """Return synthesizers (objects with `name` and `synthesize`), see `components.Synthesizer`
    and its optional capabilities (`Configurable`, `Closable`, `HasStats`).

    Collected from all plugins.
    """


@hookspec
def tensflo_register_verifiers() -> list[Verifier] | None:
    """Return verifiers (objects with `name` and `check`), see `components.Verifier`.

    Collected from all plugins.
    """


@hookspec
def tensflo_register_targets() -> list[Target] | None:
    """Return code generators (objects with `name`, `available` and `emit`), see `components.Target`
    and its optional capabilities (`Configurable`, `HasSuffix`, `RunnableTarget`).

    Collected from all plugins.
    """


@hookspec
def tensflo_register_ops() -> list[OpDef] | None:
    """Return extra TensIR ops with full semantics (type rule, NumPy, SMT, printed form, renderings).

    Collected from all plugins; an op name that already exists is an error naming both origins.
    """


# -------------------------------------------------------------------------------------------------
# configuration
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_add_options(parser: argparse.ArgumentParser, command: str, lifts: bool) -> None:
    """Add command-line options to one `tensflo` command (use a `--<plugin>-...` prefix).

    Called for every command when the CLI is built: `command` is its name (`compile`, `lift`,
    `ops`, ... and the commands of plugins), `lifts` is true for the commands that lift with the
    lifting flags (`compile`, `lift`). Add options only to the commands they apply to; an
    implementation that takes neither argument adds its options to every command. Values reach
    components through `configure`: a dest `<synthesizer>_<key>` goes to that synthesizer, a dest
    `target_<key>` (`TARGET_OPTION_PREFIX`) to the chosen target. Collected.
    """


@hookspec
def tensflo_register_commands(add_command: AddCommand) -> None:
    """Add `tensflo` subcommands: call `add_command(name, help, example, run)` for each (see
    `AddCommand`).

    `add_command` returns the subcommand's `argparse.ArgumentParser` for its arguments; `run` is
    called as `run(args, registry, out) -> exit status`. Raise `tensflo.plugins.errors.UsageError`
    for a user error (one line on stderr, exit 2). A name already taken is an error.
    """


# -------------------------------------------------------------------------------------------------
# observers
# -------------------------------------------------------------------------------------------------
@hookspec
def tensflo_candidate_found(function: str, candidate: Term, found_by: str) -> None:
    """Called for each candidate that passed the quick check, before verification. Collected."""


@hookspec
def tensflo_result(result: Any) -> None:
    """Called with each finished `CompileResult` (`tensflo.compile` returns the same). Collected."""
