"""Early returns outside loops, rewritten into the shapes the lifter reads.

A `return` that is not inside a loop ends the function at a point the rest of the body would have
run. Two rewrites remove such returns without changing what the function computes:

- a function with a value (`return v;`): the statements after an `if` that may return are moved
  into the branches that do not end in a `return` (`if (c) { A; return v; } B` becomes
  `if (c) { A; return v; } else { B }`), recursively, so every `return` is the last statement of
  its branch and the lifter selects among them (`ite`);
- a `void` function (a valueless `return;`, written `Return(VOID)` by the frontends): every
  `return;` sets a flag, and each statement that may run after one is guarded by the flag not being
  set. Its results are the arrays it writes, which the guards leave as they were once the flag is
  set, as the source does by returning. When the only early return is `if (c) { A; return; }` at
  the top of the body and nothing assigns a variable `c` reads, what follows moves into the else
  branch instead (`split_void_exit` then lifts the two cases apart). Guards go into a `for` loop's body (the loop's bounds are then evaluated
  on every path, so they must be free of element reads, divisions and calls); statements that only
  set local scalars run unguarded (nothing the function returns sees them) when they cannot fail,
  or when they are loops that only read (a failing read there narrows the lifted precondition,
  it never changes a result).

Returns inside loops are left for the early-exit rules (`ir.lifting.early_exit`). Each rewrite
keeps the function's behaviour on every input, so it needs no proof.
"""

from __future__ import annotations

import dataclasses

from tensflo.ir.tensir.types import BOOL

from . import nodes as L

VOID = L.Name("return;")
"""The value of a valueless `return;` of a `void` function (never a variable: not an identifier)."""

FLAG = "returned__"
"""The base name of the flag a `void` function's early returns set."""


def is_void_return(s: L.Stmt) -> bool:
    return isinstance(s, L.Return) and s.value == VOID


def lower_early_returns(fn: L.Function) -> L.Function:
    """`fn` without returns outside loops except in tail position (a value function) or at all (a
    `void` function); a `void` function's `return;` inside a loop stays (the caller refuses it)."""
    if not any(_exits(s) for s in fn.body):
        return fn
    if fn.result is not None:
        return dataclasses.replace(fn, body=_into_branches(fn.body))
    return dataclasses.replace(fn, body=_guarded_function(fn))


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
def _guarded_function(fn: L.Function) -> tuple[L.Stmt, ...]:
    body = fn.body
    early = [k for k, s in enumerate(body) if _exits(s)]
    if len(early) == 1:
        k = early[0]
        s = body[k]
        later = set(L.assigned_vars(body))
        reads = {x.id for x in L.sub_exprs(s.cond) if isinstance(x, L.Name)} \
            if isinstance(s, L.If) else {""}
        if isinstance(s, L.If) and not s.orelse and s.then and is_void_return(s.then[-1]) \
                and not any(_exits(t) for t in s.then[:-1]) and not reads & later:
            return (*body[:k], L.If(s.cond, s.then[:-1], body[k + 1:], s.loc))
    flag = _fresh(fn, FLAG)
    done = L.Name(flag, fn.loc)
    stmts, _ = _flagged(body, done)
    return (L.Decl(flag, BOOL, L.Const(False, fn.loc), fn.loc), *stmts)


def _fresh(fn: L.Function, base: str) -> str:
    used = {p.name for p in fn.params} | set(L.assigned_vars(fn.body))
    name, k = base, 0
    while name in used:
        k += 1
        name = f"{base}{k}"
    return name


def _flagged(body: tuple[L.Stmt, ...], done: L.Name) -> tuple[tuple[L.Stmt, ...], bool]:
    """`body` with each `return;` (outside loops) setting `done` and what may follow one guarded;
    also whether the body may return."""
    out: list[L.Stmt] = []
    may = False
    for s in body:
        if may:
            out.extend(_guard(s, done))
            continue
        if is_void_return(s):
            out.append(L.Assign(done, L.Const(True, s.loc), s.loc))
            may = True
        elif isinstance(s, L.If) and _exits(s):
            then, a = _flagged(s.then, done)
            orelse, b = _flagged(s.orelse, done)
            out.append(dataclasses.replace(s, then=then, orelse=orelse))
            may = a or b
        else:
            out.append(s)
    return tuple(out), may


