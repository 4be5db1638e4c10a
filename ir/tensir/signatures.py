"""The argument types an op accepts, found by asking its type rule (used by tests and search)."""

from __future__ import annotations

import itertools
from functools import cache

from .opdef import OpDef
from .terms import Lambda, Lit, Var
from .types import ELEMENTS, TensIRTypeError, TensorType

ALL_TYPES: tuple[TensorType, ...] = tuple(TensorType(e, r) for r in range(4) for e in ELEMENTS)
"""Every scalar and tensor type (bool tensors come from maps and comparisons)."""


@cache
def signatures(op: OpDef) -> tuple[tuple[TensorType | None, ...], ...]:
    """All tuples of argument types the op's rule accepts (None at lambda positions).

    Lambda positions get a lambda whose body is a literal of each scalar type in turn, so maps
    are listed once per result type.
    """
    out = []
    plain_positions = [i for i in range(op.arity) if i not in op.lambdas]
    for combo in itertools.product(ALL_TYPES, repeat=len(plain_positions)):
        types: list[TensorType | None] = [None] * op.arity
        for pos, t in zip(plain_positions, combo, strict=True):
            types[pos] = t
        try:
            results = {t for t in _results(op, tuple(types))}
        except TensIRTypeError:
            continue
        if results:
            out.append(tuple(types))
    return tuple(out)


def _results(op: OpDef, types: tuple[TensorType | None, ...]):
    if not op.lambdas:
        yield op.infer(*types)
        return
    fn_types = {}
    for pos, rule in op.lambdas.items():
        fn_types[pos] = rule(*types)
    for body_elem in ("int", "float", "bool"):
        args = []
        for i, t in enumerate(types):
            if i in op.lambdas:
                params = tuple(Var(f"p{j}", pt) for j, pt in enumerate(fn_types[i]))
                value = {"int": 0, "float": 0.0, "bool": False}[body_elem]
                args.append(Lambda(params, Lit(value, TensorType(body_elem))))
            else:
                args.append(Var(f"a{i}", t))
        try:
            yield op.check(tuple(args))
        except TensIRTypeError:
            continue
