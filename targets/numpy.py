"""The NumPy target: a TensIR function becomes a vectorized NumPy function of the same signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.tensir import Function, Var, cnum
from tensflo.plugins.hookspecs import hookimpl

from . import recurrence_numpy, recurrence_runtime, update_runtime
from .array_ops import array_entries
from .pyexpr import PyTable
from .pymodule import ModuleExecutable, PythonTarget

RENDER: PyTable = array_entries("np")
"""Every op as NumPy code; the other array targets derive their tables from the same entries."""


@dataclass(frozen=True)
class NumpyExecutable(ModuleExecutable):
    """A generated numpy function run in this process."""


@dataclass(frozen=True)
class NumpyTarget(PythonTarget):
    """Vectorized NumPy code; the reference target that every other target is compared with."""

    name: ClassVar[str] = "numpy"
    description: ClassVar[str] = "NumPy array code (vectorized Python)"
    title: ClassVar[str] = "NumPy"
    executable_class: ClassVar[type[ModuleExecutable]] = NumpyExecutable
    framework: ClassVar[str] = "numpy"
    runtime: ClassVar[tuple[ModuleType, ...]] = (  # the oracle's own code
        cnum, update_runtime, recurrence_numpy, recurrence_runtime)
    xp: ClassVar[str] = "np"
    namespace: ClassVar[frozenset[str]] = frozenset({"np"})
    tensor_param: ClassVar[str] = "np.asarray({x}, dtype={d})"
    scalar_param: ClassVar[str] = "{d}({x})"
    dtypes: ClassVar[Mapping[str, str]] = {"int": "np.int64", "float": "np.float64", "bool": "np.bool_"}
    table: ClassVar[PyTable] = RENDER

    def to_target(self, fn: Function, p: Var, buffer: str) -> Callable[[Any], Any]:
        if not p.type.rank:
            return lambda a: a
        return lambda a: np.asarray(a, dtype=buffer)


@hookimpl
def tensflo_register_targets() -> list:
    return [NumpyTarget()]
