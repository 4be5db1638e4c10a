"""Python expressions that build or fold lists, read as loops hoisted before their statement.

    total = sum(x * x for x in xs if x > 0)     total_1 = 0
                                                for k_2 in range(0, len(xs)):
                                                    x_3 = xs[k_2]
                                                    if x_3 > 0: total_1 = total_1 + x_3 * x_3
                                                total = total_1

`sum`, `min`, `max` (with `default=`), `all` and `any` over a generator expression, a list
comprehension or a list; list comprehensions (nested, with `if` filters), list displays
`[a, b]`, concatenation `a + b`, slices as copies (`xs[1:]`) and `x in xs` (an `any`).
`all`/`any` over one `for` clause leave the loop at the first item that decides (a `Break`,
as Python stops there). `min`/`max` of nothing and no default read an unassigned variable, outside the function's
domain as Python's `ValueError` is. The loops run before the statement holding the expression;
for an operand Python evaluates only conditionally (the right of `and`/`or`, a branch of
`... if ... else ...`) under the same condition; in a `while` condition (evaluated before every
iteration) they are refused.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir.types import BOOL, FLOAT, INT, TensorType

from .python_shapes import (
    Reader,
    check_item_share,
    collect,
    fresh,
    hoist,
    loop,
    read_apart,
    sequence,
)

REDUCTIONS = ("sum", "min", "max", "all", "any")
"""The builtins read as folds when given one iterable."""

_KEYWORDS = {"sum": ("start",), "min": ("default",), "max": ("default",), "all": (), "any": ()}


def generator_loops(r: Reader, node: ast.expr, gens: list[ast.comprehension],
                    inner: Callable[[], list[L.Stmt]]) -> list[L.Stmt]:
    """The nested loops of a comprehension's `for ... if ...` clauses around `inner()`."""
    if not gens:
        return inner()
    g = gens[0]
    if g.is_async:
        raise r.unsupported(node, "an `async for` comprehension")

    def body() -> list[L.Stmt]:
        return collect(r, lambda: _filters(r, g.ifs, lambda: generator_loops(r, node, gens[1:], inner)))
    return loop(r, node, g.target, g.iter, body, renamed=True)


def _filters(r: Reader, ifs: list[ast.expr], rest: Callable[[], list[L.Stmt]]) -> list[L.Stmt]:
    if not ifs:
        return rest()

    def one() -> list[L.Stmt]:
        cond = r.expr(ifs[0])
        then = collect(r, lambda: _filters(r, ifs[1:], rest))
        return [L.If(cond, tuple(then), (), r.loc(ifs[0]))]
    return collect(r, one)


def _as_generator(r: Reader, node: ast.expr) -> tuple[ast.expr, list[ast.comprehension]]:
    """The element and clauses of a generator or comprehension; `xs` itself as `t for t in xs`."""
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return node.elt, node.generators
    item = fresh(r, "item")
    elt = ast.copy_location(ast.Name(item, ast.Load()), node)
    target = ast.copy_location(ast.Name(item, ast.Store()), node)
    return elt, [ast.comprehension(target, node, [], 0)]


def _scalar(r: Reader, v: L.Expr, node: ast.expr, what: str) -> TensorType:
    t = r.type_of(v, node)
    if t.rank:
        raise r.unsupported(node, f"{what} of lists")
    return t


