"""Reductions as the source's `int` accumulators, for `int32_proofs`.

`reduce_sum(v)` (or `reduce_max(append(v, e))`) over the elements of a vector `v` equals the
value of the accumulator `s` after the source's counted loop `for (i = 0; i < n; i++) s = ...`
(its `RowFold`), by induction over `i`, when:
1. `s` starts at the fold's start (0 for a sum, `e` for an appended entry);
2. every element of `v` is an iteration, and every iteration whose reads are in range is an
   element (the loop runs exactly `len(v)` times on defined inputs);
3. each iteration sets `s` to `s + v[i]` (a sum) or to the larger of `s` and `v[i]` (max);
4. each iteration's new value of `s` is a source `int` value, or `s` unchanged.
So every value of `s`, the last included, fits in 32 bits, and so does the reduction: the llvm
target may compute it with wrapping i32 adds in any order (exact, since the true value fits).
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.tensir import App, Lambda, Term
from tensflo.ir.tensir.opdef import OpDef
from tensflo.ir.tensir.ops import MAPPERS
from tensflo.ir.tensir.ops.families import BROADCAST, ELEMWISE

from .int32_loops import first_iteration
from .int32_terms import binary, elements, scalar, valid

_STEPS = {"reduce_sum": "add", "reduce_max": "max"}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_PAIRWISE: dict[OpDef, tuple[str, bool | None]] = {
    **{op: (_SYMBOLS[k], None) for (k, rank), op in ELEMWISE.items() if rank == 1},
    **{op: (_SYMBOLS[k], first) for (k, rank, first), op in BROADCAST.items() if rank == 1}}
"""The vector ops of two operands, elementwise (None) or with a scalar (first or not): symbol."""


def vector_element(z: Any, src: Any, v: Term, i: Any) -> tuple[Any, Any] | None:
    """(element `i` of the int vector term `v`, its length) for a parameter or its slice, an
    element-wise op of two of them or of one and a scalar (`+ - * /`), or a map over them (None:
    not modelled)."""
    if isinstance(v, App) and v.op in _PAIRWISE:
        symbol, scalar_first = _PAIRWISE[v.op]
        x, y = v.args
        if not isinstance(x, Term) or not isinstance(y, Term):
            return None
        if scalar_first is None:
            a, b = elements(z, src, x, (i,)), elements(z, src, y, (i,))
            if a is None or b is None:
                return None
            value, length = binary(z, symbol, a[0], b[0]), a[1][0]
        else:
            e, k = (elements(z, src, y, (i,)), scalar(z, src, x, {})) if scalar_first else \
                (elements(z, src, x, (i,)), scalar(z, src, y, {}))
            if e is None or k is None:
                return None
            value = binary(z, symbol, k, e[0]) if scalar_first else binary(z, symbol, e[0], k)
            length = e[1][0]
        return None if value is None else (value, length)
    if isinstance(v, App) and v.op in frozenset(MAPPERS.values()) and v.type.rank == 1:
        *tensors, lam = v.args
        elems = [elements(z, src, x, (i,)) if isinstance(x, Term) else None for x in tensors]
        if not isinstance(lam, Lambda) or any(e is None for e in elems):
            return None
        local = {p: e[0] for p, e in zip(lam.params, elems, strict=True) if e is not None}
        value = scalar(z, src, lam.body, local)
        first = elems[0]
        return None if value is None or first is None else (value, first[1][0])
    found = elements(z, src, v, (i,))
    return None if found is None or len(found[1]) != 1 else (found[0], found[1][0])


def new_value_fits(z: Any, fold: Any) -> Any:
    """The accumulator's new value is unchanged or a source `int` value computed (on its path)
    in the same iteration."""
    return z.Or(fold.end == fold.sym, *[z.And(path, fold.end == value)
                                        for value, _, path in fold.facts])


def prove_steps(z: Any, fold: Any, label: str, t: Term, goals: list[tuple[str, list[Any], Any]],
                iteration: list[Any]) -> tuple[list[dict[str, Any]] | None, str]:
    """Discharge `goals` (kind, hypotheses, goal), then that each new accumulator value of `fold`
    is a source `int` (under `iteration`): (their obligations, "") when all hold, else (None, why)."""
    last = ("each new accumulator value is a source int", iteration, new_value_fits(z, fold))
    done: list[dict[str, Any]] = []
    for kind, given, goal in [*goals, last]:
        ok, secs = valid(z, given, goal)
        if not ok:
            return None, f"not proven: {kind}"
        done.append({"kind": f"{label}: {kind}", "term": str(t)[:120], "status": "unsat",
                     "seconds": round(secs, 4)})
    return done, ""


def prove_fold(z: Any, src: Any, t: Term, obligations: list[dict[str, Any]],
               failures: list[str]) -> bool:
    """Whether the scalar reduction `t` is proven equal to the source loop's accumulator (module
    docstring); appends its obligations, or why not."""
    if not (isinstance(t, App) and t.op.name in _STEPS and t.type.elem == "int"):
        return False
    fold, (x,) = src.top, t.args
    start: Any = z.IntVal(0) if t.op.name == "reduce_sum" else None
    if isinstance(x, App) and x.op.name == "append" and isinstance(x.args[1], Term):
        start = scalar(z, src, x.args[1], {})
        x = x.args[0]
    element = None if fold is None or fold.end is None or not isinstance(x, Term) else \
        vector_element(z, src, x, fold.counter)
    why = "no counted loop of the source folds into one int" if fold is None or \
        fold.end is None else "its elements are not modelled"
    if element is not None and start is not None:
        i, (g, length) = fold.counter, element
        first = first_iteration(z, fold.reads, i, fold.stop)
        iteration = [0 <= i, i < fold.stop, *fold.reads, *first]  # iteration 0 runs too
        step = fold.sym + g if t.op.name == "reduce_sum" else z.If(fold.sym >= g, fold.sym, g)
        goals = [("the accumulator starts at the fold's start", [], fold.init == start),
                 ("every element is an iteration", [0 <= i, i < length], i < fold.stop),
                 ("every iteration is an element", iteration, i < length),
                 ("each iteration applies the fold's step", iteration, fold.end == step)]
        done, why = prove_steps(z, fold, "fold", t, goals, iteration)
        if done is not None:
            obligations += done
            return True
    failures.append(f"{str(t)[:80]}: not the source's int accumulator ({why})")
    return False


__all__ = ["new_value_fits", "prove_fold", "prove_steps", "vector_element"]
