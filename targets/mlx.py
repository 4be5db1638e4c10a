"""The mlx target: TensIR functions as MLX array code (CPU).

MLX is lazy: a call builds a graph that `mx.eval` computes, which the executable's `run` does.
Ints are int64 and floats float64 on the CPU; MLX makes Python ints 32-bit and floats 32-bit, so
literals and `len` carry their dtype. `mx.matmul` takes floats only: int products are summed
elementwise products (exact). Integer `/` and `%` go through the helpers of `mlx_runtime`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.tensir import Function, Var
from tensflo.plugins.hookspecs import hookimpl

from . import array_runtime
from .pymodule import ModuleExecutable, PythonTarget


@dataclass(frozen=True)
class MlxExecutable(ModuleExecutable):
    """A generated mlx function run in this process."""


@dataclass(frozen=True)
class MlxTarget(PythonTarget):
    """MLX array code on the CPU stream; evaluated lazily."""

    name: ClassVar[str] = "mlx"
    description: ClassVar[str] = "MLX array code (CPU, lazy: mx.eval)"
    title: ClassVar[str] = "MLX"
    executable_class: ClassVar[type[ModuleExecutable]] = MlxExecutable
    framework: ClassVar[str] = "mlx.core"
    runtime: ClassVar[tuple[ModuleType, ...]] = (array_runtime,)
    xp: ClassVar[str] = "mx"
    namespace: ClassVar[frozenset[str]] = frozenset({"mx"})
    tensor_param: ClassVar[str] = "array_of({x}, dtype={d})"
    literals: ClassVar[dict[str, str]] = {
        "int": "mx.array({}, dtype=mx.int64)", "float": "mx.array({}, dtype=mx.float64)",
        "bool": "mx.array({})",
    }

    def to_target(self, fn: Function, p: Var, buffer: str) -> Callable[[Any], Any]:
        import mlx.core as mx

        dtype = getattr(mx, "bool_" if buffer == "bool" else buffer)  # mx.array(float64) -> float32

        def convert(a: Any) -> Any:
            a = np.asarray(a, dtype=buffer)
            # MLX 0.32 can stall for seconds, or hang, importing a zero-size NumPy buffer: build
            # empty arrays natively
            return mx.array(a, dtype=dtype) if a.size else mx.zeros(a.shape, dtype=dtype)

        return convert

    def finish(self, result: Any) -> Any:
        import mlx.core as mx

        mx.eval(result)
        return result

    def to_numpy(self, result: Any) -> Any:
        return np.array(result)


@hookimpl
def tensflo_register_targets() -> list:
    return [MlxTarget()]
