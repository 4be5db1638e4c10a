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

`load_registry(lazy=True)` (what the `tensflo` command uses) lists the entry points without
importing them and imports a plugin when something it provides is asked for: a component of its
kind, a hook it implements, the options it adds to a command. What each plugin provides is
remembered on disk (`plugin_manifest`); a plugin not seen before is imported at the first use of
anything. A plugin that fails to import there breaks only what needs it (`Registry.failed`); one
that needs an optional package that is not installed (`Registry.not_installed`) is no error at
all until something it provides is asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from .components import KINDS
from .entry_points import EntryPoint, entry_points
from .errors import PluginError, UnknownComponentError, missing_extra
from .option_specs import Spec, add_stand_ins, given, record, same
from .plugin_manifest import Manifest, ManifestStore, stamp

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
class _Pending:
    """An entry point not imported yet, and what it provided last time (None: not known)."""

    info: PluginInfo
    entry_point: EntryPoint
    stamp: str
    manifest: Manifest | None


@dataclass
class Registry:
    """The plugins and the components and ops they provide.

    Close it (or use it as a context manager) to take the plugins' ops out of the op table again.
    A lazy registry imports plugins as their components and hooks are asked for; `plugins` and
    the listings of what a plugin provides import them all.
    """

    plugin_manager: pluggy.PluginManager
    loaded: dict[str, PluginInfo] = field(default_factory=dict)
    """The plugins imported and registered so far, in load order."""
    components: dict[str, dict[str, Registration]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    """Components of the loaded plugins."""
    ops: dict[str, PluginInfo] = field(default_factory=dict)
    """TensIR ops added by plugins: op name -> the plugin that added it."""
    autoload: bool = True
    """False when TENSFLO_DISABLE_PLUGIN_AUTOLOAD limited loading to tensflo's own plugins."""
    failed: dict[str, str] = field(default_factory=dict)
    """Plugins that failed to load: name -> the error message."""
    not_installed: dict[str, str] = field(default_factory=dict)
    """Those of `failed` that need an optional package that is not installed: name -> the line
    naming the `pip install` command."""
    _pending: dict[str, _Pending] = field(default_factory=dict, repr=False)
    _order: list[str] = field(default_factory=list, repr=False)
    _store: ManifestStore | None = field(default=None, repr=False)
    _added_ops: list[str] = field(default_factory=list, repr=False)
    _stand_ins: dict[tuple[str, str], tuple[bool, list[Spec]]] = field(default_factory=dict,
                                                                        repr=False)
    """(plugin, command) -> (lifts, specs) of the options put on a parser for a plugin that is
    not imported (`option_specs`)."""

    @property
    def plugins(self) -> dict[str, PluginInfo]:
        """Every plugin, all loaded (a plugin failing to load raises `PluginError`)."""
        self.load_all()
        return {name: self.loaded[name] for name in self._order if name in self.loaded}

    def names(self, kind: str) -> list[str]:
        return list(self._of_kind(kind))

    def get(self, kind: str, name: str) -> Any:
        """The component of `kind` called `name`; raises `UnknownComponentError`."""
        return self.registration(kind, name).component

    def registration(self, kind: str, name: str) -> Registration:
        table = self._kind(kind)
        if name not in table:
            self._need(lambda m: m.provides(kind, name))
        if name not in table:
            self._of_kind(kind)
        if name not in table:  # plugins that failed before: retried, to say why
            self._need(lambda m: m.error is not None)
        found = table.get(name)
        if found is None:  # a plugin that failed to load may be the one providing it
            raise UnknownComponentError(kind, name, table, self.failed.values())
        return found

    def all(self, kind: str) -> list[Registration]:
        return list(self._of_kind(kind).values())

    def frontends_for(self, extension: str) -> list[Registration]:
        """The frontends that read files ending in `extension` (`.cc`), in registration order; a
        lazy registry imports only the plugins whose manifest says they may read it."""
        table = self._kind("frontend")
        self._need(lambda m: m.may_read(extension) or m.error is not None)
        return [r for r in table.values() if extension in r.component.extensions]

    def provided_by(self, plugin: str) -> list[Registration]:
        """Every component the named plugin registered, in kind order."""
        self.load_all()
        return [r for kind in KINDS for r in self._kind(kind).values() if r.plugin.name == plugin]

    def ops_of(self, plugin: str) -> list[str]:
        self.load_all()
        return [name for name, info in self.ops.items() if info.name == plugin]

    def hooks_of(self, plugin: str) -> list[str]:
        """Names of the hooks the plugin implements."""
        self.load_all()
        obj = self.plugin_manager.get_plugin(plugin)
        callers = self.plugin_manager.get_hookcallers(obj) or []
        return sorted(caller.name for caller in callers)

    def load_all(self) -> None:
        """Import every plugin not loaded yet; raises `PluginError` for one that fails."""
        for name in list(self._order):
            if name in self._pending:
                self._load(name, strict=True)
        self._save()
        for name, message in self.failed.items():
            if name not in self.not_installed:
                raise PluginError(message)

    def load_for_hook(self, hook: str, command: str | None = None) -> None:
        """Import the plugins that implement `hook` (for `tensflo_add_options`, those adding
        options to `command`)."""
        if hook == "tensflo_add_options" and command is not None:
            self._need(lambda m: hook in m.hooks and m.options.get(command, True)
                       and m.option_specs.get(command) is None)
        else:
            self._need(lambda m: hook in m.hooks)

    def add_options(self, parser: Any, command: str, lifts: bool) -> None:
        """Call `tensflo_add_options` for one command, remembering which plugins add options; a
        plugin not imported whose options are recorded gets stand-ins (`option_specs`) instead."""
        hook = "tensflo_add_options"
        self.load_for_hook(hook, command)
        kwargs = {"parser": parser, "command": command, "lifts": lifts}
        for _ in _call(self, hook, None, kwargs, record=True):
            pass
        for name in self._order:
            pending = self._pending.get(name)
            manifest = pending.manifest if pending is not None else None
            if manifest is None:
                continue
            specs = manifest.option_specs.get(command)
            if specs and hook in manifest.hooks and manifest.options.get(command):
                self._stand_ins[name, command] = (lifts, add_stand_ins(parser, specs))
        self._save()

    def load_given_options(self, namespace: Any) -> bool:
        """Import the plugins whose stand-in options the parsed command line used; True when it
        used any (parse it again: the real options convert and check the values)."""
        used = {name for (name, _), (_, specs) in self._stand_ins.items()
                if given(namespace, specs)}
        self._stand_ins = {k: v for k, v in self._stand_ins.items() if k[0] not in used}
        for name in used:
            if name in self._pending:
                self._load(name, strict=True)
            if name in self.failed:
                raise PluginError(self.failed[name])
        self._save()
        return bool(used)

    def retry_failed(self) -> list[str]:
        """Import again the plugins not imported yet that failed the last time (a package
        installed since may have mended them: their options are not known); their names."""
        retried = [name for name in self._order
                   if (pending := self._pending.get(name)) is not None
                   and pending.manifest is not None and pending.manifest.error is not None]
        for name in retried:
            self._load(name, strict=False)
        self._save()
        return retried

    def close(self) -> None:
        """Remove the ops this registry added from the op table."""
        from tensflo.ir.tensir import OPS

        self._save()
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

    def _of_kind(self, kind: str) -> dict[str, Registration]:
        table = self._kind(kind)
        self._need(lambda m: m.provides(kind) or m.error is not None)  # failed: try again
        return table

    def _need(self, wanted: Callable[[Manifest], bool]) -> None:
        """Import the pending plugins whose manifest says `wanted`, and those not known yet."""
        for name in list(self._order):
            pending = self._pending.get(name)
            if pending is not None and (pending.manifest is None or wanted(pending.manifest)):
                self._load(name, strict=False)
        self._save()

    def _load(self, name: str, strict: bool) -> None:
        pending = self._pending.pop(name)
        manifest = pending.manifest
        undeclared = {hook for hook in (manifest.hooks if manifest is not None else ())
                      if not hasattr(self.plugin_manager.hook, hook)}
        if undeclared:  # hooks another plugin declares: load that one first
            self._need(lambda m: bool(undeclared & set(m.specs)))
        before_specs = set(vars(self.plugin_manager.hook))
        try:
            try:
                obj = pending.entry_point.load()
            except Exception as e:
                raise PluginError(f"{pending.info} failed to load: {_describe(e)}") from e
            _register(self, pending.info, obj)
            _collect_plugin(self, pending.info)
        except PluginError as e:
            self._remember(pending, Manifest(pending.stamp, error=str(e)))
            missing = missing_extra(e)
            if strict and missing is None:
                raise
            self.failed[name] = str(e)
            if missing is not None:
                self.not_installed[name] = missing
            return
        callers = self.plugin_manager.get_hookcallers(obj) or []
        known = manifest if manifest is not None and not manifest.error else None
        self._remember(pending, Manifest(
            pending.stamp,
            hooks=sorted(c.name for c in callers),
            specs=sorted(set(vars(self.plugin_manager.hook)) - before_specs),
            components={kind: [r.name for r in table.values() if r.plugin.name == name]
                        for kind, table in self.components.items()
                        if any(r.plugin.name == name for r in table.values())},
            ops=[op for op, info in self.ops.items() if info.name == name],
            options=dict(known.options) if known else {},
            option_specs=dict(known.option_specs) if known else {},
            extensions=sorted({e for r in self.components["frontend"].values()
                               if r.plugin.name == name
                               for e in getattr(r.component, "extensions", ())}),
        ))
        self._check_stand_ins(name)

    def _check_stand_ins(self, name: str) -> None:
        """A plugin imported after its options stood in: they must be what it adds itself (its
        manifest's stamp misses a change elsewhere otherwise: the values parsed may be wrong)."""
        for (plugin, command), (lifts, specs) in list(self._stand_ins.items()):
            if plugin != name:
                continue
            del self._stand_ins[plugin, command]
            parser = _scratch_parser()
            kwargs = {"parser": parser, "command": command, "lifts": lifts}
            for _ in _call(self, "tensflo_add_options", name, kwargs, record=True):
                pass
            self._save()
            if not same(record(parser, parser._actions), specs):
                raise PluginError(f"{self.loaded[name]}: its options of command {command!r} "
                                  "changed since they were recorded; run the command again")

    def _remember(self, pending: _Pending, manifest: Manifest) -> None:
        if self._store is not None and pending.manifest != manifest:
            self._store.put(pending.info.name, manifest)

    def _record_options(self, plugin: str, command: str, parser: Any, before: int) -> None:
        if self._store is None or plugin not in self.loaded:
            return
        entry = self._store.entries.get(plugin)
        if entry is None:
            return
        added = parser._actions[before:]
        specs = record(parser, added) if added else None
        if entry.options.get(command) != bool(added) or not same(entry.option_specs.get(command),
                                                                 specs):
            entry.options[command] = bool(added)
            entry.option_specs[command] = specs
            self._store.changed = True

    def _save(self) -> None:
        if self._store is not None:
            self._store.save()


def _scratch_parser() -> Any:
    import argparse

    return argparse.ArgumentParser(add_help=False)


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
    autoload: bool | None = None, extra: Iterable[tuple[str, object]] = (), *, lazy: bool = False
) -> Registry:
    """Load the plugins and collect their components and ops.

    `autoload=None` follows TENSFLO_DISABLE_PLUGIN_AUTOLOAD; `False` loads only the entry points
    of the tensflo distribution. `extra` adds `(name, plugin)` pairs that are not installed (for
    tests and embedding). `lazy=True` imports each plugin only when something it provides is
    used (see the module docstring). Raises `PluginError`.
    """
    if autoload is None:
        autoload = autoload_enabled()
    registry = Registry(make_plugin_manager(), autoload=autoload,
                        _store=ManifestStore.open() if lazy else None)
    try:
        for info, ep in _entry_points(autoload):
            prior = _known(registry, info.name)
            if prior is not None:
                raise PluginError(f"two plugins are named {info.name!r}: {prior} and {info}")
            current = stamp(info.dist_name, info.dist_version, ep.value, ep.module) if lazy else ""
            known = registry._store.get(info.name, current) if registry._store else None
            registry._pending[info.name] = _Pending(info, ep, current, known)
            registry._order.append(info.name)
        extra = list(extra)
        if extra:
            # an extra plugin may implement hooks that an entry point's plugin declares
            registry.load_all()
        for name, obj in extra:
            module = getattr(obj, "__name__", None) or type(obj).__module__
            info = PluginInfo(name, module)
            prior = _known(registry, name)
            if prior is not None:
                raise PluginError(f"two plugins are named {name!r}: {prior} and {info}")
            _register(registry, info, obj)
            registry._order.append(name)
            _collect_plugin(registry, info)
        if lazy:
            registry._need(lambda m: bool(m.ops))  # ops must be in the table before any parsing
        else:
            registry.load_all()
    except BaseException:
        registry.close()
        raise
    return registry


