"""What the C and C++ frontends share besides the reader: the system include directories of each
language, the compiler flags a user gives on the command line (`-I`, `-D`, `-std`) or a
`compile_commands.json` gives for each file (also `-isystem`, `-iquote`, `-U`, `-include`), and
the translation unit a header is read in.

Both frontends take these options through `configure(include=..., define=..., std=...)`
(`tensflo.plugins.components.Configurable`); a `-std` names one language (`c11`, `gnu99`: C;
`c++17`, `gnu++20`: C++) and applies only to that language's frontend.

A header is read as part of a file that includes it (`configure(context=SOURCE)`): the frontend
parses SOURCE's translation unit and reads the functions defined in the header, so the header sees
the macros, types and includes that come before it in SOURCE, as a compiler sees them.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

from tensflo.plugins.errors import UsageError

LANGUAGES = ("c", "c++")
DEFAULT_STD = {"c": "c11", "c++": "c++17"}
_COMPILERS = {"c": ("gcc", "cc", "clang"), "c++": ("g++", "c++", "clang++")}


@functools.cache
def system_include_dirs(language: str = "c++") -> tuple[str, ...]:
    """The include directories of the system compiler for `language` (empty when there is none),
    asked of the compiler once and remembered in the user cache (`header_cache.remembered`)."""
    cc = next((p for p in map(shutil.which, _COMPILERS[language]) if p), None)
    if cc is None:
        return ()
    from tensflo.plugins.header_cache import remembered

    return remembered(cc, language, lambda: _ask_include_dirs(cc, language))


def _ask_include_dirs(cc: str, language: str) -> tuple[str, ...]:
    try:
        proc = subprocess.run([cc, "-x", language, "-E", "-v", "-"], input="", capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ()
    m = re.search(r"#include <\.\.\.> search starts here:\n(.*?)End of search list", proc.stderr,
                  re.S)
    return tuple(line.strip() for line in m.group(1).splitlines() if line.strip()) if m else ()


def std_language(std: str) -> str:
    """The language a `-std` value names; a UsageError for one that is not a C or C++ standard."""
    if re.fullmatch(r"(c|gnu)\+\+\w+", std):
        return "c++"
    if re.fullmatch(r"(c|gnu|iso9899:)\w+", std):
        return "c"
    raise UsageError(f"-std={std} is not a C or C++ standard (e.g. c11, gnu99, c++17)")


def clang_flags(language: str, include: Sequence[str] = (), define: Sequence[str] = (),
                std: str | None = None, *, iquote: Sequence[str] = (),
                isystem: Sequence[str] = (), undefine: Sequence[str] = (),
                preinclude: Sequence[str] = ()) -> tuple[str, ...]:
    """libclang's arguments for a file of `language`: the language, its standard (`std` when it
    names this language, else the default), then `-I`, `-iquote`, `-isystem`, `-D`, `-U` and
    `-include` in order, then the system include directories (after the user's, as a compiler
    searches them)."""
    if std is not None and std_language(std) != language:
        std = None
    args = ["-x", language, f"-std={std or DEFAULT_STD[language]}"]
    for flag, dirs in (("-I", include), ("-iquote", iquote), ("-isystem", isystem)):
        for d in dirs:
            args += [flag, d]
    args += [f"-D{d}" for d in define]
    args += [f"-U{u}" for u in undefine]
    for f in preinclude:
        args += ["-include", f]
    for d in system_include_dirs(language):
        args += ["-isystem", d]
    return tuple(args)


LANGUAGE_OF_EXTENSION = {".c": "c", ".h": "c", ".i": "c"}
"""Extensions read as C; every other C-family extension (`.cc`, `.cpp`, `.hpp`, ...) is C++."""


def language_of(path: str) -> str:
    """`c` or `c++`, by the file's extension."""
    return LANGUAGE_OF_EXTENSION.get(os.path.splitext(path)[1], "c++")


def same_file(a: str, b: str) -> bool:
    """Whether two spellings of a path (`src/../include/a.h`, `/abs/include/a.h`) name one file."""
    return a == b or os.path.realpath(a) == os.path.realpath(b)


