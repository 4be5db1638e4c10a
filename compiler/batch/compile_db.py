"""Build settings as clang tools take them: `-p DIR` reads `DIR/compile_commands.json` (as CMake's
`CMAKE_EXPORT_COMPILE_COMMANDS` or Bear write it) and gives each file the frontend options of its
own entry.

From an entry's `arguments` (or its `command`, split as a shell would) the options that decide
what a file means are kept: `-I`, `-iquote`, `-isystem`, `-D`, `-U`, `-include` and `-std`
(joined `-Idir` or separate `-I dir`); relative paths are resolved against the entry's
`directory`. Other flags (warnings, optimization, `-o`, `-c`) do not change the source's meaning
and are dropped. An entry without `-std` gets the compiler's default (`gnu17`, `gnu++17`).

Headers are read as part of the files that include them: a header is given the options of the
first source (in path order) of the database that includes it, directly or through other
headers, and `context` naming that source, so the frontend parses that translation unit and reads
the header's functions from it, each once. Inclusion is found by following the `#include "..."`
and `#include <...>` lines of the sources through the entry's include path (a line inside a
disabled `#if` is followed too; the header's functions are then simply not found in that unit, and
the header is read alone). A file that is neither in the database nor included by one of its
sources is read alone with the options of the entry nearest to it in the directory tree.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tensflo.plugins.c_family import language_of
from tensflo.plugins.errors import UsageError

FILE_NAME = "compile_commands.json"
DEFAULT_STD = {"c": "gnu17", "c++": "gnu++17"}
"""The standard of an entry without `-std`: what gcc and clang use by default (GNU extensions and
POSIX declarations such as `M_PI`, `clock_gettime`), not the frontends' strict ISO default."""
FrontendOptions = tuple[tuple[str, Any], ...]
"""`pipeline.Options.frontend_options`: (name, value) pairs given to a frontend's `configure`."""

_PATH_FLAGS = {"-I": "include", "-iquote": "iquote", "-isystem": "isystem",
               "-include": "preinclude"}
_NAME_FLAGS = {"-D": "define", "-U": "undefine"}
_INCLUDE_LINE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


@dataclass(frozen=True)
class CompileCommand:
    """One entry of the database: a source file and the settings it is compiled with."""

    file: str
    """The source, an absolute normalized path."""
    directory: str
    """The directory the command runs in (absolute)."""
    options: FrontendOptions
    """The frontend options of its flags (`include`, `define`, `std`, ...), paths absolute."""

    def option(self, name: str) -> Any:
        return dict(self.options).get(name, ())


@dataclass(frozen=True)
class CompileDatabase:
    """The entries of a `compile_commands.json`, by file."""

    path: str
    """The `compile_commands.json` read."""
    commands: tuple[CompileCommand, ...]
    _by_file: dict[str, CompileCommand] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for c in self.commands:
            self._by_file.setdefault(_key(c.file), c)  # the first entry of a file counts

    def command(self, path: str) -> CompileCommand | None:
        """The entry of `path`, if the database compiles it."""
        return self._by_file.get(_key(path))

    @cached_property
    def includers(self) -> dict[str, str]:
        """Each header some source of the database includes (directly or not) -> the first such
        source, in path order."""
        out: dict[str, str] = {}
        _include_lines.cache_clear()  # files may have changed since an earlier database's look
        for c in sorted(self.commands, key=lambda c: c.file):
            for header in _included(c):
                if self.command(header) is None:
                    out.setdefault(_key(header), c.file)
        return out

    def options_for(self, path: str) -> FrontendOptions:
        """The frontend options `path` is read with (see the module docstring)."""
        own = self.command(path)
        if own is not None:
            return own.options
        includer = self.includers.get(_key(path)) if path.endswith(HEADER_EXTENSIONS) else None
        if includer is not None:
            found = self.command(includer)
            assert found is not None
            return (*found.options, ("context", includer))
        nearest = max(self.commands, key=lambda c: (_common_depth(c.file, path), -len(c.file)),
                      default=None)
        return nearest.options if nearest is not None else ()


HEADER_EXTENSIONS = (".h", ".hh", ".hpp", ".hxx", ".inl")
SOURCE_EXTENSIONS = (".c", ".cc", ".cpp", ".cxx", ".c++", ".C")


def from_command_line(files: Sequence[str], options: FrontendOptions) -> CompileDatabase:
    """A database of the C and C++ sources among `files`, each with the command line's options
    (batch compile without `-p`): headers are still read as part of a source that includes them."""
    relevant = [f for f in files if f.endswith(SOURCE_EXTENSIONS)]
    return CompileDatabase("(command line)", tuple(
        CompileCommand(os.path.abspath(f), os.getcwd(), options) for f in relevant))


