"""The `for` loops of C and C++ as the libclang reader reads them into loop IR (`L.For`).

A loop counts with one `int` counter, up or down by a constant:

- the counter is declared in the `for` (`for (int i = a; ...)`) or before it, C89 style
  (`int i; for (i = a; ...)`, also reused by several loops);
- counting up: `i < e`, `i <= e` (read as `i < e + 1`), `e > i`, `i + c < e`; `i++`, `++i`,
  `i += k`;
- counting down: `i > e`, `i >= e` (read as `i > e - 1`), `e < i`; `i--`, `--i`, `i -= k`
  (an `L.For` with a negative step, whose bound is exclusive from below).

A loop stepping by a constant other than 1 or -1 is read as a loop over its iterations, and a
second induction variable stepped once per iteration beside the counter (`ix += incx`) as a
function of the counter (`c_induction`).

A counter declared before its loop is sound to read as the loop's own only when its value after
a loop is never read: every read of it must be inside a loop that counts with it (which sets it
first), or after a loop over it that may `break` (a search: the lifter models where it stops).
`check_reused_counters` refuses the function otherwise, naming the read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.plugins.c_induction import rewrite_induction, unit_step
from tensflo.plugins.clang_eval import operator

_UP = {"<": 0, "<=": 1}
"""Conditions `i OP e` of a loop counting up, and what to add to `e` for an exclusive bound."""
_DOWN = {">": 0, ">=": -1}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _plus(e: L.Expr, k: int) -> L.Expr:
    """`e + k`, folded for a constant and for `x - k`."""
    if k == 0:
        return e
    if isinstance(e, L.Const) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return L.Const(e.value + k, e.loc)
    if isinstance(e, L.Binary) and e.op in ("+", "-") and isinstance(e.right, L.Const) \
            and isinstance(e.right.value, int) and not isinstance(e.right.value, bool):
        value = e.right.value + k if e.op == "+" else e.right.value - k
        if value == 0:
            return e.left
        return L.Binary(e.op, e.left, L.Const(value, e.right.loc), e.loc)
    return L.Binary("+" if k > 0 else "-", e, L.Const(abs(k), e.loc), e.loc)


def _names(e: L.Expr) -> set[str]:
    return {x.id for x in L.sub_exprs(e) if isinstance(x, L.Name)}


class LoopReader:
    """The `for` statement of the reader (mixed into it)."""

    types: dict[str, TensorType]
    reused_counters: dict[str, Loc]
    """Counters declared before their loop (C89 style), with the first such loop."""

    if TYPE_CHECKING:
        def loc(self, c: Any) -> Loc: ...
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def strip(self, c: Any) -> Any: ...
        def expr(self, c: Any) -> L.Expr: ...
        def block(self, c: Any) -> list[L.Stmt]: ...
        def counter_type(self, t: Any, loc: Loc, what: str) -> TensorType: ...

    def for_(self, c: Any, kids: list[Any]) -> list[L.Stmt]:
        import clang.cindex as ci

        K = ci.CursorKind
        loc = self.loc(c)
        if not _has_three_parts([t.spelling for t in c.get_tokens()]):
            raise self.unsupported(c, "a `for` loop without an init, a condition and an increment")
        init, cond, inc, body = kids[0], kids[1], kids[2], kids[3]
        declared = init.kind == K.DECL_STMT
        if declared and len(list(init.get_children())) == 1:
            var = next(init.get_children())
            name = var.spelling
            if name in self.types:
                raise self.unsupported(var, f"redeclaring {name} (shadowing)")
            self.counter_type(var.type, self.loc(var), f"loop counter {name}")
            starts = [k for k in var.get_children() if k.kind not in (K.TYPE_REF, K.NAMESPACE_REF)]
            if not starts:
                raise self.unsupported(var, "a loop counter without a start value")
            start_cursor = starts[0]
        else:
            assign = self.strip(init)
            parts = [self.strip(k) for k in assign.get_children()]
            if declared or assign.kind != K.BINARY_OPERATOR or operator(assign) != "=" \
                    or parts[0].kind != K.DECL_REF_EXPR:
                raise self.unsupported(init, "a `for` loop that does not set one counter")
            name = parts[0].spelling
            if self.types.get(name) != INT:
                raise self.unsupported(parts[0], f"the loop counter {name} is not an int variable")
            self.reused_counters.setdefault(name, loc)
            start_cursor = parts[1]
        start = self.expr(start_cursor)
        if name in _names(start):
            raise self.unsupported(start_cursor, f"a loop counter {name} started from itself")
        outer = self.types.get(name)
        self.types[name] = INT
        step = self.increment(inc, name)
        stop = self.bound(cond, name, step > 0)
        stmts = self.block(body)
        if name in L.assigned_vars(tuple(stmts)) or any(
                isinstance(s, L.For) and s.var == name for s in L.walk_stmts(tuple(stmts))):
            raise self.unsupported(body, f"the loop body assigns its counter {name}")
        start, stop, inner, step = unit_step(name, start, stop, step, tuple(stmts), loc)
        inner, after = rewrite_induction(name, start, stop, step, inner, self.types, loc)
        if outer is None:
            del self.types[name]
        return [L.For(name, start, stop, inner, step, loc), *after]

    def bound(self, cond: Any, var: str, up: bool) -> L.Expr:
        """The exclusive bound of the condition: from above counting up (`var < e`, `var <= e` as
        `e + 1`, `var + c < e` as `e - c`), from below counting down (`var > e`, `var >= e` as
        `e - 1`)."""
        import clang.cindex as ci

        K = ci.CursorKind
        cond = self.strip(cond)
        table = _UP if up else _DOWN
        if cond.kind == K.BINARY_OPERATOR:
            op = operator(cond)
            lhs, rhs = (self.strip(k) for k in cond.get_children())
            if rhs.kind == K.DECL_REF_EXPR and rhs.spelling == var and op in _FLIP:
                op, lhs, rhs = _FLIP[op], rhs, lhs
            if op in table and lhs.kind == K.DECL_REF_EXPR and lhs.spelling == var:
                e = self.expr(rhs)
                if var not in _names(e):
                    return _plus(e, table[op])
            # var + c < e  ->  var < e - c
            if up and op in table and lhs.kind == K.BINARY_OPERATOR and operator(lhs) in ("+", "-"):
                a, c = (self.strip(k) for k in lhs.get_children())
                if a.kind == K.DECL_REF_EXPR and a.spelling == var:
                    offset = self.expr(c)
                    e = self.expr(rhs)
                    if var not in _names(offset) | _names(e):
                        back = "-" if operator(lhs) == "+" else "+"
                        return L.Binary(back, _plus(e, table[op]), offset, e.loc)
        shape = f"`{var} < bound` or `{var} <= bound`" if up else f"`{var} > bound` or `{var} >= bound`"
        raise self.unsupported(cond, f"a loop condition other than {shape} for a loop counting "
                                     f"{'up' if up else 'down'}")

    def increment(self, inc: Any, var: str) -> int:
        """The step: `var++` 1, `var--` -1, `var += k` k, `var -= k` -k (k a positive constant)."""
        import clang.cindex as ci

        K = ci.CursorKind
        inc = self.strip(inc)
        kids = [self.strip(k) for k in inc.get_children()]
        if kids and kids[0].kind == K.DECL_REF_EXPR and kids[0].spelling == var:
            if inc.kind == K.UNARY_OPERATOR and operator(inc) in ("++", "--"):
                return 1 if operator(inc) == "++" else -1
            if inc.kind == K.COMPOUND_ASSIGNMENT_OPERATOR and operator(inc) in ("+=", "-="):
                step = self.expr(kids[1])
                if isinstance(step, L.Const) and isinstance(step.value, int) \
                        and not isinstance(step.value, bool) and step.value > 0:
                    return step.value if operator(inc) == "+=" else -step.value
        raise self.unsupported(inc, f"a loop increment other than `{var}++`, `{var}--`, "
                                    f"`{var} += constant` or `{var} -= constant`")


def _has_three_parts(tokens: list[str]) -> bool:
    """Whether `for (init; cond; inc)` has all three parts (libclang's children do not say which
    part is missing)."""
    depth = 0
    parts: list[list[str]] = []
    cur: list[str] = []
    for tok in tokens[2:]:
        if tok == "(":
            depth += 1
        elif tok == ")":
            if depth == 0:
                break
            depth -= 1
        if tok == ";" and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    parts.append(cur)
    return len(parts) == 3 and all(parts)


def check_reused_counters(body: tuple[L.Stmt, ...], reused: dict[str, Loc]) -> None:
    """Refuse a counter declared before its loop that is read where a loop over it may have set
    it: every read must be inside a loop counting with it (its value after a loop, which the loop
    IR does not keep, is then never read)."""
    if reused:
        _check(body, reused, frozenset())


def _check(body: tuple[L.Stmt, ...], reused: dict[str, Loc], counting: frozenset[str]) -> None:
    for s in body:
        if isinstance(s, L.For) and s.var in reused:
            # after a loop that may break, its counter holds where the search stopped
            searched = any(isinstance(t, L.Break) for t in _own_stmts(s.body))
            after = counting | {s.var} if searched else counting - {s.var}
        else:
            after = counting
        exprs: tuple[L.Expr, ...] = L.stmt_exprs(s)
        if isinstance(s, L.Assign) and isinstance(s.target, L.Name):
            exprs = (s.value,)  # the assigned name is written, not read
        for e in exprs:
            for x in L.sub_exprs(e):
                if isinstance(x, L.Name) and x.id in reused and x.id not in counting:
                    where = reused[x.id]
                    raise LoopIRError(x.loc, f"unsupported: the loop counter {x.id}, declared "
                                             f"before its loop (at {where.line}:{where.col}), is read "
                                             "outside a loop over it: its value after a loop is not "
                                             "modelled (declare it in the `for`)")
        if isinstance(s, L.For):
            _check(s.body, reused, counting | {s.var})
        elif isinstance(s, L.While):
            _check(s.body, reused, counting)
        elif isinstance(s, L.If):
            _check(s.then, reused, counting)
            _check(s.orelse, reused, counting)
        counting = after


def _own_stmts(body: tuple[L.Stmt, ...]) -> list[L.Stmt]:
    """The statements of a loop body, those of its `if`s included, not those of nested loops."""
    out: list[L.Stmt] = []
    for s in body:
        out.append(s)
        if isinstance(s, L.If):
            out += _own_stmts(s.then) + _own_stmts(s.orelse)
    return out
