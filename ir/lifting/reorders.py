"""Lists reordered in place by a loop: the exchange `x[p], x[q] = x[q], x[p]` (read as `t = x[p];
x[p] = x[q]; x[q] = t`) inside a loop body, as bubble, insertion and selection sorts do.

Where the loop-shape rules refuse such a function, the reason they give (an early exit, an index
kept as a state) names a symptom; the exchange in a loop is what no rule reads: the positions it
swaps depend on the data, and TensIR has no sort op. `lift_function` reports it instead. An
exchange outside loops (fixed positions) is an element write like any other and lifts.
"""

from __future__ import annotations

from tensflo.ir.loop import nodes as L

from .results import NotLiftable


def exchange_in_loop(function: L.Function) -> NotLiftable | None:
    """The refusal naming the first exchange of two elements of one list inside a loop of
    `function`, or None when there is none."""
    for loop in L.walk_stmts(function.body):
        if not isinstance(loop, L.For | L.While):
            continue
        for block in _blocks(loop.body):
            found = _exchange(block)
            if found is not None:
                name, at = found
                return NotLiftable(at.loc, f"an exchange of two elements of {name} in a loop: "
                                           "a list reordered in place (a sort, a reversal) is not "
                                           "lifted; TensIR has no sort op")
    return None


def _blocks(body: tuple[L.Stmt, ...]) -> list[tuple[L.Stmt, ...]]:
    """`body` and every statement list nested in it."""
    out = [body]
    for s in body:
        match s:
            case L.If(_, then, orelse):
                out += _blocks(then) + _blocks(orelse)
            case L.For() | L.While():
                out += _blocks(s.body)
    return out


def _exchange(block: tuple[L.Stmt, ...]) -> tuple[str, L.Assign] | None:
    """(list, first write) of `t = x[p]; x[p] = x[q]; x[q] = t` in `block`, else None."""
    for a, b, c in zip(block, block[1:], block[2:], strict=False):
        match a, b, c:
            case (L.Decl(t, _, L.Index(L.Name(x), p)),
                  L.Assign(L.Index(L.Name(x1), p1), L.Index(L.Name(x2), q)),
                  L.Assign(L.Index(L.Name(x3), q1), L.Name(t1))) \
                    if x == x1 == x2 == x3 and p == p1 and q == q1 and t == t1:
                assert isinstance(b, L.Assign)
                return x, b
    return None
