"""Runtime helpers of the Python-module targets for `linear_recurrence` and `ipow`, copied by
source.

`linear_recurrence` is the fold as the op states it (`ir/tensir/ops/recurrence.py`), one step per
entry: on NumPy's exact path (object arrays) the steps are Python ints and never wrap, floats round
step by step as the source's loop does, and under `jax.jit` the loop unrolls over the static
length. `ipow` is the array library's `**`, refusing the negative exponents outside the op's domain.
"""

from __future__ import annotations


def linear_recurrence(a, b, s0):
    """s = a[k] * s + b[k] for k < len(b), from s = s0."""
    s = s0
    for k in range(b.shape[0]):
        s = a[k] * s + b[k]
    return s


def ipow(x, k):
    """x ** k for exponents k >= 0 (a scalar or an array); a negative exponent, where Python's
    `**` gives a float, raises ValueError."""
    negative = (k < 0).any() if hasattr(k, "any") else k < 0
    if negative:
        raise ValueError("ipow: a negative exponent")
    return x ** k
