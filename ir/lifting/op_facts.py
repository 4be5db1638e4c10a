"""The facts about TensIR ops that the lifting rules rely on, derived from the built-in op table
(`OpDef.reduction`, `ordering`, `slicing`, `commutative`); loop-IR operators and builtins come from
`tensflo.ir.loop.ops`. The rest are heuristics of the lifting rules themselves, not op facts.
"""

from __future__ import annotations

from tensflo.ir.tensir import OPS
from tensflo.ir.tensir.ops import BROADCAST

REDUCE_OPS: dict[str, str] = {op.reduction.step: op.name for op in OPS if op.reduction}
"""The TensIR reduction of a vector by each accumulation (`min` is `-reduce_max(-v)`)."""

REDUCTION_KINDS: tuple[str, ...] = (*REDUCE_OPS, "min")
"""Binary ops a scalar loop update may accumulate with, in the order they are tried."""

REDUCTION_UNITS: dict[str, int] = {
    op.reduction.step: op.reduction.identity for op in OPS
    if op.reduction and op.reduction.identity is not None}
"""The unit of each accumulation that has one (an unchanged branch of a conditional update)."""

ORDERINGS: tuple[str, ...] = tuple(op.name for op in OPS if op.ordering)
"""Comparisons a `max`/`min` written as a select may use."""

LESS: tuple[str, ...] = tuple(op.name for op in OPS if op.ordering and op.ordering.less)
"""Of those, the ones that say "less than"."""

VECTOR_ALGEBRA: tuple[str, ...] = tuple(dict.fromkeys(kernel for kernel, *_ in BROADCAST))
"""Scalar ops that have elementwise and broadcast vector forms (`ELEMWISE`, `BROADCAST`)."""

COMMUTATIVE: tuple[str, ...] = tuple(name for name in VECTOR_ALGEBRA if OPS[name].commutative)
"""Of those, the ones whose scalar operand may come first without a scalar-first form."""

BOUND_ARGS: dict[str, int] = {
    op.name: op.slicing.hi for op in OPS if op.slicing and op.slicing.hi is not None}
"""Ops with an argument that is a length bound (a loop bound in a lifted program), and where."""

BOUND_OFFSETS = ("add", "sub")
"""Ops by which a bound argument may be offset from the loop bound (`hi + c`, `hi - c`)."""

OPAQUE_TO_BOUNDS = ("len",)
"""Ops whose arguments are never rewritten when a loop bound is replaced."""

INDEXED_ARGS: dict[str, int] = {"index": 0}
"""Ops with an argument that is indexed into: never rewritten when a loop bound is replaced (a
whole vector there is not the slice the bound stands for)."""
