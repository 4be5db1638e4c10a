"""Aggregates of closed windows: a fold, reduce or keyed fold (`emit="final"`) reading a windowed
stream aggregates each window's elements, in their order, as the window closes.

For a count window (a tuple) the result is the aggregate; for an event-time window (a `Window`)
it is `(start, aggregate)`, so that results of different windows stay apart. A keyed fold's
aggregate is the frozenset of `(key, acc)` that it would emit for the window's elements. Both the
interpreter and the Beam lowering call `per_window`, so the engines share this definition.
"""

from __future__ import annotations

from typing import Any

from . import ops


def per_window(op: ops.Op, window: Any) -> list[Any]:
    """What `op` emits for one closed `window`: one result (none for a reduce of no elements)."""
    items = window.items if isinstance(window, ops.Window) else tuple(window)
    found, value = _aggregate(op, items)
    if not found:
        return []
    return [(window.start, value) if isinstance(window, ops.Window) else value]


def _aggregate(op: ops.Op, items: tuple[Any, ...]) -> tuple[bool, Any]:
    if isinstance(op, ops.Fold):
        acc = op.init
        for x in items:
            acc = op.step(acc, x)
        return True, acc
    if isinstance(op, ops.Reduce):
        if not items:
            return False, None
        acc = items[0]
        for x in items[1:]:
            acc = op.f(acc, x)
        return True, acc
    if isinstance(op, ops.KeyedFold) and op.emit == "final":
        accs: dict[Any, Any] = {}
        for x in items:
            k = op.key(x)
            accs[k] = op.step(accs.get(k, op.init), x)
        return True, frozenset(accs.items())
    raise TypeError(f"{op.name} does not aggregate windows")
