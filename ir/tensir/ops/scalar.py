"""Scalar ops, each declared from a `Kernel`, and `ite`.

A kernel is the scalar meaning of an op (NumPy and SMT functions, printed form, algebraic laws); the
elementwise and broadcast families (`families.py`) are derived from the same kernel, so a scalar op
and its tensor forms cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import cnum
from ..opdef import OpDef, Ordering, register
from ..precedence import ATOM, PREC
from ..smt import ZERO, Encoder, SVal
from ..types import BOOL, TensIRTypeError, TensorType
from .rules import NUMERIC, expect_rank, same_elem


@dataclass(frozen=True)
class Kernel:
    """The scalar meaning of an op, shared by its scalar form and its tensor families."""

    name: str
    arity: int
    numpy: Callable[..., Any]
    smt: Callable[..., str]
    """`smt(enc, elem, *exprs)` -> expression; `elem` is the operands' element type."""
    doc: str
    """What the op computes, as a noun phrase ("division")."""
    note: str = ""
    """Semantic fine print shown with every op derived from the kernel."""
    elems: tuple[str, ...] = NUMERIC
    result: str | None = None
    """Result element type; None = the operands'."""
    symbol: str | None = None
    prec: int = ATOM
    form: str = "call"
    assoc: str = "left"
    commutative: bool = False
    unit: int | bool | None = None
    absorbing: int | bool | None = None
    involution: bool = False
    reflexive: bool | None = None
    ordering: Ordering | None = None
    modular: bool = False
    """Every argument matters only modulo 2^k when the result does (see `OpDef.modular_args`)."""

    def result_type(self, *ts: TensorType) -> TensorType:
        elem = same_elem(self.name, self.elems, *ts)
        return TensorType(self.result or elem)

    def with_note(self, doc: str) -> str:
        return f"{doc} ({self.note})" if self.note else doc


KERNELS: dict[str, Kernel] = {}


def _kernel(k: Kernel) -> Kernel:
    KERNELS[k.name] = k
    return k


_A = PREC["add"]
_M = PREC["mul"]
_C = PREC["cmp"]

_kernel(Kernel("add", 2, np.add, lambda e, t, a, b: f"(+ {a} {b})", "addition", symbol="+", prec=_A,
               form="infix", commutative=True, unit=0, modular=True))
_kernel(Kernel("sub", 2, np.subtract, lambda e, t, a, b: f"(- {a} {b})", "subtraction", symbol="-",
               prec=_A, form="infix", unit=0, modular=True))
_kernel(Kernel("mul", 2, np.multiply, lambda e, t, a, b: e.mul(t, a, b), "multiplication",
               symbol="*", prec=_M, form="infix", commutative=True, unit=1, modular=True))
_kernel(Kernel(
    "div", 2, cnum.c_div, lambda e, t, a, b: f"({e.cdiv() if t == 'int' else e.rdiv()} {a} {b})",
    "division", note="int truncates toward zero as in C; x / 0 == 0", symbol="/", prec=_M,
    form="infix", unit=1,
))
_kernel(Kernel(
    "mod", 2, cnum.c_mod, lambda e, t, a, b: f"({e.cmod()} {a} {b})", "remainder",
    note="sign of the dividend as in C; x % 0 == x", elems=("int",), symbol="%", prec=_M,
    form="infix",
))
_kernel(Kernel(
    "floordiv", 2, cnum.py_div, lambda e, t, a, b: f"({e.floordiv()} {a} {b})", "floor division",
    note="rounds toward negative infinity as in Python; x // 0 == 0", elems=("int",),
))
_kernel(Kernel(
    "floormod", 2, cnum.py_mod, lambda e, t, a, b: f"({e.floormod()} {a} {b})", "floor remainder",
    note="sign of the divisor as in Python; x % 0 == x", elems=("int",),
))
_kernel(Kernel("min", 2, np.minimum, lambda e, t, a, b: f"(ite (<= {a} {b}) {a} {b})",
               "smaller of two scalars", commutative=True))
_kernel(Kernel("max", 2, np.maximum, lambda e, t, a, b: f"(ite (>= {a} {b}) {a} {b})",
               "larger of two scalars", commutative=True))
