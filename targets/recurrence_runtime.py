"""Runtime helpers of the Python-module targets for `linear_recurrence`, `linear_recurrence_scan`
and `ipow`, copied by source (`xp` is the target's namespace in the copy).

The recurrences are the fold as the ops state it (`ir/tensir/ops/recurrence.py`), one step per
entry: on NumPy's exact path (object arrays) the steps are Python ints and never wrap, floats round
step by step as the source's loop does, and under `jax.jit` the loop unrolls over the static
length. `ipow` is the array library's `**`, refusing the negative exponents outside the op's domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as xp


def linear_recurrence(a, b, s0):
    """s = a[k] * s + b[k] for k < len(b), from s = s0."""
    s = s0
    for k in range(b.shape[0]):
        s = a[k] * s + b[k]
    return s


def linear_recurrence_scan(a, b, s0):
    """The value after each step of `linear_recurrence(a, b, s0)`, in order."""
    s, out = s0, []
    for k in range(b.shape[0]):
        s = a[k] * s + b[k]
        out.append(s)
    if not out:
        return b[:0]
    if b.dtype == object:  # NumPy's exact path: Python ints
        return xp.asarray(out, dtype=object)
    return xp.stack(out)


def ipow(x, k):
    """x ** k for exponents k >= 0 (a scalar or an array); a negative exponent, where Python's
    `**` gives a float, raises ValueError."""
    negative = (k < 0).any() if hasattr(k, "any") else k < 0
    if negative:
        raise ValueError("ipow: a negative exponent")
    return x ** k
