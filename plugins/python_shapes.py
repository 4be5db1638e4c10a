"""Python iteration shapes read as counted loops of loop IR.

A *sequence* is what a Python `for` walks: `range(a, b, s)` (any constant step but 0), a list,
a slice `xs[lo:hi]` (Python's clamping of the bounds kept exactly), `reversed(...)` of a list,
a slice or a `range` with step 1, and `enumerate(...)` / `zip(...)` of such sequences with step
+-1 (`zip` stops at the shortest). Each becomes one `For` over a counter with the loop targets
bound at the top of its body:

    for i, x in enumerate(a):        for i in range(0, len(a)):
        ...                              x = a[i]; ...
    for x, y in zip(a, b[1:]):       for p in range(0, min(len(a), len(b) - 1)):
        ...                              x = a[0 + p]; y = b[1 + p]; ...

Python evaluates `range(...)` and a slice once, the loop IR evaluates `stop` before every
iteration: a loop whose body rebinds a name its header reads, appends to a list whose `len` it
reads, or changes a sliced list, is refused, as is a body that assigns a `range` counter.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import INT, TensorType


class Reader(Protocol):
    """What the shapes need of the Python function reader."""

    fn: ast.FunctionDef
    types: dict[str, TensorType]
    pending: list[L.Stmt] | None
    """Statements a hoisted expression (a reduction, a comprehension) needs before the
    statement being read."""
    renames: dict[str, L.Expr]
    """A comprehension's variables, by their source name: its counter (a fresh loop-IR name)
    and its items (the element expression, read in place)."""
    guarded: int
    """> 0 while reading a `while` condition (evaluated before every iteration)."""
    temps: set[str]
    """Hoisted results: a list one names is new, read once, so naming it again is no alias."""

    def loc(self, node: ast.AST) -> Loc: ...

    def unsupported(self, node: ast.AST, what: str) -> LoopIRError: ...

    def expr(self, e: ast.expr) -> L.Expr: ...

    def stmts(self, body: list[ast.stmt]) -> list[L.Stmt]: ...

    def type_of(self, e: L.Expr, node: ast.AST) -> TensorType: ...

    def assign(self, target: ast.expr, value: L.Expr, node: ast.expr, loc: Loc) -> list[L.Stmt]: ...


@dataclass(frozen=True)
class Seq:
    """The items of a Python iterable at positions `range(start, stop, step)`: the positions
    themselves (`base` None: a `range`) or `base[position]`."""

    start: L.Expr
    stop: L.Expr
    step: int
    base: L.Expr | None
    type: TensorType
    fixed: bool
    """Python iterates a snapshot (a `range`, a slice), not the live list."""
    node: ast.expr
    column: int | None = None
    """An entry of each item (`for a, b in pairs`: `pairs[k][0]`, `pairs[k][1]`)."""
    affine: tuple[L.Expr, L.Expr] | None = None
    """(a, k): position `p` stands for `a + k * p` (`range(a, b, k)` with a step `k` that is not a
    constant, counted from 0)."""

    def item(self, pos: L.Expr, loc: Loc) -> L.Expr:
        if self.affine is not None:
            pos = L.Binary("+", self.affine[0], L.Binary("*", self.affine[1], pos, loc), loc)
        out = pos if self.base is None else L.Index(self.base, pos, loc)
        return out if self.column is None else L.Index(out, L.Const(self.column, loc), loc)

    def length(self, loc: Loc) -> L.Expr:
        """The number of items when `step` is +-1 (a negative number for none)."""
        if self.step == 1:
            return _sub(self.stop, self.start, loc)
        return _sub(self.start, self.stop, loc)


_COUNTER = [0]


def fresh(r: Reader, hint: str) -> str:
    """A variable name used nowhere in the function."""
    taken = {n.id for n in ast.walk(r.fn) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(
        r.fn) if isinstance(a, ast.arg)}
    while True:
        _COUNTER[0] += 1
        name = f"{hint}_{_COUNTER[0]}"
        if name not in taken and name not in r.types:
            return name


def collect(r: Reader, read: Callable[[], list[L.Stmt]]) -> list[L.Stmt]:
    """`read()`'s statements, preceded by those its expressions hoisted."""
    saved = r.pending
    hoisted: list[L.Stmt] = []
    r.pending = hoisted
    try:
        out = read()
        return [*hoisted, *out]
    finally:
        r.pending = saved


