"""Summed-area tables: a pre-sized table `t = [[0] * (m + 1) for _ in range(n + 1)]` filled by two
nested loops whose only statement is

    t[i + di][j + dj] = r(i, j) + t[i + di - 1][j + dj] + t[i + di][j + dj - 1] - t[i + di - 1][j + dj - 1]

(in any order of the signed terms), the loops starting where the write reaches row 1 and column 1
(`range(n)` with `t[i + 1][j + 1]`, or `range(1, n + 1)` with `t[i][j]`) and ending at the table's
last row and column; or a row's running total added to the row above (`total = 0` before the
inner loop, `total += r; t[i + 1][j + 1] = t[i][j + 1] + total`). Row 0 and column 0 keep the
fill, every other entry is the sum of `r` over the rows and columns before it: the 2-D exclusive
prefix sums of the `n x m` matrix `R` of `r`,

    T = ex(transpose(ex(transpose(R), n)), m + 1),  ex(A, w) = scan_sum(A') - A',  A' = append(A, full(w, 0))

(`ex` sums the rows before each row, with one more row holding the sum of all). An `n x m` table
written from row 0 and column 0 whose reads of the row or column before are guarded (`t[i - 1][j]
if i > 0 else 0`) is the inclusive sums, `scan_sum(transpose(scan_sum(transpose(R))))`. `r`
reads one or two cells `x[i + a][j + b]` of matrices and values the loops do not change, so `R`
is that window of `x` mapped by `r` (or two windows combined).

The proof is the loop order's induction, one goal per kind of cell: the value the source writes,
its own expression over the candidate's entries (guards included), is the candidate's entry
(each entry it reads is before the one written in row-major order: written before, or a border
entry); each read is inside the table under its guard (a row or column -1 is Python's last one,
not a border); a border row 0 and column 0 are 0 (row 0 directly, column 0 entry by entry); the
candidate has the table's rows and row length. So when the loops end the table equals the
candidate entry for entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import substitute_stmt
from tensflo.ir.tensir import App, Lambda, Lit, Term, Var, free_vars, lit, rewrite
from tensflo.ir.tensir.types import INT

from .build import ONE, ZERO, mk
from .conditions import Conditions, Context
from .dp_table import counter_offset
from .results import NotLiftable, Obligation, Presized, Sym

if TYPE_CHECKING:
    from .executor import Lifter

Cell = tuple[int, int]
"""A table read's offsets from the entry written: `(-1, 0)` is the entry above."""

_NEIGHBOURS = ((-1, 0), (0, -1), (-1, -1))
"""The entries a summed-area table's entry is computed from, before it in row-major order."""
_RECURRENCE: dict[Cell | None, int] = {(-1, 0): 1, (0, -1): 1, (-1, -1): -1}
"""Their signs in the recurrence."""


