"""Non-finite seeds: `smallest = float("inf")` before a loop that lowers it (`largest = -inf`
before one that raises it).

TensIR has no infinity (proofs are over the reals), so `inf` is lifted as a fresh real variable
`INF` that every obligation quantifies over: the program is proven equal to the source for every
finite seed. A seed that is the identity of its fold is then observable only when the fold is
empty: `reduce_max(append(V, -INF))` (a maximum from `-inf`, or a minimum from `inf` written on
negated values) is `reduce_max(V)` when `len(V) >= 1`, which becomes part of the precondition
of the program; the empty input, where every loop runs zero times and the source returns the seed,
is answered at the generated entry (`zero_trip`). Any other use of `INF` left in the program is
refused, and so is a source that computes with the constant other than by comparing it, taking a
`min`/`max` with it or copying it (where IEEE arithmetic on an infinity, `inf * 0`, would differ
from every finite seed), unless the loop's first iteration replaces the seed before any arithmetic
reads it (`peel_seed`: that iteration is then written out before the loop).
"""

from __future__ import annotations

import math
from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars
from tensflo.ir.tensir.types import FLOAT, INT, TensorType

from .build import ONE, mk
from .results import NotLiftable

INF = Var("inf seed", FLOAT)
"""The variable standing for `float("inf")` while lifting (its name is no Python name)."""
INT_INF = Var("int inf seed", INT)
"""The same among ints: a seed stored where only ints meet it (`int_seed_variant`). Proven for
every int seed, the program holds for one below (above) every input, as for the infinity."""
SEEDS = (INF, INT_INF)

_COMPARISONS = ("<", ">", "<=", ">=")
_EXTREMA = ("max", "min")


def seed_term(number: float, want: TensorType | None = None) -> Term:
    """The term of a non-finite constant: `INF` or `-INF` (NaN is never read); `INT_INF` where
    it is stored in an int variable."""
    assert math.isinf(number)
    seed = INT_INF if want is not None and want.elem == "int" else INF
    return seed if number > 0 else mk("neg", seed)


def _has_seed(t: Term) -> bool:
    return any(v in SEEDS for v in free_vars(t))


def without_seeds(fn: L.Function, result: Term, requires: list[Term]) -> Term:
    """`result` with each identity seed of a fold removed (its precondition appended to
    `requires`); raises `NotLiftable` where the infinity is used otherwise."""
    if not _has_seed(result) and not any(_has_seed(r) for r in requires):
        return result
    _check_uses(fn)
    out = _drop(result, requires)
    if _has_seed(out) or any(_has_seed(r) for r in requires):
        raise NotLiftable(fn.loc, "the infinity is used other than as the first value of a "
                                  "maximum or minimum (TensIR has no infinity)")
    return out


def _drop(t: Term, requires: list[Term]) -> Term:
    # reduce_max(append(V, -INF)) -> reduce_max(V), given 1 <= len(V)
    if isinstance(t, App) and t.op.name == "reduce_max":
        (inner,) = t.args
        if isinstance(inner, App) and inner.op.name == "append" and \
                inner.args[1] in (mk("neg", INF), mk("neg", INT_INF)):
            vec = inner.args[0]
            assert isinstance(vec, Term)
            if not _has_seed(vec):
                requires.append(mk("le", ONE, mk("len", vec)))
                return mk("reduce_max", vec)
    if isinstance(t, App):
        return App(t.op, tuple(a if isinstance(a, Lambda) else _drop(a, requires) for a in t.args))
    return t


