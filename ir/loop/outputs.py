"""The outputs of a function, each as a single-output loop-IR function the lifter already handles.

A function may have several results: its return value (`return`) and every pointer parameter it
writes (C's `void f(float *y, ...)` updates `y` in place); a Python `return a, b` has one output
per item (`item0`, `item1`: the body returning that item, `PACK`). `derive_outputs` gives one `Output` per result, each with a function
of the same parameters that computes that result alone:

- the return value: the function itself (vectors are values in loop IR, so its writes to pointer
  parameters stay inside it and do not change what it returns);

Derived functions take every parameter by value (`pointer` off) and keep the function's guards
(with the extent read as `len(p)` there too): each has one output. The writes
into other write-only pointers (written, never read) are left out of a derived function: they
change nothing it computes, and their own domain (indices in range, no overflow) is part of the
precondition of their own output, which the result requires too.
- a written pointer `p`: the same body returning the vector `p` where the function returns (and at
  its end), so it computes the new contents of `p` from the old ones (in-place updates read the
  old contents, as in C);
- a written pointer only ever accessed as `*p` (a scalar result through a pointer): the same body
  returning `p[0]`; it needs no extent (the C code touches no other element).

Extents. C cannot observe an array's length: a written `p` is read in a vector model where
`len(p)` is its extent, a scalar `int` parameter `n` the function never assigns (first one
bounding the loop whose counter indexes the writes into `p`, then one bounding any loop;
`extent_candidates`). The derived function reads `len(p)` wherever the source reads `n`. Why this is sound:
take a C call with `n >= 0` on an array `P` of at least `n` elements, and run the derived function
on `p = P[:n]` (so `len(p) == n`) with the other arguments unchanged. Both runs read the same
values step by step (the only difference is `n` against `len(p)`, equal), as long as the derived
run is defined; it is defined only if each access to `p` is at an index in `[0, n)`, where `P` and
`P[:n]` hold the same values. So on every input where the derived function is defined (which is
what its lifted program's precondition promises), the C code touches no element of `P` at `n` or
beyond: the new `P[:n]` is the derived function's result and `P[n:]` is unchanged. The result
therefore requires `n >= 0` and `len(p) >= n`, and computes `p[:n]`. No other parameter is needed
for an extent (reads of read-only pointers get `n <= len(x)` preconditions from the lifter). When
no parameter can be the extent, the function is refused.

A pointer written at positions other than a loop counter (`y[i * incy]`, `c[i * n + j]`) has no
extent: the derived function returns all of `p` (the positions not written keep their values),
and the lifted program's precondition says the positions written are inside `p`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tensflo.ir.tensir.types import INT, TensorType

from . import nodes as L
from .nodes import LoopIRError

RETURN = "return"
"""The name of the output that is the function's return value."""


@dataclass(frozen=True, slots=True)
class Output:
    """One result of a function and a single-output function that computes it."""

    name: str
    """`return`, or the name of the written pointer parameter."""
    function: L.Function
    """Same parameters; returns this output alone (for a pointer: its new contents)."""
    extent: str | None = None
    """For a written pointer `p`: the scalar parameter `n` read as `len(p)` in `function`; the
    output is then `p[:n]`, the elements from `n` on are untouched."""
    element: bool = False
    """For a written pointer `p` only ever accessed as `*p` (`p[0]`): `function` returns the new
    `p[0]` (a scalar), the elements from 1 on are untouched."""
    item: int | None = None
    """For a function returning tuples: the position of this output's item."""


PACK = "tuple:"
"""The prefix of the module function a Python `return a, b` calls, `tuple:int0:float1` (each
item's element type and rank; not an identifier, so no function of a source has it): it packs the
items into a list, so the interpreter runs the source as it is; each item is an output of its own
(`item0`, `item1`, ...). The Python frontend adds these functions to its module (`with_packs`);
listings of a module's functions leave them out (`is_pack`)."""


def is_pack(name: str) -> bool:
    return name.startswith(PACK)


def pack_name(types: tuple[TensorType, ...]) -> str:
    return PACK + ":".join(f"{t.elem}{t.rank}" for t in types)


