"""Writes at affine positions: a loop writing `y[a * i + c]` (over its counter `i` in `[lo, hi)`,
`a` and `c` loop-invariant) leaves `y` as its old contents with those positions replaced, and a
loop nest writing `y[n * i + j]` (an inner loop over `j < n`) leaves the rows it computed laid out
flat from the start of `y`.

    for i in [lo, hi): y[a*i + c] = f(i, y[a*i + c])
        ->  y = stride_update(y, a*lo + c, a, [f(i, y[a*i + c]) for i in [lo, hi)])
    for i in [0, m): for j in [0, n): y[n*i + j] = f(i, j, y[n*i + j])
        ->  y = stride_update(y, 0, 1, flatten_rows([[f(i, j, ...) for j] for i]))
    for i in [0, m): for j in [0, n): y[m*j + i] = f(i, j, y[m*j + i])
        ->  y = stride_update(y, 0, 1, flatten_rows(transpose([[f(i, j, ...) for j] for i])))

A vector pre-sized before such a loop (`std::vector<int> out(2 * n)`, `out = [0] * (2 * n)`) is
`full(n, fill)` there.

Both are loop-IR rewrites the lifter applies before executing the loop: the element `y[E]` becomes
a local cell (seeded with the old `y[E]` where the body may read it first), pushed to a fresh
vector (or a row) at the end of each iteration, which the usual push rules summarize; `y` itself
stays unchanged inside the loop, so every read of `y[E]` reads the old contents, as in C: the
positions of different iterations are distinct (a nonzero step, a precondition), and every access
to `y` in the loop is at the same position `E`, so no iteration reads another's write. Several
positions (`E_k`) must never coincide: decided here for one constant step and constant offsets,
else an SMT obligation (`disjoint_writes`, a swap `a[i]`, `a[n - 1 - i]`). The
positions written must be inside `y`: a precondition (or, when they depend on an enclosing loop,
an obligation of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import constant_steps, substitute_stmt
from tensflo.ir.tensir import App, Lit, Term, Var, free_vars, lit, rewrite
from tensflo.ir.tensir.types import INT, TensorType

from .build import ONE, ZERO, mk
from .conditions import Context
from .disjoint_writes import disjoint_obligation
from .dp_table import carried_table
from .loop_rewrite import replace_at
from .results import Empty, NotLiftable, Obligation, Presized, Sym
from .sequence import length_of
from .strides import affine

if TYPE_CHECKING:
    from .executor import Lifter

Finish = Callable[[dict[str, Sym]], None]
"""Sets a written vector's value after its loop ran (from the values the loop pushed)."""


@dataclass(frozen=True)
class Access:
    """Every access of one vector in a loop body: all at one position `index`."""

    name: str
    index: L.Expr
    read: bool
    """Whether the body may read `name[index]` before writing it (the old value is needed)."""


def _loop_names(body: tuple[L.Stmt, ...]) -> set[str]:
    """Variables a body changes, its loop counters included."""
    return set(L.assigned_vars(body)) | {s.var for s in L.walk_stmts(body) if isinstance(s, L.For)}


def _accesses(body: tuple[L.Stmt, ...], name: str) -> list[Access] | None:
    """The positions at which `body` accesses the vector `name`, in order of appearance (None: a
    whole use, a push, or a position that changes inside the body)."""
    indices: list[L.Expr] = []
    for st in L.walk_stmts(body):
        if isinstance(st, L.Push) and _base(st.target) == name:
            return None
        for e in L.stmt_exprs(st):
            uses = [x for x in L.sub_exprs(e) if isinstance(x, L.Name) and x.id == name]
            at = [x for x in L.sub_exprs(e) if isinstance(x, L.Index) and x.base == L.Name(name)]
            if len(uses) != len(at):
                return None
            indices += [x.index for x in at if x.index not in indices]
    changing = _loop_names(body)
    if not indices or any(isinstance(x, L.Name) and x.id in changing or isinstance(x, L.Index | L.Call)
                          for index in indices for x in L.sub_exprs(index)):
        return None
    return [Access(name, index, not _written_first(body, L.Index(L.Name(name), index)))
            for index in indices]


