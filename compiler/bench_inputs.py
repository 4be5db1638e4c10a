"""Large inputs for benchmarks, scaled from a shape pattern found on small inputs.

A function's inputs are described by two lengths: `n` (vector lengths and matrix rows) and `m`
(matrix columns). Each int parameter follows a *rule*: a length (`n`, `m`, `n-1`, `n/2`, `m/2`) or
a small constant. Rules are chosen on small inputs, where the reference interpreter can run the
source: among the rule choices whose inputs satisfy the lifted precondition and on which the source
is defined, the one that makes the source do the most work wins. The benchmark then applies the
same rules at full size, with values drawn from a range narrow enough that no intermediate value
of the TensIR program leaves the source's integer type (a C++ `int`). Float entries are those
whole numbers varied as in the quick check's `mixed` draws (`tensflo.ir.lifting.float_inputs`:
fractions, values near zero, negative zero).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tensflo.ir.lifting.float_inputs import float_stream, vary
from tensflo.ir.lifting.inputs import case_in_domain, holds
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import DomainError, Term, evaluate

RULES: dict[str, Any] = {
    "n": lambda n, m: n, "m": lambda n, m: m, "n-1": lambda n, m: n - 1,
    "n/2": lambda n, m: n // 2, "m/2": lambda n, m: m // 2,
    "0": lambda n, m: 0, "1": lambda n, m: 1, "2": lambda n, m: 2, "3": lambda n, m: 3,
    "17": lambda n, m: 17, "-5": lambda n, m: -5,
}
"""How an int parameter follows the input lengths."""

INT32 = 2**31 - 1
SMALL = (12, 10)
"""Lengths (n, m) of the small inputs rules are chosen on (different, so `n` and `m` are told apart)."""


class NoInputs(ValueError):
    """No rule choice gives inputs inside the function's domain."""


@dataclass(frozen=True)
class InputPlan:
    """Int parameters' rules; build inputs of any size with `inputs`."""

    function: L.Function
    rules: dict[str, str]

    def lengths(self, elements: int) -> tuple[int, int]:
        """(n, m) with about `elements` entries in the largest parameter."""
        if any(p.type.rank >= 2 for p in self.function.params):
            side = max(1, round(math.sqrt(elements)))
            return side, side
        return max(1, int(elements)), max(1, int(elements))

    def arrays(self, n: int, m: int, bound: int, rng: np.random.Generator,
               floats: np.random.Generator | None = None) -> dict[str, Any]:
        """Inputs of lengths (n, m), entries in [-bound, bound]; float entries varied from
        `floats` (`float_stream`) when given, whole numbers otherwise."""
        out: dict[str, Any] = {}
        for p in self.function.params:
            t = p.type
            if t.rank == 0 and t.elem != "float":
                out[p.name] = int(RULES[self.rules[p.name]](n, m)) if t.elem == "int" else True
                continue
            shape = (n,) if t.rank == 1 else (n, m) if t.rank == 2 else (n, m, m)
            values = (np.asarray(float(rng.integers(-bound, bound + 1))) if t.rank == 0
                      else rng.integers(-bound, bound + 1, size=shape))
            if t.elem == "float" and floats is not None:
                values = vary(values, floats, "mixed")[0]
            values = values.astype(np.float64 if t.elem == "float" else np.int64)
            out[p.name] = float(values) if t.rank == 0 else values
        return out

    def describe(self, arrays: dict[str, Any]) -> str:
        parts = []
        for p in self.function.params:
            v = arrays[p.name]
            parts.append(f"{p.name}={'x'.join(map(str, np.shape(v)))}" if np.ndim(v) else f"{p.name}={v}")
        return ", ".join(parts)


def plan_inputs(module: L.Module, fn: L.Function, requires: Sequence[Term], *, seed: int = 0,
                limit: int = 400) -> InputPlan:
    """The rules under which the source does the most work on small inputs (see the module doc)."""
    ints = [p.name for p in fn.params if p.type.rank == 0 and p.type.elem == "int"]
    choices = list(itertools.product(RULES, repeat=len(ints)))
    rng = np.random.default_rng(seed)
    if len(choices) > limit:
        picks = rng.choice(len(choices), size=limit, replace=False)
        choices = [choices[0], *(choices[i] for i in sorted(picks) if i)]
    interp = Interpreter(module, steps=2_000_000)
    best: tuple[int, InputPlan] | None = None
    for choice in choices:
        plan = InputPlan(fn, dict(zip(ints, choice, strict=True)))
        arrays = plan.arrays(*SMALL, 20, np.random.default_rng(seed), float_stream(seed))
        if case_in_domain(interp, fn, requires, arrays) is None:
            continue
        if best is None or interp.used > best[0]:
            best = (interp.used, plan)
    if best is None:
        raise NoInputs(f"no inputs of lengths {SMALL} satisfy the domain of {fn.name}")
    return best[1]


def fits(program: Term, arrays: dict[str, Any], limit: int = INT32) -> bool:
    """Whether every int value the program computes on `arrays` lies within +-limit."""
    worst = 0

    def observe(_app: Any, value: Any) -> None:
        nonlocal worst
        arr = np.asarray(value)
        if arr.size and arr.dtype.kind in "iu":
            worst = max(worst, int(np.abs(arr).max()))

    try:
        evaluate(program, arrays, observe)
    except (DomainError, ValueError, IndexError):
        return False
    return worst <= limit and all(
        np.abs(np.asarray(v)).max(initial=0) <= limit for v in arrays.values()
        if np.asarray(v).dtype.kind in "iu")


def large_inputs(plan: InputPlan, program: Term | Sequence[Term], requires: Sequence[Term],
                 elements: int, *, seed: int = 0, bound: int = 255) -> dict[str, Any]:
    """Inputs with about `elements` entries in the largest parameter, inside the precondition,
    with values in [-bound, bound] narrowed until no intermediate int of the program (or of
    each program: the outputs of a C function) leaves a C++ `int`."""
    programs = [program] if isinstance(program, Term) else list(program)
    n, m = plan.lengths(elements)
    while True:
        arrays = plan.arrays(n, m, bound, np.random.default_rng(seed), float_stream(seed))
        ok = all(holds(r, arrays) for r in requires)
        if not ok:
            raise NoInputs(f"inputs of lengths {n}x{m} do not satisfy the precondition of "
                           f"{plan.function.name}")
        if all(fits(p, arrays) for p in programs):
            return arrays
        if bound <= 1:
            raise NoInputs(f"{plan.function.name}: intermediate values leave a 32-bit int even "
                           f"with entries in [-1, 1] at lengths {n}x{m}")
        bound //= 4

