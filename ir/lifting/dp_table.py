"""DP tables that read their previous entry: `t = [f] * (n + 1); for i in range(n): t[i + 1] =
g(t[i], ...)`, also shifted (`t = [f] * n; for i in range(1, n): t[i] = g(t[i - 1], ...)`: the
loop starts at `lo` and writes `t[i + 1 - lo]`), and a copy of a list updated in place from its
second entry (`t = x[:]; for i in range(1, len(t)): t[i] = g(t[i - 1], t[i], ...)`).

Entry `i + d` (`d = 1 - lo`) of the table is known when iteration `i` starts, so the loop is the
same as one carrying that entry in a scalar: `carry = f; t = []; for i: t.append(carry); carry =
g(carry, ...)`, then `t.append(carry)` after the loop. The other rules then read the carried
value (a running total, a running maximum, ...) and the pushes (an exclusive scan). The rewrite
applies when the table was pre-sized to `hi + d` entries (the first entry is the fill; each
iteration writes the next), or is a vector of `hi` entries and the loop starts at 1 (the first
entry is kept: the carry starts from it, and a read of the entry being written reads the old
one), and the body's only uses of the table are reads of `t[i + d - 1]` (and, for a copy, of
`t[i + d]`) up to one unconditional write of `t[i + d]` at its top level.
"""

from __future__ import annotations

from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Lit, Term, lit, rewrite

from .build import ONE, ZERO, mk
from .element_writes import written_length
from .loop_rewrite import replace_at
from .results import Presized, Sym
from .sequence import length_of


def carried_table(s: L.For, env: dict[str, Sym], lo: Term, hi: Term
                  ) -> tuple[list[L.Stmt], Term | None] | None:
    """The statements that replace the loop `s` (over `[lo, hi)`) when it fills a table from its
    previous entry, with the precondition they need (`0 <= hi`: a table of `hi + 1` entries; None
    for a length), or None when the loop has another shape."""
    if not (isinstance(lo, Lit) and isinstance(lo.value, int)):
        return None
    d = 1 - lo.value
    for k, st in enumerate(map(_as_write, s.body)):
        if not (isinstance(st, L.Assign) and isinstance(st.target, L.Index)
                and isinstance(st.target.base, L.Name)):
            continue
        name = st.target.base.id
        table = env.get(name)
        copied = isinstance(table, Term) and table.type.rank == 1 and d == 0
        if copied:
            assert isinstance(table, Term)
            if rewrite.simplify(hi) not in (rewrite.simplify(mk("len", table)), length_of(table),
                                            written_length(table)):
                continue
            seed: L.Expr = L.Index(L.Name(name, s.loc), L.Const(0), s.loc)
        elif isinstance(table, Presized) and table.type.rank == 1 and table.fill is not None:
            if rewrite.simplify(table.length_term) != rewrite.simplify(mk("add", hi, lit(d))):
                continue
            seed = table.fill
        else:
            continue
        old = f"{name} before {s.loc.line}:{s.loc.col}"
        stop = s.stop
        if copied and stop == L.Len(L.Name(name)):
            stop = L.Len(L.Name(old, s.loc), s.stop.loc)  # the copy has the table's length
        if counter_offset(st.target.index, s.var) != d or _uses(s.start, name) or _uses(stop, name):
            continue  # (the bounds are evaluated again after the rewrite)
        assert table is not None
        cell = L.Index(L.Name(name, s.loc), _shifted(s.var, d - 1, s.loc), s.loc)
        before, after = list(s.body[:k]), list(s.body[k + 1:])
        if copied:  # a read of the entry being written reads the old entry
            if _writes(before, name):
                continue
            own = L.Index(L.Name(name, s.loc), L.Name(s.var, s.loc), s.loc)
            was = L.Index(L.Name(old, s.loc), own.index, s.loc)
            before = replace_at(before, own, was)
            (step_value,) = replace_at([L.Assign(L.Name(old, s.loc), st.value, st.loc)], own, was)
            assert isinstance(step_value, L.Assign)
            st = replace(st, value=step_value.value)
        if not (_only_reads(before, name, cell) and _cell_reads(st.value, name, cell)
                and not _mentions(after, name)):
            continue
        carry = f"{name} entry at {s.loc.line}:{s.loc.col}"
        if carry in env or old in env:
            continue
        here = L.Name(carry, s.loc)
        (step,) = replace_at([L.Assign(here, st.value, st.loc)], cell, here)
        body = [L.Push(L.Name(name, s.loc), here, s.loc), *replace_at(before, cell, here), step,
                *after]
        out: list[L.Stmt] = [
            L.Decl(carry, table.type.scalar, seed, s.loc),
            L.Assign(L.Name(name, s.loc), L.NewVec(table.type, None, None, s.loc), s.loc),
            replace(s, stop=stop, body=tuple(body)),
            L.Push(L.Name(name, s.loc), here, s.loc),
        ]
        if copied:
            out.insert(0, L.Decl(old, table.type, L.Name(name, s.loc), s.loc))
            # the first entry is read as the seed: the table is not empty
            return out, mk("lt", ZERO, hi)
        # the rewrite gives the seed and one entry per iteration: the table's hi + d entries
        # when the loop runs from lo = 1 - d up to hi, also when it runs zero times (hi = lo)
        size = rewrite.simplify(mk("add", hi, lit(d)))
        return out, None if _positive(size) else mk("le", ONE, size)
    return None