def _mentions(e: L.Expr, names: set[str]) -> bool:
    return any(isinstance(x, L.Name) and x.id in names for x in L.sub_exprs(e))


def _base(t: L.Expr) -> str | None:
    while isinstance(t, L.Index):
        t = t.base
    return t.id if isinstance(t, L.Name) else None


def _written_first(body: tuple[L.Stmt, ...], at: L.Index) -> bool:
    """Whether the first top-level statement of `body` that mentions `at` assigns it a value
    that does not read it (so the old value is never needed)."""
    for st in body:
        mentions = any(x == at for t in L.walk_stmts((st,)) for e in L.stmt_exprs(t)
                       for x in L.sub_exprs(e))
        if not mentions:
            continue
        return isinstance(st, L.Assign) and st.target == at and \
            not any(x == at for x in L.sub_exprs(st.value))
    return False


def _cell_body(body: tuple[L.Stmt, ...], cells: list[tuple[Access, str, str]], old: str,
               elem: TensorType, loc: L.Loc) -> tuple[L.Stmt, ...]:
    """`body` writing a local cell for each position `name[E]` (each `(access, cell, vals)`),
    seeded with `old[E]` when read first, and pushing the cells to their `vals` at the end."""
    decls: list[L.Stmt] = []
    pushes: list[L.Stmt] = []
    out = list(body)
    for acc, cell, vals in cells:
        init = L.Index(L.Name(old, loc), acc.index, loc) if acc.read else None
        decls.append(L.Decl(cell, elem, init, loc))
        out = replace_at(out, L.Index(L.Name(acc.name), acc.index), L.Name(cell, loc))
        pushes.append(L.Push(L.Name(vals, loc), L.Name(cell, loc), loc))
    return (*decls, *out, *pushes)


def affine_writes(lifter: Lifter, s: L.For, env: dict[str, Sym], ctx: Context
                  ) -> tuple[L.For, list[Finish]]:
    """The loop `s` with its writes at affine positions rewritten (see the module docstring), and
    what sets each written vector after the loop; `s` unchanged when it has none."""
    if s.step != 1 or not any(isinstance(st, L.Assign) and isinstance(st.target, L.Index)
                              for st in L.walk_stmts(s.body)):
        return s, []
    if carried_table(s, env, lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)):
        return s, []  # a table filled from its previous entry: the lifter reads it so
    finish: list[Finish] = []
    s = _unstepped(lifter, s, env, ctx, finish)
    for name in L.assigned_vars(s.body):
        cur = env.get(name)
        if any(isinstance(x, L.Index) and _base(x) == name for e in (s.start, s.stop)
               for x in L.sub_exprs(e)):
            continue  # C evaluates the bound again after each write
        if isinstance(cur, Presized) and name != s.var:
            cur = _filled(lifter, s, name, cur, env, ctx)
        if name == s.var or not isinstance(cur, Term) or cur.type.rank != 1:
            continue
        accesses = _accesses(s.body, name)
        if accesses is not None:
            s = _strided(lifter, s, accesses, cur, env, ctx, finish)
            continue
        rows = _flat_rows_access(s, name)
        if rows is not None:
            s = _flat_rows(lifter, s, rows, cur, env, ctx, finish)
    return s, finish


