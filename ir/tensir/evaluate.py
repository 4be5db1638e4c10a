"""The NumPy reference evaluator: a term's meaning, computed from the op table's NumPy semantics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .ops import DTYPES, as_value
from .terms import App, Lambda, Lit, Term, Var

Observer = Callable[[App, Any], None]
"""Called with each application and its value (inside lambdas: the vectorized value)."""


def evaluate(term: Term, env: Mapping[str, Any], observe: Observer | None = None) -> Any:
    """Evaluate `term` with free variables bound by name; returns a NumPy array or scalar.

    Raises `DomainError` when an op is applied outside its domain and `KeyError` for an unbound
    variable. Lambdas are evaluated vectorized: a map's lambda runs once on whole arrays.
    `observe`, if given, sees every intermediate value (e.g. to check they fit a machine type).
    """
    return _eval(term, dict(env), observe)


def _eval(term: Term, env: dict[str, Any], observe: Observer | None = None) -> Any:
    if isinstance(term, Var):
        return as_value(env[term.name], term.type)
    if isinstance(term, Lit):
        return as_value(term.value, term.type)
    if isinstance(term, App):
        args = [_closure(a, env, observe) if isinstance(a, Lambda) else _eval(a, env, observe)
                for a in term.args]
        with np.errstate(all="ignore"):
            value = as_value(term.op.numpy(*args), term.type)
        if observe is not None:
            observe(term, value)
        return value
    raise TypeError(f"cannot evaluate {term!r}")


def closure(lam: Lambda, env: Mapping[str, Any]):
    """A lambda as a vectorized Python function, with its free variables bound by `env`."""
    return _closure(lam, dict(env))


def _closure(lam: Lambda, env: dict[str, Any], observe: Observer | None = None):
    def fn(*values: Any) -> Any:
        inner = dict(env)
        for p, v in zip(lam.params, values, strict=True):
            inner[p.name] = v
        return _eval_body(lam.body, inner, observe)

    return fn


def _eval_body(term: Term, env: dict[str, Any], observe: Observer | None) -> Any:
    """Like `_eval`, but variables may be bound to whole arrays (vectorized lambda bodies)."""
    if isinstance(term, Var):
        return np.asarray(env[term.name], dtype=DTYPES[term.type.elem])
    if isinstance(term, App):
        # lambda bodies hold no lambdas
        args = [_eval_body(term.term(i), env, observe) for i in range(len(term.args))]
        with np.errstate(all="ignore"):
            value = term.op.numpy(*args)
        if observe is not None:
            observe(term, value)
        return value
    return _eval(term, env, observe)
