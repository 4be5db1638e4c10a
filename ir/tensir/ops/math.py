"""The libm ops and the int <-> float conversions: `sqrt`, `exp`, `log`, `pow`, `floor`,
`to_float`, `to_int` (`fabs`, `fmin` and `fmax` are `abs`, `min` and `max`, which cover floats).

`floor` and the conversions are exact in SMT (SMT-LIB's `to_int` is the floor; `to_int` truncates
toward zero as C's `(int)x` and Python's `int(x)` do). `sqrt`, `exp`, `log` and `pow` are
uninterpreted functions over the reals, declared once per query with the few facts that hold of
the real function: `sqrt(x) >= 0` and `sqrt(x) * sqrt(x) == x` for `x >= 0`, `exp(x) > 0`. NumPy
computes them as libm does, NaN outside their domain (`sqrt` of a negative, `log` of a
non-positive, `pow` of a negative base with a fractional exponent or of 0 with a negative one);
proofs say nothing about those inputs, and the loop-IR interpreter treats a source that reaches them
as undefined, so a lifted program is only claimed equal to its source inside the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..opdef import OpDef, register
from ..smt import Encoder, SVal
from ..types import FLOAT, INT, TensIRTypeError, TensorType

MATH_OPS: dict[str, OpDef] = {}
"""The ops of this module by name (searches enumerate them only for sources that call them)."""


def _rule(name: str, args: tuple[TensorType, ...], result: TensorType) -> Callable[..., TensorType]:
    def infer(*ts: TensorType) -> TensorType:
        if ts != args:
            want = ", ".join(map(str, args))
            raise TensIRTypeError(f"{name} takes ({want}), got ({', '.join(map(str, ts))})")
        return result

    return infer


def _declare(name: str, args: tuple[TensorType, ...], result: TensorType, numpy: Callable[..., Any],
             smt: Callable[..., str], doc: str, exact: bool = True) -> OpDef:
    def encode(enc: Encoder, *vals: SVal) -> SVal:
        return enc.scalar(smt(enc, *(v.expr for v in vals)), result.elem)

    op = register(OpDef(
        name=name, arity=len(args), infer=_rule(name, args, result), numpy=numpy, smt=encode,
        doc=doc, params=("x", "y")[: len(args)] if len(args) == 2 else ("x",), exact=exact,
    ))
    MATH_OPS[name] = op
    return op


def _sqrt_fact(enc: Encoder, y: str, x: str) -> str:
    return f"(=> (>= {x} 0.0) (and (>= {y} 0.0) (= {enc.mul('float', y, y)} {x})))"


def _exp_fact(enc: Encoder, y: str, x: str) -> str:
    return f"(> {y} 0.0)"


FACTS: dict[str, Callable[..., str]] = {"sqrt": _sqrt_fact, "exp": _exp_fact}
"""The facts proofs know of each uninterpreted op: `fact(enc, y, *xs)` holds of `y = op(*xs)`."""


def _uf(name: str, arity: int, fact: Callable[..., str] | None = None) -> Callable[..., str]:
    def smt(enc: Encoder, *xs: str) -> str:
        return f"({enc.uninterpreted(f'tf_{name}', arity, fact)} {' '.join(xs)})"

    return smt


def declare() -> None:
    """Register the ops of this module (after the families, so earlier ops keep their order)."""
    f1, f2 = (FLOAT,), (FLOAT, FLOAT)
    _declare("sqrt", f1, FLOAT, np.sqrt, _uf("sqrt", 1, FACTS["sqrt"]),
             "square root (defined for x >= 0; NaN below, as in C)", exact=False)
    _declare("exp", f1, FLOAT, np.exp, _uf("exp", 1, FACTS["exp"]), "e to the power x", exact=False)
    _declare("log", f1, FLOAT, np.log, _uf("log", 1),
             "natural logarithm (defined for x > 0; NaN below 0, as in C)", exact=False)
    _declare("pow", f2, FLOAT, np.power, _uf("pow", 2),
             "x to the power y (defined for x > 0, for x == 0 with y > 0 and for x < 0 with an "
             "integral y; NaN otherwise, as in C)", exact=False)
    _declare("floor", f1, FLOAT, np.floor, lambda enc, x: f"(to_real (to_int {x}))",
             "the largest integral float <= x")
    _declare("to_float", (INT,), FLOAT, lambda x: np.asarray(x, dtype=np.float64)[()],
             lambda enc, x: f"(to_real {x})", "an int as a float")
    _declare("to_int", f1, INT, lambda x: np.asarray(np.trunc(x)).astype(np.int64)[()],
             lambda enc, x: f"(ite (>= {x} 0.0) (to_int {x}) (- (to_int (- {x}))))",
             "a float as an int, truncated toward zero as in C and Python")