def _unstepped(lifter: Lifter, s: L.For, env: dict[str, Sym], ctx: Context,
               finish: list[Finish]) -> L.For:
    """The loop with each int variable stepped by constants at the top level of its body (`k++`
    twice: `out[k++] = a[i]; out[k++] = b[i]`) and used in a write position read as a function of
    the counter: `k0 + C * (i - lo) + (the steps before)`, where `C` is its step per iteration;
    its value after the loop is `k0 + C * max(0, hi - lo)`."""
    steps = constant_steps(s.body)
    indices = [st.target.index for st in L.walk_stmts(s.body)
               if isinstance(st, L.Assign) and isinstance(st.target, L.Index)]
    used = [k for k in steps if any(_mentions(e, {k}) for e in indices)
            and isinstance(env.get(k), Term) and env[k].type == INT]
    if not used or _mentions(s.start, set(L.assigned_vars(s.body))):
        return s
    body = list(s.body)
    lo, hi = lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)
    for k in used:
        before = f"{k} before {s.loc.line}:{s.loc.col}"
        k0 = env[k]
        assert isinstance(k0, Term)
        env[before] = k0
        per = sum(c for _, c in steps[k])
        moved = L.Binary("*", L.Const(per, s.loc), L.Binary("-", L.Name(s.var, s.loc), s.start, s.loc),
                         s.loc)
        out: list[L.Stmt] = []
        done = 0
        for p, st in enumerate(body):
            step = next((c for q, c in steps[k] if q == p), None)
            if step is not None:
                done += step
                continue
            at = L.Binary("+", L.Binary("+", L.Name(before, s.loc), moved, s.loc),
                          L.Const(done, s.loc), s.loc)
            out.append(_subst_name(st, k, at))
        body = out
        steps = constant_steps(tuple(body))

        def set_final(env: dict[str, Sym], k: str = k, k0: Term = k0, per: int = per) -> None:
            runs = mk("max", ZERO, mk("sub", hi, lo))
            env[k] = rewrite.simplify(mk("add", k0, mk("mul", lit(per), runs)))

        finish.append(set_final)
    return L.For(s.var, s.start, s.stop, tuple(body), s.step, s.loc)


def _subst_name(st: L.Stmt, name: str, by: L.Expr) -> L.Stmt:
    """`st` with every read of the variable `name` replaced by `by`."""
    return substitute_stmt(st, L.Name(name), by)


def _filled(lifter: Lifter, s: L.For, name: str, cur: Presized, env: dict[str, Sym],
            ctx: Context) -> Term | None:
    """A pre-sized vector written at affine positions, as its entries so far: `full(n, fill)`
    (also set in `env`); None where the rules for writes at the counter read it."""
    accesses = _accesses(s.body, name)
    if accesses is None or cur.type.rank != 1 or cur.fill is None or \
            (len(accesses) == 1 and accesses[0].index == L.Name(s.var)):
        return None
    fill = lifter.value(cur.fill, env, ctx, cur.type.scalar)
    if not (isinstance(fill, Term) and fill.type == cur.type.scalar):
        return None
    if not (isinstance(cur.length_term, App) and cur.length_term.op.name == "len"):
        _require(lifter, s, ctx, rewrite.simplify(mk("le", ZERO, cur.length_term)))
    full = mk("full", cur.length_term, fill)
    env[name] = full
    return full