def read_apart(r: Reader, node: ast.expr) -> tuple[list[L.Stmt], L.Expr]:
    """`node` read, and the statements it hoisted (kept apart from the current statement's)."""
    saved = r.pending
    hoisted: list[L.Stmt] = []
    r.pending = hoisted
    try:
        value = r.expr(node)
        return hoisted, value
    finally:
        r.pending = saved


def conditional(r: Reader, node: ast.AST, test: L.Expr, hoisted: list[L.Stmt],
                orelse: list[L.Stmt] | None = None) -> None:
    """Statements hoisted from an operand Python evaluates only when `test` holds (`orelse`:
    those of the operand it evaluates otherwise), run under the same condition."""
    if not hoisted and not orelse:
        return
    if r.pending is None:
        raise r.unsupported(node, f"{_what(node)} outside a statement of the body (in a "
                            "precondition)")
    r.pending.append(L.If(test, tuple(hoisted), tuple(orelse or ()), r.loc(node)))


def hoist(r: Reader, node: ast.AST, stmts: list[L.Stmt], result: str) -> L.Expr:
    """`result`, computed by `stmts` run before the statement being read."""
    if r.guarded:
        raise r.unsupported(node, f"{_what(node)} in a `while` condition (Python evaluates it "
                            "before every iteration)")
    if r.pending is None:
        raise r.unsupported(node, f"{_what(node)} outside a statement of the body (in a "
                            "precondition)")
    r.pending.extend(stmts)
    r.temps.add(result)
    return L.Name(result, r.loc(node))


def _what(node: ast.AST) -> str:
    text = ast.unparse(node)
    return f"`{text if len(text) <= 40 else text[:37] + '...'}`"


def _sub(a: L.Expr, b: L.Expr, loc: Loc) -> L.Expr:
    if isinstance(b, L.Const) and b.value == 0:
        return a
    k = _int_const(b)
    if k is not None and k < 0:
        return _add(a, L.Const(-k, loc), loc)
    if isinstance(a, L.Const) and isinstance(b, L.Const) and isinstance(a.value, int) \
            and isinstance(b.value, int):
        return L.Const(a.value - b.value, loc)
    return L.Binary("-", a, b, loc)


def _add(a: L.Expr, b: L.Expr, loc: Loc) -> L.Expr:
    if isinstance(b, L.Const) and b.value == 0:
        return a
    if isinstance(a, L.Binary) and a.op == "-" and a.right == b:  # (x - c) + c -> x
        return a.left
    if isinstance(a, L.Const) and a.value == 0:
        return b
    if isinstance(b, L.Const) and isinstance(b.value, int) and b.value < 0:
        return _sub(a, L.Const(-b.value, loc), loc)
    return L.Binary("+", a, b, loc)


def _min(values: list[L.Expr], loc: Loc) -> L.Expr:
    out = values[0]
    for v in values[1:]:
        if v != out:
            out = L.Call("min", (out, v), loc)
    return out


def as_float(e: L.Expr, t: TensorType, loc: Loc) -> L.Expr:
    """An int scalar operand of a float operation, converted as Python converts it."""
    if t != INT:
        return e
    k = _int_const(e)
    return L.Const(float(k), loc) if k is not None and abs(k) <= 2**53 else L.Call("to_float", (e,), loc)


def _int_const(e: L.Expr) -> int | None:
    if isinstance(e, L.Const) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return e.value
    return None


