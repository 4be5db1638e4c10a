"""Exact ints for functions lifted from Python: int64 when it cannot wrap, else exact or refused.

A proof about a Python source is over mathematical integers, while the Python-module targets
compute in int64. For such functions (`emit(..., source_lang="python")`) the public function is a
guard: it reads its arguments once (`exact_runtime.int64_inputs`), evaluates the function's
magnitude bound (`tensflo.ir.tensir.magnitude`) and calls the int64 code, renamed `<name>_int64`,
only when every int intermediate is bounded by 2**63 - 1. Otherwise the numpy target runs the
same program on Python ints (`<name>_exact`: NumPy arrays of `dtype=object`, exact at any size),
and the other targets raise `OverflowError`. C and C++ sources get no guard: signed overflow is
undefined behaviour there, so int64 code is a valid meaning of the source wherever it is defined.

`INT_POLICIES` are the values of `CompileResult.int_policy`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from tensflo.ir.tensir import Function
from tensflo.ir.tensir import magnitude as magnitude_module
from tensflo.ir.tensir.magnitude import INT64_MAX, MagnitudeBound, magnitude_bound
from tensflo.plugins.errors import UsageError

from . import exact_runtime
from .numpy import RENDER as NUMPY_RENDER
from .numpy import NumpyTarget
from .pyexpr import PyTable, Template, python_name

if TYPE_CHECKING:
    from .pymodule import PythonTarget, RenderedFunction

INT_POLICIES = {
    "exact": "ints are exact: int64 when a call-time bound shows no intermediate can leave it, "
             "else Python ints",
    "overflow-error": "ints are int64 when a call-time bound shows no intermediate can leave it; "
                      "other inputs raise OverflowError",
    "int64-inputs": "every int intermediate provably fits int64 for all int64 inputs (others "
                    "are refused when the code is generated)",
    "wraps-undefined-in-source": "C/C++ source: signed overflow is undefined there, int64 code "
                                 "is a valid meaning of the source",
    "unguarded": "the target computes in its own int type without a check",
}
"""`CompileResult.int_policy` values and what each means."""


def int_policy(target: object, lang: str) -> str:
    """The int policy (`INT_POLICIES`) of `target`'s code for a function lifted from `lang`."""
    from .pymodule import PythonTarget

    if lang != "python":
        return "wraps-undefined-in-source"
    if not takes_source_lang(getattr(target, "emit", None)):
        return "unguarded"
    if isinstance(target, NumpyTarget):
        return "exact"
    if isinstance(target, PythonTarget):
        return "overflow-error"
    policy = getattr(type(target), "int_policy", None)
    return policy if isinstance(policy, str) and policy in INT_POLICIES else "unguarded"


@dataclass(frozen=True)
class ExactNumpyTarget(NumpyTarget):
    """The numpy target with ints as Python ints (object arrays): the exact path of a guard."""

    scalar_param: ClassVar[str] = "np.asarray({x}, dtype={d})[()]"
    dtypes: ClassVar[Mapping[str, str]] = {"int": "object", "float": "np.float64", "bool": "np.bool_"}
    table: ClassVar[PyTable] = {
        **NUMPY_RENDER,
        # Python's int() truncates a float exactly, at any magnitude
        "to_int": Template("np.frompyfunc(int, 1, 1)(np.trunc({0}))"),
    }