def _strided(lifter: Lifter, s: L.For, accesses: list[Access], cur: Term, env: dict[str, Sym],
             ctx: Context, finish: list[Finish]) -> L.For:
    """`y[a * i + c]` written over the counter `i`: the values pushed, then `stride_update`; several
    positions `a * i + c_k` (an interleave) when no two can coincide: `a` a constant and the
    offsets distinct and less than `|a|` apart."""
    name = accesses[0].name
    lo, hi = lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)
    if len(accesses) == 1 and accesses[0].index == L.Name(s.var) \
            and _at_counter_elsewhere(lifter, cur, lo, hi):
        return s  # the rules for writes at the counter read it (a map, a pre-sized vector)
    counter = Var(f"{s.var} at {s.loc.line}:{s.loc.col}", INT)
    probe = dict(env)
    probe[s.var] = counter
    steps: list[tuple[Term, Term]] = []
    for acc in accesses:
        found = affine(lifter.scalar(acc.index, probe, ctx), counter)
        if found is None:
            raise NotLiftable(acc.index.loc, f"an access to {name} (written in the loop) at an "
                                             f"index that is not affine in the counter {s.var} "
                                             f"(a * {s.var} + c)")
        a, c = (rewrite.simplify(t) for t in found)
        if a in (ZERO, lit(0)):
            raise NotLiftable(acc.index.loc, f"an access to {name} (written in the loop) at an "
                                             f"index that does not move with the counter {s.var}")
        steps.append((a, c))
    apart = _apart(s, name, accesses, steps)
    if apart:
        disjoint_obligation(lifter, s, ctx, steps, apart, lo, hi)
    tag = f"{s.loc.line}:{s.loc.col}"
    old = f"{name} before {tag}"
    env[old] = cur
    cells = [(acc, f"{name} cell {k} {tag}", f"{name} written {k} at {tag}")
             for k, acc in enumerate(accesses)]
    fixed = {k: v for k, acc in enumerate(accesses)
             if (v := _invariant_write(lifter, s, acc, cur, env, ctx)) is not None}
    n = _length(cur)
    starts = []
    for k, ((a, c), (_, _, vals)) in enumerate(zip(steps, cells, strict=True)):
        env[vals] = mk("full", rewrite.simplify(mk("sub", hi, lo)), fixed[k]) if k in fixed \
            else Empty(cur.type)
        start, last = _at(a, lo, c), _at(a, rewrite.simplify(mk("sub", hi, ONE)), c)
        starts.append(start)
        inside = mk("and", mk("or", mk("ne", a, ZERO), mk("le", mk("sub", hi, lo), ONE)),
                    mk("and", mk("and", mk("le", ZERO, start), mk("lt", start, n)),
                       mk("and", mk("le", ZERO, last), mk("lt", last, n))))
        _require(lifter, s, ctx, rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), inside)))
    dropped = [L.Index(L.Name(name), accesses[k].index) for k in fixed]
    kept = tuple(st for st in s.body if not (isinstance(st, L.Assign) and st.target in dropped))
    body = _cell_body(kept, [cell for k, cell in enumerate(cells) if k not in fixed], old,
                      cur.type.scalar, s.loc)

    def done(env: dict[str, Sym]) -> None:
        new = cur
        for (a, _), start, (_, _, vals) in zip(steps, starts, cells, strict=True):
            written = env.pop(vals)
            assert isinstance(written, Term)
            new = mk("stride_update", new, start, a, written)
        env[name] = rewrite.simplify(new)
        env.pop(old, None)

    finish.append(done)
    return L.For(s.var, s.start, s.stop, body, s.step, s.loc)


def _invariant_write(lifter: Lifter, s: L.For, acc: Access, cur: Term, env: dict[str, Sym],
                     ctx: Context) -> Term | None:
    """The value of `y[E] = v` when that is the only statement of the body touching `y[E]` (at its
    top level, so it runs in every iteration) and `v` is the same in every iteration (no counter,
    no variable the body changes, no element read): its values are `full(hi - lo, v)`."""
    at = L.Index(L.Name(acc.name), acc.index)
    touching = [st for st in s.body if any(x == at for t in L.walk_stmts((st,))
                                           for e in L.stmt_exprs(t) for x in L.sub_exprs(e))]
    if acc.read or len(touching) != 1 or not isinstance(touching[0], L.Assign) \
            or touching[0].target != at:
        return None
    value = touching[0].value
    if _mentions(value, _loop_names(s.body) | {s.var}) or \
            any(isinstance(x, L.Index | L.Call) for x in L.sub_exprs(value)):
        return None
    v = lifter.value(value, env, ctx, cur.type.scalar)
    return v if isinstance(v, Term) and v.type == cur.type.scalar else None


