"""NumPy helpers with TensIR's integer and slicing semantics.

These functions are the reference semantics of `div`, `mod`, slicing and `append`, and the NumPy
target copies their source into generated modules, so the oracle and the generated code share one
definition. Each must stay self-contained (only `np` in scope).
"""

from __future__ import annotations

import numpy as np


def c_div(a, b):
    """Division as in C: integers truncate toward zero; x / 0 is 0 (int and float)."""
    a = np.asarray(a)
    b = np.asarray(b)
    zero = b == 0
    safe = np.where(zero, 1, b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return np.where(zero, 0.0, a / safe)[()]
    q = np.abs(a) // np.abs(safe)
    q = np.where((a < 0) != (safe < 0), -q, q)
    return np.where(zero, 0, q).astype(np.result_type(a, b))[()]


def c_mod(a, b):
    """Remainder as in C: the sign of the dividend, a == b * c_div(a, b) + c_mod(a, b); x % 0 is x."""
    a = np.asarray(a)
    b = np.asarray(b)
    return (a - b * c_div(a, b))[()]


def py_div(a, b):
    """Floor division as in Python's `//`; x // 0 is 0 (Python raises; callers never pass 0)."""
    a = np.asarray(a)
    b = np.asarray(b)
    zero = b == 0
    safe = np.where(zero, 1, b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return np.where(zero, 0.0, np.floor(a / safe))[()]
    return np.where(zero, 0, a // safe).astype(np.result_type(a, b))[()]


def py_mod(a, b):
    """Remainder as in Python's `%`: the sign of the divisor, a == b * py_div(a, b) + py_mod(a, b)."""
    a = np.asarray(a)
    b = np.asarray(b)
    return (a - b * py_div(a, b))[()]


def clamp_slice(x, lo, hi):
    """x[lo:hi] with both bounds clamped to [0, len(x)] (no wrap-around for negative bounds)."""
    return x[max(int(lo), 0) : max(int(hi), 0)]


def append_rows(x, e):
    """x with one more entry `e` on its first axis."""
    e = np.asarray(e, dtype=x.dtype)
    if x.shape[0] == 0:
        return e[None]
    return np.concatenate((x, e[None]), axis=0)
