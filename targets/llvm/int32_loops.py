"""The source's counted loops and what its statements assign, for `int32_proofs`.

A counted loop runs its body once per iteration `k = 0, 1, ...` with its counter at
`start + step * k`, while the counter is below the bound (above it, for a negative step):

- an `L.For` of the C/C++ readers, from any start, by any constant step;
- a `while (i < e) { ...; i = i + c; }` (or `i <= e`, read as `i < e + 1`) with `c` a positive
  constant, whose counter the body changes nowhere else: the `for` loop from the counter's value
  before the loop (`counted_while`), as the lifter reads it.

The number of iterations is `iterations(start, stop, step)` (zero or negative: none). A loop
whose bound or counter its body changes, or which it may leave early, is not counted
(`int32_proofs` checks both).
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.loop import nodes as L


def counted_while(s: L.While) -> L.For | None:
    """`while (i < e) { body; i = i + c; }` as `for (i = <i before>; i < e; i += c) body`
    (None: not of that form)."""
    cond, body = s.cond, s.body
    if not (isinstance(cond, L.Binary) and cond.op in ("<", "<=")
            and isinstance(cond.left, L.Name) and body):
        return None
    var, last = cond.left.id, body[-1]
    if not (isinstance(last, L.Assign) and last.target == L.Name(var)
            and isinstance(last.value, L.Binary) and last.value.op == "+"
            and last.value.left == L.Name(var) and isinstance(last.value.right, L.Const)
            and type(last.value.right.value) is int and last.value.right.value > 0):
        return None
    if var in assigned(body[:-1]) or var in names(cond.right):
        return None
    stop = cond.right if cond.op == "<" else L.Binary("+", cond.right, L.Const(1))
    # the start is the counter's current value: a name with no source position records no fact
    return L.For(var, L.Name(var), stop, body[:-1], last.value.right.value, s.loc)


def iterations(start: Any, stop: Any, step: int) -> Any:
    """The number of iterations of a counted loop (z3 ints; at most 0: none)."""
    span = stop - start if step > 0 else start - stop
    k = abs(step)
    return span if k == 1 else (span + (k - 1)) / k  # z3's `/` by a positive constant: floor


def first_iteration(z: Any, reads: list[Any], counter: Any, count: Any) -> list[Any]:
    """The in-range conditions of iteration 0's reads, which hold whenever the loop runs (an
    iteration runs only after iteration 0, on a defined input): those of `reads` (iteration
    `counter`'s) that read no other fresh symbol (a carried variable's value at that iteration
    is not its value at iteration 0), with `counter` at 0."""
    return [z.Implies(0 < count, z.substitute(r, (counter, z.IntVal(0)))) for r in reads
            if _fresh(z, r) <= {counter.decl().name()}]


def _fresh(z: Any, e: Any) -> set[str]:
    """The names of the symbols of `int32_proofs._Source.symbol` in a z3 term (`name!k`)."""
    if z.is_const(e) and e.decl().kind() == z.Z3_OP_UNINTERPRETED:
        name = e.decl().name()
        return {name} if "!" in name and not name.startswith("len!") else set()
    return set().union(*(_fresh(z, c) for c in e.children())) if e.num_args() else set()


def assigned(body: tuple[L.Stmt, ...]) -> set[str]:
    """The scalar variables a block assigns or declares (at any depth), loop counters included."""
    out: set[str] = set()
    for s in body:
        if isinstance(s, L.Decl):
            out.add(s.name)
        elif isinstance(s, L.Assign) and isinstance(s.target, L.Name):
            out.add(s.target.id)
        elif isinstance(s, L.For):
            out.add(s.var)
        for part in ("body", "then", "orelse"):
            out |= assigned(getattr(s, part, ()))
    return out


def exits(body: tuple[L.Stmt, ...]) -> bool:
    """Whether a block may leave its loop early or loop without a counter (at any depth)."""
    return any(isinstance(s, L.Break | L.Return)
               or (isinstance(s, L.While) and counted_while(s) is None)
               or exits(getattr(s, "body", ()) + getattr(s, "then", ()) + getattr(s, "orelse", ()))
               for s in body)


def names(e: object) -> set[str]:
    """The variables an expression reads."""
    if isinstance(e, L.Name):
        return {e.id}
    if isinstance(e, tuple):
        return set().union(*map(names, e)) if e else set()
    fields = getattr(e, "__slots__", ())
    return set().union(*(names(getattr(e, f)) for f in fields if f != "loc")) if fields else set()


def written(body: tuple[L.Stmt, ...]) -> set[str]:
    """The arrays a block writes an element of or pushes to (at any depth)."""
    out: set[str] = set()
    for s in body:
        target = getattr(s, "target", None)
        while isinstance(target, L.Index):
            target = target.base
        if isinstance(target, L.Name) and isinstance(s, L.Assign | L.Push) and \
                (isinstance(s, L.Push) or isinstance(s.target, L.Index)):
            out.add(target.id)
        for part in ("body", "then", "orelse"):
            out |= written(getattr(s, part, ()))
    return out


__all__ = ["assigned", "counted_while", "exits", "first_iteration", "iterations", "names", "written"]
