"""What each plugin provided when it was last imported, remembered on disk so that the next run
imports a plugin only when something it provides is used.

A manifest is keyed by a stamp of the plugin's source: its distribution and version, the entry
point, and the size and modification time of every Python file in the directory of the entry
point's module (found without importing it). A changed file gives a new stamp and the plugin is
imported again. The manifest only decides which plugins to import: what a registry holds always
comes from the imported plugins themselves, so a stale manifest can cost time, never a result.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .user_cache import cache_dir, write_atomically

MANIFEST_FILE = "plugins.json"
FORMAT = 1


@dataclass
class Manifest:
    """What one plugin provided the last time it was imported."""

    stamp: str
    hooks: list[str] = field(default_factory=list)
    """The hooks it implements."""
    specs: list[str] = field(default_factory=list)
    """Hooks it declared (through `tensflo_add_hookspecs`)."""
    components: dict[str, list[str]] = field(default_factory=dict)
    """Component names by kind."""
    ops: list[str] = field(default_factory=list)
    options: dict[str, bool] = field(default_factory=dict)
    """Command name -> whether its `tensflo_add_options` added options to that command."""
    option_specs: dict[str, list[dict[str, Any]] | None] = field(default_factory=dict)
    """Command name -> the options it added to that command (`option_specs.record`), None when
    they could not be recorded (the plugin is then imported to add them)."""
    error: str | None = None
    """Why it failed to import or register, when it did."""
    extensions: list[str] = field(default_factory=list)
    """The file extensions its frontends read (empty when it has none, or was recorded before
    extensions were: such a plugin is imported whenever a frontend is looked for)."""

    def provides(self, kind: str, name: str | None = None) -> bool:
        names = self.components.get(kind, [])
        return bool(names) if name is None else name in names

    def may_read(self, extension: str) -> bool:
        """Whether one of its frontends may read files ending in `extension`."""
        return self.provides("frontend") and (not self.extensions or extension in self.extensions)


def module_file(module: str) -> Path | None:
    """The source file of `module` (dotted), found without importing it or its parent packages:
    only the top-level package is located by the import system, the rest by walking directories."""
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin else None
    for location in spec.submodule_search_locations or ():
        here = Path(location).joinpath(*rest[:-1])
        for candidate in (here / f"{rest[-1]}.py", here / rest[-1] / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def stamp(dist: str | None, version: str | None, entry_point: str, module: str) -> str:
    """A digest that changes when the plugin's distribution, entry point or source files change."""
    digest = hashlib.sha256(f"{dist}|{version}|{entry_point}".encode())
    path = module_file(module)
    if path is not None:
        try:
            with os.scandir(path.parent) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        digest.update(f"|{entry.name}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            pass
    return digest.hexdigest()[:32]


@dataclass
class ManifestStore:
    """The manifests of every plugin seen, read from and written back to the user cache."""

    path: Path
    entries: dict[str, Manifest] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def open(cls) -> ManifestStore:
        path = cache_dir() / MANIFEST_FILE
        store = cls(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return store
        if isinstance(raw, dict) and raw.get("format") == FORMAT:
            for name, entry in (raw.get("plugins") or {}).items():
                try:
                    store.entries[name] = Manifest(**entry)
                except TypeError:
                    continue
        return store

    def get(self, name: str, current: str) -> Manifest | None:
        """The manifest of plugin `name` if it was recorded for the same stamp."""
        found = self.entries.get(name)
        return found if found is not None and found.stamp == current else None

    def put(self, name: str, manifest: Manifest) -> None:
        self.entries[name] = manifest
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        data: dict[str, Any] = {"format": FORMAT,
                                "plugins": {n: asdict(m) for n, m in sorted(self.entries.items())}}
        if write_atomically(self.path, json.dumps(data, indent=1)):
            self.changed = False
