"""A variable stepped by constants several times in each iteration, read as a function of the
loop's counter (C that walks packed records: `r = rgb[k++]; g = rgb[k++]; b = rgb[k++];`).

Where every change of an `int` variable `v` in a loop's body is a statement `v = v + c` or
`v = v - c` (`c` an integer constant; `k++` inside an expression is such a statement after its
own, `c_exprs`) at the top level of the body, and there are at least two of them, `v` at the
`j`-th top-level statement of iteration `t` is `v0 + C * t + c_1 + ... + c_m` (`C` the sum of
the steps of one iteration, `c_1 .. c_m` the steps before statement `j`), since no other
statement changes it: the steps are removed, `v` is replaced by that value, and
`v = v0 + C * trips` is assigned after the loop. A body that may `break` keeps its loop as
written. A single step per iteration is `c_induction`'s rule.
"""

from __future__ import annotations

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.plugins.c_induction import substitute, written


def _constant_step(s: L.Stmt) -> tuple[str, int] | None:
    """(v, c) for a statement `v = v + c` or `v = v - c` with an integer constant `c`."""
    if not (isinstance(s, L.Assign) and isinstance(s.target, L.Name)
            and isinstance(s.value, L.Binary) and s.value.op in ("+", "-")):
        return None
    left, right = s.value.left, s.value.right
    if isinstance(left, L.Name) and left.id == s.target.id and isinstance(right, L.Const) \
            and isinstance(right.value, int) and not isinstance(right.value, bool):
        return s.target.id, right.value if s.value.op == "+" else -right.value
    return None


def _names(e: L.Expr) -> set[str]:
    return {x.id for x in L.sub_exprs(e) if isinstance(x, L.Name)}


def _plus(e: L.Expr, k: int, loc: L.Loc) -> L.Expr:
    return e if k == 0 else L.Binary("+", e, L.Const(k, loc), loc)


def rewrite_constant_steps(var: str, start: L.Expr, stop: L.Expr, step: int,
                           body: tuple[L.Stmt, ...], types: dict[str, TensorType],
                           loc: L.Loc) -> tuple[tuple[L.Stmt, ...], list[L.Stmt]]:
    """The body with each variable stepped by constants at least twice per iteration read as a
    function of the counter `var` (a loop stepping by 1 or -1), and the assignments of their
    final values after the loop."""
    if step not in (1, -1) or any(isinstance(s, L.Break) for s in L.walk_stmts(body)):
        return body, []
    counts: dict[str, int] = {}
    for s in L.walk_stmts(body):
        w = written(s)
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    steps: dict[str, int] = {}
    for s in body:
        found = _constant_step(s)
        if found is not None:
            steps[found[0]] = steps.get(found[0], 0) + 1
    # a variable in a write position is left to `affine_writes`, which reads such steps there
    fixed = _names(start) | _names(stop) | {var} | {
        n for s in L.walk_stmts(body) if isinstance(s, L.Assign | L.Push)
        and not isinstance(s.target, L.Name) for n in _names(s.target)}
    after: list[L.Stmt] = []
    for v, n in steps.items():
        if n < 2 or counts.get(v) != n or types.get(v) != INT or v in fixed:
            continue
        per_iteration = sum(c for s in body if (f := _constant_step(s)) and f[0] == v
                            for c in [f[1]])
        t = L.Binary("-", L.Name(var, loc), start, loc) if step == 1 \
            else L.Binary("-", start, L.Name(var, loc), loc)
        base = L.Binary("+", L.Name(v, loc), L.Binary("*", L.Const(per_iteration, loc), t, loc),
                        loc)
        out: list[L.Stmt] = []
        done = 0
        for s in body:
            found = _constant_step(s)
            if found is not None and found[0] == v:
                done += found[1]
                continue
            out.append(substitute(s, v, _plus(base, done, s.loc)))
        body = tuple(out)
        span = L.Binary("-", stop, start, loc) if step == 1 else L.Binary("-", start, stop, loc)
        trips = L.Call("max", (L.Const(0, loc), span), loc)
        after.append(L.Assign(L.Name(v, loc), L.Binary(
            "+", L.Name(v, loc), L.Binary("*", L.Const(per_iteration, loc), trips, loc), loc),
            loc))
    return body, after
