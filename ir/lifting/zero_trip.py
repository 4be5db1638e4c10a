"""The value of a function on an empty input, where every loop runs zero times.

A program lifted on `1 <= len(x)` (a fold from an identity seed, `reduce_max(V)` from
`m = -inf`) leaves the empty `x` out of its domain, where the source has a value: its
straight-line code with every loop skipped (the seed, `inf` included). `zero_trip_cases` evaluates
the loop IR exactly on `len(x) == 0`, symbolically in the other parameters: a loop whose trip
count is then zero (`for i in range(len(x))`, `for v in x`) is skipped, and anything else the
evaluation cannot decide exactly (a loop that may run, a read of `x`, arithmetic on a parameter)
gives no case, so the precondition keeps `1 <= len(x)`. A leading `if not x: return v` is
decided the same way (`empty_return`). Each case is an `EntryCase`: the generated entry returns
its value where it holds, after the source's own checks, and the program (proven under
`1 <= len(x)`) runs on the other inputs.

The value is a constant, a parameter or `[]`: it may be an infinity, which only the entry
returns (no proof reads it; the equality with the source is this exact evaluation, cross-checked
against the reference interpreter on random values of the other parameters).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from tensflo.ir.loop import Interpreter, StepLimit, Undefined
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops as loop_ops
from tensflo.ir.tensir import Lit, Term, Var, lit, print_term
from tensflo.ir.tensir.entry import EntryCase
from tensflo.ir.tensir.types import TensorType

from .build import ONE, ZERO, mk


@dataclass(frozen=True)
class EmptyList:
    """The value `[]`."""


Value: TypeAlias = int | float | bool | Var | EmptyList
"""A value on the empty input: a Python constant, a scalar parameter passed through, or `[]`."""


class _Unknown(Exception):
    """The zero-trip value is not known exactly here."""


def empty_lengths(params: Sequence[Var], requires: Sequence[Term]) -> list[tuple[Var, Term]]:
    """Each vector parameter `x` whose non-emptiness is in `requires` (`1 <= len(x)` and its
    spellings), with that term."""
    out = []
    for p in params:
        if p.type.rank != 1:
            continue
        n = mk("len", p)
        spellings = (mk("le", ONE, n), mk("lt", ZERO, n), mk("ge", n, ONE), mk("gt", n, ZERO),
                     mk("not", mk("eq", n, ZERO)))
        out += [(p, r) for r in requires if r in spellings]
    return out


def zero_trip_cases(function: L.Function, params: Sequence[Var], requires: Sequence[Term]
                    ) -> tuple[tuple[EntryCase, ...], tuple[Term, ...]]:
    """The cases `len(x) == 0` of `function` with their values (see the module docstring) and
    the terms of `requires` they make unneeded (`1 <= len(x)`)."""
    if function.result is None or function.result.rank > 1 or function.lang != "python":
        return (), ()
    cases: list[EntryCase] = []
    covered: list[Term] = []
    for p, term in empty_lengths(params, requires):
        value = zero_trip_value(function, params, p)
        if value is None or not interpreter_agrees(function, p, value):
            continue
        if not any(c.when == mk("eq", mk("len", p), ZERO) for c in cases):
            cases.append(EntryCase(mk("eq", mk("len", p), ZERO), _term(value, function.result)))
        covered.append(term)
    return tuple(cases), tuple(covered)


def interpreter_agrees(function: L.Function, empty: Var, value: Value, draws: int = 4) -> bool:
    """A cross-check of the exact evaluation: the reference interpreter, run with `empty`
    empty and the other parameters drawn at random, returns `value` (for a parameter, its
    drawn value)."""
    rng = random.Random(0)
    module = L.Module(function.loc.file, function.lang, (function,), ())

    def draw(t: TensorType) -> Any:
        one = (lambda: rng.randint(-9, 9)) if t.elem == "int" else \
            (lambda: rng.random() < 0.5) if t.elem == "bool" else (lambda: rng.uniform(-9, 9))
        if t.rank == 0:
            return one()
        if t.rank == 1:
            return [one() for _ in range(rng.randint(0, 3))]
        return [[one() for _ in range(2)] for _ in range(rng.randint(0, 2))]

    for _ in range(draws):
        args = {p.name: [] if p.name == empty.name else draw(p.type) for p in function.params}
        try:
            got = Interpreter(module, steps=10_000).run(function, list(args.values()))
        except (Undefined, StepLimit):
            return False
        want: Any = [] if isinstance(value, EmptyList) else \
            args[value.name] if isinstance(value, Var) else value
        if not (got == want or (isinstance(got, float) and isinstance(want, float)
                                and math.isnan(got) and math.isnan(want))):
            return False
    return True


def zero_trip_value(function: L.Function, params: Sequence[Var], empty: Var) -> Value | None:
    """The value `function` returns when `empty` has no elements, for every value of the other
    parameters, or None when it is not known exactly (or the source raises there)."""
    env: dict[str, Value | None] = {p.name: p for p in params if p.type.is_scalar}
    env[empty.name] = None  # a vector: only its length (0) is read
    run = _ZeroTrip(function.lang, empty.name)
    try:
        for g in function.guards:
            if run.expr(g.fails, env) is not False:
                return None  # raises there, or may: the entry's guards decide before the case
        value = run.block(function.body, env)
    except _Unknown:
        return None
    if value is None:
        return None
    assert function.result is not None
    if isinstance(value, EmptyList) or not function.result.is_scalar:
        return value if isinstance(value, EmptyList) and function.result.rank == 1 else None
    if isinstance(value, Var):
        return value if value.type == function.result else None
    return _coerce(value, function.result.elem)


class _ZeroTrip:
    """Runs straight-line loop IR with one vector empty (the interpreter's semantics)."""

    def __init__(self, lang: str, empty: str) -> None:
        self.lang = lang
        self.empty = empty

    def block(self, body: Sequence[L.Stmt], env: dict[str, Value | None]) -> Value | None:
        """The returned value, or None when the block ends without returning."""
        for s in body:
            if isinstance(s, L.Decl) and s.name == self.empty:
                raise _Unknown()  # the empty list is replaced
            match s:
                case L.Decl(name, type_, None):
                    env.pop(name, None)
                case L.Decl(name, type_, init) if init is not None:
                    if not type_.is_scalar:
                        raise _Unknown()
                    env[name] = _coerce(self.expr(init, env), type_.elem)
                case L.Assign(L.Name(name), value) if name != self.empty:
                    v = self.expr(value, env)
                    old = env.get(name)
                    env[name] = _coerce(v, _elem(old)) if old is not None else v
                case L.For(_, start, stop, _, step):
                    lo, hi = _const(self.expr(start, env)), _const(self.expr(stop, env))
                    if lo < hi if step > 0 else lo > hi:
                        raise _Unknown()  # the loop may run
                case L.While(cond, _):
                    if self.expr(cond, env) is not False:
                        raise _Unknown()
                case L.If(cond, then, orelse):
                    c = _const(self.expr(cond, env))
                    out = self.block(then if c else orelse, env)
                    if out is not None:
                        return out
                case L.Check(guard):
                    if self.expr(guard.fails, env) is not False:
                        raise _Unknown()
                case L.Return(value):
                    return self.expr(value, env)
                case _:
                    raise _Unknown()
        return None

    def short_circuit(self, short: bool, left: L.Expr, right: L.Expr,
                      env: dict[str, Value | None]) -> bool:
        """`left or right` (`short` True) or `left and right` (False), as CPython evaluates it;
        a left side not known here that CPython evaluates without raising (an emptiness test)
        is decided by a right side giving `short` (the value is then `short` either way)."""
        try:
            a = _const(self.expr(left, env))
        except _Unknown:
            if not _plain_test(left) or bool(_const(self.expr(right, env))) != short:
                raise
            return short
        if bool(a) == short:
            return short
        return bool(_const(self.expr(right, env)))

    def expr(self, e: L.Expr, env: dict[str, Value | None]) -> Value:
        match e:
            case L.Const(value):
                return value
            case L.Name(name):
                v = env.get(name)
                if v is None:
                    raise _Unknown()
                return v
            case L.Len(L.Name(name)) if name == self.empty:
                return 0
            case L.Unary("not", L.Name(name)) if name == self.empty:
                return True  # an empty list is false
            case L.NewVec(_, None, None):
                return EmptyList()
            case L.Binary(symbol, left, right):
                op = loop_ops.BINARY[symbol]
                if op.short_circuit is not None:
                    return self.short_circuit(op.short_circuit, left, right, env)
                a = _const(self.expr(left, env))
                b = _const(self.expr(right, env))
                if op.partial and b == 0:
                    raise _Unknown()
                if op.kind == "arithmetic" and not (math.isfinite(a) and math.isfinite(b)):
                    raise _Unknown()  # IEEE arithmetic on an infinity is not modelled
                return op.evaluate(self.lang, a, b)
            case L.Unary(symbol, operand) if symbol in loop_ops.UNARY:
                return loop_ops.UNARY[symbol].evaluate(_const(self.expr(operand, env)))
            case L.Cond(cond, then, orelse):
                return self.expr(then if _const(self.expr(cond, env)) else orelse, env)
            case L.Call(name, args) if name in ("min", "max") and len(args) == 2:
                a, b = (_const(self.expr(x, env)) for x in args)
                return loop_ops.CALLS[name].evaluate(a, b)
        raise _Unknown()


def _plain_test(e: L.Expr) -> bool:
    """Whether `e` is an emptiness test of a list, which CPython evaluates without raising."""
    return isinstance(e, L.Unary) and e.op == "not" and isinstance(e.operand, L.Name) or \
        isinstance(e, L.Binary) and e.op in ("==", "<", "<=", ">", ">=") and \
        any(isinstance(x, L.Len) and isinstance(x.operand, L.Name) for x in (e.left, e.right)) \
        and any(isinstance(x, L.Const) for x in (e.left, e.right))


def _const(v: Value) -> int | float | bool:
    """`v` where it is a constant; raises `_Unknown` for a parameter or a list."""
    if isinstance(v, Var | EmptyList):
        raise _Unknown()
    return v


def _elem(v: Value) -> str:
    if isinstance(v, EmptyList):
        raise _Unknown()
    if isinstance(v, Var):
        return v.type.elem
    return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float"


def _coerce(v: Value, elem: str) -> Value:
    """`v` as the interpreter stores it in a variable of element type `elem`."""
    if isinstance(v, EmptyList):
        raise _Unknown()
    if isinstance(v, Var):
        if v.type.elem != elem:
            raise _Unknown()
        return v
    if elem == "int":
        if isinstance(v, float) and not math.isfinite(v):
            raise _Unknown()
        return int(v)
    return float(v) if elem == "float" else bool(v)


def _term(v: Value, result: TensorType) -> Term:
    if isinstance(v, EmptyList):
        return mk("full", ZERO, lit(0.0 if result.elem == "float" else 0))  # `[]`
    return v if isinstance(v, Var) else lit(v)


def describe(cases: Sequence[EntryCase], covered: Sequence[Term]) -> str:
    """The cases in words, for a note on the result."""
    def text(t: Term) -> str:
        if isinstance(t, Lit) and isinstance(t.value, float) and not math.isfinite(t.value):
            return repr(t.value)
        return "[]" if not t.type.is_scalar else print_term(t)

    said = "; ".join(f"where {text(c.when)} the generated function returns {text(c.value)}"
                     for c in cases)
    return (f"{said}: the source's value there (its loop IR evaluated exactly, every loop "
            f"running zero times); the program is proven where {' and '.join(map(text, covered))}")
