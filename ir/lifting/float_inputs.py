"""Float inputs that can tell a wrong program apart, and the tolerance floats are compared with.

Random float inputs start from the whole numbers the int inputs are drawn from (kernels whose
branches compare with integers need them) and vary them by *style*, one per draw:

- `whole`: the whole numbers unchanged;
- `mixed`: each entry a whole number, a fraction (a uniform value in (-1, 1), added to the whole
  number half of the time), a value near zero (±10^-30 .. ±10^-10) or negative zero;
- `large`: entries of magnitude 10^4 .. 10^12 (some negative zero);
- `small`: entries of magnitude 10^-9 .. 10^-3 (some negative zero), so that an absolute part of
  the tolerance scaled to the inputs stays small too.

The styles cycle with the draw (`style_of`); the randomness comes from its own stream
(`float_stream`), so int inputs are drawn exactly as without float variation. Each entry's kind is
one of `FLOAT_KINDS`; a draw reports the kinds it contains.

Floats are compared with a tolerance: `a` and `b` agree when `|a - b| <= RTOL * max(|a|, |b|) +
ATOL * scale`, where `scale` is the magnitude of the input (the largest absolute value among its
float entries and the source's result, times the number of input entries over `TERMS` when that is more
than 1):
rounding and summation order can then differ (a sum of N terms of magnitude S is off by about
N * 2^-52 * S), while a program wrong by more than a billionth of the input's magnitude is told
apart. NaN equals NaN only; infinities equal only themselves; negative zero equals zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

FLOAT_KINDS = ("whole", "fraction", "near-zero", "negative-zero", "large", "small")
"""The kinds of float entries a draw can contain, in the order they are reported."""
STYLES = ("whole", "mixed", "large", "mixed", "small", "mixed", "whole", "mixed")
"""The style of draw `i` is `STYLES[i % len(STYLES)]`."""
RTOL = 1e-9
"""Relative part of the float tolerance."""
ATOL = 1e-9
"""Absolute part of the float tolerance, as a fraction of the input's magnitude (`scale`)."""
TERMS = 10**5
"""Inputs of more entries than this widen the absolute part in proportion (rounding of long sums)."""

_MIXED = ("whole", "fraction", "near-zero", "negative-zero")
_MIXED_P = (0.35, 0.4, 0.15, 0.1)
_STREAM = 0xF10A7


def float_stream(seed: int) -> np.random.Generator:
    """The random stream float variation draws from, separate from the one of whole numbers."""
    return np.random.default_rng([seed % 2**63, _STREAM])


def style_of(draw: int) -> str:
    """The style (`whole`, `mixed`, `large` or `small`) of the `draw`-th draw."""
    return STYLES[draw % len(STYLES)]


def vary(whole: np.ndarray, rng: np.random.Generator, style: str) -> tuple[np.ndarray, frozenset[str]]:
    """Float entries of the given style derived from the whole numbers `whole` (any shape), with
    the kinds they contain."""
    whole = np.asarray(whole, dtype=np.float64)
    if whole.size == 0:
        return whole, frozenset()
    if style == "whole":
        return whole, frozenset({"whole"})
    flat = whole.ravel()
    size = flat.size
    sign = np.where(rng.random(size) < 0.5, -1.0, 1.0)
    if style in ("large", "small"):
        lo, hi = (4.0, 12.0) if style == "large" else (-9.0, -3.0)
        names: tuple[str, ...] = (style, "negative-zero")
        kind = (rng.random(size) >= 0.9).astype(np.int64)
        out = np.where(kind == 0, sign * 10.0 ** rng.uniform(lo, hi, size), -0.0)
    else:
        names = _MIXED
        kind = rng.choice(len(_MIXED), size=size, p=_MIXED_P)
        fraction = np.where(rng.random(size) < 0.5, flat, 0.0) + rng.uniform(-1.0, 1.0, size)
        tiny = sign * 10.0 ** rng.uniform(-30.0, -10.0, size)
        out = np.choose(kind, [flat, fraction, tiny, np.full(size, -0.0)])
    return out.reshape(whole.shape), frozenset(names[k] for k in np.unique(kind))


def ordered_kinds(kinds: frozenset[str] | set[str]) -> list[str]:
    """`kinds` in the order of `FLOAT_KINDS`."""
    return [k for k in FLOAT_KINDS if k in kinds]


def magnitude(*values: Any) -> float:
    """The largest finite absolute value among the entries of `values` (numbers, nested lists,
    arrays); 0 when there are none."""
    best = 0.0
    for v in values:
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):  # a ragged nested list
            arr = np.asarray(_leaves(v), dtype=np.float64)
        finite = arr[np.isfinite(arr)]
        if finite.size:
            best = max(best, float(np.abs(finite).max()))
    return best


def _leaves(v: Any) -> list[Any]:
    if isinstance(v, list | tuple | np.ndarray):
        return [x for e in v for x in _leaves(e)]
    return [v]


def scale_of(arrays: dict[str, Any], expected: Any) -> float:
    """The magnitude the absolute part of the tolerance is relative to, for one input: of its
    float entries (not its ints: a length must not widen the tolerance) and the source's result."""
    floats = [v for v in arrays.values() if np.asarray(v).dtype.kind == "f"]
    entries = sum(int(np.size(v)) for v in arrays.values())
    return magnitude(*floats, expected) * max(1.0, entries / TERMS)


def close(a: float, b: float, scale: float) -> bool:
    """Whether two floats agree within the tolerance (see the module docstring)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL * scale


def all_close(want: Any, got: Any, scale: float) -> bool:
    """`close` entry by entry for two float arrays of the same shape (vectorized)."""
    a, b = np.asarray(want, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if a.shape != b.shape:
        return False
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore", over="ignore"):
        within = np.abs(a - b) <= RTOL * np.maximum(np.abs(a), np.abs(b)) + ATOL * scale
    ok = np.where(nan_a | nan_b, nan_a & nan_b, (a == b) | (within & np.isfinite(a) & np.isfinite(b)))
    return bool(ok.all())


def largest_error(want: Any, got: Any) -> float:
    """The largest absolute difference between corresponding finite float entries of two values of
    the same shape (0.0 when they hold no floats or differ in shape)."""
    try:
        a, b = np.asarray(want, dtype=np.float64), np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return 0.0
    if a.shape != b.shape or not a.size:
        return 0.0
    finite = np.isfinite(a) & np.isfinite(b)
    return float(np.abs(a - b)[finite].max(initial=0.0))