for _name, _sym, _np, _less, _strict in [
    ("lt", "<", np.less, True, True), ("le", "<=", np.less_equal, True, False),
    ("gt", ">", np.greater, False, True), ("ge", ">=", np.greater_equal, False, False),
]:
    _kernel(Kernel(_name, 2, _np, lambda e, t, a, b, s=_sym: f"({s} {a} {b})", f"comparison {_sym}",
                   result="bool", symbol=_sym, prec=_C, form="infix", assoc="none",
                   reflexive=not _strict, ordering=Ordering(less=_less, strict=_strict)))
_kernel(Kernel("eq", 2, np.equal, lambda e, t, a, b: f"(= {a} {b})", "equality",
               elems=("int", "float", "bool"), result="bool", symbol="==", prec=_C, form="infix",
               assoc="none", commutative=True, reflexive=True))
_kernel(Kernel("ne", 2, np.not_equal, lambda e, t, a, b: f"(not (= {a} {b}))", "inequality",
               elems=("int", "float", "bool"), result="bool", symbol="!=", prec=_C, form="infix",
               assoc="none", commutative=True, reflexive=False))
_kernel(Kernel("and", 2, np.logical_and, lambda e, t, a, b: f"(and {a} {b})", "logical and",
               elems=("bool",), symbol="and", prec=PREC["and"], form="infix", commutative=True,
               unit=True))
_kernel(Kernel("or", 2, np.logical_or, lambda e, t, a, b: f"(or {a} {b})", "logical or",
               elems=("bool",), symbol="or", prec=PREC["or"], form="infix", commutative=True,
               unit=False, absorbing=True))
_kernel(Kernel("not", 1, np.logical_not, lambda e, t, a: f"(not {a})", "logical negation",
               elems=("bool",), symbol="not", prec=PREC["not"], form="prefix", involution=True))
_kernel(Kernel("neg", 1, np.negative, lambda e, t, a: f"(- {a})", "arithmetic negation", symbol="-",
               prec=PREC["unary"], form="prefix", involution=True, modular=True))
_kernel(Kernel("abs", 1, np.abs, lambda e, t, a: f"(ite (< {a} {ZERO[t]}) (- {a}) {a})",
               "absolute value"))


def _scalar_op(k: Kernel) -> OpDef:
    def infer(*ts: TensorType) -> TensorType:
        for t in ts:
            expect_rank(k.name, t, 0, "each operand")
        return k.result_type(*ts)

    def smt(enc: Encoder, *args: SVal) -> SVal:
        out = k.result or args[0].elem
        return enc.scalar(k.smt(enc, args[0].elem, *(a.expr for a in args)), out)

    return register(OpDef(
        name=k.name, arity=k.arity, infer=infer, numpy=k.numpy, smt=smt, doc=k.with_note(k.doc),
        form=k.form, params=("a", "b")[: k.arity] if k.arity == 2 else ("x",),
        symbol=k.symbol, prec=k.prec, assoc=k.assoc, commutative=k.commutative, unit=k.unit,
        absorbing=k.absorbing, involution=k.involution, reflexive=k.reflexive, ordering=k.ordering,
        modular_args=tuple(range(k.arity)) if k.modular else (),
    ))


SCALAR_OPS = {name: _scalar_op(k) for name, k in KERNELS.items()}


def _ite_infer(c: TensorType, a: TensorType, b: TensorType) -> TensorType:
    if c != BOOL:
        raise TensIRTypeError(f"ite: the condition must be bool, got {c}")
    if not (a.is_scalar and a == b):
        raise TensIRTypeError(f"ite: both branches must be the same scalar type, got {a} and {b}")
    return a


ITE = register(OpDef(
    name="ite", params=("cond", "then", "else"), arity=3, infer=_ite_infer,
    numpy=lambda c, a, b: np.asarray(np.where(c, a, b))[()],
    smt=lambda enc, c, a, b: enc.scalar(f"(ite {c.expr} {a.expr} {b.expr})", a.elem),
    doc="if-then-else on scalars", modular_args=(1, 2),
))
