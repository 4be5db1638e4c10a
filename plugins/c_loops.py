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

C89 forms (`c_loop_forms`, docs/c_shapes.md): two variables set and stepped in one header
(`for (i = 0, j = n - 1; i < n; i++, j--)`, also `i < j` meeting), a step by a loop-invariant
variable under the precondition that it is at least 1, count-down tests (`while (i-- > 0)`,
`for (size_t i = n; i-- > 0;)`), a loop continuing a counter (`for (; i < n; i++)`) and the
masks of unrolled loops (`n4 = n & ~3`).

A counter declared before its loop gets C's value after it where `counted` can state it (a loop
no other loop encloses, without `break`, whose bounds the body does not change). Elsewhere its
value after the loop is not modelled: `check_reused_counters` refuses a read of it there, but
after a loop over it that may `break` (a search: the lifter models where it stops).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.plugins.c_continue import ContinueReader
from tensflo.plugins.c_exprs import EffectReader
from tensflo.plugins.c_induction import (
    Stride,
    final_value,
    rewrite_induction,
    unit_step,
    variable_step,
)
from tensflo.plugins.c_loop_forms import (
    Countdown,
    LowBits,
    comma_items,
    countdown,
    countdown_loop,
    header_parts,
    low_bits,
)
from tensflo.plugins.c_multi_steps import rewrite_constant_steps
from tensflo.plugins.c_shifts import ShiftReader
from tensflo.plugins.c_unsigned import check_statement
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


