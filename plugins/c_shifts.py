"""C's shift operators by a constant amount, read as arithmetic.

`x >> k` (`0 <= k < width`, the width of `x`'s promoted type) is the floor of `x / 2^k`: for a
non-negative `x` of any type that is C's value, and for a negative signed `x` it is what an
arithmetic shift gives, which gcc and clang do (C89/C99 leave it implementation-defined). It is
read as `x / 2^k` where `x` cannot be negative (an unsigned type, or a range the reader can tell,
`c_unsigned.value_range`), else as `(x - (x % 2^k + 2^k) % 2^k) / 2^k` (C's `/` and `%`
truncate; this is the floor for every `x`).

`x << k` is `x * 2^k` where that value provably fits the promoted type and `x` is not negative
(`c_unsigned.shift_fits`): a signed left shift of a negative value or past the range is
undefined, an unsigned one wraps. A shift by a non-constant or out-of-range amount, and a left
shift not proven to fit, are refused naming the shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.plugins.c_symbolic_run import TYPE_RANGES
from tensflo.plugins.c_unsigned import WIDE_UNSIGNED, shift_fits, value_range
from tensflo.plugins.clang_eval import evaluate, operator

SHIFTS = ("<<", ">>")


def _spelled(c: Any) -> str:
    return " ".join(t.spelling for t in c.get_tokens()) or c.spelling


def type_width(t: Any) -> int | None:
    """The width in bits of integer type `t` (None for a type without a known range)."""
    rng = TYPE_RANGES.get(t.get_canonical().kind.name)
    return None if rng is None else (rng[1] - rng[0] + 1).bit_length() - 1


class ShiftReader:
    """`<<` and `>>` inside expressions (mixed into the reader)."""

    nonneg: frozenset[str] = frozenset()

    if TYPE_CHECKING:
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def expr(self, c: Any) -> L.Expr: ...

    def shift(self, c: Any, loc: Loc) -> L.Expr:
        """The binary operator cursor `c`, a `<<` or `>>`, as arithmetic."""
        op = operator(c)
        left, right = list(c.get_children())
        k = evaluate(right)
        width = type_width(c.type)
        if width is None:
            raise self.unsupported(c, f"the operator {op} on a {c.type.spelling}")
        if not isinstance(k, int) or isinstance(k, bool):
            raise self.unsupported(c, f"the operator {op} by an amount that is not a constant "
                                      f"(`{_spelled(c)}`)")
        if not 0 <= k < width:
            raise self.unsupported(c, f"the operator {op} by {k}, outside 0 .. {width - 1} "
                                      f"(undefined for a {c.type.spelling})")
        value = self.expr(left)
        d = L.Const(2 ** k, loc)
        if op == "<<":
            if not shift_fits(c, self.nonneg):
                raise self.unsupported(c, f"the shift `{_spelled(c)}`: not proven to keep a "
                                          f"non-negative value inside {c.type.spelling} (a "
                                          "negative or too large value is undefined or wraps)")
            return L.Binary("*", value, d, loc)
        rng = value_range(left, self.nonneg)
        if c.type.get_canonical().kind.name in WIDE_UNSIGNED or rng is not None and rng[0] >= 0:
            return L.Binary("/", value, d, loc)
        low = L.Binary("%", L.Binary("+", L.Binary("%", value, d, loc), d, loc), d, loc)
        return L.Binary("/", L.Binary("-", value, low, loc), d, loc)
