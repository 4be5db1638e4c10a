"""Loop IR: typed imperative functions as the frontends read them from C++ or Python.

Every node carries the source location it came from (`loc`, excluded from equality). Types are
TensIR types (`int`, `float`, `bool`, `vec[int]`, `mat[int]`): a C++ `std::vector<int>` and a
Python `list[int]` are both `vec[int]`. Compound assignments (`s += e`) are read as `s = s + e`;
`lang` on the function says whose integer division (`cpp` truncates, `python` floors) `/` and `%`
mean. The operators and builtins are declared in `ops`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tensflo.ir.tensir.types import TensorType

from . import ops


@dataclass(frozen=True, slots=True)
class Loc:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NOWHERE = Loc("<unknown>", 0, 0)


class LoopIRError(Exception):
    """A construct the loop IR cannot express, or an ill-typed program; carries its location."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(f"{loc}: {message}")
        self.loc = loc
        self.message = message


# -------------------------------------------------------------------------------------------------
# expressions
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Const:
    value: int | float | bool
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    """`base[index]`."""

    base: Expr
    index: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


BINARY_OPS = tuple(ops.BINARY)


@dataclass(frozen=True, slots=True)
class Binary:
    """An arithmetic, comparison or logical operator (`ops.BINARY`); `/` and `%` follow the
    function's `lang`."""

    op: str
    left: Expr
    right: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """`-x` or `not x` (`ops.UNARY`)."""

    op: str
    operand: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Cond:
    """`cond ? then : orelse` (C++) or `then if cond else orelse` (Python)."""

    cond: Expr
    then: Expr
    orelse: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


BUILTINS = tuple(ops.CALLS)
"""The builtins a `Call` may name (`ops.CALLS`); any other name is a function of the module."""


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a builtin (`ops.CALLS`: `min`, `max`, `abs`, `resize`, libm's `sqrt`, `exp`,
    `log`, `pow`, `floor`, the conversions `to_float` and `to_int`) or of a function defined in
    the same file."""

    func: str
    args: tuple[Expr, ...]
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Len:
    """`v.size()` / `len(v)`."""

    operand: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NewVec:
    """A new vector: empty, or `length` copies of `fill` (`vector<int>(n, 0)`, `[0] * n`)."""

    type: TensorType
    length: Expr | None = None
    fill: Expr | None = None
    loc: Loc = field(default=NOWHERE, compare=False)


Expr = Const | Name | Index | Binary | Unary | Cond | Call | Len | NewVec


# -------------------------------------------------------------------------------------------------
# statements
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decl:
    """A local variable declaration with its type and initial value (None: uninitialised)."""

    name: str
    type: TensorType
    init: Expr | None
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Assign:
    """`target = value`; the target is a variable or an element (`out[i][j] = ...`)."""

    target: Name | Index
    value: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Push:
    """`target.push_back(value)` / `target.append(value)`."""

    target: Name | Index
    value: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class For:
    """A counted loop: `var` runs over `start, start + step, ...` while below `stop` (step > 0),
    or while above `stop` (step < 0: a loop counting down, `stop` its exclusive lower bound)."""

    var: str
    start: Expr
    stop: Expr
    body: tuple[Stmt, ...]
    step: int = 1
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class While:
    cond: Expr
    body: tuple[Stmt, ...]
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Break:
    """`break`: leaves the innermost enclosing loop (a `for` counter keeps its value)."""

    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Check:
    """`if c: raise E(...)` or `assert` after the computation started (Python): where
    `guard.fails` holds on the values at this point, the function raises `guard.exception`."""

    guard: Guard
    loc: Loc = field(default=NOWHERE, compare=False)


Stmt = Decl | Assign | Push | For | While | If | Return | Break | Check


# -------------------------------------------------------------------------------------------------
# functions
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Guard:
    """An input check: when `fails` holds on the parameters, the function raises `exception`
    (a builtin exception name: `ValueError`, `AssertionError`, ...) before doing any work."""

    fails: Expr
    exception: str
    loc: Loc = field(default=NOWHERE, compare=False)
    message: str = ""
    """The source's message, when it is a literal string."""
    message_code: str = ""
    """The message as Python over the parameters, when the source formats it (an f-string)."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TensorType
    loc: Loc = field(default=NOWHERE, compare=False)
    pointer: bool = False
    """A C pointer or array parameter (`T *p`, `const T *p`, `T p[]`), read as `vec[T]`: C
    cannot observe its length, and writes through it are outputs (`ir.loop.outputs`)."""
    default: int | float | bool | None = None
    """A Python parameter's default value (a constant), kept by the generated function."""


