"""`tensflo bench` of a C (or C++ pointer) function: the llvm drop-in against the original.

The original is compiled by gcc (g++ for C++) `-O3 -march=native` into a shared library; the
drop-in is the one `tensflo compile --target llvm --emit so` writes. Both are called through
ctypes with the same NumPy buffers (one per pointer parameter, disjoint, of the C element type),
so the per-call cost of ctypes is in both times. Before each call the arrays the function writes
are refilled from the inputs (untimed), so an in-place update always starts from the same values.

Before timing, one call of each on fresh copies must agree: the return value and every written
array, ints exactly, floats within a tolerance for the C element type (`agree`); the largest
error is reported. A drop-in that disagrees is not timed. Other targets run the lifted TensIR
program (as for C++ and Python sources) when the function writes through no pointer.
"""

from __future__ import annotations

import ctypes
import functools
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tensflo.ir.lifting.float_inputs import scale_of
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Function, Term, print_term
from tensflo.plugins.errors import UsageError

from .bench_inputs import NoInputs, large_inputs, plan_inputs

CTYPES: dict[str, Any] = {
    "int": ctypes.c_int, "long": ctypes.c_long, "long long": ctypes.c_longlong,
    "float": ctypes.c_float, "double": ctypes.c_double, "_Bool": ctypes.c_bool,
    "bool": ctypes.c_bool, "unsigned int": ctypes.c_uint, "unsigned long": ctypes.c_ulong,
    "unsigned long long": ctypes.c_ulonglong,
}
"""ctypes of the C scalar types a drop-in reads."""
FLAGS = ("-O3", "-march=native")
"""Flags of the original's build (besides -shared -fPIC)."""
TOLERANCE = {"float32": (1e-4, 1e-6), "float64": (1e-9, 1e-9)}
"""Per float dtype (relative, absolute x the input's magnitude) of `agree`: float32 sums in the
C's order and a drop-in's order differ by rounding of about 2^-24 per step."""
DROPIN = "llvm drop-in"


def is_dropin_source(path: str, fn: L.Function) -> bool:
    """Whether `bench` times `fn` as a drop-in: a C source, or a C++ function with pointers."""
    return path.endswith((".c", ".h")) or any(p.pointer for p in fn.params)


def agree(want: Any, got: Any, dtype: str, scale: float) -> tuple[bool, float]:
    """(whether `got` equals `want` within the tolerance of `dtype`, the largest error relative
    to max(1, |want|))."""
    a, b = np.asarray(want), np.asarray(got)
    if a.shape != b.shape:
        return False, float("inf")
    if dtype not in TOLERANCE:
        return bool(np.array_equal(a, b)), 0.0 if np.array_equal(a, b) else float("inf")
    a, b = a.astype(np.float64), b.astype(np.float64)
    rtol, atol = TOLERANCE[dtype]
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
        ok = np.where(nan_a | nan_b, nan_a & nan_b,
                      (a == b) | (diff <= rtol * np.maximum(np.abs(a), np.abs(b)) + atol * scale))
        rel = np.where((nan_a & nan_b) | (a == b), 0.0, diff / np.maximum(1.0, np.abs(a)))
    return bool(ok.all()), float(np.nan_to_num(rel, nan=np.inf).max(initial=0.0))


