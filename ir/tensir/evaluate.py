"""The NumPy reference evaluator: a term's meaning, computed from the op table's NumPy semantics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .ops import DTYPES, as_value
from .terms import App, Lambda, Lit, Term, Var


def evaluate(term: Term, env: Mapping[str, Any]) -> Any:
    """Evaluate `term` with free variables bound by name; returns a NumPy array or scalar.

    Raises `DomainError` when an op is applied outside its domain and `KeyError` for an unbound
    variable. Lambdas are evaluated vectorized: a map's lambda runs once on whole arrays.
    """
    return _eval(term, dict(env))


def _eval(term: Term, env: dict[str, Any]) -> Any:
    if isinstance(term, Var):
        return as_value(env[term.name], term.type)
    if isinstance(term, Lit):
        return as_value(term.value, term.type)
    if isinstance(term, App):
        args = [_closure(a, env) if isinstance(a, Lambda) else _eval(a, env) for a in term.args]
        with np.errstate(all="ignore"):
            return as_value(term.op.numpy(*args), term.type)
    raise TypeError(f"cannot evaluate {term!r}")


def closure(lam: Lambda, env: Mapping[str, Any]):
    """A lambda as a vectorized Python function, with its free variables bound by `env`."""
    return _closure(lam, dict(env))


def _closure(lam: Lambda, env: dict[str, Any]):
    def fn(*values: Any) -> Any:
        inner = dict(env)
        for p, v in zip(lam.params, values, strict=True):
            inner[p.name] = v
        return _eval_body(lam.body, inner)

    return fn


def _eval_body(term: Term, env: dict[str, Any]) -> Any:
    """Like `_eval`, but variables may be bound to whole arrays (vectorized lambda bodies)."""
    if isinstance(term, Var):
        return np.asarray(env[term.name], dtype=DTYPES[term.type.elem])
    if isinstance(term, App):
        args = [_eval_body(a, env) for a in term.args]  # lambda bodies hold no lambdas
        with np.errstate(all="ignore"):
            return term.op.numpy(*args)
    return _eval(term, env)
