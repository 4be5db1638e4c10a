"""Python annotations and module-level statements, as the `python` frontend reads them.

Annotations: `int`, `float`, `bool`, `numbers.Real` / `numbers.Integral`, unions of numbers
(`int | float`, `Union[int, float]`: a float, since Python computes with both), lists of them
(`list[...]`, `List[...]`, `Sequence[...]`, `Iterable[...]`, `tuple[float, ...]`, tuples of one
type such as `tuple[float, float]`, in their `collections.abc` and `typing` spellings, nested up to
a matrix), string annotations and type aliases defined at module level (`Vector = list[float]`). `Optional[...]` and `... | None` are refused: a `None` input is not lifted.

Module level: functions, imports, docstrings, `__all__`, `if __name__ == "__main__":` blocks, type
aliases and constants (a literal, or a constant expression such as `10**9 + 7` or `float("inf")`)
are read; any other statement (a class, a computed global) is skipped and the names it binds are
*unreadable*: a function that uses one is refused naming it and where it is defined, the rest of
the file still lifts.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import BOOL, FLOAT, INT, TensorType

_SCALARS = {"int": INT, "float": FLOAT, "bool": BOOL, "Real": FLOAT, "Integral": INT,
            "Rational": None, "Number": None, "Complex": None, "complex": None}
"""Scalar annotations by their last dotted part (`numbers.Real`); None: refused."""
_SEQUENCES = frozenset({"list", "List", "Sequence", "MutableSequence", "Iterable", "Collection",
                        "Reversible"})
_UNIONS = frozenset({"Union"})
_OPTIONAL = frozenset({"Optional"})
_TYPE_NAMES = frozenset({*_SCALARS, *_SEQUENCES, *_UNIONS, *_OPTIONAL, "tuple", "Tuple", "dict",
                         "Dict", "str", "None", "TypeAlias"})
_OPERATORS: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_MAX_BITS = 4096
"""Largest integer constant read (in bits): `2 ** 10**9` is not computed."""


@dataclass
class ModuleScope:
    """What the module level of a Python file holds for its functions."""

    defs: list[ast.FunctionDef] = field(default_factory=list)
    constants: dict[str, int | float | bool] = field(default_factory=dict)
    aliases: dict[str, ast.expr] = field(default_factory=dict)
    unreadable: dict[str, tuple[Loc, str]] = field(default_factory=dict)
    """Module-level names no function may use: where each is bound and what it is."""


def _loc(path: str, node: ast.AST) -> Loc:
    return Loc(path, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)


def _last(node: ast.expr) -> str | None:
    """`x` of `x`, `numbers.x`, `typing.x`, `collections.abc.x`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def module_scope(path: str, tree: ast.Module) -> ModuleScope:
    """Sort the top-level statements of a file (see the module docstring); never raises."""
    scope = ModuleScope()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            scope.defs.append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    _bind(path, scope, t.id, node.value, node)
                else:
                    for name in _bound_names(ast.Assign([t], node.value)):
                        _unreadable(scope, name, _loc(path, node), "bound by a top-level assignment "
                                                                   "to several names")
        elif isinstance(node, ast.ClassDef | ast.AsyncFunctionDef):
            _unreadable(scope, node.name, _loc(path, node), f"a {_kind(node)}, which is not lifted")
        else:
            for name in _bound_names(node):
                _unreadable(scope, name, _loc(path, node), f"bound by a top-level "
                                                           f"{type(node).__name__} statement")
    for d in scope.defs:  # a global a function rebinds is not a constant
        for sub in ast.walk(d):
            if isinstance(sub, ast.Global):
                for name in sub.names:
                    _unreadable(scope, name, _loc(path, sub), f"a global {d.name} rebinds")
    for d in scope.defs:
        scope.unreadable.pop(d.name, None)
    return scope


def _unreadable(scope: ModuleScope, name: str, loc: Loc, what: str) -> None:
    scope.constants.pop(name, None)
    scope.aliases.pop(name, None)
    scope.unreadable[name] = (loc, what)


def _kind(node: ast.AST) -> str:
    return "class" if isinstance(node, ast.ClassDef) else "coroutine function"