def summed_area_loop(lifter: Lifter, s: L.For, env: dict[str, Sym], ctx: Context) -> bool:
    """Lifts the loop nest `s` when it fills a summed-area table (see above) and returns True;
    False (nothing done) when it has another shape."""
    s = _inline_locals(s, env)
    parts = _separate_tables(s, env)
    if parts is not None:  # tables filled side by side, each from its own entries only
        for part in parts:
            if not summed_area_loop(lifter, part, env, ctx):
                inner = part.body[0]
                loc = inner.body[0].loc if isinstance(inner, L.For) and inner.body else part.loc
                raise NotLiftable(loc, "a summed-area table filled beside "
                                  "others in a shape the rule does not read")
        return True
    shape = _shape(s, env)
    if shape is None:
        return False
    inner, write, table, name, outer_di, dj = shape
    run = _running_total(s, inner, write, env)
    if run is None and (len(s.body) != 1 or len(inner.body) != 1):
        return False
    cells = _neighbour_reads(write.value, name, s.var, inner.var, outer_di, dj)
    if not cells:
        return False
    rest = [(sign, e) for sign, e in _signed_terms(write.value, 1) if not _uses(e, name)]
    if run is None:  # r + t[above] + t[left] - t[above-left], a read possibly guarded
        signs: dict[Cell | None, int] = {}
        for sign, e in _signed_terms(write.value, 1):
            if _uses(e, name):
                cell = _guarded_cell(e, name, s.var, inner.var, outer_di, dj)
                signs[cell] = signs.get(cell, 0) + sign
        if signs != _RECURRENCE:
            return False
    if run is not None:  # the write is `t[above] + total`, the total gets `r`
        terms = _signed_terms(write.value, 1)
        if len(terms) != 2 or (1, L.Name(run[0])) not in terms or any(_uses(e, name) for _, e in run[1]):
            return False
        (above,) = [t for t in terms if t != (1, L.Name(run[0]))]
        if above[0] != 1 or _table_cell(above[1], name, s.var, inner.var, outer_di, dj) != (-1, 0):
            return False
        rest = run[1]
    loc = s.loc
    elem = table.type.elem
    zero: Term = lit(0.0) if elem == "float" else ZERO
    fill = table.fill
    assert isinstance(fill, L.NewVec)
    if not (isinstance(s.start, L.Const) and isinstance(inner.start, L.Const)) \
            or fill.length is None or fill.fill is None:
        return False
    lo_i, lo_j = lifter.scalar(s.start, env, ctx), lifter.scalar(inner.start, env, ctx)
    if not (isinstance(lo_i, Lit) and isinstance(lo_j, Lit)
            and lo_i.value + outer_di == lo_j.value + dj and lo_j.value + dj in (0, 1)):
        return False
    padded = lo_i.value + outer_di == 1  # row 0 and column 0 are a border the loops keep
    if run is not None and not padded:
        return False
    hi_i = lifter.scalar(s.stop, env, ctx)
    i, j = lifter.fresh(s.var, INT), lifter.fresh(inner.var, INT)
    lifter.conditions.loop_vars |= {i, j}
    # the inner loop's end, evaluated in each row (`len(row)` of `for j, v in enumerate(row)`)
    row_env = {**env, s.var: i}
    hi_j = lifter.scalar(inner.stop, row_env, Context(
        ctx.assume + (mk("le", lo_i, i), mk("lt", i, hi_i)), ctx.counters + (i,),
        ctx.runs + (mk("lt", lo_i, hi_i),)))
    if i in free_vars(hi_j):
        raise NotLiftable(inner.stop.loc, f"the rows of the summed-area table {name} end at "
                                          f"{rewrite.show(hi_j)}, which depends on the row")
    width = lifter.scalar(fill.length, env, ctx)
    same = rewrite.simplify
    if same(mk("add", hi_i, lit(outer_di))) != same(table.length_term) \
            or same(mk("add", hi_j, lit(dj))) != same(width):
        raise NotLiftable(loc, f"{name} is filled as a summed-area table, but its loops do not "
                               "end at its last row and column")
    border = lifter.value(fill.fill, env, ctx, table.type.scalar)
    if not (isinstance(border, Lit) and border.value == 0):
        raise NotLiftable(fill.loc, f"the summed-area table {name} starts with entries other than 0")
    n = same(mk("sub", table.length_term, lit(int(padded))))
    m = same(mk("sub", width, lit(int(padded))))
    # the entry term r(i, j) at symbolic counters, its reads checked like the source's
    inside = (mk("le", lo_i, i), mk("lt", i, hi_i), mk("le", lo_j, j), mk("lt", j, hi_j))
    runs = (mk("lt", lo_i, hi_i), mk("lt", lo_j, hi_j))
    body_ctx = Context(ctx.assume + inside, ctx.counters + (i, j), ctx.runs + runs)
    body_env = dict(env)
    body_env[s.var], body_env[inner.var] = i, j
    r: Term = zero
    for sign, e in rest:
        r = mk("add" if sign > 0 else "sub", r, _entry(lifter, e, body_env, body_ctx, elem, name))
    r = same(r)
    window, facts = _window(loc, r, i, j, lo_i, hi_i, lo_j, hi_j, lifter.names)
    table_term = _exclusive_sums(window, n, m, zero) if padded else _inclusive_sums(window)
    sizes = (mk("le", ZERO, n), mk("le", ZERO, m))
    for cond in (*sizes, *facts):  # a precondition, or a goal of the loops around
        cond = same(cond)
        if cond != lit(True) and not lifter.conditions.route(cond, ctx):
            lifter.conditions.reads.append((loc, cond, ctx))
    pre = ctx.assume + tuple(lifter.conditions.requires) + sizes + facts
    if run is None:
        # the source's own expression over the candidate's entries (reads guarded by a branch,
        # `t[i - 1][j] if i > 0 else 0`, included): what the write stores
        body_env[name] = table_term
        step: Term = _entry(lifter, write.value, body_env, body_ctx, elem, name,
                            keep_reads=False)
        at = (rewrite.simplify(mk("add", i, lit(outer_di))), rewrite.simplify(mk("add", j, lit(dj))))
        goals = _read_goals(lifter, write.value, body_env, body_ctx, name,
                            lambda e: _guarded_cell(e, name, s.var, inner.var, outer_di, dj), at)
        lifter.conditions.obligations.append(Obligation(
            "in-range read", write.loc, pre + inside, (), tuple((g, lit(True)) for g in goals)))
    else:
        step = lifter.fresh(run[0], table.type.scalar)
    _obligations(lifter, loc, table_term, r, (i, j), (outer_di, dj), (n, m), zero, pre, inside,
                 step, padded, run is not None)
    env[name] = table_term
    for var in (s.var, inner.var):  # a counter declared before its loop: no value after it
        if var in env:
            env[var] = Var(f"after its loop {var}", INT)
    return True