def int_against_infinity(fn: L.Function) -> NotLiftable | None:
    """The refusal of a comparison (or `min`/`max`) of an int with a variable that may hold an
    infinity, or None: CPython compares an int with a float exactly, TensIR compares values of
    one element type, and converting the int to float is inexact beyond 2**53."""
    carriers = _carriers(fn)
    if not carriers:
        return None
    types = {p.name: p.type.elem for p in fn.params if p.type.is_scalar}
    vectors = {p.name: p.type.elem for p in fn.params if not p.type.is_scalar}
    for st in L.walk_stmts(fn.body):
        if isinstance(st, L.Decl) and st.type.is_scalar:
            types.setdefault(st.name, st.type.elem)
        if isinstance(st, L.For):
            types.setdefault(st.var, "int")
    for st in L.walk_stmts(fn.body):
        for e in L.stmt_values(st):
            for x in L.sub_exprs(e):
                pair = (x.left, x.right) if isinstance(x, L.Binary) and x.op in _COMPARISONS \
                    else x.args if isinstance(x, L.Call) and x.func in _EXTREMA else ()
                for a, b in (pair, pair[::-1]) if len(pair) == 2 else ():
                    if isinstance(a, L.Name) and a.id in carriers and \
                            _elem(b, types, vectors) == "int":
                        return NotLiftable(x.loc, f"an int compared with {a.id}, a float only "
                                                  f"because it starts at an infinity: CPython "
                                                  f"compares an int with a float exactly, TensIR "
                                                  f"only values of one element type (an int "
                                                  f"converted to float is inexact beyond 2**53)")
    return None


def _elem(e: L.Expr, types: dict[str, str], vectors: dict[str, str]) -> str | None:
    """The element type of `e` where the declarations say it, else None."""
    match e:
        case L.Const(v):
            return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float"
        case L.Name(n):
            return types.get(n)
        case L.Index(L.Name(n), _):
            return vectors.get(n)
        case L.Len():
            return "int"
    return None


def _carriers(fn: L.Function) -> set[str]:
    """The variables a non-finite constant of `fn` can reach by copies."""
    carriers: set[str] = set()
    changed = True
    while changed:  # the variables a non-finite value can reach by copies
        changed = False
        for st in L.walk_stmts(fn.body):
            value = _copied_value(st)
            if value is None or not _carries(value, carriers):
                continue
            target = st.name if isinstance(st, L.Decl) else _name_of(st)
            if target is not None and target not in carriers:
                carriers.add(target)
                changed = True
    return carriers


def _check_uses(fn: L.Function) -> None:
    """Every non-finite constant of `fn` is assigned whole to a variable, and every variable that
    may hold one is only compared, passed to `min`/`max`, copied or returned."""
    carriers = _carriers(fn)
    for st in L.walk_stmts(fn.body):
        for e in L.stmt_values(st):
            _check_expr(e, carriers, top=_copied_value(st) is e or isinstance(st, L.Return))


def _copied_value(st: L.Stmt) -> L.Expr | None:
    if isinstance(st, L.Decl):
        return st.init
    if isinstance(st, L.Assign) and isinstance(st.target, L.Name):
        return st.value
    return None


def _name_of(st: L.Stmt) -> str | None:
    if isinstance(st, L.Assign) and isinstance(st.target, L.Name):
        return st.target.id
    return None


def _carries(e: L.Expr, carriers: set[str]) -> bool:
    """Whether `e` may be a non-finite value: the constant, a carrier, or a choice among them."""
    match e:
        case L.Const(v):
            return isinstance(v, float) and math.isinf(v)
        case L.Name(n):
            return n in carriers
        case L.Cond(_, a, b):
            return _carries(a, carriers) or _carries(b, carriers)
        case L.Call(f, args) if f in _EXTREMA:
            return any(_carries(a, carriers) for a in args)
    return False


