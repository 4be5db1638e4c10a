"""The component protocols that plugins register: frontends, synthesizers, verifiers and targets.

Components are plain objects (tensflo's own are frozen dataclasses) with a `name`; the driver
selects them by that name (`--target numpy`, `--verifier z3`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from tensflo.ir.tensir import Function

KINDS = ("frontend", "synthesizer", "verifier", "target")


@runtime_checkable
class Target(Protocol):
    """Renders TensIR functions to code for one framework or device."""

    name: ClassVar[str]
    description: ClassVar[str]

    def available(self) -> tuple[bool, str]:
        """Whether the framework is importable here, and why not."""
        ...

    def emit(self, functions: list[Function], out: IO[str]) -> None:
        """Write one module defining each function (same name, same parameter order)."""
        ...


@dataclass(frozen=True)
class CheckResult:
    """A solver's answer to one SMT-LIB2 script: `unsat`, `sat`, `unknown` or `timeout`."""

    status: str
    seconds: float
    solver: str
    reason: str = ""


@runtime_checkable
class Verifier(Protocol):
    """Decides SMT-LIB2 scripts produced by `tensflo.ir.tensir.smt.Encoder`."""

    name: ClassVar[str]
    description: ClassVar[str]
    dialect: ClassVar[str]
    """Which encoder dialect it reads (`z3` or `cvc5`)."""

    def check(self, script: str, timeout: float = 10.0) -> CheckResult: ...


@runtime_checkable
class Frontend(Protocol):
    """Reads source files into loop IR."""

    name: ClassVar[str]
    description: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def parse(self, path: str, text: str) -> Any: ...


@runtime_checkable
class Synthesizer(Protocol):
    """Proposes TensIR candidates for a loop-IR specification."""

    name: ClassVar[str]
    description: ClassVar[str]

    def synthesize(self, module: Any, function: Any, *, deadline: float, seed: int = 0,
                   exclude: frozenset = frozenset(), examples: tuple = ()) -> list[Any]:
        """Candidates (`tensflo.compiler.symbolic.LiftResult`) for one loop-IR function.

        Called with keywords; `exclude` holds programs already refuted (a failed quick check or
        proof), which must not be proposed again; `examples` are inputs (`inputs.Case`) on which
        a refuted candidate differed from the source, to be matched too. Raise `NotLiftable` to
        say why nothing was found.
        """
        ...
