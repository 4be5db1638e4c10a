"""Deciding conjunctions of int comparisons with literals by intervals.

A branch's read becomes the precondition `not branch or in_range` (`Conditions`); where the branch
itself implies the read is in range (`rows != 0` before `grid[0]`, with `rows == len(grid)`), the
precondition says nothing and is left out, and a guard whose failure condition cannot hold
(`len(grid) != 0 and len(grid) <= 0`) checks nothing. Each atom compares one int term with an int
literal (`t < k`, `k <= t`, `t == k`, `t != k`, `not` of one); a length is at least 0. Atoms of
other shapes are ignored, which only makes `unsatisfiable` answer False more often.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tensflo.ir.tensir import App, Lit, Term

from .build import mk

Bound = tuple[str, Term, int]
"""(`lo`, `hi`, `ne`) or `eq`, the int term, the literal: `t >= k`, `t <= k`, `t != k`, `t == k`."""

_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_NEGATE = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne", "ne": "eq"}


def conjuncts(t: Term) -> list[Term]:
    """The operands of a chain of `and`s."""
    if isinstance(t, App) and t.op.name == "and":
        return [u for a in t.args if isinstance(a, Term) for u in conjuncts(a)]
    return [t]


def unsatisfiable(atoms: Iterable[Term]) -> bool:
    """No int values satisfy every atom (as far as intervals tell)."""
    lo: dict[Term, int] = {}
    hi: dict[Term, int] = {}
    excluded: dict[Term, set[int]] = {}
    for atom in atoms:
        bound = _bound(atom)
        if bound is None:
            continue
        kind, t, k = bound
        if isinstance(t, App) and t.op.name == "len":
            lo[t] = max(lo.get(t, 0), 0)
        if kind in ("lo", "eq"):
            lo[t] = max(lo.get(t, k), k)
        if kind in ("hi", "eq"):
            hi[t] = min(hi.get(t, k), k)
        if kind == "ne":
            excluded.setdefault(t, set()).add(k)
    for t in {*lo, *hi}:
        low, high = lo.get(t), hi.get(t)
        gaps = excluded.get(t, set())
        while low is not None and low in gaps:
            low += 1
        while high is not None and high in gaps:
            high -= 1
        if low is not None and high is not None and low > high:
            return True
    return False


def implies(premises: Sequence[Term], goal: Term) -> bool:
    """`premises` imply every conjunct of `goal` (as far as intervals tell)."""
    for c in conjuncts(goal):
        negated = _negation(c)
        if negated is None or not unsatisfiable([*premises, negated]):
            return False
    return True


def _negation(atom: Term) -> Term | None:
    bound = _comparison(atom)
    if bound is None:
        return None
    name, a, b = bound
    return mk(_NEGATE[name], a, b)


def _comparison(atom: Term) -> tuple[str, Term, Term] | None:
    """`atom` as (comparison, left, right), `not` pushed in."""
    if not isinstance(atom, App):
        return None
    if atom.op.name == "not":
        inner = atom.args[0]
        if not isinstance(inner, Term):
            return None
        found = _comparison(inner)
        return None if found is None else (_NEGATE[found[0]], found[1], found[2])
    if atom.op.name not in _FLIP:
        return None
    a, b = atom.args
    if not (isinstance(a, Term) and isinstance(b, Term) and a.type.elem == b.type.elem == "int"
            and a.type.is_scalar and b.type.is_scalar):
        return None
    return atom.op.name, a, b


def _bound(atom: Term) -> Bound | None:
    found = _comparison(atom)
    if found is None:
        return None
    name, a, b = found
    if isinstance(a, Lit) and not isinstance(b, Lit):
        name, a, b = _FLIP[name], b, a
    if isinstance(a, Lit) or not isinstance(b, Lit) or type(b.value) is not int:
        return None
    k = b.value
    return {"lt": ("hi", a, k - 1), "le": ("hi", a, k), "gt": ("lo", a, k + 1),
            "ge": ("lo", a, k), "eq": ("eq", a, k), "ne": ("ne", a, k)}[name]