def _check_expr(e: L.Expr, carriers: set[str], top: bool) -> None:
    """Raise where `e` computes with a possibly non-finite value other than as allowed."""
    if _carries(e, carriers) and not top:
        raise NotLiftable(e.loc, "an infinity used in arithmetic (only compared, or the first "
                                 "value of a maximum or minimum, it is read)")
    match e:
        case L.Binary(op, a, b) if op in _COMPARISONS:
            _check_expr(a, carriers, top=True)
            _check_expr(b, carriers, top=True)
        case L.Call(f, args) if f in _EXTREMA:
            for a in args:
                _check_expr(a, carriers, top=True)
        case L.Cond(c, a, b):
            _check_expr(c, carriers, top=False)
            _check_expr(a, carriers, top=top)
            _check_expr(b, carriers, top=top)
        case L.Binary(_, a, b):
            _check_expr(a, carriers, top=False)
            _check_expr(b, carriers, top=False)
        case L.Unary(_, a):
            _check_expr(a, carriers, top=False)
        case L.Index(b, i):
            _check_expr(b, carriers, top=False)
            _check_expr(i, carriers, top=False)
        case L.Call(_, args):
            for a in args:
                _check_expr(a, carriers, top=False)


def int_seed_variant(fn: L.Function) -> L.Function | None:
    """`fn` with every variable that may hold its infinity declared `int`, where ints are all
    that meet it: each value such a variable receives is an int or the infinity, and it is
    compared (or passed to `min`/`max`) with ints only (`int_against_infinity` found one such
    comparison). The result becomes `int` where a returned variable is one of them (on the
    inputs the program is proven for, the seed is never returned: `without_seeds`). None
    otherwise. CPython compares an int with an infinity exactly, and so does the variant."""
    if int_against_infinity(fn) is None or fn.result is None:
        return None
    carriers = _carriers(fn)
    types = {p.name: p.type.elem for p in fn.params if p.type.is_scalar}
    vectors = {p.name: p.type.elem for p in fn.params if not p.type.is_scalar}
    for st in L.walk_stmts(fn.body):
        if isinstance(st, L.Decl) and st.type.is_scalar and st.name not in carriers:
            types.setdefault(st.name, st.type.elem)
        if isinstance(st, L.For):
            types.setdefault(st.var, "int")
    for st in L.walk_stmts(fn.body):
        value, target = _copied_value(st), (st.name if isinstance(st, L.Decl) else _name_of(st))
        if target in carriers and value is not None and not _int_or_seed(value, carriers, types, vectors):
            return None
        for e in L.stmt_values(st):
            for x in L.sub_exprs(e):
                pair = (x.left, x.right) if isinstance(x, L.Binary) and x.op in _COMPARISONS \
                    else x.args if isinstance(x, L.Call) and x.func in _EXTREMA else ()
                if any(isinstance(a, L.Name) and a.id in carriers for a in pair) and \
                        not all(_int_or_seed(a, carriers, types, vectors) for a in pair):
                    return None
    body = _retyped(fn.body, carriers)
    last = fn.body[-1] if fn.body else None
    returns_seed = isinstance(last, L.Return) and isinstance(last.value, L.Name) and \
        last.value.id in carriers
    return replace(fn, body=body, result=TensorType("int", 0) if returns_seed else fn.result)


def _int_or_seed(e: L.Expr, carriers: set[str], types: dict[str, str],
                 vectors: dict[str, str]) -> bool:
    """Whether `e` is an int, an infinity or a variable that may hold one."""
    if isinstance(e, L.Const) and isinstance(e.value, float) and math.isinf(e.value):
        return True
    if isinstance(e, L.Name) and e.id in carriers:
        return True
    return _elem(e, types, vectors) == "int"


def _retyped(body: tuple[L.Stmt, ...], carriers: set[str]) -> tuple[L.Stmt, ...]:
    """`body` with the declarations of `carriers` made `int`."""
    out: list[L.Stmt] = []
    for st in body:
        if isinstance(st, L.Decl) and st.name in carriers:
            st = replace(st, type=TensorType("int", 0))
        elif isinstance(st, L.For | L.While):
            st = replace(st, body=_retyped(st.body, carriers))
        elif isinstance(st, L.If):
            st = replace(st, then=_retyped(st.then, carriers), orelse=_retyped(st.orelse, carriers))
        out.append(st)
    return tuple(out)
