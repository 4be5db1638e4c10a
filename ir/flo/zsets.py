"""Z-sets (DBSP): finite maps from values to non-zero integer weights.

A Z-set *value* (an element of a stream of DBSP time steps) is a `frozenset` of `(value, weight)`
pairs with distinct values and non-zero weights, as made by `zset()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ZSetValue = frozenset[tuple[Any, int]]


def zset_add(acc: dict[Any, int], pairs: Iterable[tuple[Any, int]]) -> dict[Any, int]:
    """Add weighted pairs into `acc` in place, dropping values whose weight becomes zero."""
    for value, weight in pairs:
        w = acc.get(value, 0) + weight
        if w:
            acc[value] = w
        else:
            acc.pop(value, None)
    return acc


def zset_normalize(acc: dict[Any, int]) -> ZSetValue:
    return frozenset((v, w) for v, w in acc.items() if w)


def zset(pairs: Iterable[tuple[Any, int]] = ()) -> ZSetValue:
    """The Z-set of the given weighted pairs (weights of equal values add up)."""
    return zset_normalize(zset_add({}, pairs))


def zset_plus(a: ZSetValue, b: ZSetValue) -> ZSetValue:
    return zset_normalize(zset_add(dict(a), b))


def zset_minus(a: ZSetValue, b: ZSetValue) -> ZSetValue:
    return zset_normalize(zset_add(dict(a), ((v, -w) for v, w in b)))


def zset_distinct(a: ZSetValue) -> ZSetValue:
    """Weight 1 for every value of positive weight (DBSP's `distinct`)."""
    return frozenset((v, 1) for v, w in a if w > 0)


def zset_join(a: ZSetValue, b: ZSetValue) -> ZSetValue:
    """Join of Z-sets of `(key, value)` pairs: `((k, (x, y)), wa * wb)` for equal keys."""
    by_key: dict[Any, list[tuple[Any, int]]] = {}
    for (k, y), w in b:
        by_key.setdefault(k, []).append((y, w))
    return zset(((k, (x, y)), wa * wb) for (k, x), wa in a for y, wb in by_key.get(k, ()))
