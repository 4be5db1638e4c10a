"""Building TensIR terms while lifting: folded construction and the scalar conversions of C++ and
Python (booleans as numbers, int literals next to floats)."""

from __future__ import annotations

from collections.abc import Sequence

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import OPS, Lambda, Lit, Term, lit, rewrite
from tensflo.ir.tensir.types import BOOL, TensorType

from .results import NotLiftable


def fresh_name(base: str, taken: set[str]) -> str:
    """`base`, with `_` appended until it is not in `taken`; the name is added to `taken`."""
    name = base
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def mk(name: str, *args: Term | Lambda) -> Term:
    """The op `name` applied to `args`, constant-folded."""
    return rewrite.fold(OPS[name](*args))


ZERO, ONE = lit(0), lit(1)


def conj(ts: Sequence[Term]) -> Term:
    """The conjunction of `ts` (`true` when empty)."""
    out: Term = lit(True)
    for t in ts:
        out = mk("and", out, t)
    return out


def as_bool(t: Term) -> Term:
    """A scalar used as a condition: nonzero is true."""
    if t.type == BOOL:
        return t
    return mk("ne", t, lit(0) if t.type.elem == "int" else lit(0.0))


def coerce(t: Term, want: TensorType) -> Term:
    """`t` converted to `want` as an assignment or a call converts it; raises `NotLiftable`."""
    if t.type == want:
        return t
    if want == BOOL and t.type.is_scalar:
        return as_bool(t)
    if t.type == BOOL and want.is_scalar and want.elem == "int":
        return mk("ite", t, ONE, ZERO)
    if isinstance(t, Lit) and want.elem == "float" and t.type.elem == "int":
        return lit(float(t.value))
    raise NotLiftable(L.NOWHERE, f"a conversion from {t.type} to {want}")


def unify_numeric(*ts: Term) -> tuple[Term, ...]:
    """Booleans used as numbers become 0/1; int literals next to floats become floats."""
    out = [mk("ite", t, ONE, ZERO) if t.type == BOOL and any(u.type != BOOL for u in ts) else t
           for t in ts]
    if any(t.type.elem == "float" for t in out):
        out = [lit(float(t.value)) if isinstance(t, Lit) and t.type.elem == "int" else t for t in out]
    return tuple(out)


def term_arg(t: Term | Lambda) -> Term:
    """An op argument that the op's type rule makes a term (not a lambda)."""
    assert isinstance(t, Term), f"a lambda where a term was expected: {t}"
    return t