def _entry(lifter: Lifter, e: L.Expr, env: dict[str, Sym], ctx: Context, elem: str, name: str,
           keep_reads: bool = True) -> Term:
    """`e` at the symbolic counters, as an entry of the `elem` table `name`. Without
    `keep_reads`, the in-range conditions the lifter states for the reads of the table are left
    out (a guarded read, `t[i - 1][j] if i > 0 else 0`, needs its range only under its guard:
    `_read_goals` states that), the other conditions are kept."""
    if keep_reads:
        t = lifter.scalar(e, env, ctx)
    else:
        table_reads = {x.loc for x in L.sub_exprs(e) if isinstance(x, L.Index) and _root(x) == name}
        real, lifter.conditions = lifter.conditions, Conditions(
            requires=list(lifter.conditions.requires), loop_vars=lifter.conditions.loop_vars)
        try:
            t = lifter.scalar(e, env, ctx)
        finally:
            scratch, lifter.conditions = lifter.conditions, real
        for read in scratch.reads:
            if read not in real.reads and read[0] not in table_reads:
                if not real.route(read[1], read[2]):
                    real.reads.append(read)
    if t.type.elem != elem:
        if elem != "float" or t.type.elem != "int":
            raise NotLiftable(e.loc, f"{rewrite.show(t)}, a {t.type}, stored in the {elem} "
                                     f"table {name}")
        t = mk("to_float", t)
    return t


def _read_goals(lifter: Lifter, e: L.Expr, env: dict[str, Sym], ctx: Context, name: str,
                cell_of: Callable[[L.Expr], Cell | None], at: tuple[Term, Term]) -> list[Term]:
    """For each signed term of `e` that reads the table `name` (directly, or in a branch of a
    condition), that the read is inside the table where it is read: its row and column are not
    negative (Python would read from the end). `at`: the entry written; `cell_of`: a read's
    offsets from it (`_guarded_cell`). The rows and columns below the one written are inside."""
    goals = []
    for _, term in _signed_terms(e, 1):
        if not _uses(term, name):
            continue
        cell = cell_of(term)
        assert cell is not None  # checked by the caller
        guard: Term = lit(True)
        if isinstance(term, L.Cond):
            c = lifter.scalar(term.cond, env, ctx)
            c = c if c.type.elem == "bool" else mk("ne", c, lit(0))
            guard = c if _uses(term.then, name) else mk("not", c)
        inside = mk("and", mk("le", ZERO, mk("add", at[0], lit(cell[0]))),
                    mk("le", ZERO, mk("add", at[1], lit(cell[1]))))
        goals.append(rewrite.simplify(mk("or", mk("not", guard), inside)))
    return goals