def _build_original(path: str, lang: str, out: Path) -> None:
    cc = ["gcc", "-x", "c", "-std=c11"] if lang == "c" else ["g++", "-x", "c++", "-std=c++17"]
    done = subprocess.run([*cc, *FLAGS, "-shared", "-fPIC", "-o", str(out), path, "-lm"],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise UsageError(f"{path}: {cc[0]} could not build the original: "
                         f"{done.stderr.strip()[-500:]}")


class _Caller:
    """One shared library's function, with buffers refilled from the inputs before each call."""

    def __init__(self, lib: ctypes.CDLL, symbol: str, sig: Any, written: Sequence[str]) -> None:
        self.fn = getattr(lib, symbol)
        self.fn.argtypes = [ctypes.c_void_p if p.pointer else CTYPES[p.ctype] for p in sig.params]
        self.fn.restype = None if sig.result is None else CTYPES[sig.result.ctype]
        self.params, self.written = sig.params, tuple(written)

    def bind(self, inputs: dict[str, Any]) -> Callable[[], list[Any]]:
        """Fresh buffers for `inputs`; the returned setup refills the written ones and gives the
        arguments."""
        work = {p.name: np.array(inputs[p.name]) for p in self.params if p.pointer}
        args = [work[p.name].ctypes.data if p.pointer else inputs[p.name] for p in self.params]
        self.work = work

        def setup() -> list[Any]:
            for name in self.written:
                np.copyto(work[name], inputs[name])
            return args

        return setup

    def outputs(self, result: Any) -> dict[str, Any]:
        out = {n: self.work[n].copy() for n in self.written}
        if result is not None:
            out["return"] = result
        return out


def bench_dropin(path: str, module: L.Module, fn: L.Function, result: Any, registry: Any,
                 opts: Any, report: Any) -> Any:
    """Fill `report` (a `bench.BenchReport`) for the C function `fn` (see the module doc)."""
    from tensflo.plugins.c_family import clang_flags, function_signature, language_of
    from tensflo.targets.llvm.dropin import DTYPES

    from .bench import Measurement, runnable_targets, time_calls, time_target
    from .dropin_emit import emit_dropin, mangled_name

    lang = "c" if path.endswith((".c", ".h")) else "c++"
    flags = clang_flags(language_of(path) if lang == "c" else "c++")
    sig = function_signature(path, fn.name, flags)
    for p in (*sig.params, *([sig.result] if sig.result else [])):
        if p.ctype not in CTYPES or (p.pointer and p.ctype not in DTYPES):
            raise UsageError(f"{path}: {fn.name}: {p.name} has C type {p.ctype}"
                             f"{' (pointed to)' if p.pointer else ''}, which bench does not pass")
    written = list(result.written)
    programs: list[Term] = [t for _, t in result.output_programs] or [result.program]
    report.baseline = f"{'gcc' if lang == 'c' else 'g++'} {' '.join(FLAGS)}"
    if result.output_programs:
        report.tensir = "; ".join(f"{n} = {print_term(t)}" for n, t in result.output_programs)
    dtype = {p.name: DTYPES[p.ctype] for p in sig.params if p.pointer}
    out_dtype = {**{n: dtype[n] for n in written},
                 **({"return": DTYPES.get(sig.result.ctype, "int64")} if sig.result else {})}
    try:
        plan = plan_inputs(module, fn, result.precondition, seed=opts.seed)
    except NoInputs as e:
        raise UsageError(f"{path}: cannot build benchmark inputs: {e}") from None
    say = opts.progress or (lambda _msg: None)
    targets = runnable_targets(registry, opts.targets)
    with tempfile.TemporaryDirectory(prefix="tensflo-bench-") as tmp:
        orig_so, drop_so = Path(tmp) / "original.so", Path(tmp) / "dropin.so"
        say(f"building {fn.name}: the original and the drop-in")
        _build_original(path, lang, orig_so)
        emit_dropin([result], path, "so", str(drop_so), registry, ())
        symbol = mangled_name(path, fn.name, flags) or fn.name
        original = _Caller(ctypes.CDLL(str(orig_so)), symbol, sig, written)
        dropin = _Caller(ctypes.CDLL(str(drop_so)), symbol, sig, written)
        tfn = Function(fn.name, result.params, result.program) if result.program is not None \
            and not written else None
        executables: dict[str, Any] = {}
        for elements in opts.sizes:
            try:
                arrays = large_inputs(plan, programs, result.precondition, elements, seed=opts.seed)
            except NoInputs as e:
                report.rows.append(Measurement(report.baseline, elements, error=str(e)))
                continue
            inputs = {p.name: np.ascontiguousarray(arrays[p.name], dtype=dtype[p.name])
                      if p.pointer else arrays[p.name] for p in sig.params}
            report.inputs[elements] = plan.describe(arrays)
            report.working_set[elements] = sum(int(v.nbytes) for v in inputs.values()
                                               if isinstance(v, np.ndarray))
            say(f"{fn.name} at {elements:.0e}: {report.baseline}")
            setup = original.bind(inputs)
            want = original.outputs(original.fn(*setup()))
            timing, _ = time_calls(lambda a: original.fn(*a), opts.warmup, opts.repeats,
                                   opts.max_seconds, setup)
            report.rows.append(Measurement(report.baseline, elements, timing))
            scale = scale_of(inputs, np.concatenate(
                [np.ravel(np.asarray(v, dtype=np.float64)) for v in want.values()]
                or [np.zeros(1)]))
            for tname, target, why in targets:
                if target is None:
                    report.rows.append(Measurement(tname, elements, error=why))
                    continue
                say(f"{fn.name} at {elements:.0e}: {tname}")
                if tname == "llvm":
                    setup = dropin.bind(inputs)
                    got = dropin.outputs(dropin.fn(*setup()))
                    checks = [agree(want[k], got[k], out_dtype[k], scale) for k in want]
                    same = all(ok for ok, _ in checks)
                    worst = max((e for _, e in checks), default=0.0)
                    timed = time_calls(lambda a: dropin.fn(*a), opts.warmup, opts.repeats,
                                       opts.max_seconds, setup)[0] if same else None
                    report.rows.append(Measurement(DROPIN, elements, timed, agrees=same,
                                                   largest_error=worst))
                elif tfn is None:
                    report.rows.append(Measurement(tname, elements, error=(
                        "writes through pointers: timed only as the llvm drop-in")))
                else:
                    dtypes = {p.name: dtype[p.name] for p in sig.params if p.pointer}
                    dtypes["return"] = out_dtype["return"]
                    targs = [inputs[p.name] for p in tfn.params]
                    compare = functools.partial(agree, dtype=out_dtype["return"], scale=scale)
                    report.rows.append(time_target(tname, target, tfn, dtypes, executables, targs,
                                                   want["return"], elements, opts, scale, compare))
    return report


__all__ = ["CTYPES", "agree", "bench_dropin", "is_dropin_source"]
