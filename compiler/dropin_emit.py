"""`tensflo compile --target llvm --emit obj|so`: a drop-in object file or shared library of a
lifted C function with its original signature (`targets.llvm.dropin`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import Registry

EMIT_KINDS = ("obj", "so")


def emit_dropin(results: Sequence[Any], source: str, kind: str, output: str | None,
                registry: Registry, frontend_options: tuple[tuple[str, Any], ...],
                reassociate: bool = False) -> None:
    """Write the drop-ins of the lifted functions of `results` into one file `output` (nothing
    when none was lifted: the results say why); a UsageError when a construct or a C type cannot
    be lowered. `reassociate`: float sums may be reordered (default: the C's order)."""
    from tensflo.ir.loop.nodes import LoopIRError
    from tensflo.ir.tensir import Function
    from tensflo.plugins.c_family import clang_flags, function_signature, language_of
    from tensflo.targets.llvm.codegen import LoweringError
    from tensflo.targets.llvm.dropin import DropInModule, build, spec_of, write
    from tensflo.targets.llvm.int32_proofs import NOTHING
    from tensflo.targets.llvm.int32_source import prove_lifted

    from .pipeline import read_module

    if output is None or output == "-":
        raise UsageError(f"--emit {kind} writes a binary file: give -o FILE")
    if language_of(source) != "c" and not source.endswith((".cc", ".cpp", ".cxx")):
        raise UsageError(f"--emit {kind} is for C and C++ sources")
    lifted = [r for r in results if r.lifted]
    if not lifted:
        return  # the usual not-lifted results and their diagnostics; nothing is written
    opts = dict(frontend_options)
    flags = clang_flags(language_of(source), opts.get("include") or (), opts.get("define") or (),
                        opts.get("std"))
    module = read_module(source, registry, None, frontend_options)
    out = DropInModule(name="tensflo_dropin")
    for result in lifted:
        sig = function_signature(source, result.function, flags)
        if sig.result is not None and sig.result.pointer:
            raise UsageError(f"{result.function} returns a pointer: the drop-in takes numbers")
        fn = module.function(result.function)
        assert fn is not None
        spec = spec_of(result, fn, {p.name: p.ctype for p in sig.params},
                       None if sig.result is None else sig.result.ctype)
        int32 = NOTHING if result.program is None or result.output_programs else \
            prove_lifted(module, Function(fn.name, result.params, result.program))[0]
        try:
            build(spec, module=out, symbol=mangled_name(source, result.function, flags),
                  reassociate=reassociate, int32=int32)
        except LoopIRError as e:
            raise UsageError(f"{e.loc}: {e.message}") from None
        except LoweringError as e:
            raise UsageError(f"{fn.loc}: {result.function}: {e}") from None
        except UsageError:
            raise
        except Exception as e:  # noqa: BLE001 - a bug here is reported, never a traceback
            raise UsageError(f"{fn.loc}: internal error while building the drop-in of "
                             f"{result.function}: {type(e).__name__}: {e}") from None
    try:
        write(out, kind, output)
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001 - as above
        raise UsageError(f"internal error while writing {output}: {type(e).__name__}: {e}") from None


def mangled_name(source: str, function: str, flags: Sequence[str]) -> str | None:
    """A C++ function's linkage name (None for C, or `extern "C"`: its plain name)."""
    import clang.cindex as ci

    tu = ci.Index.create().parse(source, args=list(flags))
    for c in tu.cursor.walk_preorder():
        if c.kind == ci.CursorKind.FUNCTION_DECL and c.spelling == function and c.is_definition():
            name = c.mangled_name
            return name if name and name != function else None
    return None
