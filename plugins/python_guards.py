"""Input validation at the top of a Python function, read as loop-IR guards (`L.Guard`).

The *prologue* of a function is its leading statements up to the first one that does work. In it:

- `if cond: raise E(...)` (a builtin exception `E`, the `if` holding only the `raise`);
- `assert cond[, message]` (an `AssertionError`; the generated code checks it even under
  `python -O`);
- a call, as a statement, of a *validation helper* of the same file (a function whose body only
  holds such checks), its parameters replaced by the call's arguments;
- assignments of new locals (also several at once, `n, m = len(a), len(a[0])`) whose values raise
  nothing but an `IndexError` at a constant index: they stay in the body, the checks after them read
  their values, and each such read is a guard raising `IndexError` where it is out of range.
- `all(len(row) == e for row in m)` / `any(len(row) != e ...)` over a matrix: its rows have one
  length in the model (a ragged list is refused by the conversion in the generated code), so it
  reads as `len(m) == 0 or len(m[0]) == e`.

Conditions are read by truth, as Python tests them: a list is true when not empty, a number when
not zero. `isinstance(x, T)` holds by the checked parameter types when `T` admits the parameter's
declared element type (`list`, `int`, `float`, `(int, float)`, `numbers.Real`, ...): the generated
code raises `TypeError` for any other input (targets/type_checks.py); a `T` that rejects some input
the type admits (`isinstance(x, float)` on a float parameter, which also takes ints) is refused.
A check after the prologue is read by `late_checks` (the lifter states it as a precondition over
the computed values where it can, `ir/lifting/late_checks.py`); any other `raise` is refused with
its location.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import TensorType

_SAFE_CALLS = frozenset({"len", "abs", "min", "max"})
_SAFE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or)
_ADMITS: Mapping[str, frozenset[str]] = {
    "int": frozenset({"int", "Integral", "Real", "Number", "Rational", "Complex"}),
    "float": frozenset({"Real", "Number", "Complex"}),
    "bool": frozenset({"bool", "int", "Integral", "Real", "Number", "Complex"}),
    "vec": frozenset({"list", "List", "Sequence", "Iterable", "Collection", "Sized", "Reversible"}),
}
"""Names `T` in `isinstance(x, T)` that hold for every value of a checked type (bools are ints)."""
_ADMITS_FLOAT_PAIR = frozenset({"int", "float"})
"""`isinstance(x, (int, float))` holds for a float parameter (which takes ints too)."""


class Reader(Protocol):
    """What the guards need of the function reader (`python_frontend._FunctionReader`)."""

    path: str
    types: dict[str, TensorType]

    def expr(self, e: ast.expr) -> L.Expr: ...

    def type_of(self, e: L.Expr, node: ast.AST) -> TensorType: ...


@dataclass
class _Prologue:
    reader: Reader
    signatures: Mapping[str, ast.FunctionDef]
    values: dict[str, ast.expr] = field(default_factory=dict)
    """Prologue locals by name: their values, over the parameters."""
    guards: list[L.Guard] = field(default_factory=list)

    def loc(self, node: ast.AST) -> Loc:
        return Loc(self.reader.path, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)


def read_guards(reader: Reader, body: list[ast.stmt], params: set[str],
                signatures: Mapping[str, ast.FunctionDef]) -> tuple[tuple[L.Guard, ...], list[ast.stmt]]:
    """The guards of the prologue of `body`, and the statements left to read."""
    p = _Prologue(reader, signatures)
    rest: list[ast.stmt] = []
    k = 0
    while k < len(body):
        s = body[k]
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
            pass  # a docstring
        elif _check(p, s, {}, ()):
            pass
        elif (pairs := _assignment(s, params, p.values)) is not None:
            values = [_substitute(v, p.values) for _, v in pairs]  # the right side first
            for v in values:
                _index_guards(p, v)
            p.values.update((name, v) for (name, _), v in zip(pairs, values, strict=True))
            rest.append(s)
        else:
            break
        k += 1
    return tuple(p.guards), rest + body[k:]


def _check(p: _Prologue, s: ast.stmt, subst: Mapping[str, ast.expr], stack: tuple[str, ...]) -> bool:
    """Read `s` as a check (into `p.guards`) if it is one; False otherwise."""
    match s:
        case ast.If(test, [ast.Raise(exc, _)], []) if exc is not None:
            name, message = _exception(p, exc)
            fails = _truth(p, _substitute(test, subst))
            code = ""
            if isinstance(exc, ast.Call):  # its arguments are evaluated where the check fails
                for a in [*exc.args, *(k.value for k in exc.keywords)]:
                    _message_guards(p, _substitute(_substitute(a, subst), p.values), fails)
                code = _formatted(p, exc.args, exc.keywords, subst)
            p.guards.append(L.Guard(fails, name, p.loc(s), message, code))
            return True
        case ast.Assert(test, msg):
            message = msg.value if isinstance(msg, ast.Constant) and isinstance(msg.value, str) else ""
            fails = L.Unary(ops.NOT.symbol, _truth(p, _substitute(test, subst)), p.loc(s))
            code = ""
            if msg is not None:
                _message_guards(p, _substitute(_substitute(msg, subst), p.values), fails)
                code = _formatted(p, [msg], [], subst)
            p.guards.append(L.Guard(fails, "AssertionError", p.loc(s), message, code))
            return True
        case ast.Expr(ast.Call(ast.Name(helper), args, [])) if helper in p.signatures \
                and helper not in stack and _is_validator(p.signatures[helper], p.signatures, stack) \
                and all(_safe(a, {**p.values, **subst}) for a in args):
            callee = p.signatures[helper]
            if len(callee.args.args) != len(args):
                return False
            inner = {a.arg: _substitute(v, subst) for a, v in zip(callee.args.args, args, strict=True)}
            for t in _checks_of(callee):
                _check(p, t, inner, (*stack, helper))
            return True
    return False


def _checks_of(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    while body and (isinstance(body[-1], ast.Pass) or (isinstance(body[-1], ast.Return) and (
            body[-1].value is None or (isinstance(body[-1].value, ast.Constant)
                                       and body[-1].value.value is None)))):
        body = body[:-1]
    return body


def _is_validator(fn: ast.FunctionDef, signatures: Mapping[str, ast.FunctionDef],
                  stack: tuple[str, ...]) -> bool:
    """A function that only checks its input: every statement a check, at least one."""
    a = fn.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults or fn.decorator_list:
        return False
    body = _checks_of(fn)

    def is_check(s: ast.stmt) -> bool:
        match s:
            case ast.If(_, [ast.Raise(exc, _)], []) if exc is not None:
                return True
            case ast.Assert():
                return True
            case ast.Expr(ast.Call(ast.Name(h), _, [])) if h in signatures and h not in stack \
                    and h != fn.name:
                return _is_validator(signatures[h], signatures, (*stack, fn.name))
        return False

    return bool(body) and all(is_check(s) for s in body)


def _exception(p: _Prologue, exc: ast.expr) -> tuple[str, str]:
    """The builtin exception a `raise` raises, and its literal message (or "")."""
    target = exc.func if isinstance(exc, ast.Call) else exc
    name = target.id if isinstance(target, ast.Name) else ast.unparse(target)
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        raise LoopIRError(p.loc(exc), f"unsupported: raising {name}, which is not a builtin "
                                      f"exception (the generated code raises the same type)")
    message = ""
    if isinstance(exc, ast.Call) and exc.args and isinstance(exc.args[0], ast.Constant) \
            and isinstance(exc.args[0].value, str):
        message = exc.args[0].value
    return name, message


def _assignment(s: ast.stmt, params: set[str], values: Mapping[str, ast.expr]
                ) -> list[tuple[str, ast.expr]] | None:
    """`s` as (name, value) pairs when it assigns new locals (`n = len(xs)`, `n, m = len(a),
    len(a[0])`) values that raise nothing but an `IndexError` at a constant index."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1):
        return None
    target, value = s.targets[0], s.value
    if isinstance(target, ast.Name):
        pairs = [(target.id, value)]
    elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
            and len(target.elts) == len(value.elts) and all(isinstance(t, ast.Name) for t in target.elts):
        pairs = [(t.id, v) for t, v in zip(target.elts, value.elts, strict=True)
                 if isinstance(t, ast.Name)]
    else:
        return None
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names) or any(n in params or n in values for n in names):
        return None
    return pairs if all(_safe(v, values, indexed=True) for _, v in pairs) else None


