"""The operators and builtins of loop IR: one declaration each, read by the frontends, the
interpreter and the lifter.

Loop IR names an operator by its `symbol` (`Binary.op`, `Unary.op`) and a builtin by its `name`
(`Call.func`). An entry says how C and C++ spell it (as libclang names the operator, or the
functions: `sqrt`, `sqrtf`), which `ast` nodes or builtin names Python source uses (`math.sqrt`), what it computes in each source language
(C++'s `/` and `%` truncate toward zero, Python's floor), and which TensIR op the lifter maps it to.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tensflo.ir.tensir.types import BOOL, FLOAT, INT, TensorType

LANGS = ("cpp", "python")
"""The source languages a function's `lang` may name."""


def c_div(a: int, b: int) -> int:
    """Integer division as in C: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def c_mod(a: int, b: int) -> int:
    """Remainder as in C: the sign of the dividend, `a == b * c_div(a, b) + c_mod(a, b)`."""
    return a - b * c_div(a, b)


class OutsideDomain(ValueError):
    """The arguments are outside a builtin's domain (the message says why)."""


# -------------------------------------------------------------------------------------------------
# operators
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Meaning:
    """What a binary operator computes in one source language, with the TensIR op of each case."""

    on_ints: Callable[[Any, Any], Any]
    """The value when both operands are ints (not bools)."""
    on_others: Callable[[Any, Any], Any]
    """The value when a float or a bool is among the operands."""
    tensir_int: str
    """The TensIR op on int operands."""
    tensir_other: str
    """The TensIR op on float (or bool) operands."""


def everywhere(fn: Callable[[Any, Any], Any], tensir: str) -> dict[str, Meaning]:
    """One meaning in every source language and on every element type."""
    meaning = Meaning(fn, fn, tensir, tensir)
    return {lang: meaning for lang in LANGS}


@dataclass(frozen=True, slots=True, eq=False)
class BinaryOp:
    """A binary operator of loop IR (`Binary.op`)."""

    symbol: str
    """Its spelling in loop IR."""
    kind: Literal["arithmetic", "comparison", "logical"]
    """Comparisons and logical operators give a bool; arithmetic gives its operands' type."""
    cpp: str
    """Its spelling in C++ (libclang's name of the operator kind)."""
    python: tuple[type[ast.AST], ...]
    """The `ast` operator nodes of Python source read as it."""
    meaning: Mapping[str, Meaning]
    """What it computes in each source language (`cpp`, `python`)."""
    partial: bool = False
    """A zero right operand is outside the domain (division by zero)."""
    overflows: bool = False
    """An int result may leave the 32-bit range of C++ `int` (undefined behaviour there)."""
    short_circuit: bool | None = None
    """For `and` and `or`: the truth value of the left operand that is the result without the
    right one being evaluated."""

    @property
    def boolean(self) -> bool:
        """Its result is a bool."""
        return self.kind != "arithmetic"

    def evaluate(self, lang: str, a: Any, b: Any) -> Any:
        """The value of `a op b` on Python values as `lang` computes it (ints unbounded)."""
        ints = isinstance(a, int) and isinstance(b, int) and not (
            isinstance(a, bool) or isinstance(b, bool))
        meaning = self.meaning[lang]
        return (meaning.on_ints if ints else meaning.on_others)(a, b)

    def tensir_op(self, lang: str, elem: str) -> str:
        """The TensIR op it means in `lang` on operands of element type `elem` (both operands
        brought to one numeric type first)."""
        meaning = self.meaning[lang]
        return meaning.tensir_int if elem == "int" else meaning.tensir_other


def _and(a: Any, b: Any) -> bool:
    return bool(a) and bool(b)


def _or(a: Any, b: Any) -> bool:
    return bool(a) or bool(b)


