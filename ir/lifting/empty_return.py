"""`if not xs: return v` at the top of a function: the rest is lifted on `1 <= len(xs)`.

An early return on an empty input (`not xs`, `len(xs) == 0`, `len(xs) < 1`, `len(xs) <= 0` of a
vector parameter, or several such tests joined by `or`), before any other statement, leaves the rest of the function to the non-empty
inputs: the function without that statement is lifted on `1 <= len(xs)`, and the empty input is
answered at the generated entry by `zero_trip`, which evaluates the whole function there (the
test is decided, `v` returned). `variant_lifters` gives the lifters of the rewritten forms a
function is tried in when it does not lift as written: a seed's first iteration peeled
(`peel_seed`), an infinite seed only ints meet stored as an int (`infinite_seeds`), the rest
after an empty return, each also with its sign choices written as `max` (`sign_choice`), and
each of those peeled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Term, Var

from .build import ONE, mk
from .executor import Lifter
from .infinite_seeds import int_seed_variant
from .peel_seed import peeled_lifter
from .sign_choice import max_updates


def emptiness_test(cond: L.Expr, vectors: set[str]) -> list[str]:
    """The vector parameters `cond` holds exactly when one of them is empty (`not a or not b`),
    or [] when it is no such test."""
    match cond:
        case L.Unary("not", L.Name(x)) if x in vectors:
            return [x]
        case L.Binary(op, L.Len(L.Name(x)), L.Const(c)) if x in vectors and not isinstance(c, bool):
            return [x] if (op, c) in (("==", 0), ("<", 1), ("<=", 0)) else []
        case L.Binary(op, L.Const(c), L.Len(L.Name(x))) if x in vectors and not isinstance(c, bool):
            return [x] if (op, c) in (("==", 0), (">", 1), (">=", 0)) else []
        case L.Binary("or", a, b):
            left, right = emptiness_test(a, vectors), emptiness_test(b, vectors)
            return [*left, *right] if left and right else []
    return []


def empty_return(fn: L.Function) -> tuple[L.If, L.Function, list[Term]] | None:
    """`fn`'s leading `if <a vector is empty>: ...; return v`, the function without it, and the
    precondition the rest is lifted on (`1 <= len(x)` for each tested vector); None otherwise."""
    first = fn.body[0] if fn.body else None
    if not isinstance(first, L.If) or first.orelse or not first.then \
            or not isinstance(first.then[-1], L.Return):
        return None
    vectors = {p.name: Var(p.name, p.type) for p in fn.params if p.type.rank == 1}
    tested = emptiness_test(first.cond, set(vectors))
    if not tested:
        return None
    given: list[Term] = [mk("le", ONE, mk("len", vectors[x])) for x in dict.fromkeys(tested)]
    return first, replace(fn, body=fn.body[1:]), given


def variant_lifters(module: L.Module, fn: L.Function) -> Iterator[tuple[str, Lifter]]:
    """Lifters (not yet run) of the rewritten forms of `fn`, each with the precondition its
    rewrite holds on and its kind (`peel`, `int seed`, `sign`, `rest`; see the module
    docstring)."""
    found = empty_return(fn)
    forms: list[tuple[str, L.Function, list[Term]]] = [("peel", fn, [])]
    ints = int_seed_variant(fn)
    if ints is not None:
        forms.append(("int seed", ints, []))
    if found is not None:
        forms.append(("rest", found[1], found[2]))
    for kind, form, given in forms:
        maxed = max_updates(form)
        for label, version in ((kind, form), ("sign", maxed)):
            if version is None:
                continue
            if version is not fn:
                lifter = Lifter(module, version)
                lifter.conditions.requires.extend(given)
                yield label, lifter
            peeled = peeled_lifter(module, version, given)
            if peeled is not None:
                yield label, peeled
