"""The Gemmini plugin's own hooks, declared on the plugin manager through `tensflo_add_hookspecs`.

A plugin that extends the Gemmini target implements them with `tensflo.plugins.hookspecs.hookimpl`,
like tensflo's core hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tensflo.plugins.hookspecs import hookspec

if TYPE_CHECKING:
    from .planners import Planner


@hookspec
def tensflo_gemmini_planners() -> list[Planner] | None:
    """Return schedule planners for the Gemmini target's search (objects with `name` and
    `plan(state, menu, samples, rng)`, see `tensflo.targets.gemmini.planners.Planner`), e.g. an
    LLM planner beside the built-in symbolic one.

    Collected from all plugins; a name registered twice (`symbolic` included) is an error.
    """
