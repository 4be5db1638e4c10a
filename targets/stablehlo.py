"""The stablehlo target: each TensIR function lowered through JAX to a StableHLO module (text).

StableHLO is the form XLA compiles for TPUs (and CPUs, GPUs). The function is the jax target's
code, unchanged: the same op entries (`jax.RENDER`: C's truncating `/` and `%` through the
runtime helpers, Python's floor division, every other op), the same static parameters
(`jax.static_params`). It is traced with `jax.jit(...).lower` at fixed shapes, so a module has
static shapes: `shapes` gives every tensor parameter's shape and the value of every int parameter
a slice bound is computed from (`x=1024,m=64x32,n=8`); other scalars stay arguments. A function
whose shapes depend on tensor values (`x[:reduce_sum(y)]`) cannot be traced and is refused.

Ints are int64, floats float64, as in TensIR. A function lifted from Python (exact ints) is
generated only when no int intermediate can leave int64 for any int64 input (as the llvm target
does: a module has no call-time check). Where TensIR has no value XLA still computes one (it
broadcasts unequal shapes, clamps positions): the reference is evaluated at the shapes, on zeros,
and shapes outside the domain are refused. What depends on values, a position `x[i]` with `i`
known only at run time, is reported as what the module assumes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any, ClassVar

from tensflo.ir.tensir import App, DomainError, Function, Lambda, Lit, OpDef, Term, Var, evaluate
from tensflo.ir.tensir.magnitude import int64_for_int64_inputs, magnitude_bound
from tensflo.ir.tensir.ops import LEN
from tensflo.ir.tensir.terms import Arg
from tensflo.plugins.components import TargetReport
from tensflo.plugins.errors import UsageError
from tensflo.plugins.hookspecs import hookimpl

from .gemmini.lower import parse_shapes
from .jax import JaxTarget, static_params
from .optable import rendering
from .pyexpr import PyTable

DTYPES = {"int": "int64", "float": "float64", "bool": "bool"}
"""Element type -> the StableHLO element dtype of a parameter (as JAX names it)."""


@dataclass(frozen=True)
class Signature:
    """How a function is traced: per parameter an abstract array (shape, dtype) or a static int."""

    args: tuple[tuple[str, tuple[int, ...], str] | int, ...]

    def describe(self, fn: Function) -> str:
        parts = []
        for p, a in zip(fn.params, self.args, strict=True):
            if isinstance(a, int):
                parts.append(f"{p.name} = {a} (static)")
            else:
                dims = "x".join(map(str, a[1]))
                parts.append(f"{p.name}: {a[2]}[{dims}]" if dims else f"{p.name}: {a[2]} scalar")
        return ", ".join(parts)


def signature(fn: Function, shapes: Mapping[str, tuple[int, ...]]) -> Signature:
    """The traced signature of `fn` at `shapes`; a missing or ill-formed shape is a `UsageError`."""
    static = static_params(fn)
    if static is None:
        raise UsageError(f"{fn.name}: a slice bound depends on tensor values (a data-dependent "
                         f"shape); a StableHLO module has static shapes")
    args: list[tuple[str, tuple[int, ...], str] | int] = []
    for p in fn.params:
        given = shapes.get(p.name)
        if p in static:
            if given is None or len(given) != 1:
                raise UsageError(f"{fn.name}: int parameter {p.name!r} decides a shape, so the "
                                 f"module needs its value: add {p.name}=VALUE to --shapes")
            args.append(given[0])
        elif p.type.rank == 0:
            args.append((p.name, (), DTYPES[p.type.elem]))
        else:
            if given is None:
                raise UsageError(f"{fn.name}: no shape for tensor parameter {p.name!r} "
                                 f"({p.type}): add {p.name}={'x'.join(['N'] * p.type.rank)} "
                                 f"to --shapes")
            if len(given) != p.type.rank or min(given) < 0:
                raise UsageError(f"{fn.name}: shape {'x'.join(map(str, given))} of {p.name!r} "
                                 f"does not fit its type {p.type} (rank {p.type.rank})")
            args.append((p.name, given, DTYPES[p.type.elem]))
    return Signature(tuple(args))


def _known(t: Arg, static: frozenset[Var]) -> bool:
    """Whether scalar `t` is known when the module is generated: literals, static ints, lengths
    (shapes are static) and scalar ops of those."""
    if isinstance(t, Lit):
        return True
    if isinstance(t, Var):
        return t in static
    if isinstance(t, App):
        return t.op is LEN or (t.type.rank == 0 and all(_known(a, static) for a in t.args))
    return False


def value_dependent(fn: Function, static: frozenset[Var]) -> list[str]:
    """The ops applied to tensors with a scalar int argument known only at run time (`x[i]`,
    `stride(x, s, ...)`): whether they stay in their domain depends on the inputs' values. The
    other ops' domains (equal shapes, non-empty maxima, matching dims) depend on shapes only."""
    found: set[str] = set()
    stack: list[Arg] = [fn.body]
    while stack:
        t = stack.pop()
        if isinstance(t, Lambda):
            stack.append(t.body)
        if not isinstance(t, App):
            continue
        stack.extend(t.args)
        scalars = [a for a in t.args if isinstance(a, Term) and a.type.rank == 0]
        if t.op.family is None and len(scalars) < len(t.args) and any(
                a.type.elem == "int" and not _known(a, static) for a in scalars):
            found.add(t.op.name)
    return sorted(found)