def _formatted(p: _Prologue, args: list[ast.expr], keywords: list[ast.keyword],
               subst: Mapping[str, ast.expr]) -> str:
    """An f-string message over the parameters as Python source, or ""."""
    if len(args) != 1 or keywords or not isinstance(args[0], ast.JoinedStr):
        return ""
    return ast.unparse(_substitute(_substitute(args[0], subst), p.values))


def _message_guards(p: _Prologue, message: ast.expr, fails: L.Expr) -> None:
    """The exception's argument is evaluated where the check fails: it must raise nothing but an
    `IndexError` at a constant index, which is then raised instead (a guard `fails and x[c] is out
    of range` before the check's own)."""
    if not _safe(message, p.values, indexed=True, text=True):
        raise LoopIRError(p.loc(message), f"unsupported: the exception argument "
                                          f"{ast.unparse(message)}, which may raise itself")
    _index_guards(p, message, fails)


def _index_guards(p: _Prologue, value: ast.expr, when: L.Expr | None = None) -> None:
    """A guard raising `IndexError` for each read `x[c]` (constant `c`) of `value`, inner first,
    each only where Python makes it: where `when` holds, if given, and where the branch of a
    conditional expression or the operand of `and`/`or` holding it is evaluated."""
    for node, cond in _constant_reads(p, value, when):
        length = ast.Call(ast.Name("len", ast.Load()), [node.value], [])
        c = _constant_index(node.slice)
        assert c is not None
        out_of_range = ast.Compare(length, [ast.LtE()], [ast.Constant(c)]) if c >= 0 else \
            ast.Compare(length, [ast.Lt()], [ast.Constant(-c)])
        ast.copy_location(out_of_range, node)
        ast.fix_missing_locations(out_of_range)
        out = p.reader.expr(out_of_range)
        if any(g.fails == out and g.exception == "IndexError" for g in p.guards):
            continue  # checked already, unconditionally
        if cond is not None:
            out = L.Binary(ops.AND.symbol, cond, out, p.loc(node))
        p.guards.append(L.Guard(out, "IndexError", p.loc(node), "list index out of range"))


