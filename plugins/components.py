"""The component protocols that plugins register: frontends, synthesizers, verifiers and targets.

Components are plain objects (tensflo's own are frozen dataclasses) with a `name`; the driver
selects them by that name (`--target numpy`, `--verifier z3`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def target_available(target: Any) -> tuple[bool, str]:
    """`target.available()`, with a plugin's exception turned into the reason it is unavailable."""
    try:
        ok, why = target.available()
    except Exception as e:
        return False, f"available() raised {type(e).__name__}: {e}"
    return bool(ok), str(why or "")


@runtime_checkable
class Executable(Protocol):
    """One compiled TensIR function, ready to run in this process (what `tensflo bench` times).

    The three steps are separate so that timing can exclude conversion: `prepare` moves NumPy
    inputs into the target's own representation, `run` computes (and returns only once the result
    exists, also on lazy or asynchronous frameworks), `fetch` converts a result back to NumPy.
    """

    def prepare(self, args: Sequence[Any]) -> Any:
        """Arguments in parameter order (NumPy arrays and scalars) -> the target's representation."""
        ...

    def run(self, prepared: Any) -> Any:
        """Compute the function on prepared arguments; blocks until the result is computed."""
        ...

    def fetch(self, result: Any) -> Any:
        """A result of `run` as a NumPy array (tensors) or NumPy scalar."""
        ...


@runtime_checkable
class RunnableTarget(Target, Protocol):
    """A target whose code can run in this process (numpy, torch, mlx, jax, llvm)."""

    def executable(self, fn: Function, dtypes: Mapping[str, str] | None = None) -> Executable:
        """Compile `fn` for running here.

        `dtypes` maps parameter names (and `"return"`) to NumPy dtype names of the buffers the
        caller passes and expects (`int32`, `int64`, `float32`, `float64`); missing entries are
        `int64` / `float64` / `bool`. Buffer types only say how values are stored: arithmetic on
        `int` is 64-bit on every target (TensIR's ints are unbounded; int64 is their runtime type).
        """
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
        """Candidates (`tensflo.ir.lifting.symbolic.LiftResult`) for one loop-IR function.

        Called with keywords; `exclude` holds programs already refuted (a failed quick check or
        proof), which must not be proposed again; `examples` are inputs (`inputs.Case`) on which
        a refuted candidate differed from the source, to be matched too. Raise `NotLiftable` to
        say why nothing was found.
        """
        ...