def pack_function(types: tuple[TensorType, ...], loc: L.Loc) -> L.Function:
    """The module function `pack_name(types)`: its arguments as one list."""
    params = tuple(L.Param(f"item{j}", t, loc) for j, t in enumerate(types))
    out = TensorType(types[0].elem, types[0].rank + 1)
    body: tuple[L.Stmt, ...] = (L.Decl("items", out, L.NewVec(out, loc=loc), loc),
                                *(L.Push(L.Name("items", loc), L.Name(p.name, loc), loc)
                                  for p in params),
                                L.Return(L.Name("items", loc), loc))
    return L.Function(pack_name(types), params, out, body, "python", loc)


def with_packs(module: L.Module) -> L.Module:
    """`module` with the pack function of every tuple shape its functions return (to run them in
    the interpreter)."""
    have = {f.name for f in module.functions}
    packs: list[L.Function] = []
    for f in module.functions:
        try:
            types = tuple_types(f)
        except LoopIRError:
            continue
        if types and pack_name(types) not in have:
            have.add(pack_name(types))
            packs.append(pack_function(types, f.loc))
    return dataclasses.replace(module, functions=(*module.functions, *packs)) if packs else module


def tuple_types(fn: L.Function) -> tuple[TensorType, ...]:
    """The item types of the tuples `fn` returns (`return a, b`), () when it returns no tuple;
    a `LoopIRError` when it returns tuples of different shapes or a tuple and a value."""
    packs = {r.value.func if isinstance(r.value, L.Call) and r.value.func.startswith(PACK)
             else None for r in L.walk_stmts(fn.body) if isinstance(r, L.Return)}
    if packs == {None} or not packs:
        return ()
    if len(packs) > 1:
        raise LoopIRError(fn.loc, f"unsupported: {fn.name} returns tuples of different shapes, or "
                                  "a tuple and a single value")
    name = next(iter(packs))
    assert name is not None
    return tuple(TensorType(item.rstrip("0123456789"), int(item[len(item.rstrip("0123456789")):]))
                 for item in name[len(PACK):].split(":"))


def item_output(fn: L.Function, j: int, type_: TensorType) -> Output:
    """The output `item<j>` of a function returning tuples: the body returning the j-th item."""
    def stmt(s: L.Stmt) -> L.Stmt:
        match s:
            case L.Return(L.Call(_, args)):
                return L.Return(args[j], s.loc)
            case L.For() | L.While():
                return dataclasses.replace(s, body=tuple(map(stmt, s.body)))
            case L.If():
                return dataclasses.replace(s, then=tuple(map(stmt, s.then)),
                                           orelse=tuple(map(stmt, s.orelse)))
        return s

    derived = dataclasses.replace(fn, name=f"{fn.name}__item{j}", result=type_,
                                  body=tuple(map(stmt, fn.body)))
    return Output(f"item{j}", derived, item=j)


def written_pointers(fn: L.Function) -> tuple[str, ...]:
    """The pointer parameters the function writes, in parameter order."""
    written = set(L.assigned_vars(fn.body))
    return tuple(p.name for p in fn.params if p.pointer and p.name in written)


def has_outputs(fn: L.Function) -> bool:
    """Whether the function's results are more than, or other than, its return value (it is
    `void` or writes a pointer parameter): then `derive_outputs` says what they are."""
    return fn.result is None or bool(written_pointers(fn)) or bool(tuple_types(fn))


def extent_candidates(fn: L.Function, p: str | None = None) -> list[str]:
    """Scalar `int` parameters never assigned: for a pointer `p`, first those bounding a loop whose
    counter indexes a write into `p` (`y[j]` in a loop over `j < n` inside one over `i < m`: `n`),
    then those bounding any loop (in order of use), then the others."""
    assigned = set(L.assigned_vars(fn.body))
    scalars = [q.name for q in fn.params if q.type == INT and not q.pointer
               and q.name not in assigned]
    bounds: list[str] = [] if p is None else [n for n in write_bounds(fn.body, p, ())
                                              if n in scalars]
    for s in L.walk_stmts(fn.body):
        exprs = (s.stop,) if isinstance(s, L.For) else (s.cond,) if isinstance(s, L.While) else ()
        for e in exprs:
            for x in L.sub_exprs(e):
                if isinstance(x, L.Name) and x.id in scalars and x.id not in bounds:
                    bounds.append(x.id)
    return bounds + [n for n in scalars if n not in bounds]


