"""Differential checks: generated code against the original source, run for real.

For C++ over `std::vector` the original is compiled with `g++ -O3` (`native.run_native`); C, and
C++ over pointers, with `gcc -O2` / `g++ -O2` (`native_c`: the return value and every pointer
argument after the call are compared, floats within single-precision rounding scaled to the number
of terms and the values' magnitude); for Python the original function is executed by CPython. Both run on the same random inputs inside the lifted program's
precondition (`inputs.draw_cases`), and the generated module is imported and called on them.
Floats are compared with the quick check's tolerance for each input's magnitude
(`float_inputs.scale_of`); the largest difference seen is reported.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensflo.ir.lifting.float_inputs import largest_error, scale_of
from tensflo.ir.lifting.inputs import Case, draw_cases, same
from tensflo.ir.loop import nodes as L
from tensflo.plugins.c_family import CSignature

from .native import NativeError, run_native
from .native_c import COutcome, c_view, compile_c, run_c, values_close


@dataclass
class DiffReport:
    """How many inputs were run and where the generated code disagreed with the original."""

    cases: int
    failures: list[str] = field(default_factory=list)
    largest_error: float = 0.0
    """The largest absolute difference between a float of the original's output and the
    generated code's, over the inputs where they agree within the tolerance."""
    largest_relative_error: float = 0.0
    """The largest `|a - b| / max(|a|, |b|)` over the same floats (0 where both are 0)."""
    precision_only: list[str] = field(default_factory=list)
    """C `float` code: inputs where the original differs from the generated code but the same C
    code computed in double precision agrees with it (an underflow or overflow of single
    precision, `arithmetic: real`): reported, not counted as failures."""

    @property
    def ok(self) -> bool:
        return not self.failures


