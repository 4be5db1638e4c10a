"""Flat 2-D reads: an inner loop over `j < n` reading `w[i * n + j]` is summarized as row `i` of
the flat matrix, `take(tail(w, i * n), n)`; over the outer counter `i` in `[0, m)` these rows are
the matrix `reshape_rows(w, m, n)`, so the matrix rules (`matrix_vec_mul`, ...) apply.

    take(tail(w, i * n), n)        over i in [0, m)   ->  reshape_rows(w, m, n)
    take(tail(w, i * ld + c), k)   over i in [0, m)   ->  col_slice(reshape_rows(w, m, ld), c, c + k)
    stride(w, j + c, ld, k)        over j in [lo, b)  ->  transpose(col_slice(reshape_rows(w, k, ld),
                                                                   c + lo, c + b))

The second form is a row with a leading dimension `ld` (BLAS `a[i * lda + p]`) or a row read from
column `c` on (`row[c]` for `c` from 1); rows that overlap (`x[i + k]` for `k < 8`, a sliding
window) are refused. The third is column `j + c` of a `k x ld` matrix read
down its rows (`b[p * ldb + j]`, the inner loop over `p` summarized first), one per value of the
counter. The reads are in range when the loop runs exactly when `0 <= ld`, the matrix's rows fit
in `w` and the columns read lie in `[0, ld)` (`FlatRowsRead.in_range`), which becomes a
precondition like the bounds of a slice; for the first form this is `m * n <= len(w)`. A row
start not affine in the counter, or rows over an outer loop not starting at 0, are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, lit, rewrite

from .build import ONE, ZERO, mk, term_arg
from .results import NotLiftable
from .strides import affine


def is_flat_row(e: Term, i: Var) -> bool:
    """`take(tail(x, start), k)` with `start` depending on `i`, and `x`, `k` not; or a column
    `stride(x, start, step, k)` with `start` depending on `i` and the rest not."""
    if isinstance(e, App) and e.op.name == "stride":
        x, start, step, k = map(term_arg, e.args)
        return (x.type.rank == 1 and i in free_vars(start)
                and not (free_vars(x) | free_vars(step) | free_vars(k)) & {i})
    if not (isinstance(e, App) and e.op.name == "take"):
        return False
    inner, k = map(term_arg, e.args)
    if not (isinstance(inner, App) and inner.op.name == "tail"):
        return False
    x, start = map(term_arg, inner.args)
    return (x.type.rank == 1 and i in free_vars(start) and i not in free_vars(x)
            and i not in free_vars(k))


@dataclass(frozen=True)
class FlatRowsRead:
    """The rows `x[r * cols : (r + 1) * cols]` read over the loop being summarized; with `first`
    and `width` set, entries `first .. first + width` of each row; with `down` set, columns
    `first + lo .. first + hi` of a `width x cols` matrix, one per iteration."""

    x: Term
    cols: Term
    loc: Loc
    first: Term = ZERO
    width: Term | None = None
    down: bool = False

    def __iter__(self) -> Iterator[Term]:
        """Code that reads only `(x, start, c)` reads refuses flat rows rather than misreading them."""
        raise NotLiftable(self.loc, "a flat 2-D read where only reads at the counter plus an "
                                    "offset are supported")

    def in_range(self, lo: Term, hi: Term) -> Term:
        """Every row (column) read while the counter runs over `[lo, hi)` is inside `x` (for rows,
        lo is 0)."""
        rows = self.width if self.down else hi
        assert rows is not None
        fits = mk("and", mk("le", ZERO, self.cols),
                  mk("le", mk("mul", rows, self.cols), mk("len", self.x)))
        runs = mk("lt", lo, hi)
        if self.down:
            columns = mk("and", mk("le", ZERO, mk("add", self.first, lo)),
                         mk("le", mk("add", self.first, hi), self.cols))
            return rewrite.simplify(mk("or", mk("not", runs), mk("and", fits, columns)))
        out = mk("or", mk("not", runs), fits)
        if self.width is not None:
            # the matrix has `width` columns also when no row is read (its shape is the program's)
            out = mk("and", out, self.columns_fit())
        return rewrite.simplify(out)

    def columns_fit(self) -> Term:
        """Entries `first .. first + width` of a row lie in `[0, cols)` (or none is read)."""
        assert self.width is not None
        columns = mk("and", mk("le", ZERO, self.first),
                     mk("le", mk("add", self.first, self.width), self.cols))
        return rewrite.simplify(mk("or", mk("le", self.width, ZERO), columns))


def row_fact(read: FlatRowsRead, i: Var, lo: Term, hi: Term) -> Term:
    """For every `i`: when `lo <= i < hi` and `0 <= cols`, row `i` lies inside the first `hi` rows,
    `0 <= i * cols` and `i * cols + cols <= hi * cols` (nonlinear: proven as its own obligation).
    A column read says nothing of `i` (its rows are indexed inside the view)."""
    if read.down:
        return lit(True)
    at = mk("mul", i, read.cols)
    inside = mk("and", mk("le", ZERO, at), mk("le", mk("add", at, read.cols), mk("mul", hi, read.cols)))
    outside = mk("or", mk("or", mk("lt", i, lo), mk("le", hi, i)), mk("lt", read.cols, ZERO))
    return rewrite.simplify(mk("or", outside, inside))


def flat_rows(loc: Loc, row: Term, i: Var, lo: Term, b: Term,
              pending: list[Any] | None = None) -> Term:
    """The rows `take(tail(x, ld * i + c), k)` for i in [lo, b) as a view of `reshape_rows(x, b,
    ld)`, or the columns `stride(x, i + c, ld, k)` as one of `reshape_rows(x, k, ld)`; the read is
    recorded in `pending` when given."""
    assert is_flat_row(row, i) and isinstance(row, App)
    if row.op.name == "stride":
        return _flat_columns(loc, row, i, lo, b, pending)
    inner, k = map(term_arg, row.args)
    assert isinstance(inner, App)
    x, start = map(term_arg, inner.args)
    found = affine(start, i)
    shown = rewrite.show(start)
    if found is None:
        raise NotLiftable(loc, f"the row start {shown} is not affine in the counter {i.name}")
    a, c = (rewrite.simplify(t) for t in found)
    k = rewrite.simplify(k)
    if rewrite.simplify(lo) != ZERO:
        raise NotLiftable(loc, f"flat 2-D rows over {i.name} from {rewrite.show(lo)}, not from 0")
    if a == k and c == ZERO:
        if pending is not None:
            pending.append(FlatRowsRead(x, k, loc))
        return mk("reshape_rows", x, b, k)
    if a == ZERO or i in free_vars(a) or i in free_vars(c):
        raise NotLiftable(loc, f"a row of {rewrite.show(k)} entries starting at {shown}: a flat "
                               f"2-D read needs a start ({rewrite.show(k)}) * {i.name} + c")
    read = FlatRowsRead(x, a, loc, c, k)
    if read.columns_fit() == lit(False):
        raise NotLiftable(loc, f"rows of {rewrite.show(k)} entries starting {rewrite.show(a)} apart "
                               f"(at {shown}) overlap, as a sliding window does: a flat 2-D view "
                               "needs each row inside its own stride")
    if pending is not None:
        pending.append(read)
    return mk("col_slice", mk("reshape_rows", x, b, a), c, rewrite.simplify(mk("add", c, k)))


def _flat_columns(loc: Loc, col: App, j: Var, lo: Term, b: Term, pending: list[Any] | None) -> Term:
    x, start, step, k = map(term_arg, col.args)
    found = affine(start, j)
    if found is None or rewrite.simplify(found[0]) != ONE:
        raise NotLiftable(loc, f"a column read starting at {rewrite.show(start)}: a flat 2-D "
                               f"column needs the start {j.name} + c")
    c = rewrite.simplify(found[1])
    if pending is not None:
        pending.append(FlatRowsRead(x, step, loc, c, k, down=True))
    first, stop = (rewrite.simplify(mk("add", c, t)) for t in (lo, b))
    return mk("transpose", mk("col_slice", mk("reshape_rows", x, k, step), first, stop))