def write_bounds(body: tuple[L.Stmt, ...], p: str, loops: tuple[L.For, ...]) -> list[str]:
    """The variables in the bounds of the loop whose counter indexes each write `p[e]` in `body`
    (the innermost loop among `loops` and those in `body` with its counter in `e`), in order of
    the writes, without repeats; a write indexed by no counter adds none."""
    out: list[str] = []
    for s in body:
        if isinstance(s, L.Assign | L.Push) and isinstance(s.target, L.Index) and \
                s.target.base == L.Name(p):
            used = {x.id for x in L.sub_exprs(s.target.index) if isinstance(x, L.Name)}
            loop = next((f for f in reversed(loops) if f.var in used), None)
            if loop is not None:
                ends = (loop.stop, loop.start) if loop.step > 0 else (loop.start, loop.stop)
                out += [x.id for e in ends for x in L.sub_exprs(e) if isinstance(x, L.Name)]
        inner: tuple[tuple[tuple[L.Stmt, ...], tuple[L.For, ...]], ...] = ()
        if isinstance(s, L.For):
            inner = ((s.body, (*loops, s)),)
        elif isinstance(s, L.While):
            inner = ((s.body, loops),)
        elif isinstance(s, L.If):
            inner = ((s.then, loops), (s.orelse, loops))
        for b, ls in inner:
            out += write_bounds(b, p, ls)
    return list(dict.fromkeys(out))


def derive_outputs(fn: L.Function) -> tuple[Output, ...]:
    """The outputs of `fn`: the return value first (when not `void`), then each written pointer
    parameter in parameter order; a `LoopIRError` when a written pointer has no extent."""
    items = tuple_types(fn)
    if items:
        return tuple(item_output(fn, j, t) for j, t in enumerate(items))
    outputs: list[Output] = []
    if fn.result is not None:
        unseen = {q for q in written_pointers(fn) if _writes_unseen(fn, q)}
        outputs.append(Output(RETURN, dataclasses.replace(
            fn, name=f"{fn.name}__{RETURN}", params=_by_value(fn.params),
            body=_drop_writes(fn.body, set(write_only(fn)) | unseen))))
    for p in written_pointers(fn):
        outputs.append(pointer_output(fn, p))
    return tuple(outputs)


def pointer_output(fn: L.Function, p: str) -> Output:
    """The output of the written pointer `p`: the body with its extent read as `len(p)`,
    returning `p` (see the module docstring)."""
    param = next(q for q in fn.params if q.name == p)
    others = set(write_only(fn)) - {p}
    if _only_first(fn, p):  # `*p` read and written as a local scalar, seeded with `*p`
        first = L.Index(L.Name(p, param.loc), L.Const(0, param.loc), param.loc)
        local = L.Name(f"{p}__0", param.loc)
        elem = TensorType(param.type.elem)
        body = (L.Decl(local.id, elem, first, param.loc),
                *(_subst_stmt(s, first, local) for s in _drop_writes(fn.body, others)))
        derived = dataclasses.replace(fn, name=f"{fn.name}__{p}", params=_by_value(fn.params),
                                      result=elem, body=_returning(body, local))
        return Output(p, derived, None, element=True)
    if not written_at_counters(fn, p):  # y[i * inc], c[i * n + j]: the whole array is the output
        body = _returning(_drop_writes(fn.body, others), L.Name(p, fn.loc))
        derived = dataclasses.replace(fn, name=f"{fn.name}__{p}", params=_by_value(fn.params),
                                      result=TensorType(param.type.elem, 1), body=body)
        return Output(p, derived)
    used = {x.id for s in L.walk_stmts(fn.body) for e in L.stmt_exprs(s)
            for x in L.sub_exprs(e) if isinstance(x, L.Name)}
    candidates = [n for n in extent_candidates(fn, p) if n in used]
    if not candidates:
        raise LoopIRError(param.loc, f"unsupported: no parameter gives the extent of the written "
                                     f"pointer {p} (an int parameter that is never assigned, read "
                                     "as its length)")
    n = candidates[0]
    length = L.Len(L.Name(p, param.loc), param.loc)
    kept = _drop_writes(fn.body, others)
    if _read_in_loop_writing(kept, n, p):  # a local `p__len = len(p)`: the loop keeps len(p),
        local = L.Name(f"{p}__len", param.loc)  # but the lifter reads its state's length there
        kept = (L.Decl(local.id, INT, length, param.loc),
                *(_subst_stmt(s, L.Name(n), local) for s in kept))
    else:
        kept = tuple(_subst_stmt(s, L.Name(n), length) for s in kept)
    body = _returning(kept, L.Name(p, fn.loc))
    guards = tuple(dataclasses.replace(g, fails=substitute(g.fails, L.Name(n), length))
                   for g in fn.guards)
    derived = dataclasses.replace(fn, name=f"{fn.name}__{p}", params=_by_value(fn.params),
                                  result=TensorType(param.type.elem, 1), body=body, guards=guards)
    return Output(p, derived, n)