def _positive(t: Term) -> bool:
    """A sum of lengths and constants adding to at least 1 (`len(x) + 1`)."""
    terms = rewrite.sum_terms(t)
    constant = 0
    for sign, u in terms:
        if isinstance(u, Lit) and type(u.value) is int:
            constant += sign * u.value
        elif not (sign > 0 and isinstance(u, App) and u.op.name == "len"):
            return False
    return constant >= 1


def previous_entry_loop(s: L.For, env: dict[str, Sym]) -> bool:
    """Whether `s` writes a list `t` it also reads at the entry before (a copy of a list updated
    from its second entry, see above): a rewrite for `carried_table`, not a write at an affine
    position whose iterations are independent."""
    if not (isinstance(s.start, L.Const) and type(s.start.value) is int) or s.step != 1:
        return False
    d = 1 - s.start.value
    for st in map(_as_write, s.body):
        if isinstance(st, L.Assign) and isinstance(st.target, L.Index) \
                and isinstance(st.target.base, L.Name) and counter_offset(st.target.index, s.var) == d \
                and isinstance(env.get(st.target.base.id), Term):
            before = L.Index(st.target.base, _shifted(s.var, d - 1, s.loc))
            if any(e == before for e in L.sub_exprs(st.value)):
                return True
    return False


def counter_offset(index: L.Expr, var: str) -> int | None:
    """`c` when `index` is `i`, `i + c`, `c + i` or `i - c` (`c` an int constant), else None."""
    if index == L.Name(var):
        return 0
    if not isinstance(index, L.Binary) or index.op not in ("+", "-"):
        return None
    a, b = index.left, index.right
    if a == L.Name(var) and isinstance(b, L.Const) and type(b.value) is int:
        return b.value if index.op == "+" else -b.value
    if index.op == "+" and b == L.Name(var) and isinstance(a, L.Const) and type(a.value) is int:
        return a.value
    return None


def _shifted(var: str, c: int, loc: L.Loc) -> L.Expr:
    """`i + c` as the source would write it."""
    if c == 0:
        return L.Name(var, loc)
    return L.Binary("+" if c > 0 else "-", L.Name(var, loc), L.Const(abs(c)), loc)


def _as_write(st: L.Stmt) -> L.Stmt:
    """`if c: t[e] = v` (no else) as `t[e] = v if c else t[e]`; other statements unchanged."""
    if isinstance(st, L.If) and not st.orelse and len(st.then) == 1:
        (w,) = st.then
        if isinstance(w, L.Assign) and isinstance(w.target, L.Index):
            return L.Assign(w.target, L.Cond(st.cond, w.value, w.target, st.loc), w.loc)
    return st


def _writes(stmts: list[L.Stmt], name: str) -> bool:
    """Whether `stmts` assign, element-assign or push to `name`."""
    return any(isinstance(st, L.Assign | L.Push) and _uses(st.target, name)
               for st in L.walk_stmts(tuple(stmts)))


def _only_reads(stmts: list[L.Stmt], name: str, cell: L.Index) -> bool:
    """Every use of `name` in `stmts` is the cell `name[i]`, read."""
    for st in L.walk_stmts(tuple(stmts)):
        if isinstance(st, L.Assign | L.Push) and isinstance(st.target, L.Index) \
                and _uses(st.target, name):
            return False
        if isinstance(st, L.Assign | L.Push) and isinstance(st.target, L.Name) \
                and st.target.id == name:
            return False
        if not all(_cell_reads(e, name, cell) for e in L.stmt_values(st)):
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
        if any(_uses(e, name) for e in L.stmt_values(st)):
            return True
    return False


def _uses(e: L.Expr, name: str) -> bool:
    return any(isinstance(x, L.Name) and x.id == name for x in L.sub_exprs(e))
