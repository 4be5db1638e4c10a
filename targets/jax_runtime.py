"""Runtime helpers of the jax target, copied by source into generated modules.

TensIR's `/` and `%` are C's (truncate toward zero; x / 0 == 0, x % 0 == x) where `jnp.floor_divide`
floors; `floordiv`/`floormod` are Python's. Each function must stay self-contained (only `jnp` in
scope); arguments are arrays or Python scalars (literals, and int parameters static under jax.jit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jax.numpy as jnp


def c_div(a, b):
    """Division as in C: integers truncate toward zero; x / 0 is 0 (int and float)."""
    zero = b == 0
    safe = jnp.where(zero, 1, b)
    if jnp.issubdtype(jnp.result_type(a, b), jnp.floating):
        return jnp.where(zero, 0.0, a / safe)
    q = jnp.abs(a) // jnp.abs(safe)
    return jnp.where(zero, 0, jnp.where((a < 0) != (safe < 0), -q, q))


def c_mod(a, b):
    """Remainder as in C: the sign of the dividend, a == b * c_div(a, b) + c_mod(a, b); x % 0 is x."""
    return a - b * c_div(a, b)


def py_div(a, b):
    """Floor division as in Python's `//` (ints); x // 0 is 0."""
    zero = b == 0
    return jnp.where(zero, 0, jnp.floor_divide(a, jnp.where(zero, 1, b)))


def py_mod(a, b):
    """Remainder as in Python's `%`: the sign of the divisor; x % 0 is x."""
    return a - b * py_div(a, b)


def append_rows(x, e):
    """x with one more entry `e` on its first axis."""
    e = jnp.asarray(e, dtype=x.dtype)
    if x.shape[0] == 0:
        return e[None]
    return jnp.concatenate((x, e[None]), axis=0)
