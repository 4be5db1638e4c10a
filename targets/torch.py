"""The torch target: TensIR functions as PyTorch tensor code (CPU, eager).

Ints are int64 and floats float64 (torch defaults floats to 32 bits, so float literals carry their
dtype); scalars are 0-d tensors, because torch functions (`torch.minimum`, `torch.where`) take no
Python scalars. Integer `/` and `%` go through the `c_div` / `c_mod` helpers of `torch_runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.tensir import Function, Var
from tensflo.plugins.hookspecs import hookimpl

from . import array_runtime, recurrence_runtime, torch_runtime, update_runtime
from .array_ops import framework_entries
from .pyexpr import PyTable, Template, call
from .pymodule import ModuleExecutable, PythonTarget

RENDER: PyTable = {
    **framework_entries("torch"),
    # a 0-d int64 tensor: torch functions take no Python scalars
    "len": Template("torch.tensor(len({0}))"),
    "pow": call("torch.pow", 2),
    "to_int": Template("torch.trunc({0}).to(torch.int64)"),
    "scan_max": Template("torch.cummax({0}, dim=0).values"),
}
"""Every op as PyTorch code."""


@dataclass(frozen=True)
class TorchExecutable(ModuleExecutable):
    """A generated torch function run in this process."""


@dataclass(frozen=True)
class TorchTarget(PythonTarget):
    """PyTorch tensor code; runs eagerly on the CPU."""

    name: ClassVar[str] = "torch"
    description: ClassVar[str] = "PyTorch tensor code (CPU, eager)"
    title: ClassVar[str] = "PyTorch"
    executable_class: ClassVar[type[ModuleExecutable]] = TorchExecutable
    framework: ClassVar[str] = "torch"
    runtime: ClassVar[tuple[ModuleType, ...]] = (
        torch_runtime, array_runtime, update_runtime, recurrence_runtime)
    namespace: ClassVar[frozenset[str]] = frozenset({"torch"})
    tensor_param: ClassVar[str] = "torch.as_tensor({x}, dtype={d})"
    xp: ClassVar[str] = "torch"
    literals: ClassVar[dict[str, str]] = {
        "int": "torch.tensor({})", "float": "torch.tensor({}, dtype=torch.float64)",
        "bool": "torch.tensor({})",
    }
    dtypes: ClassVar[Mapping[str, str]] = {
        "int": "torch.int64", "float": "torch.float64", "bool": "torch.bool"}
    table: ClassVar[PyTable] = RENDER

    def to_target(self, fn: Function, p: Var, buffer: str) -> Callable[[Any], Any]:
        import torch

        return lambda a: torch.from_numpy(np.array(a, dtype=buffer))

    def to_numpy(self, result: Any) -> Any:
        return result.numpy()


@hookimpl
def tensflo_register_targets() -> list:
    return [TorchTarget()]