# -- sequences ----------------------------------------------------------------------------------
def sequence(r: Reader, node: ast.expr) -> Seq:
    """The sequence a Python iterable denotes; refused when it is none of the shapes above."""
    loc = r.loc(node)
    match node:
        case ast.Call(ast.Name("range"), args, []) if 1 <= len(args) <= 3:
            a = [r.expr(x) for x in args]
            start, stop = (L.Const(0, loc), a[0]) if len(a) == 1 else (a[0], a[1])
            step = 1
            for x, arg in zip(a, args, strict=True):
                if r.type_of(x, arg) != INT:
                    raise r.unsupported(arg, "a range bound that is not an int")
            if len(a) == 3:
                k = _int_const(a[2])
                if k == 0:
                    raise r.unsupported(args[2], "a range step of 0")
                if k is None:  # ceil((b - a) / k) items a + k * p, for either sign of k
                    trips = L.Unary("-", L.Binary("/", _sub(start, stop, loc), a[2], loc), loc)
                    return Seq(L.Const(0, loc), trips, 1, None, INT, True, node, affine=(start, a[2]))
                step = k
            return Seq(start, stop, step, None, INT, True, node)
        case ast.Call(ast.Name("reversed"), [inner], []):
            s = sequence(r, inner)
            if s.step != 1 or s.affine is not None:
                raise r.unsupported(node, "reversed(...) of a sequence whose step is not 1")
            start, stop = _sub(s.stop, L.Const(1, loc), loc), _sub(s.start, L.Const(1, loc), loc)
            return Seq(start, stop, -1, s.base, s.type, s.fixed, node)
        case ast.Subscript(value, ast.Slice(lower, upper, step)):
            if step is not None:
                raise r.unsupported(node, "a slice with a step")
            base = _list_value(r, value)
            t = r.type_of(base, value)
            length = L.Len(base, loc)
            return Seq(_lower(r, lower, length, loc), _upper(r, upper, length, loc), 1, base,
                       TensorType(t.elem, t.rank - 1), True, node)
        case ast.Call(ast.Name("enumerate" | "zip" | "sorted" | "filter" | "map") as f, _, _):
            raise r.unsupported(node, f"{f.id}(...) here (enumerate and zip are read only as the "
                                "iterable of a for loop or a comprehension, sorting is not lifted)")
    base = _list_value(r, node)
    t = r.type_of(base, node)
    return Seq(L.Const(0, loc), L.Len(base, loc), 1, base, TensorType(t.elem, t.rank - 1),
               False, node)


def _list_value(r: Reader, node: ast.expr) -> L.Expr:
    """A list expression as something indexable: a variable or an element, else a new local."""
    e = r.expr(node)
    t = r.type_of(e, node)
    if t.rank == 0:
        raise r.unsupported(node, f"iterating over {_what(node)}, which is not a list")
    if isinstance(e, L.Name | L.Index):
        return e
    name = fresh(r, "seq")
    r.types[name] = t
    return hoist(r, node, [L.Decl(name, t, e, r.loc(node))], name)


def _lower(r: Reader, node: ast.expr | None, length: L.Expr, loc: Loc) -> L.Expr:
    """The first position of `xs[lo:]`: `lo`, counted from the end when negative, at least 0
    (a `lo` beyond the end gives no positions since the last is below `len`)."""
    if node is None:
        return L.Const(0, loc)
    lo = r.expr(node)
    k = _int_const(lo)
    from_end = L.Call("max", (_add(length, lo, loc), L.Const(0, loc)), loc)
    if k is not None:
        return lo if k >= 0 else from_end
    return L.Cond(L.Binary("<", lo, L.Const(0, loc), loc), from_end, lo, loc)


def _upper(r: Reader, node: ast.expr | None, length: L.Expr, loc: Loc) -> L.Expr:
    """The end of `xs[:hi]`: `hi` counted from the end when negative, at most `len(xs)`."""
    if node is None:
        return length
    hi = r.expr(node)
    k = _int_const(hi)
    capped = L.Call("min", (hi, length), loc)
    if k is not None:
        return capped if k >= 0 else _add(length, hi, loc)
    return L.Cond(L.Binary("<", hi, L.Const(0, loc), loc), _add(length, hi, loc), capped, loc)


