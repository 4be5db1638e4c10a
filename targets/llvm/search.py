"""The llvm target's entries of the searches and arg-extremes: one fused loop over the vector,
carrying the index found so far (and the best value), as the source loop does; -1 when none."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llvmlite.ir import Value

    from .codegen import Lowering, View

_BEATS = {"argmax_from": ">", "argmax_last_from": ">=", "argmin_from": "<", "argmin_last_from": "<="}


def _nonzero(g: Lowering, elem: str, v: Value) -> Value:
    if elem == "float":
        return g.b.fcmp_unordered("!=", v, g.const(elem, 0.0))  # NaN counts, as in NumPy
    return g.b.icmp_unsigned("!=", v, g.const(elem, 0))


def _find_first(g: Lowering, m: View, s: Value) -> Value:
    def step(i: Value, acc: tuple[Value, ...]) -> tuple[Value, ...]:
        fresh = g.b.and_(g.b.icmp_signed("<", acc[0], g.i64(0)), g.b.icmp_signed(">=", i, s))
        return (g.b.select(g.b.and_(fresh, _nonzero(g, m.elem, m.at((i,)))), i, acc[0]),)

    (at,) = g.loop(g.i64(0), m.dims[0], lambda i: None, "find", [g.i64(-1)], step)
    return at


def _find_last(g: Lowering, m: View) -> Value:
    (at,) = g.loop(g.i64(0), m.dims[0], lambda i: None, "find", [g.i64(-1)],
                   lambda i, acc: (g.b.select(_nonzero(g, m.elem, m.at((i,))), i, acc[0]),))
    return at


def _extreme(beats: str) -> Callable[..., Value]:
    """With a seed `s` the first element is compared with it; without one it is taken."""
    def entry(g: Lowering, x: View, *seed: Value) -> Value:
        def step(i: Value, acc: tuple[Value, ...]) -> tuple[Value, ...]:
            v = x.at((i,))
            if x.elem == "float":
                better = g.b.fcmp_ordered(beats, v, acc[0])
            else:
                better = g.b.icmp_signed(beats, v, acc[0])
            if not seed:
                better = g.b.or_(better, g.b.icmp_signed("<", acc[1], g.i64(0)))
            return g.b.select(better, v, acc[0]), g.b.select(better, i, acc[1])

        start = seed[0] if seed else g.const(x.elem, 0)
        _, at = g.loop(g.i64(0), x.dims[0], lambda i: None, "arg", [start, g.i64(-1)], step)
        return at

    return entry


SEARCH_ENTRIES: dict[str, Any] = {
    "find_first": _find_first,
    "find_last": _find_last,
    **{name: _extreme(beats) for name, beats in _BEATS.items()},
    **{name.removesuffix("_from"): _extreme(beats) for name, beats in _BEATS.items()},
}
"""The searches and arg-extremes as LLVM IR, by op name."""
