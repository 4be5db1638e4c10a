"""Second induction variables of C loops: a variable stepped by a loop-invariant amount once per
iteration beside the counter, read as a function of the counter.

    for (i = 0; i < n; i++) { s += x[ix]; ix += incx; }
    ->  for (i = 0; i < n; i++) { s += x[ix + incx * i]; }  ix = ix + incx * max(0, n - 0);

Rule: `v` is an `int` declared outside the loop and read in the body; the body's only write to `v` is one statement
`v = v + e` or `v = v - e` (`v += e`, `v++`, `v--`) at the top level of the body (so it runs once
per iteration, unconditionally); `e`, the loop's start and its bound use nothing the body writes.
Then in iteration `t = (i - start) / step` (exact: `i - start` is a multiple of the step) a read of
`v` before that statement is `v + e*t` and one after it `v + e*(t + 1)`, where `v` is its value
before the loop, which the body no longer changes. After the loop `v` has been stepped once per
iteration: the final value `v + e * trips` is assigned after the loop, so later reads (and an
enclosing loop, which may treat `v` as its own induction variable) see the C value. A body that
can leave the loop early (`break`) keeps its loop unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import LoopIRError
from tensflo.ir.tensir.types import INT, TensorType


def _names(e: L.Expr) -> set[str]:
    return {x.id for x in L.sub_exprs(e) if isinstance(x, L.Name)}


def written(s: L.Stmt) -> str | None:
    """The variable a statement writes (its base name for an element or a push; a loop's
    counter)."""
    if isinstance(s, L.Decl):
        return s.name
    if isinstance(s, L.For):
        return s.var
    if isinstance(s, L.Assign | L.Push):
        t: L.Expr = s.target
        while isinstance(t, L.Index):
            t = t.base
        return t.id if isinstance(t, L.Name) else None
    return None


def _step_of(s: L.Stmt) -> tuple[str, str, L.Expr] | None:
    """(v, `+` or `-`, e) for a statement `v = v + e`, `v = e + v` or `v = v - e`."""
    if not (isinstance(s, L.Assign) and isinstance(s.target, L.Name)
            and isinstance(s.value, L.Binary) and s.value.op in ("+", "-")):
        return None
    v, value = s.target.id, s.value
    if isinstance(value.left, L.Name) and value.left.id == v and v not in _names(value.right):
        return v, value.op, value.right
    if value.op == "+" and isinstance(value.right, L.Name) and value.right.id == v \
            and v not in _names(value.left):
        return v, "+", value.left
    return None


def _mul(a: L.Expr, b: L.Expr, loc: L.Loc) -> L.Expr:
    if isinstance(a, L.Const) and a.value == 1 and not isinstance(a.value, bool):
        return b
    if isinstance(b, L.Const) and b.value == 1 and not isinstance(b.value, bool):
        return a
    return L.Binary("*", a, b, loc)


def _add(a: L.Expr, b: L.Expr, loc: L.Loc) -> L.Expr:
    if isinstance(b, L.Const) and b.value == 0 and not isinstance(b.value, bool):
        return a
    if isinstance(a, L.Const) and a.value == 0 and not isinstance(a.value, bool):
        return b
    return L.Binary("+", a, b, loc)


def _sub(a: L.Expr, b: L.Expr, loc: L.Loc) -> L.Expr:
    if isinstance(b, L.Const) and b.value == 0 and not isinstance(b.value, bool):
        return a
    return L.Binary("-", a, b, loc)


def substitute(node: Any, name: str, value: L.Expr) -> Any:
    """`node` (an expression, a statement or a tuple of them) with every read of `name` replaced
    by `value`."""
    if isinstance(node, L.Name):
        return value if node.id == name else node
    if isinstance(node, tuple):
        return tuple(substitute(x, name, value) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type | L.Loc | TensorType):
        changes = {f.name: substitute(getattr(node, f.name), name, value)
                   for f in dataclasses.fields(node) if f.name != "loc"}
        return dataclasses.replace(node, **changes)
    return node


def _iteration(var: str, start: L.Expr, step: int, loc: L.Loc) -> L.Expr:
    """The number of the iteration whose counter is `var`: `(var - start) / step`."""
    t = _sub(L.Name(var, loc), start, loc)
    return t if step == 1 else L.Binary("/", t, L.Const(step, loc), loc)


def _trips(start: L.Expr, stop: L.Expr, step: int, loc: L.Loc) -> L.Expr:
    """How many iterations a loop runs: `max(0, ceil((stop - start) / step))` (the C division of a
    non-negative numerator, ceiled by adding `|step| - 1`)."""
    span = _sub(stop, start, loc) if step > 0 else _sub(start, stop, loc)
    k = abs(step)
    if k != 1:
        span = L.Binary("/", L.Binary("+", span, L.Const(k - 1, loc), loc), L.Const(k, loc), loc)
    return L.Call("max", (L.Const(0, loc), span), loc)


def final_value(start: L.Expr, stop: L.Expr, step: int | Stride, loc: L.Loc) -> L.Expr:
    """A counter's value after its loop, `start + step * trips` (`Stride`: under its
    precondition `amount >= 1`)."""
    if isinstance(step, int):
        return L.Binary("+" if step > 0 else "-", start,
                        _mul(L.Const(abs(step), loc), _trips(start, stop, step, loc), loc), loc)
    s = step.amount
    span = _sub(start, stop, loc) if step.down else _sub(stop, start, loc)
    trips = L.Call("max", (L.Const(0, loc), L.Binary("/", L.Binary(
        "+", span, _sub(s, L.Const(1, loc), loc), loc), s, loc)), loc)
    return L.Binary("-" if step.down else "+", start, L.Binary("*", s, trips, loc), loc)


def rewrite_induction(var: str, start: L.Expr, stop: L.Expr, step: int,
                      body: tuple[L.Stmt, ...], types: dict[str, TensorType],
                      loc: L.Loc) -> tuple[tuple[L.Stmt, ...], list[L.Stmt]]:
    """The body with every second induction variable read as a function of the counter `var`,
    and the statements giving their final values after the loop (see the module's docstring).
    Variables that do not follow the rule are left as they are."""
    after: list[L.Stmt] = []
    if any(type(s).__name__ == "Break" for s in L.walk_stmts(body)):
        return body, after
    writes: dict[str, int] = {}
    for s in L.walk_stmts(body):
        w = written(s)
        if w is not None:
            writes[w] = writes.get(w, 0) + 1
    fixed = _names(start) | _names(stop)
    for k, s in enumerate(body):
        found = _step_of(s)
        if found is None:
            continue
        v, sign, e = found
        if v == var or types.get(v) != INT or writes.get(v) != 1 \
                or (_names(e) | fixed) & (set(writes) | {var}):
            continue
        rest = body[:k] + body[k + 1:]
        if not any(v in _names(x) for st in L.walk_stmts(rest) for x in L.stmt_exprs(st)):
            continue  # an accumulator of a loop-invariant value: the lifter's own rules sum it
        t = _iteration(var, start, step, s.loc)
        here = L.Binary(sign, L.Name(v, s.loc), _mul(e, t, s.loc), s.loc)
        next_ = L.Binary(sign, L.Name(v, s.loc),
                         _mul(e, _add(t, L.Const(1, s.loc), s.loc), s.loc), s.loc)
        body = substitute(body[:k], v, here) + substitute(body[k + 1:], v, next_)
        after.append(L.Assign(L.Name(v, s.loc), L.Binary(
            sign, L.Name(v, s.loc), _mul(e, _trips(start, stop, step, loc), s.loc), s.loc), s.loc))
        return _again(var, start, stop, step, body, types, loc, after)
    return body, after


def _again(var: str, start: L.Expr, stop: L.Expr, step: int, body: tuple[L.Stmt, ...],
           types: dict[str, TensorType], loc: L.Loc,
           after: list[L.Stmt]) -> tuple[tuple[L.Stmt, ...], list[L.Stmt]]:
    body, more = rewrite_induction(var, start, stop, step, body, types, loc)
    return body, after + more


def unit_step(var: str, start: L.Expr, stop: L.Expr, step: int, body: tuple[L.Stmt, ...],
              loc: L.Loc) -> tuple[L.Expr, L.Expr, tuple[L.Stmt, ...], int]:
    """A loop stepping by a constant other than 1 or -1 as a loop over its iterations:

        for (i = a; i < b; i += k) body   ->   for (i = 0; i < (b - a + k - 1) / k; i++)
                                                   body[i := a + k * i]

    (counting down by k: `(a - b + k - 1) / k` iterations, `i := a - k * i`), so the reads
    `x[i]` of the body become strided reads. The iteration count is C's truncating division of
    a number that is negative or zero exactly when the loop does not run. The counter's value
    after the loop is not the C one, so a body that can leave the loop (`break`) keeps its loop,
    and so does one that changes a variable of the start (re-read by the rewritten bound);
    a counter read after its loop is refused by the reader (`check_reused_counters`). Returns the
    new start, bound, body and step."""
    assigned = {written(s) for s in L.walk_stmts(body)}
    if step in (1, -1) or any(type(s).__name__ == "Break" for s in L.walk_stmts(body)) \
            or _names(start) & assigned:
        return start, stop, body, step  # (a start the body changes is not the first value)
    k = abs(step)
    span = _sub(stop, start, loc) if step > 0 else _sub(start, stop, loc)
    count = L.Binary("/", L.Binary("+", span, L.Const(k - 1, loc), loc), L.Const(k, loc), loc)
    at = L.Binary("+" if step > 0 else "-", start, L.Binary("*", L.Const(k, loc),
                                                            L.Name(var, loc), loc), loc)
    if isinstance(start, L.Const) and start.value == 0 and step > 0:
        at = L.Binary("*", L.Const(k, loc), L.Name(var, loc), loc)
    return L.Const(0, loc), count, _fold_quotients(substitute(body, var, at), k), 1


def _fold_quotients(node: Any, k: int) -> Any:
    """`(k * i) / k` -> `i` (exact in C: the product is a multiple of k), everywhere in `node`."""
    if isinstance(node, L.Binary) and node.op == "/" and node.right == L.Const(k) \
            and isinstance(node.left, L.Binary) and node.left.op == "*" \
            and node.left.left == L.Const(k) and isinstance(node.left.right, L.Name):
        return node.left.right
    if isinstance(node, tuple):
        return tuple(_fold_quotients(x, k) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type | L.Loc | TensorType):
        changes = {f.name: _fold_quotients(getattr(node, f.name), k)
                   for f in dataclasses.fields(node) if f.name != "loc"}
        return dataclasses.replace(node, **changes)
    return node


@dataclass(frozen=True)
class Stride:
    """A loop step by an expression other than a constant: `i += amount` (`i -= amount` when
    `down`)."""

    amount: L.Expr
    down: bool


def variable_step(var: str, start: L.Expr, stop: L.Expr, step: Stride, body: tuple[L.Stmt, ...],
                  loc: L.Loc) -> tuple[list[L.Stmt], L.Expr, L.Expr, tuple[L.Stmt, ...]]:
    """A loop stepping by a loop-invariant expression `s` as a loop over its iterations, with a
    precondition:

        for (i = a; i < b; i += s) body  ->  requires s >= 1;
                                             for (i = 0; i < (b - a + s - 1) / s; i++)
                                                 body[i := a + s * i]

    (`i -= s` while `i > b`: `(a - b + s - 1) / s` iterations, `i := a - s * i`). Where `s < 1`
    C's loop does not end (or overflows) once it runs, so `s >= 1` is required (a `Check`
    before the loop: the generated code raises `ValueError` where it fails); with it the
    count is C's truncating division of a number that is at most `s - 1` exactly when the loop
    does not run. Refused: a body that may `break` (the counter's value after the loop would not
    be C's) or that changes `s` or the start. Returns the check, the new start and bound and
    the new body."""
    assigned = {written(s) for s in L.walk_stmts(body)}
    s = step.amount
    if any(isinstance(x, L.Break) for x in L.walk_stmts(body)):
        raise LoopIRError(loc, f"unsupported: a loop stepping {var} by a variable amount whose "
                               "body may `break`")
    if (_names(s) | _names(start)) & (assigned | {var}):
        raise LoopIRError(loc, f"unsupported: a loop stepping {var} by a variable amount whose "
                               "body changes its step or its start")
    span = _sub(start, stop, loc) if step.down else _sub(stop, start, loc)
    count = L.Binary("/", L.Binary("+", span, _sub(s, L.Const(1, loc), loc), loc), s, loc)
    at = L.Binary("-" if step.down else "+", start, L.Binary("*", s, L.Name(var, loc), loc), loc)
    if isinstance(start, L.Const) and start.value == 0 and not step.down:
        at = L.Binary("*", s, L.Name(var, loc), loc)
    check = L.Check(L.Guard(L.Binary("<", s, L.Const(1, loc), loc), "ValueError", loc,
                            f"the loop at {loc.line}:{loc.col} steps {var} by an amount that "
                            "must be at least 1 (C's loop would not end)"), loc)
    return [check], L.Const(0, loc), count, substitute(body, var, at)