# -------------------------------------------------------------------------------------------------
# loading
# -------------------------------------------------------------------------------------------------
def _normalize(dist_name: str) -> str:
    return re.sub(r"[-_.]+", "-", dist_name).lower()


def _entry_points(autoload: bool) -> list[tuple[PluginInfo, EntryPoint]]:
    """Each entry point of the `tensflo` group, not imported, tensflo's own first."""
    found: list[tuple[PluginInfo, EntryPoint]] = []
    for ep in entry_points(ENTRY_POINT_GROUP):
        dist_name = ep.dist_name or "(unknown distribution)"
        own = _normalize(dist_name) == DISTRIBUTION
        if not (own or autoload):
            continue
        found.append((PluginInfo(ep.name, ep.value, dist_name, ep.dist_version or "?"), ep))
    found.sort(key=lambda pair: _normalize(pair[0].dist_name or "") != DISTRIBUTION)
    return found


def _register(registry: Registry, info: PluginInfo, obj: object) -> None:
    try:
        registry.plugin_manager.register(obj, name=info.name)
        registry.plugin_manager.check_pending()
    except Exception as e:
        if registry.plugin_manager.has_plugin(info.name):
            registry.plugin_manager.unregister(name=info.name)
        raise PluginError(f"{info} is not a valid plugin: {_describe(e)}") from e
    registry.loaded[info.name] = info