def load_module(code: str, name: str) -> Any:
    """Import generated code as a module (written to a temporary file, so tracebacks show it)."""
    fd, path = tempfile.mkstemp(suffix=".py", prefix=f"tensflo_{name}_")
    with os.fdopen(fd, "w") as f:
        f.write(code)
    spec = importlib.util.spec_from_file_location(f"tensflo_generated_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def original_outputs(path: str, fn: L.Function, cases: Sequence[Case],
                     cache_dir: str | None = None) -> list[Any]:
    """The original function's results: g++ -O3 for C++, CPython for Python."""
    if fn.lang == "cpp":
        return run_native(path, fn.name, [str(p.type) for p in fn.params], str(fn.result),
                          [list(c.args) for c in cases], cache_dir=cache_dir)
    spec = importlib.util.spec_from_file_location(f"tensflo_original_{fn.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    original: Callable[..., Any] = getattr(module, fn.name)
    import copy

    return [original(*copy.deepcopy(list(c.args))) for c in cases]


def uses_c_harness(path: str, fn: L.Function) -> bool:
    """Whether the original runs in the C harness (`native_c`): a C file, or a C++ function with
    pointer parameters, no result, or floats (scalars or vectors); other C++ functions (over
    `std::vector<int>`) run in `native`'s."""
    return fn.lang == "cpp" and (os.path.splitext(path)[1] in (".c", ".h") or fn.result is None
                                 or any(p.pointer for p in fn.params)
                                 or any(t.elem == "float" and t.rank <= 1
                                        for t in (*(p.type for p in fn.params), fn.result)
                                        if t is not None))


def differential_check(path: str, module: L.Module, fn: L.Function, code: str, requires: Sequence[Any],
                       count: int = 100, seed: int = 1, cache_dir: str | None = None) -> DiffReport:
    """Run the original and the generated function on `count` random inputs; compare."""
    cases = draw_cases(fn, module, requires, count, seed=seed)
    generated = getattr(load_module(code, fn.name), fn.name)
    if uses_c_harness(path, fn):
        return c_differential(path, fn.name, generated, [list(c.args) for c in cases], cache_dir)
    expected = original_outputs(path, fn, cases, cache_dir)
    report = DiffReport(len(cases))
    for case, want in zip(cases, expected, strict=True):
        try:
            got = generated(*case.args)
        except Exception as e:  # a crash of generated code is a failure to report, not to raise
            report.failures.append(f"{fn.name}{case.args}: generated code raised {type(e).__name__}: {e}")
            continue
        scale = scale_of(case.arrays, want)
        if not same_value(want, got, scale):
            report.failures.append(f"{fn.name}{case.args}: original {want}, generated {got}")
        elif not same_value(want, case.expected, scale):
            report.failures.append(f"{fn.name}{case.args}: original {want}, interpreter {case.expected}")
        else:
            pairs = zip(want, got, strict=True) if isinstance(want, tuple) else [(want, got)]
            for w, g in pairs:
                report.largest_error = max(report.largest_error, largest_error(w, g))
                report.largest_relative_error = max(report.largest_relative_error,
                                                    relative_error(w, g))
    return report


def check_compiled(path: str, result: Any, registry: Any, count: int = 100, seed: int = 1,
                   cache_dir: str | None = None) -> DiffReport:
    """`differential_check` for a lifted `CompileResult` of the file at `path`."""
    from .pipeline import read_module

    module = read_module(path, registry)
    fn = module.function(result.function)
    assert fn is not None and result.code is not None
    return differential_check(path, module, fn, result.code, result.precondition, count=count,
                              seed=seed, cache_dir=cache_dir)


def c_differential(path: str, function: str, generated: Callable[..., Any],
                   inputs: Sequence[Sequence[Any]], cache_dir: str | None = None,
                   flags: Sequence[str] = ()) -> DiffReport:
    """The C function (gcc -O2, `native_c`) against `generated` on each argument list: the return
    value and every pointer argument after the call (`generated` gets each pointer as a NumPy
    array, float64 or int64, and updates written ones in place); floats within `single_close`.
    Both sides get the arguments as the C types hold them (`native_c.c_view`: a `float` rounded,
    an `unsigned char` wrapped into 0..255)."""
    program = compile_c(path, function, cache_dir=cache_dir, flags=flags)
    sig = program.signature
    inputs = [c_view(sig, args) for args in inputs]
    outcomes = program.run(inputs)
    report = DiffReport(len(outcomes))
    suspects: list[tuple[int, str, Any, list[Any], float, int]] = []
    for k, (args, want) in enumerate(zip(inputs, outcomes, strict=True)):
        given = [np.array(a, dtype=np.float64 if p.floating else np.int64) if p.pointer else a
                 for p, a in zip(sig.params, args, strict=True)]
        floats = [abs(float(x)) for p, a in zip(sig.params, args, strict=True) if p.floating
                  for x in (a if p.pointer or p.vector else [a]) if np.isfinite(x)]
        scale = max(floats, default=0.0)
        terms = 1 + sum(len(a) for p, a in zip(sig.params, args, strict=True)
                        if p.pointer or p.vector)
        shown = f"{function}{tuple(args)}"
        try:
            got = generated(*given)
        except Exception as e:  # a crash of generated code is a failure to report, not to raise
            report.failures.append(f"{shown}: generated code raised {type(e).__name__}: {e}")
            continue
        bad, pairs = _compare(sig, want, got, given, scale, terms)
        if bad and _has_floats(sig):
            suspects.append((k, f"{shown}: " + "; ".join(bad), got, given, scale, terms))
        elif bad:
            report.failures.append(f"{shown}: " + "; ".join(bad))
        else:
            report.largest_error = max([report.largest_error,
                                        *(largest_error(w, g) for _, w, g, fl in pairs if fl)])
            report.largest_relative_error = max([
                report.largest_relative_error,
                *(relative_error(w, g) for _, w, g, fl in pairs if fl)])
    if suspects:
        twins: list[COutcome | None] = [None] * len(suspects)
        try:
            twins = list(run_c(path, function, [inputs[k] for k, *_ in suspects],
                               cache_dir=cache_dir, flags=flags, double=True)[1])
        except NativeError:
            pass  # the twin does not compile or crashes: the differences stay failures
        for (_, message, got, given, scale, terms), twin in zip(suspects, twins, strict=True):
            if twin is not None and not _compare(sig, twin, got, given, scale, terms)[0]:
                report.precision_only.append(message + " (the C code in double precision agrees)")
            else:
                report.failures.append(message)
    return report


def _has_floats(sig: CSignature) -> bool:
    return any(p.floating for p in (*sig.params, sig.result) if p is not None)


def _compare(sig: CSignature, want: COutcome, got: Any, given: list[Any], scale: float,
             terms: int) -> tuple[list[str], list[tuple[str, Any, Any, bool]]]:
    """What differs between the C outcome and the generated code's (the result, the arrays
    either side wrote)."""
    pairs: list[tuple[str, Any, Any, bool]] = [
        ("the result", want.result, got, sig.result.floating if sig.result else False)]
    pairs += [(p.name, want.arrays[p.name], g, p.floating)
              for p, g in zip(sig.params, given, strict=True) if p.pointer]
    bad = [f"{what}: original {w}, generated {g.tolist() if isinstance(g, np.ndarray) else g}"
           for what, w, g, fl in pairs if not values_close(w, g, scale, terms, fl)]
    return bad, pairs


def relative_error(want: Any, got: Any) -> float:
    """The largest `|a - b| / max(|a|, |b|)` between corresponding finite floats of two values of
    the same shape (0.0 when they hold none)."""
    try:
        a, b = np.asarray(want, dtype=np.float64), np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return 0.0
    if a.shape != b.shape or not a.size:
        return 0.0
    finite = np.isfinite(a) & np.isfinite(b) & ((a != 0) | (b != 0))
    size = np.maximum(np.abs(a), np.abs(b))[finite]
    return float((np.abs(a - b)[finite] / size).max(initial=0.0))


def same_value(want: Any, got: Any, scale: float) -> bool:
    """`inputs.same`, also for several results (a tuple, compared entry by entry)."""
    if isinstance(want, tuple) or isinstance(got, tuple):
        return (isinstance(want, tuple) and isinstance(got, tuple | list) and len(want) == len(got)
                and all(same_value(w, g, scale) for w, g in zip(want, got, strict=True)))
    return same(want, got, scale)
