"""The mlx target: TensIR functions as MLX array code (CPU).

MLX is lazy: a call builds a graph that `mx.eval` computes, which the executable's `run` does.
Ints are int64 and floats float64 on the CPU; MLX makes Python ints 32-bit and floats 32-bit, so
literals and `len` carry their dtype. `mx.matmul` takes floats only: int products are summed
elementwise products (exact). Integer `/` and `%` go through the helpers of `mlx_runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.tensir import App, Function, Var
from tensflo.ir.tensir.precedence import ATOM
from tensflo.plugins.hookspecs import hookimpl

from . import array_runtime, recurrence_runtime, update_runtime
from .array_ops import framework_entries
from .pyexpr import PyEntry, PyRenderer, PyTable, Template, call
from .pymodule import ModuleExecutable, PythonTarget


def _product(int_text: str) -> PyEntry:
    """`mx.matmul` takes floats only, so ints multiply and sum (`int_text`), and floats go through
    `matmul_or_zeros` (an empty inner length gives zeros)."""

    def render(r: PyRenderer, t: App) -> tuple[str, int]:
        text = int_text if t.type.elem == "int" else "matmul_or_zeros({0}, {1})"
        return text.format(*(r.expr(t.term(i), ATOM) for i in range(2))), ATOM

    return render


RENDER: PyTable = {
    **framework_entries("mx"),
    # a 0-d int64 array: MLX makes Python ints 32-bit
    "len": Template("mx.array(len({0}), dtype=mx.int64)"),
    "to_float": Template("mx.array({0}, dtype=mx.float64)"),
    # mlx 0.32's float64 exp is only single-precision accurate (relative error 1e-6); its power
    # is accurate to a few ulp
    "exp": Template("mx.power(mx.array(2.718281828459045, dtype=mx.float64), {0})"),
    "reduce_sum": call("sum_axis", 1),
    "reduce_mul": call("prod_axis", 1),
    "matrix_row_sum": Template("sum_axis({0}, 1)"),
    "matrix_vec_mul": _product("sum_axis({0} * {1}, 1)"),
    "matmul": _product("int_matmul({0}, {1})"),
}
"""Every op as MLX code."""


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
    runtime: ClassVar[tuple[ModuleType, ...]] = (
        array_runtime, update_runtime, recurrence_runtime)
    xp: ClassVar[str] = "mx"
    namespace: ClassVar[frozenset[str]] = frozenset({"mx"})
    tensor_param: ClassVar[str] = "array_of({x}, dtype={d})"
    literals: ClassVar[dict[str, str]] = {
        "int": "mx.array({}, dtype=mx.int64)", "float": "mx.array({}, dtype=mx.float64)",
        "bool": "mx.array({})",
    }
    dtypes: ClassVar[Mapping[str, str]] = {"int": "mx.int64", "float": "mx.float64", "bool": "mx.bool_"}
    table: ClassVar[PyTable] = RENDER

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