def check_domain(fn: Function, sig: Signature, uncertain: list[str]) -> None:
    """Refuse shapes at which the program leaves its domain (the reference evaluated on zeros):
    XLA would compute something (broadcast unequal shapes, clamp) where TensIR has no value."""
    import numpy as np

    zero = {"int": 0, "float": 0.0, "bool": False}
    env = {p.name: a if isinstance(a, int) else np.full(a[1], zero[p.type.elem], dtype=a[2])
           for p, a in zip(fn.params, sig.args, strict=True)}
    try:
        evaluate(fn.body, env)
    except DomainError as e:
        which = (f" with every input 0 ({', '.join(uncertain)} read positions known only at run "
                 f"time)") if uncertain else ""
        raise UsageError(f"{fn.name}: at these shapes the program leaves its domain{which}: {e}; "
                         f"a module would compute a value where TensIR has none") from None


def python_refusal(fn: Function) -> str | None:
    """Why `fn`, lifted from Python (exact ints), cannot be a StableHLO module, or None."""
    bound = magnitude_bound(fn)
    if bound.has_ints and not int64_for_int64_inputs(bound):
        return (f"{fn.name} is lifted from Python, whose ints never overflow, and an int "
                f"intermediate can exceed int64 for int64 inputs; a StableHLO module computes in "
                f"int64 without a check (use numpy for exact ints, or jax, which raises "
                f"OverflowError)")
    return None


def lower(fn: Function, sig: Signature) -> Any:
    """`fn` as the jax target writes it, traced by `jax.jit(...).lower` at `sig` (a `Lowered`)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    plain = Function(fn.name, fn.params, fn.body)  # the program: entry checks are Python-side
    traced = JaxTarget().compile([plain])[fn.name].__wrapped__  # the function under its jax.jit
    static = tuple(k for k, a in enumerate(sig.args) if isinstance(a, int))
    # keep_unused: every non-static parameter stays an argument (`len(x)` reads no element of x)
    jitted = jax.jit(traced, static_argnums=static, keep_unused=True)
    args = [a if isinstance(a, int) else jax.ShapeDtypeStruct(a[1], a[2]) for a in sig.args]
    return jitted.lower(*args)


HEADER = "// StableHLO generated by tensflo"
"""The first line of each function's module in an emitted file."""


def split_modules(text: str) -> dict[str, str]:
    """An emitted file of several functions (a module of named modules, which XLA does not
    compile as one program) as one module text per function name."""
    out: dict[str, str] = {}
    for part in text.split(HEADER)[1:]:
        name = part.split("\n", 1)[0].rsplit(": ", 1)[-1].strip()
        out[name] = HEADER + part
    return out


def portable_artifact(text: str) -> bytes:
    """The module parsed by StableHLO's own parser and verifier, serialized as a portable
    artifact (versioned VHLO bytecode, the form to ship to another XLA); raises on bad text."""
    from jax.extend.mlir import serialize_portable_artifact
    from jaxlib.mlir.dialects import stablehlo

    return serialize_portable_artifact(text, stablehlo.get_current_version())