def _constant_reads(p: _Prologue, node: ast.AST, when: L.Expr | None
                    ) -> list[tuple[ast.Subscript, L.Expr | None]]:
    """The reads at a constant index in `node`, inner first, each with the condition under which
    Python evaluates it (None: always)."""
    def under(extra: L.Expr) -> L.Expr:
        return extra if when is None else L.Binary(ops.AND.symbol, when, extra, p.loc(node))

    match node:
        case ast.IfExp(test, then, orelse):
            yes = _truth(p, test)
            return [*_constant_reads(p, test, when), *_constant_reads(p, then, under(yes)),
                    *_constant_reads(p, orelse, under(L.Unary(ops.NOT.symbol, yes, p.loc(node))))]
        case ast.BoolOp(op, [first, *rest]):
            out = _constant_reads(p, first, when)
            decided: L.Expr | None = when
            for before, v in zip([first, *rest], rest, strict=False):
                truth = _truth(p, before)
                goes_on = truth if isinstance(op, ast.And) else L.Unary(ops.NOT.symbol, truth, p.loc(before))
                decided = goes_on if decided is None else L.Binary(ops.AND.symbol, decided, goes_on, p.loc(v))
                out += _constant_reads(p, v, decided)
            return out
    out = [r for child in ast.iter_child_nodes(node) for r in _constant_reads(p, child, when)]
    if isinstance(node, ast.Subscript) and _constant_index(node.slice) is not None:
        out.append((node, when))
    return out


def _constant_index(e: ast.expr) -> int | None:
    if isinstance(e, ast.Constant) and type(e.value) is int:
        return e.value
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and isinstance(e.operand, ast.Constant) \
            and type(e.operand.value) is int:
        return -e.operand.value
    return None