def _apart(s: L.For, name: str, accesses: list[Access], steps: list[tuple[Term, Term]]
           ) -> list[tuple[int, int]]:
    """Refuses two positions `a * i + c`, `a * i + d` with one step and offsets a constant apart
    unless the step is a constant and the offsets are distinct and less than the step apart (else
    two writes may hit one element); the pairs of positions left to an SMT obligation (steps that
    differ, offsets a symbolic amount apart: `disjoint_writes`)."""
    left: list[tuple[int, int]] = []
    for k, (b, c) in enumerate(steps):
        for m, (a, d) in enumerate(steps[:k]):
            gap = rewrite.simplify(mk("sub", c, d))
            if a != b or not isinstance(gap, Lit):
                left.append((m, k))
            elif not (isinstance(a, Lit) and 0 < abs(gap.value) < abs(a.value)):
                raise NotLiftable(accesses[k].index.loc, f"writes into {name} at positions "
                                                         f"that may coincide (a * {s.var} + c with "
                                                         f"a constant step a and offsets less "
                                                         f"than a apart are read)")
    return left


def _length(cur: Term) -> Term:
    """`len(cur)`; for `full(n, v)` its `n` (required non-negative where it is made)."""
    if isinstance(cur, App) and cur.op.name == "full":
        return cur.term(0)
    return rewrite.simplify(mk("len", cur))


def _at(a: Term, i: Term, c: Term) -> Term:
    """`a * i + c`, without products by 0 or 1 and sums with 0."""
    prod = ZERO if ZERO in (a, i) else i if a == ONE else a if i == ONE else mk("mul", a, i)
    return rewrite.simplify(c if prod == ZERO else prod if c == ZERO else mk("add", prod, c))


def _at_counter_elsewhere(lifter: Lifter, cur: Term, lo: Term, hi: Term) -> bool:
    """Whether the lifter's rules for `x[i] = ...` over every `i` of `x` apply (see
    `Lifter.writes_at_counter`): those keep their own reading."""
    if lo != ZERO:
        return False
    whole = hi in (rewrite.simplify(mk("len", cur)), length_of(cur))
    return whole or (cur in lifter.conditions.loop_vars and lifter.entry_checks is not None)


def _require(lifter: Lifter, s: L.For, ctx: Context, cond: Term) -> None:
    """`cond` as a precondition, or as an obligation when it depends on enclosing loops."""
    if cond == lit(True):
        return
    if free_vars(cond) & lifter.conditions.loop_vars:
        lifter.conditions.obligations.append(Obligation(
            "precondition", s.loc, ctx.assume + tuple(lifter.conditions.requires), (),
            ((cond, lit(True)),)))
    elif cond not in lifter.conditions.requires:
        lifter.conditions.requires.append(cond)


@dataclass(frozen=True)
class RowsAccess:
    """Every access of a vector in an outer loop is `name[E]` in one inner loop `inner`, directly
    in the outer body, with `E` the flat position `cols * i + j` of the inner counter `j`."""

    name: str
    index: L.Expr
    inner: L.For


def _flat_rows_access(s: L.For, name: str) -> RowsAccess | None:
    loops = [st for st in s.body if name in L.assigned_vars((st,))
             or any(isinstance(x, L.Name) and x.id == name for t in L.walk_stmts((st,))
                    for e in L.stmt_exprs(t) for x in L.sub_exprs(e))]
    if len(loops) != 1 or not isinstance(loops[0], L.For) or loops[0].step != 1:
        return None
    inner = loops[0]
    acc = _access_any(inner.body, name)
    if acc is None or inner.start != L.Const(0):
        return None
    return RowsAccess(name, acc, inner)


def _access_any(body: tuple[L.Stmt, ...], name: str) -> L.Expr | None:
    """The one position at which `body` accesses `name`, which may use the body's own counter
    (not any variable the body assigns)."""
    index: L.Expr | None = None
    for st in L.walk_stmts(body):
        if isinstance(st, L.Push) and _base(st.target) == name:
            return None
        for e in L.stmt_exprs(st):
            uses = [x for x in L.sub_exprs(e) if isinstance(x, L.Name) and x.id == name]
            at = [x for x in L.sub_exprs(e) if isinstance(x, L.Index) and x.base == L.Name(name)]
            if len(uses) != len(at) or any(index is not None and x.index != index for x in at):
                return None
            if at:
                index = at[0].index
    if index is None or any(isinstance(x, L.Index | L.Call) or isinstance(x, L.Name) and
                            x.id in _loop_names(body) for x in L.sub_exprs(index)):
        return None
    return index