# -- folds ----------------------------------------------------------------------------------------
def reduction(r: Reader, fname: str, node: ast.Call) -> L.Expr | None:
    """`sum(...)`, `min(...)`, ... over one iterable; None for `min(a, b)` (not a fold)."""
    args, kws = node.args, node.keywords
    if fname in ("min", "max") and len(args) >= 2 and not kws:
        return None
    for k in kws:
        if k.arg not in _KEYWORDS[fname]:
            raise r.unsupported(node, f"{fname}(..., {k.arg}=...)")
    extra = {k.arg: k.value for k in kws if k.arg is not None}
    if fname == "sum" and len(args) == 2:
        extra["start"] = args[1]
    elif len(args) != 1:
        raise r.unsupported(node, f"{fname}(...) with {len(args)} arguments")
    if any(isinstance(a, ast.Starred) for a in args):
        raise r.unsupported(node, f"{fname}(*...)")
    elt, gens = _as_generator(r, args[0])
    if fname == "sum":
        return _sum(r, node, elt, gens, extra.get("start"))
    if fname in ("all", "any"):
        return _all_any(r, node, fname, elt, gens)
    return _min_max(r, node, fname, elt, gens, extra.get("default"))


def _sum(r: Reader, node: ast.expr, elt: ast.expr, gens: list[ast.comprehension],
         start_node: ast.expr | None) -> L.Expr:
    loc = r.loc(node)
    acc = fresh(r, "total")
    start: L.Expr = L.Const(0, loc) if start_node is None else r.expr(start_node)
    types = [INT if start_node is None else _scalar(r, start, start_node, "sum")]

    def inner() -> list[L.Stmt]:
        v = r.expr(elt)
        t = _scalar(r, v, elt, "a sum")
        if t == BOOL:
            v, t = L.Cond(v, L.Const(1, loc), L.Const(0, loc), loc), INT
        types.append(t)
        return [L.Assign(L.Name(acc, loc), L.Binary("+", L.Name(acc, loc), v, loc), loc)]
    r.types[acc] = INT
    loops = generator_loops(r, node, gens, inner)
    t = FLOAT if FLOAT in types else INT
    r.types[acc] = t
    if t == FLOAT and isinstance(start, L.Const):
        start = L.Const(float(start.value), loc)
    return hoist(r, node, [L.Decl(acc, t, start, loc), *loops], acc)


def _all_any(r: Reader, node: ast.expr, fname: str, elt: ast.expr,
             gens: list[ast.comprehension]) -> L.Expr:
    loc = r.loc(node)
    acc = fresh(r, fname)
    r.types[acc] = BOOL
    name = L.Name(acc, loc)
    going = name if fname == "all" else L.Unary("not", name, loc)

    def inner() -> list[L.Stmt]:
        pre, v = read_apart(r, elt)
        _scalar(r, v, elt, fname)
        if len(gens) == 1:  # a search: leave the loop at the first item that decides
            found = L.Unary("not", v, loc) if fname == "all" else v
            return [*pre, L.If(found, (L.Assign(name, L.Const(fname == "any", loc), loc),
                                       L.Break(loc)), (), loc)]
        if not pre:  # `acc and v`: v is not evaluated once the answer is known, as in Python
            op = "and" if fname == "all" else "or"
            return [L.Assign(name, L.Binary(op, name, v, loc), loc)]
        return [L.If(going, (*pre, L.Assign(name, v, loc)), (), loc)]
    loops = generator_loops(r, node, gens, inner)
    return hoist(r, node, [L.Decl(acc, BOOL, L.Const(fname == "all", loc), loc), *loops], acc)


def _min_max(r: Reader, node: ast.expr, fname: str, elt: ast.expr,
             gens: list[ast.comprehension], default_node: ast.expr | None) -> L.Expr:
    loc = r.loc(node)
    acc = fresh(r, fname)
    name = L.Name(acc, loc)
    default = None if default_node is None else r.expr(default_node)
    natural = _first_then_rest(r, node, fname, elt, gens) if default is None else None
    if natural is not None:
        return natural
    seen = fresh(r, "seen")
    r.types[seen] = BOOL
    types: list[TensorType] = []

    def inner() -> list[L.Stmt]:
        v = r.expr(elt)
        types.append(_scalar(r, v, elt, fname))
        return [L.If(L.Name(seen, loc), (L.Assign(name, L.Call(fname, (name, v), loc), loc),),
                     (L.Assign(name, v, loc), L.Assign(L.Name(seen, loc), L.Const(True, loc), loc)),
                     loc)]
    r.types[acc] = INT
    loops = generator_loops(r, node, gens, inner)
    t = types[0] if types else INT
    if default is not None and default_node is not None:
        dt = _scalar(r, default, default_node, f"the default of {fname}")
        if dt.elem != t.elem:
            raise r.unsupported(default_node, f"a {dt.elem} default of {fname} over {t.elem} items "
                                "(the result's type would depend on the input)")
    r.types[acc] = t
    decls = [L.Decl(acc, t, default, loc), L.Decl(seen, BOOL, L.Const(False, loc), loc)]
    return hoist(r, node, [*decls, *loops], acc)


