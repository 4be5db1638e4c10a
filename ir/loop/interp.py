"""The reference interpreter of loop IR, with the source language's semantics.

C++ (`lang="cpp"`): `/` truncates toward zero, `%` takes the dividend's sign, `int` is 32-bit and
signed overflow, division by zero and out-of-range indexing are undefined behaviour. Python: `//`
and `%` floor, ints are unbounded, negative indices count from the end, and division by zero or an
index out of range raise. Either way such an input is *outside the function's domain*: the
interpreter raises `Undefined` (with the location), and lifting only promises equivalence on inputs
inside it. Values are Python ints/floats/bools and (nested) lists; vectors are copied on assignment
and when passed to a helper, as C++ `std::vector` values are. A C pointer parameter holds a list:
`run_in_place` returns the arrays as the function left them beside the result (None for `void`).
A function's guards (`Function.guards`) are checked on entry: where one fails the interpreter
raises `Raised` (an `Undefined`: the input is outside the domain lifting promises equivalence on).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from . import ops
from .nodes import (
    Assign,
    Binary,
    Break,
    Call,
    Check,
    Cond,
    Const,
    Decl,
    Expr,
    For,
    Function,
    If,
    Index,
    Len,
    Loc,
    Module,
    Name,
    NewVec,
    Push,
    Return,
    Stmt,
    Unary,
    While,
)

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
DEFAULT_STEPS = 1_000_000


class Undefined(Exception):
    """The input is outside the source function's domain (undefined behaviour or an exception)."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(f"{loc}: {reason}")
        self.loc = loc
        self.reason = reason


class Raised(Undefined):
    """The input fails one of the function's guards: the source raises `exception` there."""

    def __init__(self, loc: Loc, exception: str, message: str) -> None:
        super().__init__(loc, f"raises {exception}" + (f": {message}" if message else ""))
        self.exception = exception
        self.message = message


class StepLimit(Exception):
    """The run took more statements than allowed (a loop that does not terminate)."""


