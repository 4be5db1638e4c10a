"""A cache of precompiled standard headers for the C and C++ frontends.

A source file that starts with `#include <...>` lines (blank lines and `//` comments may come
between them) is parsed as two parts: those include lines, precompiled once by libclang into a
precompiled header (PCH) kept in tensflo's user cache directory (`headers/`), and the rest of the
file, parsed with `-include-pch` and the include lines replaced by blank lines, so every line and
column stays where it was. The translation unit is the same one a full parse gives; parsing
`<vector>` then costs milliseconds instead of about 50 ms.

A PCH is named by the libclang version, the compiler flags and the include lines. Next to it a
manifest records the size and modification time of every header it read and of every include
directory (and the subdirectories the headers were found in), so a changed header, or a new file
that would now be found first, makes the PCH stale: it is rebuilt. Files are written under a
temporary name and renamed, so concurrent processes only ever see whole files. Anything that goes
wrong with the cache (an unreadable or corrupt file, an error while parsing with it) makes the
frontend parse the file in full, as without a cache; a parse with the cache is never trusted when
it reports an error. At most `MAX_ENTRIES` PCHs are kept; the least recently used go first.

The same directory remembers each system compiler's include directories (`compilers.json`), so
`g++` is not run on every start.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tensflo.plugins.user_cache import cache_dir, write_atomically

SUBDIR = "headers"
"""The cache's directory under `user_cache.cache_dir()`."""
MAX_ENTRIES = 16
"""PCHs kept (about 2 MB each for `<vector>`); the least recently used go first."""

_INCLUDE = re.compile(r"[ \t]*#[ \t]*include[ \t]*<[^<>\n]+>[ \t]*(//.*)?")
_SKIPPED = re.compile(r"[ \t]*(//.*)?")
_DIR_FLAGS = ("-I", "-isystem", "-iquote", "-idirafter")


def split_prefix(text: str) -> tuple[str, str] | None:
    """(include lines, rest) of a source whose first lines are `#include <...>` lines, blank
    lines and comments (`//`, and `/* */` with nothing after them on their last line); the rest
    has the lines up to the last include emptied (so lines keep their numbers). None when the
    source starts otherwise."""
    lines = text.split("\n")
    includes: list[str] = []
    last = -1
    in_comment = False
    for i, line in enumerate(lines):
        if in_comment or line.lstrip().startswith("/*"):
            body = line if in_comment else line.lstrip()[2:]
            in_comment = "*/" not in body
            if not in_comment and body.split("*/", 1)[1].strip():
                break  # code after a comment: leave it to the full parse
            continue
        if line.rstrip().endswith("\\"):  # a continued line: leave it to the full parse
            break
        if _INCLUDE.fullmatch(line):
            includes.append(line.split("//")[0].strip())
            last = i
        elif not _SKIPPED.fullmatch(line):
            break
    if not includes:
        return None
    return "\n".join(includes) + "\n", "\n" * (last + 1) + "\n".join(lines[last + 1:])


def parse(index: Any, path: str, text: str, args: Sequence[str]) -> Any | None:
    """`path` (with contents `text`) parsed by libclang with `args` and the precompiled header of
    its leading include lines (built when missing or stale); None when there is no such prefix,
    the flags already pre-include a file, the cache cannot be used, or the parse reports an
    error (the caller then parses the file in full)."""
    split = split_prefix(text)
    if split is None or "-include" in args or "-include-pch" in args:
        return None
    prefix, rest = split
    manifest = cache_dir() / SUBDIR / f"{cache_key(prefix, args)}.json"
    try:
        pch = precompiled(prefix, args)
        if pch is None:
            return None
        import clang.cindex as ci

        tu = index.parse(path, args=[*args, "-include-pch", str(pch)],
                         unsaved_files=[(path, rest)])
    except Exception:  # a cache problem only costs the full parse
        _forget(manifest)
        return None
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if any(d.location.file is None or d.location.file.name != path for d in errors):
        _forget(manifest)  # perhaps the PCH's fault: build it again next time
    return None if errors else tu


def _forget(manifest: Path) -> None:
    with contextlib.suppress(OSError):
        manifest.unlink()


def precompiled(prefix: str, args: Sequence[str]) -> Path | None:
    """The precompiled header of `prefix` under `args`: the cached one when it is fresh, else a
    new one; None when it cannot be built (the headers do not compile) or written."""
    key = cache_key(prefix, args)
    folder = cache_dir() / SUBDIR
    manifest = folder / f"{key}.json"
    found = _fresh(manifest)
    if found is not None:
        return found
    return _build(folder, key, prefix, args)


def cache_key(prefix: str, args: Sequence[str]) -> str:
    """The name of the PCH of `prefix` under `args` for this libclang."""
    blob = json.dumps([_libclang_version(), list(args), prefix])
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@functools.cache
def _libclang_version() -> str:
    import clang.cindex as ci

    lib = ci.conf.lib
    lib.clang_getClangVersion.restype = ci._CXString
    lib.clang_getClangVersion.argtypes = []
    version = ci._CXString.from_result(lib.clang_getClangVersion())
    name = getattr(lib, "_name", "") or ""
    try:
        stamp = os.stat(name).st_mtime_ns if name else 0
    except OSError:
        stamp = 0
    return f"{version} {name} {stamp}"


