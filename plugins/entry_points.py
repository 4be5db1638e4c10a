"""The entry points of one group, found the way `importlib.metadata` finds them, without importing
it (its import, with `email`, `zipfile` and `csv`, costs more than the rest of a plugin listing).

`importlib.metadata.entry_points(group=...)` reads `entry_points.txt` of every `*.dist-info` and
`*.egg-info` directory on `sys.path`, in path order, a distribution seen twice counting once (the
first). `entry_points` does the same with `os.scandir` and a plain read of the few files that
name the group. It falls back to `importlib.metadata` itself whenever it could differ: another
meta-path finder that provides distributions, a zip file or an `.egg` on `sys.path`, or metadata
without a `Name` or `Version` line.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
"""An entry point's value: `module`, `module:attr.attr`, with optional `[extras]` (as
`importlib.metadata.EntryPoint.pattern`)."""


@dataclass(frozen=True)
class EntryPoint:
    """One entry point and the distribution that declares it."""

    name: str
    value: str
    group: str
    dist_name: str | None
    dist_version: str | None

    @property
    def module(self) -> str:
        match = _VALUE.match(self.value)
        return match.group("module") if match else self.value

    def load(self) -> Any:
        """Import the module and return the object the value names."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"entry point {self.name!r}: malformed value {self.value!r}")
        module = importlib.import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)


def entry_points(group: str) -> list[EntryPoint]:
    """Every entry point of `group`, in `importlib.metadata`'s order."""
    found = _scan(group)
    return found if found is not None else _from_metadata(group)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _scan(group: str) -> list[EntryPoint] | None:
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and hasattr(finder, "find_distributions")
           for finder in sys.meta_path):
        return None
    seen: set[str] = set()
    found: list[EntryPoint] = []
    header = f"[{group}]"
    for entry in sys.path:
        root = entry or "."
        if root.endswith(".egg") or os.path.isfile(root):
            return None
        try:
            children = os.listdir(root)
        except OSError:
            continue
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            key = _normalize(low.rpartition(".")[0].partition("-")[0])
            if key in seen:
                continue
            seen.add(key)
            path = os.path.join(root, child)
            try:
                with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:  # none, or an egg-info file
                continue
            if header not in text:
                continue
            names = _name_version(path, low.endswith(".dist-info"))
            if names is None:
                return None
            found += (EntryPoint(name, value, group, *names)
                      for name, value in _section(text, group))
    return found


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """`name = value` pairs of the `[group]` section (as `importlib.metadata.Sectioned`)."""
    pairs, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def _name_version(path: str, dist_info: bool) -> tuple[str, str] | None:
    headers: dict[str, str] = {}
    try:
        with open(os.path.join(path, "METADATA" if dist_info else "PKG-INFO"),
                  encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if sep and key in ("Name", "Version") and key not in headers:
                    headers[key] = value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    if "Name" not in headers or "Version" not in headers:
        return None
    return headers["Name"], headers["Version"]


def _from_metadata(group: str) -> list[EntryPoint]:
    import importlib.metadata

    found = []
    for ep in importlib.metadata.entry_points(group=group):
        dist = ep.dist
        name, version = (dist.metadata["Name"], dist.version) if dist is not None else (None, None)
        found.append(EntryPoint(ep.name, ep.value, group, name, version))
    return found
