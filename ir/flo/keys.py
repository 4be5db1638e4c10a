"""Key equality of Flo, written once: Python's `==` on hashable values.

The interpreter groups, joins and deduplicates with Python dicts and sets, so `1`, `1.0` and `True`
are one key, and so are `frozenset({1})` and `frozenset({1.0})`. An engine that groups by the
encoded bytes of a key (Beam) groups by `canonical_key(k)` instead: a value that Beam encodes
deterministically, equal for keys that are `==` and different for keys that are not.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import pickle
from typing import Any


def canonical_key(x: Any) -> Any:
    """A deterministically encodable stand-in for `x`: `canonical_key(a) == canonical_key(b)`
    exactly when `a == b` (numbers compare by value, whatever their type)."""
    if x is None or isinstance(x, (str, bytes)):
        return x
    if isinstance(x, numbers.Number):
        return _number(x)
    if isinstance(x, tuple):
        return tuple(canonical_key(v) for v in x)
    if isinstance(x, (frozenset, set)):
        return ("<set>", tuple(sorted((canonical_key(v) for v in x), key=repr)))
    if isinstance(x, dict):
        return ("<dict>", tuple(sorted(((canonical_key(k), canonical_key(v))
                                        for k, v in x.items()), key=repr)))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return ("<dataclass>", type(x).__module__, type(x).__qualname__,
                tuple(canonical_key(getattr(x, f.name)) for f in dataclasses.fields(x)))
    return ("<object>", type(x).__module__, type(x).__qualname__, pickle.dumps(x))


def _number(x: Any) -> Any:
    """Numbers equal by value get one form: an int when integral, else a float when exact, else
    the number itself tagged by its type (a complex, or a fraction no float holds)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, numbers.Real):
        if isinstance(x, float) and not math.isfinite(x):
            return ("<float>", repr(x))
        whole = math.trunc(x)
        if x == whole:
            return whole
        as_float = float(x)
        if as_float == x:
            return as_float
        return ("<real>", repr(x))
    if isinstance(x, complex) and x.imag == 0:
        return _number(x.real)
    return ("<number>", repr(x))