@dataclass(frozen=True, slots=True)
class Function:
    """A function: parameters, result type and body, in one source language."""

    name: str
    params: tuple[Param, ...]
    result: TensorType | None
    """None: a C `void` function, whose results are the pointer parameters it writes."""
    body: tuple[Stmt, ...]
    lang: str
    """`cpp` or `python`: whose integer semantics `/` and `%` have."""
    loc: Loc = field(default=NOWHERE, compare=False)
    guards: tuple[Guard, ...] = ()
    """The input checks the function makes before any work (Python `if c: raise E(...)`,
    `assert`, validation helpers): preconditions whose failure raises an exception."""

    @property
    def returns(self) -> TensorType:
        """The result type; for a `void` function a `LoopIRError` (its results are the pointer
        parameters it writes: `outputs.derive_outputs` gives a function per output)."""
        if self.result is None:
            raise LoopIRError(self.loc, f"{self.name} returns no value (void): its results are "
                                        "the pointer parameters it writes")
        return self.result


@dataclass(frozen=True, slots=True)
class Rejected:
    """A function of the file that the frontend could not read, and why (the first problem).

    `internal`: the reader itself failed on it (a bug, reported as an error), rather than
    finding a construct the loop IR does not express."""

    name: str
    loc: Loc
    message: str
    internal: bool = False

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"


@dataclass(frozen=True, slots=True)
class Module:
    """The functions of one source file, in order, and those the frontend could not read."""

    path: str
    lang: str
    functions: tuple[Function, ...]
    rejected: tuple[Rejected, ...] = ()

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)


def walk_stmts(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Every statement of a body, nested ones included, in order."""
    for s in body:
        yield s
        if isinstance(s, For | While):
            yield from walk_stmts(s.body)
        elif isinstance(s, If):
            yield from walk_stmts(s.then)
            yield from walk_stmts(s.orelse)


def sub_exprs(e: Expr) -> Iterator[Expr]:
    """`e` and every expression inside it."""
    yield e
    match e:
        case Index(base, index):
            yield from sub_exprs(base)
            yield from sub_exprs(index)
        case Binary(_, left, right):
            yield from sub_exprs(left)
            yield from sub_exprs(right)
        case Unary(_, operand) | Len(operand):
            yield from sub_exprs(operand)
        case Cond(c, t, o):
            yield from sub_exprs(c)
            yield from sub_exprs(t)
            yield from sub_exprs(o)
        case Call(_, args):
            for a in args:
                yield from sub_exprs(a)
        case NewVec(_, length, fill):
            if length is not None:
                yield from sub_exprs(length)
            if fill is not None:
                yield from sub_exprs(fill)


def stmt_exprs(s: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement holds directly (not those of nested statements)."""
    match s:
        case Decl(_, _, init):
            return (init,) if init is not None else ()
        case Assign(target, value) | Push(target, value):
            return (target, value)
        case For(_, start, stop, _):
            return (start, stop)
        case While(cond, _) | If(cond, _, _):
            return (cond,)
        case Return(value):
            return (value,)
        case Check(guard):
            return (guard.fails,)
    return ()


def stmt_values(s: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement holds directly, without its assignment or push target."""
    match s:
        case Assign(_, value) | Push(_, value):
            return (value,)
    return stmt_exprs(s)


def assigned_vars(body: tuple[Stmt, ...]) -> list[str]:
    """Variables a body changes (assigned, element-assigned or pushed to), in first-write order."""
    out: list[str] = []
    for s in walk_stmts(body):
        name = None
        if isinstance(s, Assign | Push):
            t: Expr = s.target
            while isinstance(t, Index):
                t = t.base
            name = t.id if isinstance(t, Name) else None
        elif isinstance(s, Decl):
            name = s.name
        if name is not None and name not in out:
            out.append(name)
    return out