class LoopReader(ContinueReader, ShiftReader, EffectReader):
    """The `for` statement of the reader (mixed into it)."""

    types: dict[str, TensorType]
    reused_counters: dict[str, Loc]
    """Counters declared before their loop (C89 style), with the first such loop."""
    loop_depth: int = 0
    """How many loops enclose the statement being read."""

    if TYPE_CHECKING:
        def loc(self, c: Any) -> Loc: ...
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def strip(self, c: Any) -> Any: ...
        def expr(self, c: Any) -> L.Expr: ...
        def block(self, c: Any) -> list[L.Stmt]: ...
        def counter_type(self, t: Any, loc: Loc, what: str) -> TensorType: ...
        def var_decl(self, d: Any) -> L.Stmt: ...

    def for_(self, c: Any, kids: list[Any]) -> list[L.Stmt]:
        parts = header_parts([t.spelling for t in c.get_tokens()])
        if parts == (True, True, False) and (form := countdown(kids[1])) is not None:
            return self.countdown_for(c, kids, form)
        if parts == (False, True, True):
            return self.continued(c, kids)
        if parts != (True, True, True):
            raise self.unsupported(c, "a `for` loop without an init, a condition and an increment")
        init, cond, inc, body = kids[0], kids[1], kids[2], kids[3]
        sets = self.header_sets(init)
        names = [s.name for s in sets]
        outer = {n: self.types.get(n) for n in names}
        for s in sets:
            self.types[s.name] = INT
        starts = {s.name: self.expr(s.value) for s in sets}
        for s in sets:
            if set(names) & _names(starts[s.name]):
                raise self.unsupported(s.value, f"a `for` init whose value of {s.name} reads a "
                                                f"variable the same init sets")
        items = comma_items(inc)
        name, step, stop = self.counter(sets, cond, items)
        start = starts[name]
        declared = sets[names.index(name)].declared
        if not declared:
            self.reused_counters.setdefault(name, self.loc(c))
        others = [s for s in sets if s.name != name]
        extra = [st for item in items if _stepped(item) != name for st in self.sequenced(item)]
        stepped = {x for st in extra for x in L.assigned_vars((st,))}
        if name in {x.id for st in extra for e in L.stmt_exprs(st) for x in L.sub_exprs(e)
                    if isinstance(x, L.Name)}:
            raise self.unsupported(inc, f"a `for` increment that reads the counter {name} "
                                        "beside stepping it")
        meets = bool(_names(stop) & stepped)
        if meets:
            stop = self.meeting(cond, name, start, step, stop, starts, extra)
        stmts = self.loop_body(body) + extra
        if meets and (_names(stop) | _names(start)) & set(L.assigned_vars(tuple(stmts))):
            raise self.unsupported(cond, f"a loop test `{_spelled(cond)}` whose ends the body "
                                         "changes")
        if name in L.assigned_vars(tuple(stmts)) or any(
                isinstance(s, L.For) and s.var == name for s in L.walk_stmts(tuple(stmts))):
            raise self.unsupported(body, f"the loop body assigns its counter {name}")
        before = [L.Decl(s.name, INT, starts[s.name], self.loc(s.cursor)) if s.declared
                  else L.Assign(L.Name(s.name, self.loc(s.cursor)), starts[s.name],
                                self.loc(s.cursor)) for s in others]
        loop = self.counted(c, name, start, stop, step, tuple(stmts),
                            final=not declared)
        for n, t in outer.items():
            if t is None:
                del self.types[n]
        return before + loop

    def counted(self, c: Any, name: str, start: L.Expr, stop: L.Expr, step: int | Stride,
                stmts: tuple[L.Stmt, ...], final: bool = False) -> list[L.Stmt]:
        """The loop IR of a counted loop: one stepping by a constant other than 1 or -1, or by
        a variable, as a loop over its iterations, and its second induction variables read as
        functions of the counter (`c_induction`). `final`: the counter outlives the loop (it
        was declared before it), so C's value after the loop, `start + step * trips`, is
        assigned after it, when the loop is not inside another loop (whose state it would
        join), cannot `break` and its bounds read nothing the body changes."""
        loc = self.loc(c)
        written = set(L.assigned_vars(stmts))
        last: list[L.Stmt] = []
        if final and not self.loop_depth and not any(isinstance(x, L.Break) for x in L.walk_stmts(stmts)) \
                and not (_names(start) | _names(stop)) & (written | {name}):
            last = [L.Assign(L.Name(name, loc), final_value(start, stop, step, loc), loc)]
        pre: list[L.Stmt] = []
        if isinstance(step, Stride):
            pre, start, stop, stmts = variable_step(name, start, stop, step, stmts, loc)
            step = 1
        start, stop, inner, step = unit_step(name, start, stop, step, stmts, loc)
        inner, stepped = rewrite_constant_steps(name, start, stop, step, inner, self.types, loc)
        inner, after = rewrite_induction(name, start, stop, step, inner, self.types, loc)
        return [*pre, L.For(name, start, stop, inner, step, loc), *stepped, *after, *last]

    def loop_body(self, body: Any) -> list[L.Stmt]:
        """The statements of a loop's body (`loop_depth` counts the loops around them), its
        `continue`s read as branches (`c_continue`)."""
        self.loop_depth += 1
        try:
            return self.body_without_continue(body)
        finally:
            self.loop_depth -= 1

    def entry_value(self, name: str, loc: Loc) -> tuple[L.Stmt, L.Name]:
        """A reserved local `__v_fromK` holding `v` before its loop, the loop's start (so the
        loop's bounds do not read its counter)."""
        k = 0
        while f"__{name}_from{k}" in self.types:
            k += 1
        top = f"__{name}_from{k}"
        self.types[top] = INT
        return L.Decl(top, INT, L.Name(name, loc), loc), L.Name(top, loc)

    def continued(self, c: Any, kids: list[Any]) -> list[L.Stmt]:
        """`for (; i < n; i++) body`: a loop continuing a counter set before it (its value
        after an earlier loop over it is C's, `counted`)."""
        cond, inc, body = kids
        name = _stepped(inc)
        if name is None or self.types.get(name) != INT or name not in self.reused_counters \
                and name not in self.types:
            raise self.unsupported(c, "a `for` loop without an init, a condition and an increment")
        loc = self.loc(c)
        self.reused_counters.setdefault(name, loc)
        step = self.increment(inc, name)
        stop = self.bound(cond, name, _up(step))
        stmts = self.loop_body(body)
        if name in L.assigned_vars(tuple(stmts)):
            raise self.unsupported(body, f"the loop body assigns its counter {name}")
        decl, start = self.entry_value(name, loc)
        return [decl, *self.counted(c, name, start, stop, step, tuple(stmts), final=True)]

    def header_sets(self, init: Any) -> list[_Set]:
        """The variables a `for` init sets, in order: `int i = a, j = b` or `i = a, j = b`."""
        import clang.cindex as ci

        K = ci.CursorKind
        out: list[_Set] = []
        if init.kind == K.DECL_STMT:
            for var in init.get_children():
                name = var.spelling
                if name in self.types:
                    raise self.unsupported(var, f"redeclaring {name} (shadowing)")
                self.counter_type(var.type, self.loc(var), f"loop counter {name}")
                starts = [k for k in var.get_children()
                          if k.kind not in (K.TYPE_REF, K.NAMESPACE_REF)]
                if not starts:
                    raise self.unsupported(var, "a loop counter without a start value")
                out.append(_Set(name, starts[0], var, True))
            return out
        for item in comma_items(init):
            assign = self.strip(item)
            parts = [self.strip(k) for k in assign.get_children()]
            if assign.kind != K.BINARY_OPERATOR or operator(assign) != "=" \
                    or parts[0].kind != K.DECL_REF_EXPR:
                raise self.unsupported(init, "a `for` init other than setting variables "
                                             "(`i = a` or `i = a, j = b`)")
            name = parts[0].spelling
            if self.types.get(name) != INT:
                raise self.unsupported(parts[0], f"the loop counter {name} is not an int variable")
            out.append(_Set(name, parts[1], parts[0], False))
        return out

    def counter(self, sets: list[_Set], cond: Any,
                items: list[Any]) -> tuple[str, int | Stride, L.Expr]:
        """The counter of a `for` header, its step and its bound: the first variable the init
        sets that an increment steps and the condition bounds."""
        stepped = [_stepped(item) for item in items]
        twice = next((n for n in stepped if n is not None and stepped.count(n) > 1), None)
        if twice is not None:
            raise self.unsupported(items[0], f"a `for` increment stepping {twice} twice")
        if len(sets) == 1 and len(items) == 1:
            step = self.increment(items[0], sets[0].name)
            return sets[0].name, step, self.bound(cond, sets[0].name, _up(step))
        failure: LoopIRError | None = None
        for s in sets:
            if s.name not in stepped:
                continue
            try:
                step = self.increment(items[stepped.index(s.name)], s.name)
                return s.name, step, self.bound(cond, s.name, _up(step))
            except LoopIRError as e:
                failure = failure or e
        raise failure or self.unsupported(items[0], "a `for` loop that does not step a "
                                                    "variable its init sets")

    def meeting(self, cond: Any, name: str, start: L.Expr, step: int | Stride, stop: L.Expr,
                starts: dict[str, L.Expr], extra: list[L.Stmt]) -> L.Expr:
        """The bound of `for (i = a, j = b; i < j; i++, j--)`: the two meet after
        `ceil((b - a) / 2)` iterations, so `i < a + (b - a + 1) / 2` (C's truncating division
        of a number that is at most 0 exactly when the loop does not run)."""
        other = stop.id if isinstance(stop, L.Name) else None
        steps = [st for st in extra if other in L.assigned_vars((st,))]
        down = L.Assign(L.Name(other or ""), L.Binary("-", L.Name(other or ""), L.Const(1)))
        if step != 1 or other not in starts or steps != [down]:
            raise self.unsupported(cond, f"a loop test `{_spelled(cond)}` that reads a variable "
                                         "the increment also steps (only `i < j` with `i++` "
                                         "and `j--` is read)")
        loc = stop.loc
        span = _plus(L.Binary("-", starts[other], start, loc), 1)
        half = L.Binary("/", span, L.Const(2, loc), loc)
        if isinstance(start, L.Const) and start.value == 0:
            return L.Binary("/", _plus(starts[other], 1), L.Const(2, loc), loc)
        return L.Binary("+", start, half, loc)

    def countdown_for(self, c: Any, kids: list[Any], form: Countdown) -> list[L.Stmt]:
        """`for (v = e; v-- > 0;) body`: the body sees `e - 1, ..., 0`, so it is
        `for (v = e - 1; v > -1; v--) body` (where `e <= 0` neither runs the body)."""
        init, cond, body = kids
        sets = self.header_sets(init)
        if [s.name for s in sets] != [form.name]:
            raise self.unsupported(cond, f"a count-down test `{_spelled(cond)}` of a variable "
                                         "other than the one the init sets")
        self.refuse_nonzero_test(cond, form)
        name = form.name
        if not sets[0].declared:
            self.reused_counters.setdefault(name, self.loc(c))
        outer = self.types.get(name)
        self.types[name] = INT
        start = _plus(self.expr(sets[0].value), -1)
        if name in _names(start):
            raise self.unsupported(sets[0].value, f"a loop counter {name} started from itself")
        stmts = self.loop_body(body)
        if name in L.assigned_vars(tuple(stmts)):
            raise self.unsupported(body, f"the loop body assigns its counter {name}")
        loop = self.counted(c, name, start, L.Const(-1, self.loc(cond)), -1, tuple(stmts),
                            final=not sets[0].declared and not form.unsigned())
        if outer is None:
            del self.types[name]
        return loop

    def countdown_while(self, c: Any, form: Countdown) -> list[L.Stmt]:
        """`while (v-- > 0) body` over an `int` local `v`: `for (v = v - 1; v > -1; v--) body`,
        then C's final value of `v` (`counted`; not for an unsigned `v`, which wraps: reading it
        after the loop is refused)."""
        cond, body = c.get_children()
        self.refuse_nonzero_test(cond, form)
        loc, name = self.loc(c), form.name
        self.reused_counters.setdefault(name, loc)
        stmts = self.loop_body(body)
        if name in L.assigned_vars(tuple(stmts)):
            raise self.unsupported(body, f"the loop body assigns its counter {name}")
        decl, top = self.entry_value(name, loc)
        return [decl, *self.counted(c, name, _plus(top, -1), L.Const(-1, loc), -1, tuple(stmts),
                                    final=not form.unsigned())]

    def masked_statement(self, c: Any) -> list[L.Stmt] | None:
        """An assignment or declaration whose whole value is `x & -m`, `x & ~(m - 1)` or
        `x & (m - 1)` (`c_loop_forms.low_bits`; `n4 = n & ~3` rounds down to a multiple of 4
        before an unrolled loop): the two's complement value, `x - (x % m + m) % m` and
        `(x % m + m) % m` (C's `%` truncates; for every int `x`). None for other statements."""
        kids = list(c.get_children())
        if c.kind.name == "BINARY_OPERATOR" and operator(c) == "=" and low_bits(kids[1]):
            parts: list[tuple[Any, Any]] = [(kids[0], kids[1])]
        elif c.kind.name == "DECL_STMT" and any(low_bits(_init(d)) for d in kids if _init(d)):
            parts = [(d, _init(d)) for d in kids]
        else:
            return None
        check_statement(c, self.unsupported, self.nonneg)
        outer, self.effects = self.effects, []
        try:
            out: list[L.Stmt] = []
            for target, value in parts:
                low = low_bits(value) if value is not None else None
                if c.kind.name == "BINARY_OPERATOR" and low is not None:
                    out.append(L.Assign(self.target(target), self.low_value(low), self.loc(c)))
                elif low is None:
                    out.append(self.var_decl(target))
                else:
                    if target.spelling in self.types:
                        raise self.unsupported(target, f"redeclaring {target.spelling} (shadowing)")
                    self.counter_type(target.type, self.loc(target), f"variable {target.spelling}")
                    out.append(L.Decl(target.spelling, INT, self.low_value(low), self.loc(target)))
                    self.types[target.spelling] = INT
            if self.effects:
                first = self.effects[0].cursor
                raise self.unsupported(first, f"`{_spelled(first)}` beside a `&`")
        finally:
            self.effects = outer
        return out

    def low_value(self, low: LowBits) -> L.Expr:
        x = self.expr(low.operand)
        loc = x.loc
        m = L.Const(low.m, loc)
        kept = L.Binary("%", L.Binary("+", L.Binary("%", x, m, loc), m, loc), m, loc)
        return L.Binary("-", x, kept, loc) if low.clears else kept

    def refuse_nonzero_test(self, cond: Any, form: Countdown) -> None:
        if form.nonzero and not form.unsigned():
            raise self.unsupported(cond, f"the test `{_spelled(cond)}` on a signed {form.name} "
                                         f"(it tests {form.name} != 0: from a negative value C "
                                         f"counts down until {form.name} overflows; write "
                                         f"`{form.name}-- > 0`)")

    def sequenced(self, c: Any) -> list[L.Stmt]:
        """A loop with a count-down test (`c_loop_forms.countdown_loop`) over an `int` local:
        the test's decrement is the loop's step (c_unsigned checks the init only: the wrapped
        value of an unsigned counter after its last test is never read); other statements
        as `EffectReader.sequenced` reads them."""
        if (masked := self.masked_statement(c)) is not None:
            return masked
        form = countdown_loop(c)
        if form is None or form.cursor.referenced is None \
                or form.cursor.referenced.kind.name != "VAR_DECL" \
                or c.kind.name == "WHILE_STMT" and self.types.get(form.name) != INT:
            if c.kind.name not in ("WHILE_STMT", "DO_STMT"):
                return super().sequenced(c)
            self.loop_depth += 1
            try:
                return super().sequenced(c)
            finally:
                self.loop_depth -= 1
        kids = list(c.get_children())
        if c.kind.name == "FOR_STMT":
            check_statement(kids[0], self.unsupported, self.nonneg)
        outer_nonneg, outer_effects = self.nonneg, self.effects
        self.nonneg, self.effects = self.nonneg | {form.name}, []
        try:
            out = self.for_(c, kids) if c.kind.name == "FOR_STMT" else self.countdown_while(c, form)
            if self.effects:
                first = self.effects[0].cursor
                raise self.unsupported(first, f"`{_spelled(first)}` in the header of a loop")
        finally:
            self.nonneg, self.effects = outer_nonneg, outer_effects
        return out

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

    def increment(self, inc: Any, var: str) -> int | Stride:
        """The step: `var++` 1, `var--` -1, `var += k` k, `var -= k` -k (k a positive constant);
        `var += s` / `var -= s` with `s` an expression other than a constant: a `Stride`."""
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
                if not isinstance(step, L.Const) and var not in _names(step):
                    return Stride(step, operator(inc) == "-=")
        raise self.unsupported(inc, f"a loop increment other than `{var}++`, `{var}--`, "
                                    f"`{var} += step` or `{var} -= step`")


