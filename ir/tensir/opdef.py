"""How a TensIR op is declared, and the op table every other component derives from.

An `OpDef` holds everything about one op: its type rule, its NumPy reference semantics (the oracle
of every test), its SMT semantics in the index-function + length encoding, its prefix lemma, its
printed form, and per-target rendering entries. Nothing outside this declaration knows an op's
meaning, so adding an op (also from a plugin) never means editing a printer, a solver or a target.
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
    render: Mapping[str, Any] = field(default_factory=dict)
    """Per-target rendering entries, keyed by target name (see each target's docs)."""
    commutative: bool = False

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

    def register(self, op: OpDef, origin: str = "tensflo") -> OpDef:
        prior = self._ops.get(op.name)
        if prior is not None and prior is not op:
            raise ValueError(
                f"TensIR op {op.name!r} from {origin} is already defined by {self._origin[op.name]}"
            )
        self._ops[op.name] = op
        self._origin[op.name] = origin
        return op

    def unregister(self, name: str) -> None:
        self._ops.pop(name, None)
        self._origin.pop(name, None)

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


OPS = OpTable()
"""The op table: the single source of truth for what each TensIR op means."""


def register(op: OpDef) -> OpDef:
    """Register a built-in op."""
    return OPS.register(op)


class DomainError(ValueError):
    """Reference semantics were asked for an input outside an op's domain."""
