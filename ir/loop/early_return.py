"""Early returns outside loops, rewritten into the shapes the lifter reads.

A `return` that is not inside a loop ends the function at a point the rest of the body would have
run. The statements after an `if` that may return move into its branches that do not end in a
`return` (`if (c) { A; return v; } B` becomes `if (c) { A; return v; } else { B }`),
recursively, so every such `return` is the last statement of its branch: the lifter selects among
the values (`ite`). In a `void` function the valueless returns (`return;`, written `Return(VOID)`
by the frontends) are then dropped. `split_void_exit` gives the case where a `void` function
leaves every array unchanged, which the multi-output driver lifts apart.

Returns inside loops are left for the early-exit rules (`ir.lifting.early_exit`), except a
`void` function's loop (outside other loops) whose body starts with `if (c) return;`
(`split_loop_returns`): it runs to the first iteration where `c` holds, so it becomes a search for
that iteration, the rest of the body over the iterations before it, and a `return;` when it was
found:

    for (i = lo; i < hi; i++) { if (c) return; B }   ->   int K = lo;
                                                          for (K = lo; K < hi; K++) if (c[K]) break;
                                                          for (i = lo; i < K; i++) B
                                                          if (K < hi) return;

This is the same program only where evaluating every `c` before any `B` changes nothing: `B` has
no `break` or `return`, assigns neither the counter nor a variable read by `c`, `lo` or `hi`, and
`c` calls only builtins; when `c` reads array elements, `B` writes at most one array, the one `c`
reads, and `c` reads it and `B` writes it only at the counter (`x[i]`): an earlier iteration's
write never reaches a later `c`, however the arrays overlap. Loops of another shape keep their
`return;` (the frontend refuses it).

Each rewrite keeps the function's behaviour on every input, so it needs no proof.
"""

from __future__ import annotations

import dataclasses

from tensflo.ir.tensir.types import INT

from . import nodes as L
from . import ops
from .outputs import substitute

VOID = L.Name("return;")
"""The value of a valueless `return;` of a `void` function (never a variable: not an identifier)."""


def is_void_return(s: L.Stmt) -> bool:
    return isinstance(s, L.Return) and s.value == VOID


def lower_early_returns(fn: L.Function) -> L.Function:
    """`fn` without returns outside loops except in tail position (a value function) or at all (a
    `void` function); a `void` function's `return;` inside a loop is split out of the loop where
    `split_loop_returns` can, else it stays (the caller refuses it)."""
    if fn.result is None:
        fn = split_loop_returns(fn)
    if not any(_exits(s) for s in fn.body):
        return fn
    body = _into_branches(fn.body)
    return dataclasses.replace(fn, body=body if fn.result is not None else
                               _without_tail_returns(body))


def loop_returns(fn: L.Function) -> list[L.Return]:
    """The returns left inside loops."""
    return [r for s in L.walk_stmts(fn.body) if isinstance(s, L.For | L.While)
            for r in L.walk_stmts(s.body) if isinstance(r, L.Return)]


# -- functions with a value ---------------------------------------------------------------------
def _exits(s: L.Stmt) -> bool:
    """Whether `s` holds a `return` outside any loop."""
    if isinstance(s, L.Return):
        return True
    if isinstance(s, L.If):
        return any(map(_exits, s.then)) or any(map(_exits, s.orelse))
    return False


def _always_returns(body: tuple[L.Stmt, ...]) -> bool:
    """Whether every path through `body` (outside loops) reaches a `return`."""
    for s in body:
        if isinstance(s, L.Return):
            return True
        if isinstance(s, L.If) and _always_returns(s.then) and _always_returns(s.orelse):
            return True
    return False