def guard_functions(target: PythonTarget, functions: list[Function],
                    rendered: list[RenderedFunction]) -> tuple[list[RenderedFunction], list[str]]:
    """The rendered functions with a guard in front of each that computes ints, and the helper
    sources the guards call."""
    out: list[RenderedFunction] = []
    guarded = False
    for fn, r in zip(functions, rendered, strict=True):
        bound = magnitude_bound(fn)
        if not bound.has_ints:
            out.append(r)
            continue
        if not isinstance(target, NumpyTarget) and always_exceeds(bound):
            unknown = ", ".join(bound.unknown) or "a literal beyond int64"
            raise UsageError(f"{fn.name}: the magnitude of its ints is unknown ({unknown}), so "
                             f"every call would raise OverflowError on {target.name}; the numpy "
                             f"target computes it with Python ints")
        guarded = True
        fast = replace(r, name=f"{r.name}_int64")
        out.append(fast)
        exact = None
        if isinstance(target, NumpyTarget):
            exact = ExactNumpyTarget().render_function(Function(f"{r.name}_exact", fn.params, fn.body))
            exact = replace(exact, params=r.params)
            out.append(exact)
        out.append(_guard(target, r, bound, fast.name, exact.name if exact else None))
    if not guarded:
        return out, []
    helpers = [inspect.getsource(exact_runtime.int64_inputs).rstrip(),
               inspect.getsource(magnitude_module.run_bound).rstrip()]
    return out, helpers


def always_exceeds(bound: MagnitudeBound) -> bool:
    """Whether the bound exceeds int64 even for empty inputs and zeros: an unknown is live."""
    return bound.evaluate([0] * len(bound.params), [[0] * p.rank for p in bound.params]) > INT64_MAX


def _guard(target: PythonTarget, r: RenderedFunction, bound: MagnitudeBound, fast: str,
           exact: str | None) -> RenderedFunction:
    taken = set(r.params) | {fast, exact or ""}
    args, got = python_name("args", taken), python_name("bound", taken)
    tupled = f"({', '.join(r.params)}{',' if len(r.params) == 1 else ''})"
    lines = [f"{args}, {got} = int64_inputs({bound.spec()!r}, {tupled})",
             f"if {got} <= {INT64_MAX}:",
             f"    return {fast}(*{args})"]
    if exact is not None:
        lines.append(f"return {exact}({', '.join(r.params)})")
        note = f"ints exact: {fast} when they fit int64, else {exact} (Python ints)"
    else:
        lines.append(f"raise OverflowError({overflow_message(r.name, target.name)!r})")
        note = f"ints checked: {fast} when they fit int64, else OverflowError"
    return replace(r, lines=lines, decorator="", note=note)


def overflow_message(name: str, target: str) -> str:
    return (f"{name}: on these inputs an int intermediate can exceed int64 (2**63 - 1); the "
            f"{target} code computes in int64 and would wrap, while the Python source computes "
            f"exactly (the numpy target computes such inputs with Python ints)")


def llvm_refusal(functions: list[Function]) -> str | None:
    """Why the llvm target cannot compile functions lifted from Python exactly, or None: it
    computes in int64 without a call-time check, so every int intermediate must fit int64 for
    every int64 input."""
    from tensflo.ir.tensir.magnitude import int64_for_int64_inputs

    for fn in functions:
        bound = magnitude_bound(fn)
        if bound.has_ints and not int64_for_int64_inputs(bound):
            return (f"{fn.name} is lifted from Python, whose ints never overflow, and an int "
                    f"intermediate can exceed int64 for int64 inputs; the llvm target computes "
                    f"in int64 without a check (use numpy for exact ints, or torch, jax, mlx, "
                    f"which raise OverflowError)")
    return None


def source_lang_options(target: object, path: str) -> dict[str, str]:
    """The keyword `emit` needs for functions lifted from the file `path`: `source_lang` for a
    Python source (`.py`) when the target takes it, else none. For callers that re-emit lifted
    functions from their TensIR (a module of several functions, batch output)."""
    if path.endswith(".py") and takes_source_lang(getattr(target, "emit", None)):
        return {"source_lang": "python"}
    return {}


def takes_source_lang(emit: Callable[..., Any] | None) -> bool:
    """Whether a target's `emit` takes `source_lang` (the language the functions were lifted
    from), which the Python-module targets and llvm do."""
    if emit is None:
        return False
    try:
        return "source_lang" in inspect.signature(emit).parameters
    except (TypeError, ValueError):
        return False


__all__ = ["INT_POLICIES", "ExactNumpyTarget", "always_exceeds", "guard_functions", "int_policy", "llvm_refusal",
           "overflow_message", "source_lang_options", "takes_source_lang"]
