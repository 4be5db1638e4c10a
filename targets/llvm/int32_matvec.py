"""Matrix-vector elements as the source's per-row accumulators, for `int32_proofs`.

Element `i` of `matrix_vec_mul(m, v)` is `sum_j m[i][j] * v[j]`. In a source such as

    for (i = 0; i < rows; i++) { int s = 0; for (j = 0; j < n; j++) s += a[i][j] * x[j]; ... }

it equals the value of `s` after the inner loop (a `RowFold`), by induction over `j`, when:
1. `s` is 0 before the inner loop;
2. every column `j < cols` of the matrix is an iteration (`j < n`), and every iteration whose
   reads are in range is a column (so the loop runs exactly `cols` times on defined inputs);
3. each iteration sets `s` to `s + m[i][j] * v[j]`;
4. each iteration's new value of `s` is a source `int` value, or `s` unchanged; so every value of
   `s`, the final one included, fits in 32 bits.
Each is one SMT obligation over the symbolic iteration (outer counter `i`, inner counter `j`);
then the element is the fresh symbol standing for `s` after the loop, itself a source `int`.
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.tensir import App, Term

from .int32_folds import prove_steps
from .int32_terms import elements


def matvec_elements(z: Any, src: Any, t: Term, idx: tuple[Any, ...], hyps: list[Any],
                    obligations: list[dict[str, Any]], failures: list[str],
                    ) -> tuple[Any, tuple[Any, ...]] | None:
    """(element of `t` at `idx` (one outer counter), its lengths) when `t` is a matrix-vector
    product whose elements are proven to be the source's row accumulators (module docstring);
    `hyps`: the outer iteration's conditions. Appends the obligations, or why not."""
    if not (isinstance(t, App) and t.op.name == "matrix_vec_mul" and len(idx) == 1):
        return None
    m, v = t.args
    if not isinstance(m, Term) or not isinstance(v, Term):
        return None
    why = "no inner loop of the source folds into one int"
    for fold in src.folds:
        j = fold.counter
        me, ve = elements(z, src, m, (idx[0], j)), elements(z, src, v, (j,))
        if me is None or ve is None or fold.end is None:
            why = "its matrix or vector is not a parameter or its slice"
            continue
        rows, cols = me[1]
        base = [*hyps, 0 <= idx[0], idx[0] < rows]
        iteration = [*base, 0 <= j, j < fold.stop, *fold.reads]
        goals = [("the accumulator starts at 0", base, fold.init == 0),
                 ("every column is an iteration", [*base, 0 <= j, j < cols], j < fold.stop),
                 ("every iteration is a column", iteration, j < cols),
                 ("each iteration adds m[i][j] * v[j]", iteration,
                  fold.end == fold.sym + me[0] * ve[0])]
        done, why = prove_steps(z, fold, "matvec element", t, goals, iteration)
        if done is not None:
            obligations += done
            return fold.after, (rows,)
    failures.append(f"{str(t)[:80]}: its elements are not the source's row accumulators ({why})")
    return None


__all__ = ["matvec_elements"]
