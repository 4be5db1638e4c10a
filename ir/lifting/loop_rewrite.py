"""Loop-IR rewrites the lifter applies before executing a loop: a `while` as a counted loop, and a
pre-sized vector written at the counter as a vector pushed to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Term, rewrite
from tensflo.ir.tensir.types import TensorType

from .build import ZERO, mk
from .results import NotLiftable, Presized, Sym


def while_to_for(s: L.While, env: dict[str, Sym]) -> L.For:
    """`while (i < n) { ...; i++; }` is the counted loop `for (i = <current>; i < n; i++)`.

    The counter's current value is bound in `env` under a name no source variable can have.
    """
    cond, body = s.cond, list(s.body)
    if not (isinstance(cond, L.Binary) and cond.op in ("<", "<=")
            and isinstance(cond.left, L.Name) and body):
        raise NotLiftable(s.loc, "a `while` loop that is not `while (i < bound) { ...; i++; }`")
    var = cond.left.id
    last = body[-1]
    step = None
    if isinstance(last, L.Assign) and last.target == L.Name(var) and isinstance(last.value, L.Binary) \
            and last.value.op == "+" and last.value.left == L.Name(var) \
            and isinstance(last.value.right, L.Const) and isinstance(last.value.right.value, int) \
            and last.value.right.value > 0:
        step = last.value.right.value
    if step is None or var in L.assigned_vars(tuple(body[:-1])) or var not in env:
        raise NotLiftable(s.loc, f"a `while` loop whose counter {var} is not incremented once "
                                 "at the end of the body")
    start = env[var]
    stop = cond.right if cond.op == "<" else L.Binary("+", cond.right, L.Const(1))
    if not isinstance(start, Term):
        raise NotLiftable(s.loc, f"the counter {var} has no value before the loop")
    env[f"while start {var}"] = start
    return L.For(var, L.Name(f"while start {var}", s.loc), stop, tuple(body[:-1]), step, s.loc)


def presized_to_push(s: L.For, name: str, cur: Presized, body: tuple[L.Stmt, ...], lo: Term,
                     hi: Term, requires: list[Term]) -> tuple[L.Stmt, ...]:
    """`out(n); for (i = 0; i < n; i++) { ... out[i] ... }` reads out[i] as a fresh cell pushed
    at the end of the body; a length that is not some `len(x)` must be non-negative (`requires`)."""
    if not (hi == cur.length_term and lo == ZERO):
        raise NotLiftable(s.loc, f"{name} has length {show(cur.length)} but the loop runs "
                                 f"{show(s.start)} .. {show(s.stop)}")
    at = L.Index(L.Name(name), L.Name(s.var))
    body = tuple(_length_of_old(s, name, cur, body))
    for st in L.walk_stmts(body):
        for e in L.stmt_exprs(st):
            for sub in L.sub_exprs(e):
                if isinstance(sub, L.Index) and sub.base == L.Name(name) and sub != at:
                    raise NotLiftable(sub.loc, f"{name} is accessed other than at the counter "
                                               f"({name}[{s.var}])")
                if isinstance(sub, L.Name) and sub.id == name and not _inside_at(e, at, sub):
                    raise NotLiftable(sub.loc, f"{name} is used whole inside the loop")
    if cur.fill is None:
        raise NotLiftable(s.loc, f"{name} has no initial entries")
    if not (isinstance(cur.length_term, App) and cur.length_term.op.name == "len"):
        requires.append(rewrite.simplify(mk("le", ZERO, cur.length_term)))
    cell = f"{name}[{s.var}]"
    elem = TensorType(cur.type.elem, cur.type.rank - 1)
    return (L.Decl(cell, elem, cur.fill, s.loc), *replace_at(body, at, L.Name(cell, s.loc)),
            L.Push(L.Name(name), L.Name(cell), s.loc))


def _length_of_old(s: L.For, name: str, cur: Presized, body: tuple[L.Stmt, ...]) -> list[L.Stmt]:
    """`len(x)` in the body of a loop writing `x[i] = f(x[i])` read as the length of the old `x`
    (bound as `x before <loc>` by the lifter, the fill `x before <loc>[i]`): the writes keep the
    length, which the pushed form would not."""
    old = L.Name(f"{name} before {s.loc.line}:{s.loc.col}", s.loc)
    if cur.fill != L.Index(old, L.Name(s.var)):
        return list(body)
    return map_exprs(body, lambda e: L.Len(old, e.loc)
                     if isinstance(e, L.Len) and e.operand == L.Name(name) else None)


def written_at_counter(body: tuple[L.Stmt, ...], name: str, var: str) -> bool:
    """Whether the body assigns x[i] (or x[i][j], ...) or pushes to x[i]."""
    at = L.Index(L.Name(name), L.Name(var))
    for st in L.walk_stmts(body):
        if isinstance(st, L.Assign | L.Push):
            t: L.Expr = st.target
            while isinstance(t, L.Index):
                if t == at:
                    return True
                t = t.base
    return False


def _inside_at(e: L.Expr, at: L.Index, name: L.Name) -> bool:
    """Whether every use of `name` in `e` is inside `at` (the cell out[i])."""
    count_at = sum(1 for s in L.sub_exprs(e) if s == at)
    count_name = sum(1 for s in L.sub_exprs(e) if isinstance(s, L.Name) and s.id == name.id)
    return count_name == count_at


def replace_at(body: Sequence[L.Stmt], at: L.Index, cell: L.Name | L.Index) -> list[L.Stmt]:
    """`body` with every occurrence of the element `at` replaced by the variable `cell`."""
    return map_exprs(body, lambda e: cell if e == at else None)


def map_exprs(body: Sequence[L.Stmt], f: Callable[[L.Expr], L.Expr | None]) -> list[L.Stmt]:
    """`body` with each outermost expression `e` for which `f(e)` is not None replaced by it (an
    assignment target must stay a name or an element)."""

    def ex(e: L.Expr) -> L.Expr:
        if (new := f(e)) is not None:
            return new
        match e:
            case L.Index(b, i):
                return replace(e, base=ex(b), index=ex(i))
            case L.Binary(_, a, b):
                return replace(e, left=ex(a), right=ex(b))
            case L.Unary(_, a):
                return replace(e, operand=ex(a))
            case L.Cond(c, a, b):
                return replace(e, cond=ex(c), then=ex(a), orelse=ex(b))
            case L.Call(_, args):
                return replace(e, args=tuple(ex(a) for a in args))
            case L.Len(a):
                return replace(e, operand=ex(a))
            case L.NewVec(_, n, fill):
                return replace(e, length=maybe(n), fill=maybe(fill))
        return e

    def maybe(e: L.Expr | None) -> L.Expr | None:
        return None if e is None else ex(e)

    def target(t: L.Name | L.Index) -> L.Name | L.Index:
        out = ex(t)
        assert isinstance(out, L.Name | L.Index)
        return out

    def st(s: L.Stmt) -> L.Stmt:
        match s:
            case L.Decl():
                return replace(s, init=maybe(s.init))
            case L.Assign() | L.Push():
                return replace(s, target=target(s.target), value=ex(s.value))
            case L.For():
                return replace(s, start=ex(s.start), stop=ex(s.stop), body=tuple(map(st, s.body)))
            case L.While():
                return replace(s, cond=ex(s.cond), body=tuple(map(st, s.body)))
            case L.If():
                return replace(s, cond=ex(s.cond), then=tuple(map(st, s.then)),
                               orelse=tuple(map(st, s.orelse)))
            case L.Return():
                return replace(s, value=ex(s.value))
        return s

    return [st(s) for s in body]


def show(e: L.Expr) -> str:
    """A short rendering of a bound or a length for messages."""
    match e:
        case L.Const(v):
            return str(v)
        case L.Name(n):
            return n
        case L.Binary(op, a, b):
            return f"{show(a)} {op} {show(b)}"
        case L.Len(x):
            return f"len({show(x)})"
    return type(e).__name__