def _guarded_cell(e: L.Expr, name: str, vi: str, vj: str, di: int, dj: int) -> Cell | None:
    """The cell of a term that is a read of the table, or a read in one branch of a condition
    whose other branch is 0 (`t[i - 1][j] if i > 0 else 0`: whether the guard is right is the
    proof's to say); None for another term."""
    if isinstance(e, L.Cond):
        for read, other in ((e.then, e.orelse), (e.orelse, e.then)):
            if isinstance(other, L.Const) and other.value == 0 and not _uses(e.cond, name):
                return _table_cell(read, name, vi, vj, di, dj)
        return None
    return _table_cell(e, name, vi, vj, di, dj)


def _root(e: L.Expr) -> str | None:
    """The name an element read `x[a][b]` reads from."""
    while isinstance(e, L.Index):
        e = e.base
    return e.id if isinstance(e, L.Name) else None


def _neighbour_reads(e: L.Expr, name: str, vi: str, vj: str, di: int, dj: int) -> list[Cell]:
    """The cells of the reads of the table `name` in `e` (each read once, in order) when every
    use of `name` is a read of the entry above, to the left or above-left of the one written;
    [] otherwise."""
    uses = sum(1 for x in L.sub_exprs(e) if isinstance(x, L.Name) and x.id == name)
    cells = [_table_cell(x, name, vi, vj, di, dj) for x in L.sub_exprs(e)
             if isinstance(x, L.Index) and isinstance(x.base, L.Index)
             and x.base.base == L.Name(name)]
    if len(cells) != uses or any(c not in _NEIGHBOURS for c in cells):
        return []
    return list(dict.fromkeys(c for c in cells if c is not None))


