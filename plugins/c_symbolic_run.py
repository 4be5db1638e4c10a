"""A symbolic run of a C or C++ function body in C's meaning of its integer types, recording at
each conversion the claim that it keeps the exact value (`c_fits` states the rules and asks z3)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tensflo.plugins.c_constant_trips import constant_trips
from tensflo.plugins.clang_eval import evaluate, operator, unary_kind

NARROW = {
    "UCHAR": (0, 255), "CHAR_U": (0, 255), "USHORT": (0, 65535),
    "SCHAR": (-128, 127), "CHAR_S": (-128, 127), "SHORT": (-32768, 32767),
    "BOOL": (0, 1),
}
"""The integer types narrower than `int` and their values."""
UNSIGNED_WIDTH = {"UINT": 32, "ULONG": 64, "ULONGLONG": 64}
"""Unsigned types as wide as `int` or wider, with their widths."""
TYPE_RANGES = {
    **NARROW, **{k: (0, 2 ** w - 1) for k, w in UNSIGNED_WIDTH.items()},
    "INT": (-2 ** 31, 2 ** 31 - 1), "LONG": (-2 ** 63, 2 ** 63 - 1),
    "LONGLONG": (-2 ** 63, 2 ** 63 - 1),
}
"""Every integer type's values (LP64)."""
FLOATS = ("FLOAT", "DOUBLE", "LONGDOUBLE")
TIMEOUT_MS = 2000
UNROLL_BUDGET = 256
"""How many iterations of constant-count loops one run unrolls in all (nested loops beyond it
are entered in an unknown state)."""
_CASTS = ("CSTYLE_CAST_EXPR", "CXX_STATIC_CAST_EXPR", "CXX_FUNCTIONAL_CAST_EXPR")
_LOOPS = ("FOR_STMT", "WHILE_STMT", "DO_STMT")
_OPAQUE = ("GOTO_STMT", "INDIRECT_GOTO_STMT", "LABEL_STMT", "LAMBDA_EXPR")
_FINITE, _PINF, _NINF, _NAN = 0, 1, 2, 3
_ARITH = ("+", "-", "*")
_POSTFIX = (1, 2)
"""libclang's `CXUnaryOperator_PostInc` and `CXUnaryOperator_PostDec`."""


def kind(t: Any) -> str:
    name: str = t.get_canonical().kind.name
    return name


def cursor_key(c: Any) -> tuple[str, int, int]:
    return c.kind.name, c.extent.start.offset, c.extent.end.offset


def _within(frm: str, to: str) -> bool:
    """Whether every value of integer type `frm` is one of integer type `to`."""
    if frm not in TYPE_RANGES:
        return False
    (a, b), (c, d) = TYPE_RANGES[frm], TYPE_RANGES[to]
    return c <= a and b <= d


def decl_key(d: Any) -> tuple[str, int, int]:
    """A declaration's identity: its name and where it is spelled (a reference's `referenced`
    and the declaration in its statement can have different extents)."""
    return d.spelling, d.location.offset, d.location.line


def _names(c: Any) -> set[tuple[str, int, int]]:
    """The variables named inside `c`."""
    return {decl_key(r.referenced) for r in c.walk_preorder()
            if r.kind.name == "DECL_REF_EXPR" and r.referenced is not None}


@dataclass(frozen=True)
class Flt:
    """A C float: its class (`_FINITE`, `_PINF`, `_NINF`, `_NAN`) and, when finite, its value."""

    cls: Any
    real: Any


