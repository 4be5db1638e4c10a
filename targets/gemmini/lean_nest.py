"""The block loops of a tile with a lean innermost loop (`Schedule.lean`).

With spread loads every iteration (k, j, i) of the block loops tests whether it issues an A mvin
of the next k group, a B mvin of the next k step, a bias load or a store of the previous C tile,
and whether its weights are fresh (i = 0): about eight `if` tests, each costing the CPU
`loop_overhead` cycles. When a compute is short (a convolution whose output rows are 7 pixels
wide makes blocks of 7 rows, 7 cycles of the array) the CPU, not the array, sets the pace.

The lean form issues the same instructions, with the same operands, per (k, j) step as:

1. the A mvins of the step, in a loop over exactly the i that the spread slot picks
   (`i = (k % a) * nj + j + r * nj * a`), so the slot test disappears;
2. the B mvins of the next step (and the bias at the first step), outside the i loop;
3. the stores of the previous C tile due at this step, in a loop over the i with
   `(i + j) % nk == k`;
4. the computes: i = 0 with fresh weights, then a loop over i >= 1 that only preloads no
   weights and computes.

Loads and stores of a step come before its computes instead of between them. They touch rows
that no compute of the step reads or writes (the next group's A rows, the next step's B rows,
the other accumulator half), which is what made issuing them at any iteration of the step
correct, so the result is the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .expr import Const, E, Expr, binop, free_vars
from .program import If, Stmt, loop, substitute, when

if TYPE_CHECKING:
    from .generator import GemmBuilder


def _strided(var: str, start: Expr, stop: Expr, step: Expr, test: Expr,
             body: list[Stmt]) -> list[Stmt]:
    """`for var in range(start, stop, step): body` when the step is a constant, else a loop over
    every value with `test` (what the strided loop selects)."""
    if isinstance(step, Const):
        return loop(var, start, stop, body, step=step.value)
    return loop(var, 0, stop, when(test, body))


def lean_nest(b: GemmBuilder, extent: dict[str, Expr], bias: bool) -> list[Stmt]:
    """The k, j, i block loops of one tile in the lean form (module docstring)."""
    s = b.s
    ni, nj, nk = extent["i"], extent["j"], extent["k"]
    i, j, k = b.i, b.j, b.k
    a = s.a_blocks
    step: list[Stmt] = []
    slot = (k % a) * nj + j
    for stmt in b.spread_a(nk, nj, pos=E(1)):
        # a test that does not depend on i runs once per step, outside the loop over i
        cond, body = (stmt.cond, list(stmt.then)) if isinstance(stmt, If) and not stmt.orelse \
            and "i" not in free_vars(stmt.cond) else (E(1), [stmt])
        step += when(cond, _strided("i", slot, ni, binop("*", nj, a),
                                    binop("==", i % (nj * a), slot), body))
    step += substitute(b.spread_b_d(nj, nk, False), {"i": E(0)})
    if bias:
        step += when(binop("and", binop("==", b.k0, 0), binop("==", k, 0)),
                     loop("i", 0, ni, [b.load_d()]))
    if s.mvout == "next":
        previous = substitute([b.mvout()], b.previous_c_tile())
        first_k_tile = binop("and", binop("==", b.k0, 0), binop(">", b.c_tile(), 0))
        # i with (i + j) % nk == k; nk * (j + 1) keeps the start non-negative in unsigned C
        start = (k + nk * (j + 1) - j) % nk
        step += when(first_k_tile, _strided(
            "i", start, ni, nk, binop("==", k, (i + j) % nk),
            when(b.in_previous(), previous)))
    fresh, reuse = b.compute_parts()
    step += substitute(fresh, {"i": E(0)}) + loop("i", 1, ni, reuse)
    return loop("k", 0, nk, loop("j", 0, nj, step))


__all__ = ["lean_nest"]
