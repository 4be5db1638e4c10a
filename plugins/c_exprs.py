"""Side effects inside C and C++ expressions, and the calls of C's classification macros: `++`, `--`, `=` and compound assignments used as
values (`y[k++] = v;`, `s += x[i++];`, `a = b = 0;`, `int v = ++k;`).

Loop IR expressions have no effects, so a statement holding such an expression is read as the
statement around its effects: a prefix `++k`, an assignment `(b = e)` or `(b += e)` becomes an
assignment before the statement and the value read is the variable's new value; a postfix `k++`
reads the old value and becomes an assignment after it:

    y[k++] = x[i];   ->   y[k] = x[i]; k = k + 1;
    s += x[++j];     ->   j = j + 1; s = s + x[j];

This is the C meaning only when the order of the effects is defined. It is refused otherwise,
naming the construct:

- the changed variable (or array) is used again in the same statement (`y[k++] = k`, `i = i++`:
  unsequenced in C);
- an effect that runs only sometimes (inside `?:`, or the right of `&&` / `||`);
- an effect in a loop header, a condition of `if` / `while`, or a `return` value (the loop IR has
  no place for it there);
- an element updated through an index that itself has an effect (`a[k++]++` as a value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.plugins.c_unsigned import check_statement, nonnegative_counter
from tensflo.plugins.clang_eval import operator, unary_kind

_INCREMENTS = ("++", "--")
_PREFIX_KINDS = (3, 4)
"""libclang's `CXUnaryOperator_PreInc` and `CXUnaryOperator_PreDec`."""
_ASSIGNMENTS = ("=", "+=", "-=", "*=", "/=", "%=")
_STATEMENTS = ("DECL_STMT", "BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR", "UNARY_OPERATOR",
               "CALL_EXPR", "UNEXPOSED_EXPR", "PAREN_EXPR")
"""The statements around which effects are read (declarations and expression statements)."""
_NAN_CONSTANTS = ("__builtin_nan", "__builtin_nanf", "__builtin_nanl", "nan", "nanf")
_INFINITE_CONSTANTS = ("__builtin_inf", "__builtin_inff", "__builtin_infl", "__builtin_huge_val",
                       "__builtin_huge_valf", "__builtin_huge_vall")


@dataclass(frozen=True)
class Effect:
    """An assignment an expression makes, before or after its statement."""

    stmt: L.Assign
    after: bool
    """A postfix `++` / `--`: after the statement (the expression read the old value)."""
    name: str
    """The variable changed (the array, for an element)."""
    cursor: Any
    """The expression that makes it."""


def is_effect(c: Any) -> bool:
    """Whether an expression cursor changes a variable (`++`, `--`, `=`, `+=`, ...)."""
    import clang.cindex as ci

    K = ci.CursorKind
    if c.kind == K.UNARY_OPERATOR:
        return operator(c) in _INCREMENTS
    if c.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
        return operator(c) in _ASSIGNMENTS
    return False


def _refs(c: Any, name: str) -> int:
    """How many times `c` names the variable `name`."""
    import clang.cindex as ci

    here = int(c.kind == ci.CursorKind.DECL_REF_EXPR and c.spelling == name)
    return here + sum(_refs(k, name) for k in c.get_children())


def _conditional(c: Any, inside: bool = False) -> Any:
    """An effect under `c` that runs only sometimes (an arm of `?:`, the right of `&&`/`||`)."""
    import clang.cindex as ci

    K = ci.CursorKind
    if inside and is_effect(c):
        return c
    kids = list(c.get_children())
    for k, kid in enumerate(kids):
        sometimes = inside or (c.kind == K.CONDITIONAL_OPERATOR and k > 0) or (
            c.kind == K.BINARY_OPERATOR and k == 1 and operator(c) in ("&&", "||"))
        found = _conditional(kid, sometimes)
        if found is not None:
            return found
    return None


def _spelled(c: Any) -> str:
    return " ".join(t.spelling for t in c.get_tokens()) or c.spelling


