"""The facts about TensIR ops that the lifting rules rely on (loop-IR operators and builtins come
from `tensflo.ir.loop.ops`).

Every module of the package reads them from here, so each has one place to be derived from the
TensIR op table.
"""

from __future__ import annotations

REDUCTION_KINDS = ("add", "mul", "max", "min")
"""Binary ops a scalar loop update may accumulate with, in the order they are tried."""

REDUCTION_UNITS: dict[str, int] = {"add": 0, "mul": 1}
"""The unit of each accumulation that has one (an unchanged branch of a conditional update)."""

REDUCE_OPS: dict[str, str] = {"add": "reduce_sum", "mul": "reduce_mul", "max": "reduce_max"}
"""The TensIR reduction of a vector by each accumulation (`min` is `-reduce_max(-v)`)."""

ORDERINGS = ("lt", "le", "gt", "ge")
"""Comparisons a `max`/`min` written as a select may use."""

LESS = ("lt", "le")
"""Of those, the ones that say "less than"."""

VECTOR_ALGEBRA = ("add", "sub", "mul", "div")
"""Scalar ops that have elementwise and broadcast vector forms (`ELEMWISE`, `BROADCAST`)."""

COMMUTATIVE = ("add", "mul")
"""Of those, the ones whose scalar operand may come first without a scalar-first form."""

BOUND_ARGS: dict[str, int] = {"slice": 2, "col_slice": 2, "take": 1}
"""Ops with an argument that is a length bound (a loop bound in a lifted program), and where."""

BOUND_OFFSETS = ("add", "sub")
"""Ops by which a bound argument may be offset from the loop bound (`hi + c`, `hi - c`)."""

OPAQUE_TO_BOUNDS = ("len",)
"""Ops whose arguments are never rewritten when a loop bound is replaced."""

INDEXED_ARGS: dict[str, int] = {"index": 0}
"""Ops with an argument that is indexed into: never rewritten when a loop bound is replaced (a
whole vector there is not the slice the bound stands for)."""
