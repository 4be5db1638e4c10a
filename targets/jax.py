"""The jax target: TensIR functions as `jax.numpy` code, compiled by XLA (here on the CPU).

Ints are int64: generated modules enable `jax_enable_x64`, without which JAX silently computes in
32 bits. A function is `jax.jit`-compiled when its shapes are static: the int parameters that slice
bounds are computed from (with literals, `+`, `-`, `*` and `len`) become static arguments, so each
distinct value compiles once. A slice bound computed from tensor values (`x[:reduce_sum(y)]`) makes
a data-dependent shape, which XLA cannot trace: such a function runs eagerly, op by op. The module
docstring says which. Integer `/` and `%` go through the helpers of `jax_runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.tensir import App, Function, Lambda, Lit, Term, Var
from tensflo.ir.tensir.ops import LEN, SCALAR_OPS
from tensflo.ir.tensir.terms import Arg
from tensflo.plugins.hookspecs import hookimpl

from . import array_runtime, recurrence_jax, recurrence_runtime, update_runtime
from .array_ops import framework_entries
from .optable import UNSUPPORTED
from .pyexpr import PyTable, Template
from .pymodule import ModuleExecutable, PythonTarget

RENDER: PyTable = {**framework_entries("jnp"), "scan_max": Template("jax.lax.cummax({0}, axis=0)"),
                   "ipow": UNSUPPORTED}  # a negative exponent cannot raise under jax.jit
"""Every op as `jax.numpy` code; `len` is a Python int (shapes are static under jax.jit)."""
SHAPE_ARGS: Mapping[str, tuple[int, ...]] = {"stride": (3,), "reshape_rows": (1, 2), "full": (0,),
                                             "iota": (0,)}
"""Arguments of ops other than slicings that decide a result's shape (static under jax.jit)."""
PYTHON_ARITHMETIC = frozenset(SCALAR_OPS[n] for n in ("add", "sub", "mul", "neg"))
"""Ops rendered as Python operators, which compute on Python ints while tracing."""


def _static_bound(t: Term, params: set[Var]) -> bool:
    """Whether bound `t` is known while tracing; adds the int parameters it reads to `params`."""
    if isinstance(t, Lit) or (isinstance(t, App) and t.op is LEN):
        return True
    if isinstance(t, Var) and t.type.rank == 0 and t.type.elem == "int":
        params.add(t)
        return True
    if isinstance(t, App) and t.op in PYTHON_ARITHMETIC:
        return all(_static_bound(t.term(i), params) for i in range(len(t.args)))
    return False


def static_params(fn: Function) -> frozenset[Var] | None:
    """The parameters to make static for `jax.jit`, or None when a shape depends on tensor values."""
    params: set[Var] = set()
    stack: list[Arg] = [fn.body]
    while stack:
        t = stack.pop()
        if isinstance(t, Lambda):
            stack.append(t.body)
        if not isinstance(t, App):
            continue
        for i in t.op.slicing.bounds if t.op.slicing else SHAPE_ARGS.get(t.op.name, ()):
            if not _static_bound(t.term(i), params):
                return None
        stack.extend(t.args)
    return frozenset(params)


@dataclass(frozen=True)
class JaxExecutable(ModuleExecutable):
    """A generated jax function run in this process."""


@dataclass(frozen=True)
class JaxTarget(PythonTarget):
    """`jax.numpy` code: jitted where shapes are static, eager otherwise; int64 throughout."""

    name: ClassVar[str] = "jax"
    description: ClassVar[str] = "JAX code compiled by XLA (jax.jit where shapes are static; x64)"
    title: ClassVar[str] = "JAX"
    executable_class: ClassVar[type[ModuleExecutable]] = JaxExecutable
    framework: ClassVar[str] = "jax"
    runtime: ClassVar[tuple[ModuleType, ...]] = (
        array_runtime, update_runtime, recurrence_jax, recurrence_runtime)
    xp: ClassVar[str] = "jnp"
    namespace: ClassVar[frozenset[str]] = frozenset({"jax", "jnp", "functools"})
    tensor_param: ClassVar[str] = "jnp.asarray({x}, dtype={d})"
    dtypes: ClassVar[Mapping[str, str]] = {"int": "jnp.int64", "float": "jnp.float64", "bool": "jnp.bool_"}
    table: ClassVar[PyTable] = RENDER

    def param_lines(self, fn: Function, p: Var, name: str) -> list[str]:
        static = static_params(fn)
        if static is not None and p in static:
            return [f"{name} = int({name})"]
        return super().param_lines(fn, p, name)

    def decorate(self, fn: Function, names: Mapping[Var, str]) -> tuple[str, str]:
        static = static_params(fn)
        if static is None:
            return "", "eager (a slice bound depends on tensor values: data-dependent shapes)"
        if not static:
            return "@jax.jit", "jax.jit"
        shown = [names[p] for p in fn.params if p in static]
        quoted = ", ".join(f'"{n}"' for n in shown)
        return (f"@functools.partial(jax.jit, static_argnames=({quoted},))",
                f"jax.jit, static {', '.join(shown)} (compiled once per value)")

    def to_target(self, fn: Function, p: Var, buffer: str) -> Callable[[Any], Any]:
        import jax

        jax.config.update("jax_enable_x64", True)
        static = static_params(fn)
        if static is not None and p in static:
            return lambda a: int(a)
        return lambda a: jax.device_put(np.asarray(a, dtype=buffer))

    def finish(self, result: Any) -> Any:
        return result.block_until_ready()

    def to_numpy(self, result: Any) -> Any:
        return np.asarray(result)


@hookimpl
def tensflo_register_targets() -> list:
    return [JaxTarget()]
