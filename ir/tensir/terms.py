"""TensIR terms: variables, literals, lambdas and op applications.

Terms are frozen dataclasses with structural equality and a cached hash. An `App` computes its type
from its op's type rule at construction, so an ill-typed term cannot be built.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from .types import BOOL, FLOAT, INT, FnType, TensIRTypeError, TensorType

if TYPE_CHECKING:
    from .opdef import OpDef


class Term:
    """Base class of TensIR terms (`Var`, `Lit`, `App`); lambdas appear only as op arguments."""

    __slots__ = ()
    type: TensorType

    def __str__(self) -> str:
        from .printer import print_term

        return print_term(self)


@dataclass(frozen=True, slots=True)
class Var(Term):
    """A free or lambda-bound variable."""

    name: str
    type: TensorType

    def __repr__(self) -> str:
        return f"Var({self.name!r}, {self.type})"


@dataclass(frozen=True, slots=True)
class Lit(Term):
    """A scalar literal; its Python value matches its type (int, float or bool)."""

    value: int | float | bool
    type: TensorType

    def __post_init__(self) -> None:
        expected = {"bool": bool, "int": int, "float": float}[self.type.elem]
        if self.type.rank != 0 or type(self.value) is not expected:
            raise TensIRTypeError(f"literal {self.value!r} is not a {self.type}")

    def __repr__(self) -> str:
        return f"Lit({self.value!r})"


def lit(value: int | float | bool) -> Lit:
    """A literal whose type follows its Python type."""
    if isinstance(value, bool):
        return Lit(value, BOOL)
    if isinstance(value, int):
        return Lit(value, INT)
    return Lit(float(value), FLOAT)


@dataclass(frozen=True, slots=True)
class Lambda:
    """An anonymous function over scalars, used as an argument of map/selection ops."""

    params: tuple[Var, ...]
    body: Term
    type: FnType = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.body.type.is_scalar:
            raise TensIRTypeError(f"a lambda body must be a scalar, got {self.body.type}")
        for p in self.params:
            if not p.type.is_scalar:
                raise TensIRTypeError(f"lambda parameter {p.name} must be a scalar, got {p.type}")
        for v in free_vars(self.body):
            if not v.type.is_scalar:
                raise TensIRTypeError(
                    f"a lambda body may only use scalar variables; {v.name} is a {v.type}"
                )
        object.__setattr__(self, "type", FnType(tuple(p.type for p in self.params), self.body.type))


Arg = Term | Lambda


@dataclass(frozen=True, slots=True, eq=False)
class App(Term):
    """An application of a TensIR op; `type` comes from the op's type rule."""

    op: OpDef
    args: tuple[Arg, ...]
    type: TensorType = field(init=False, repr=False)
    _hash: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", self.op.check(self.args))
        object.__setattr__(self, "_hash", hash((self.op.name, self.args)))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, App) or self._hash != other._hash:
            return False
        return self.op is other.op and self.args == other.args

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"App({self.op.name}, {self.args!r})"

    def term(self, i: int) -> Term:
        """Argument `i`, which must be a term (a lambda raises `TypeError`)."""
        a = self.args[i]
        if isinstance(a, Lambda):
            raise TypeError(f"argument {i + 1} of {self.op.name} is a lambda")
        return a


def children(term: Arg) -> tuple[Arg, ...]:
    if isinstance(term, App):
        return term.args
    if isinstance(term, Lambda):
        return (term.body,)
    return ()


def subterms(term: Arg) -> Iterator[Arg]:
    """All subterms in pre-order, including `term` itself."""
    stack = [term]
    while stack:
        t = stack.pop()
        yield t
        stack.extend(reversed(children(t)))


def free_vars(term: Arg) -> set[Var]:
    """Variables of `term` not bound by an enclosing lambda."""
    if isinstance(term, Var):
        return {term}
    if isinstance(term, Lambda):
        return free_vars(term.body) - set(term.params)
    if isinstance(term, App):
        out: set[Var] = set()
        for a in term.args:
            out |= free_vars(a)
        return out
    return set()


def size(term: Arg) -> int:
    """Number of nodes, the first component of a candidate's cost."""
    return sum(1 for _ in subterms(term))


@overload
def substitute(term: Term, mapping: Mapping[Var, Term]) -> Term: ...
@overload
def substitute(term: Lambda, mapping: Mapping[Var, Term]) -> Lambda: ...
@overload
def substitute(term: Arg, mapping: Mapping[Var, Term]) -> Arg: ...


def substitute(term: Arg, mapping: Mapping[Var, Term]) -> Arg:
    """Replace free variables; lambda-bound names shadow the mapping."""
    if isinstance(term, Var):
        return mapping.get(term, term)
    if isinstance(term, Lambda):
        inner = {k: v for k, v in mapping.items() if k not in term.params}
        return Lambda(term.params, substitute(term.body, inner))
    if isinstance(term, App):
        return App(term.op, tuple(substitute(a, mapping) for a in term.args))
    return term


__all__ = [
    "Term",
    "Var",
    "Lit",
    "Lambda",
    "App",
    "Arg",
    "lit",
    "children",
    "subterms",
    "free_vars",
    "size",
    "substitute",
    "INT",
    "FLOAT",
    "BOOL",
]
