"""Runtime helper of the Python-module targets for `linear_recurrence`, copied by source.

The fold as the op states it (`ir/tensir/ops/recurrence.py`), one step per entry, written against
the array-API namespace `xp` without using it: on NumPy's exact path (object arrays) the steps are
Python ints and never wrap, floats round step by step as the source's loop does, and under
`jax.jit` the loop unrolls over the static length.
"""

from __future__ import annotations


def linear_recurrence(a, b, s0):
    """s = a[k] * s + b[k] for k < len(b), from s = s0."""
    s = s0
    for k in range(b.shape[0]):
        s = a[k] * s + b[k]
    return s
