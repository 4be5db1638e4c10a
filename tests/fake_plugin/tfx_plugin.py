"""A third-party tensflo plugin: one TensIR op (`vec_clip`) and one target (`echo`).

The tests install it as the distribution `tfx-plugin`; docs/plugins.md walks through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, ClassVar

import numpy as np

from tensflo.ir.tensir import OPS, Function, OpDef, TensIRTypeError, TensorType
from tensflo.ir.tensir.smt import Encoder, SVal
from tensflo.plugins.hookspecs import hookimpl
from tensflo.targets.pyexpr import Template


def _clip_type(x: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    if x.rank != 1 or x.elem not in ("int", "float"):
        raise TensIRTypeError(f"vec_clip: the first argument must be vec[int] or vec[float], got {x}")
    if lo != x.scalar or hi != x.scalar:
        raise TensIRTypeError(f"vec_clip: the bounds must be {x.scalar}, got {lo} and {hi}")
    return x


def _clip_numpy(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _clip_smt(enc: Encoder, x: SVal, lo: SVal, hi: SVal) -> SVal:
    def clip(e: str) -> str:
        low = f"(ite (< {e} {lo.expr}) {lo.expr} {e})"
        return f"(ite (> {low} {hi.expr}) {hi.expr} {low})"

    return enc.pointwise(clip, x)


def _clip_step(prev, args, i):
    # vec_clip(x[:i+1], lo, hi) -> append(vec_clip(x[:i], lo, hi), min(max(x[i], lo), hi))
    x, lo, hi = args
    return OPS["append"](prev, OPS["min"](OPS["max"](OPS["index"](x, i), lo), hi))


VEC_CLIP = OpDef(
    name="vec_clip",
    arity=3,
    infer=_clip_type,
    numpy=_clip_numpy,
    smt=_clip_smt,
    doc="each element clamped to [lo, hi] (hi wins when lo > hi)",
    prefix_args=(0,),
    prefix_step=_clip_step,
    renderings={"numpy": Template("np.minimum(np.maximum({0}, {1}), {2})")},
)


@dataclass(frozen=True)
class EchoTarget:
    """Writes the functions back as TensIR text (a module `parse_module` reads again)."""

    name: ClassVar[str] = "echo"
    description: ClassVar[str] = "TensIR text, as parse_module reads it"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def emit(self, functions: list[Function], out: IO[str]) -> None:
        out.write("# TensIR\n")
        for fn in functions:
            out.write(f"\n{fn}")


@hookimpl
def tensflo_register_ops() -> list[OpDef]:
    return [VEC_CLIP]


@hookimpl
def tensflo_register_targets() -> list:
    return [EchoTarget()]