# -- loops --------------------------------------------------------------------------------------
def loop(r: Reader, node: ast.AST, target: ast.expr, iter_: ast.expr,
         body: Callable[[], list[L.Stmt]], renamed: bool) -> list[L.Stmt]:
    """A loop over `iter_` binding `target` and running `body()`. `renamed`: the targets get
    fresh names (a comprehension's own variables)."""
    loc = r.loc(node)
    names: list[tuple[ast.expr, Seq]]
    offset: tuple[str, L.Expr] | None = None  # enumerate's index target and its start
    match iter_:
        case ast.Call(ast.Name("enumerate"), [inner], keywords) if len(keywords) <= 1:
            if not (isinstance(target, ast.Tuple) and len(target.elts) == 2
                    and isinstance(target.elts[0], ast.Name)):
                raise r.unsupported(target, "an enumerate(...) target that is not `i, x`")
            start: L.Expr = L.Const(0, loc)
            if keywords:
                if keywords[0].arg != "start":
                    raise r.unsupported(iter_, f"enumerate(..., {keywords[0].arg}=...)")
                start = r.expr(keywords[0].value)
            offset = (target.elts[0].id, start)
            names = _zipped(r, target.elts[1], inner)  # `i, (x, y) in enumerate(zip(a, b))`
        case _:
            names = _zipped(r, target, iter_)
    names = [unpacked for t, s in names for unpacked in _unpack(r, t, s)]
    for t, _ in names:
        if not isinstance(t, ast.Name):
            raise r.unsupported(t, f"the loop target {_what(t)} (only names, and `i, x` of "
                                "enumerate or one name per zip(...) argument, are read)")
    seqs = [s for _, s in names]
    if not renamed:
        _check_body(r, node, seqs, [t.id for t, _ in names if isinstance(t, ast.Name)])
    saved = dict(r.renames)
    try:
        return _loop(r, node, [(t.id, s) for t, s in names if isinstance(t, ast.Name)],
                     offset, body, renamed, loc)
    finally:
        r.renames = saved


def _unpack(r: Reader, target: ast.expr, s: Seq) -> list[tuple[ast.expr, Seq]]:
    """`for a, b in rows`: each name bound to its entry of the item, a list. (Python raises
    when an item has another length; loop IR reads the first entries: the same values wherever
    Python gives one.)"""
    if not isinstance(target, ast.Tuple) or s.type.rank == 0 or s.column is not None \
            or not all(isinstance(t, ast.Name) for t in target.elts):
        return [(target, s)]
    entry = TensorType(s.type.elem, s.type.rank - 1)
    return [(t, replace(s, column=j, type=entry)) for j, t in enumerate(target.elts)]


def _zipped(r: Reader, target: ast.expr, iter_: ast.expr) -> list[tuple[ast.expr, Seq]]:
    """The targets of `zip(...)` with their sequences; a single sequence otherwise."""
    match iter_:
        case ast.Call(ast.Name("zip"), args, keywords) if args and not keywords:
            if any(isinstance(a, ast.Starred) for a in args):
                raise r.unsupported(iter_, "zip(*...) (the columns of a matrix)")
            if not (isinstance(target, ast.Tuple) and len(target.elts) == len(args)):
                raise r.unsupported(target, f"a zip(...) target that is not one name per argument "
                                    f"({len(args)})")
            return list(zip(target.elts, [sequence(r, a) for a in args], strict=True))
    return [(target, sequence(r, iter_))]


def _bind(r: Reader, name: str, renamed: bool) -> str:
    if not renamed:
        return name
    new = fresh(r, name)
    r.renames[name] = L.Name(new)
    return new


