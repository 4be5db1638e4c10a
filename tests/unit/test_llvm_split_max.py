"""A max reduction whose result goes to an int32 buffer is split over two threads only when its
value is narrow (the sign extension of an i32, so truncating each half's maximum changes
nothing); a max of wider values keeps one range. Both equal NumPy on one and two threads."""

from __future__ import annotations

import numpy as np
import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.target import LlvmTarget

FNS = parse_module(
    "def top(x: vec[int]) -> int = reduce_max(x)\n"
    "def top0(x: vec[int]) -> int = reduce_max(append(x, 0))\n"
    "def wide(x: vec[int]) -> int = reduce_max(vec_map(x, lambda e: e * 3))\n")
DTYPES = {"x": "int32", "return": "int32"}


def _kernels() -> dict:
    return LlvmTarget().compile(list(FNS), DTYPES)


def test_only_a_narrow_max_is_split() -> None:
    k = _kernels()
    assert k["top"].info.split == "max"
    assert k["top0"].info.split == "max"
    assert k["wide"].info.split is None  # 3 * e leaves 32 bits: max after truncation differs


@pytest.mark.parametrize("threads", [1, 2])
def test_maxima_equal_numpy_near_the_int32_limits(threads: int) -> None:
    rng = np.random.default_rng(11)
    kernels = _kernels()
    for k in kernels.values():
        k.threads = threads
    lo, hi = -2**31, 2**31 - 1
    for n in (1, 2, 3, 1000, 200_001):
        for x in (rng.integers(lo, hi, n, endpoint=True, dtype=np.int64).astype(np.int32),
                  rng.integers(-50, 0, n).astype(np.int32)):
            if n > 2:
                x[rng.integers(0, n)] = hi if n % 2 else lo
            assert int(kernels["top"](x)) == int(x.max()), n
            assert int(kernels["top0"](x)) == max(int(x.max()), 0), n
            assert int(kernels["wide"](x)) == int((3 * x.astype(np.int64)).max() + 2**31) % 2**32 - 2**31, n
