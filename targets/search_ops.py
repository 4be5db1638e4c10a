"""The array targets' entries of the searches and arg-extremes (`find_first`, `find_last`,
`argmax_from`, ...), written once over the array namespace (`np`, `torch`, `jnp`, `mx`).

Each is one expression over `where`, `arange`, `max`/`min` and `argmax`/`argmin` (which keep the
first index on ties in all four libraries); the vector is bound to a local first, since it is
used several times, and an empty vector gives -1 without reducing (the length is a Python int,
static under jax.jit).
"""

from __future__ import annotations

from tensflo.ir.tensir import App
from tensflo.ir.tensir.precedence import ATOM

from .pyexpr import PyEntry, PyRenderer

UNSIGNED_ARG = {"mx": "{}.astype(mx.int64)"}
"""Namespaces whose `argmax`/`argmin` return an unsigned index (mlx: uint32), and its cast."""


def _find_first(ns: str) -> PyEntry:
    def render(r: PyRenderer, t: App) -> tuple[str, int]:
        m, s = r.atom(t.term(0)), r.atom(t.term(1))
        hits = f"({m} != 0) & ({ns}.arange(len({m})) >= {s})"
        k = r.bind(f"{ns}.min({ns}.where({hits}, {ns}.arange(len({m})), len({m}))) if len({m}) else 0")
        return f"({ns}.where({k} < len({m}), {k}, -1) if len({m}) else -1)", ATOM

    return render


def _find_last(ns: str) -> PyEntry:
    def render(r: PyRenderer, t: App) -> tuple[str, int]:
        m = r.atom(t.term(0))
        return (f"({ns}.max({ns}.where({m} != 0, {ns}.arange(len({m})), -1)) if len({m}) else -1)",
                ATOM)

    return render


def _extreme(ns: str, top: str, arg: str, beats: str, last: bool) -> PyEntry:
    """The seeded form (`argmax_from(x, s)`), or without a seed (`argmax(x)`)."""
    def render(r: PyRenderer, t: App) -> tuple[str, int]:
        x = r.atom(t.term(0))
        best = f"{ns}.{top}({x})"
        at = (f"{ns}.max({ns}.where({x} == {best}, {ns}.arange(len({x})), -1))" if last
              else UNSIGNED_ARG.get(ns, "{}").format(f"{ns}.{arg}({x})"))
        if len(t.args) == 1:
            return f"({at} if len({x}) else -1)", ATOM
        s = r.atom(t.term(1))
        return f"({ns}.where({best} {beats} {s}, {at}, -1) if len({x}) else -1)", ATOM

    return render


def search_entries(ns: str) -> dict[str, PyEntry]:
    """The searches and arg-extremes in namespace `ns`."""
    return {
        "find_first": _find_first(ns),
        "find_last": _find_last(ns),
        "argmax_from": _extreme(ns, "max", "argmax", ">", last=False),
        "argmax_last_from": _extreme(ns, "max", "argmax", ">=", last=True),
        "argmin_from": _extreme(ns, "min", "argmin", "<", last=False),
        "argmin_last_from": _extreme(ns, "min", "argmin", "<=", last=True),
        "argmax": _extreme(ns, "max", "argmax", ">", last=False),
        "argmax_last": _extreme(ns, "max", "argmax", ">=", last=True),
        "argmin": _extreme(ns, "min", "argmin", "<", last=False),
        "argmin_last": _extreme(ns, "min", "argmin", "<=", last=True),
    }