def _bound_names(node: ast.stmt) -> list[str]:
    """Names a statement binds, other than by import (an `if __name__` block binds none here)."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.Expr | ast.Pass):
        return []
    if isinstance(node, ast.If) and _is_main_guard(node.test):
        return []
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.append(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            out.append(sub.name)
    return out


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def _bind(path: str, scope: ModuleScope, name: str, value: ast.expr, node: ast.stmt) -> None:
    scope.constants.pop(name, None)
    scope.aliases.pop(name, None)
    scope.unreadable.pop(name, None)
    if name == "__all__":
        return
    if _looks_like_type(value, scope.aliases):
        scope.aliases[name] = value
        return
    try:
        v = constant_value(value, scope.constants)
    except (ArithmeticError, ValueError, TypeError, KeyError) as e:
        scope.unreadable[name] = (_loc(path, node), f"a module-level value that is not a "
                                                    f"constant ({type(e).__name__}: {e})")
        return
    if v is None:
        scope.unreadable[name] = (_loc(path, node),
                                  f"a module-level value that is not a constant: {ast.unparse(value)}")
    elif isinstance(v, float) and math.isnan(v):
        scope.unreadable[name] = (_loc(path, node), f"the float {v} (TensIR has no literal for "
                                                    f"it)")
    else:
        scope.constants[name] = v


def _looks_like_type(value: ast.expr, aliases: Mapping[str, ast.expr]) -> bool:
    if isinstance(value, ast.Subscript):
        return _last(value.value) in _TYPE_NAMES
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
        return _looks_like_type(value.left, aliases) or _looks_like_type(value.right, aliases)
    name = _last(value)
    return name is not None and (name in aliases or (name in _TYPE_NAMES and name != "None"
                                                     and not isinstance(value, ast.Constant)))


def constant_value(node: ast.expr, constants: Mapping[str, int | float | bool]) -> int | float | bool | None:
    """The value of a constant expression (literals, earlier constants, `+ - * / // % **`,
    `float("inf")`, `math.inf`, `math.pi`, `math.e`); None when it is not one."""
    match node:
        case ast.Constant(value) if isinstance(value, bool | int | float):
            return value
        case ast.Name(name):
            return constants.get(name)
        case ast.Attribute(ast.Name("math"), attr) if attr in ("inf", "pi", "e", "tau", "nan"):
            return float(getattr(math, attr))
        case ast.Call(ast.Name("float"), [ast.Constant(str(text))], []):
            return float(text)
        case ast.Call(ast.Name("float" | "int" as conv), [arg], []):
            inner = constant_value(arg, constants)
            if inner is None:
                return None
            return float(inner) if conv == "float" else int(inner)
        case ast.UnaryOp(ast.USub(), operand):
            inner = constant_value(operand, constants)
            return None if inner is None else -inner
        case ast.UnaryOp(ast.UAdd(), operand):
            return constant_value(operand, constants)
        case ast.BinOp(left, op, right) if type(op) in _OPERATORS:
            a, b = constant_value(left, constants), constant_value(right, constants)
            if a is None or b is None:
                return None
            if isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int) \
                    and b > 0 and abs(a) > 1 and b * max(abs(a).bit_length(), 1) > _MAX_BITS:
                raise ValueError(f"{ast.unparse(node)} is too large to compute")
            out = _OPERATORS[type(op)](a, b)
            return out if isinstance(out, int | float) else None
    return None


def annotation_type(node: ast.expr | None, aliases: Mapping[str, ast.expr], path: str = "<python>",
                    seen: tuple[str, ...] = ()) -> TensorType | None:
    """The type an annotation says; None when it says nothing the loop IR has (a tuple, a
    return type without a value); a `LoopIRError` for a type that is refused (`Optional`)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
        return annotation_type(ast.fix_missing_locations(ast.copy_location(parsed, node)),
                               aliases, path, seen)
    if isinstance(node, ast.Name) and node.id in aliases and node.id not in seen:
        return annotation_type(aliases[node.id], aliases, path, (*seen, node.id))
    members = _union_members(node)
    if members is not None:
        return _union_type(node, members, aliases, path, seen)
    name = _last(node)
    if name in _SCALARS and not isinstance(node, ast.Subscript):
        t = _SCALARS[name]
        if t is None:
            raise LoopIRError(_loc(path, node), f"unsupported: the annotation {ast.unparse(node)} "
                                                f"(only int, float, bool and numbers.Real are read)")
        return t
    if isinstance(node, ast.Subscript) and _last(node.value) in ("tuple", "Tuple") \
            and isinstance(node.slice, ast.Tuple) and node.slice.elts:
        # tuple[float, ...], or a tuple of one type: tuple[float, float]
        items = [e for e in node.slice.elts if not (isinstance(e, ast.Constant) and e.value is Ellipsis)]
        kinds = {annotation_type(e, aliases, path, seen) for e in items}
        if len(kinds) != 1 or len(items) < len(node.slice.elts) - 1 or (
                len(items) < len(node.slice.elts) and len(node.slice.elts) != 2):
            return None
        (inner,) = kinds
        return TensorType(inner.elem, inner.rank + 1) if inner is not None and inner.rank < 2 else None
    if isinstance(node, ast.Subscript) and _last(node.value) in _SEQUENCES:
        inner = annotation_type(node.slice, aliases, path, seen)
        if inner is not None and inner.rank < 2:
            return TensorType(inner.elem, inner.rank + 1)
    return None


def _union_members(node: ast.expr) -> list[ast.expr] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*(_union_members(node.left) or [node.left]), *(_union_members(node.right) or [node.right])]
    if isinstance(node, ast.Subscript) and _last(node.value) in _UNIONS | _OPTIONAL:
        parts = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if _last(node.value) in _OPTIONAL:
            parts.append(ast.Constant(None))
        return parts
    return None


def _union_type(node: ast.expr, members: list[ast.expr], aliases: Mapping[str, ast.expr],
                path: str, seen: tuple[str, ...]) -> TensorType | None:
    if any(isinstance(m, ast.Constant) and m.value is None for m in members):
        raise LoopIRError(_loc(path, node), f"unsupported: the annotation {ast.unparse(node)} "
                                            f"allows None (a None input is not lifted)")
    types = [annotation_type(m, aliases, path, seen) for m in members]
    if any(t is None for t in types) or len({t.rank for t in types if t is not None}) != 1:
        raise LoopIRError(_loc(path, node), f"unsupported: the union {ast.unparse(node)} "
                                            f"(only unions of numbers are read)")
    elems = {t.elem for t in types if t is not None}
    rank = types[0].rank if types[0] is not None else 0
    if elems == {"bool"}:
        return TensorType("bool", rank)
    return TensorType("float" if "float" in elems else "int", rank)


def unreadable_use(path: str, fn: ast.FunctionDef, scope: ModuleScope) -> LoopIRError | None:
    """An error at the first use, in `fn`, of a module-level name that is not read; None if
    there is none (a local or a parameter of the same name hides the global)."""
    local = {a.arg for a in fn.args.args} | {
        n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                and node.id in scope.unreadable and node.id not in local:
            where, what = scope.unreadable[node.id]
            return LoopIRError(_loc(path, node), f"unsupported: {fn.name} uses {node.id}, defined at "
                                                 f"{where.line}:{where.col} as {what}")
    return None
