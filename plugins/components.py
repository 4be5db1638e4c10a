"""The component protocols: everything the driver calls on what plugins register.

Components are plain objects (tensflo's own are frozen dataclasses) with a `name`; the driver
selects them by that name (`--target numpy`, `--verifier z3`). Each kind has one protocol of what
it must provide (`Frontend`, `Synthesizer`, `Verifier`, `Target`); what only some components
provide is a small protocol of its own (`Configurable`, `Closable`, `HasStats`, `HasSuffix`,
`ModelFinder`, `RunnableTarget`), which the driver tests with `isinstance`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from tensflo.ir.lifting import Case, LiftResult
    from tensflo.ir.loop import nodes as L
    from tensflo.ir.tensir import Function, OpDef, Term

KINDS = ("frontend", "synthesizer", "verifier", "target")

TargetReport = dict[str, Any]
"""What a target measured about one function's code, JSON-able (gemmini: cycles, utilisation,
bytes moved, `checked_on_emulator`); an `assumes` entry is shown as a warning."""


# -------------------------------------------------------------------------------------------------
# the four kinds
# -------------------------------------------------------------------------------------------------
@runtime_checkable
class Frontend(Protocol):
    """Reads source files into loop IR."""

    name: ClassVar[str]
    description: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    """File extensions it reads, with the dot (`.cc`, `.py`)."""

    def parse(self, path: str, text: str) -> L.Module:
        """The loop IR of a file; unsupported constructs raise `tensflo.ir.loop.nodes.LoopIRError`
        (or are kept as the module's `rejected` functions)."""
        ...


@runtime_checkable
class Synthesizer(Protocol):
    """Proposes TensIR candidates for a loop-IR specification."""

    name: ClassVar[str]
    description: ClassVar[str]

    def synthesize(self, module: L.Module, function: L.Function, /, *, deadline: float,
                   seed: int = 0, exclude: frozenset[Term] = frozenset(),
                   examples: tuple[Case, ...] = ()) -> list[LiftResult]:
        """Candidates (`tensflo.ir.lifting` results: a program, its parameters, precondition and
        proof obligations) for one loop-IR function.

        `deadline` is a `time.perf_counter()` value; `exclude` holds programs already refuted (a
        failed quick check or proof), which must not be proposed again; `examples` are inputs on
        which a refuted candidate differed from the source, to be matched too. Raise
        `tensflo.ir.lifting.NotLiftable` to say why nothing was found. A result's
        `found_by` replaces the synthesizer's name in the report.
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
class Target(Protocol):
    """Renders TensIR functions to code for one framework or device."""

    name: ClassVar[str]
    description: ClassVar[str]

    def available(self) -> tuple[bool, str]:
        """Whether the framework is importable here, and why not."""
        ...

    def emit(self, functions: list[Function], out: IO[str]) -> list[TargetReport] | None:
        """Write one module defining each function (same name, same parameter order).

        A target that measures its code returns one report per function (`TargetReport`);
        others return None. Raise `tensflo.plugins.errors.UsageError` for a program the target
        cannot generate (the function is then reported as not lifted, with the message).
        """
        ...


@runtime_checkable
class Available(Protocol):
    """A component that can say whether it works here (every target; a verifier or synthesizer
    needing an optional package)."""

    def available(self) -> tuple[bool, str]:
        """Whether it works here, and why not; must not import heavy packages to find out."""
        ...


def target_available(target: Available) -> tuple[bool, str]:
    """`target.available()` (of a target, or any component that can say), with a plugin's
    exception turned into the reason it is unavailable."""
    try:
        ok, why = target.available()
    except Exception as e:
        return False, f"available() raised {type(e).__name__}: {e}"
    return bool(ok), str(why or "")


# -------------------------------------------------------------------------------------------------
# optional capabilities
# -------------------------------------------------------------------------------------------------
@runtime_checkable
class Configurable(Protocol):
    """A component that takes options (targets, synthesizers, Gemmini planners).

    Synthesizers get the values of their plugin's `--<name>-*` flags (and `partners=`, the whole
    `--synth` list, when `configure` takes that keyword), afresh for every function; targets get
    the options whose dest starts with `target_` (gemmini: `--shapes`, `--search`, `--budget`)
    and `seed`. Bad values raise `tensflo.plugins.errors.UsageError`; the command checks them
    before any work.
    """

    def configure(self, **options: Any) -> Self:
        """A copy of this component with `options` applied (None values mean "keep")."""
        ...


@runtime_checkable
class Closable(Protocol):
    """A configured component holding resources (connections); closed when its function is done."""

    def close(self) -> None: ...


@runtime_checkable
class HasStats(Protocol):
    """A synthesizer that reports what it spent (shown under `synthesis.<name>` in the JSON)."""

    def stats(self, function: str) -> dict[str, Any]:
        """The cost of lifting `function` so far (llm: requests, tokens, seconds, rounds)."""
        ...


@runtime_checkable
class HasSuffix(Protocol):
    """A target whose code is not Python: the file extension of its modules (gemmini: `.c`)."""

    suffix: ClassVar[str]


def code_suffix(target: Target) -> str:
    """The file extension of the target's modules: its `suffix`, `.py` when it has none."""
    return target.suffix if isinstance(target, HasSuffix) else ".py"


@runtime_checkable
class RendersOps(Protocol):
    """A target that can say how it writes each op (shown by `tensflo ops`)."""

    def rendering(self, op: OpDef) -> str | None:
        """The target's form of `op` (a template's text or the name of the code builder), None
        when it cannot render the op."""
        ...


@runtime_checkable
class ModelFinder(Protocol):
    """A verifier that can return a model of a satisfiable script (z3): the driver turns a model of
    a refuted condition into a counterexample input for the synthesizers."""

    def model(self, script: str, variables: Sequence[tuple[str, int]],
              timeout: float = 10.0) -> dict[str, Any] | None:
        """Values of the named variables in a model of `script`, None when there is none.

        `variables` are (SMT name, rank): a scalar is an int, a vector a list, a matrix a list
        of rows.
        """
        ...


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
