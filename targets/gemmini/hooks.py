"""The planner hook: plugins may add schedule-search planners (an LLM planner, for instance).

A plugin implements the hook `tensflo_gemmini_planners` (declared in `tensflo.plugins.hookspecs`):

    @hookimpl
    def tensflo_gemmini_planners():
        return [MyPlanner()]   # objects with `name` and `plan(state, menu, samples, rng)`

`planners(registry)` collects them next to the built-in `symbolic` planner; a name registered
twice is an error.
"""

from __future__ import annotations

from typing import Any

from tensflo.plugins.manager import PluginError


def planners(registry: Any | None = None) -> dict[str, Any]:
    """The symbolic planner and every planner the registry's plugins provide, by name."""
    from .planners import PLANNERS

    found: dict[str, Any] = dict(PLANNERS)
    if registry is None:
        return found
    for impl in registry.plugin_manager.hook.tensflo_gemmini_planners.get_hookimpls():
        for planner in impl.function() or []:
            name = getattr(planner, "name", None)
            if not isinstance(name, str) or not callable(getattr(planner, "plan", None)):
                raise PluginError(f"plugin {impl.plugin_name} returned a planner without "
                                  "`name` and `plan`")
            if name in found:
                raise PluginError(f"two Gemmini planners are named {name!r}")
            found[name] = planner
    return found
