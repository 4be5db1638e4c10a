"""The 32-bit proofs of a function lifted from C or C++, for the compiler's call sites.

`source_int32` runs `int32_proofs.prove_source` when the target takes proofs (its `emit` has an
`int32` parameter) and the source is C or C++; a Python source gets none (its ints are
unbounded). Any failure to read the source gives no proof, so the code stays 64-bit.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable
from typing import Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Function

from .int32_proofs import Int32Proofs, prove_source


def takes_int32(method: Callable[..., Any]) -> bool:
    """Whether a target method accepts `int32=` (proofs by function name)."""
    try:
        return "int32" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def source_int32(target: Any, module: L.Module, fn: L.Function, lifted: Function,
                 text: str | None = None) -> tuple[Int32Proofs, dict[str, Any]] | None:
    """(proofs, their report with the seconds spent) for `lifted`, the program lifted from `fn`
    of `module`; None when the target takes no proofs or the source is Python."""
    if fn.lang == "python" or not takes_int32(getattr(target, "emit", None) or (lambda: None)):
        return None
    return prove_lifted(module, lifted, text)


def prove_lifted(module: L.Module, lifted: Function, text: str | None = None,
                 ) -> tuple[Int32Proofs, dict[str, Any]]:
    """(proofs, their report with the seconds spent) for `lifted`, lifted from the C/C++
    function of its name in `module` (`text`: the source when it is not the file at its path)."""
    t0 = time.perf_counter()
    try:
        if text is None and not os.path.isfile(module.path):
            proofs = Int32Proofs(failures=(f"{module.path}: the source is not a readable file",))
        else:
            proofs = prove_source(module.path, lifted, text)
    except Exception as e:  # noqa: BLE001 - no proof (64-bit code) with the reason, never a crash
        proofs = Int32Proofs(failures=(f"the source was not read for the 32-bit proofs: "
                                       f"{type(e).__name__}: {e}",))
    report = {**proofs.to_json(), "seconds": round(time.perf_counter() - t0, 4)}
    return proofs, report


__all__ = ["prove_lifted", "source_int32", "takes_int32"]
