"""DP tables that read their previous entry: `t = [f] * (n + 1); for i in range(n): t[i + 1] =
g(t[i], ...)`.

Entry `i` of the table is known when iteration `i` starts, so the loop is the same as one carrying
that entry in a scalar: `carry = f; t = []; for i: t.append(carry); carry = g(carry, ...)`, then
`t.append(carry)` after the loop. The other rules then read the carried value (a running total, a
running maximum, ...) and the pushes (an exclusive scan). The rewrite applies when the table was
pre-sized to one more entry than the loop's iterations, the loop starts at 0, and the body's only
uses of the table are reads of `t[i]` up to one unconditional write of `t[i + 1]` at its top level.
"""

from __future__ import annotations

from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Term, rewrite

from .build import ONE, ZERO, mk
from .loop_rewrite import replace_at
from .results import Presized, Sym


def carried_table(s: L.For, env: dict[str, Sym], lo: Term, hi: Term
                  ) -> tuple[list[L.Stmt], Term | None] | None:
    """The statements that replace the loop `s` (over `[lo, hi)`) when it fills a table from its
    previous entry, with the precondition they need (`0 <= hi`: a table of `hi + 1` entries; None
    for a length), or None when the loop has another shape."""
    if lo != ZERO:
        return None
    for k, st in enumerate(s.body):
        if not (isinstance(st, L.Assign) and isinstance(st.target, L.Index)
                and isinstance(st.target.base, L.Name)):
            continue
        name = st.target.base.id
        table = env.get(name)
        if not isinstance(table, Presized) or table.type.rank != 1 or table.fill is None:
            continue
        if rewrite.simplify(table.length_term) != rewrite.simplify(mk("add", hi, ONE)):
            continue
        if not _next_cell(st.target.index, s.var) or _uses(s.start, name) or _uses(s.stop, name):
            continue  # (the bounds are evaluated again after the rewrite)
        cell = L.Index(L.Name(name, s.loc), L.Name(s.var, s.loc), s.loc)
        before, after = list(s.body[:k]), list(s.body[k + 1:])
        if not (_only_reads(before, name, cell) and _cell_reads(st.value, name, cell)
                and not _mentions(after, name)):
            continue
        carry = f"{name} entry at {s.loc.line}:{s.loc.col}"
        if carry in env:
            continue
        here = L.Name(carry, s.loc)
        (step,) = replace_at([L.Assign(here, st.value, st.loc)], cell, here)
        body = [L.Push(L.Name(name, s.loc), here, s.loc), *replace_at(before, cell, here), step,
                *after]
        out: list[L.Stmt] = [
            L.Decl(carry, table.type.scalar, table.fill, s.loc),
            L.Assign(L.Name(name, s.loc), L.NewVec(table.type, None, None, s.loc), s.loc),
            replace(s, body=tuple(body)),
            L.Push(L.Name(name, s.loc), here, s.loc),
        ]
        length = isinstance(hi, App) and hi.op.name == "len"
        return out, None if length else mk("le", ZERO, hi)
    return None


def _next_cell(index: L.Expr, var: str) -> bool:
    """`i + 1` or `1 + i`."""
    return isinstance(index, L.Binary) and index.op == "+" and (
        (index.left == L.Name(var) and index.right == L.Const(1))
        or (index.right == L.Name(var) and index.left == L.Const(1)))


def _only_reads(stmts: list[L.Stmt], name: str, cell: L.Index) -> bool:
    """Every use of `name` in `stmts` is the cell `name[i]`, read."""
    for st in L.walk_stmts(tuple(stmts)):
        if isinstance(st, L.Assign | L.Push) and isinstance(st.target, L.Index) \
                and _uses(st.target, name):
            return False
        if isinstance(st, L.Assign | L.Push) and isinstance(st.target, L.Name) \
                and st.target.id == name:
            return False
        if not all(_cell_reads(e, name, cell) for e in _exprs(st)):
            return False
    return True


def _cell_reads(e: L.Expr, name: str, cell: L.Index) -> bool:
    """Every use of `name` in `e` is inside the cell `name[i]`."""
    uses = sum(1 for x in L.sub_exprs(e) if isinstance(x, L.Name) and x.id == name)
    return uses == sum(1 for x in L.sub_exprs(e) if x == cell)


def _mentions(stmts: list[L.Stmt], name: str) -> bool:
    for st in L.walk_stmts(tuple(stmts)):
        if isinstance(st, L.Assign | L.Push) and _uses(st.target, name):
            return True
        if any(_uses(e, name) for e in _exprs(st)):
            return True
    return False


def _uses(e: L.Expr, name: str) -> bool:
    return any(isinstance(x, L.Name) and x.id == name for x in L.sub_exprs(e))


def _exprs(st: L.Stmt) -> list[L.Expr]:
    match st:
        case L.Decl(init=init):
            return [] if init is None else [init]
        case L.Assign(value=v) | L.Push(value=v):
            return [v]
        case L.If(cond=c) | L.While(cond=c):
            return [c]
        case L.For(start=a, stop=b):
            return [a, b]
        case L.Return(value=v):
            return [v]
    return []