class Run:
    """One symbolic run of a function body, recording the claims at conversions."""

    def __init__(self, fn: Any) -> None:
        import z3

        self.z3 = z3
        self.ctx = z3.Context()
        self.facts: list[Any] = []
        self.claims: dict[tuple[str, int, int], list[Any]] = {}
        self.fresh_count = 0
        self.answers: dict[tuple[str, int, int], bool] = {}
        self.unroll_budget = UNROLL_BUDGET
        self.untracked: set[tuple[str, int, int]] = set()
        self.opaque = any(k.kind.name in _OPAQUE for k in fn.walk_preorder())
        for k in fn.walk_preorder():
            if k.kind.name == "UNARY_OPERATOR" and operator(k) == "&":
                self.untracked |= _names(k)
            if k.kind.name in ("VAR_DECL", "PARM_DECL") and (
                    k.storage_class.name == "STATIC" or kind(k.type) not in (*TYPE_RANGES, *FLOATS)):
                self.untracked.add(decl_key(k))
            if k.kind.name == "VAR_DECL" and kind(k.type) in ("LVALUEREFERENCE",
                                                                "RVALUEREFERENCE"):
                self.untracked |= _names(k)
            if k.kind.name == "CALL_EXPR":  # a bare variable argument may bind a reference
                for a in k.get_arguments():
                    while a.kind.name == "PAREN_EXPR":
                        a = next(iter(a.get_children()))
                    if a.kind.name == "DECL_REF_EXPR" and a.referenced is not None:
                        self.untracked.add(decl_key(a.referenced))
        self.locals = {decl_key(k) for k in fn.walk_preorder()
                       if k.kind.name in ("VAR_DECL", "PARM_DECL")} - self.untracked
        """The function's own scalar variables and parameters whose values the run follows
        (globals and members, which a call may change, are read as unknown values)."""
        body = [k for k in fn.get_children() if k.kind.name == "COMPOUND_STMT"]
        if self.opaque or not body:
            return
        state: dict[Any, Any] = {}
        for p in fn.get_arguments():
            if decl_key(p) in self.locals:
                state[decl_key(p)] = self.fresh(p.type)
        self.stmt(body[-1], state, self.z3.BoolVal(True, self.ctx))

    # -- values -------------------------------------------------------------------------------
    def fresh(self, t: Any) -> Any:
        """Any value of type `t` (an int of an integer type's range, any float)."""
        z3, k = self.z3, kind(t)
        self.fresh_count += 1
        n = self.fresh_count
        if k in FLOATS:
            cls = z3.Int(f"c{n}", self.ctx)
            self.facts.append(z3.And(0 <= cls, cls <= 3))
            return Flt(cls, z3.Real(f"r{n}", self.ctx))
        v = z3.Int(f"v{n}", self.ctx)
        if k in TYPE_RANGES:
            lo, hi = TYPE_RANGES[k]
            self.facts.append(z3.And(lo <= v, v <= hi))
        return v

    def integer(self, v: Any) -> Any:
        if isinstance(v, Flt):
            return self.z3.Int(f"v{self._bump()}", self.ctx)
        if self.z3.is_bool(v):
            return self.z3.If(v, 1, 0)
        return v

    def _bump(self) -> int:
        self.fresh_count += 1
        return self.fresh_count

    def truth(self, v: Any) -> Any:
        z3 = self.z3
        if isinstance(v, Flt):
            return z3.Or(v.cls != _FINITE, v.real != 0)
        return v if z3.is_bool(v) else v != 0

    def merge(self, cond: Any, a: Any, b: Any, t: Any) -> Any:
        z3 = self.z3
        if isinstance(a, Flt) or isinstance(b, Flt):
            fa, fb = self.floating(a), self.floating(b)
            return Flt(z3.If(cond, fa.cls, fb.cls), z3.If(cond, fa.real, fb.real))
        return z3.If(cond, self.integer(a), self.integer(b))

    def floating(self, v: Any) -> Flt:
        """An int's value as a float: exact up to 2^24 (beyond, a finite unknown)."""
        z3 = self.z3
        if isinstance(v, Flt):
            return v
        v = self.integer(v)
        other = z3.Real(f"r{self._bump()}", self.ctx)
        exact = z3.And(-2 ** 24 <= v, v <= 2 ** 24)
        return Flt(z3.IntVal(_FINITE, self.ctx), z3.If(exact, z3.ToReal(v), other))

    def claim(self, c: Any, pc: Any, holds: Any) -> None:
        self.claims.setdefault(cursor_key(c), []).append(self.z3.Implies(pc, holds))

    def fits(self, v: Any, t: Any) -> Any:
        """The claim that `v` converted to integer type `t` keeps its value (truncated)."""
        z3 = self.z3
        lo, hi = TYPE_RANGES[kind(t)]
        if isinstance(v, Flt):
            return z3.And(v.cls == _FINITE, v.real > lo - 1, v.real < hi + 1)
        v = self.integer(v)
        return z3.And(lo <= v, v <= hi)

    def convert(self, v: Any, t: Any, frm: str | None = None) -> Any:
        """`v` as a value of type `t` (a fresh value of the type where C would change it; a
        float made narrower is any float)."""
        z3, k = self.z3, kind(t)
        if k in FLOATS:
            if not isinstance(v, Flt):
                return self.floating(v)
            return v if k == "LONGDOUBLE" or k == frm or frm == "FLOAT" else self.fresh(t)
        if k == "BOOL":
            return z3.If(self.truth(v), 1, 0)
        if k not in TYPE_RANGES:
            return self.integer(v)
        if isinstance(v, Flt):
            r = v.real
            exact = z3.If(r >= 0, z3.ToInt(r), -z3.ToInt(-r))
            return z3.If(self.fits(v, t), exact, self.fresh(t))
        return z3.If(self.fits(v, t), self.integer(v), self.fresh(t))

    # -- statements ---------------------------------------------------------------------------
    def stmt(self, c: Any, st: dict[Any, Any], pc: Any) -> Any:
        """Run statement `c` from state `st` (changed in place) under path condition `pc`; the
        path condition of what follows it."""
        z3, name = self.z3, c.kind.name
        kids = list(c.get_children())
        if name == "COMPOUND_STMT":
            for k in kids:
                pc = self.stmt(k, st, pc)
            return pc
        if name == "DECL_STMT":
            for d in kids:
                if d.kind.name != "VAR_DECL":
                    continue
                inits = [k for k in d.get_children() if k.kind.is_expression()]
                if inits:
                    v = self.exact(inits[-1], st, pc)
                    self.store_claim(d, d.type, v, pc)
                    value = self.convert(v, d.type, kind(d.type))
                else:
                    value = self.fresh(d.type)
                if decl_key(d) in self.locals:
                    st[decl_key(d)] = value
            return pc
        if name == "IF_STMT" and len(kids) in (2, 3):
            cond = self.truth(self.value(kids[0], st, pc))
            then, other = dict(st), dict(st)
            pc1 = self.stmt(kids[1], then, z3.And(pc, cond))
            pc2 = self.stmt(kids[2], other, z3.And(pc, z3.Not(cond))) if len(kids) > 2 \
                else z3.And(pc, z3.Not(cond))
            self.join(st, cond, then, other)
            return z3.Or(pc1, pc2)
        if name in ("RETURN_STMT", "BREAK_STMT", "CONTINUE_STMT"):
            for k in kids:
                self.value(k, st, pc)
            return z3.BoolVal(False, self.ctx)
        if name in _LOOPS:
            self.loop(c, kids, st, pc)
            return pc
        if name == "NULL_STMT":
            return pc
        if c.kind.is_expression():
            self.value(c, st, pc)
            return pc
        self.havoc(c, st)  # a statement not modelled: whatever it assigns is unknown after it
        return pc

    def join(self, st: dict[Any, Any], cond: Any, a: dict[Any, Any], b: dict[Any, Any]) -> None:
        for k in list(st):
            if k in a and k in b:
                st[k] = a[k] if a[k] is b[k] else self.merge(cond, a[k], b[k], None)
            else:
                del st[k]

    def loop(self, c: Any, kids: list[Any], st: dict[Any, Any], pc: Any) -> None:
        z3, name = self.z3, c.kind.name
        unrolled = constant_trips(kids, TYPE_RANGES) if name == "FOR_STMT" and len(kids) == 4 \
            else None
        if unrolled is not None and decl_key(unrolled[0]) in self.locals \
                and unrolled[1] <= self.unroll_budget:
            self.unroll_budget -= unrolled[1]
            pc = self.stmt(kids[0], st, pc)
            for _ in range(unrolled[1]):
                self.value(kids[1], st, pc)
                self.stmt(kids[3], st, pc)  # no early exit: every iteration runs to its end
                self.value(kids[2], st, pc)
            self.value(kids[1], st, pc)
            return
        if name == "FOR_STMT" and len(kids) == 4:
            pc_init = self.stmt(kids[0], st, pc)
            self.havoc(c, st)
            head = dict(st)
            cond = self.truth(self.value(kids[1], head, pc_init))
            self.stmt(kids[3], head, z3.And(pc_init, cond))
            step = dict(st)
            self.havoc(c, step)
            self.value(kids[2], step, pc_init)
        elif name == "WHILE_STMT" and len(kids) == 2:
            self.havoc(c, st)
            head = dict(st)
            cond = self.truth(self.value(kids[0], head, pc))
            self.stmt(kids[1], head, z3.And(pc, cond))
        elif name == "DO_STMT" and len(kids) == 2:
            self.havoc(c, st)
            head = dict(st)
            self.stmt(kids[0], head, pc)
            end = dict(st)
            self.havoc(c, end)
            self.value(kids[1], end, pc)
        self.havoc(c, st)

    def havoc(self, c: Any, st: dict[Any, Any]) -> None:
        """Forget the values of the variables `c` assigns or declares."""
        for k in c.walk_preorder():
            name = k.kind.name
            target = None
            if name == "VAR_DECL":
                if decl_key(k) in self.locals:
                    st[decl_key(k)] = self.fresh(k.type)
                continue
            if name in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") \
                    and (operator(k) == "=" or name == "COMPOUND_ASSIGNMENT_OPERATOR"):
                target = next(iter(k.get_children()), None)
            elif name == "UNARY_OPERATOR" and operator(k) in ("++", "--"):
                target = next(iter(k.get_children()), None)
            while target is not None and target.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
                target = next(iter(target.get_children()), None)
            if target is not None and target.kind.name == "DECL_REF_EXPR" \
                    and target.referenced is not None and decl_key(target.referenced) in st:
                st[decl_key(target.referenced)] = self.fresh(target.referenced.type)

    # -- expressions --------------------------------------------------------------------------
    def exact(self, c: Any, st: dict[Any, Any], pc: Any) -> Any:
        """The value of `c` before the implicit integer conversions around it (a conversion from or
        to a float type is kept: a float value is always of the type it is stored into)."""
        stripped = []
        while c.kind.name in ("UNEXPOSED_EXPR", "PAREN_EXPR"):
            kids = list(c.get_children())
            if len(kids) != 1 or (c.kind.name == "UNEXPOSED_EXPR" and kind(c.type) != kind(
                    kids[0].type) and FLOATS.count(kind(c.type)) + FLOATS.count(kind(kids[0].type))):
                break
            stripped.append(c)
            c = kids[0]
        v = self.value(c, st, pc)
        for k in stripped:  # each conversion skipped keeps the value where it fits
            t = kind(k.type)
            if k.kind.name == "UNEXPOSED_EXPR" and t in TYPE_RANGES and t != "BOOL" \
                    and not _within(kind(c.type), t):
                self.claim(k, pc, self.fits(v, k.type))
        return v

    def store_claim(self, at: Any, t: Any, v: Any, pc: Any) -> None:
        if kind(t) in TYPE_RANGES and kind(t) not in ("INT", "LONG", "LONGLONG"):
            self.claim(at, pc, self.fits(v, t))

    def assign(self, target: Any, v: Any, st: dict[Any, Any]) -> None:
        while target.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
            target = next(iter(target.get_children()))
        ref = target.referenced if target.kind.name == "DECL_REF_EXPR" else None
        if ref is not None and decl_key(ref) in self.locals:
            st[decl_key(ref)] = self.convert(v, target.type, kind(target.type))

    def lvalue(self, c: Any, st: dict[Any, Any], pc: Any) -> Any:
        """The current value of an assigned place (its index expressions run)."""
        inner = c
        while inner.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
            inner = next(iter(inner.get_children()))
        ref = inner.referenced if inner.kind.name == "DECL_REF_EXPR" else None
        if ref is not None and decl_key(ref) in st:
            return st[decl_key(ref)]
        for k in inner.get_children():
            if k.kind.is_expression():
                self.value(k, st, pc)
        return self.fresh(c.type)

    def value(self, c: Any, st: dict[Any, Any], pc: Any) -> Any:
        z3, name, t = self.z3, c.kind.name, kind(c.type)
        kids = list(c.get_children())
        if name in ("INTEGER_LITERAL", "CHARACTER_LITERAL"):
            v = evaluate(c)
            return z3.IntVal(int(v), self.ctx) if isinstance(v, int) else self.fresh(c.type)
        if name == "FLOATING_LITERAL":
            v = evaluate(c)
            if not isinstance(v, float) or v != v or v in (float("inf"), float("-inf")):
                return self.fresh(c.type)
            if t == "FLOAT":
                v = struct.unpack("f", struct.pack("f", v))[0]
            q = Fraction(v)
            return Flt(z3.IntVal(_FINITE, self.ctx),
                       z3.RealVal(f"{q.numerator}/{q.denominator}", self.ctx))
        if name == "PAREN_EXPR" and len(kids) == 1:
            return self.value(kids[0], st, pc)
        if name == "DECL_REF_EXPR":
            ref = c.referenced
            if ref is not None and decl_key(ref) in st:
                return st[decl_key(ref)]
            v = evaluate(c) if ref is not None and ref.kind.name == "ENUM_CONSTANT_DECL" else None
            return z3.IntVal(v, self.ctx) if isinstance(v, int) else self.fresh(c.type)
        if name in _CASTS and kids or name == "UNEXPOSED_EXPR" and len(kids) == 1:
            v = self.value(kids[-1], st, pc)
            frm = kind(kids[-1].type)
            if frm == t or t not in (*TYPE_RANGES, *FLOATS):
                return v
            if t in TYPE_RANGES and t != "BOOL" and not _within(frm, t):
                self.claim(c, pc, self.fits(v, c.type))
            return self.convert(v, c.type, frm)
        if name == "UNARY_OPERATOR" and kids:
            return self.unary(c, operator(c), kids[0], st, pc)
        if name == "COMPOUND_ASSIGNMENT_OPERATOR" and len(kids) == 2:
            old = self.lvalue(kids[0], st, pc)
            exact = self.arith(operator(c)[:-1], old, self.exact(kids[1], st, pc))
            if exact is None:
                exact = self.fresh(kids[0].type)
            self.store_claim(c, kids[0].type, exact, pc)
            self.assign(kids[0], exact, st)
            return self.convert(exact, kids[0].type)
        if name == "BINARY_OPERATOR" and len(kids) == 2:
            return self.binary(c, operator(c), kids, st, pc)
        if name == "CONDITIONAL_OPERATOR" and len(kids) == 3:
            cond = self.truth(self.value(kids[0], st, pc))
            a, b = dict(st), dict(st)
            va = self.value(kids[1], a, z3.And(pc, cond))
            vb = self.value(kids[2], b, z3.And(pc, z3.Not(cond)))
            self.join(st, cond, a, b)
            return self.merge(cond, va, vb, c.type)
        if name == "CALL_EXPR":
            return self.call(c, st, pc)
        for k in kids:
            if k.kind.is_expression():
                self.value(k, st, pc)
        v = evaluate(c) if name not in ("ARRAY_SUBSCRIPT_EXPR",) else None
        return z3.IntVal(v, self.ctx) if isinstance(v, int) else self.fresh(c.type)

    def arith(self, op: str, a: Any, b: Any) -> Any:
        """C's `a op b` on exact values (None: not modelled)."""
        z3 = self.z3
        if isinstance(a, Flt) or isinstance(b, Flt):
            return None
        a, b = self.integer(a), self.integer(b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op in ("/", "%"):
            q = z3.If(a >= 0, z3.If(b > 0, a / b, -(a / -b)),
                      z3.If(b > 0, -((-a) / b), (-a) / (-b)))
            return q if op == "/" else a - b * q
        if op in ("<<", ">>") and z3.is_int_value(z3.simplify(b)):
            k = z3.simplify(b).as_long()
            if 0 <= k < 64:
                return a * 2 ** k if op == "<<" else a / 2 ** k
        return None

    def binary(self, c: Any, op: str, kids: list[Any], st: dict[Any, Any], pc: Any) -> Any:
        z3, t = self.z3, kind(c.type)
        if op == "=":
            self.lvalue(kids[0], st, pc)
            v = self.exact(kids[1], st, pc)
            self.store_claim(c, kids[0].type, v, pc)
            self.assign(kids[0], v, st)
            return self.convert(v, kids[0].type, kind(kids[0].type))
        if op == ",":
            self.value(kids[0], st, pc)
            return self.value(kids[1], st, pc)
        if op in ("&&", "||"):
            a = self.truth(self.value(kids[0], st, pc))
            runs = a if op == "&&" else z3.Not(a)
            other = dict(st)
            b = self.truth(self.value(kids[1], other, z3.And(pc, runs)))
            self.join(st, runs, other, dict(st))
            return z3.And(a, b) if op == "&&" else z3.Or(a, b)
        a, b = self.value(kids[0], st, pc), self.value(kids[1], st, pc)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            return self.compare(op, a, b)
        if t in FLOATS:
            return self.fresh(c.type)
        exact = self.arith(op, a, b)
        if op in ("&", "|", "^") and exact is None:
            v = self.fresh(c.type)
            for x in (a, b):
                if not isinstance(x, Flt) and z3.is_int_value(z3.simplify(self.integer(x))) \
                        and op == "&" and z3.simplify(self.integer(x)).as_long() >= 0:
                    self.facts.append(z3.And(0 <= v, v <= self.integer(x)))
            return v
        if exact is None:
            return self.fresh(c.type)
        if t in UNSIGNED_WIDTH:
            if op in _ARITH:
                self.claim(c, pc, self.fits(exact, c.type))
            return self.convert(exact, c.type)
        return exact

    def compare(self, op: str, a: Any, b: Any) -> Any:
        z3 = self.z3
        if isinstance(a, Flt) or isinstance(b, Flt):
            fa, fb = self.floating(a), self.floating(b)
            both = z3.And(fa.cls == _FINITE, fb.cls == _FINITE)
            x, y = fa.real, fb.real
            unknown = z3.Bool(f"b{self._bump()}", self.ctx)
        else:
            x, y = self.integer(a), self.integer(b)
            both, unknown = z3.BoolVal(True, self.ctx), z3.BoolVal(False, self.ctx)
        exact = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y,
                 "!=": x != y}[op]
        return z3.If(both, exact, unknown)

    def unary(self, c: Any, op: str, operand: Any, st: dict[Any, Any], pc: Any) -> Any:
        z3 = self.z3
        if op in ("++", "--"):
            old = self.lvalue(operand, st, pc)
            if isinstance(old, Flt):
                self.assign(operand, self.fresh(operand.type), st)
                return self.fresh(operand.type)
            new = old + 1 if op == "++" else old - 1
            self.store_claim(c, operand.type, new, pc)
            self.assign(operand, new, st)
            return old if unary_kind(c) in _POSTFIX else self.convert(new, operand.type)
        v = self.value(operand, st, pc)
        if op == "+":
            return v
        if op == "-":
            if isinstance(v, Flt):
                return Flt(z3.If(v.cls == _PINF, _NINF, z3.If(v.cls == _NINF, _PINF, v.cls)),
                           -v.real)
            if kind(c.type) in UNSIGNED_WIDTH:
                self.claim(c, pc, self.fits(-self.integer(v), c.type))
                return self.convert(-self.integer(v), c.type)
            return -self.integer(v)
        if op == "!":
            return z3.If(self.truth(v), 0, 1)
        return self.fresh(c.type)

    def call(self, c: Any, st: dict[Any, Any], pc: Any) -> Any:
        z3 = self.z3
        args = [self.value(a, st, pc) for a in c.get_arguments()]
        name = c.spelling
        if name in ("fmax", "fmaxf", "fmin", "fminf") and len(args) == 2:
            a, b = (self.floating(x) for x in args)
            take_b = self.greater(b, a) if name.startswith("fmax") else self.greater(a, b)
            pick = z3.Or(a.cls == _NAN, z3.And(b.cls != _NAN, take_b))
            return Flt(z3.If(pick, b.cls, a.cls), z3.If(pick, b.real, a.real))
        if name in ("fabs", "fabsf") and len(args) == 1:
            a = self.floating(args[0])
            return Flt(z3.If(a.cls == _NINF, _PINF, a.cls), z3.If(a.real < 0, -a.real, a.real))
        if name in ("floor", "floorf") and len(args) == 1:
            a = self.floating(args[0])
            return Flt(a.cls, z3.If(a.cls == _FINITE, z3.ToReal(z3.ToInt(a.real)), a.real))
        return self.fresh(c.type)

    def greater(self, a: Flt, b: Flt) -> Any:
        """`a > b` for floats that are not NaN."""
        z3 = self.z3

        def rank(x: Flt) -> Any:
            return z3.If(x.cls == _PINF, 2, z3.If(x.cls == _NINF, 0, 1))

        return z3.Or(rank(a) > rank(b), z3.And(a.cls == _FINITE, b.cls == _FINITE,
                                                a.real > b.real))

    # -- proofs -------------------------------------------------------------------------------
    def proven(self, key: tuple[str, int, int]) -> bool:
        if key not in self.answers:
            self.answers[key] = self._prove(key)
        return self.answers[key]

    def _prove(self, key: tuple[str, int, int]) -> bool:
        claims = self.claims.get(key)
        if not claims:
            return False
        z3 = self.z3
        solver = z3.Solver(ctx=self.ctx)
        solver.set("timeout", TIMEOUT_MS)
        solver.add(*self.facts)
        solver.add(z3.Not(z3.And(*claims)))
        return bool(solver.check() == z3.unsat)
