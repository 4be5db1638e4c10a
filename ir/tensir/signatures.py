"""The argument types an op accepts, found by asking its type rule (for tests, docs and search)."""

from __future__ import annotations

import itertools
from functools import cache

from .opdef import OpDef
from .types import ELEMENTS, FnType, TensorType

ALL_TYPES: tuple[TensorType, ...] = tuple(TensorType(e, r) for r in range(4) for e in ELEMENTS)
"""Every scalar and tensor type (bool tensors come from maps and comparisons)."""

MAX_ENUMERATED_ARITY = 4
"""Ops with more non-lambda arguments are not enumerated (their signature lists are empty)."""

ArgTypes = tuple[TensorType | FnType, ...]

_RULE_ERRORS = (TypeError, ValueError)
"""What a type rule raises to reject arguments (`TensIRTypeError` is a `TypeError`)."""


@cache
def typed_signatures(op: OpDef) -> tuple[tuple[ArgTypes, TensorType], ...]:
    """Every accepted tuple of argument types (lambdas as `FnType`) with its result type."""
    plain = [i for i in range(op.arity) if i not in op.lambdas]
    if len(plain) > MAX_ENUMERATED_ARITY:
        return ()
    out: list[tuple[ArgTypes, TensorType]] = []
    for combo in itertools.product(ALL_TYPES, repeat=len(plain)):
        types: list[TensorType | None] = [None] * op.arity
        for pos, t in zip(plain, combo, strict=True):
            types[pos] = t
        try:
            choices: list[list[TensorType | FnType]] = [
                [FnType(tuple(op.lambdas[i](*types)), TensorType(e)) for e in ELEMENTS]
                if i in op.lambdas else [combo[plain.index(i)]]
                for i in range(op.arity)
            ]
        except _RULE_ERRORS:
            continue
        for args in itertools.product(*choices):
            try:
                out.append((tuple(args), op.infer(*args)))
            except _RULE_ERRORS:
                continue
    return tuple(out)


@cache
def signatures(op: OpDef) -> tuple[tuple[TensorType | None, ...], ...]:
    """The accepted tuples of plain argument types, None at lambda positions (in rule order)."""
    seen: dict[tuple[TensorType | None, ...], None] = {}
    for args, _ in typed_signatures(op):
        seen.setdefault(tuple(None if isinstance(a, FnType) else a for a in args))
    return tuple(seen)