def _loop(r: Reader, node: ast.AST, names: list[tuple[str, Seq]], offset: tuple[str, L.Expr] | None,
          body: Callable[[], list[L.Stmt]], renamed: bool, loc: Loc) -> list[L.Stmt]:
    seqs = [s for _, s in names]
    binds: list[tuple[str, TensorType, L.Expr]] = []
    one = seqs[0]
    if len(seqs) == 1 or all(s.step == 1 and s.start == one.start for s in seqs):
        # one counter walks the positions of every sequence
        step = one.step
        start, stop = one.start, (one.stop if len(seqs) == 1 else _min([s.stop for s in seqs], loc))
        hint: str | None = None
        if offset is not None and abs(step) != 1:
            raise r.unsupported(node, "enumerate(...) of a sequence whose step is not +-1")
        if offset is not None and start == L.Const(0) and offset[1] == L.Const(0) and step == 1:
            hint = offset[0]
        elif len(seqs) == 1 and one.base is None and offset is None and one.affine is None:
            hint = names[0][0]
        counter = _bind(r, hint, renamed) if hint else fresh(r, "k")
        k = L.Name(counter, loc)
        if offset is not None and hint != offset[0]:
            position = _sub(k, start, loc) if step == 1 else _sub(start, k, loc)
            binds.append((offset[0], INT, _add(position, offset[1], loc)))
        for name, s in names:
            if name != hint:
                binds.append((name, s.type, s.item(k, loc)))
    else:
        # sequences walked from different positions: count items from 0
        if any(abs(s.step) != 1 for s in seqs):
            raise r.unsupported(node, "zip(...) of sequences whose step is not +-1")
        step, start = 1, L.Const(0, loc)
        stop = _min([s.length(loc) for s in seqs], loc)
        counter = fresh(r, "k")
        k = L.Name(counter, loc)
        if offset is not None:
            binds.append((offset[0], INT, _add(k, offset[1], loc)))
        for name, s in names:
            pos = _add(s.start, k, loc) if s.step == 1 else _sub(s.start, k, loc)
            binds.append((name, s.type, s.item(pos, loc)))
    r.types[counter] = INT
    stmts: list[L.Stmt] = []
    for name, t, value in binds:
        if renamed:  # a comprehension's expressions change no list: its items are read in place
            r.renames[name] = value
            continue
        if t.rank:
            check_share(r, name, value, node)
        r.types[name] = t
        stmts.append(L.Decl(name, t, value, loc))
    return [L.For(counter, start, stop, (*stmts, *body()), step, loc)]


def _root(e: ast.expr) -> str | None:
    while isinstance(e, ast.Subscript | ast.Attribute | ast.Starred):
        e = e.value
    return e.id if isinstance(e, ast.Name) else None


def _check_body(r: Reader, node: ast.AST, seqs: list[Seq], targets: list[str]) -> None:
    """Refuse a loop whose body changes what Python evaluated once before it started."""
    if not isinstance(node, ast.For):
        return
    rebound: set[str] = set()
    changed: set[str] = set()  # lists whose elements or length the body changes
    grown: set[str] = set()
    for n in ast.walk(ast.Module(body=node.body, type_ignores=[])):
        match n:
            case ast.Assign(ts) | ast.AugAssign(ts) | ast.AnnAssign(ts) | ast.For(ts):
                for t in ts if isinstance(ts, list) else [ts]:
                    for leaf in (t.elts if isinstance(t, ast.Tuple) else [t]):
                        root = _root(leaf)
                        if root is not None:
                            (rebound if isinstance(leaf, ast.Name) else changed).add(root)
            case ast.Call(ast.Attribute(obj, _)):
                root = _root(obj)
                if root is not None:
                    grown.add(root)
                    changed.add(root)
    for s in seqs:
        header = [s.start, s.stop] if s.base is None else [s.start, s.stop, s.base]
        read = {e.id for h in header for e in L.sub_exprs(h) if isinstance(e, L.Name)}
        sized = {x.id for h in header for e in L.sub_exprs(h) if isinstance(e, L.Len)
                 for x in L.sub_exprs(e.operand) if isinstance(x, L.Name)}
        problem = (read & rebound) | (sized & grown)
        if s.fixed and s.base is not None:
            problem |= {x.id for x in L.sub_exprs(s.base) if isinstance(x, L.Name)} & changed
        problem |= set(targets) & rebound
        if problem:
            name = sorted(problem)[0]
            raise r.unsupported(node, f"a loop over {_what(s.node)} whose body changes {name} "
                                "(Python evaluates the iterable once, before the loop)")