def load(where: str) -> CompileDatabase:
    """The database in directory `where` (or the file `where`); a UsageError (file:line:col
    where JSON gives it) for a missing, unreadable or malformed one."""
    path = os.path.join(where, FILE_NAME) if os.path.isdir(where) else where
    if not os.path.exists(path):
        hint = ("cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or bear -- make, write one")
        raise UsageError(f"-p {where}: no {FILE_NAME} there ({hint})")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read it: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}:{e.lineno}:{e.colno}: malformed JSON: {e.msg}") from None
    if not isinstance(data, list):
        raise UsageError(f"{path}:1:1: expected a list of entries "
                         "({\"directory\", \"file\", \"arguments\" or \"command\"}), got "
                         f"{type(data).__name__}")
    starts = _entry_lines(text)
    commands = []
    for i, entry in enumerate(data):
        where_ = f"{path}:{starts[i]}:1" if i < len(starts) else path
        commands.append(_command(entry, f"{where_}: entry {i}"))
    return CompileDatabase(path, tuple(commands))


def _command(entry: Any, where: str) -> CompileCommand:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: expected an object, got {type(entry).__name__}")
    for key in ("directory", "file"):
        if not isinstance(entry.get(key), str):
            raise UsageError(f"{where}: no {key!r} string")
    directory = os.path.normpath(entry["directory"])
    if not os.path.isabs(directory):
        raise UsageError(f"{where}: 'directory' must be an absolute path, got {directory!r}")
    args = entry.get("arguments")
    if args is None:
        command = entry.get("command")
        if not isinstance(command, str):
            raise UsageError(f"{where}: neither 'arguments' (a list) nor 'command' (a string)")
        try:
            args = shlex.split(command)
        except ValueError as e:
            raise UsageError(f"{where}: cannot split 'command': {e}") from None
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise UsageError(f"{where}: 'arguments' must be a list of strings")
    file = os.path.normpath(os.path.join(directory, entry["file"]))
    options = frontend_options(args[1:], directory, where)
    if not any(k == "std" for k, _ in options):  # the compiler's own default, not strict ISO
        options = (*options, ("std", DEFAULT_STD[language_of(file)]))
    return CompileCommand(file, directory, options)


def frontend_options(args: Sequence[str], directory: str, where: str = "") -> FrontendOptions:
    """The frontend options of compiler arguments (without the compiler itself), paths made
    absolute against `directory`; a flag that needs a value and has none is a UsageError."""
    found: dict[str, list[str]] = {}
    std: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("-std="):
            std = a[len("-std="):]
            continue
        flag = next((f for f in (*_PATH_FLAGS, *_NAME_FLAGS) if a == f or
                     (a.startswith(f) and f in ("-I", "-D", "-U"))), None)
        if flag is None:
            continue
        if a == flag:
            if i >= len(args):
                raise UsageError(f"{where}: {flag} without a value")
            value = args[i]
            i += 1
        else:
            value = a[len(flag):]
        if flag in _PATH_FLAGS:
            found.setdefault(_PATH_FLAGS[flag], []).append(
                os.path.normpath(os.path.join(directory, value)))
        else:  # the later of `-D X` and `-U X` wins, as on a compiler's command line
            name = value.partition("=")[0]
            for kind in _NAME_FLAGS.values():
                found[kind] = [v for v in found.get(kind, []) if v.partition("=")[0] != name]
            found[_NAME_FLAGS[flag]].append(value)
    out: list[tuple[str, Any]] = [(k, tuple(v)) for k, v in sorted(found.items()) if v]
    if std is not None:
        out.append(("std", std))
    return tuple(out)


def merged(base: FrontendOptions, given: FrontendOptions) -> FrontendOptions:
    """`base` (a file's entry) with the command line's options: lists are appended after the
    entry's (a later `-D` wins, as for a compiler), single values replace it."""
    out = dict(base)
    for k, v in given:
        out[k] = (*out.get(k, ()), *v) if isinstance(v, tuple) else v
    return tuple(out.items())


def _included(c: CompileCommand) -> list[str]:
    """The headers `c.file` includes, directly or through other headers, found on its include
    path (only existing files; system headers the build does not name are not searched)."""
    quote = [*c.option("iquote")]
    angle = [*c.option("include"), *c.option("isystem")]
    seen: dict[str, None] = {}
    todo = [c.file, *c.option("preinclude")]
    while todo:
        src = todo.pop()
        for kind, name in _include_lines(src):
            dirs = ([os.path.dirname(src), *quote] if kind == '"' else []) + angle
            hit = next((os.path.normpath(os.path.join(d, name)) for d in dirs
                        if os.path.isfile(os.path.join(d, name))), None)
            if hit is not None and hit not in seen and not _key(hit) == _key(c.file):
                seen[hit] = None
                todo.append(hit)
    return list(seen)


@functools.lru_cache(maxsize=4096)
def _include_lines(path: str) -> tuple[tuple[str, str], ...]:
    """The (`<` or `"`, name) of each `#include` line of a file (none when it cannot be read);
    read once per file, however many sources include it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return tuple(_INCLUDE_LINE.findall(f.read()))
    except OSError:
        return ()


def _key(path: str) -> str:
    return os.path.realpath(path)


def _common_depth(a: str, b: str) -> int:
    try:
        return len(os.path.commonpath([_key(a), _key(b)]).split(os.sep))
    except ValueError:
        return 0


def _entry_lines(text: str) -> list[int]:
    """The line of each top-level `{` of a JSON list (where each entry starts)."""
    lines: list[int] = []
    depth, line, in_string, escape = 0, 1, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            if depth == 1 and ch == "{":
                lines.append(line)
            depth += 1
        elif ch in "]}":
            depth -= 1
    return lines

