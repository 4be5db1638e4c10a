"""Random inputs for a source function, inside its domain, and differential checks against it.

Inputs are drawn with one shared length per draw (vectors of that length, matrices of that many
rows and columns, sizes up to it), so loop bounds and vector lengths usually fit together; values
include negatives and zero. Int values are whole numbers; float values start from whole numbers
and are varied by `float_inputs` (fractions, values near zero, negative zero, large and small
magnitudes), and compared with its tolerance. A draw is kept only if it satisfies the lifted precondition and the
reference interpreter runs it without undefined behaviour, so every kept input is one where the
source has a defined result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tensflo.ir.loop import Interpreter, StepLimit, Undefined
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import DomainError, Term, evaluate
from tensflo.ir.tensir.types import TensorType

from .float_inputs import close, float_stream, ordered_kinds, scale_of, style_of, vary

MAX_LEN = 8


@dataclass(frozen=True)
class Case:
    """One input (as lists for the source, as arrays for TensIR) and the source's output."""

    args: tuple[Any, ...]
    arrays: dict[str, Any]
    expected: Any
    floats: frozenset[str] = frozenset()
    """The kinds of float entries the input contains (`float_inputs.FLOAT_KINDS`)."""


def _value(t: TensorType, n: int, m: int, rng: np.random.Generator, wide: bool) -> np.ndarray | int | float:
    lo, hi = (-300, 300) if wide else (-20, 21)
    if t.rank == 0:
        if t.elem == "bool":
            return bool(rng.integers(2))
        if t.elem == "float":
            return float(rng.integers(lo, hi))
        # a size (0..n) half of the time, any small int otherwise
        return int(rng.integers(0, n + 1)) if rng.random() < 0.8 else int(rng.integers(-8, 9))
    shape = (n,) if t.rank == 1 else (n, m) if t.rank == 2 else (n, m, m)
    dtype = np.float64 if t.elem == "float" else np.int64
    return rng.integers(lo, hi, size=shape).astype(dtype)


def _as_list(v: Any) -> Any:
    return v.tolist() if isinstance(v, np.ndarray) else v


def draw_cases(function: L.Function, module: L.Module, requires: Sequence[Term], count: int,
               seed: int = 0, max_len: int = MAX_LEN, tries: int | None = None) -> list[Case]:
    """Up to `count` inputs inside the domain (fewer if the domain is hard to hit)."""
    rng = np.random.default_rng(seed)
    frng = float_stream(seed)
    interp = Interpreter(module, steps=200_000)
    cases: list[Case] = []
    tries = tries if tries is not None else count * 30
    for attempt in range(tries):
        if len(cases) >= count:
            break
        n = int(rng.integers(0, max_len + 1))
        m = int(rng.integers(0, max_len + 1)) if rng.random() < 0.5 else n
        wide = attempt % 4 == 3
        arrays: dict[str, Any] = {}
        kinds: set[str] = set()
        for p in function.params:
            extra = int(rng.integers(0, 3)) if p.type.rank and rng.random() < 0.3 else 0
            arrays[p.name] = _value(p.type, n + extra, m, rng, wide)
            if p.type.elem == "float":
                values, found = vary(np.asarray(arrays[p.name]), frng, style_of(attempt))
                arrays[p.name] = values if p.type.rank else float(values)
                kinds |= found
        case = case_in_domain(interp, function, requires, arrays)
        if case is not None:
            cases.append(replace(case, floats=frozenset(kinds)))
    return cases


def case_in_domain(interp: Interpreter, function: L.Function, requires: Sequence[Term],
                   arrays: dict[str, Any]) -> Case | None:
    """The input `arrays` (by parameter name) with the source's output, if it satisfies the
    precondition and the source is defined on it."""
    if not all(holds(r, arrays) for r in requires):
        return None
    args = tuple(_as_list(arrays[p.name]) for p in function.params)
    try:
        expected = interp.run(function, args)
    except (Undefined, StepLimit, RecursionError, ArithmeticError):
        return None
    return Case(args, arrays, expected)


def holds(cond: Term, arrays: dict[str, Any]) -> bool:
    try:
        return bool(evaluate(cond, arrays))
    except (DomainError, KeyError, IndexError, ValueError):
        return False


def float_kinds(cases: Sequence[Case]) -> list[str]:
    """The kinds of float entries the inputs contain together, in the order of `FLOAT_KINDS`."""
    return ordered_kinds({k for c in cases for k in c.floats})


def same(expected: Any, got: Any, scale: float | None = None) -> bool:
    """The source's value (int/float/list) equals a TensIR value (NumPy scalar or array); floats
    within the tolerance of `float_inputs` for an input of magnitude `scale` (by default the
    magnitude of `expected`)."""
    if scale is None:
        scale = scale_of({}, expected)
    if isinstance(got, np.ndarray):
        got = got.tolist()
    elif isinstance(got, np.generic):
        got = got.item()
    if isinstance(expected, list) or isinstance(got, list):
        if not (isinstance(expected, list) and isinstance(got, list)):
            return False
        return len(expected) == len(got) and all(same(a, b, scale)
                                                 for a, b in zip(expected, got, strict=True))
    if isinstance(expected, float) or isinstance(got, float):
        return close(float(expected), float(got), scale)
    return bool(expected == got)


def first_mismatch(program: Term, cases: Sequence[Case]) -> tuple[Case, Any] | None:
    """The first case where the TensIR program disagrees with the source (or fails), if any."""
    for case in cases:
        try:
            got = evaluate(program, case.arrays)
        except (DomainError, ValueError, IndexError) as e:
            return case, f"{type(e).__name__}: {e}"
        if not same(case.expected, got, scale_of(case.arrays, case.expected)):
            return case, got
    return None