ADD = BinaryOp("+", "arithmetic", "+", (ast.Add,), everywhere(operator.add, "add"), overflows=True)
SUB = BinaryOp("-", "arithmetic", "-", (ast.Sub,), everywhere(operator.sub, "sub"), overflows=True)
MUL = BinaryOp("*", "arithmetic", "*", (ast.Mult,), everywhere(operator.mul, "mul"), overflows=True)
DIV = BinaryOp("/", "arithmetic", "/", (ast.FloorDiv, ast.Div), {
    "cpp": Meaning(c_div, operator.truediv, "div", "div"),
    "python": Meaning(operator.floordiv, operator.truediv, "floordiv", "div"),
}, partial=True, overflows=True)
"""C++ `/`, Python `//` (and `/`, which the Python frontend accepts only with a float operand)."""
MOD = BinaryOp("%", "arithmetic", "%", (ast.Mod,), {
    "cpp": Meaning(c_mod, math.fmod, "mod", "mod"),
    "python": Meaning(operator.mod, operator.mod, "floormod", "floormod"),
}, partial=True, overflows=True)
"""The remainder: the dividend's sign in C++, the divisor's in Python."""
LT = BinaryOp("<", "comparison", "<", (ast.Lt,), everywhere(operator.lt, "lt"))
LE = BinaryOp("<=", "comparison", "<=", (ast.LtE,), everywhere(operator.le, "le"))
GT = BinaryOp(">", "comparison", ">", (ast.Gt,), everywhere(operator.gt, "gt"))
GE = BinaryOp(">=", "comparison", ">=", (ast.GtE,), everywhere(operator.ge, "ge"))
EQ = BinaryOp("==", "comparison", "==", (ast.Eq,), everywhere(operator.eq, "eq"))
NE = BinaryOp("!=", "comparison", "!=", (ast.NotEq,), everywhere(operator.ne, "ne"))
AND = BinaryOp("and", "logical", "&&", (ast.And,), everywhere(_and, "and"), short_circuit=False)
OR = BinaryOp("or", "logical", "||", (ast.Or,), everywhere(_or, "or"), short_circuit=True)

BINARY: dict[str, BinaryOp] = {
    op.symbol: op for op in (ADD, SUB, MUL, DIV, MOD, LT, LE, GT, GE, EQ, NE, AND, OR)}
"""Every binary operator by its loop-IR symbol."""


@dataclass(frozen=True, slots=True, eq=False)
class UnaryOp:
    """A unary operator of loop IR (`Unary.op`); the same in every source language."""

    symbol: str
    """Its spelling in loop IR."""
    kind: Literal["arithmetic", "logical"]
    """A logical operator reads its operand as a truth value and gives a bool."""
    cpp: str
    """Its spelling in C++ (libclang's name of the operator kind)."""
    python: type[ast.AST]
    """The `ast` node of Python source read as it."""
    evaluate: Callable[[Any], Any]
    """Its value on a Python value."""
    tensir: str
    """The TensIR op it means."""
    overflows: bool = False
    """An int result may leave the 32-bit range of C++ `int` (undefined behaviour there)."""

    @property
    def boolean(self) -> bool:
        """Its result is a bool."""
        return self.kind == "logical"


NEG = UnaryOp("-", "arithmetic", "-", ast.USub, operator.neg, "neg", overflows=True)
NOT = UnaryOp("not", "logical", "!", ast.Not, operator.not_, "not")

UNARY: dict[str, UnaryOp] = {op.symbol: op for op in (NEG, NOT)}
"""Every unary operator by its loop-IR symbol. A unary `+` is read as its operand."""


# -------------------------------------------------------------------------------------------------
# builtins
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Builtin:
    """A builtin function of loop IR; the same in every source language."""

    name: str
    """Its name in loop IR: `Call.func`, or `len` for the `Len` node."""
    arity: int
    """How many arguments loop IR gives it."""
    evaluate: Callable[..., Any]
    """Its value on Python values; raises `OutsideDomain` outside its domain."""
    tensir: str | None
    """The TensIR op it means; None: the lifter reads it its own way."""
    result: TensorType | None = None
    """Its result type; None: the type of its first argument."""
    cpp: str | None = None
    """Its C++ name: a function (`std::min(a, b)`), or with `method`, a member function of the
    vector that is its first argument (`v.size()`)."""
    method: bool = False
    """C++ calls it as a member function of its first argument."""
    python: str | None = None
    """The Python builtin read as it (None: Python source has no spelling of it)."""
    variadic: bool = False
    """Python may give it more arguments, read from the left (`min(a, b, c)` is
    `min(min(a, b), c)`)."""
    overflows: bool = False
    """An int result may leave the 32-bit range of C++ `int` (undefined behaviour there)."""
    call: bool = True
    """Loop IR holds it as `Call(name, args)`; False: as its own node (`Len`)."""
    c_names: tuple[str, ...] = ()
    """More C and C++ function names read as it (libm's `float` and `double` forms: `sqrtf`,
    `sqrt`; `std::sqrt` is spelled `sqrt` by libclang)."""
    py_names: tuple[str, ...] = ()
    """Dotted names Python source calls it by (`math.sqrt`)."""
    operand: str | None = None
    """The element type its operands are converted to first (`float`: libm's `sqrt(n)` of an int
    `n`, as C's implicit conversion and Python's `math` do)."""
    python_result: str | None = None
    """A builtin Python's spelling applies to the result as well (`math.floor` returns an int:
    `to_int(floor(x))`)."""


