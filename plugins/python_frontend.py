"""The `python` frontend: reads Python functions over lists and ints into loop IR with `ast`.

Parameters may be annotated (`int`, `float`, `int | float`, `list[int]`, `Sequence[float]`, module
aliases, ...: `python_types`); an unannotated parameter gets its type from how it is used (indexed
twice: a matrix; indexed, `len` or iterated: a vector; otherwise `int`). Either way the type is
checked by the generated code. Input validation at the top of a function (`if c: raise E(...)`,
`assert`, validation helpers) becomes the function's guards (`python_guards`); module-level
statements other than functions, aliases and constants never reject the file. `for x in xs`
reads as a counted loop over `range(len(xs))`.
Python's `//` and `%` floor; `/` is only accepted where an operand is a float. Anything else
(slices, comprehensions other than `[[v] * m for _ in range(n)]`, `break`, generators, classes,
globals other than constants) is a `LoopIRError` at its line and column.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.loop.outputs import pack_name, tuple_types, with_packs
from tensflo.ir.tensir.types import BOOL, FLOAT, INT, TensorType
from tensflo.plugins.hookspecs import hookimpl

from . import python_comprehensions as comprehensions
from . import python_shapes as shapes
from .python_guards import late_checks, read_guards, refusal
from .python_reverse import reversed_return
from .python_types import annotation_type, module_scope, unreadable_use

_OPERATORS = {kind: {node: op.symbol for op in ops.BINARY.values() if op.kind == kind
                     for node in op.python} for kind in ("arithmetic", "comparison", "logical")}
"""The loop-IR symbol of each `ast` operator node: arithmetic (`BinOp`), comparison (`Compare`)
and logical (`BoolOp`)."""
_BINOPS, _CMPOPS, _BOOLOPS = (_OPERATORS[k] for k in ("arithmetic", "comparison", "logical"))
_UNARY = {op.python: op.symbol for op in ops.UNARY.values()}
_BUILTINS = {name: b for b in ops.BUILTINS.values() for name in (b.python, *b.py_names)
             if name is not None}
"""Builtins by the name Python calls them (`len`, `min`, `math.sqrt`, ...)."""
_CALLS = ops.CALLS
"""The builtins loop IR holds as a `Call` (the conversions `float(i)` and `int(x)` among them)."""
_EMPTY = TensorType("int", 1)
"""Type of `[]` until an append says what it holds."""


def parse_python(path: str, text: str) -> L.Module:
    """Read every top-level function of a Python file; unreadable ones are listed as rejected."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        raise LoopIRError(Loc(path, e.lineno or 0, (e.offset or 0)), f"syntax error: {e.msg}") from None
    scope = module_scope(path, tree)
    constants, defs = scope.constants, scope.defs
    signatures = {d.name: d for d in defs}
    functions: list[L.Function] = []
    rejected: list[L.Rejected] = []
    for d in defs:
        try:
            if (unreadable := unreadable_use(path, d, scope)) is not None:
                raise unreadable
            functions.append(_FunctionReader(path, d, constants, signatures, (d.name,),
                                             scope.aliases).read())
        except LoopIRError as e:
            rejected.append(L.Rejected(d.name, e.loc, e.message))
        except Exception as e:  # a bug of the reader loses this function only, not the file
            rejected.append(L.Rejected(
                d.name, _loc(path, d),
                f"the Python reader failed on {d.name}: {type(e).__name__}: {e}", internal=True))
    return with_packs(L.Module(path, "python", tuple(functions), tuple(rejected)))


def _loc(path: str, node: ast.AST) -> Loc:
    return Loc(path, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)


def _param_type(path: str, fn: ast.FunctionDef, a: ast.arg,
                aliases: Mapping[str, ast.expr]) -> TensorType:
    """A parameter's type: its annotation's, or (unannotated) the type its uses give."""
    if a.annotation is None:
        return _usage_type(fn, a.arg)
    t = annotation_type(a.annotation, aliases, path)
    if t is None:
        raise LoopIRError(_loc(path, a.annotation), f"unsupported: the annotation "
                          f"{ast.unparse(a.annotation)} of parameter {a.arg}")
    return t