def _inline_locals(s: L.For, env: dict[str, Sym]) -> L.For:
    """`s` with the declarations that start its bodies (`row = grid[i]`, `v = row[j]`: the items
    of `for i, row in enumerate(grid)`) substituted into the statements after them, when each
    name is declared once, assigned nowhere else in the nest and unknown before it (Python keeps
    it after the loops: a later read is refused, not given an older value), and its value reads
    nothing the nest assigns (the value is then the same wherever it is read)."""
    if not s.body or not isinstance(s.body[-1], L.For) or not any(
            isinstance(st, L.Assign) and isinstance(st.target, L.Index)
            and isinstance(st.target.base, L.Index)
            and isinstance(env.get(_root(st.target) or ""), Presized)
            for st in s.body[-1].body):
        return s  # no 2-D table written: nothing to read here
    counts: dict[str, int] = {}
    for st in L.walk_stmts(s.body):
        target = st.name if isinstance(st, L.Decl) else _root(st.target) \
            if isinstance(st, L.Assign | L.Push) else None
        if target is not None:
            counts[target] = counts.get(target, 0) + 1
    written = set(counts)

    def inline(body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
        while len(body) > 1 and isinstance(body[0], L.Decl) and body[0].init is not None \
                and counts[body[0].name] == 1 and body[0].name not in env \
                and not any(_uses(body[0].init, w) for w in written):
            name, value = body[0].name, body[0].init
            body = tuple(substitute_stmt(st, L.Name(name), value) for st in body[1:])
        return body

    outer = inline(s.body)
    inner = outer[-1]
    if not isinstance(inner, L.For):
        return s
    return replace(s, body=(*outer[:-1], replace(inner, body=inline(inner.body))))


def _separate_tables(s: L.For, env: dict[str, Sym]) -> list[L.For] | None:
    """The loop nest `s` as one nest per table when its inner loop writes several distinct
    tables, each write reading only its own table (integral images of `x` and `x * x`): the
    writes do not read each other, so the nests run one after the other compute the same. None
    unless every write has the single-table shape."""
    if len(s.body) != 1 or not isinstance(s.body[0], L.For) or len(s.body[0].body) < 2:
        return None
    inner = s.body[0]
    parts = [replace(s, body=(replace(inner, body=(w,)),)) for w in inner.body]
    shapes = [_shape(part, env) for part in parts]
    tables = [shape[2] for shape in shapes if shape is not None]
    names = {shape[3] for shape in shapes if shape is not None}
    if len(tables) != len(parts) or len({id(t) for t in tables}) != len(tables) \
            or len(names) != len(parts):
        return None
    for part, shape in zip(parts, shapes, strict=True):
        assert shape is not None
        _, write, table, name, di, dj = shape
        if any(_uses(write.value, other) for other in names - {name}) or not (
                isinstance(part.start, L.Const) and isinstance(inner.start, L.Const)
                and isinstance(table.fill, L.NewVec) and table.fill.length is not None
                and table.fill.fill is not None
                and part.start.value + di == inner.start.value + dj in (0, 1)):
            return None
        signs: dict[Cell | None, int] = {}
        for sign, e in _signed_terms(write.value, 1):
            if _uses(e, name):
                cell = _guarded_cell(e, name, s.var, inner.var, di, dj)
                signs[cell] = signs.get(cell, 0) + sign
        if signs != _RECURRENCE or not _neighbour_reads(write.value, name, s.var, inner.var,
                                                        di, dj):
            return None
    return parts


def _shape(s: L.For, env: dict[str, Sym]
           ) -> tuple[L.For, L.Assign, Presized, str, int, int] | None:
    """The inner loop, its write `t[i + di][j + dj] = v` (its last statement), the pre-sized
    table `t`, its name, `di` and `dj`; or None."""
    if s.step != 1 or not s.body or not isinstance(s.body[-1], L.For) or len(s.body) > 2:
        return None
    inner = s.body[-1]
    if inner.step != 1 or not inner.body or len(inner.body) > 2 \
            or not isinstance(inner.body[-1], L.Assign):
        return None
    write = inner.body[-1]
    target = write.target
    if not (isinstance(target, L.Index) and isinstance(target.base, L.Index)
            and isinstance(target.base.base, L.Name)):
        return None
    table = env.get(target.base.base.id)
    if not (isinstance(table, Presized) and table.type.rank == 2
            and isinstance(table.fill, L.NewVec)):
        return None
    di, dj = counter_offset(target.base.index, s.var), counter_offset(target.index, inner.var)
    if di is None or dj is None:
        return None
    name = target.base.base.id
    if any(_uses(e, name) or _uses(e, inner.var) for e in (inner.start, inner.stop)) \
            or _uses(inner.start, s.var):
        return None
    return inner, write, table, name, di, dj


def _running_total(s: L.For, inner: L.For, write: L.Assign, env: dict[str, Sym]
                   ) -> tuple[str, list[tuple[int, L.Expr]]] | None:
    """`(v, r)` when the outer loop starts each row with `v = 0` and the inner loop adds `r` to
    `v` before the write (a row's running total: the write reads `v`); None when the loops have
    no other statements. Raises nothing: another shape is left to the other rules."""
    if len(s.body) == 1 and len(inner.body) == 1:
        return None
    if len(s.body) != 2 or len(inner.body) != 2:
        return None
    start, update = s.body[0], inner.body[0]
    if isinstance(start, L.Decl) and start.init is not None:
        v, init = start.name, start.init
    elif isinstance(start, L.Assign) and isinstance(start.target, L.Name):
        v, init = start.target.id, start.value
    else:
        return None
    if v in env or not (isinstance(init, L.Const) and init.value == 0):
        return None  # (a total read after the loops would need its last value)
    if not (isinstance(update, L.Assign) and update.target == L.Name(v)):
        return None
    terms = _signed_terms(update.value, 1)
    if (1, L.Name(v)) not in terms:
        return None
    rest = list(terms)
    rest.remove((1, L.Name(v)))
    if any(_uses(e, v) for _, e in rest) or any(
            _uses(e, v) for e in (inner.start, inner.stop)):
        return None
    return v, rest


def _signed_terms(e: L.Expr, sign: int) -> list[tuple[int, L.Expr]]:
    """`e` as a signed sum of terms, over its `+` and `-`."""
    if isinstance(e, L.Binary) and e.op in ("+", "-"):
        return [*_signed_terms(e.left, sign),
                *_signed_terms(e.right, sign if e.op == "+" else -sign)]
    return [(sign, e)]


def _table_cell(e: L.Expr, name: str, vi: str, vj: str, di: int, dj: int) -> Cell | None:
    """The offsets of a read `t[i + di + u][j + dj + v]` from the entry written, or None."""
    if not (isinstance(e, L.Index) and isinstance(e.base, L.Index) and e.base.base == L.Name(name)):
        return None
    u, v = counter_offset(e.base.index, vi), counter_offset(e.index, vj)
    if u is None or v is None:
        return None
    return u - di, v - dj


def _window(loc: L.Loc, r: Term, i: Var, j: Var, lo_i: Term, hi_i: Term, lo_j: Term, hi_j: Term,
            names: set[str]) -> tuple[Term, tuple[Term, ...]]:
    """The matrix of `r` over the loops (`R[p][q] = r(lo_i + p, lo_j + q)`), and the facts that
    make it `n x m`: the rows and columns of the matrices `r` reads, inside them when the loops
    run. `r` reads one or two cells `x[i + a][j + b]` (a map of one window, or a selection of
    two)."""
    cells: dict[tuple[Term, int, int], Var] = {}

    def replace(t: Term) -> Term:
        if isinstance(t, App) and t.op.name == "index" and isinstance(t.args[0], App) \
                and t.args[0].op.name == "index":
            x, u = t.args[0].args
            v = t.args[1]
            assert isinstance(x, Term) and isinstance(u, Term) and isinstance(v, Term)
            a, b = _term_offset(u, i), _term_offset(v, j)
            if a is not None and b is not None and not free_vars(x) & {i, j}:
                key = (x, a, b)
                if key not in cells:
                    cells[key] = Var(_fresh(f"e{len(cells) + 1}", names), t.type)
                return cells[key]
        if isinstance(t, App):
            return App(t.op, tuple(replace(a) if isinstance(a, Term) else a for a in t.args))
        return t

    body = replace(r)
    if not 1 <= len(cells) <= 2 or free_vars(body) & {i, j} or any(
            isinstance(a, Lambda) and free_vars(a) & {i, j} for a in _apps(body)):
        raise NotLiftable(loc, f"the summed-area table's entry {rewrite.show(r)} does not read "
                               "one or two cells x[i + a][j + b] of matrices beside values the "
                               "loops do not change")
    runs_i = mk("lt", lo_i, hi_i)
    runs = mk("and", runs_i, mk("lt", lo_j, hi_j))
    windows: list[Term] = []
    facts: list[Term] = []
    for x, a, b in cells:
        rows = mk("slice", x, mk("add", lo_i, lit(a)), mk("add", hi_i, lit(a)))
        windows.append(mk("col_slice", rows, mk("add", lo_j, lit(b)), mk("add", hi_j, lit(b))))
        first = rewrite.simplify(mk("add", lo_i, lit(a)))
        facts += [
            mk("or", mk("not", runs_i), mk("and", mk("le", ZERO, first),
                                           mk("le", mk("add", hi_i, lit(a)), mk("len", x)))),
            mk("or", mk("not", runs), mk("and", mk("le", ZERO, mk("add", lo_j, lit(b))), mk(
                "le", mk("add", hi_j, lit(b)), mk("len", mk("index", x, first))))),
        ]
    params = tuple(cells.values())
    if len(params) == 1 and body == params[0]:
        window = windows[0]
    elif len(params) == 1:
        window = mk("matrix_map", windows[0], Lambda(params, body))
    else:
        window = mk("matrix_selection_two_args", *windows, Lambda(params, body))
    return rewrite.simplify(window), tuple(rewrite.simplify(f) for f in facts)


def _exclusive_sums(window: Term, n: Term, m: Term, zero: Term) -> Term:
    """The `(n + 1) x (m + 1)` table of the sums of `window` over the rows and columns before
    each entry: across the columns (transposed), then down the rows, so the table is itself an
    exclusive scan (its column count is its rows', not a transpose's)."""
    def exclusive(a: Term, w: Term) -> Term:
        padded = mk("append", a, mk("full", w, zero))
        return mk("matrix_elemwise_sub", mk("scan_sum", padded), padded)

    across = mk("transpose", exclusive(mk("transpose", window), n))
    return exclusive(across, mk("add", m, ONE))


def _inclusive_sums(window: Term) -> Term:
    """The table of the sums of `window` over the rows and columns up to each entry."""
    return mk("scan_sum", mk("transpose", mk("scan_sum", mk("transpose", window))))


def _obligations(lifter: Lifter, loc: L.Loc, t: Term, r: Term, counters: tuple[Var, Var],
                 offsets: Cell, sizes: tuple[Term, Term], zero: Term, pre: tuple[Term, ...],
                 inside: tuple[Term, ...], step: Term, padded: bool, running: bool) -> None:
    """The goals of the loop order's induction (see above) under `pre`; `inside`: the counters
    `i, j` in their loops' ranges. The write is `t[i + di][j + dj] = step` (the source's value
    over the candidate's entries); `t` is `n + 1 x m + 1` with row and column 0 kept at 0
    (`padded`), else `n x m`. With a row's `running` total (`step` its variable), its invariant is
    the difference of the last entries written in the row and the row above (0 at column 0):
    the write `t[..][..] = above + total'` and the next invariant are one goal."""
    (i, j), (di, dj), (n, m) = counters, offsets, sizes

    def at(p: Term, q: Term) -> Term:
        return mk("index", mk("index", t, p), q)

    def plus(x: Term, c: int) -> Term:
        return rewrite.simplify(mk("add", x, lit(c)))

    p, q = plus(i, di), plus(j, dj)
    obligations = lifter.conditions.obligations
    if running:
        before = mk("sub", at(p, plus(q, -1)), at(plus(p, -1), plus(q, -1)))
        written = mk("add", at(plus(p, -1), q), mk("add", step, r))
        obligations.append(Obligation("preservation", loc, pre + inside, ((step, before),),
                                      ((written, at(p, q)),)))
    else:
        obligations.append(Obligation("preservation", loc, pre + inside, (), ((at(p, q), step),)))
    k = lifter.fresh("k", INT)
    rows, cols = (plus(n, 1), plus(m, 1)) if padded else (n, m)
    obligations.append(Obligation("initiation", loc, pre, (), ((mk("len", t), rows),)))
    obligations.append(Obligation(
        "initiation", loc, pre + (mk("le", ZERO, k), mk("lt", k, rows)), (),
        ((mk("len", mk("index", t, k)), cols),)))
    if not padded:
        return
    obligations.append(Obligation(
        "initiation", loc, pre + (mk("le", ZERO, k), mk("le", k, m)), (), ((at(ZERO, k), zero),)))
    obligations.append(Obligation(  # column 0, entry by entry (a sum of zeros)
        "preservation", loc, pre + (mk("le", ZERO, k), mk("lt", k, n)),
        ((at(k, ZERO), zero),), ((at(plus(k, 1), ZERO), zero),)))


def _apps(t: Term) -> list[Term | Lambda]:
    """Every argument of every application in `t`."""
    out: list[Term | Lambda] = []
    if isinstance(t, App):
        for a in t.args:
            out.append(a)
            if isinstance(a, Term):
                out.extend(_apps(a))
    return out


def _term_offset(u: Term, v: Var) -> int | None:
    d = rewrite.simplify(mk("sub", u, v))
    return d.value if isinstance(d, Lit) and type(d.value) is int else None


def _uses(e: L.Expr, name: str) -> bool:
    return any(isinstance(x, L.Name) and x.id == name for x in L.sub_exprs(e))


def _fresh(base: str, names: set[str]) -> str:
    name = base
    while name in names:
        name += "_"
    return name