def _stamp(path: str) -> list[int] | None:
    """[mtime_ns, size] of a file, [mtime_ns, 0] of a directory; None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, 0 if stat.S_ISDIR(st.st_mode) else st.st_size]


def _fresh(manifest: Path) -> Path | None:
    """The PCH `manifest` names, when every file and directory it recorded is unchanged."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        pch = manifest.with_name(data["pch"])
        watched: dict[str, list[int] | None] = data["watched"]
        if _stamp(str(pch)) is None or os.path.getsize(pch) != data["size"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(_stamp(p) != s for p, s in watched.items()):
        return None
    with contextlib.suppress(OSError):
        os.utime(manifest)  # last used now: the least recently used are evicted first
    return pch


def _search_dirs(args: Sequence[str]) -> list[str]:
    dirs = []
    for i, a in enumerate(args):
        if a in _DIR_FLAGS and i + 1 < len(args):
            dirs.append(args[i + 1])
        elif a.startswith(_DIR_FLAGS) and not a.startswith(("-include", "-isysroot")):
            dirs.append(next(a[len(f):] for f in _DIR_FLAGS if a.startswith(f)))
    return [os.path.abspath(d) for d in dirs]


def _watched(headers: Sequence[str], args: Sequence[str]) -> dict[str, list[int] | None]:
    """The files and directories whose change makes a PCH stale: each header read, each include
    directory, and in each include directory every directory on the way to where a header's
    relative name would be looked up (absent ones recorded as None, so creating one is seen)."""
    watched: dict[str, list[int] | None] = {h: _stamp(h) for h in headers}
    dirs = _search_dirs(args)
    relative: set[str] = set()
    for h in headers:
        for d in dirs:
            if h.startswith(d.rstrip("/") + "/"):
                relative.add(os.path.dirname(os.path.relpath(h, d)))
    for d in dirs:
        watched[d] = _stamp(d)
        for rel in relative:
            here = d
            for part in [p for p in rel.split("/") if p]:
                here = os.path.join(here, part)
                watched[here] = _stamp(here)
                if watched[here] is None:
                    break
    return watched


def _build(folder: Path, key: str, prefix: str, args: Sequence[str]) -> Path | None:
    import clang.cindex as ci

    language = args[args.index("-x") + 1] if "-x" in args else "c++"
    header_args = list(args)
    if "-x" in header_args:
        header_args[header_args.index("-x") + 1] = f"{language}-header"
    suffix = ".h" if language == "c" else ".hpp"
    source = folder / f"{key}{suffix}"
    try:
        same = source.read_text(encoding="utf-8") == prefix
    except OSError:
        same = False
    if not same and not write_atomically(source, prefix):
        return None
    tu = ci.Index.create().parse(str(source), args=header_args)
    if any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
        return None
    headers = sorted({os.path.abspath(i.include.name) for i in tu.get_includes()})
    pch = folder / f"{key}.{os.getpid()}.pch"
    tmp = folder / f".{key}.{os.getpid()}.pch.tmp"
    try:
        tu.save(str(tmp))
        os.replace(tmp, pch)
    except (OSError, ci.TranslationUnitSaveError):
        Path(tmp).unlink(missing_ok=True)
        return None
    watched = _watched([*headers, str(source)], args)
    manifest = {"pch": pch.name, "size": os.path.getsize(pch), "watched": watched}
    if not write_atomically(folder / f"{key}.json", json.dumps(manifest)):
        return None
    for old in folder.glob(f"{key}.*.pch"):  # earlier builds of this key
        if old != pch:
            old.unlink(missing_ok=True)
    evict(folder, keep=key)
    return pch


def evict(folder: Path, keep: str, most: int | None = None) -> None:
    """Remove the least recently used PCHs of `folder` beyond the `most` (default `MAX_ENTRIES`)
    most recent, never the one named `keep`."""
    most = MAX_ENTRIES if most is None else most
    try:
        used = sorted(((m.stat().st_mtime_ns, m) for m in folder.glob("*.json")
                       if m.name != "compilers.json" and m.stem != keep), reverse=True)
    except OSError:
        return
    for _, manifest in used[max(most - 1, 0):]:
        for stale in folder.glob(f"{manifest.stem}.*"):
            with contextlib.suppress(OSError):
                stale.unlink()


def remembered(compiler: str, language: str, ask: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
    """The system include directories of `compiler` for `language`: those `ask()` found for the
    same compiler binary (path, size, modification time) and the same `CPATH`,
    `C_INCLUDE_PATH` and `CPLUS_INCLUDE_PATH`, when every one still exists; else `ask()`'s
    answer, remembered (in `headers/compilers.json`) when it is not empty."""
    path = cache_dir() / SUBDIR / "compilers.json"
    real = os.path.realpath(compiler)
    env = [os.environ.get(v, "") for v in ("CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH")]
    key = json.dumps([compiler, real, _stamp(real), language, env])
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    dirs = known.get(key)
    if isinstance(dirs, list) and dirs and all(isinstance(d, str) and os.path.isdir(d)
                                               for d in dirs):
        return tuple(dirs)
    found = ask()
    if found:
        known[key] = list(found)
        write_atomically(path, json.dumps(known))
    return found
