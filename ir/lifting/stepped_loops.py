"""Loops with a constant step other than 1, read as loops of step 1 over a new counter (a step of
-1 when the iterations may not be reordered: `loop_order.py` reads the others counting up).

    for i in range(a, b, k)   (k >= 2)   ->  for t in range(0, (b - a + k - 1) // k):  i = a + k * t
    for i in range(a, b, k)   (k <= -2)  ->  for t in range(0, (a - b - k - 1) // -k): i = a + k * t

The new loop runs the same iterations in the same order: the original runs while `i < b` (or
`i > b`), that is for `t < ceil((b - a) / k)`; where that count is not positive both run zero times
(the division of a negative numerator, floor or truncating, gives a count of at most 0, and a
loop of step 1 with `stop <= start` runs zero times). Reads `x[i]` become the strided reads
`x[a + k * t]` the other rules know (`strides.py`); an exact quotient folds, so that a write
`out[i // k]` is a write at the counter:

    (c + k * t) / k  ->  c / k + t      (c a constant multiple of k: exact in C and Python)

A body that assigns `i` or a variable the start reads, or a nested loop counting with the same
name, is refused.
"""

from __future__ import annotations

from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops

from .loop_rewrite import map_exprs
from .results import NotLiftable


def unit_step(s: L.For, taken: set[str]) -> L.For:
    """`s` (a constant step `k != 1`) as a loop of step 1 over a counter named apart
    from `taken` (see the module docstring)."""
    assert s.step != 1, s.step
    k, loc = s.step, s.loc
    counter = f"{s.var}_step{abs(k)}"
    while counter in taken:
        counter += "_"

    def c(v: int) -> L.Expr:
        return L.Const(v, loc)

    def bin_(op: str, a: L.Expr, b: L.Expr) -> L.Expr:
        return L.Binary(op, a, b, loc)

    span = bin_(ops.SUB.symbol, s.stop, s.start) if k > 0 else bin_(ops.SUB.symbol, s.start, s.stop)
    trips = span if k == -1 else bin_(ops.DIV.symbol, bin_(ops.ADD.symbol, span, c(abs(k) - 1)),
                                      c(abs(k)))
    scaled = bin_(ops.MUL.symbol, c(k), L.Name(counter, loc))
    value = scaled if s.start == L.Const(0) and type(s.start.value) is int else bin_(ops.ADD.symbol, s.start, scaled)
    if _rebinds(s):
        raise NotLiftable(loc, f"a loop with step {k} whose body assigns its counter {s.var} or "
                               f"counts a nested loop with it")
    changed = set(L.assigned_vars(s.body)) & {e.id for e in L.sub_exprs(s.start) if isinstance(e, L.Name)}
    if changed:  # `start` is evaluated once; `start + k * t` would read the new value
        raise NotLiftable(loc, f"a loop with step {k} whose body changes {sorted(changed)[0]}, "
                               f"which its start reads")
    read = L.Name(s.var)
    body = tuple(map_exprs(map_exprs(s.body, lambda e: value if e == read else None), _exact_quotient))
    return replace(s, var=counter, start=c(0), stop=trips, body=body, step=1)


def _rebinds(s: L.For) -> bool:
    """Whether the body assigns the counter or a nested loop counts with its name."""
    return s.var in L.assigned_vars(s.body) or any(
        isinstance(x, L.For) and x.var == s.var for x in L.walk_stmts(s.body))


def _exact_quotient(e: L.Expr) -> L.Expr | None:
    """`(c + k * t) / k` (or `(k * t) / k`) with `c` a constant multiple of the constant `k` as
    `c / k + t`; None for any other expression."""
    if not (isinstance(e, L.Binary) and e.op == ops.DIV.symbol and isinstance(e.right, L.Const)
            and type(e.right.value) is int and e.right.value != 0):
        return None
    k, num = e.right.value, e.left
    offset = 0
    if isinstance(num, L.Binary) and num.op == ops.ADD.symbol and isinstance(num.left, L.Const) \
            and type(num.left.value) is int:
        offset, num = num.left.value, num.right
    if not (isinstance(num, L.Binary) and num.op == ops.MUL.symbol and num.left == L.Const(k)
            and offset % k == 0):
        return None
    if offset == 0:
        return num.right
    return L.Binary(ops.ADD.symbol, L.Const(offset // k, e.loc), num.right, e.loc)


def names_of(function: L.Function) -> set[str]:
    """Every name a function uses (parameters, variables, counters)."""
    out = {p.name for p in function.params}
    for st in L.walk_stmts(function.body):
        if isinstance(st, L.Decl):
            out.add(st.name)
        elif isinstance(st, L.For):
            out.add(st.var)
        out.update(e.id for x in L.stmt_exprs(st) for e in L.sub_exprs(x) if isinstance(e, L.Name))
    return out
