"""Loading plugins and collecting the components they provide.

Every plugin, tensflo's own included, is a module named by an entry point in the `tensflo` group
(`numpy = tensflo.targets.numpy` in tensflo's setup.cfg; a third-party package declares its own).
Setting `TENSFLO_DISABLE_PLUGIN_AUTOLOAD=1` loads only the entry points of the `tensflo`
distribution itself, the way `PYTEST_DISABLE_PLUGIN_AUTOLOAD` does for pytest.

`load_registry()` loads the plugins, calls their `tensflo_register_*` hooks and returns a
`Registry`: components by kind and name, each remembering the plugin and distribution it came
from. Ops from `tensflo_register_ops` go into the TensIR op table (`tensflo.ir.tensir.OPS`) until
the registry is closed. Anything a plugin does wrong (fails to import, raises in a hook, returns a
nameless component, reuses a name) is a `PluginError` whose message names the plugin.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from .components import KINDS
from .errors import PluginError, UnknownComponentError

ENTRY_POINT_GROUP = "tensflo"
DISABLE_AUTOLOAD_ENV = "TENSFLO_DISABLE_PLUGIN_AUTOLOAD"
DISTRIBUTION = "tensflo"

COMPONENT_HOOKS = {kind: f"tensflo_register_{kind}s" for kind in KINDS}
"""The hook that collects each kind of component."""


@dataclass(frozen=True)
class PluginInfo:
    """Where a plugin came from: its name, module and distribution."""

    name: str
    """The plugin's name: its entry point's name (or the name given to `load_registry(extra=)`)."""
    module: str
    """The entry point's value (`tensflo.targets.numpy`), or the plugin object's module."""
    dist_name: str | None = None
    dist_version: str | None = None

    @property
    def distribution(self) -> str:
        """`name version` of the distribution, or a note that there is none."""
        if self.dist_name is None:
            return "(registered in-process)"
        return f"{self.dist_name} {self.dist_version}"

    @property
    def entry_point(self) -> str | None:
        """The entry point as written in setup.cfg (`numpy = tensflo.targets.numpy`)."""
        return None if self.dist_name is None else f"{self.name} = {self.module}"

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.module}, {self.distribution})"


@dataclass(frozen=True)
class Registration:
    """One component as registered: its kind, name, the object, and the plugin that provided it."""

    kind: str
    name: str
    component: Any
    plugin: PluginInfo


@dataclass
class Registry:
    """The loaded plugins and the components and ops they provide.

    Close it (or use it as a context manager) to take the plugins' ops out of the op table again.
    """

    plugin_manager: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    components: dict[str, dict[str, Registration]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    ops: dict[str, PluginInfo] = field(default_factory=dict)
    """TensIR ops added by plugins: op name -> the plugin that added it."""
    autoload: bool = True
    """False when TENSFLO_DISABLE_PLUGIN_AUTOLOAD limited loading to tensflo's own plugins."""
    _added_ops: list[str] = field(default_factory=list, repr=False)

    def names(self, kind: str) -> list[str]:
        return list(self._kind(kind))

    def get(self, kind: str, name: str) -> Any:
        """The component of `kind` called `name`; raises `UnknownComponentError`."""
        return self.registration(kind, name).component

    def registration(self, kind: str, name: str) -> Registration:
        found = self._kind(kind).get(name)
        if found is None:
            raise UnknownComponentError(kind, name, self._kind(kind))
        return found

    def all(self, kind: str) -> list[Registration]:
        return list(self._kind(kind).values())

    def provided_by(self, plugin: str) -> list[Registration]:
        """Every component the named plugin registered, in kind order."""
        return [r for kind in KINDS for r in self._kind(kind).values() if r.plugin.name == plugin]

    def ops_of(self, plugin: str) -> list[str]:
        return [name for name, info in self.ops.items() if info.name == plugin]

    def hooks_of(self, plugin: str) -> list[str]:
        """Names of the hooks the plugin implements."""
        obj = self.plugin_manager.get_plugin(plugin)
        callers = self.plugin_manager.get_hookcallers(obj) or []
        return sorted(caller.name for caller in callers)

    def close(self) -> None:
        """Remove the ops this registry added from the op table."""
        from tensflo.ir.tensir import OPS

        while self._added_ops:
            OPS.unregister(self._added_ops.pop())

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _kind(self, kind: str) -> dict[str, Registration]:
        if kind not in self.components:
            raise ValueError(f"unknown component kind {kind!r} (kinds: {', '.join(KINDS)})")
        return self.components[kind]


def autoload_enabled() -> bool:
    """False when TENSFLO_DISABLE_PLUGIN_AUTOLOAD is set to something other than 0/false/no."""
    value = os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower()
    return value in ("", "0", "false", "no")


def make_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager for project `tensflo` with the hook specifications and no plugins.

    Each plugin's `tensflo_add_hookspecs` runs as the plugin is registered (a historic call), so a
    plugin's own hooks are declared before any plugin implementing them is checked.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.hook.tensflo_add_hookspecs.call_historic(kwargs={"pluginmanager": pm})
    return pm