@dataclass(frozen=True)
class _Set:
    """A variable a `for` init sets."""

    name: str
    value: Any
    """The cursor of its value."""
    cursor: Any
    declared: bool
    """Declared by the init (`int i = a`), not set (`i = a`)."""


def _up(step: int | Stride) -> bool:
    return not step.down if isinstance(step, Stride) else step > 0


def _stepped(item: Any) -> str | None:
    """The variable an increment item steps (`j--`, `j += e`)."""
    kids = list(item.get_children())
    while item.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(kids) == 1:
        item, kids = kids[0], list(kids[0].get_children())
    if item.kind.name not in ("UNARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") or not kids:
        return None
    first = kids[0]
    while first.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(list(first.get_children())) == 1:
        first = next(first.get_children())
    return str(first.spelling) if first.kind.name == "DECL_REF_EXPR" else None


def _init(d: Any) -> Any | None:
    """The initializer of a declared variable's cursor, if it has one."""
    inits = [k for k in d.get_children() if k.kind.is_expression()]
    return inits[-1] if inits else None


def _spelled(c: Any) -> str:
    return " ".join(t.spelling for t in c.get_tokens()) or str(c.spelling)


def check_reused_counters(body: tuple[L.Stmt, ...], reused: dict[str, Loc]) -> None:
    """Refuse a read of a counter declared before its loop where a loop over it has set it:
    after such a loop the loop IR does not keep its value, until it is assigned again. Reads
    before its first loop (`int i = n; while (i-- > 0)`, whose loop starts from it), inside
    loops over it and after a loop over it that may `break` (a search: the lifter models where
    it stops) are read."""
    if reused:
        _check(body, reused, frozenset())


