"""Comparing values that tests get from generated code, rewritten terms and the reference evaluator."""

from __future__ import annotations

from typing import Any

import numpy as np

from tensflo.ir.tensir import Term, Var, free_vars


def same_value(got: Any, want: Any, narrow: bool = False, rtol: float = 1e-12) -> bool:
    """Equal shape, dtype and values; floats within `rtol` relative (`rtol=0`: exactly). `narrow`:
    `got` was computed in a narrower dtype (int32, float32) and `want` is compared in that dtype."""
    got, want = np.asarray(got), np.asarray(want)
    if narrow:
        want = want.astype(got.dtype)
    if (got.shape, got.dtype) != (want.shape, want.dtype):
        return False
    if want.dtype.kind == "f":
        return bool(np.allclose(got, want, rtol=rtol, atol=0))
    return bool(np.array_equal(got, want))


def params_of(term: Term) -> tuple[Var, ...]:
    """The free variables of a term, by name: the parameters of a function computing it."""
    return tuple(sorted(free_vars(term), key=lambda v: v.name))
