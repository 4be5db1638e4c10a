"""Random well-typed inputs for TensIR ops: values, shapes that fit together, and scalar lambdas.

Used by the property tests (every op's semantics against the solvers and the targets) and by
anything that needs example inputs for a term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .evaluate import evaluate
from .opdef import DomainError, OpDef
from .ops import KERNELS, SCALAR_OPS
from .terms import App, Arg, Lambda, Lit, Term, Var
from .types import TensorType

MAX_LEN = 6
VALUE_RANGE = 50


def random_scalar(elem: str, rng: np.random.Generator, small: bool = False):
    """An int or float in [-50, 50] (often 0 or small when `small`), or a bool."""
    if elem == "bool":
        return bool(rng.integers(0, 2))
    if small or rng.random() < 0.15:
        v = int(rng.integers(-2, MAX_LEN + 3))
    else:
        v = int(rng.integers(-VALUE_RANGE, VALUE_RANGE + 1))
    if elem == "int":
        return v
    quarter = float(rng.integers(0, 4)) / 4.0  # exact in binary: sums and products stay exact
    return float(min(max(float(v) + quarter, -VALUE_RANGE), VALUE_RANGE))


def random_value(t: TensorType, shape: Sequence[int], rng: np.random.Generator):
    if t.rank == 0:
        return random_scalar(t.elem, rng)
    flat = [random_scalar(t.elem, rng) for _ in range(int(np.prod(shape, dtype=int)))]
    dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}[t.elem]
    return np.array(flat, dtype=dtype).reshape(tuple(shape))


def random_lambda(params: Sequence[TensorType], result: str, rng: np.random.Generator,
                  depth: int = 2) -> Lambda:
    """A lambda over scalar parameters whose body mixes them with literals through scalar ops."""
    pvars = tuple(Var(f"p{j}", t) for j, t in enumerate(params))
    return Lambda(pvars, random_scalar_term(result, list(pvars), rng, depth))


def random_scalar_term(elem: str, scope: list[Var], rng: np.random.Generator, depth: int) -> Term:
    leaves = [v for v in scope if v.type.elem == elem]
    if depth <= 0 or rng.random() < 0.25:
        if leaves and rng.random() < 0.75:
            return leaves[int(rng.integers(len(leaves)))]
        value = random_scalar(elem, rng)
        return Lit(value, TensorType(elem))
    for _ in range(20):
        k = list(KERNELS.values())[int(rng.integers(len(KERNELS)))]
        operand = k.elems[int(rng.integers(len(k.elems)))]
        if (k.result or operand) != elem:
            continue
        args = [random_scalar_term(operand, scope, rng, depth - 1) for _ in range(k.arity)]
        return App(SCALAR_OPS[k.name], tuple(args))
    return Lit(random_scalar(elem, rng), TensorType(elem))


@dataclass(frozen=True)
class Sample:
    """One application of an op to variables, with values for them (inside the op's domain)."""

    term: App
    env: dict[str, object]
    expected: object


def sample_application(op: OpDef, signature: Sequence[TensorType | None],
                       rng: np.random.Generator, attempts: int = 2000) -> Sample:
    """Random arguments for `op` at `signature` whose reference result is defined and finite."""
    for _ in range(attempts):
        pool = [int(rng.integers(0, MAX_LEN + 1)) for _ in range(4)]
        args: list[Arg] = []
        env: dict[str, object] = {}
        for pos, t in enumerate(signature):
            if pos in op.lambdas:
                params = op.lambdas[pos](*signature)
                elems = [e for e in ("int", "float", "bool")]
                args.append(random_lambda(params, elems[int(rng.integers(3))], rng))
                continue
            assert t is not None
            var = Var(f"x{pos}", t)
            if t.rank == 0:
                env[var.name] = random_scalar(t.elem, rng, small=rng.random() < 0.5)
            else:
                start = int(rng.integers(0, 2))
                env[var.name] = random_value(t, pool[start : start + t.rank], rng)
            args.append(var)
        try:
            term = App(op, tuple(args))
            expected = evaluate(term, env)
        except (DomainError, ValueError):
            continue
        if np.asarray(expected).dtype.kind == "f" and not np.isfinite(expected).all():
            continue  # outside libm's domain (sqrt of a negative): NaN, which proofs do not know
        return Sample(term, env, expected)
    raise RuntimeError(f"no valid sample for {op.name} at {signature}")
