"""jax's runtime helpers for `linear_recurrence` and `linear_recurrence_scan`, copied by source in
place of the array-API ones (`recurrence_runtime.py`, whose Python loop `jax.jit` would unroll into
one XLA op per entry): the same fold as `jax.lax.scan`, one step per entry in order, the state in
the terms' dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jax
    import jax.numpy as xp


def linear_recurrence(a, b, s0):
    """s = a[k] * s + b[k] for k < len(b), from s = s0."""
    def step(s, ab):
        return ab[0] * s + ab[1], None

    s, _ = jax.lax.scan(step, xp.asarray(s0, dtype=b.dtype), (a, b))
    return s


def linear_recurrence_scan(a, b, s0):
    """The value after each step of `linear_recurrence(a, b, s0)`, in order."""
    def step(s, ab):
        s = ab[0] * s + ab[1]
        return s, s

    _, out = jax.lax.scan(step, xp.asarray(s0, dtype=b.dtype), (a, b))
    return out