def _usage_type(fn: ast.FunctionDef, name: str) -> TensorType:
    """The type of an unannotated parameter, from how the body uses it."""
    rank = 0
    for node in ast.walk(fn):
        if isinstance(node, ast.Subscript):
            depth = 0
            base: ast.expr = node
            while isinstance(base, ast.Subscript):
                base, depth = base.value, depth + 1
            if isinstance(base, ast.Name) and base.id == name:
                rank = max(rank, depth)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == ops.LEN.python and node.args \
                and isinstance(node.args[0], ast.Name) and node.args[0].id == name:
            rank = max(rank, 1)
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Name) \
                and node.iter.id == name:
            rank = max(rank, 1)
    return TensorType("int", min(rank, 2))


@dataclass
class _FunctionReader:
    path: str
    fn: ast.FunctionDef
    constants: dict[str, int | float | bool]
    signatures: dict[str, ast.FunctionDef]
    reading: tuple[str, ...] = ()
    aliases: Mapping[str, ast.expr] = field(default_factory=dict)
    """The module's type aliases (`Vector = list[float]`)."""
    counter: ClassVar[int] = 0
    pending: list[L.Stmt] | None = None
    """Statements hoisted from the expressions of the statement being read (`python_shapes`)."""
    renames: dict[str, L.Expr] = field(default_factory=dict)
    guarded: int = 0
    temps: set[str] = field(default_factory=set)

    def read(self) -> L.Function:
        fn = self.fn
        args = fn.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            raise LoopIRError(self.loc(fn), "only plain positional parameters are supported")
        if fn.decorator_list:
            raise LoopIRError(self.loc(fn.decorator_list[0]), "decorators are not supported")
        defaults = [None] * (len(args.args) - len(args.defaults)) + [
            self.default_value(a, d) for a, d in zip(args.args[-len(args.defaults):], args.defaults,
                                                     strict=True)] if args.defaults else []
        params = tuple(L.Param(a.arg, _param_type(self.path, fn, a, self.aliases), self.loc(a),
                               default=defaults[k] if defaults else None)
                       for k, a in enumerate(args.args))
        # two passes: the first learns the element rank of lists built from `[]`
        self.types: dict[str, TensorType] = {p.name: p.type for p in params}
        self.learned: dict[str, TensorType] = {}
        self.unknown: set[str] = set()
        self.returned: list[TensorType] = []
        guards, rest = read_guards(self, fn.body, set(self.types), self.signatures)
        rest = reversed_return(fn, rest)
        self.stmts(rest)
        self.types = {p.name: p.type for p in params}
        self.returned = []
        body = self.stmts(rest)
        result = annotation_type(fn.returns, self.aliases, self.path)
        if result is None:
            if not self.returned:
                raise LoopIRError(self.loc(fn), f"{fn.name} returns no value")
            result = self.returned[0]
        read = L.Function(fn.name, params, result, tuple(body), "python", self.loc(fn), guards)
        tuple_types(read)  # refuses a mix of tuples of different shapes and single values
        return read

    def loc(self, node: ast.AST) -> Loc:
        return _loc(self.path, node)

    def default_value(self, a: ast.arg, node: ast.expr) -> int | float | bool:
        """The default of parameter `a`: an int, float or bool literal (signed), or a module
        constant; anything else is refused."""
        op, value = None, node
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
            op, value = value.op, value.operand
        if isinstance(value, ast.Constant) and isinstance(value.value, int | float) \
                and not isinstance(value.value, complex):
            v = value.value
        elif isinstance(value, ast.Name) and value.id in self.constants \
                and math.isfinite(self.constants[value.id]):
            v = self.constants[value.id]
        else:
            raise self.unsupported(node, f"the default value {ast.unparse(node)} of parameter "
                                         f"{a.arg} (only int, float and bool constants)")
        return v if op is None else -v if isinstance(op, ast.USub) else +v

    def unsupported(self, node: ast.AST, what: str) -> LoopIRError:
        return LoopIRError(self.loc(node), f"unsupported: {what}")

    # -- statements ---------------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt]) -> list[L.Stmt]:
        out: list[L.Stmt] = []
        for s in body:
            out.extend(shapes.collect(self, partial(self.stmt, s)))
        return out

    def stmt(self, s: ast.stmt) -> list[L.Stmt]:
        loc = self.loc(s)
        match s:
            case ast.Expr(ast.Constant(str())):
                return []
            case ast.Pass():
                return []
            case ast.Return(value):
                if value is None:
                    raise self.unsupported(s, "`return` without a value")
                if isinstance(value, ast.Tuple) and not value.elts:
                    raise self.unsupported(s, "returning an empty tuple")
                if isinstance(value, ast.Tuple):  # several outputs (ir.loop.outputs.PACK)
                    items = tuple(self.expr(v) for v in value.elts)
                    types = tuple(self.type_of(e, v) for e, v in zip(items, value.elts, strict=True))
                    self.returned.append(types[0])
                    return [L.Return(L.Call(pack_name(types), items, loc), loc)]
                e = self.expr(value)
                self.returned.append(self.type_of(e, value))
                return [L.Return(e, loc)]
            case ast.Assign([ast.Tuple() as target], value):
                return shapes.tuple_assign(self, target, value, loc)
            case ast.AnnAssign(ast.Name(name) as target, annotation, value) if value is not None \
                    and name not in self.types \
                    and annotation_type(annotation, self.aliases, self.path) == FLOAT:
                # `best: int | float = 0`: a float variable, as the annotation says (it may be
                # assigned floats later); the int value converted as Python would add it to one
                e = self.expr(value)
                return self.assign(target, shapes.as_float(e, self.type_of(e, value), loc), value, loc)
            case ast.Assign([target], value) | ast.AnnAssign(target, _, value) if value is not None:
                return self.assign(target, self.expr(value), value, loc)
            case ast.Assign(targets, value):
                return shapes.chained_assign(self, targets, value, loc)
            case ast.AugAssign(target, op, value):
                current = self.expr(target)
                rhs = self.binop(op, current, self.expr(value), s)
                return self.assign(target, rhs, value, loc)
            case ast.Expr(ast.Call(ast.Attribute(obj, "append"), [arg], [])):
                vector = self.expr(obj)
                if not isinstance(vector, L.Name | L.Index):
                    raise self.unsupported(s, "append to something that is not a variable or element")
                item = self.expr(arg)
                shapes.check_item_share(self, item, arg)
                self.note_append(vector, self.type_of(item, arg))
                return [L.Push(vector, item, loc)]
            case ast.Expr(ast.Call(ast.Attribute(_, "sort" | "reverse" | "extend" | "insert" | "pop"
                                                 | "remove" | "clear" as method))):
                raise self.unsupported(s, f"the list method .{method}() (sorting and reordering "
                                       "in place are not lifted)")
            case ast.For(target, iter_, body, orelse):
                if orelse:
                    raise self.unsupported(s, "`for ... else`")
                return self.for_(s, target, iter_, body)
            case ast.While(cond, body, orelse):
                if orelse:
                    raise self.unsupported(s, "`while ... else`")
                self.guarded += 1  # evaluated before every iteration: nothing hoisted
                try:
                    test = self.expr(cond)
                finally:
                    self.guarded -= 1
                return [L.While(test, tuple(self.stmts(body)), loc)]
            case ast.If(_, [ast.Raise()], []) | ast.Assert() \
                    if (checks := late_checks(self, s, self.signatures)) is not None:
                return [L.Check(g, g.loc) for g in checks]  # a check on the values computed so far
            case ast.If(cond, then, orelse):
                return [L.If(self.expr(cond), tuple(self.stmts(then)), tuple(self.stmts(orelse)), loc)]
            case ast.Break():
                return [L.Break(loc)]
            case ast.Continue():
                raise self.unsupported(s, f"`{type(s).__name__.lower()}`")
            case ast.Raise() | ast.Assert():
                raise refusal(s, self.loc)
        raise self.unsupported(s, f"{type(s).__name__} statement")

    def assign(self, target: ast.expr, value: L.Expr, node: ast.expr, loc: Loc) -> list[L.Stmt]:
        if isinstance(target, ast.Name):
            if target.id in self.constants and target.id not in self.types:
                raise self.unsupported(target, f"assigning the module constant {target.id}")
            t = self.type_of(value, node)
            if t.rank and isinstance(value, L.Name) and value.id not in self.temps:
                raise self.unsupported(node, f"`{target.id} = {value.id}` makes an alias of a list")
            if t.rank:
                shapes.check_share(self, target.id, value, node)
            if target.id in self.types:
                return [L.Assign(L.Name(target.id, self.loc(target)), value, loc)]
            if isinstance(value, L.NewVec) and value.length is None:
                self.unknown.add(target.id)
                if target.id in self.learned:
                    t = self.learned[target.id]
                    value = L.NewVec(t, None, None, value.loc)
            self.types[target.id] = t
            return [L.Decl(target.id, t, value, loc)]
        if isinstance(target, ast.Subscript):
            lhs = self.expr(target)
            assert isinstance(lhs, L.Index)
            return [L.Assign(lhs, value, loc)]
        raise self.unsupported(target, f"assignment to {type(target).__name__}")

    def note_append(self, target: L.Name | L.Index, value_type: TensorType) -> None:
        if isinstance(target, L.Name) and target.id in self.unknown:
            self.unknown.discard(target.id)
            t = TensorType(value_type.elem, value_type.rank + 1)
            self.types[target.id] = t
            self.learned[target.id] = t

    def for_(self, s: ast.For, target: ast.expr, iter_: ast.expr, body: list[ast.stmt]) -> list[L.Stmt]:
        return shapes.loop(self, s, target, iter_, lambda: self.stmts(body), renamed=False)

    # -- expressions --------------------------------------------------------------------------
    def binop(self, op: ast.operator, left: L.Expr, right: L.Expr, node: ast.AST) -> L.Expr:
        loc = self.loc(node)
        if isinstance(op, ast.Div):
            lt, rt = self.type_of(left, node), self.type_of(right, node)
            if lt.elem != "float" and rt.elem != "float":
                raise self.unsupported(node, "`/` on ints makes a float; use `//` for integer division")
            # Python converts the int operand to float first (OverflowError beyond float's range)
            left, right = (shapes.as_float(e, t, loc) for e, t in ((left, lt), (right, rt)))
            return L.Binary("/", left, right, loc)
        if isinstance(op, ast.Add) and isinstance(node, ast.BinOp) \
                and self.type_of(left, node).rank and self.type_of(right, node).rank:
            return comprehensions.concat(self, left, right, node)
        if isinstance(op, ast.Pow):
            if not isinstance(right, L.Const) and self.type_of(right, node) == INT \
                    and self.type_of(left, node).elem in ("int", "float") \
                    and not self.type_of(left, node).rank:
                return L.Call("ipow", (left, right), loc)  # outside k >= 0: refused at run time
            if not (isinstance(right, L.Const) and type(right.value) is int and 0 <= right.value <= 8):
                raise self.unsupported(node, f"the operator Pow in {ast.unparse(node)} (only a constant "
                                             f"exponent 0 to 8 is read, as a product)")
            if right.value == 0:  # x ** 0 is 1 of x's type (0 ** 0 == 1, nan ** 0 == 1.0)
                return L.Const(1.0 if self.type_of(left, node).elem == "float" else 1, loc)
            out = left  # x ** k with a small constant k: k - 1 products
            for _ in range(right.value - 1):
                out = L.Binary("*", out, left, loc)
            return out
        if type(op) not in _BINOPS:
            raise self.unsupported(node, f"the operator {type(op).__name__}")
        return L.Binary(_BINOPS[type(op)], left, right, loc)

    def expr(self, e: ast.expr) -> L.Expr:
        loc = self.loc(e)
        match e:
            case ast.Constant(value) if isinstance(value, bool | int | float):
                return L.Const(value, loc)
            case ast.Constant(None):
                raise self.unsupported(e, "`None` (loop IR has no optional value; a sentinel "
                                       "`None` is not read)")
            case ast.Name(name):
                if name in self.renames:  # a comprehension's variable
                    return self.renames[name]
                if name not in self.types and name in self.constants:
                    return L.Const(self.constants[name], loc)
                if name not in self.types:
                    raise LoopIRError(loc, f"{name} is not defined here")
                return L.Name(name, loc)
            case ast.Subscript(value, ast.Slice()):
                return comprehensions.slice_copy(self, e)
            case ast.Subscript(value, ast.UnaryOp(ast.USub(), ast.Constant(int(k)))) \
                    if k > 0 and all(isinstance(n, ast.Name | ast.Subscript | ast.Constant | ast.UnaryOp
                                                | ast.unaryop | ast.expr_context) for n in ast.walk(value)):
                # Python's x[-k] is x[len(x) - k] (an IndexError when len(x) < k: a precondition)
                length = L.Len(self.expr(value), loc)
                return L.Index(self.expr(value), L.Binary(ops.SUB.symbol, length, L.Const(k, loc), loc), loc)
            case ast.Subscript(value, index):
                return L.Index(self.expr(value), self.expr(index), loc)
            case ast.BinOp(ast.List([elt]), ast.Mult(), n) | ast.BinOp(n, ast.Mult(), ast.List([elt])):
                fill = self.expr(elt)
                ft = self.type_of(fill, elt)
                if ft.rank >= 1:  # Python repeats the one list object: its rows are aliases
                    raise self.unsupported(e, f"{ast.unparse(e)} repeats one list object, so a "
                                           "write to one row changes every row; build the rows "
                                           "apart, e.g. [[0] * m for _ in range(n)]")
                return L.NewVec(TensorType(ft.elem, ft.rank + 1), self.expr(n), fill, loc)
            case ast.BinOp(left, op, right):
                return self.binop(op, self.expr(left), self.expr(right), e)
            case ast.UnaryOp(ast.UAdd(), operand):
                return self.expr(operand)
            case ast.UnaryOp(op, operand) if type(op) in _UNARY:
                inner = self.expr(operand)
                if isinstance(op, ops.NEG.python) and isinstance(inner, L.Const) \
                        and not isinstance(inner.value, bool):
                    return L.Const(-inner.value, loc)  # a negative literal
                return L.Unary(_UNARY[type(op)], inner, loc)
            case ast.BoolOp(boolop, values):
                out = self.expr(values[0])
                for v in values[1:]:
                    hoisted, operand_ir = shapes.read_apart(self, v)  # run only when Python reads v
                    shapes.conditional(self, v, out if isinstance(boolop, ast.And)
                                       else L.Unary("not", out, loc), hoisted)
                    out = L.Binary(_BOOLOPS[type(boolop)], out, operand_ir, loc)
                return out
            case ast.Compare(_, [ast.In() | ast.NotIn()], [_]):
                return comprehensions.membership(self, e)
            case ast.Compare(left, cmpops, comparators):
                parts = []
                prev = self.expr(left)
                for cmpop, c in zip(cmpops, comparators, strict=True):
                    if type(cmpop) not in _CMPOPS:
                        raise self.unsupported(e, f"the comparison {type(cmpop).__name__}")
                    cur = self.expr(c)
                    parts.append(L.Binary(_CMPOPS[type(cmpop)], prev, cur, loc))
                    prev = cur
                out = parts[0]
                for p in parts[1:]:
                    out = L.Binary("and", out, p, loc)
                return out
            case ast.IfExp(cond, then, orelse):
                test = self.expr(cond)
                then_hoisted, yes = shapes.read_apart(self, then)
                else_hoisted, no = shapes.read_apart(self, orelse)
                shapes.conditional(self, e, test, then_hoisted, else_hoisted)
                return L.Cond(test, yes, no, loc)
            case ast.List([]):
                return L.NewVec(_EMPTY, None, None, loc)
            case ast.List():
                return comprehensions.list_display(self, e)
            case ast.ListComp(elt, [ast.comprehension(ast.Name(v), ast.Call(ast.Name("range"), [n]),
                                                      [], 0)]) \
                    if not any(isinstance(x, ast.Name) and x.id == v for x in ast.walk(elt)):
                fill = self.expr(elt)
                ft = self.type_of(fill, elt)
                return L.NewVec(TensorType(ft.elem, ft.rank + 1), self.expr(n), fill, loc)
            case ast.ListComp() | ast.GeneratorExp():
                return comprehensions.list_comp(self, e)
            case ast.Call(ast.Name(fname), _, _) if fname in comprehensions.REDUCTIONS \
                    and (folded := comprehensions.reduction(self, fname, e)) is not None:
                return folded
            case ast.Call(ast.Name("sorted" | "reversed" | "enumerate" | "zip") as f):
                raise self.unsupported(e, f"{f.id}(...) as a value (sorting is not lifted; "
                                       "reversed, enumerate and zip are read as loop iterables)")
            case ast.Call(ast.Name("list"), [seq], []) | ast.Call(ast.Attribute(seq, "copy"), [], []):
                return comprehensions.copy(self, seq, e)
            case ast.Call(ast.Name(fname), args, []):
                return self.call(fname, args, e)
            case ast.Call(ast.Attribute(ast.Name(module), attr), args, []):
                return self.call(f"{module}.{attr}", args, e)  # math.sqrt(x)
        raise self.unsupported(e, f"the expression {ast.unparse(e)!r}")

    def call(self, fname: str, args: list[ast.expr], e: ast.expr) -> L.Expr:
        loc = self.loc(e)
        values = [self.expr(a) for a in args]
        if fname == "math.hypot" and values:  # sqrt of the sum of squares of the floats
            squares = []
            for v, a in zip(values, args, strict=True):
                if (t := self.type_of(v, a)).rank or t.elem == "bool":
                    raise self.unsupported(a, f"math.hypot of a {t}")
                x = shapes.as_float(v, t, loc)
                squares.append(L.Binary("*", x, x, loc))
            total = squares[0]
            for sq in squares[1:]:
                total = L.Binary("+", total, sq, loc)
            return L.Call(ops.SQRT.name, (total,), loc)
        builtin = _BUILTINS.get(fname)
        if builtin is ops.LEN and len(values) == 1:
            return L.Len(values[0], loc)
        if builtin is not None and builtin.variadic and len(values) >= builtin.arity:
            out = values[0]
            for v in values[1:]:
                out = L.Call(builtin.name, (out, v), loc)
            return out
        if builtin is not None and builtin.call and len(values) == builtin.arity:
            out = L.Call(builtin.name, tuple(values), loc)
            if builtin.python_result is not None:  # math.floor returns an int
                out = L.Call(builtin.python_result, (out,), loc)
            return out
        if fname in ("int", "float") and len(values) == 1:
            elem = self.type_of(values[0], e).elem
            if elem == ("int" if fname == "int" else "float"):
                return values[0]
            if elem in ("int", "float"):
                return L.Call((ops.TO_INT if fname == "int" else ops.TO_FLOAT).name, (values[0],), loc)
            raise self.unsupported(e, f"the conversion {fname}(...) of a {elem}")
        if fname in self.signatures:
            callee = self.signatures[fname]
            if len(callee.args.args) != len(values):
                raise LoopIRError(loc, f"{fname} takes {len(callee.args.args)} arguments, "
                                       f"{len(values)} given")
            return L.Call(fname, tuple(values), loc)
        raise self.unsupported(e, f"a call of {fname}")

    def type_of(self, e: L.Expr, node: ast.AST) -> TensorType:
        match e:
            case L.Const(v):
                return BOOL if isinstance(v, bool) else INT if isinstance(v, int) else FLOAT
            case L.Name(name):
                return self.types[name]
            case L.Index(base):
                t = self.type_of(base, node)
                if t.rank == 0:
                    raise LoopIRError(e.loc, "indexing a scalar")
                return TensorType(t.elem, t.rank - 1)
            case L.Binary(op, left, right):
                if ops.BINARY[op].boolean:
                    return BOOL
                lt, rt = self.type_of(left, node), self.type_of(right, node)
                return FLOAT if "float" in (lt.elem, rt.elem) else lt
            case L.Unary(op, operand):
                return BOOL if ops.UNARY[op].boolean else self.type_of(operand, node)
            case L.Cond(_, then, _):
                return self.type_of(then, node)
            case L.Len():
                return INT
            case L.NewVec(t):
                return t
            case L.Call(fname, args):
                if fname in _CALLS:
                    result = _CALLS[fname].result
                    return result if result is not None else self.type_of(args[0], node)
                result = annotation_type(self.signatures[fname].returns, self.aliases, self.path)
                return result if result is not None else _helper_result(self, fname, e.loc)
        raise LoopIRError(getattr(e, "loc", self.loc(node)), "cannot type this expression")


def _helper_result(reader: _FunctionReader, fname: str, loc: Loc) -> TensorType:
    """The result type of an unannotated helper, read from the helper itself."""
    stack = reader.reading
    if fname in stack:
        raise LoopIRError(loc, f"recursion through {fname}")
    helper = _FunctionReader(reader.path, reader.signatures[fname], reader.constants,
                             reader.signatures, (*stack, fname), reader.aliases)
    return helper.read().returns


@dataclass(frozen=True)
class PythonFrontend:
    """Reads Python source with the standard `ast` module."""

    name: ClassVar[str] = "python"
    description: ClassVar[str] = "Python functions over lists and ints (ast)"
    extensions: ClassVar[tuple[str, ...]] = (".py",)

    def parse(self, path: str, text: str) -> L.Module:
        return parse_python(path, text)


@hookimpl
def tensflo_register_frontends() -> list[object]:
    return [PythonFrontend()]