class EffectReader:
    """Effects inside expressions (mixed into the reader)."""

    effects: list[Effect] | None = None
    """The effects of the statement being read."""
    nonneg: frozenset[str] = frozenset()
    """Counters of the enclosing loops that are never negative (`c_unsigned`)."""

    if TYPE_CHECKING:
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def strip(self, c: Any) -> Any: ...
        def expr(self, c: Any) -> L.Expr: ...
        def target(self, c: Any) -> L.Name | L.Index: ...
        def stmt(self, c: Any) -> list[L.Stmt]: ...
        def loc(self, c: Any) -> Loc: ...

    def sequenced(self, c: Any) -> list[L.Stmt]:
        """The statement `c` with the effects of its expressions before and after it."""
        counter, outer_nonneg = nonnegative_counter(c), self.nonneg
        if counter is not None:
            self.nonneg = self.nonneg | {counter}
        outer, self.effects = self.effects, []
        try:
            check_statement(c, self.unsupported, self.nonneg)
            stmts = self.stmt(c)
            effects = self.effects
        finally:
            self.effects, self.nonneg = outer, outer_nonneg
        if not effects:
            return stmts
        first = effects[0].cursor
        if c.kind.name not in _STATEMENTS:
            where = {"RETURN_STMT": "a `return` value", "FOR_STMT": "the header of a `for` loop",
                     "IF_STMT": "the condition of an `if`", "WHILE_STMT": "the condition of a "
                     "`while` loop"}.get(c.kind.name, "this statement")
            raise self.unsupported(first, f"`{_spelled(first)}` in {where} (a change of a "
                                          "variable inside an expression is read only in "
                                          "declarations and expression statements)")
        sometimes = _conditional(c)
        if sometimes is not None:
            raise self.unsupported(sometimes, f"`{_spelled(sometimes)}` runs only when a `?:`, "
                                              "`&&` or `||` takes its branch")
        for e in effects:
            if _refs(c, e.name) > 1:
                raise self.unsupported(e.cursor, f"`{_spelled(e.cursor)}` changes {e.name}, which "
                                                 "the same statement also uses: C leaves the "
                                                 "order unspecified")
        before = [e.stmt for e in effects if not e.after]
        after = [e.stmt for e in effects if e.after]
        return before + stmts + after

    def effect(self, c: Any, kids: list[Any]) -> L.Expr:
        """An expression that changes a variable, read as its value; the change is recorded."""
        loc = self.loc(c)
        op = operator(c)
        if self.effects is None:
            raise self.unsupported(c, f"`{_spelled(c)}` here")
        known = len(self.effects)
        target = self.target(kids[0])
        if len(self.effects) != known:
            raise self.unsupported(c, f"`{_spelled(c)}`: an element changed through an index "
                                      "that itself changes a variable")
        after = False
        if op in _INCREMENTS:
            value: L.Expr = L.Binary(op[0], target, L.Const(1, loc), loc)
            after = unary_kind(c) not in _PREFIX_KINDS
        elif op == "=":
            value = self.expr(kids[1])
        else:
            value = L.Binary(op[0], target, self.expr(kids[1]), loc)
        base: L.Expr = target
        while isinstance(base, L.Index):
            base = base.base
        assert isinstance(base, L.Name)
        self.effects.append(Effect(L.Assign(target, value, loc), after, base.id, c))
        return target

    def special_call(self, c: Any, name: str, args: list[Any], loc: Loc) -> L.Expr:
        """A call that is neither a builtin nor a helper of the file: glibc's
        `__builtin_isinf_sign(x)` (C's `isinf`) is `isinf(x) ? (x > 0 ? 1 : -1) : 0`; the NaN and
        infinity constants (`NAN`, `INFINITY`, `HUGE_VAL`) and other calls are refused."""
        if name == "__builtin_isinf_sign" and len(args) == 1:
            x = self.expr(args[0])
            sign = L.Cond(L.Binary(">", x, L.Const(0.0, loc), loc), L.Const(1, loc),
                          L.Const(-1, loc), loc)
            return L.Cond(L.Call("isinf", (x,), loc), sign, L.Const(0, loc), loc)
        if name in _NAN_CONSTANTS:
            raise self.unsupported(c, "the constant NAN (proofs treat floats as real numbers, "
                                      "which have no NaN)")
        if name in _INFINITE_CONSTANTS:
            raise self.unsupported(c, "the constant INFINITY or HUGE_VAL (proofs treat floats as "
                                      "real numbers, which have no infinity)")
        raise self.unsupported(c, f"a call of {name or 'this function'}")
