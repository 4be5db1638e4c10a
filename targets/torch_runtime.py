"""The torch target's own division helpers, copied by source into generated modules.

TensIR's `/` is C's (truncates toward zero; x / 0 == 0) where torch's `//` floors; `floordiv` is
Python's. `c_mod`, `py_mod` and `append_rows` come from `array_runtime` (with `xp` as `torch`).
Each function must stay self-contained (only `torch` in scope); arguments are tensors.
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


def py_div(a, b):
    """Floor division as in Python's `//` (ints); x // 0 is 0."""
    zero = b == 0
    return torch.where(zero, 0, torch.div(a, torch.where(zero, 1, b), rounding_mode="floor"))
