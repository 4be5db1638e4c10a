"""A choice by the sign of a running value: `if s <= 0: s = v  else: s = s + v` is
`s = max(v, s + v)` (Kadane's update written as a branch).

Where `s <= 0`, `v >= s + v`; where `s > 0`, `s + v > v`: so the branch takes the larger of the
two, for ints exactly and for floats too (rounding is monotonic: `s + v` rounds to at most `v`
when `s <= 0`, and the two are equal where it does not exceed it). `s < 0` in place of `s <= 0`
is the same choice (at `s == 0` both give `v`), and so are the conditions written the other way
round (`0 >= s`, `s > 0` with the branches exchanged). `max_updates` rewrites every such
statement of a function; the loop-shape rules read the `max` form as a running scan.
"""

from __future__ import annotations

from dataclasses import replace

from tensflo.ir.loop import nodes as L

_NON_POSITIVE = {("<=", "left"), ("<", "left"), (">=", "right"), (">", "right")}
"""(operator, side of `s`) of a test that `s` is at most 0 (`s <= 0`, `0 >= s`, ...)."""


def max_updates(fn: L.Function) -> L.Function | None:
    """`fn` with every sign choice rewritten as a `max`, or None when it has none."""
    changed = [False]
    body = _body(fn.body, changed)
    return replace(fn, body=body) if changed[0] else None


def _body(body: tuple[L.Stmt, ...], changed: list[bool]) -> tuple[L.Stmt, ...]:
    out: list[L.Stmt] = []
    for s in body:
        if isinstance(s, L.If):
            update = _as_max(s)
            if update is not None:
                changed[0] = True
                out.append(update)
                continue
            s = replace(s, then=_body(s.then, changed), orelse=_body(s.orelse, changed))
        elif isinstance(s, L.For | L.While):
            s = replace(s, body=_body(s.body, changed))
        out.append(s)
    return tuple(out)


def _as_max(s: L.If) -> L.Assign | None:
    """`s` as `name = max(v, name + v)`, or None."""
    if len(s.then) != 1 or len(s.orelse) != 1:
        return None
    a, b = s.then[0], s.orelse[0]
    if not (isinstance(a, L.Assign) and isinstance(b, L.Assign) and isinstance(a.target, L.Name)
            and a.target == b.target):
        return None
    name = a.target.id
    cond = s.cond
    if not isinstance(cond, L.Binary):
        return None
    if cond.left == L.Name(name) and _zero(cond.right):
        side = "left"
    elif cond.right == L.Name(name) and _zero(cond.left):
        side = "right"
    else:
        return None
    non_positive = (cond.op, side) in _NON_POSITIVE
    positive = (cond.op, side) in {("<", "right"), (">", "left"), ("<=", "right"), (">=", "left")}
    if not (non_positive or positive):
        return None
    fresh, added = (a.value, b.value) if non_positive else (b.value, a.value)
    if any(isinstance(x, L.Name) and x.id == name for x in L.sub_exprs(fresh)):
        return None
    if added not in (L.Binary("+", L.Name(name), fresh), L.Binary("+", fresh, L.Name(name))):
        return None
    if isinstance(fresh, L.Const) and isinstance(fresh.value, bool):
        return None
    return L.Assign(a.target, L.Call("max", (fresh, added), s.loc), s.loc)


def _zero(e: L.Expr) -> bool:
    return isinstance(e, L.Const) and not isinstance(e.value, bool) and e.value == 0
