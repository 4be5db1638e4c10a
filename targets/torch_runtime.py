"""Runtime helpers of the torch target, copied by source into generated modules.

TensIR's `/` and `%` are C's (truncate toward zero; x / 0 == 0, x % 0 == x) where torch's `//`
floors; `floordiv`/`floormod` are Python's. Each function must stay self-contained (only `torch` in
scope, which the generated module imports); arguments are tensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def c_div(a, b):
    """Division as in C: integers truncate toward zero; x / 0 is 0 (int and float)."""
    zero = b == 0
    safe = torch.where(zero, torch.ones_like(b), b)
    if a.is_floating_point():
        return torch.where(zero, 0.0, a / safe)
    return torch.where(zero, 0, torch.div(a, safe, rounding_mode="trunc"))


def c_mod(a, b):
    """Remainder as in C: the sign of the dividend, a == b * c_div(a, b) + c_mod(a, b); x % 0 is x."""
    return a - b * c_div(a, b)


def py_div(a, b):
    """Floor division as in Python's `//` (ints); x // 0 is 0."""
    zero = b == 0
    return torch.where(zero, 0, torch.div(a, torch.where(zero, 1, b), rounding_mode="floor"))


def py_mod(a, b):
    """Remainder as in Python's `%`: the sign of the divisor; x % 0 is x."""
    return a - b * py_div(a, b)


def append_rows(x, e):
    """x with one more entry `e` on its first axis."""
    e = torch.as_tensor(e, dtype=x.dtype)
    if x.shape[0] == 0:
        return e[None]
    return torch.cat((x, e[None]))