def _not(e: L.Expr) -> L.Expr:
    return L.Unary("not", e, e.loc)


def _guard(s: L.Stmt, done: L.Expr) -> list[L.Stmt]:
    """`s` run only while `done` is false (as statements with the same effect when it is)."""
    match s:
        case L.Decl(name, type_, init) if init is not None and not _safe(init):
            return [L.Decl(name, type_, None, s.loc),
                    L.If(_not(done), (L.Assign(L.Name(name, s.loc), init, s.loc),), (), s.loc)]
        case L.Decl():
            return [s]
        case L.Assign(L.Name(), value) if _safe(value):
            return [s]
        case L.For(_, start, stop, body) if _safe(start) and _safe(stop):
            if _locals_only(body):
                return [s]
            return [dataclasses.replace(s, body=tuple(g for t in body for g in _guard(t, done)))]
    return [L.If(_not(done), (s,), (), s.loc)]


def _locals_only(body: tuple[L.Stmt, ...]) -> bool:
    """Whether `body` changes only local scalars and ends: no element write, push, `while`,
    `return`, or loop with bounds that may fail. Running it where the source has returned can
    change no result; a read in it that may fail only narrows the lifted precondition."""
    for s in L.walk_stmts(body):
        if isinstance(s, L.While | L.Push | L.Return) or \
                isinstance(s, L.Assign) and not isinstance(s.target, L.Name) or \
                isinstance(s, L.For) and not (_safe(s.start) and _safe(s.stop)):
            return False
    return True


def _safe(e: L.Expr) -> bool:
    """Whether evaluating `e` cannot fail: no element read, division, remainder or call."""
    for x in L.sub_exprs(e):
        if isinstance(x, L.Index | L.Call | L.NewVec | L.Len):
            return False
        if isinstance(x, L.Binary) and x.op in ("/", "%"):
            return False
    return True


# -- the two cases of a void function that may return early ---------------------------------------
def split_void_exit(fn: L.Function) -> tuple[L.Expr, L.Function] | None:
    """For a `void` function `head; if (c) { A } else { B }` where `head` and `A` write no pointer
    parameter and `c` reads only scalar parameters nothing assigns (no element, division or call):
    `c` and the function `head; B` with the guard `c` (assumed false). When `c` holds the source
    leaves every array as it was, so the function is `head; B` on the other inputs. None when the
    function has another shape."""
    if fn.result is not None or not fn.body or not isinstance(fn.body[-1], L.If):
        return None
    *head, last = fn.body
    assert isinstance(last, L.If)
    pointers = {p.name for p in fn.params if p.pointer}
    scalars = {p.name for p in fn.params if not p.pointer} - set(L.assigned_vars(fn.body))
    names = {x.id for x in L.sub_exprs(last.cond) if isinstance(x, L.Name)}
    early = (*head, *last.then)
    if not _safe(last.cond) or not names <= scalars or set(L.assigned_vars(early)) & pointers \
            or any(isinstance(t, L.Return) for t in L.walk_stmts(fn.body)):
        return None
    guard = L.Guard(last.cond, "ValueError", last.loc,
                    f"returns early (leaves every array unchanged) when {condition_source(last.cond)}")
    return last.cond, dataclasses.replace(fn, body=(*head, *last.orelse),
                                          guards=(*fn.guards, guard))


def void_exits(fn: L.Function) -> tuple[tuple[L.Expr, ...], L.Function]:
    """`split_void_exit` repeated: the conditions under which `fn` returns leaving every array
    unchanged, and the function it is on the other inputs (`fn` itself when there are none)."""
    conds: list[L.Expr] = []
    while (split := split_void_exit(fn)) is not None:
        conds.append(split[0])
        fn = split[1]
    return tuple(conds), fn


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