def _flat_rows(lifter: Lifter, s: L.For, rows: RowsAccess, cur: Term, env: dict[str, Sym],
               ctx: Context, finish: list[Finish]) -> L.For:
    """`y[cols * i + j]` written by an inner loop over `j < cols` in a loop over `i` from 0: each
    row a pre-sized vector written at the inner counter, pushed; then `flatten_rows` of them. The
    same for `y[j * m + i]` over `i < m` (each inner loop writes a column of the `cols x m` matrix
    laid out flat): `flatten_rows(transpose(rows))`."""
    inner = rows.inner
    changed = _loop_names(s.body) - {inner.var}
    if _mentions(rows.index, changed) or _mentions(inner.stop, changed | {s.var}):
        return s  # a position or a row length computed in the outer body: not read here
    lo, hi = lifter.scalar(s.start, env, ctx), lifter.scalar(s.stop, env, ctx)
    cols = lifter.scalar(inner.stop, env, ctx)
    i, j = Var(f"{s.var} at {s.loc.line}:{s.loc.col}", INT), \
        Var(f"{inner.var} at {inner.loc.line}:{inner.loc.col}", INT)
    probe = dict(env)
    probe[s.var], probe[inner.var] = i, j
    idx = lifter.scalar(rows.index, probe, ctx)
    by_j = affine(idx, j)
    by_i = None if by_j is None else affine(by_j[1], i)
    if by_j is None or by_i is None or rewrite.simplify(by_i[1]) != ZERO or lo != ZERO \
            or free_vars(cols) & {i, j} or free_vars(hi) & {i, j}:
        return s  # not a flat row: the inner loop reads it on its own (a strided write)
    steps = (rewrite.simplify(by_i[0]), rewrite.simplify(by_j[0]))
    if steps not in ((cols, ONE), (ONE, hi)):
        return s
    columns = steps == (ONE, hi)  # y[j * m + i]: each inner loop writes a column
    tag = f"{s.loc.line}:{s.loc.col}"
    old, out, row = f"{rows.name} before {tag}", f"{rows.name} rows {tag}", f"{rows.name} row {tag}"
    env[old] = cur
    env[out] = Empty(TensorType(cur.type.elem, 2))
    n = _length(cur)
    fits = mk("and", mk("le", ZERO, cols), mk("le", mk("mul", hi, cols), n))
    _require(lifter, s, ctx, rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), fits)))
    read = not _written_first(inner.body, L.Index(L.Name(rows.name), rows.index))
    zero = L.Const(0.0 if cur.type.elem == "float" else 0, inner.loc)
    fill = L.Index(L.Name(old, inner.loc), rows.index, inner.loc) if read else zero
    vec = cur.type
    at = L.Index(L.Name(rows.name), rows.index)
    new_inner = L.For(inner.var, inner.start, inner.stop,
                      tuple(replace_at(inner.body, at, L.Index(L.Name(row, inner.loc),
                                                               L.Name(inner.var, inner.loc),
                                                               inner.loc))),
                      inner.step, inner.loc)
    body: list[L.Stmt] = []
    for st in s.body:
        if st is inner:
            body += [L.Decl(row, vec, L.NewVec(vec, inner.stop, fill, inner.loc), inner.loc),
                     new_inner]
        else:
            body.append(st)
    body.append(L.Push(L.Name(out, s.loc), L.Name(row, s.loc), s.loc))

    def done(env: dict[str, Sym]) -> None:
        written = env.pop(out)
        assert isinstance(written, Term)
        matrix = mk("transpose", written) if columns else written
        env[rows.name] = rewrite.simplify(mk("stride_update", cur, ZERO, ONE,
                                             mk("flatten_rows", matrix)))
        env.pop(old, None)

    finish.append(done)
    return L.For(s.var, s.start, s.stop, tuple(body), s.step, s.loc)
