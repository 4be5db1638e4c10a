"""The parts of a C `for` header and the count-down test `v-- > 0`, as libclang gives them.

libclang lists only the parts of `for (init; cond; inc)` that are present, so which ones are is
read from the tokens (`header_parts`). C89 code sets and steps two variables in one header with
the comma operator (`for (i = 0, j = n - 1; i < n; i++, j--)`): `comma_items` splits such a part.
A loop counting down with a postfix decrement in its test, `while (i-- > 0)` or
`for (size_t i = n; i-- > 0;)`, tests the old value and runs its body with the new one: the body
sees `v0 - 1, ..., 0` (`countdown` recognizes the test). `while (v--)` and `v-- != 0` test the
same only where `v` starts non-negative: the counter's type decides (`c_loops`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tensflo.plugins.c_unsigned import WIDE_UNSIGNED
from tensflo.plugins.clang_eval import evaluate, operator


def header_parts(tokens: list[str]) -> tuple[bool, bool, bool] | None:
    """Which of the init, the condition and the increment of `for (init; cond; inc)` are
    present (from the statement's tokens); None when the header is not of that form."""
    depth = 0
    parts: list[list[str]] = []
    cur: list[str] = []
    for tok in tokens[2:]:
        if tok == "(":
            depth += 1
        elif tok == ")":
            if depth == 0:
                break
            depth -= 1
        if tok == ";" and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    parts.append(cur)
    if len(parts) != 3:
        return None
    return bool(parts[0]), bool(parts[1]), bool(parts[2])


def _inner(c: Any) -> Any:
    while c.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
        kids = list(c.get_children())
        if len(kids) != 1:
            break
        c = kids[0]
    return c


def comma_items(c: Any) -> list[Any]:
    """The operands of `a, b, c` (C's comma operator) in order; `[c]` for another expression."""
    c = _inner(c)
    if c.kind.name == "BINARY_OPERATOR" and operator(c) == ",":
        left, right = c.get_children()
        return comma_items(left) + comma_items(right)
    return [c]


@dataclass(frozen=True)
class Countdown:
    """A loop test `v-- > 0` (also `0 < v--`, and `v-- != 0` or `v--`, which test `v != 0`)."""

    name: str
    """The variable counted down."""
    cursor: Any
    """Its `DECL_REF_EXPR` in the test."""
    nonzero: bool
    """The test is `v != 0`, not `v > 0`: the same only for a `v` that starts non-negative."""

    def unsigned(self) -> bool:
        """Whether `v` has a wide unsigned type (never negative)."""
        return str(self.cursor.type.get_canonical().kind.name) in WIDE_UNSIGNED


def _post_decrement(c: Any) -> Any | None:
    """The variable of `v--` (postfix), else None."""
    c = _inner(c)
    if c.kind.name != "UNARY_OPERATOR" or operator(c) != "--":
        return None
    tokens = [t.spelling for t in c.get_tokens()]
    (v,) = [_inner(k) for k in c.get_children()]
    if not tokens or tokens[-1] != "--" or v.kind.name != "DECL_REF_EXPR":
        return None
    return v


def countdown(cond: Any) -> Countdown | None:
    """The count-down test `cond` is, if it is one."""
    cond = _inner(cond)
    v = _post_decrement(cond)
    if v is not None:
        return Countdown(v.spelling, v, True)
    if cond.kind.name != "BINARY_OPERATOR":
        return None
    op = operator(cond)
    lhs, rhs = (_inner(k) for k in cond.get_children())
    if op in ("<", "!=") and _post_decrement(rhs) is not None:
        op, lhs, rhs = {"<": ">", "!=": "!="}[op], rhs, lhs
    v = _post_decrement(lhs)
    if v is None or op not in (">", "!=") or evaluate(rhs) != 0 \
            or rhs.kind.name not in ("INTEGER_LITERAL", "UNEXPOSED_EXPR", "PAREN_EXPR"):
        return None
    return Countdown(v.spelling, v, op == "!=")


def countdown_loop(c: Any) -> Countdown | None:
    """The count-down test of a `while` loop, or of a `for` loop with an init and a test but no
    increment (`for (size_t i = n; i-- > 0;)`)."""
    kids = list(c.get_children())
    if c.kind.name == "WHILE_STMT" and len(kids) == 2:
        return countdown(kids[0])
    if c.kind.name == "FOR_STMT" and len(kids) == 3 \
            and header_parts([t.spelling for t in c.get_tokens()]) == (True, True, False):
        return countdown(kids[1])
    return None


@dataclass(frozen=True)
class LowBits:
    """`x & -m` or `x & ~(m - 1)` (clears the low bits of `x`: `clears`), or `x & (m - 1)`
    (keeps them), for a power of two `m >= 2`."""

    operand: Any
    """The cursor of `x`."""
    m: int
    clears: bool


def low_bits(c: Any) -> LowBits | None:
    """`c` as a `LowBits`, when it is an `int` `&` with such a constant mask."""
    c = _inner(c)
    if c.kind.name != "BINARY_OPERATOR" or operator(c) != "&" \
            or c.type.get_canonical().kind.name not in ("INT", "LONG", "LONGLONG"):
        return None
    a, b = (_inner(k) for k in c.get_children())
    for x, mask in ((a, b), (b, a)):
        v = evaluate(mask)
        if not isinstance(v, int) or isinstance(evaluate(x), int):
            continue
        if v <= -2 and (-v) & (-v - 1) == 0:
            return LowBits(x, -v, True)
        if v >= 1 and (v + 1) & v == 0:
            return LowBits(x, v + 1, False)
    return None