def _read_in_loop_writing(body: tuple[L.Stmt, ...], n: str, p: str) -> bool:
    """Whether a loop in `body` that writes `p` reads `n` (in a nested loop's bounds, say)."""
    return any(isinstance(s, L.For | L.While) and p in L.assigned_vars(s.body) and
               any(x == L.Name(n) for t in L.walk_stmts(s.body) for e in L.stmt_exprs(t)
                   for x in L.sub_exprs(e))
               for s in L.walk_stmts(body))


def written_at_counters(fn: L.Function, p: str) -> bool:
    """Whether the writes into the pointer `p` are read with an extent: each is `p[i]` with `i` a
    loop counter, one is outside every loop, or one is at a variable a loop changes (`p[k++]`).
    Else every write is in a loop at a position made of counters and values no loop changes
    (`y[i * incy]`, `c[i * n + j]`), and the output is all of `p`: the lifted program says which
    positions change, its precondition that they are inside `p`."""
    def writes(body: tuple[L.Stmt, ...]) -> list[L.Index]:
        return [s.target for s in L.walk_stmts(body) if isinstance(s, L.Assign | L.Push)
                and isinstance(s.target, L.Index) and s.target.base == L.Name(p)]

    loops = [s for s in L.walk_stmts(fn.body) if isinstance(s, L.For)]
    counters = {s.var for s in loops}
    changing = {v for s in loops for v in L.assigned_vars(s.body)
                if v not in constant_steps(s.body)} - counters
    in_loops = [t for s in loops for t in writes(s.body)]
    everywhere = writes(fn.body)
    return {id(t) for t in in_loops} != {id(t) for t in everywhere} or \
        all(isinstance(t.index, L.Name) and t.index.id in counters for t in everywhere) or \
        any(isinstance(x, L.Name) and x.id in changing for t in everywhere
            for x in L.sub_exprs(t.index))


def constant_steps(body: tuple[L.Stmt, ...]) -> dict[str, list[tuple[int, int]]]:
    """Variables a loop body changes only by `k = k + c` (`c` an int constant, `k++`) at its top
    level: per variable, the position of each such statement in `body` and its `c`. Their value
    at every statement is an affine function of the iteration (a counter stepped several times)."""
    steps: dict[str, list[tuple[int, int]]] = {}
    other: set[str] = set()
    for p, st in enumerate(body):
        if isinstance(st, L.Assign) and isinstance(st.target, L.Name):
            k, v = st.target.id, st.value
            if isinstance(v, L.Binary) and v.op in ("+", "-") and v.left == L.Name(k) and \
                    isinstance(v.right, L.Const) and type(v.right.value) is int:
                steps.setdefault(k, []).append((p, v.right.value if v.op == "+" else -v.right.value))
                continue
        other |= set(L.assigned_vars((st,)))
    return {k: v for k, v in steps.items() if k not in other}


