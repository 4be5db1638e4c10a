"""A loop counting down as the same loop counting up, when the order of its iterations does not
matter.

`for (i = a; i > b; i--) body` runs `body` for `i = a, a - 1, ..., b + 1`; counting up,
`for (i = b + 1; i < a + 1; i++) body` runs it for the same values in the opposite order. The two
end in the same state when every iteration's effect commutes with every other's, which is checked
on the body's syntax:

- a variable the loop carries (assigned in the body, declared before it) is only updated as an
  accumulator, `v = v + e` / `v = v - e` (one group), `v = v * e`, `v = max(v, e)` or
  `v = min(v, e)` with one operator family per variable, maybe under an `if`, where `e` and the
  `if`'s condition read no carried variable: each update then adds (multiplies, ...) a term that
  does not depend on the order, and these operators are commutative and associative over the
  integers and the reals (the model of the proof; with floats the C rounding may differ);
- or a vector the loop carries is only written at the counter, `out[i] = e`, where `e` reads no
  carried variable but that same cell `out[i]`: each iteration touches its own cell;
- variables declared in the body are computed from non-carried values only;
- no `return`, push (the order of pushes is the order of the vector) or nested loop.

Anything else is refused with the reason: a loop counting down is never lifted in the wrong order.
"""

from __future__ import annotations

from dataclasses import replace

from tensflo.ir.loop import nodes as L

from .linear_recurrences import is_linear_statement, linear_reason
from .results import NotLiftable

_FAMILY = {"+": "+", "-": "+", "*": "*"}
"""An accumulator's operator and its family (`+` and `-` commute with each other)."""


def count_up(s: L.For) -> L.For:
    """`s` (with a negative step) as the loop counting up over the same counter values; raises
    `NotLiftable` when the order of its iterations may matter."""
    if s.step != -1:
        raise NotLiftable(s.loc, f"a loop counting down by {-s.step} (only steps of 1 are read)")
    carried = set(L.assigned_vars(s.body)) - _declared(s.body)
    rebound = {x.target.id for x in L.walk_stmts(s.body)
               if isinstance(x, L.Assign | L.Push) and isinstance(x.target, L.Name)}
    for bound in (s.start, s.stop):
        # the length of a vector whose elements the loop writes is the same at both ends
        read = _reads(bound, rebound) & (carried | {s.var})
        if read:
            raise NotLiftable(bound.loc, f"a loop counting down whose bound reads {sorted(read)[0]}, "
                                         "which the loop changes")
    _Commutes(s.var, carried).body(s.body)
    return replace(s, start=_plus_one(s.stop), stop=_plus_one(s.start), step=1)


def _declared(body: tuple[L.Stmt, ...]) -> set[str]:
    return {s.name for s in L.walk_stmts(body) if isinstance(s, L.Decl)}


def _reads(e: L.Expr, rebound: set[str]) -> set[str]:
    """The variables `e` reads, but the vectors only element-written (`rebound` are the others)
    whose length only it reads."""
    if isinstance(e, L.Len) and isinstance(e.operand, L.Name) and e.operand.id not in rebound:
        return set()
    if isinstance(e, L.Name):
        return {e.id}
    return set().union(*(_reads(x, rebound) for x in _children(e)))


def _children(e: L.Expr) -> tuple[L.Expr, ...]:
    match e:
        case L.Index(a, b) | L.Binary(_, a, b):
            return (a, b)
        case L.Unary(_, a) | L.Len(a):
            return (a,)
        case L.Cond(c, a, b):
            return (c, a, b)
        case L.Call(_, args):
            return args
        case L.NewVec(_, n, f):
            return tuple(x for x in (n, f) if x is not None)
    return ()


def _plus_one(e: L.Expr) -> L.Expr:
    if isinstance(e, L.Const) and type(e.value) is int:
        return L.Const(e.value + 1, e.loc)
    if isinstance(e, L.Binary) and e.op == "-" and e.right == L.Const(1):
        return e.left
    return L.Binary("+", e, L.Const(1, e.loc), e.loc)


class _Commutes:
    """Checks that the iterations of a loop body commute (see the module docstring)."""

    def __init__(self, var: str, carried: set[str]) -> None:
        self.var = var
        self.carried = carried
        self.family: dict[str, str] = {}

    def refuse(self, loc: L.Loc, why: str) -> NotLiftable:
        return NotLiftable(loc, f"a loop counting down whose iterations may not commute ({why}); "
                                "only loops counting up are read in another order")

    def pure(self, e: L.Expr, own_cell: str | None = None) -> None:
        """`e` reads no carried variable (but the cell `own_cell[i]` at the counter)."""
        if own_cell is not None and isinstance(e, L.Index) and e.base == L.Name(own_cell) \
                and e.index == L.Name(self.var):
            return
        if isinstance(e, L.Name) and e.id in self.carried:
            raise self.refuse(e.loc, f"it reads {e.id}, which it changes, outside an accumulation")
        match e:
            case L.Index(base, index):
                self.pure(base, own_cell)
                self.pure(index, own_cell)
            case L.Binary(_, a, b):
                self.pure(a, own_cell)
                self.pure(b, own_cell)
            case L.Unary(_, a) | L.Len(a):
                self.pure(a, own_cell)
            case L.Cond(c, a, b):
                for x in (c, a, b):
                    self.pure(x, own_cell)
            case L.Call(_, args):
                for x in args:
                    self.pure(x, own_cell)
            case L.NewVec(_, n, f):
                for y in (n, f):
                    if y is not None:
                        self.pure(y, own_cell)

    def body(self, body: tuple[L.Stmt, ...]) -> None:
        for s in body:
            match s:
                case L.Decl(_, _, init):
                    if init is not None:
                        self.pure(init)
                case L.Assign(L.Name(v), value) if v in self.carried:
                    self.accumulate(s, v, value)
                case L.Assign(L.Name(), value):
                    self.pure(value)  # a variable of the body
                case L.Assign(L.Index(L.Name(v), L.Name(i)), value) if i == self.var:
                    self.pure(value, own_cell=v)
                case L.If(cond, then, orelse):
                    self.pure(cond)
                    self.body(then)
                    self.body(orelse)
                case L.Assign():
                    raise self.refuse(s.loc, "an element written at another index than the counter")
                case L.Push():
                    raise self.refuse(s.loc, "a push: the order of the pushes is the vector's")
                case L.Return():
                    raise self.refuse(s.loc, "a `return` in the loop")
                case _:
                    raise self.refuse(s.loc, "a nested loop")

    def accumulate(self, s: L.Assign, v: str, value: L.Expr) -> None:
        """`v = v op e` (or `e op v` for `+`, `*`), `v = max(v, e)`, `v = min(v, e)`."""
        me = L.Name(v)
        family, other = None, None
        match value:
            case L.Binary(op, a, b) if op in _FAMILY and a == me:
                family, other = _FAMILY[op], b
            case L.Binary(op, a, b) if op in ("+", "*") and b == me:
                family, other = op, a
            case L.Call(f, (a, b)) if f in ("max", "min") and me in (a, b):
                family, other = f, b if a == me else a
        if family is None or other is None:
            if is_linear_statement(value, v):
                raise NotLiftable(s.loc, f"a loop counting down: {linear_reason(v)}")
            raise self.refuse(s.loc, f"{v} is not updated as a sum, product, max or min")
        if self.family.setdefault(v, family) != family:
            raise self.refuse(s.loc, f"{v} is updated with two different operators")
        self.pure(other)
