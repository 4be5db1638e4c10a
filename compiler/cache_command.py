"""`tensflo cache info|clear`: what tensflo keeps on disk, and removing it.

Each cache only saves time: the plugin manifests (which plugin provides what), precompiled C and
C++ headers, compiled native drivers (`tensflo bench` and differential checks) and LLM answers. Clearing one is always safe.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import IO, Any

from tensflo.plugins.errors import ExitCode, UsageError
from tensflo.plugins.header_cache import SUBDIR as HEADER_CACHE
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import Registry
from tensflo.plugins.plugin_manifest import MANIFEST_FILE
from tensflo.plugins.user_cache import cache_dir

from .console import write_json
from .table import table


def caches() -> dict[str, tuple[Path, str]]:
    """Each cache: name -> (its file or directory, what it holds)."""
    from tensflo.plugins.llm.client import default_cache_dir as llm_dir

    from .native import default_cache_dir as native_dir

    return {
        "plugins": (cache_dir() / MANIFEST_FILE, "what each plugin provides (lazy loading)"),
        "headers": (cache_dir() / HEADER_CACHE, "precompiled C and C++ headers (frontends)"),
        "native": (native_dir(), "compiled native drivers (bench, differential checks)"),
        "llm": (Path(llm_dir()), "answers of LLM endpoints"),
    }


def add_command(command: AddCommand) -> None:
    cache = command("cache", "show or clear tensflo's on-disk caches",
                    "tensflo cache clear native", run)
    action = cache.add_subparsers(dest="cache_action", metavar="ACTION", title="actions")
    action.required = True
    info = action.add_parser("info", help="each cache: where it is, its files and size")
    info.add_argument("--json", action="store_true", help="print a JSON list")
    clear = action.add_parser("clear", help="remove caches (all of them, or the ones named)")
    clear.add_argument("names", nargs="*", metavar="NAME", help="plugins, native or llm")


def run(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    known = caches()
    if args.cache_action == "clear":
        unknown = [n for n in args.names if n not in known]
        if unknown:
            raise UsageError(f"unknown cache {unknown[0]!r} (caches: {', '.join(known)})")
        for name in args.names or list(known):
            path = known[name][0]
            files, size = _usage(path)
            _remove(path)
            out.write(f"cleared {name}: {files} file{'s' * (files != 1)}, {_size(size)} "
                      f"({path})\n")
        return ExitCode.OK
    items: list[dict[str, Any]] = []
    for name, (path, what) in known.items():
        files, size = _usage(path)
        items.append({"name": name, "path": str(path), "files": files, "bytes": size,
                      "holds": what})
    if args.json:
        write_json(items, out)
        return ExitCode.OK
    rows = [[i["name"], str(i["files"]), _size(i["bytes"]), i["path"], i["holds"]] for i in items]
    out.write(table(["CACHE", "FILES", "SIZE", "PATH", "HOLDS"], rows))
    return ExitCode.OK


def _usage(path: Path) -> tuple[int, int]:
    """(files, bytes) under `path` (a file or a directory; 0, 0 when absent)."""
    if path.is_file():
        return 1, path.stat().st_size
    files = size = 0
    if path.is_dir():
        for item in path.rglob("*"):
            if item.is_file():
                files += 1
                size += item.stat().st_size
    return files, size


def _remove(path: Path) -> None:
    try:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    except OSError as e:
        raise UsageError(f"cannot remove {path}: {e.strerror or e}") from None


def _size(n: int) -> str:
    """A byte count in the largest unit that keeps it at least 1 (`512 B`, `3.4 MB`)."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