def _first_then_rest(r: Reader, node: ast.expr, fname: str, elt: ast.expr,
                     gens: list[ast.comprehension]) -> L.Expr | None:
    """`m = f(xs[0]); for k in 1..: m = max(m, f(xs[k]))` when the items are a list or its
    reverse walked to the end (reading the first item of nothing is outside the domain, as
    Python's `ValueError` is); None for another shape."""
    if len(gens) != 1 or gens[0].ifs or gens[0].is_async:
        return None
    g = gens[0]
    target = g.target
    if not isinstance(target, ast.Name):
        return None
    if isinstance(g.iter, ast.Call) and isinstance(g.iter.func, ast.Name) \
            and g.iter.func.id in ("range", "enumerate", "zip"):
        return None
    s = sequence(r, g.iter)
    loc = r.loc(node)
    if s.base is None:
        return None
    length = L.Len(s.base, loc)
    to_end = (s.step == 1 and s.stop == length) or (
        s.step == -1 and s.stop == L.Const(-1) and s.start == L.Binary("-", length, L.Const(1)))
    if not to_end:
        return None
    acc = fresh(r, fname)
    name = L.Name(acc, loc)
    k = fresh(r, "k")
    r.types[k] = INT
    saved = dict(r.renames)
    try:
        r.renames[target.id] = s.item(s.start, loc)
        first, first_v = read_apart(r, elt)
        t = _scalar(r, first_v, elt, fname)
        r.types[acc] = t
        r.renames[target.id] = s.item(L.Name(k, loc), loc)
        rest = collect(r, lambda: [L.Assign(name, L.Call(fname, (name, r.expr(elt)), loc), loc)])
    finally:
        r.renames = saved
    start = L.Binary("+" if s.step == 1 else "-", s.start, L.Const(1, loc), loc)
    stmts: list[L.Stmt] = [*first, L.Decl(acc, t, first_v, loc),
                           L.For(k, start, s.stop, tuple(rest), s.step, loc)]
    return hoist(r, node, stmts, acc)


# -- lists ----------------------------------------------------------------------------------------
def list_comp(r: Reader, node: ast.ListComp | ast.GeneratorExp) -> L.Expr:
    """`[elt for ...]`: a new list with one append per item."""
    loc = r.loc(node)
    if isinstance(node, ast.GeneratorExp):
        raise r.unsupported(node, "a generator expression outside sum, min, max, all or any")
    acc = fresh(r, "list")
    types: list[TensorType] = []

    def inner() -> list[L.Stmt]:
        v = r.expr(node.elt)
        types.append(r.type_of(v, node.elt))
        check_item_share(r, v, node.elt)
        return [L.Push(L.Name(acc, loc), v, loc)]
    r.types[acc] = TensorType("int", 1)
    loops = generator_loops(r, node, node.generators, inner)
    t = types[0] if types else INT
    if t.rank >= 2:
        raise r.unsupported(node, "a list of rank above 2")
    vt = TensorType(t.elem, t.rank + 1)
    r.types[acc] = vt
    return hoist(r, node, [L.Decl(acc, vt, L.NewVec(vt, None, None, loc), loc), *loops], acc)