def _check(body: tuple[L.Stmt, ...], reused: dict[str, Loc],
           stale: frozenset[str]) -> frozenset[str]:
    """Check `body` where the counters in `stale` hold values the loop IR does not keep; the
    counters stale after it."""
    for s in body:
        exprs: tuple[L.Expr, ...] = L.stmt_exprs(s)
        if isinstance(s, L.Assign) and isinstance(s.target, L.Name):
            exprs = (s.value,)  # the assigned name is written, not read
        for e in exprs:
            for x in L.sub_exprs(e):
                if isinstance(x, L.Name) and x.id in stale:
                    where = reused[x.id]
                    raise LoopIRError(x.loc, f"unsupported: the loop counter {x.id}, declared "
                                             f"before its loop (at {where.line}:{where.col}), is read "
                                             "after a loop over it: its value after a loop is not "
                                             "modelled (declare it in the `for`)")
        if isinstance(s, L.For | L.While):
            # a later iteration sees the counters the body's own loops left
            inner = (stale - {s.var} if isinstance(s, L.For) else stale) | _counters(s.body, reused)
            stale = stale | _check(s.body, reused, inner)
            if isinstance(s, L.For) and s.var in reused:
                searched = any(isinstance(t, L.Break) for t in _own_stmts(s.body))
                stale = stale - {s.var} if searched else stale | {s.var}
        elif isinstance(s, L.If):
            stale = _check(s.then, reused, stale) | _check(s.orelse, reused, stale)
        elif isinstance(s, L.Assign | L.Decl):
            stale = stale - {_written_name(s)}
    return stale


def _counters(body: tuple[L.Stmt, ...], reused: dict[str, Loc]) -> frozenset[str]:
    return frozenset(s.var for s in L.walk_stmts(body) if isinstance(s, L.For) and s.var in reused)


def _written_name(s: L.Assign | L.Decl) -> str:
    if isinstance(s, L.Decl):
        return s.name
    return s.target.id if isinstance(s.target, L.Name) else ""


def _own_stmts(body: tuple[L.Stmt, ...]) -> list[L.Stmt]:
    """The statements of a loop body, those of its `if`s included, not those of nested loops."""
    out: list[L.Stmt] = []
    for s in body:
        out.append(s)
        if isinstance(s, L.If):
            out += _own_stmts(s.then) + _own_stmts(s.orelse)
    return out
