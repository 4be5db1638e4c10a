"""Runtime helpers of the jax and mlx targets (and torch's but division), copied by source.

Written once against the array-API namespace `xp`, which the copy spells as the target's own (`jnp`,
`mx`, `torch`). TensIR's `/` and `%` are C's (truncate toward zero; x / 0 == 0, x % 0 == x) where both
frameworks' `//` floors; `floordiv`/`floormod` are Python's. Each function must stay self-contained
(only `xp` in scope); arguments are arrays, or Python scalars on jax (literals, and int parameters
static under jax.jit; mlx types every literal, since it makes Python ints 32-bit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jax.numpy as xp


def c_div(a, b):
    """Division as in C: integers truncate toward zero; x / 0 is 0 (int and float)."""
    zero = b == 0
    safe = xp.where(zero, 1, b)
    if xp.issubdtype(xp.result_type(a, b), xp.floating):
        return xp.where(zero, 0.0, a / safe)
    q = xp.abs(a) // xp.abs(safe)
    return xp.where(zero, 0, xp.where((a < 0) != (safe < 0), -q, q))


def c_mod(a, b):
    """Remainder as in C: the sign of the dividend, a == b * c_div(a, b) + c_mod(a, b); x % 0 is x."""
    return a - b * c_div(a, b)


def py_div(a, b):
    """Floor division as in Python's `//` (ints); x // 0 is 0."""
    zero = b == 0
    return xp.where(zero, 0, xp.floor_divide(a, xp.where(zero, 1, b)))


def py_mod(a, b):
    """Remainder as in Python's `%`: the sign of the divisor; x % 0 is x."""
    return a - b * py_div(a, b)


def append_rows(x, e):
    """x with one more entry `e` on its first axis."""
    e = xp.asarray(e, dtype=x.dtype)
    if x.shape[0] == 0:
        return e[None]
    return xp.concatenate((x, e[None]), axis=0)


def int_matmul(a, b):
    """a @ b for int matrices on a framework whose matmul takes floats only (mlx): exact products
    summed over k, a few rows at a time so the n x k x m products never exist at once."""
    n, m = a.shape[0], b.shape[1]
    if a.shape[1] == 0:
        return xp.zeros((n, m), dtype=a.dtype)
    step = max(1, (1 << 22) // max(a.shape[1] * m, 1))
    rows = [xp.sum(a[i:i + step, :, None] * b[None, :, :], axis=1) for i in range(0, n, step)]
    return xp.concatenate(rows, axis=0) if rows else xp.zeros((0, m), dtype=a.dtype)


# mlx 0.32 on the CPU can stall for seconds, or hang, evaluating a reduction over an empty axis
# (seen with sums of sliced, transposed products): these take the empty case without reducing.
def sum_axis(x, axis=0):
    """x summed over `axis`; zeros when that axis is empty."""
    if x.shape[axis] == 0:
            return xp.zeros(tuple(d for i, d in enumerate(x.shape) if i != axis), dtype=x.dtype)
    return xp.sum(x, axis=axis)


def prod_axis(x, axis=0):
    """The product over `axis`; ones when that axis is empty."""
    if x.shape[axis] == 0:
        return xp.ones(tuple(d for i, d in enumerate(x.shape) if i != axis), dtype=x.dtype)
    return xp.prod(x, axis=axis)


def matmul_or_zeros(a, b):
    """a @ b (floats); zeros when the inner length is 0."""
    if a.shape[1] == 0:
        return xp.zeros(a.shape[:1] + b.shape[1:], dtype=a.dtype)
    return a @ b


def array_of(x, dtype):
    """x as an array of `dtype`; an empty one is built, not imported (mlx 0.32 can stall or hang
    importing a zero-size NumPy buffer)."""
    if getattr(x, "size", 1) == 0:
        return xp.zeros(tuple(x.shape), dtype=dtype)
    return xp.array(x, dtype=dtype)