def load_registry(
    autoload: bool | None = None, extra: Iterable[tuple[str, object]] = ()
) -> Registry:
    """Load the plugins and collect their components and ops.

    `autoload=None` follows TENSFLO_DISABLE_PLUGIN_AUTOLOAD; `False` loads only the entry points
    of the tensflo distribution. `extra` adds `(name, plugin)` pairs that are not installed (for
    tests and embedding). Raises `PluginError`.
    """
    if autoload is None:
        autoload = autoload_enabled()
    registry = Registry(make_plugin_manager(), autoload=autoload)
    for info, obj in _entry_point_plugins(autoload):
        _register(registry, info, obj)
    for name, obj in extra:
        module = getattr(obj, "__name__", None) or type(obj).__module__
        _register(registry, PluginInfo(name, module), obj)
    try:
        _collect(registry)
    except BaseException:
        registry.close()
        raise
    return registry


# -------------------------------------------------------------------------------------------------
# loading
# -------------------------------------------------------------------------------------------------
def _normalize(dist_name: str) -> str:
    return re.sub(r"[-_.]+", "-", dist_name).lower()


def _entry_point_plugins(autoload: bool) -> Iterator[tuple[PluginInfo, object]]:
    """Each entry point of the `tensflo` group as (info, loaded module), tensflo's own first."""
    found: list[tuple[PluginInfo, importlib.metadata.EntryPoint]] = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else "(unknown distribution)"
        version = dist.version if dist is not None else "?"
        own = _normalize(dist_name) == DISTRIBUTION
        if not (own or autoload):
            continue
        found.append((PluginInfo(ep.name, ep.value, dist_name, version), ep))
    found.sort(key=lambda pair: _normalize(pair[0].dist_name or "") != DISTRIBUTION)
    for info, ep in found:
        try:
            obj = ep.load()
        except Exception as e:
            raise PluginError(f"{info} failed to load: {_describe(e)}") from e
        yield info, obj


def _register(registry: Registry, info: PluginInfo, obj: object) -> None:
    prior = registry.plugins.get(info.name)
    if prior is not None:
        raise PluginError(f"two plugins are named {info.name!r}: {prior} and {info}")
    try:
        registry.plugin_manager.register(obj, name=info.name)
        registry.plugin_manager.check_pending()
    except Exception as e:
        if registry.plugin_manager.has_plugin(info.name):
            registry.plugin_manager.unregister(name=info.name)
        raise PluginError(f"{info} is not a valid plugin: {_describe(e)}") from e
    registry.plugins[info.name] = info


def _describe(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


# -------------------------------------------------------------------------------------------------
# collecting components and ops
# -------------------------------------------------------------------------------------------------
def call_each(registry: Registry, hook: str, **kwargs: Any) -> Iterator[tuple[PluginInfo, Any]]:
    """Call one hook plugin by plugin, so a result or a failure can be traced to its plugin."""
    caller = getattr(registry.plugin_manager.hook, hook)
    for impl in caller.get_hookimpls():  # registration order: tensflo's own plugins first
        if impl.hookwrapper or impl.wrapper:
            continue
        info = registry.plugins[impl.plugin_name]
        try:
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception as e:
            raise PluginError(f"{info} raised in {hook}: {_describe(e)}") from e
        yield info, result


def _results(registry: Registry, hook: str) -> Iterator[tuple[PluginInfo, Any]]:
    for info, result in call_each(registry, hook):
        if result is None:
            continue
        if isinstance(result, str | bytes) or not isinstance(result, Iterable):
            raise PluginError(f"{info}: {hook} must return a list, got {type(result).__name__}")
        for item in result:
            yield info, item


def _collect(registry: Registry) -> None:
    for info, op in _results(registry, "tensflo_register_ops"):
        _add_op(registry, info, op)
    for kind in KINDS:
        hook = COMPONENT_HOOKS[kind]
        table = registry.components[kind]
        for info, component in _results(registry, hook):
            name = getattr(component, "name", None)
            if not isinstance(name, str) or not name:
                raise PluginError(f"{info} registered a {kind} without a name: {component!r}")
            prior = table.get(name)
            if prior is not None:
                raise PluginError(
                    f"{kind} {name!r} is registered by two plugins: {prior.plugin} and {info}"
                )
            table[name] = Registration(kind, name, component, info)


def _add_op(registry: Registry, info: PluginInfo, op: Any) -> None:
    from tensflo.ir.tensir import OPS, OpDef

    if not isinstance(op, OpDef):
        raise PluginError(f"{info}: tensflo_register_ops returned {op!r}, not an OpDef")
    origin = f"{info}"
    twice = registry.ops.get(op.name)
    if twice is not None:
        raise PluginError(f"TensIR op {op.name!r} is registered by two plugins: {twice} and {info}")
    present = OPS.get(op.name)
    if present is not None and present is not op:
        raise PluginError(
            f"TensIR op {op.name!r} from {origin} is already defined by {OPS.origin(op.name)}"
        )
    if present is None:
        OPS.register(op, origin=origin)
        registry._added_ops.append(op.name)
    registry.ops[op.name] = info
