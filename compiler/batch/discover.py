"""Finding the source files of a batch and turning them into jobs, one per function.

Arguments are files, directories (searched recursively, skipping hidden directories and
`__pycache__`) or glob patterns (`src/**/*.cc`, quoted so the shell leaves them alone). A file is
a source when a registered frontend reads its extension. A file that cannot be read or parsed
becomes one `error` entry with the frontend's file:line:col message, so nothing is lost.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tensflo.ir.loop.outputs import is_pack
from tensflo.plugins.errors import UsageError, read_input
from tensflo.plugins.manager import Registry

from ..pipeline import read_module
from .jobs import Entry, Job, job_key

GLOB_CHARS = frozenset("*?[")
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


def is_pattern(arg: str) -> bool:
    return any(c in GLOB_CHARS for c in arg) and not os.path.exists(arg)


def source_extensions(registry: Registry) -> tuple[str, ...]:
    """The extensions some registered frontend reads (`.cc`, `.py`, ...)."""
    return tuple(sorted({e for r in registry.all("frontend") for e in r.component.extensions}))


def find_sources(args: Sequence[str], extensions: Iterable[str]) -> list[str]:
    """The source files named by `args`, sorted, each once; raises `UsageError` for an argument
    that names nothing (a missing file, a pattern without matches) or when there is no source."""
    exts = tuple(extensions)
    found: set[str] = set()
    for arg in args:
        if is_pattern(arg):
            matches = glob.glob(arg, recursive=True)
            if not matches:
                raise UsageError(f"{arg}: no file matches this pattern")
            for m in matches:
                found.update(_walk(m, exts) if os.path.isdir(m) else
                             ([m] if m.endswith(exts) else []))
        elif os.path.isdir(arg):
            found.update(_walk(arg, exts))
        elif os.path.exists(arg):
            found.add(arg)  # named explicitly: a frontend error if no frontend reads it
        else:
            raise UsageError(f"{arg}: no such file or directory")
    if not found:
        shown = ", ".join(exts)
        raise UsageError(f"no source files ({shown}) in {' '.join(args)}")
    return sorted({os.path.normpath(f) for f in found})


def _walk(root: str, exts: tuple[str, ...]) -> list[str]:
    out = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        out += [os.path.join(here, f) for f in files if f.endswith(exts)]
    return out


def plan_jobs(files: Sequence[str], registry: Registry, functions: Sequence[str] | None,
              fingerprint: dict[str, Any], frontend_options: tuple[tuple[str, Any], ...] = (),
              options_of: Callable[[str], tuple[tuple[str, Any], ...]] | None = None
              ) -> tuple[list[Job], list[Entry]]:
    """One job per function of each file (only those matching a `functions` pattern when given),
    and an error entry per file that could not be read or parsed; files are read with the
    frontend options (`-I`, `-D`, `-std`), or with `options_of(file)` when given (a
    `compile_commands.json`'s settings for that file)."""
    jobs: list[Job] = []
    failed: list[Entry] = []
    for path in files:
        options = options_of(path) if options_of else frontend_options
        try:
            module = read_module(path, registry, read_input(path), options)
        except UsageError as e:
            alone = tuple((k, v) for k, v in options if k != "context")
            if alone == options:
                failed.append(parse_failure(path, str(e)))
                continue
            try:  # a header whose includer does not compile: read alone
                module = read_module(path, registry, read_input(path), alone)
            except UsageError:
                failed.append(parse_failure(path, str(e)))
                continue
        seen: set[str] = set()
        where = {f.name: f.loc.line for f in module.functions if not is_pack(f.name)}
        where.update({r.name: r.loc.line for r in module.rejected})
        for name in sorted(where, key=lambda n: (where[n], n)):
            if name in seen or (functions and not any(fnmatch.fnmatchcase(name, p)
                                                      for p in functions)):
                continue
            seen.add(name)
            jobs.append(Job(path, name, where[name], job_key(module, name, fingerprint), module))
    return jobs, failed


def parse_failure(path: str, message: str) -> Entry:
    """The error entry of a file that could not be read or parsed; `message` is file:line:col: ..."""
    m = re.match(re.escape(path) + r":(\d+):\d+: ", message)
    diag = {"severity": "error", "message": message, "file": None, "line": None, "col": None}
    return Entry(path, None, int(m[1]) if m else 0, "error", diagnostics=(diag,))
