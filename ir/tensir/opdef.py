"""How a TensIR op is declared, and the op table every other component derives from.

An `OpDef` holds everything about what one op means: its type rule, its NumPy reference semantics
(the oracle of every test), its SMT semantics in the index-function + length encoding, its prefix
lemma, its printed form, and the facts that rewriting, lifting and code generation rely on (how a
reduction folds, the algebraic laws, which arguments are slice bounds, where arithmetic modulo 2^k
is exact). Nothing outside this declaration knows an op's meaning, so adding an op (also from a
plugin) never means editing a printer, a solver or a rewrite rule. How an op is written in each
target's code is the target's business: every target keeps its own table keyed by op name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .terms import App, Arg, Lambda, Term
from .types import FnType, TensIRTypeError, TensorType

ArgType = TensorType | FnType

FORMS = ("call", "infix", "prefix", "index", "slice")
"""Printed forms: `name(a, b)`, `a + b`, `-a`, `x[i]`, `x[lo:hi]`."""


@dataclass(frozen=True)
class Reduction:
    """How a reduction folds a vector, in index order: `acc = step(acc, x[k])` for k = 0, 1, ..."""

    kind: str
    """The fold's name wherever reductions are spelled apart from ops: SMT function names
    (`tf_sum_Int`), the llvm target's folds (`sum`, `prod`, `max`)."""
    step: str
    """The scalar op combining the accumulated value with the next element (`add`, `mul`, `max`);
    it is associative, so partial folds of two halves combine with it too."""
    identity: int | None
    """The fold of no elements (in the element type: 0 is 0.0 for floats). None: there is none; the
    fold starts from the first element and an empty vector is outside the op's domain."""
    smt: Callable[..., str]
    """One step in the SMT encoding: `smt(enc, elem, acc, x) -> expr`. The same function builds the
    recursive definition and its unrolling, so the two are equal term for term."""


@dataclass(frozen=True)
class Slicing:
    """Which part of its first argument a slicing op keeps: `axis`, from bound `lo` to bound `hi`."""

    axis: int = 0
    lo: int | None = None
    """Argument position of the lower bound; None: 0 (`take`)."""
    hi: int | None = None
    """Argument position of the upper bound; None: the length of the axis (`tail`)."""

    @property
    def bounds(self) -> tuple[int, ...]:
        """The argument positions that are bounds: values that decide the result's shape."""
        return tuple(p for p in (self.lo, self.hi) if p is not None)


@dataclass(frozen=True)
class Ordering:
    """A comparison of a total order, as `a < b`, `a <= b`, `a > b` or `a >= b`."""

    less: bool
    """True for `<` and `<=`."""
    strict: bool
    """True for `<` and `>`."""