def cpu_function(text: str) -> Callable[[Sequence[Any]], Any]:
    """The module text compiled by XLA for this CPU: a function of the arguments (NumPy values,
    one per non-static parameter) returning the result as a NumPy value."""
    import jax
    import numpy as np
    from jax.extend import backend

    jax.config.update("jax_enable_x64", True)
    client = backend.get_backend("cpu")
    options = backend.get_compile_options(num_replicas=1, num_partitions=1)
    executable = client.compile_and_load(text, client.devices()[:1], options)

    def run(args: Sequence[Any]) -> Any:
        (result,) = executable.execute([jax.device_put(np.asarray(a)) for a in args])
        return np.asarray(result)

    return run


def run_on_cpu(text: str, args: Sequence[Any]) -> Any:
    """Compile the module text with XLA for this CPU and run it once on `args`."""
    return cpu_function(text)(args)


@dataclass(frozen=True)
class StableHloTarget:
    """A StableHLO module (MLIR text) per function, at the shapes given by `shapes`."""

    name: ClassVar[str] = "stablehlo"
    description: ClassVar[str] = "StableHLO modules (MLIR text) through JAX, for XLA/TPU; needs --shapes"
    suffix: ClassVar[str] = ".mlir"
    """File extension of the generated code (batch compile's `-o DIR`)."""
    int_policy: ClassVar[str] = "int64-inputs"
    """Functions lifted from Python compile only when no int intermediate can leave int64."""
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    table: ClassVar[PyTable] = JaxTarget.table
    """The jax target's entries: a module is the jax target's code, traced."""

    def available(self) -> tuple[bool, str]:
        """Whether jax is installed, found without importing it."""
        import importlib.util

        try:
            found = importlib.util.find_spec("jax") is not None
        except (ImportError, ValueError) as e:
            return False, f"jax cannot be found ({type(e).__name__}: {e})"
        if not found:
            return False, "jax is not importable (not installed); pip install 'tensflo[jax]'"
        return True, ""

    def rendering(self, op: OpDef) -> str | None:
        """How the target writes `op` (for `tensflo ops`): the jax target's entry."""
        return rendering(self.table, op, "jax")

    def configure(self, shapes: str | None = None, seed: int | None = None) -> StableHloTarget:
        """This target with `--shapes` applied (`seed` does not concern it)."""
        return self if shapes is None else replace(self, shapes=tuple(parse_shapes(shapes).items()))

    def modules(self, functions: list[Function], source_lang: str | None = None
                ) -> list[tuple[Function, Signature, str]]:
        """Each function, its traced signature and its StableHLO text."""
        if not self.shapes:
            raise UsageError("the stablehlo target needs shapes: give `--shapes x=1024,m=64x32,n=8` "
                             "(tensor parameters' dims, and int parameters that decide a shape)")
        out = []
        for fn in functions:
            refusal = python_refusal(fn) if source_lang == "python" else None
            if refusal is not None:
                raise UsageError(refusal)
            sig = signature(fn, dict(self.shapes))
            check_domain(fn, sig, value_dependent(fn, static_params(fn) or frozenset()))
            out.append((fn, sig, lower(fn, sig).as_text()))
        return out

    def emit(self, functions: list[Function], out: IO[str], source_lang: str | None = None
             ) -> list[TargetReport]:
        """Write one StableHLO module per function (`module @jit_<name>`), each after a comment
        header; returns one report per function (its signature and what the module assumes)."""
        from tensflo.version import __version__

        from .type_checks import computed_check_refusal

        if (refusal := computed_check_refusal(functions, self.name)) is not None:
            raise UsageError(refusal)
        reports: list[TargetReport] = []
        buf = io.StringIO()
        for fn, sig, text in self.modules(functions, source_lang):
            body = str(fn).strip().replace("\n", " ")
            uncertain = value_dependent(fn, static_params(fn) or frozenset())
            assumes = (f"positions read by {', '.join(uncertain)} are in range (XLA clamps a "
                       f"position out of range where TensIR has no value)") if uncertain else ""
            buf.write(f"{HEADER} {__version__} (target stablehlo): {fn.name}\n"
                      f"// TensIR: {body}\n// inputs: {sig.describe(fn)}\n"
                      f"// ints are int64 (C `/` and `%` truncate, x / 0 == 0, x % 0 == x)\n"
                      + (f"// assumes: {assumes}\n" if assumes else "") + f"{text.rstrip()}\n")
            reports.append({"inputs": sig.describe(fn), **({"assumes": assumes} if assumes else {})})
        out.write(buf.getvalue())
        return reports


@hookimpl
def tensflo_register_targets() -> list[StableHloTarget]:
    return [StableHloTarget()]
