"""The `c` frontend: reads C functions into loop IR with the C++ frontend's reader in C mode.

A `.c` file is parsed by libclang as C (`-x c -std=c11` unless configured otherwise) with the
system's C headers (asked of `gcc`) and the `-I`, `-D` and `-std` the frontend was configured with.
The reader and what it reads are the C++ frontend's, without `std::vector`: scalars (`int`, `long`,
`short`, `float`, `double`, `_Bool`), loops, `if`, helpers of the same file, arithmetic. C's `/` and
`%` truncate like C++'s, so the loop IR's language is `cpp` for both. Pointer and array parameters
are read as vectors (`c_pointers`; docs/c_pointers.md).

A `.h` header may be C or C++: it is read as C, and as C++ when it does not compile as C.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import LoopIRError
from tensflo.plugins.c_family import ClangOptions, language_of
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.hookspecs import hookimpl


@dataclass(frozen=True)
class CFrontend(ClangOptions):
    """Reads C with libclang (pip `libclang`), using the system's C headers; `configure` takes
    `-I`, `-D` and `-std` (`c_family.ClangOptions`)."""

    name: ClassVar[str] = "c"
    description: ClassVar[str] = "C functions over int and float scalars (libclang, C mode)"
    extensions: ClassVar[tuple[str, ...]] = (".c", ".h")

    def parse(self, path: str, text: str) -> L.Module:
        tu, tu_text, header = self.translation_unit(path, text)
        if header is not None:  # a header read as part of a file that includes it
            language = language_of(tu)
            return parse_cpp(tu, tu_text, self.flags(language), language, functions_of=header)
        try:
            return parse_cpp(path, text, self.flags("c"), language="c")
        except LoopIRError as e:
            if not (path.endswith(".h") and e.message.startswith("does not compile")):
                raise
            try:
                return parse_cpp(path, text, self.flags("c++"))
            except LoopIRError:
                raise e from None


@hookimpl
def tensflo_register_frontends() -> list[object]:
    return [CFrontend()]
