"""Flat 2-D reads: an inner loop over `j < n` reading `w[i * n + j]` is summarized as row `i` of
the flat matrix, `take(tail(w, i * n), n)`; over the outer counter `i` in `[0, m)` these rows are
the matrix `reshape_rows(w, m, n)`, so the matrix rules (`matrix_vec_mul`, ...) apply.

    take(tail(w, i * n), n)   over i in [0, m)  ->  reshape_rows(w, m, n)

The rows are read in range when the outer loop runs exactly when `0 <= n` and `m * n <= len(w)`
(`FlatRowsRead.in_range`), which becomes a precondition like the bounds of a slice. Only a row
start `k * i` with `k` the row length itself and an outer loop from 0 is a flat row; any other
shape is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, rewrite

from .build import ZERO, mk, term_arg
from .results import NotLiftable
from .strides import affine


def is_flat_row(e: Term, i: Var) -> bool:
    """`take(tail(x, start), k)` with `start` depending on `i`, and `x`, `k` not."""
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
    """The rows `x[r * cols : (r + 1) * cols]` read over the loop being summarized."""

    x: Term
    cols: Term
    loc: Loc

    def __iter__(self) -> Iterator[Term]:
        """Code that reads only `(x, start, c)` reads refuses flat rows rather than misreading them."""
        raise NotLiftable(self.loc, "a flat 2-D read where only reads at the counter plus an "
                                    "offset are supported")

    def in_range(self, lo: Term, hi: Term) -> Term:
        """Every row read while the counter runs over `[lo, hi)` (lo is 0) is inside `x`."""
        fits = mk("and", mk("le", ZERO, self.cols),
                  mk("le", mk("mul", hi, self.cols), mk("len", self.x)))
        return rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), fits))


def row_fact(read: FlatRowsRead, i: Var, lo: Term, hi: Term) -> Term:
    """For every `i`: when `lo <= i < hi` and `0 <= cols`, row `i` lies inside the first `hi` rows,
    `0 <= i * cols` and `i * cols + cols <= hi * cols` (nonlinear: proven as its own obligation)."""
    at = mk("mul", i, read.cols)
    inside = mk("and", mk("le", ZERO, at), mk("le", mk("add", at, read.cols), mk("mul", hi, read.cols)))
    outside = mk("or", mk("or", mk("lt", i, lo), mk("le", hi, i)), mk("lt", read.cols, ZERO))
    return rewrite.simplify(mk("or", outside, inside))


def flat_rows(loc: Loc, row: Term, i: Var, lo: Term, b: Term,
              pending: list[Any] | None = None) -> Term:
    """The rows `take(tail(x, k * i), k)` for i in [lo, b) as `reshape_rows(x, b, k)`; the read is
    recorded in `pending` when given."""
    assert is_flat_row(row, i) and isinstance(row, App)
    inner, k = map(term_arg, row.args)
    assert isinstance(inner, App)
    x, start = map(term_arg, inner.args)
    found = affine(start, i)
    shown = rewrite.show(start)
    if found is None:
        raise NotLiftable(loc, f"the row start {shown} is not affine in the counter {i.name}")
    a, c = (rewrite.simplify(t) for t in found)
    k = rewrite.simplify(k)
    if a != k or c != ZERO:
        raise NotLiftable(loc, f"a row of {rewrite.show(k)} entries starting at {shown}: a flat "
                               f"2-D read needs the start {rewrite.show(k)} * {i.name}")
    if rewrite.simplify(lo) != ZERO:
        raise NotLiftable(loc, f"flat 2-D rows over {i.name} from {rewrite.show(lo)}, not from 0")
    if pending is not None:
        pending.append(FlatRowsRead(x, k, loc))
    return mk("reshape_rows", x, b, k)