@dataclass(frozen=True, eq=False)
class OpDef:
    """One TensIR op, declared once. Compared by identity; looked up by `name`."""

    name: str
    """Unique name; the call form prints it (`reduce_sum(x)`)."""
    arity: int
    infer: Callable[..., TensorType]
    """Type rule: argument types -> result type; raises `TensIRTypeError` with a readable message."""
    numpy: Callable[..., Any]
    """Reference semantics over NumPy values; lambdas arrive as vectorized Python callables."""
    smt: Callable[..., Any]
    """SMT semantics: `smt(enc, *args)` over `tensflo.ir.tensir.smt` values (both solvers)."""
    doc: str
    """One line for `tensflo ops` and docs/ops.md."""
    params: tuple[str, ...] = ()
    """Argument names for docs and prompts (`take(x, n)`); empty means positional placeholders."""
    form: str = "call"
    symbol: str | None = None
    """Operator symbol of the infix/prefix forms (`+`, `not`)."""
    prec: int = 100
    """Binding strength of infix/prefix forms; larger binds tighter (call forms are atoms)."""
    assoc: str = "left"
    """Associativity of an infix form: `left`, or `none` for comparisons (they do not chain)."""
    lambdas: Mapping[int, Callable[..., tuple[TensorType, ...]]] = field(default_factory=dict)
    """Argument positions that take a lambda -> rule giving its parameter types from the others."""
    prefix_args: tuple[int, ...] = ()
    """Arguments sliced by the prefix lemma (`op(x[:i+1], ...)`), on their first axis."""
    prefix_step: Callable[..., Term] | None = None
    """Prefix lemma: `op(xs[:i+1]) == prefix_step(op(xs[:i]), args, i)` for 0 <= i < len(xs)."""
    domain: str = ""
    """Precondition in words; outside it the reference semantics raise `DomainError`."""
    family: str | None = None
    """The scalar op an elementwise/broadcast family was derived from, for docs and search."""
    commutative: bool = False
    """`op(a, b) == op(b, a)`."""
    unit: int | bool | None = None
    """A literal the op ignores as its second operand: `op(x, unit) == x` (and as either operand
    when the op is commutative): `x + 0`, `x - 0`, `x * 1`, `x / 1`, `x and true`, `x or false`."""
    absorbing: int | bool | None = None
    """A literal that decides the result as either operand: `x or true == true`."""
    involution: bool = False
    """`op(op(x)) == x`: `not`, `neg`, `transpose`."""
    reflexive: bool | None = None
    """The value of `op(x, x)` for every x: true for `<=`, `>=`, `==`; false for `<`, `>`, `!=`."""
    ordering: Ordering | None = None
    """For a comparison of a total order: which one (`not a < b` is `b <= a` on ints)."""
    reduction: Reduction | None = None
    """For a reduction of a vector to a scalar: how it folds."""
    slicing: Slicing | None = None
    """For an op that keeps a range of its first argument: which axis and which bound arguments."""
    modular_args: tuple[int, ...] = ()
    """Argument positions that matter only modulo 2^k when an int result is needed only modulo
    2^k, for every k: all of them for the ring ops (`+`, `-`, `*`, negation, sums, products), the
    element-carrying argument of structural ops (never indices or bounds), the branches of `ite`.
    Empty: the op needs its arguments exactly (comparisons, division, `min`, `len`, ...). The llvm
    target computes such values in wrapping 32-bit arithmetic when only 32 bits are stored."""
    exact: bool = True
    """The SMT semantics fix the value on every input (as NumPy computes it). False: an
    uninterpreted function known only by facts that hold of the real function (`sqrt`, `exp`,
    `log`, `pow`); the semantics tests check that the facts agree with NumPy, and a proof about such
    an op holds for every function with those facts."""
    renderings: Mapping[str, Any] = field(default_factory=dict)
    """Entries for targets whose own tables do not know the op (a plugin op's renderings for the
    built-in targets), by target name, in the form that target's table uses."""

    def check(self, args: tuple[Arg, ...]) -> TensorType:
        """Type-check an application; returns the result type."""
        if len(args) != self.arity:
            raise TensIRTypeError(f"{self.name} takes {self.arity} argument(s), got {len(args)}")
        plain = tuple(None if i in self.lambdas else a.type for i, a in enumerate(args))
        for i, a in enumerate(args):
            if i in self.lambdas:
                if not isinstance(a, Lambda):
                    raise TensIRTypeError(f"argument {i + 1} of {self.name} must be a lambda")
                want = self.lambdas[i](*plain)
                if a.type.params != tuple(want):
                    shown = ", ".join(map(str, want))
                    raise TensIRTypeError(
                        f"the lambda of {self.name} must take ({shown}), got {a.type}"
                    )
            elif isinstance(a, Lambda):
                raise TensIRTypeError(f"argument {i + 1} of {self.name} cannot be a lambda")
        return self.infer(*(a.type for a in args))

    def __call__(self, *args: Arg) -> App:
        return App(self, tuple(args))

    def __repr__(self) -> str:
        return f"<op {self.name}>"


class OpTable:
    """Ops by name. Built-in ops are registered at import; plugins add theirs through a hook."""

    def __init__(self) -> None:
        self._ops: dict[str, OpDef] = {}
        self._origin: dict[str, str] = {}
        self._reductions: dict[str, Reduction] = {}
        """Reductions by kind, as the first op declaring each states it (SMT and llvm folds)."""

    def register(self, op: OpDef, origin: str = "tensflo") -> OpDef:
        prior = self._ops.get(op.name)
        if prior is not None and prior is not op:
            raise ValueError(
                f"TensIR op {op.name!r} from {origin} is already defined by {self._origin[op.name]}"
            )
        self._ops[op.name] = op
        self._origin[op.name] = origin
        self._index_reductions()
        return op

    def unregister(self, name: str) -> None:
        self._ops.pop(name, None)
        self._origin.pop(name, None)
        self._index_reductions()

    def _index_reductions(self) -> None:
        self._reductions = {}
        for op in self._ops.values():
            if op.reduction is not None:
                self._reductions.setdefault(op.reduction.kind, op.reduction)

    def get(self, name: str) -> OpDef | None:
        return self._ops.get(name)

    def __getitem__(self, name: str) -> OpDef:
        return self._ops[name]

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __iter__(self) -> Iterator[OpDef]:
        return iter(list(self._ops.values()))

    def __len__(self) -> int:
        return len(self._ops)

    def origin(self, name: str) -> str:
        return self._origin[name]

    def by_symbol(self, symbol: str, form: str) -> OpDef | None:
        for op in self._ops.values():
            if op.symbol == symbol and op.form == form:
                return op
        return None

    def by_ordering(self, ordering: Ordering) -> OpDef | None:
        """The first op declared as that comparison."""
        return next((op for op in self._ops.values() if op.ordering == ordering), None)

    def reduction(self, kind: str) -> Reduction:
        """The reduction of that kind (`sum`, `prod`, `max`), as declared by its op."""
        found = self._reductions.get(kind)
        if found is None:
            raise KeyError(f"no TensIR op reduces by {kind!r}")
        return found

    def is_reduction(self, kind: str) -> bool:
        return kind in self._reductions


OPS = OpTable()
"""The op table: the single source of truth for what each TensIR op means."""


def register(op: OpDef) -> OpDef:
    """Register a built-in op."""
    return OPS.register(op)


class DomainError(ValueError):
    """Reference semantics were asked for an input outside an op's domain."""
