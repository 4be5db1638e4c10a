"""`out=` on an llvm kernel call: the result is written into the given array (equal to a call
without it, one and two threads), and an array it cannot be written into is refused: wrong dtype
or shape, not C-contiguous, read-only, overlapping an input, or a scalar result."""

from __future__ import annotations

import numpy as np
import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.target import LlvmTarget

FUNCTIONS = parse_module(
    "def affine(x: vec[int], a: int) -> vec[int] = vec_map(x, lambda e: a * e + 1)\n"
    "def grid(x: vec[float], y: vec[float]) -> mat[float] = outer(x, y)\n"
    "def total(x: vec[int]) -> int = reduce_sum(x)\n")


def _kernel(name: str, dtypes: dict[str, str]):
    fn = next(f for f in FUNCTIONS if f.name == name)
    return LlvmTarget().compile([fn], dtypes)[name]


@pytest.mark.parametrize("threads", [1, 2])
def test_out_receives_the_result(threads):
    k = _kernel("affine", {"x": "int32", "return": "int32"})
    k.threads = threads
    x = np.random.default_rng(threads).integers(-10**6, 10**6, 300_001).astype(np.int32)
    out = np.full(x.size, 99, np.int32)
    got = k(x, -3, out=out)
    assert got is out
    assert np.array_equal(out, k(x, -3))
    assert np.array_equal(out, (-3 * x.astype(np.int64) + 1).astype(np.int32))
    k.threads = None


def test_out_for_a_matrix():
    k = _kernel("grid", {})
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=70), rng.normal(size=90)
    out = np.empty((70, 90))
    assert k(x, y, out=out) is out
    err = float(np.max(np.abs(out - np.outer(x, y))))
    assert err <= 1e-15, f"largest error {err}"


def test_unusable_outs_are_refused():
    k = _kernel("affine", {"x": "int32", "return": "int32"})
    x = np.arange(1000, dtype=np.int32)
    with pytest.raises(ValueError, match="dtype int32 and shape"):
        k(x, 2, out=np.empty(1000, np.int64))
    with pytest.raises(ValueError, match="dtype int32 and shape"):
        k(x, 2, out=np.empty(999, np.int32))
    with pytest.raises(ValueError, match="C-contiguous"):
        k(x, 2, out=np.empty(2000, np.int32)[::2])
    frozen = np.empty(1000, np.int32)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        k(x, 2, out=frozen)
    with pytest.raises(ValueError, match="overlaps an input"):
        k(x, 2, out=x)
    with pytest.raises(TypeError, match="NumPy array"):
        k(x, 2, out=[0] * 1000)
    with pytest.raises(ValueError, match="scalar"):
        _kernel("total", {"x": "int32", "return": "int32"})(x, out=np.empty(1, np.int32))
    assert np.array_equal(x, np.arange(1000))  # nothing was written into the input
