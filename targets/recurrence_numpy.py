"""NumPy's runtime helpers for `linear_recurrence` and `linear_recurrence_scan`, copied by source
in place of the array-API ones (`recurrence_runtime.py`): the fold runs over `tolist()`, on Python
numbers, which is an order of magnitude faster than indexing NumPy scalars one by one. Ints are
Python ints (exact; on the int64 path the call-time bound keeps every step inside int64) and floats
are doubles rounded step by step, as the source's loop computes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def linear_recurrence(a, b, s0):
    """s = a[k] * s + b[k] for k < len(b), from s = s0."""
    s = s0.item() if hasattr(s0, "item") else s0
    for x, y in zip(a.tolist(), b.tolist()):  # noqa: B905 (one length: the op's domain)
        s = x * s + y
    return s


def linear_recurrence_scan(a, b, s0):
    """The value after each step of `linear_recurrence(a, b, s0)`, in order."""
    s, out = (s0.item() if hasattr(s0, "item") else s0), []
    for x, y in zip(a.tolist(), b.tolist()):  # noqa: B905 (one length: the op's domain)
        s = x * s + y
        out.append(s)
    return np.asarray(out, dtype=b.dtype)
