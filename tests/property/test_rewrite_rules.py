"""Every rewrite rule of `tensflo.ir.tensir.rewrite` keeps the meaning of the terms it rewrites.

Terms are random and well typed: ints (negative ones and zero divisors included), floats, bools,
vectors, matrices and 3-d tensors, built from the live op table (`OPS`, with lambdas for maps and
selections). Each term is evaluated before and after `simplify` by the reference evaluator on
random inputs, and the results must be equal.

What "keeps the meaning" means, as `rewrite`'s docstring promises ("rewriting never changes what a
term means"), with TensIR's partial ops (docs/semantics.md, "Domains"): where the term before
rewriting has a value, the term after has the same value (shape, dtype and every element; C integer
division included). Where the term before is outside an op's domain (`DomainError`) it has no
meaning to keep, so the term after may raise too or have a value: `ite(true, a, x[9])` becomes `a`,
and `x[i] - x[i]` becomes `0` even where `i` is out of range.

So that no rule passes untested, each rule has a strategy of terms built to match it at the root
(from already simplified parts, so the root is what gets rewritten), and the test checks that
`simplify` gives the rule's documented result; `test_every_rule_exit_is_exercised` traces
`rewrite` and fails if one of its rule exits (a `return` that rewrites) is reached by no template,
e.g. a rule added without a template here.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tensflo.ir.tensir import (
    BOOL,
    FLOAT,
    INT,
    OPS,
    App,
    DomainError,
    FnType,
    Lambda,
    Lit,
    OpDef,
    TensorType,
    Term,
    Var,
    evaluate,
    free_vars,
    lit,
    mat,
    rewrite,
    subterms,
    tensor3d,
    vec,
)
from tensflo.ir.tensir.signatures import typed_signatures
from tensflo.tests.support.values import params_of, same_value

# -------------------------------------------------------------------------------------------------
# random well-typed terms
# -------------------------------------------------------------------------------------------------
VARS: dict[TensorType, tuple[Var, ...]] = {
    t: tuple(Var(name, t) for name in names) for t, names in [
        (INT, ("i", "n")), (FLOAT, ("f",)), (BOOL, ("b",)),
        (vec("int"), ("x", "y")), (vec("float"), ("u",)), (vec("bool"), ("mask",)),
        (mat("int"), ("A", "B")), (mat("float"), ("F",)), (mat("bool"), ("M",)),
        (tensor3d("int"), ("T",)),
    ]
}
"""The free variables of generated terms; their types are the types terms are generated at."""
SCALARS = (INT, FLOAT, BOOL)
NUMERIC = (INT, FLOAT)


def _producers(scalar_only: bool) -> dict[TensorType, list[tuple[OpDef, tuple]]]:
    """For each type, the ops and argument types (lambdas as `FnType`) that produce it."""
    out: dict[TensorType, list[tuple[OpDef, tuple]]] = {t: [] for t in VARS}
    for op in OPS:
        for args, result in typed_signatures(op):
            plain = [a for a in args if not isinstance(a, FnType)]
            if result not in out or any(a not in VARS for a in plain):
                continue
            if scalar_only and (any(isinstance(a, FnType) or a.rank for a in args)):
                continue
            out[result].append((op, args))
    return out


PRODUCERS = _producers(scalar_only=False)
SCALAR_PRODUCERS = _producers(scalar_only=True)
"""Ops over scalars only: what a lambda body is made of."""


def literals(t: TensorType) -> st.SearchStrategy[Lit]:
    if t == INT:
        return st.integers(-4, 8).map(lit)
    if t == FLOAT:
        return st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.5, 3.0]).map(lit)
    return st.booleans().map(lit)


@st.composite
def terms(draw: st.DrawFn, t: TensorType, depth: int = 3,
          scope: tuple[Var, ...] | None = None) -> Term:
    """A term of type `t`. `scope` set: a lambda body over those parameters (scalar ops only)."""
    producers = (PRODUCERS if scope is None else SCALAR_PRODUCERS)[t]
    if depth <= 0 or not producers or draw(st.integers(0, 3)) == 0:
        leaves = [v for v in (scope or ()) if v.type == t] + list(VARS[t])
        if t.is_scalar and draw(st.booleans()):
            return draw(literals(t))
        return draw(st.sampled_from(leaves))
    op, types = draw(st.sampled_from(producers))
    args = [draw(lambdas(a, depth - 1)) if isinstance(a, FnType) else draw(terms(a, depth - 1, scope))
            for a in types]
    return App(op, tuple(args))


@st.composite
def lambdas(draw: st.DrawFn, fn: FnType, depth: int = 2) -> Lambda:
    params = tuple(Var(f"p{k}", t) for k, t in enumerate(fn.params))
    return Lambda(params, draw(terms(fn.result, max(depth, 1), params)))


def operands(t: TensorType, depth: int = 2, scope: tuple[Var, ...] | None = None):
    """Simplified terms of type `t` that are not literals: the parts rule templates are built of."""
    return terms(t, depth, scope).map(rewrite.simplify).filter(lambda x: not isinstance(x, Lit))


def scalar_free(depth: int = 1):
    """A non-literal scalar term fit for a lambda body that uses no lambda parameter."""
    return st.sampled_from(NUMERIC).flatmap(lambda t: operands(t, depth, ()))


# -------------------------------------------------------------------------------------------------
# random inputs
# -------------------------------------------------------------------------------------------------
@st.composite
def environments(draw: st.DrawFn) -> dict[str, Any]:
    """Values for every variable; tensor axes mostly share one length so that ops' shapes fit."""
    common = draw(st.integers(0, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    env: dict[str, Any] = {}
    for t, variables in VARS.items():
        for v in variables:
            if t == INT:
                env[v.name] = draw(st.integers(-3, 6))
            elif t == FLOAT:
                env[v.name] = draw(st.sampled_from([0.0, 1.0, -1.5, 2.25, 7.0]))
            elif t == BOOL:
                env[v.name] = draw(st.booleans())
            else:
                shape = tuple(common if draw(st.integers(0, 3)) else draw(st.integers(0, 4))
                              for _ in range(t.rank))
                env[v.name] = _tensor(t.elem, shape, rng)
    return env


def _tensor(elem: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if elem == "int":
        return rng.integers(-9, 10, size=shape, dtype=np.int64)
    if elem == "float":
        return rng.integers(-36, 37, size=shape).astype(np.float64) / 4
    return rng.random(size=shape) < 0.5


ENVIRONMENTS = st.lists(environments(), min_size=2, max_size=2)
UNDEFINED = object()


def meaning(term: Term, env: dict[str, Any]) -> Any:
    """The value of `term` on `env`, or UNDEFINED when an op is applied outside its domain: a
    DomainError, or a NaN or an infinity anywhere in a float subterm (libm outside its domain,
    `sqrt(-1.0)`, `log(0.0)`, even where a comparison or a branch hides it from the result)."""
    try:
        value = evaluate(term, env)
        for sub in subterms(term):
            if isinstance(sub, Term) and sub.type.elem == "float" and free_vars(sub) <= set(
                    params_of(term)) and not np.isfinite(evaluate(sub, env)).all():
                return UNDEFINED
    except DomainError:
        return UNDEFINED
    return value


def assert_same_meaning(before: Term, after: Term, envs: list[dict[str, Any]],
                        stats: Counter[str]) -> None:
    """`after` has `before`'s value wherever `before` has one (see the module docstring)."""
    for env in envs:
        want = meaning(before, env)
        got = meaning(after, env)
        if want is UNDEFINED:
            stats["undefined before" if got is UNDEFINED else "defined only after"] += 1
            continue
        stats["defined"] += 1
        inputs = {v.name: env[v.name] for v in params_of(before)}
        assert got is not UNDEFINED, f"{before}  ->  {after}: a domain error appeared on {inputs}"
        assert same_value(got, want, rtol=0), \
            f"{before} = {want!r}  but  {after} = {got!r}  on {inputs}"


# -------------------------------------------------------------------------------------------------
# one template per rule: a term the rule rewrites at the root, and the documented result
# -------------------------------------------------------------------------------------------------
Template = st.SearchStrategy[tuple[Term, Term]]
"""(term before, term the rule documents as its rewrite); `simplify` must agree on both."""


def _numeric(make: Callable[[TensorType], Template]) -> Template:
    return st.sampled_from(NUMERIC).flatmap(make)


def _one(t: TensorType) -> Lit:
    return lit(1) if t == INT else lit(1.0)


def _zero(t: TensorType) -> Lit:
    return lit(0) if t == INT else lit(0.0)


def _arith(name: str) -> Callable[..., App]:
    return lambda a, b: OPS[name](a, b)


@st.composite
def _constant_folding(draw: st.DrawFn) -> tuple[Term, Term]:
    # 1 + 2 -> 3 (every scalar op but ite, on literals)
    t = draw(st.sampled_from(SCALARS))
    op, types = draw(st.sampled_from([p for p in SCALAR_PRODUCERS[t] if p[0].name != "ite"]))
    before = App(op, tuple(draw(literals(a)) for a in types))
    try:
        value = evaluate(before, {})
    except DomainError:  # ipow(0, -1), 1 / 0: outside the op's domain, folding leaves the term
        return before, before
    if t.elem == "float" and not np.isfinite(value):
        return before, before  # NaN and infinities have no literal: folding leaves the term
    return before, lit(value.item() if hasattr(value, "item") else value)


@st.composite
def _ite_literal(draw: st.DrawFn) -> tuple[Term, Term]:
    # ite(true, a, b) -> a,  ite(false, a, b) -> b
    t = draw(st.sampled_from(SCALARS))
    c, a, b = draw(st.booleans()), draw(operands(t)), draw(operands(t))
    return OPS["ite"](lit(c), a, b), (a if c else b)


@st.composite
def _ite_same(draw: st.DrawFn) -> tuple[Term, Term]:
    # ite(c, a, a) -> a
    t = draw(st.sampled_from(SCALARS))
    a = draw(operands(t))
    return OPS["ite"](draw(operands(BOOL)), a, a), a


def _unit(op: str, unit: Callable[[TensorType], Lit], left: bool) -> Template:
    # x + 0 -> x, 0 + x -> x, x - 0 -> x, x * 1 -> x, 1 * x -> x, x / 1 -> x
    def make(t: TensorType) -> Template:
        return operands(t).map(lambda x: (OPS[op](unit(t), x) if left else OPS[op](x, unit(t)), x))

    return _numeric(make)


def _logic(op: str, value: bool, left: bool, result: Callable[[Term], Term]) -> Template:
    # true and p -> p, p or true -> true, false or p -> p (each side)
    def make(p: Term) -> tuple[Term, Term]:
        return (OPS[op](lit(value), p) if left else OPS[op](p, lit(value))), result(p)

    return operands(BOOL).map(make)


def _double(op: str, t: TensorType | None) -> Template:
    # not not p -> p, --x -> x
    parts = operands(t) if t is not None else _numeric(operands)
    return parts.map(lambda x: (OPS[op](OPS[op](x)), x))


@st.composite
def _reflexive(draw: st.DrawFn, ops: tuple[str, ...], value: bool) -> tuple[Term, Term]:
    # x <= x -> true (also >=, ==), x < x -> false (also >, !=)
    op = draw(st.sampled_from(ops))
    t = draw(st.sampled_from(SCALARS if op in ("eq", "ne") else NUMERIC))
    x = draw(operands(t))
    return OPS[op](x, x), lit(value)


@st.composite
def _negated_comparison(draw: st.DrawFn) -> tuple[Term, Term]:
    # not (a < b) -> b <= a, on ints (also <=, >, >=)
    flip = {"lt": "le", "le": "lt", "gt": "ge", "ge": "gt"}
    op = draw(st.sampled_from(sorted(flip)))
    a = draw(operands(INT))
    b = draw(operands(INT).filter(lambda b: b != a))
    return OPS["not"](OPS[op](a, b)), OPS[flip[op]](b, a)


@st.composite
def _sum_literals(draw: st.DrawFn) -> tuple[Term, Term]:
    # (x + 1) + 2 -> x + 3: the literals of an int sum add up
    x = draw(operands(INT))
    j, k = draw(st.integers(-5, 5)), draw(st.integers(-5, 5))
    total = j + k
    inner = OPS["add"](x, lit(j)) if j >= 0 else OPS["sub"](x, lit(-j))
    before = OPS["add"](inner, lit(k)) if k >= 0 else OPS["sub"](inner, lit(-k))
    after = x if total == 0 else OPS["add"](x, lit(total)) if total > 0 else OPS["sub"](x, lit(-total))
    return before, after


def _is_sum(t: Term) -> bool:
    return isinstance(t, App) and t.op.name in ("add", "sub", "neg")


@st.composite
def _sum_cancels(draw: st.DrawFn) -> tuple[Term, Term]:
    # (x + y) - x -> y: opposite terms of an int sum cancel
    x = draw(st.sampled_from(VARS[INT]))
    y = draw(operands(INT).filter(lambda y: x not in free_vars(y) and not _is_sum(y)))
    return OPS["sub"](OPS["add"](x, y), x), y


@st.composite
def _len_of_row(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(m[i]) -> len(transpose(m))
    m = draw(st.sampled_from([mat("int"), mat("float"), mat("bool")]).flatmap(operands))
    return OPS["len"](OPS["index"](m, draw(operands(INT)))), OPS["len"](OPS["transpose"](m))


def _transpose_twice() -> Template:
    # transpose(transpose(m)) -> m
    return st.sampled_from([mat("int"), mat("float")]).flatmap(operands).map(
        lambda m: (OPS["transpose"](OPS["transpose"](m)), m))


@st.composite
def _transposed_column_slice(draw: st.DrawFn) -> tuple[Term, Term]:
    # transpose(col_slice(transpose(z)[a:b], c, d)) -> col_slice(z[c:d], a, b)
    z = draw(operands(mat("int")).filter(lambda z: not (isinstance(z, App)
                                                         and z.op.name == "transpose")))
    a, b, c, d = (draw(operands(INT, 1)) for _ in range(4))
    inner = OPS["slice"](OPS["transpose"](z), a, b)
    before = OPS["transpose"](OPS["col_slice"](inner, c, d))
    return before, OPS["col_slice"](OPS["slice"](z, c, d), a, b)


@st.composite
def _full_slice(draw: st.DrawFn) -> tuple[Term, Term]:
    # x[0:len(x)] -> x
    x = draw(st.sampled_from([t for t in VARS if t.rank]).flatmap(operands).filter(
        lambda x: rewrite.simplify(OPS["len"](x)) == OPS["len"](x)))  # len(m[i]) is rewritten
    return OPS["slice"](x, lit(0), OPS["len"](x)), x



@st.composite
def _len_of_update(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(stride_update(x, s, k, vals)) -> len(x)
    t = draw(st.sampled_from([vec("int"), vec("float")]))
    x, vals = draw(operands(t)), draw(operands(t))
    s, k = draw(operands(INT, 1)), draw(operands(INT, 1))
    return OPS["len"](OPS["stride_update"](x, s, k, vals)), OPS["len"](x)


@st.composite
def _len_of_full(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(full(len(y), v)) -> len(y)
    y = draw(st.sampled_from([vec("int"), vec("float"), mat("int")]).flatmap(operands))
    v = draw(st.sampled_from([INT, FLOAT]).flatmap(lambda t: operands(t, 1)))
    n = rewrite.simplify(OPS["len"](y))
    return OPS["len"](OPS["full"](n, v)), n


def _len_kept(x: Term) -> bool:
    """`len(x)` is already simplified (the rules below rewrite the length of their root only)."""
    return rewrite.simplify(OPS["len"](x)) == OPS["len"](x)


@st.composite
def _len_of_full_sum(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(full(len(y) + c, v)) -> len(y) + c
    y = draw(st.sampled_from([vec("int"), mat("float")]).flatmap(operands).filter(_len_kept))
    v = draw(st.sampled_from([INT, FLOAT]).flatmap(lambda t: operands(t, 1)))
    n = rewrite.simplify(OPS["add"](OPS["len"](y), lit(draw(st.integers(1, 3)))))
    return OPS["len"](OPS["full"](n, v)), n


@st.composite
def _len_of_same_shape(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(scan_sum(x)) -> len(x), len(a - b) -> len(a); len(transpose(...)) of matrices the same
    flipped = draw(st.booleans())
    t = draw(st.sampled_from([mat("int"), mat("float")] if flipped
                             else [vec("int"), vec("float"), mat("int")]))
    x = draw(operands(t).filter(lambda x: _len_kept(OPS["transpose"](x) if flipped else x)))
    kind = draw(st.sampled_from(["scan_sum", "scan_max", "add", "sub", "mul"]))
    if kind == "scan_max" and t.rank != 1:
        kind = "scan_sum"
    if kind.startswith("scan"):
        inner = OPS[kind](x)
    else:
        inner = OPS[f"{'vec' if t.rank == 1 else 'matrix'}_elemwise_{kind}"](x, draw(operands(t)))
    if flipped:
        return OPS["len"](OPS["transpose"](inner)), OPS["len"](OPS["transpose"](x))
    return OPS["len"](inner), OPS["len"](x)


@st.composite
def _len_of_append(draw: st.DrawFn) -> tuple[Term, Term]:
    # len(append(x, e)) -> len(x) + 1; len(transpose(append(m, e))) -> len(e)
    t = draw(st.sampled_from([vec("int"), vec("float"), mat("int"), mat("float")]))
    x = draw(operands(t).filter(_len_kept))
    e = draw(operands(t.with_rank(t.rank - 1)))
    if t.rank == 2 and draw(st.booleans()) and _len_kept(e):
        return OPS["len"](OPS["transpose"](OPS["append"](x, e))), OPS["len"](e)
    return OPS["len"](OPS["append"](x, e)), rewrite.simplify(OPS["add"](OPS["len"](x), lit(1)))


@st.composite
def _read_of_one_write(draw: st.DrawFn) -> tuple[Term, Term]:
    # stride_update(x, s, k, full(1, v))[s] -> v
    t = draw(st.sampled_from([INT, FLOAT]))
    x = draw(operands(vec(t.elem)))
    s, k = draw(st.sampled_from(VARS[INT])), draw(operands(INT, 1))
    v = draw(operands(t, 1))
    written = OPS["stride_update"](x, s, k, OPS["full"](lit(1), v))
    return OPS["index"](written, s), v

def _mapper(rank: int, nargs: int) -> str:
    return {(1, 1): "vec_map", (2, 1): "matrix_map", (1, 2): "selection_two_args",
            (2, 2): "matrix_selection_two_args"}[(rank, nargs)]


def _broadcast(op: str, rank: int, scalar_first: bool) -> str:
    prefix = {1: "vec", 2: "matrix"}[rank]
    return f"scalar_{prefix}_{op}" if scalar_first else f"{prefix}_scalar_{op}"


@st.composite
def _map_identity(draw: st.DrawFn) -> tuple[Term, Term]:
    # vec_map(x, lambda e: e) -> x (also matrix_map)
    rank = draw(st.sampled_from([1, 2]))
    elem = draw(st.sampled_from(["int", "float", "bool"]))
    x = draw(operands(TensorType(elem, rank)))
    e = Var("e", TensorType(elem))
    return OPS[_mapper(rank, 1)](x, Lambda((e,), e)), x


@st.composite
def _map_to_broadcast(draw: st.DrawFn, ops: tuple[str, ...], scalar_left: bool,
                      scalar_first: bool) -> tuple[Term, Term]:
    # vec_map(x, lambda e: e + s) -> vec_scalar_add(x, s) (also - * /; the matrix forms)
    # vec_map(x, lambda e: s + e) -> vec_scalar_add(x, s) (also *)
    # vec_map(x, lambda e: s - e) -> scalar_vec_sub(s, x) (also /)
    rank, op = draw(st.sampled_from([1, 2])), draw(st.sampled_from(ops))
    s = draw(scalar_free())
    x = draw(operands(s.type.with_rank(rank)))
    e = Var("e", s.type)
    body = OPS[op](s, e) if scalar_left else OPS[op](e, s)
    before = OPS[_mapper(rank, 1)](x, Lambda((e,), body))
    name = _broadcast(op, rank, scalar_first)
    return before, (OPS[name](s, x) if scalar_first else OPS[name](x, s))


@st.composite
def _selection_to_elementwise(draw: st.DrawFn, swapped: bool) -> tuple[Term, Term]:
    # selection_two_args(x, y, lambda a, b: a + b) -> vec_elemwise_add(x, y) (also - * /)
    # selection_two_args(x, y, lambda a, b: b - a) -> vec_elemwise_sub(y, x) (the matrix forms too)
    rank = draw(st.sampled_from([1, 2]))
    op = draw(st.sampled_from(["add", "sub", "mul", "div"]))
    t = TensorType(draw(st.sampled_from(["int", "float"])), rank)
    x, y = draw(operands(t)), draw(operands(t))
    a, b = Var("a", t.scalar), Var("b", t.scalar)
    body = OPS[op](b, a) if swapped else OPS[op](a, b)
    before = OPS[_mapper(rank, 2)](x, y, Lambda((a, b), body))
    name = f"{'vec' if rank == 1 else 'matrix'}_elemwise_{op}"
    return before, (OPS[name](y, x) if swapped else OPS[name](x, y))


RULES: dict[str, Template] = {
    "1 + 2 -> 3": _constant_folding(),
    "ite(true, a, b) -> a": _ite_literal(),
    "ite(c, a, a) -> a": _ite_same(),
    "x + 0 -> x": _unit("add", _zero, left=False),
    "0 + x -> x": _unit("add", _zero, left=True),
    "x - 0 -> x": _unit("sub", _zero, left=False),
    "x * 1 -> x": _unit("mul", _one, left=False),
    "1 * x -> x": _unit("mul", _one, left=True),
    "x / 1 -> x": _unit("div", _one, left=False),
    "true and p -> p": _logic("and", True, left=True, result=lambda p: p),
    "p and true -> p": _logic("and", True, left=False, result=lambda p: p),
    "p or true -> true": st.booleans().flatmap(
        lambda left: _logic("or", True, left=left, result=lambda p: lit(True))),
    "false or p -> p": _logic("or", False, left=True, result=lambda p: p),
    "p or false -> p": _logic("or", False, left=False, result=lambda p: p),
    "not not p -> p": _double("not", BOOL),
    "--x -> x": _double("neg", None),
    "x <= x -> true": _reflexive(("le", "ge", "eq"), True),
    "x < x -> false": _reflexive(("lt", "gt", "ne"), False),
    "not (a < b) -> b <= a": _negated_comparison(),
    "(x + 1) + 2 -> x + 3": _sum_literals(),
    "(x + y) - x -> y": _sum_cancels(),
    "len(m[i]) -> len(transpose(m))": _len_of_row(),
    "transpose(transpose(m)) -> m": _transpose_twice(),
    "transpose(col_slice(transpose(z)[a:b], c, d)) -> col_slice(z[c:d], a, b)":
        _transposed_column_slice(),
    "x[0:len(x)] -> x": _full_slice(),
    "len(stride_update(x, s, k, vals)) -> len(x)": _len_of_update(),
    "len(full(len(y), v)) -> len(y)": _len_of_full(),
    "len(full(len(y) + c, v)) -> len(y) + c": _len_of_full_sum(),
    "len(scan_sum(x)) -> len(x), len(a - b) -> len(a)": _len_of_same_shape(),
    "len(append(x, e)) -> len(x) + 1, len(transpose(append(m, e))) -> len(e)": _len_of_append(),
    "stride_update(x, s, k, full(1, v))[s] -> v": _read_of_one_write(),
    "vec_map(x, lambda e: e) -> x": _map_identity(),
    "vec_map(x, lambda e: e + s) -> vec_scalar_add(x, s)":
        _map_to_broadcast(("add", "sub", "mul", "div"), scalar_left=False, scalar_first=False),
    "vec_map(x, lambda e: s + e) -> vec_scalar_add(x, s)":
        _map_to_broadcast(("add", "mul"), scalar_left=True, scalar_first=False),
    "vec_map(x, lambda e: s - e) -> scalar_vec_sub(s, x)":
        _map_to_broadcast(("sub", "div"), scalar_left=True, scalar_first=True),
    "selection_two_args(x, y, lambda a, b: a + b) -> vec_elemwise_add(x, y)":
        _selection_to_elementwise(swapped=False),
    "selection_two_args(x, y, lambda a, b: b - a) -> vec_elemwise_sub(y, x)":
        _selection_to_elementwise(swapped=True),
}

PROPERTY = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FIRST_FAILURE = settings(PROPERTY, phases=(Phase.generate,), derandomize=True)
"""Fixed examples, no shrinking: for checks that expect the property to fail."""


def check_rule(template: Template, stats: Counter[str], form: bool = True,
               run: settings = PROPERTY) -> Callable[[], None]:
    """The property for one rule: it fires as documented (unless not `form`), meaning is kept."""

    @run
    @given(case=template, envs=ENVIRONMENTS)
    def check(case: tuple[Term, Term], envs: list[dict[str, Any]]) -> None:
        before, documented = case
        after = rewrite.simplify(before)
        if form:
            assert after == rewrite.simplify(documented), \
                f"{before} rewrote to {after}, not to {rewrite.simplify(documented)}"
        assert_same_meaning(before, after, envs, stats)

    return check


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_fires_and_keeps_meaning(rule: str) -> None:
    stats: Counter[str] = Counter()
    check_rule(RULES[rule], stats)()
    assert stats["defined"] > 0, f"no input on which a {rule!r} term was defined: {stats}"


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(term=st.sampled_from(list(VARS)).flatmap(lambda t: terms(t, 4)), envs=ENVIRONMENTS)
def test_simplify_keeps_meaning_of_random_terms(term: Term, envs: list[dict[str, Any]]) -> None:
    assert_same_meaning(term, rewrite.simplify(term), envs, Counter())


def test_simplify_rewrites_many_random_terms() -> None:
    """The random terms above are not all left alone: a share of them is rewritten and defined."""
    stats: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(term=st.sampled_from(list(VARS)).flatmap(lambda t: terms(t, 4)), envs=ENVIRONMENTS)
    def count(term: Term, envs: list[dict[str, Any]]) -> None:
        after = rewrite.simplify(term)
        stats["terms"] += 1
        if after != term:
            stats["rewritten"] += 1
            assert_same_meaning(term, after, envs, stats)

    count()
    assert stats["rewritten"] >= stats["terms"] // 10 and stats["defined"] > 0, stats


# -------------------------------------------------------------------------------------------------
# the property is not vacuous
# -------------------------------------------------------------------------------------------------
RULE_FUNCTIONS = ("fold", "_rule", "_named_map", "_normal_sum")
"""The functions of `rewrite` whose `return`s are rule exits (all but `return t`/`return None`)."""


def rule_exits() -> dict[int, str]:
    """Line number -> source of every rule exit in `rewrite`."""
    source = inspect.getsource(rewrite)
    tree = ast.parse(source)
    found = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    missing = [name for name in RULE_FUNCTIONS if name not in found]
    assert not missing, f"rewrite.py no longer defines {missing}: update RULE_FUNCTIONS"
    lines = source.splitlines()
    return {
        node.lineno: lines[node.lineno - 1].strip()
        for name in RULE_FUNCTIONS for node in ast.walk(found[name])
        if isinstance(node, ast.Return) and node.value is not None
        and not (isinstance(node.value, ast.Name) and node.value.id == "t")
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    }


@contextmanager
def lines_run_in(module: Any, into: set[int]) -> Iterator[None]:
    """Record the line numbers of `module` that run inside the block."""
    filename = inspect.getsourcefile(module)

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != filename:
            return None
        if event == "line":
            into.add(frame.f_lineno)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def test_every_rule_exit_is_exercised() -> None:
    """Each `return` that rewrites is reached by the rule templates: no rule goes untested."""
    ran: set[int] = set()
    for template in RULES.values():

        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=template)
        def run(case: tuple[Term, Term]) -> None:
            with lines_run_in(rewrite, ran):
                rewrite.simplify(case[0])

        run()
    unreached = {n: text for n, text in rule_exits().items() if n not in ran}
    assert not unreached, f"rule exits of rewrite.py that no template reaches: {unreached}"


_SWAP = {"add": "sub", "sub": "add", "mul": "add", "div": "mul"}


def _off_by_one(fold: Callable[[Term], Term]) -> Callable[[Term], Term]:
    """Constant folding that gets its literal one off (bools negated)."""

    def broken(t: Term) -> Term:
        out = fold(t)
        if out is t or not isinstance(out, Lit):
            return out
        return lit(not out.value) if out.type == BOOL else lit(out.value + _one(out.type).value)

    return broken


@pytest.mark.parametrize(("rule", "name", "broken"), [
    ("1 + 2 -> 3", "fold", _off_by_one),
    ("selection_two_args(x, y, lambda a, b: a + b) -> vec_elemwise_add(x, y)", "ELEMWISE",
     lambda table: {(op, rank): table[(swap, rank)] for op, swap in _SWAP.items() for rank in (1, 2)}),
])
def test_a_broken_rule_is_caught(rule: str, name: str, broken, monkeypatch) -> None:
    """Replace what a rule uses by a wrong version: the meaning check alone must fail."""
    monkeypatch.setattr(rewrite, name, broken(getattr(rewrite, name)))
    with pytest.raises(AssertionError, match="but"):
        check_rule(RULES[rule], Counter(), form=False, run=FIRST_FAILURE)()
