"""Runtime helper of the Python-module targets for `stride_update`, copied by source.

Written against the array-API namespace `xp` (`np`, `jnp`, `mx`, `torch` in the copy), without
in-place writes (JAX and MLX arrays are values): entry `p` takes `vals[(p - start) // step]` where
`p - start` is a multiple of the step in range, else keeps `x[p]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as xp


def stride_update(x, start, step, vals):
    """x with vals[j] at start + step * j for j < len(vals); a step of 0 writes at start alone."""
    count = vals.shape[0]
    if count == 0:
        return x
    d = xp.arange(x.shape[0]) - start
    safe = step + (step == 0)
    j = d // safe
    hit = (d - j * safe == 0) & (j >= 0) & (j < count)
    return xp.where(hit, vals[xp.clip(j, 0, count - 1)], x)