def list_display(r: Reader, node: ast.List) -> L.Expr:
    """`[a, b, ...]`: a new list with these items."""
    loc = r.loc(node)
    values = [r.expr(e) for e in node.elts]
    for v, e in zip(values, node.elts, strict=True):
        check_item_share(r, v, e)
    types = {r.type_of(v, e) for v, e in zip(values, node.elts, strict=True)}
    if len(types) != 1:
        raise r.unsupported(node, "a list display whose items have different types")
    t = types.pop()
    if t.rank >= 2:
        raise r.unsupported(node, "a list of rank above 2")
    vt = TensorType(t.elem, t.rank + 1)
    acc = fresh(r, "list")
    r.types[acc] = vt
    pushes = [L.Push(L.Name(acc, loc), v, loc) for v in values]
    return hoist(r, node, [L.Decl(acc, vt, L.NewVec(vt, None, None, loc), loc), *pushes], acc)


def slice_copy(r: Reader, node: ast.Subscript) -> L.Expr:
    """`xs[lo:hi]` as a value: a new list (Python copies the slice)."""
    item = fresh(r, "item")
    comp = ast.copy_location(ast.ListComp(
        ast.copy_location(ast.Name(item, ast.Load()), node),
        [ast.comprehension(ast.copy_location(ast.Name(item, ast.Store()), node), node, [], 0)]),
        node)
    return list_comp(r, comp)


def concat(r: Reader, left: L.Expr, right: L.Expr, node: ast.BinOp) -> L.Expr:
    """`a + b` of two lists: a copy of `a` with the items of `b` appended."""
    loc = r.loc(node)
    lt, rt = r.type_of(left, node.left), r.type_of(right, node.right)
    if lt != rt:
        raise r.unsupported(node, f"`+` of a {lt} and a {rt}")
    if lt.rank >= 2:
        for side, operand in ((left, node.left), (right, node.right)):
            check_item_share(r, L.Index(side, L.Const(0)), operand)
    acc = fresh(r, "concat")
    k = fresh(r, "k")
    r.types[acc], r.types[k] = lt, INT
    name = L.Name(acc, loc)
    stmts: list[L.Stmt] = [L.Decl(acc, lt, left, loc)]
    if isinstance(right, L.NewVec) and right.length is not None and right.fill is not None:
        stmts.append(L.For(k, L.Const(0, loc), right.length,
                           (L.Push(name, right.fill, loc),), 1, loc))
    else:
        base = right
        if not isinstance(right, L.Name | L.Index):
            other = fresh(r, "concat")
            r.types[other] = rt
            stmts.insert(0, L.Decl(other, rt, right, loc))
            base = L.Name(other, loc)
        stmts.append(L.For(k, L.Const(0, loc), L.Len(base, loc),
                           (L.Push(name, L.Index(base, L.Name(k, loc), loc), loc),), 1, loc))
    return hoist(r, node, stmts, acc)


def membership(r: Reader, node: ast.Compare) -> L.Expr:
    """`x in xs` as `any(t == x for t in xs)`; `not in` its negation."""
    item = fresh(r, "item")
    elt = ast.copy_location(ast.Compare(ast.copy_location(ast.Name(item, ast.Load()), node),
                                        [ast.Eq()], [node.left]), node)
    target = ast.copy_location(ast.Name(item, ast.Store()), node)
    found = _all_any(r, node, "any", elt, [ast.comprehension(target, node.comparators[0], [], 0)])
    if isinstance(node.ops[0], ast.NotIn):
        return L.Unary("not", found, r.loc(node))
    return found


def copy(r: Reader, seq: ast.expr, node: ast.expr) -> L.Expr:
    """`list(xs)` and `xs.copy()`: a new list with the items of `xs`."""
    item = fresh(r, "item")
    comp = ast.copy_location(ast.ListComp(
        ast.copy_location(ast.Name(item, ast.Load()), node),
        [ast.comprehension(ast.copy_location(ast.Name(item, ast.Store()), node), seq, [], 0)]),
        node)
    return list_comp(r, comp)
