"""`tensflo compile --target llvm --emit obj|so`: a drop-in object file or shared library of a
lifted C function with its original signature (`targets.llvm.dropin`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import Registry

EMIT_KINDS = ("obj", "so")


def emit_dropin(results: Sequence[Any], source: str, kind: str, output: str | None,
                registry: Registry, frontend_options: tuple[tuple[str, Any], ...]) -> None:
    """Write the drop-in of the one lifted function of `results` to `output`; a UsageError when
    there is not exactly one function, it was not lifted, or a construct cannot be lowered."""
    from tensflo.ir.loop.nodes import LoopIRError
    from tensflo.plugins.c_family import clang_flags, function_signature, language_of
    from tensflo.targets.llvm.dropin import build, spec_of, write

    from .pipeline import read_module

    if output is None or output == "-":
        raise UsageError(f"--emit {kind} writes a binary file: give -o FILE")
    if len(results) != 1:
        raise UsageError(f"--emit {kind} takes one function (--function NAME); "
                         f"{len(results)} were lifted or tried")
    result = results[0]
    if not result.lifted:
        return  # the usual not-lifted result and its diagnostics; nothing is written
    if language_of(source) != "c" and not source.endswith((".cc", ".cpp", ".cxx")):
        raise UsageError(f"--emit {kind} is for C and C++ sources")
    opts = dict(frontend_options)
    language = language_of(source)
    sig = function_signature(source, result.function, clang_flags(
        language, opts.get("include") or (), opts.get("define") or (), opts.get("std")))
    if sig.result is not None and sig.result.pointer:
        raise UsageError(f"{result.function} returns a pointer: the drop-in takes numbers")
    module = read_module(source, registry, None, frontend_options)
    fn = module.function(result.function)
    assert fn is not None
    spec = spec_of(result, fn, {p.name: p.ctype for p in sig.params},
                   None if sig.result is None else sig.result.ctype)
    try:
        write(build(spec), kind, output)
    except LoopIRError as e:
        raise UsageError(f"{e.loc}: {e.message}") from None