def _safe(e: ast.expr, values: Mapping[str, ast.expr], indexed: bool = False,
          text: bool = False) -> bool:
    """Whether evaluating `e` can raise nothing: names, numbers, `+ - *`, comparisons, `len`,
    `min`/`max` of several values (with `indexed`, also reads at a constant index; with `text`,
    f-strings without format specs)."""
    for node in ast.walk(e):
        if text and (isinstance(node, ast.JoinedStr) or (
                isinstance(node, ast.FormattedValue) and node.format_spec is None)):
            continue
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _SAFE_CALLS
                    and not node.keywords and (node.func.id in ("len", "abs") or len(node.args) > 1)):
                return False
        elif isinstance(node, ast.Subscript):
            if not (indexed and _constant_index(node.slice) is not None):
                return False
        elif isinstance(node, ast.operator | ast.unaryop | ast.boolop):
            if not isinstance(node, _SAFE_OPS):
                return False
        elif not isinstance(node, ast.Name | ast.Constant | ast.BinOp | ast.UnaryOp | ast.BoolOp
                            | ast.Compare | ast.cmpop | ast.expr_context | ast.IfExp):
            return False
    return True


def _substitute(e: ast.expr, subst: Mapping[str, ast.expr]) -> ast.expr:
    """`e` with each name of `subst` replaced by its expression (kept at the name's location)."""
    if not subst:
        return e

    class Replace(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id in subst and isinstance(node.ctx, ast.Load):
                return ast.copy_location(copy.deepcopy(subst[node.id]), node)
            return node

    out: ast.expr = Replace().visit(copy.deepcopy(e))
    return out


def _truth(p: _Prologue, e: ast.expr) -> L.Expr:
    """The loop-IR condition that `e` is true, as Python tests it."""
    e = _substitute(e, p.values)
    loc = p.loc(e)
    match e:
        case ast.BoolOp(op, values):
            symbol = ops.AND.symbol if isinstance(op, ast.And) else ops.OR.symbol
            out = _truth(p, values[0])
            for v in values[1:]:
                out = L.Binary(symbol, out, _truth(p, v), loc)
            return out
        case ast.UnaryOp(ast.Not(), operand):
            return L.Unary(ops.NOT.symbol, _truth(p, operand), loc)
        case ast.Call(ast.Name("isinstance"), [x, kinds], []):
            return _isinstance(p, x, kinds)
        case ast.Call(ast.Name("all"), [ast.GeneratorExp(
                ast.Call(ast.Name("isinstance"), [ast.Name(v), kinds], []),
                [ast.comprehension(ast.Name(w), seq, [], 0)])], []) if v == w:
            return _all_isinstance(p, seq, kinds)
        case ast.Call(ast.Name("all" | "any" as quantifier), [ast.GeneratorExp(
                ast.Compare(left, [ast.Eq() | ast.NotEq() as cmp], [right]),
                [ast.comprehension(ast.Name(row), rows, [], 0)])], []) \
                if (length := _row_length(row, left, right)) is not None:
            return _row_lengths(p, quantifier, isinstance(cmp, ast.Eq), rows, length, loc)
    value = p.reader.expr(e)
    t = p.reader.type_of(value, e)
    if t.rank:
        return L.Binary(ops.NE.symbol, L.Len(value, loc), L.Const(0, loc), loc)
    if t.elem == "bool":
        return value
    return L.Binary(ops.NE.symbol, value, L.Const(0.0 if t.elem == "float" else 0, loc), loc)


def _isinstance(p: _Prologue, x: ast.expr, kinds: ast.expr) -> L.Expr:
    """`isinstance(x, kinds)`: true by the checked type of `x`, or refused."""
    value = p.reader.expr(x)
    t = p.reader.type_of(value, x)
    if _admitted(t, kinds):
        return L.Const(True, p.loc(x))
    raise LoopIRError(p.loc(x), f"unsupported: the check {ast.unparse(x)} is {ast.unparse(kinds)} "
                                f"on a {t} (only checks that every {t} passes are read: the "
                                f"generated code checks the types itself)")


def _admitted(t: TensorType, kinds: ast.expr) -> bool:
    """Whether every value of the checked type `t` is an instance of `kinds`."""
    parts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    names = {n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
             for n in parts}
    return bool(names & _ADMITS["vec" if t.rank else t.elem]) or (
        not t.rank and t.elem == "float" and _ADMITS_FLOAT_PAIR <= names)


def _row_length(row: str, left: ast.expr, right: ast.expr) -> ast.expr | None:
    """`e` when the comparison is `len(row) ? e` or `e ? len(row)` and `e` does not read `row`."""
    for a, b in ((left, right), (right, left)):
        if isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id == "len" \
                and len(a.args) == 1 and isinstance(a.args[0], ast.Name) and a.args[0].id == row \
                and not any(isinstance(n, ast.Name) and n.id == row for n in ast.walk(b)):
            return b
    return None


def _row_lengths(p: _Prologue, quantifier: str, equal: bool, rows: ast.expr, length: ast.expr,
                 loc: Loc) -> L.Expr:
    """`all(len(row) == e for row in m)` (or `any(... != e ...)`, and their negations) over a
    matrix: its rows have one length in the model (a ragged list is refused by the conversion of
    the generated code), so it holds when `m` has no rows or `len(m[0]) == e`."""
    m = p.reader.expr(rows)
    t = p.reader.type_of(m, rows)
    if t.rank != 2:
        raise LoopIRError(p.loc(rows), f"unsupported: a check over the entries of {ast.unparse(rows)}"
                                       f", a {t} (only the row lengths of a matrix are read)")
    e = p.reader.expr(length)
    zero = L.Const(0, loc)
    first = L.Len(L.Index(m, zero, loc), loc)
    if quantifier == "all":  # every row: empty, or the first row's length compares so
        return L.Binary(ops.OR.symbol, L.Binary(ops.EQ.symbol, L.Len(m, loc), zero, loc),
                        L.Binary(ops.EQ.symbol if equal else ops.NE.symbol, first, e, loc), loc)
    return L.Binary(ops.AND.symbol, L.Binary(ops.NE.symbol, L.Len(m, loc), zero, loc),
                    L.Binary(ops.EQ.symbol if equal else ops.NE.symbol, first, e, loc), loc)


def _all_isinstance(p: _Prologue, seq: ast.expr, kinds: ast.expr) -> L.Expr:
    """`all(isinstance(v, kinds) for v in seq)` over lists (or their concatenation `a + b`):
    true by the checked element types, or refused."""
    parts = [seq]
    while any(isinstance(q, ast.BinOp) and isinstance(q.op, ast.Add) for q in parts):
        parts = [r for q in parts for r in ((q.left, q.right) if isinstance(q, ast.BinOp) else (q,))]
    for q in parts:
        value = p.reader.expr(q)
        t = p.reader.type_of(value, q)
        if t.rank != 1:
            raise LoopIRError(p.loc(q), f"unsupported: the check of every entry of {ast.unparse(q)}, "
                                        f"a {t} (only lists of numbers are read)")
        if not _admitted(TensorType(t.elem, 0), kinds):
            raise LoopIRError(p.loc(q), f"unsupported: the check that every entry of "
                                        f"{ast.unparse(q)} is {ast.unparse(kinds)}, on a {t} (only "
                                        f"checks that every {t} passes are read)")
    return L.Const(True, p.loc(seq))


def late_checks(reader: Reader, s: ast.stmt, signatures: Mapping[str, ast.FunctionDef]
                ) -> list[L.Guard] | None:
    """`s` read as checks after the computation started (`if c: raise E(...)`, `assert`, a
    validation helper), over the values at that point: the loop IR's `Check` statements hold
    them; None when `s` is not a check."""
    p = _Prologue(reader, signatures)
    return p.guards if _check(p, s, {}, ()) else None


def refusal(s: ast.stmt, loc: Callable[[ast.AST], Loc]) -> LoopIRError:
    """The error for a `raise` or `assert` after the prologue."""
    what = "a `raise`" if isinstance(s, ast.Raise) else "an `assert`"
    return LoopIRError(loc(s), f"unsupported: {what} after the computation started (only the "
                               f"checks at the top of a function are read, as preconditions)")