@dataclass(frozen=True)
class ClangOptions:
    """The command-line flags a C or C++ frontend was configured with."""

    include: tuple[str, ...] = ()
    """`-I` directories, searched in order (before the system's)."""
    define: tuple[str, ...] = ()
    """`-D` macros, `NAME` or `NAME=VALUE`."""
    std: str | None = None
    """`-std`: used by the frontend of the language it names."""
    iquote: tuple[str, ...] = ()
    """`-iquote` directories (searched for `#include "..."` only)."""
    isystem: tuple[str, ...] = ()
    """`-isystem` directories given by the user or the build (before the compiler's own)."""
    undefine: tuple[str, ...] = ()
    """`-U` macros."""
    preinclude: tuple[str, ...] = ()
    """`-include` files, read before the source."""
    context: str | None = None
    """A source file that includes the file being read: its translation unit is parsed and the
    functions defined in the file being read (a header) are taken from it."""

    def configure(self, include: Sequence[str] | None = None, define: Sequence[str] | None = None,
                  std: str | None = None, iquote: Sequence[str] | None = None,
                  isystem: Sequence[str] | None = None, undefine: Sequence[str] | None = None,
                  preinclude: Sequence[str] | None = None, context: str | None = None,
                  **unknown: Any) -> Self:
        if unknown:
            raise UsageError(f"the C and C++ frontends take no option {', '.join(sorted(unknown))}")
        if std is not None:
            std_language(std)
        for flag, names in (("-D", define), ("-U", undefine)):
            for d in names or ():
                if not re.fullmatch(r"[A-Za-z_]\w*" + (r"(=.*)?" if flag == "-D" else ""), d, re.S):
                    raise UsageError(f"{flag} {d}: expected NAME" +
                                     (" or NAME=VALUE" if flag == "-D" else ""))

        def keep(old: tuple[str, ...], new: Sequence[str] | None) -> tuple[str, ...]:
            return old if new is None else tuple(new)

        return replace(self, include=keep(self.include, include),
                       define=keep(self.define, define), std=self.std if std is None else std,
                       iquote=keep(self.iquote, iquote), isystem=keep(self.isystem, isystem),
                       undefine=keep(self.undefine, undefine),
                       preinclude=keep(self.preinclude, preinclude),
                       context=self.context if context is None else context)

    def flags(self, language: str) -> tuple[str, ...]:
        return clang_flags(language, self.include, self.define, self.std, iquote=self.iquote,
                           isystem=self.isystem, undefine=self.undefine,
                           preinclude=self.preinclude)

    def translation_unit(self, path: str, text: str) -> tuple[str, str, str | None]:
        """What to parse to read the functions of `path`: the file itself (`path`, `text`, None),
        or, with a `context`, the including file, its text and `path` (whose functions are read).
        An unreadable context is a UsageError naming it."""
        if self.context is None or same_file(self.context, path):
            return path, text, None
        try:
            with open(self.context, encoding="utf-8", errors="replace") as f:
                return self.context, f.read(), path
        except OSError as e:
            raise UsageError(f"{self.context}: cannot read the file that includes {path}: "
                             f"{e.strerror or e}") from None


@dataclass(frozen=True)
class CParameter:
    """A C parameter as a native harness declares it."""

    name: str
    ctype: str
    """The value's type, canonical (typedefs resolved), qualifiers dropped: `float`,
    `unsigned char`; for a pointer, its element type."""
    pointer: bool
    floating: bool
    """Whether the value (or the element) is `float`, `double` or `long double`."""
    vector: bool = False
    """A C++ `std::vector` of `ctype` (by value or reference)."""


@dataclass(frozen=True)
class CSignature:
    """A C (or C++) function's parameters and result type (None for `void`)."""

    function: str
    params: tuple[CParameter, ...]
    result: CParameter | None


_SCALAR_KINDS = {"BOOL", "CHAR_U", "UCHAR", "USHORT", "UINT", "ULONG", "ULONGLONG", "CHAR_S",
                 "SCHAR", "SHORT", "INT", "LONG", "LONGLONG", "FLOAT", "DOUBLE", "LONGDOUBLE"}


def _scalar(t: Any, name: str, where: str) -> CParameter:
    from tensflo.plugins.c_pointers import pointee

    t = t.get_canonical()
    if t.kind.name in ("LVALUEREFERENCE", "RVALUEREFERENCE"):
        t = t.get_pointee().get_canonical()
    vector = (t.kind.name == "RECORD" and re.match(r"(const )?std::(__\w+::)?vector<", t.spelling)
              is not None and t.get_num_template_arguments() >= 1)
    element = t.get_template_argument_type(0).get_canonical() if vector else pointee(t)
    pointer = element is not None and not vector  # also an array parameter (`int a[]`)
    value = element.get_canonical() if element is not None else t
    if value.kind.name not in _SCALAR_KINDS:
        raise UsageError(f"{where}: {name} has type {t.spelling}: a native harness takes "
                         "numbers, pointers to numbers and vectors of numbers")
    spelling = re.sub(r"\b(const|volatile|restrict)\b", "", value.spelling).split()
    return CParameter(name, " ".join(spelling), pointer,
                      value.kind.name in ("FLOAT", "DOUBLE", "LONGDOUBLE"), vector)


def function_signature(path: str, function: str, flags: Sequence[str]) -> CSignature:
    """The signature of `function` as defined in `path` (parsed by libclang with `flags`); a
    UsageError when it is not there or takes something other than numbers and pointers."""
    import clang.cindex as ci

    from tensflo.plugins import header_cache

    index = ci.Index.create()
    try:
        with open(path, "rb") as f:
            text: str | None = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None  # libclang reads the file itself, without the header cache
    tu = (header_cache.parse(index, path, text, list(flags)) if text is not None else None) \
        or index.parse(path, args=list(flags))
    for c in tu.cursor.walk_preorder():
        if c.kind == ci.CursorKind.FUNCTION_DECL and c.spelling == function and c.is_definition():
            where = f"{path}:{c.location.line}:{c.location.column}"
            params = tuple(_scalar(a.type, a.spelling or f"arg{i}", where)
                           for i, a in enumerate(c.get_arguments()))
            result = c.result_type.get_canonical()
            return CSignature(function, params, None if result.kind.name == "VOID"
                              else _scalar(result, "the result", where))
    raise UsageError(f"{path} defines no function {function!r}")