def _known(registry: Registry, name: str) -> PluginInfo | None:
    """The plugin already listed under `name`, loaded or not."""
    pending = registry._pending.get(name)
    return pending.info if pending is not None else registry.loaded.get(name)


def _describe(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    described = f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
    hint = missing_extra(e)
    return f"{described} ({hint})" if hint else described


# -------------------------------------------------------------------------------------------------
# collecting components and ops
# -------------------------------------------------------------------------------------------------
def call_each(registry: Registry, hook: str, **kwargs: Any) -> Iterator[tuple[PluginInfo, Any]]:
    """Call one hook plugin by plugin, so a result or a failure can be traced to its plugin.

    The plugins implementing the hook are imported first (a lazy registry imports them now).
    """
    registry.load_for_hook(hook)
    yield from _call(registry, hook, None, kwargs)


def _call(registry: Registry, hook: str, plugin: str | None, kwargs: dict[str, Any],
          record: bool = False) -> Iterator[tuple[PluginInfo, Any]]:
    caller = getattr(registry.plugin_manager.hook, hook)
    for impl in caller.get_hookimpls():  # registration order: tensflo's own plugins first
        if impl.hookwrapper or impl.wrapper or plugin not in (None, impl.plugin_name):
            continue
        info = registry.loaded[impl.plugin_name]
        parser = kwargs.get("parser")
        before = len(parser._actions) if record and parser is not None else 0
        try:
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception as e:
            raise PluginError(f"{info} raised in {hook}: {_describe(e)}") from e
        if record and parser is not None:
            registry._record_options(info.name, kwargs["command"], parser, before)
        yield info, result


def _results(registry: Registry, plugin: PluginInfo,
             hook: str) -> Iterator[tuple[PluginInfo, Any]]:
    for info, result in _call(registry, hook, plugin.name, {}):
        if result is None:
            continue
        if isinstance(result, str | bytes) or not isinstance(result, Iterable):
            raise PluginError(f"{info}: {hook} must return a list, got {type(result).__name__}")
        for item in result:
            yield info, item


def _collect_plugin(registry: Registry, plugin: PluginInfo) -> None:
    """Add the ops and components of one registered plugin."""
    for info, op in _results(registry, plugin, "tensflo_register_ops"):
        _add_op(registry, info, op)
    for kind in KINDS:
        hook = COMPONENT_HOOKS[kind]
        table = registry.components[kind]
        for info, component in _results(registry, plugin, hook):
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