def resize(vector: list[Any], size: int) -> list[Any]:
    """`vector` cut to `size` entries or padded with zeros (empty vectors for a matrix)."""
    if size < 0:
        raise OutsideDomain(f"resize to a negative length {size}")
    pad: list[Any] | int = [] if vector and isinstance(vector[0], list) else 0
    return [copy.deepcopy(x) for x in vector[:size]] + [copy.deepcopy(pad)
                                                        for _ in range(size - len(vector))]


def libm(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """`fn` (Python's `math`, in double precision), with its domain and range errors (`sqrt` of a
    negative, `log(0)`, `exp(1000)`) raised as `OutsideDomain`: the source is undefined there."""
    def evaluate(*args: Any) -> Any:
        try:
            return fn(*args)
        except (ValueError, OverflowError, ZeroDivisionError) as err:
            shown = ", ".join(map(repr, args))
            raise OutsideDomain(f"{name}({shown}) is outside its domain ({err})") from None

    return evaluate


MIN = Builtin("min", 2, min, "min", cpp="min", python="min", variadic=True,
              c_names=("fmin", "fminf"))
MAX = Builtin("max", 2, max, "max", cpp="max", python="max", variadic=True,
              c_names=("fmax", "fmaxf"))
ABS = Builtin("abs", 1, abs, "abs", cpp="abs", python="abs", overflows=True,
              c_names=("fabs", "fabsf"))
SQRT = Builtin("sqrt", 1, libm(math.sqrt, "sqrt"), "sqrt", FLOAT, cpp="sqrt", c_names=("sqrtf",),
               py_names=("math.sqrt",), operand="float")
EXP = Builtin("exp", 1, libm(math.exp, "exp"), "exp", FLOAT, cpp="exp", c_names=("expf",),
              py_names=("math.exp",), operand="float")
LOG = Builtin("log", 1, libm(math.log, "log"), "log", FLOAT, cpp="log", c_names=("logf",),
              py_names=("math.log",), operand="float")
POW = Builtin("pow", 2, libm(math.pow, "pow"), "pow", FLOAT, cpp="pow", c_names=("powf",),
              py_names=("math.pow",), operand="float")
FLOOR = Builtin("floor", 1, libm(lambda x: float(math.floor(x)), "floor"), "floor", FLOAT,
                cpp="floor", c_names=("floorf",), py_names=("math.floor",), operand="float",
                python_result="to_int")
ISNAN = Builtin("isnan", 1, math.isnan, "isnan", BOOL, cpp="isnan",
                c_names=("__builtin_isnan", "isnanf"), py_names=("math.isnan",), operand="float")
"""C's `isnan` (glibc's macro: `__builtin_isnan`), `std::isnan`, Python's `math.isnan`."""
ISINF = Builtin("isinf", 1, math.isinf, "isinf", BOOL, cpp="isinf",
                c_names=("__builtin_isinf", "isinff"), py_names=("math.isinf",), operand="float")
"""C's `isinf` as a truth value (glibc's `__builtin_isinf_sign` is read by the C reader),
`std::isinf`, Python's `math.isinf`."""
TO_FLOAT = Builtin("to_float", 1, libm(float, "float"), "to_float", FLOAT)
"""An int as a float: C's `(float)i` and implicit promotion (`sum / n`), Python's `float(i)`."""
TO_INT = Builtin("to_int", 1, libm(int, "int"), "to_int", INT, overflows=True)
"""A float as an int, truncated toward zero: C's `(int)x`, Python's `int(x)`."""


def ipow(x: Any, k: int) -> Any:
    """Python's `x ** k` for an int `k >= 0`; a negative `k` (a float in Python) is outside."""
    if k < 0:
        raise OutsideDomain(f"{x!r} ** {k}: a negative exponent")
    return x ** k


IPOW = Builtin("ipow", 2, ipow, "ipow")
"""Python's `x ** k` with an int exponent computed at run time (`x ** i` over a loop counter)."""
RESIZE = Builtin("resize", 2, resize, None, cpp="resize", method=True)
"""`resize(v, n)` is C++ `v.resize(n)` (a statement, read as `v = resize(v, n)`) as a value."""
LEN = Builtin("len", 1, len, "len", result=INT, cpp="size", method=True, python="len", call=False)
"""`v.size()` / `len(v)`: the `Len` node."""

BUILTINS: dict[str, Builtin] = {b.name: b for b in (
    MIN, MAX, ABS, RESIZE, LEN, SQRT, EXP, LOG, POW, FLOOR, ISNAN, ISINF, TO_FLOAT, TO_INT, IPOW)}
"""Every builtin by its loop-IR name."""

CALLS: dict[str, Builtin] = {name: b for name, b in BUILTINS.items() if b.call}
"""The builtins loop IR holds as a `Call`."""