def _into_branches(body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """`body` with what follows an `if` that may return moved into its branches."""
    out: list[L.Stmt] = []
    for k, s in enumerate(body):
        if isinstance(s, L.Return):
            out.append(s)
            return tuple(out)  # what follows cannot run
        if isinstance(s, L.If) and _exits(s):
            rest = body[k + 1:]
            out.append(dataclasses.replace(s, then=_branch(s.then, rest),
                                           orelse=_branch(s.orelse, rest)))
            return tuple(out)
        out.append(s)
    return tuple(out)


def _branch(b: tuple[L.Stmt, ...], rest: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    return _into_branches(b if _always_returns(b) else (*b, *rest))


# -- void functions -----------------------------------------------------------------------------
def _without_tail_returns(body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """`body` (returns only in tail position) without its valueless returns."""
    out: list[L.Stmt] = []
    for s in body:
        if is_void_return(s):
            continue
        if isinstance(s, L.If):
            s = dataclasses.replace(s, then=_without_tail_returns(s.then),
                                    orelse=_without_tail_returns(s.orelse))
        out.append(s)
    return tuple(out)


def _safe(e: L.Expr) -> bool:
    """Whether evaluating `e` cannot fail: no element read, division, remainder or call."""
    for x in L.sub_exprs(e):
        if isinstance(x, L.Index | L.Call | L.NewVec | L.Len):
            return False
        if isinstance(x, L.Binary) and x.op in ("/", "%"):
            return False
    return True


# -- the case where a function returns early leaving every array unchanged ----------------------
def split_void_exit(fn: L.Function) -> tuple[L.Expr, L.Expr | None, L.Function] | None:
    """For a function `head; if (c) { A } else { B }` (`void`) or `head; if (c) { A; return v; }
    else { B }` where `head` and `A` write no pointer parameter and `c` (and `v`) read only scalar
    parameters nothing assigns (no element, division or call): `c`, `v` (None for `void`) and the
    function `head; B` with the guard `c` (assumed false). Where `c` holds the source leaves every
    array as it was (and returns `v`), so the function is `head; B` on the other inputs. None when
    the function has another shape."""
    if not fn.body or not isinstance(fn.body[-1], L.If):
        return None
    *head, last = fn.body
    assert isinstance(last, L.If)
    then, value = last.then, None
    if fn.result is not None:
        ret = then[-1] if then else None
        if not isinstance(ret, L.Return):
            return None
        then, value = then[:-1], ret.value
    pointers = {p.name for p in fn.params if p.pointer}
    scalars = {p.name for p in fn.params if not p.pointer} - set(L.assigned_vars(fn.body))
    read = (last.cond,) if value is None else (last.cond, value)
    names = {x.id for e in read for x in L.sub_exprs(e) if isinstance(x, L.Name)}
    early = (*head, *then)
    if not all(map(_safe, read)) or not names <= scalars \
            or set(L.assigned_vars(early)) & pointers \
            or any(isinstance(t, L.Return) for t in L.walk_stmts(early)) \
            or fn.result is None and any(isinstance(t, L.Return) for t in L.walk_stmts(fn.body)):
        return None
    guard = L.Guard(last.cond, "ValueError", last.loc,
                    f"returns early (leaves every array unchanged) when {condition_source(last.cond)}")
    return last.cond, value, dataclasses.replace(fn, body=(*head, *last.orelse),
                                                 guards=(*fn.guards, guard))


def void_exits(fn: L.Function) -> tuple[tuple[tuple[L.Expr, L.Expr | None], ...], L.Function]:
    """`split_void_exit` repeated: each condition under which `fn` returns leaving every array
    unchanged with the value it then returns (None for `void`), in order, and the function it is
    on the other inputs (`fn` itself when there are none)."""
    exits: list[tuple[L.Expr, L.Expr | None]] = []
    while (split := split_void_exit(fn)) is not None:
        exits.append(split[:2])
        fn = split[2]
    return tuple(exits), fn


def condition_source(e: L.Expr, names: dict[str, str] | None = None) -> str:
    """A condition over scalars (no element, division or call) as a Python expression, each
    variable renamed by `names` where given."""
    def src(x: L.Expr) -> str:
        return condition_source(x, names)

    match e:
        case L.Const(value):
            return repr(value)
        case L.Name(name):
            return (names or {}).get(name, name)
        case L.Binary(op, left, right):
            return f"({src(left)} {op} {src(right)})"
        case L.Unary(op, operand):
            return f"(not {src(operand)})" if op == "not" else f"(-{src(operand)})"
        case L.Cond(c, then, orelse):
            return f"({src(then)} if {src(c)} else {src(orelse)})"
    raise ValueError(f"not a condition over scalars: {e!r}")


# -- a `void` function's `return;` at the start of a loop body -----------------------------------
def split_loop_returns(fn: L.Function) -> L.Function:
    """`fn` (`void`) with each loop outside other loops whose body is `if (c) return; B` split
    into a search, `B` up to the iteration found, and a `return;` (see the module docstring)."""
    names = {x.id for s in L.walk_stmts(fn.body) for e in L.stmt_exprs(s) for x in L.sub_exprs(e)
             if isinstance(x, L.Name)} | set(L.assigned_vars(fn.body)) | \
        {s.var for s in L.walk_stmts(fn.body) if isinstance(s, L.For)} | {p.name for p in fn.params}

    def block(body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
        out: list[L.Stmt] = []
        for s in body:
            if isinstance(s, L.If):
                out.append(dataclasses.replace(s, then=block(s.then), orelse=block(s.orelse)))
            elif isinstance(s, L.For) and _splittable(s):
                found = _fresh(f"{s.var}_found", names)
                names.add(found)
                out += _split(s, found)
            else:
                out.append(s)
        return tuple(out)

    body = block(fn.body)
    return fn if body == fn.body else dataclasses.replace(fn, body=body)


def _splittable(s: L.For) -> bool:
    if not s.body or not isinstance(s.body[0], L.If) or s.body[0].orelse or \
            not (len(s.body[0].then) == 1 and is_void_return(s.body[0].then[0])):
        return False
    c, rest = s.body[0].cond, s.body[1:]
    if any(isinstance(t, L.Return | L.Break) for t in L.walk_stmts(rest)):
        return False
    changed = set(L.assigned_vars(rest)) | {t.var for t in L.walk_stmts(rest) if isinstance(t, L.For)}
    read = {x.id for e in (c, s.start, s.stop) for x in L.sub_exprs(e) if isinstance(x, L.Name)}
    elements = [x for x in L.sub_exprs(c) if isinstance(x, L.Index)]
    arrays = {_base(x) for x in elements}
    scalars = read - arrays
    if s.var in changed or scalars & changed or \
            s.var in {x.id for e in (s.start, s.stop) for x in L.sub_exprs(e) if isinstance(x, L.Name)}:
        return False
    if any(isinstance(x, L.Call) and (x.func not in ops.CALLS or x.func == "resize")
           for x in L.sub_exprs(c)):
        return False
    writes = [t for t in L.walk_stmts(rest) if isinstance(t, L.Assign | L.Push)
              and not isinstance(t.target, L.Name)]
    if not elements or not writes:
        return True
    if len(arrays) != 1 or None in arrays:
        return False
    at_counter = L.Index(L.Name(str(next(iter(arrays)))), L.Name(s.var))
    return all(x == at_counter for x in elements) and \
        all(isinstance(t, L.Assign) and t.target == at_counter for t in writes)


def _base(x: L.Expr) -> str | None:
    while isinstance(x, L.Index):
        x = x.base
    return x.id if isinstance(x, L.Name) else None


def _split(s: L.For, found: str) -> list[L.Stmt]:
    """The search (its own counter `found`, declared before it: it keeps its value after the
    loop), `B` up to it, and the `return;`."""
    first = s.body[0]
    assert isinstance(first, L.If)
    at = L.Name(found, s.loc)
    cond = substitute(first.cond, L.Name(s.var), at)
    left = L.Binary("<" if s.step > 0 else ">", at, s.stop, s.loc)
    return [L.Decl(found, INT, s.start, s.loc),
            dataclasses.replace(s, var=found, body=(
                dataclasses.replace(first, cond=cond, then=(L.Break(first.loc),)),)),
            dataclasses.replace(s, stop=at, body=s.body[1:]),
            L.If(left, (L.Return(VOID, first.then[0].loc),), (), first.loc)]


def _fresh(base: str, taken: set[str]) -> str:
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    return name
