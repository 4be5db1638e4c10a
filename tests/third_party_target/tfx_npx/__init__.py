"""The `npx` target: NumPy code whose reductions are written as ufunc reductions.

A third-party target with its own per-op table, derived from tensflo's array entries by dict merge:
nothing in tensflo is edited to add it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tensflo.plugins.hookspecs import hookimpl
from tensflo.targets.array_ops import array_entries
from tensflo.targets.numpy import NumpyTarget
from tensflo.targets.optable import UNSUPPORTED
from tensflo.targets.pyexpr import PyTable, call

RENDER: PyTable = {
    **array_entries("np"),
    "reduce_sum": call("np.add.reduce", 1),
    "reduce_mul": call("np.multiply.reduce", 1),
    "reduce_max": call("np.maximum.reduce", 1),
    "tensor3d_elemwise_add": UNSUPPORTED,
}


@dataclass(frozen=True)
class NpxTarget(NumpyTarget):
    """NumPy code with ufunc reductions; refuses 3-D tensors."""

    name: ClassVar[str] = "npx"
    description: ClassVar[str] = "NumPy code with ufunc reductions (a third-party target)"
    title: ClassVar[str] = "npx"
    table: ClassVar[PyTable] = RENDER
    module_template: ClassVar[str] = "numpy_module.py.j2"


@hookimpl
def tensflo_register_targets() -> list[object]:
    return [NpxTarget()]
