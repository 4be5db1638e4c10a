"""Random well-typed terms survive print -> parse unchanged."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tensflo.ir.tensir import OPS, App, Lambda, Lit, TensIRTypeError, Var, parse, print_term
from tensflo.ir.tensir.signatures import ALL_TYPES, signatures
from tensflo.ir.tensir.types import TensorType

ENV = {f"v_{t.elem}_{t.rank}": t for t in ALL_TYPES}
VARS = [Var(name, t) for name, t in ENV.items()]
OP_SIGS = [(op, sig) for op in OPS for sig in signatures(op)]
SCALAR_SIGS = [(op, sig) for op, sig in OP_SIGS if all(s is not None and s.is_scalar for s in sig)]
SCALARS = [TensorType(e) for e in ("int", "float", "bool")]


def random_literal(t: TensorType, rnd: random.Random) -> Lit:
    if t.elem == "bool":
        return Lit(rnd.random() < 0.5, t)
    if t.elem == "int":
        return Lit(rnd.choice([0, 1, -1, rnd.randint(-10**6, 10**6)]), t)
    value = rnd.choice([0.0, -0.0, 0.5, 1e-7, -2.5e300, rnd.uniform(-1e6, 1e6), 5e-324])
    return Lit(value, t)


def random_term(t: TensorType | None, scope: list[Var], depth: int, rnd: random.Random):
    """A random well-typed term of type `t` (any type when None) over `scope`."""
    if t is not None and (depth <= 0 or rnd.random() < 0.3):
        leaf = leaf_of(t, scope, rnd)
        if leaf is not None:
            return leaf
    sigs = SCALAR_SIGS if t is not None and t.is_scalar and depth <= 1 else OP_SIGS
    for _ in range(200):
        op, sig = rnd.choice(sigs)
        args = []
        for pos, at in enumerate(sig):
            if pos in op.lambdas:
                params = tuple(Var(f"p{pos}_{j}", pt) for j, pt in enumerate(op.lambdas[pos](*sig)))
                inner = [v for v in scope if v.type.is_scalar] + list(params)
                body = random_term(rnd.choice(SCALARS), inner, min(depth - 1, 1), rnd)
                args.append(Lambda(params, body))
            else:
                args.append(random_term(at, scope, depth - 1, rnd))
        try:
            term = App(op, tuple(args))
        except TensIRTypeError:
            continue
        if t is None or term.type == t:
            return term
    leaf = leaf_of(t, scope, rnd)
    assert leaf is not None
    return leaf


def leaf_of(t: TensorType, scope: list[Var], rnd: random.Random):
    vars_ = [v for v in scope if v.type == t]
    if t.is_scalar and (not vars_ or rnd.random() < 0.4):
        return random_literal(t, rnd)
    return rnd.choice(vars_) if vars_ else None


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False), st.integers(1, 4))
def test_print_parse_round_trip(rnd: random.Random, depth: int) -> None:
    term = random_term(None, VARS, depth, rnd)
    text = print_term(term)
    assert parse(text, ENV) == term, text
    assert print_term(parse(text, ENV)) == text


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**30, 10**30))
def test_literals_round_trip_exactly(value: float | int) -> None:
    lit = Lit(value, TensorType("float" if isinstance(value, float) else "int"))
    back = parse(print_term(lit), {})
    assert back == lit and type(back.value) is type(lit.value)
