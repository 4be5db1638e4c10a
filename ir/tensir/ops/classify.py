"""Float classification: `isnan(x)` and `isinf(x)` (C's `isnan`/`isinf`, Python's `math.isnan`,
NumPy's `np.isnan`/`np.isinf`).

Proofs treat floats as real numbers, which are never NaN or infinite, so these are uninterpreted
predicates over the reals with no facts: a proof about a program that tests them holds for every
predicate, so the lifted program takes each branch exactly when the source does, on whatever
inputs the test is true. (Arithmetic on a NaN or an infinity itself is outside the real model: a
result's `arithmetic` is `real`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opdef import OpDef, register
from ..smt import Encoder, SVal
from ..types import BOOL, FLOAT, TensIRTypeError, TensorType

CLASSIFY_OPS: dict[str, OpDef] = {}
"""The ops of this module by name."""


def _declare(name: str, numpy: Any, doc: str) -> OpDef:
    def infer(x: TensorType) -> TensorType:
        if x != FLOAT:
            raise TensIRTypeError(f"{name} takes (float), got ({x})")
        return BOOL

    def smt(enc: Encoder, x: SVal) -> SVal:
        fn = enc.declare_fun(f"tf_{name}", ["Real"], "Bool")
        return enc.scalar(f"({fn} {x.expr})", "bool")

    op = register(OpDef(name=name, arity=1, infer=infer, numpy=lambda x: np.bool_(numpy(x)),
                        smt=smt, doc=doc, params=("x",), exact=False))
    CLASSIFY_OPS[name] = op
    return op


ISNAN = _declare("isnan", np.isnan, "x is NaN (an unknown predicate in proofs over the reals)")
ISINF = _declare("isinf", np.isinf,
                 "x is an infinity (an unknown predicate in proofs over the reals)")