def write_only(fn: L.Function) -> tuple[str, ...]:
    """Written pointer parameters whose elements the function never reads."""
    read: set[str] = set()
    for s in L.walk_stmts(fn.body):
        exprs: tuple[L.Expr, ...] = L.stmt_exprs(s)
        if isinstance(s, L.Assign | L.Push):
            target: L.Expr = s.target
            exprs = (s.value,)
            while isinstance(target, L.Index):
                exprs += (target.index,)
                target = target.base
        read |= {x.id for e in exprs for x in L.sub_exprs(e) if isinstance(x, L.Name)}
    return tuple(p for p in written_pointers(fn) if p not in read)


def _writes_unseen(fn: L.Function, q: str) -> bool:
    """Whether no read of the pointer `q` ever sees a value the function wrote into it, so the
    writes cannot change the return value: they are all `q[i] = ...` in one top-level `for` over
    `i` (not inside a nested loop, `i` never assigned), no statement after that loop touches `q`,
    and inside it every access is `q[i]` with each iteration's reads before its writes (iterations
    touch distinct elements)."""
    def touches(s: L.Stmt) -> bool:
        return any(isinstance(x, L.Name) and x.id == q for t in L.walk_stmts((s,))
                   for e in L.stmt_exprs(t) for x in L.sub_exprs(e))

    loops = [k for k, s in enumerate(fn.body) if q in L.assigned_vars((s,))]
    if len(loops) != 1 or not isinstance(fn.body[loops[0]], L.For):
        return False
    k = loops[0]
    loop = fn.body[k]
    assert isinstance(loop, L.For)
    if any(touches(s) for s in fn.body[k + 1:]) or loop.var in L.assigned_vars(loop.body) \
            or any(x == L.Name(q) for e in (loop.start, loop.stop) for x in L.sub_exprs(e)):
        return False
    at = L.Index(L.Name(q), L.Name(loop.var))
    written = False

    def reads(e: L.Expr) -> bool:  # every access at the counter; True if one reads q
        found = [x for x in L.sub_exprs(e) if isinstance(x, L.Index) and x.base == L.Name(q)]
        bare = sum(1 for x in L.sub_exprs(e) if x == L.Name(q))
        if len(found) != bare or any(x != at for x in found):
            raise ValueError(q)
        return bool(found)

    def visit(body: tuple[L.Stmt, ...]) -> bool:
        nonlocal written
        for s in body:
            if isinstance(s, L.For | L.While) and touches(s):
                return False
            exprs: tuple[L.Expr, ...] = L.stmt_exprs(s)
            if isinstance(s, L.Assign | L.Push):
                target: L.Expr = s.target
                exprs = (s.value, *(t.index for t in _indices(target)))
                if any(reads(e) for e in exprs) and written:
                    return False
                idx = _indices(target)
                if idx and idx[-1].base == L.Name(q):
                    if target != at:
                        return False
                    written = True
                continue
            if any(reads(e) for e in exprs) and written:
                return False
            if isinstance(s, L.If) and not (visit(s.then) and visit(s.orelse)):
                return False
        return True

    try:
        return visit(loop.body)
    except ValueError:
        return False


def _indices(t: L.Expr) -> list[L.Index]:
    out = []
    while isinstance(t, L.Index):
        out.append(t)
        t = t.base
    return out


def _drop_writes(body: tuple[L.Stmt, ...], dropped: set[str]) -> tuple[L.Stmt, ...]:
    """`body` without the writes into the pointers `dropped` (write-only ones, other outputs):
    they change nothing else, and their own domain is in the precondition of their output."""
    def base(t: L.Expr) -> str | None:
        while isinstance(t, L.Index):
            t = t.base
        return t.id if isinstance(t, L.Name) else None

    out: list[L.Stmt] = []
    for s in body:
        if isinstance(s, L.Assign | L.Push) and base(s.target) in dropped:
            continue
        if isinstance(s, L.For | L.While):
            s = dataclasses.replace(s, body=_drop_writes(s.body, dropped))
        elif isinstance(s, L.If):
            s = dataclasses.replace(s, then=_drop_writes(s.then, dropped),
                                    orelse=_drop_writes(s.orelse, dropped))
        out.append(s)
    return tuple(out)


