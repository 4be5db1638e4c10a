"""An infinite seed the first iteration replaces: `min_price = inf` before a loop whose first
iteration sets `min_price = price` (`price < inf` holds) before any arithmetic reads it.

`peel_first_iteration` rewrites such a function, on the inputs where its first top-level loop runs
at least once (`start < stop`, the precondition it returns), into the same function with that
iteration written out before the loop, which then starts one step later. In the peeled iteration
each comparison with an infinity is decided (inputs are finite: the proofs are over the reals, as
for every float), `min`/`max` with one is its other operand or the infinity, and a branch whose
condition is decided is taken; a variable still holding an infinity afterwards gets it back just
before the loop. The rewrite is exact: it is the loop's own first iteration evaluated with the
seed's value. Where the infinity would still meet arithmetic in that iteration, or a branch that
is not decided reads or writes a variable holding it, there is no rewrite (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops as loop_ops
from tensflo.ir.tensir import Term, Var, rewrite
from tensflo.ir.tensir.types import TensIRTypeError

from .build import mk
from .conditions import Context
from .executor import Lifter
from .loop_rewrite import map_exprs
from .results import NotLiftable, Sym

_DECIDED = ("<", ">", "<=", ">=", "==", "!=")


class _Bail(Exception):
    """The first iteration is not evaluated exactly here."""


def peeled_lifter(module: L.Module, fn: L.Function, given: Sequence[Term] = ()) -> Lifter | None:
    """A lifter of `fn` with the first iteration of its first loop peeled, on the inputs where
    that loop runs (`start < stop` joins the precondition, after `given`); None where the
    rewrite does not apply."""
    peeled = peel_first_iteration(fn)
    if peeled is None:
        return None
    function, start, stop = peeled
    lifter = Lifter(module, function)
    lifter.conditions.requires.extend(given)
    env: dict[str, Sym] = {p.name: Var(p.name, p.type) for p in fn.params}
    try:
        runs = mk("lt", lifter.scalar(start, env, Context()), lifter.scalar(stop, env, Context()))
    except (NotLiftable, TensIRTypeError):
        return None
    lifter.conditions.requires.append(rewrite.simplify(runs))
    return lifter


def peel_first_iteration(fn: L.Function) -> tuple[L.Function, L.Expr, L.Expr] | None:
    """`fn` with the first iteration of its first top-level loop peeled (see the module
    docstring), with that loop's start and stop (the rewrite holds where start < stop); None
    when `fn` has no infinite seed before that loop or the rewrite does not apply."""
    k = next((k for k, s in enumerate(fn.body) if isinstance(s, L.For | L.While)), None)
    if k is None:
        return None
    loop = fn.body[k]
    assert isinstance(loop, L.For | L.While)
    changed = {*L.assigned_vars(fn.body[:k]), *L.assigned_vars(loop.body)}
    params = {p.name for p in fn.params} - changed  # the bounds read the arguments as called
    if not isinstance(loop, L.For) or loop.step != 1 or not _over(loop.start, params) \
            or not _over(loop.stop, params) or loop.var in L.assigned_vars(loop.body):
        return None
    known: dict[str, float] = {}
    try:
        before = _walk(fn.body[:k], known)
        if not known:
            return None  # no infinity reaches the loop
        first = map_exprs(loop.body, lambda e: loop.start if e == L.Name(loop.var) else None)
        if any(isinstance(s, L.For | L.While | L.Break | L.Return) for s in L.walk_stmts(tuple(first))):
            return None
        peeled = _walk(first, known)
    except _Bail:
        return None
    seeds = [L.Assign(L.Name(n, loop.loc), L.Const(v, loop.loc), loop.loc) for n, v in known.items()]
    rest = replace(loop, start=L.Binary("+", loop.start, L.Const(1, loop.loc), loop.loc))
    body = (*before, *peeled, *seeds, rest, *fn.body[k + 1:])
    return replace(fn, body=body), loop.start, loop.stop


def _over(e: L.Expr, params: set[str]) -> bool:
    """Whether `e` reads only parameters, and no element (a bound the entry can evaluate)."""
    return all(not isinstance(x, L.Index) and (not isinstance(x, L.Name) or x.id in params)
               for x in L.sub_exprs(e))


def _walk(body: list[L.Stmt] | tuple[L.Stmt, ...], known: dict[str, float]) -> list[L.Stmt]:
    """Straight-line `body` with the infinities in `known` (variable -> value) folded in;
    updates `known`. An assignment of an infinity is kept out (restored before the loop)."""
    out: list[L.Stmt] = []
    for s in body:
        match s:
            case L.Decl(name, _, init) if init is not None:
                v = _fold(init, known)
                known.pop(name, None)
                inf = _inf(v)
                if inf is not None:
                    known[name] = inf
                    out.append(replace(s, init=None))
                else:
                    out.append(replace(s, init=v))
            case L.Assign(L.Name(name), value):
                v = _fold(value, known)
                known.pop(name, None)
                inf = _inf(v)
                if inf is not None:
                    known[name] = inf
                else:
                    out.append(replace(s, value=v))
            case L.If(cond, then, orelse):
                c = _fold(cond, known)
                if isinstance(c, L.Const):
                    out += _walk(then if c.value else orelse, known)
                elif _touches(s, known):
                    raise _Bail()
                else:
                    out.append(replace(s, cond=c))
            case L.Decl() | L.Assign() | L.Push() | L.Check():
                if _touches(s, known):
                    raise _Bail()
                out.append(s)
            case _:
                raise _Bail()
    return out


def _touches(s: L.Stmt, known: dict[str, float]) -> bool:
    """Whether `s` (nested statements included) reads or writes a variable in `known`."""
    if set(L.assigned_vars((s,))) & set(known):
        return True
    return any(isinstance(x, L.Name) and x.id in known
               for st in L.walk_stmts((s,)) for e in L.stmt_exprs(st) for x in L.sub_exprs(e))


def _inf(e: L.Expr) -> float | None:
    """The infinity `e` is, or None."""
    if isinstance(e, L.Const) and isinstance(e.value, float) and math.isinf(e.value):
        return e.value
    return None


def _has_inf(e: L.Expr) -> bool:
    return any(_inf(x) is not None for x in L.sub_exprs(e))


def _fold(e: L.Expr, known: dict[str, float]) -> L.Expr:
    """`e` with `known` substituted, each comparison with an infinity decided and `min`/`max`
    with one resolved; raises `_Bail` where an infinity remains inside another expression."""
    match e:
        case L.Name(n) if n in known:
            return L.Const(known[n], e.loc)
        case L.Binary(op, a, b) if op in _DECIDED:
            fa, fb = _fold(a, known), _fold(b, known)
            if _inf(fa) is None and _inf(fb) is None:
                return replace(e, left=fa, right=fb)
            if _has_inf(fa) and _inf(fa) is None or _has_inf(fb) and _inf(fb) is None:
                raise _Bail()
            # a finite operand (any expression without an infinity) against an infinity
            x = _inf(fa) if _inf(fa) is not None else 0.0
            y = _inf(fb) if _inf(fb) is not None else 0.0
            return L.Const(loop_ops.BINARY[op].evaluate("python", x, y), e.loc)
        case L.Binary(op, a, b) if op in ("and", "or"):
            fa = _fold(a, known)
            if isinstance(fa, L.Const):
                short = loop_ops.BINARY[op].short_circuit
                return L.Const(short, e.loc) if bool(fa.value) == short else _fold(b, known)
            return replace(e, left=fa, right=_fold(b, known))
        case L.Call(f, (a, b)) if f in ("min", "max"):
            fa, fb = _fold(a, known), _fold(b, known)
            for inf_side, other in ((fa, fb), (fb, fa)):
                v = _inf(inf_side)
                if v is not None and not _has_inf(other):
                    keeps_other = (v > 0) == (f == "min")  # min(x, inf) = x, max(x, -inf) = x
                    return other if keeps_other else inf_side
            if _has_inf(fa) or _has_inf(fb):
                raise _Bail()
            return replace(e, args=(fa, fb))
        case L.Cond(c, a, b):
            fc = _fold(c, known)
            if isinstance(fc, L.Const):
                return _fold(a if fc.value else b, known)
            chosen = replace(e, cond=fc, then=_fold(a, known), orelse=_fold(b, known))
            if _has_inf(chosen):
                raise _Bail()
            return chosen
        case L.Unary("-", a):
            fa = _fold(a, known)
            inf = _inf(fa)
            return L.Const(-inf, e.loc) if inf is not None else replace(e, operand=fa)
    if _inf(e) is not None:
        return e
    done = map_exprs([L.Return(e)], lambda x: L.Const(known[x.id], x.loc)
                     if isinstance(x, L.Name) and x.id in known else None)[0]
    assert isinstance(done, L.Return)
    if _has_inf(done.value):
        raise _Bail()
    return done.value
