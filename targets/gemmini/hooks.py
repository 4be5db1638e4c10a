"""The planners of the Gemmini search: the built-in ones and those plugins add.

A plugin implements the hook `tensflo_gemmini_planners` (declared in `.hookspecs`, which the
Gemmini plugin adds to the plugin manager):

    @hookimpl
    def tensflo_gemmini_planners():
        return [MyPlanner()]   # objects with `name` and `plan(state, menu, samples, rng)`

`planners(registry)` collects them next to the built-in `symbolic` planner; a name registered
twice is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tensflo.plugins.errors import PluginError
from tensflo.plugins.manager import Registry, call_each

if TYPE_CHECKING:
    from .planners import Planner


def planners(registry: Registry | None = None) -> dict[str, Planner]:
    """The symbolic planner and every planner the registry's plugins provide, by name."""
    from .planners import PLANNERS

    found: dict[str, Planner] = dict(PLANNERS)
    if registry is None:
        return found
    for info, provided in call_each(registry, "tensflo_gemmini_planners"):
        for planner in provided or []:
            name = getattr(planner, "name", None)
            if not isinstance(name, str) or not callable(getattr(planner, "plan", None)):
                raise PluginError(f"{info} returned a planner without `name` and `plan`")
            if name in found:
                raise PluginError(f"two Gemmini planners are named {name!r}")
            found[name] = planner
    return found