def _only_first(fn: L.Function, p: str) -> bool:
    """Whether every access to the pointer `p` is `*p` or `p[0]` (a scalar output through it)."""
    bases = [e for s in L.walk_stmts(fn.body) for top in L.stmt_exprs(s)
             for e in L.sub_exprs(top) if isinstance(e, L.Index) and e.base == L.Name(p)]
    names = sum(1 for s in L.walk_stmts(fn.body) for top in L.stmt_exprs(s)
                for e in L.sub_exprs(top) if e == L.Name(p))
    return bool(bases) and len(bases) == names and all(e.index == L.Const(0) for e in bases)


def _by_value(params: tuple[L.Param, ...]) -> tuple[L.Param, ...]:
    """The parameters as vectors passed by value (a derived function has one output)."""
    return tuple(dataclasses.replace(q, pointer=False) for q in params)


def _returning(body: tuple[L.Stmt, ...], value: L.Expr) -> tuple[L.Stmt, ...]:
    """`body` returning `value` wherever it returns, and at its end."""
    def stmt(s: L.Stmt) -> L.Stmt:
        match s:
            case L.Return():
                return L.Return(value, s.loc)
            case L.For() | L.While():
                return dataclasses.replace(s, body=tuple(map(stmt, s.body)))
            case L.If():
                return dataclasses.replace(s, then=tuple(map(stmt, s.then)),
                                           orelse=tuple(map(stmt, s.orelse)))
        return s

    out = tuple(map(stmt, body))
    if out and isinstance(out[-1], L.Return):
        return out
    return (*out, L.Return(value, value.loc))


def substitute_stmt(s: L.Stmt, n: L.Expr, by: L.Expr) -> L.Stmt:
    """`s` with every occurrence of the expression `n` replaced by `by` (see `substitute`)."""
    return _subst_stmt(s, n, by)


def _subst_stmt(s: L.Stmt, n: L.Expr, by: L.Expr) -> L.Stmt:
    def e(x: L.Expr) -> L.Expr:
        return substitute(x, n, by)

    def block(b: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
        return tuple(_subst_stmt(t, n, by) for t in b)

    match s:
        case L.Decl(_, _, init):
            return dataclasses.replace(s, init=None if init is None else e(init))
        case L.Assign(target, value) | L.Push(target, value):
            t = e(target)
            assert isinstance(t, L.Name | L.Index)
            return dataclasses.replace(s, target=t, value=e(value))
        case L.For(_, start, stop, body):
            return dataclasses.replace(s, start=e(start), stop=e(stop), body=block(body))
        case L.While(cond, body):
            return dataclasses.replace(s, cond=e(cond), body=block(body))
        case L.If(cond, then, orelse):
            return dataclasses.replace(s, cond=e(cond), then=block(then), orelse=block(orelse))
        case L.Return(value):
            return dataclasses.replace(s, value=e(value))
        case L.Break():
            return s
        case L.Check(guard):
            return dataclasses.replace(s, guard=dataclasses.replace(guard, fails=e(guard.fails)))
    raise TypeError(f"unknown statement {s!r}")


def substitute(x: L.Expr, n: L.Expr, by: L.Expr) -> L.Expr:
    """`x` with every occurrence of the expression `n` (a variable, an element) replaced by `by`."""
    def e(y: L.Expr) -> L.Expr:
        return substitute(y, n, by)

    if x == n:
        return by
    match x:
        case L.Name() | L.Const():
            return x
        case L.Index(base, index):
            return dataclasses.replace(x, base=e(base), index=e(index))
        case L.Binary(_, left, right):
            return dataclasses.replace(x, left=e(left), right=e(right))
        case L.Unary(_, operand):
            return dataclasses.replace(x, operand=e(operand))
        case L.Len(operand):
            return dataclasses.replace(x, operand=e(operand))
        case L.Cond(c, t, o):
            return dataclasses.replace(x, cond=e(c), then=e(t), orelse=e(o))
        case L.Call(_, args):
            return dataclasses.replace(x, args=tuple(map(e, args)))
        case L.NewVec(_, length, fill):
            return dataclasses.replace(x, length=None if length is None else e(length),
                                       fill=None if fill is None else e(fill))
    raise TypeError(f"unknown expression {x!r}")