class _Break(Exception):
    """A `break` leaving the innermost loop."""


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class Interpreter:
    """Runs the functions of a module; `steps` bounds the statements executed per call."""

    def __init__(self, module: Module, steps: int = DEFAULT_STEPS) -> None:
        self.module = module
        self.lang = module.lang
        self.steps = steps
        self._left = steps

    @property
    def used(self) -> int:
        """Statements executed by the last `run`."""
        return self.steps - self._left

    def run(self, function: str | Function, args: Sequence[Any]) -> Any:
        """Call `function` on `args` (not modified); raises `Undefined` or `StepLimit`."""
        fn = function if isinstance(function, Function) else self.module.function(function)
        if fn is None:
            raise KeyError(function)
        self._left = self.steps
        return self._call(fn, [copy.deepcopy(a) for a in args])

    def run_in_place(self, function: str | Function, args: Sequence[Any]) -> tuple[Any, list[Any]]:
        """Call `function` as C calls it: its result (None for `void`) and the final value of
        every parameter, where the arrays of pointer parameters show the writes (`args` is not
        modified)."""
        fn = function if isinstance(function, Function) else self.module.function(function)
        if fn is None:
            raise KeyError(function)
        self._left = self.steps
        env: dict[str, Any] = {}
        result = self._call(fn, [copy.deepcopy(a) for a in args], env)
        return result, [env[p.name] for p in fn.params]

    # -- calls and statements -----------------------------------------------------------------
    def _call(self, fn: Function, args: list[Any], env: dict[str, Any] | None = None) -> Any:
        """Run `fn` in `env` (a new one when None), which holds its variables afterwards."""
        env = {} if env is None else env
        env.update({p.name: self._coerce(a, p.type.elem)
                    for p, a in zip(fn.params, args, strict=True)})
        for g in fn.guards:
            if self._expr(g.fails, env):
                raise Raised(g.loc, g.exception, g.message)
        try:
            self._block(fn.body, env)
        except _Return as r:
            return None if fn.result is None else self._coerce(r.value, fn.result.elem)
        if fn.result is None:
            return None
        raise Undefined(fn.loc, f"{fn.name} reaches its end without returning a value")

    def _coerce(self, v: Any, elem: str) -> Any:
        if isinstance(v, list):
            return [self._coerce(x, elem) for x in v]
        if elem == "int":
            return int(v)
        if elem == "float":
            return float(v)
        return bool(v)

    def _block(self, body: Sequence[Stmt], env: dict[str, Any]) -> None:
        for s in body:
            self._stmt(s, env)

    def _tick(self, loc: Loc) -> None:
        self._left -= 1
        if self._left < 0:
            raise StepLimit(f"{loc}: more than {self.steps} steps")

    def _stmt(self, s: Stmt, env: dict[str, Any]) -> None:
        self._tick(s.loc)
        match s:
            case Decl(name, _, None):
                env.pop(name, None)
            case Decl(name, type_, init) if init is not None:
                env[name] = self._coerce(copy.deepcopy(self._expr(init, env)), type_.elem)
            case Assign(Name(name), value):
                v = copy.deepcopy(self._expr(value, env))
                old = env.get(name)
                env[name] = self._coerce(v, _elem_of(old)) if old is not None else v
            case Assign(Index(base, index), value):
                container = self._expr(base, env)
                i = self._index(container, self._expr(index, env), s.loc)
                old = container[i]
                container[i] = self._coerce(copy.deepcopy(self._expr(value, env)), _elem_of(old))
            case Push(target, value):
                container = self._expr(target, env)
                v = copy.deepcopy(self._expr(value, env))
                if container and not isinstance(v, list):
                    v = self._coerce(v, _elem_of(container[0]))
                container.append(v)
            case For(var, start, stop, body, step):
                i = self._expr(start, env)
                while True:
                    self._tick(s.loc)
                    bound = self._expr(stop, env)
                    if not (i < bound if step > 0 else i > bound):
                        if self.lang != "python":  # C: the counter ends at the value failing the test
                            env[var] = i
                        break
                    env[var] = i
                    try:
                        self._block(body, env)
                    except _Break:
                        break
                    i = env[var] + step
            case While(cond, body):
                while True:
                    self._tick(s.loc)
                    if not self._expr(cond, env):
                        break
                    try:
                        self._block(body, env)
                    except _Break:
                        break
            case If(cond, then, orelse):
                self._block(then if self._expr(cond, env) else orelse, env)
            case Break():
                raise _Break()
            case Check(guard):
                if self._expr(guard.fails, env):
                    raise Raised(guard.loc, guard.exception, guard.message)
            case Return(value):
                raise _Return(copy.deepcopy(self._expr(value, env)))
            case _:
                raise TypeError(f"unknown statement {s!r}")

    # -- expressions --------------------------------------------------------------------------
    def _index(self, container: Any, i: Any, loc: Loc) -> int:
        n = len(container)
        if self.lang == "python" and -n <= i < 0:
            return i + n
        if not 0 <= i < n:
            raise Undefined(loc, f"index {i} is out of range for a vector of length {n}")
        return i

    def _int(self, v: int, loc: Loc) -> int:
        if self.lang == "cpp" and not INT_MIN <= v <= INT_MAX:
            raise Undefined(loc, f"signed integer overflow ({v} does not fit in int)")
        return v

    def _expr(self, e: Expr, env: dict[str, Any]) -> Any:
        match e:
            case Const(value):
                return value
            case Name(name):
                if name not in env:
                    raise Undefined(e.loc, f"{name} is used before it is assigned")
                return env[name]
            case Index(base, index):
                container = self._expr(base, env)
                return container[self._index(container, self._expr(index, env), e.loc)]
            case Binary(symbol, left, right):
                op = ops.BINARY[symbol]
                a = self._expr(left, env)
                if op.short_circuit is not None:
                    if bool(a) == op.short_circuit:
                        return op.short_circuit
                    return bool(self._expr(right, env))
                return self._binary(op, a, self._expr(right, env), e.loc)
            case Unary(symbol, operand) if symbol in ops.UNARY:
                unary = ops.UNARY[symbol]
                return self._checked(unary.overflows, unary.evaluate(self._expr(operand, env)), e.loc)
            case Cond(cond, then, orelse):
                return self._expr(then if self._expr(cond, env) else orelse, env)
            case Call(name, args) if name in ops.CALLS and len(args) == ops.CALLS[name].arity:
                builtin = ops.CALLS[name]
                values = [self._expr(a, env) for a in args]
                try:
                    v = builtin.evaluate(*values)
                except ops.OutsideDomain as err:
                    raise Undefined(e.loc, str(err)) from None
                return self._checked(builtin.overflows, v, e.loc)
            case Call(name, args):
                fn = self.module.function(name)
                if fn is None:
                    raise Undefined(e.loc, f"call of unknown function {name}")
                values = [copy.deepcopy(self._expr(a, env)) for a in args]
                return self._call(fn, values)
            case Len(operand):
                return ops.LEN.evaluate(self._expr(operand, env))
            case NewVec(type_, length, fill):
                if length is None:
                    return []
                n = self._expr(length, env)
                if n < 0:
                    raise Undefined(e.loc, f"a vector of negative length {n}")
                entry: Any = self._expr(fill, env) if fill is not None else (
                    [] if type_.rank > 1 else self._coerce(0, type_.elem))
                return [copy.deepcopy(entry) for _ in range(n)]
        raise TypeError(f"unknown expression {e!r}")

    def _binary(self, op: ops.BinaryOp, a: Any, b: Any, loc: Loc) -> Any:
        if op.partial and b == 0:
            raise Undefined(loc, f"division by zero ({a} {op.symbol} 0)")
        return self._checked(op.overflows, op.evaluate(self.lang, a, b), loc)

    def _checked(self, overflows: bool, v: Any, loc: Loc) -> Any:
        """`v`, checked to fit in C++ `int` where the operator's int result may not."""
        if overflows and isinstance(v, int) and not isinstance(v, bool):
            return self._int(v, loc)
        return v


def _elem_of(v: Any) -> str:
    while isinstance(v, list):
        if not v:
            return "int"
        v = v[0]
    if isinstance(v, bool):
        return "bool"
    return "float" if isinstance(v, float) else "int"


def run(module: Module, function: str, args: Sequence[Any], steps: int = DEFAULT_STEPS) -> Any:
    """Run `function` of `module` on `args` (see `Interpreter`)."""
    return Interpreter(module, steps).run(function, args)
