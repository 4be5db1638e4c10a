"""What the C and C++ frontends share besides the reader: the system include directories of each
language, and the compiler flags a user gives on the command line (`-I`, `-D`, `-std`).

Both frontends take these options through `configure(include=..., define=..., std=...)`
(`tensflo.plugins.components.Configurable`); a `-std` names one language (`c11`, `gnu99`: C;
`c++17`, `gnu++20`: C++) and applies only to that language's frontend.
"""

from __future__ import annotations

import functools
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
    """The include directories of the system compiler for `language` (empty when there is none)."""
    cc = next((p for p in map(shutil.which, _COMPILERS[language]) if p), None)
    if cc is None:
        return ()
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
                std: str | None = None) -> tuple[str, ...]:
    """libclang's arguments for a file of `language`: the language, its standard (`std` when it
    names this language, else the default), then `-I` and `-D` in order, then the system include
    directories (after the user's, as a compiler searches them)."""
    if std is not None and std_language(std) != language:
        std = None
    args = ["-x", language, f"-std={std or DEFAULT_STD[language]}"]
    for d in include:
        args += ["-I", d]
    args += [f"-D{d}" for d in define]
    for d in system_include_dirs(language):
        args += ["-isystem", d]
    return tuple(args)


@dataclass(frozen=True)
class ClangOptions:
    """The command-line flags a C or C++ frontend was configured with."""

    include: tuple[str, ...] = ()
    """`-I` directories, searched in order (before the system's)."""
    define: tuple[str, ...] = ()
    """`-D` macros, `NAME` or `NAME=VALUE`."""
    std: str | None = None
    """`-std`: used by the frontend of the language it names."""

    def configure(self, include: Sequence[str] | None = None, define: Sequence[str] | None = None,
                  std: str | None = None, **unknown: Any) -> Self:
        if unknown:
            raise UsageError(f"the C and C++ frontends take no option {', '.join(sorted(unknown))}")
        if std is not None:
            std_language(std)
        for d in define or ():
            if not re.fullmatch(r"[A-Za-z_]\w*(=.*)?", d, re.S):
                raise UsageError(f"-D {d}: expected NAME or NAME=VALUE")
        return replace(self, include=self.include if include is None else tuple(include),
                       define=self.define if define is None else tuple(define),
                       std=self.std if std is None else std)

    def flags(self, language: str) -> tuple[str, ...]:
        return clang_flags(language, self.include, self.define, self.std)
