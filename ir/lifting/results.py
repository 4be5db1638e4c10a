"""What lifting produces: the lifted program with its obligations, or why it could not be lifted;
and the two vector states the symbolic executor tracks besides terms."""

from __future__ import annotations

from dataclasses import dataclass

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import Term, Var
from tensflo.ir.tensir.types import TensorType


class NotLiftable(Exception):
    """The loop shapes rules cannot read this code; `loc` says where and `reason` why."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(f"{loc}: {reason}")
        self.loc = loc
        self.reason = reason


@dataclass(frozen=True)
class Empty:
    """A vector known to be empty (`vector<int> v;`, `v = []`)."""

    type: TensorType


@dataclass(frozen=True)
class Presized:
    """`vector<int> v(n, fill)` not yet written: becomes a push loop if written at the counter."""

    type: TensorType
    length: L.Expr
    fill: L.Expr | None
    length_term: Term


Sym = Term | Empty | Presized
"""A variable's value during symbolic execution."""


@dataclass(frozen=True)
class Obligation:
    """One verification condition: under `assume` and the `hyps` equalities, each `goal` holds.

    `kind` is initiation / preservation / postcondition / precondition; terms are TensIR.
    """

    kind: str
    loc: Loc
    assume: tuple[Term, ...]
    hyps: tuple[tuple[Term, Term], ...]
    goals: tuple[tuple[Term, Term], ...]
    domain_of: Term | None = None
    """When set, the goal is that this term is inside the domain of all its ops."""


@dataclass
class LiftResult:
    """The program, its precondition and the obligations that prove them equivalent."""

    program: Term
    params: tuple[Var, ...]
    requires: list[Term]
    obligations: list[Obligation]
    proof_complete: bool = True
    """False when the obligations do not cover the equivalence (the program can only be tested)."""
    found_by: str | None = None
    """Who proposed the program when a synthesizer wants to say more than its name (`llm+enum`)."""
