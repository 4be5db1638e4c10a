"""The planner hook: plugins may add schedule-search planners (an LLM planner, for instance).

A plugin implements

    @hookimpl(optionalhook=True)
    def tensflo_gemmini_planners():
        return [MyPlanner()]   # objects with `name` and `plan(state, menu, samples, rng)`

(`optionalhook=True` because the specification below joins the plugin manager only when the
Gemmini target asks for planners.) `planners(registry)` collects them next to the built-in
`symbolic` planner; a name registered twice is an error.
"""

from __future__ import annotations

import sys
from typing import Any

from tensflo.plugins.hookspecs import hookspec
from tensflo.plugins.manager import PluginError


@hookspec
def tensflo_gemmini_planners() -> list[Any]:
    """Return Gemmini schedule planners (see `search.Planner`). Collected from all plugins."""


def planners(registry: Any | None = None) -> dict[str, Any]:
    """The symbolic planner and every planner the registry's plugins provide, by name."""
    from .search import PLANNERS

    found: dict[str, Any] = dict(PLANNERS)
    if registry is None:
        return found
    pm = registry.plugin_manager
    if not hasattr(pm.hook, "tensflo_gemmini_planners") or \
            pm.hook.tensflo_gemmini_planners.spec is None:
        pm.add_hookspecs(sys.modules[__name__])
    for impl in pm.hook.tensflo_gemmini_planners.get_hookimpls():
        for planner in impl.function() or []:
            name = getattr(planner, "name", None)
            if not isinstance(name, str) or not callable(getattr(planner, "plan", None)):
                raise PluginError(f"plugin {impl.plugin_name} returned a planner without "
                                  "`name` and `plan`")
            if name in found:
                raise PluginError(f"two Gemmini planners are named {name!r}")
            found[name] = planner
    return found
