"""Runtime helpers of the mlx target, copied by source into generated modules.

TensIR's `/` and `%` are C's (truncate toward zero; x / 0 == 0, x % 0 == x) where MLX's `//` floors;
`floordiv`/`floormod` are Python's. Each function must stay self-contained (only `mx` in scope);
arguments are arrays (the target types every literal, since MLX makes Python ints 32-bit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mlx.core as mx


def c_div(a, b):
    """Division as in C: integers truncate toward zero; x / 0 is 0 (int and float)."""
    zero = b == 0
    safe = mx.where(zero, 1, b)
    if mx.issubdtype(a.dtype, mx.floating):
        return mx.where(zero, 0.0, a / safe)
    q = mx.abs(a) // mx.abs(safe)
    return mx.where(zero, 0, mx.where((a < 0) != (safe < 0), -q, q))


def c_mod(a, b):
    """Remainder as in C: the sign of the dividend, a == b * c_div(a, b) + c_mod(a, b); x % 0 is x."""
    return a - b * c_div(a, b)


def py_div(a, b):
    """Floor division as in Python's `//` (ints); x // 0 is 0."""
    zero = b == 0
    return mx.where(zero, 0, mx.floor_divide(a, mx.where(zero, 1, b)))


def py_mod(a, b):
    """Remainder as in Python's `%`: the sign of the divisor; x % 0 is x."""
    return a - b * py_div(a, b)


def append_rows(x, e):
    """x with one more entry `e` on its first axis."""
    e = mx.array(e, dtype=x.dtype)
    if x.shape[0] == 0:
        return e[None]
    return mx.concatenate([x, e[None]], axis=0)
