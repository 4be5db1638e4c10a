"""Integer index expressions of Gemmini programs, with folding and precedence-aware printing.

Expressions address DRAM and the scratchpad from loop variables (`A[(i0*4 + i)*16*K]`). The same
tree prints as the program's text (Python syntax), as C, and as the Python the emulator runs.
Comparisons yield 0 or 1; `and`/`or` combine conditions (comparisons), as in C.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

BINOPS = ("+", "-", "*", "//", "%", "<<", "|", "&", "min", "max",
          "<", "<=", ">", ">=", "==", "!=", "and", "or")
COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})

PY_PREC = {"or": 1, "and": 2, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4, "|": 5, "&": 6,
           "<<": 7, "+": 8, "-": 8, "*": 9, "//": 9, "%": 9}
C_PREC = {"or": 1, "and": 2, "|": 3, "&": 4, "==": 5, "!=": 5, "<": 6, "<=": 6, ">": 6, ">=": 6,
          "<<": 7, "+": 8, "-": 8, "*": 9, "//": 9, "%": 9}
C_SYMBOL = {"//": "/", "and": "&&", "or": "||"}
ATOM = 100

_EVAL: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "//": lambda a, b: a // b, "%": lambda a, b: a % b, "<<": lambda a, b: a << b,
    "|": lambda a, b: a | b, "&": lambda a, b: a & b, "min": min, "max": max,
    "<": lambda a, b: int(a < b), "<=": lambda a, b: int(a <= b), ">": lambda a, b: int(a > b),
    ">=": lambda a, b: int(a >= b), "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b), "and": lambda a, b: int(bool(a) and bool(b)),
    "or": lambda a, b: int(bool(a) or bool(b)),
}


class Expr:
    """Base class; arithmetic operators build (and fold) expressions."""

    __slots__ = ()

    def __add__(self, o: ExprLike) -> Expr:
        return binop("+", self, o)

    def __radd__(self, o: ExprLike) -> Expr:
        return binop("+", o, self)

    def __sub__(self, o: ExprLike) -> Expr:
        return binop("-", self, o)

    def __rsub__(self, o: ExprLike) -> Expr:
        return binop("-", o, self)

    def __mul__(self, o: ExprLike) -> Expr:
        return binop("*", self, o)

    def __rmul__(self, o: ExprLike) -> Expr:
        return binop("*", o, self)

    def __floordiv__(self, o: ExprLike) -> Expr:
        return binop("//", self, o)

    def __mod__(self, o: ExprLike) -> Expr:
        return binop("%", self, o)

    def __or__(self, o: ExprLike) -> Expr:
        return binop("|", self, o)

    def __ror__(self, o: ExprLike) -> Expr:
        return binop("|", o, self)

    def __lshift__(self, o: ExprLike) -> Expr:
        return binop("<<", self, o)

    def __str__(self) -> str:
        return show(self)


@dataclass(frozen=True, slots=True)
class Const(Expr):
    value: int


@dataclass(frozen=True, slots=True)
class Var(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    op: str
    a: Expr
    b: Expr


ExprLike = Expr | int


def E(x: ExprLike) -> Expr:
    """Coerce an int to a constant."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"not an integer expression: {x!r}")
    return Const(x)


def binop(op: str, a: ExprLike, b: ExprLike) -> Expr:
    """Build `a op b`, folding constants and identities (`x*1 -> x`, `x+0 -> x`, `0*x -> 0`)."""
    a, b = E(a), E(b)
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_EVAL[op](a.value, b.value))
    if op in ("+", "|", "-", "<<") and isinstance(b, Const) and b.value == 0:
        return a  # x + 0 -> x
    if op in ("+", "|") and isinstance(a, Const) and a.value == 0:
        return b  # 0 + x -> x
    if op == "*":
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Const) and x.value == 0:
                return Const(0)  # 0 * x -> 0
            if isinstance(x, Const) and x.value == 1:
                return y  # 1 * x -> x
    if op == "//" and isinstance(b, Const) and b.value == 1:
        return a  # x // 1 -> x
    if op == "%" and isinstance(b, Const) and b.value == 1:
        return Const(0)  # x % 1 -> 0
    if op == "and":
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Const):
                return y if x.value else Const(0)
    if op == "or":
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Const):
                return Const(1) if x.value else y
    return BinOp(op, a, b)


def emin(a: ExprLike, b: ExprLike) -> Expr:
    return binop("min", a, b)


def free_vars(e: Expr) -> set[str]:
    if isinstance(e, Var):
        return {e.name}
    if isinstance(e, BinOp):
        return free_vars(e.a) | free_vars(e.b)
    return set()


def evaluate(e: Expr, env: Mapping[str, int]) -> int:
    """The value of `e` under an assignment of its variables."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Var):
        return env[e.name]
    assert isinstance(e, BinOp)
    return _EVAL[e.op](evaluate(e.a, env), evaluate(e.b, env))


def _literal(v: int, hexa: bool) -> str:
    return hex(v) if hexa and v >= 1 << 16 else str(v)


def show(e: Expr, parent: int = 0) -> str:
    """Python-syntax text (the program text form and the emulator's generated code)."""
    if isinstance(e, Const):
        return _literal(e.value, True) if e.value >= 0 else f"({e.value})"
    if isinstance(e, Var):
        return e.name
    assert isinstance(e, BinOp)
    if e.op in ("min", "max"):
        return f"{e.op}({show(e.a)}, {show(e.b)})"
    p = PY_PREC[e.op]
    right = p + 1
    left = p + 1 if e.op in COMPARISONS else p
    text = f"{show(e.a, left)} {e.op} {show(e.b, right)}"
    return f"({text})" if p < parent else text


def show_c(e: Expr, parent: int = 0) -> str:
    """C text with only the parentheses C's precedence needs; `min`/`max` call helpers."""
    if isinstance(e, Const):
        if e.value >= 1 << 31:
            return f"{hex(e.value)}u"
        return str(e.value) if e.value >= 0 else f"({e.value})"
    if isinstance(e, Var):
        return e.name
    assert isinstance(e, BinOp)
    if e.op in ("min", "max"):
        return f"tf_{e.op}({show_c(e.a)}, {show_c(e.b)})"
    p = C_PREC[e.op]
    left = p + 1 if e.op in COMPARISONS else p
    # gcc warns about `a + b << c` and `a & b | c`; parenthesize mixed shifts and bit operations
    right = p + 1 if e.op not in ("<<", "|", "&") else 10
    if e.op in ("<<", "|", "&"):
        left = max(left, 10)
    # and `a < b == c` (-Wparentheses): a comparison or equality inside an equality
    if e.op in ("==", "!="):
        left = right = max(p + 1, C_PREC["<"] + 1)
    text = f"{show_c(e.a, left)} {C_SYMBOL.get(e.op, e.op)} {show_c(e.b, right)}"
    return f"({text})" if p < parent else text