# -- tuple assignment ---------------------------------------------------------------------------
def tuple_assign(r: Reader, target: ast.Tuple, value: ast.expr, loc: Loc) -> list[L.Stmt]:
    """`a, b = e1, e2`: both sides evaluated first, then assigned left to right. An item that
    reads a variable assigned before it (`a, b = b, a + b`) is kept in a temporary."""
    if not isinstance(value, ast.Tuple) or len(value.elts) != len(target.elts):
        raise r.unsupported(value, f"unpacking {_what(value)} into {len(target.elts)} targets "
                            "(only a tuple of as many items is read)")
    if any(isinstance(t, ast.Starred) for t in (*target.elts, *value.elts)):
        raise r.unsupported(target, "a starred item in a tuple assignment")
    values = [r.expr(v) for v in value.elts]
    written: set[str] = set()
    temps: list[L.Stmt] = []
    out: list[L.Stmt] = []
    for t, v, node in zip(target.elts, values, value.elts, strict=True):
        if isinstance(t, ast.Tuple):
            raise r.unsupported(t, "a nested tuple target")
        reads = {x.id for x in L.sub_exprs(v) if isinstance(x, L.Name)}
        if reads & written:
            vt = r.type_of(v, node)
            if vt.rank:
                raise r.unsupported(node, "a tuple assignment that exchanges lists")
            temp = fresh(r, "tmp")
            r.types[temp] = vt
            temps.append(L.Decl(temp, vt, v, loc))
            v = L.Name(temp, loc)
        out.extend(r.assign(t, v, node, loc))
        root = _root(t)
        if root is not None:
            written.add(root)
    return [*temps, *out]


def chained_assign(r: Reader, targets: list[ast.expr], value: ast.expr, loc: Loc) -> list[L.Stmt]:
    """`a = b = e`: `e` evaluated once, then assigned to each target from left to right."""
    v = r.expr(value)
    t = r.type_of(v, value)
    if t.rank:
        raise r.unsupported(value, "a chained assignment of a list (the names would share it)")
    out: list[L.Stmt] = []
    if not isinstance(v, L.Const):
        temp = fresh(r, "tmp")
        r.types[temp] = t
        out.append(L.Decl(temp, t, v, loc))
        v = L.Name(temp, loc)
    for target in targets:
        if isinstance(target, ast.Tuple):
            raise r.unsupported(target, "a tuple target in a chained assignment")
        out.extend(r.assign(target, v, value, loc))
    return out


def _written(fn: ast.FunctionDef) -> Iterator[ast.expr]:
    """Every place the function assigns, element by element of a tuple target; a method call
    `xs.m(...)` as a write of `xs[0]` (it may change `xs` in place)."""
    for n in ast.walk(fn):
        if isinstance(n, ast.Assign):
            yield from (leaf for t in n.targets
                        for leaf in (t.elts if isinstance(t, ast.Tuple) else [t]))
        elif isinstance(n, ast.AugAssign | ast.AnnAssign):
            yield n.target
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            yield ast.Subscript(n.func.value, ast.Constant(0))


def mutated(fn: ast.FunctionDef) -> set[str]:
    """Lists the function changes in place: element assignments and method calls, by root name."""
    out: set[str] = set()
    for t in _written(fn):
        root = _root(t)
        if isinstance(t, ast.Subscript) and root is not None:
            out.add(root)
    return out


def check_share(r: Reader, name: str, value: L.Expr, node: ast.AST) -> None:
    """Refuse binding `name` to a list that is part of another (`row = m[i]`, `for row in m`)
    when either is changed in place: Python shares the list, loop IR copies it."""
    if not isinstance(value, L.Index):
        return
    base: L.Expr = value
    while isinstance(base, L.Index):
        base = base.base
    changed = mutated(r.fn)
    if isinstance(base, L.Name) and (name in changed or base.id in changed):
        raise r.unsupported(node, f"{name} shares a list with {base.id}, and the function changes "
                            f"{name if name in changed else base.id} in place (loop IR copies lists)")


def _deeply_mutated(fn: ast.FunctionDef) -> str | None:
    """A list the function changes inside one of its items (`m[i][j] = v`, `m[i].append(v)`)."""
    for t in _written(fn):
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Subscript):
            return _root(t)
    return None


def check_item_share(r: Reader, value: L.Expr, node: ast.AST) -> None:
    """Refuse putting a list that already exists into another (`out.append(m[i])`, `[row for row
    in m]`, `m[:]` of a matrix) when the function changes some list inside one of its items:
    Python shares the item, loop IR copies it."""
    if not isinstance(value, L.Name | L.Index) or r.type_of(value, node).rank == 0:
        return
    if isinstance(value, L.Name) and value.id in r.temps:
        return
    changed = _deeply_mutated(r.fn)
    if changed is not None:
        raise r.unsupported(node, f"{_what(node)} puts an existing list inside another, and the "
                            f"function changes {changed} inside an item (Python shares the item, "
                            "loop IR copies it)")
