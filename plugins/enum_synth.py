"""The `enum` synthesizer: type-directed bottom-up enumeration over TensIR with observational
equivalence on examples.

Examples are inputs inside the source's domain with the reference interpreter's outputs. Leaves are
the parameters, their slices by the loop bounds (`x[:n]`, `m[:r]` and its column slice), `transpose`
of matrices, and the constants in the source. Lambdas for maps and selections are not enumerated:
they are mined from the loops' per-iteration updates (each read `x[i + c]` becomes a lambda
parameter). Terms are built by size from every op's type rule (`typed_signatures`); a term whose
outputs on all examples equal an earlier term's is dropped, so each behaviour is kept once (the
smallest). The first term that matches every example is returned, with the template-invariant
obligations when the function's shape allows (`tensflo.ir.lifting.check_candidate`). The same
search runs on every input; its order is fixed, so results are deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from tensflo.ir.lifting import (
    Case,
    LiftResult,
    NotLiftable,
    abstract_reads,
    check_candidate,
    draw_cases,
    iteration_updates,
    loop_bounds,
    same,
)
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import (
    OPS,
    App,
    DomainError,
    Lambda,
    Term,
    Var,
    free_vars,
    lit,
    rewrite,
    subterms,
)
from tensflo.ir.tensir.evaluate import closure
from tensflo.ir.tensir.ops import MATH_OPS, RECURRENCE_OPS, SCAN_OPS, SEARCH_OPS, as_value
from tensflo.ir.tensir.signatures import typed_signatures
from tensflo.ir.tensir.types import FnType, TensIRTypeError, TensorType
from tensflo.plugins.errors import UsageError
from tensflo.plugins.hookspecs import hookimpl

from .enum_budget import DEFAULT_MEMORY_MB, BudgetExhausted, MemoryBudget

OE_EXAMPLES = 12
"""Examples that decide observational equivalence; a match is then checked on all of them."""
_SKIP = frozenset({"ite", "stride", "stride_update", "flatten_rows", "full", "iota", *MATH_OPS, *SEARCH_OPS,
                   *SCAN_OPS, *RECURRENCE_OPS})
"""Ops not enumerated at the top level: scalar `ite`, libm and the conversions belong inside
mined lambdas, searches and arg-extremes come from the loop-shape rules of early exits, strided
views from the rule for strided reads, scans from the rule for running values, `iota` (a vector
as long as an int it is given) from the rule for counters used as values, linear
recurrences and powers from the rule for linear updates and the source's own `**` (and leave the
search over other sources as it was)."""


@dataclass
class _Entry:
    term: Term
    values: tuple[Any, ...]


@dataclass
class _Bank:
    """Terms by (size, type), each with its outputs on the examples; one term per behaviour."""

    by_size: dict[int, dict[TensorType, list[_Entry]]] = field(default_factory=dict)
    seen: set[tuple[TensorType, bytes]] = field(default_factory=set)
    budget: MemoryBudget = field(default_factory=MemoryBudget)

    def add(self, size: int, entry: _Entry) -> bool:
        """Keep `entry` unless a kept term behaves the same; raises `BudgetExhausted` when the
        terms kept pass the memory budget."""
        key = (entry.term.type, _fingerprint(entry.values))
        if key in self.seen:
            return False
        self.budget.charge(entry.values)
        self.seen.add(key)
        self.by_size.setdefault(size, {}).setdefault(entry.term.type, []).append(entry)
        return True

    def of(self, size: int, t: TensorType) -> list[_Entry]:
        return self.by_size.get(size, {}).get(t, [])


def _fingerprint(values: tuple[Any, ...]) -> bytes:
    """A digest of the outputs (shapes, kinds and bytes; None where undefined): terms with equal
    digests are taken to behave the same. A collision of the 128-bit digest would only drop a
    term from the search, never pass an unchecked one."""
    h = hashlib.blake2b(digest_size=16)
    for v in values:
        if v is None:
            h.update(b"none;")
            continue
        a = np.asarray(v)
        h.update(f"{a.shape}{a.dtype.kind};".encode())
        h.update(a.tobytes())
    return h.digest()


def _matches(expected: list[Any], values: tuple[Any, ...]) -> bool:
    """Equal wherever the term is defined, and defined on most examples.

    A term may be undefined (an op outside its domain) on an input where the source is defined
    only if the precondition derived later excludes that input; the pipeline's quick check and
    proof decide that.
    """
    defined = [(e, v) for e, v in zip(expected, values, strict=True) if v is not None]
    return 2 * len(defined) > len(expected) and all(same(e, v) for e, v in defined)


@dataclass(frozen=True)
class EnumSynthesizer:
    """Bottom-up enumeration with observational-equivalence pruning."""

    name: ClassVar[str] = "enum"
    description: ClassVar[str] = "bottom-up enumeration over TensIR, pruned by examples"
    max_size: int = 8
    examples: int = 24
    budget: float = 20.0
    """Seconds the search may take (within the caller's deadline)."""
    memory_mb: float = DEFAULT_MEMORY_MB
    """Megabytes the terms kept by one search may hold (an estimate, `enum_budget`); past it the
    search stops with the reason that the search space exhausted its budget."""

    def configure(self, **options: Any) -> EnumSynthesizer:
        """A copy with `memory_mb` (and `budget`, `max_size`, `examples`) set; None keeps."""
        known = {"memory_mb", "budget", "max_size", "examples"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(f"the enum synthesizer has no option {', '.join(unknown)}")
        given = {k: v for k, v in options.items() if v is not None}
        if any(not isinstance(v, int | float) or isinstance(v, bool) or v <= 0 for v in given.values()):
            raise UsageError(f"the enum synthesizer's options must be positive numbers: {given}")
        return replace(self, **given)

    def synthesize(self, module: L.Module, fn: L.Function, deadline: float, seed: int = 0,
                   exclude: frozenset[Term] = frozenset(),
                   examples: tuple[Case, ...] = ()) -> list[LiftResult]:
        """The smallest term matching the examples that is not in `exclude` (refuted before);
        `examples` (counterexamples found by the caller) join the probe set first."""
        cases = [*examples, *draw_cases(fn, module, (), self.examples, seed=seed + 1)]
        if len(cases) < 3:
            raise NotLiftable(fn.loc, "no inputs found on which the function is defined")
        params = tuple(Var(p.name, p.type) for p in fn.params)
        leaves = _leaves(module, fn, params)
        lambdas = _mined_lambdas(module, fn, params)
        deadline = min(deadline, time.perf_counter() + self.budget)
        try:
            program = _search(fn.returns, cases, leaves, lambdas, self.max_size, deadline, exclude,
                              self.memory_mb)
        except BudgetExhausted as e:
            raise NotLiftable(fn.loc, str(e)) from None
        if program is None:
            raise NotLiftable(fn.loc, f"no TensIR term matches {len(cases)} examples "
                                      f"(searched up to size {self.max_size} or the time budget)")
        checked = check_candidate(module, fn, program)
        if checked is not None:
            return [checked]
        return [LiftResult(program, params, [], [], proof_complete=False)]


# -------------------------------------------------------------------------------------------------
# components: leaves and lambdas
# -------------------------------------------------------------------------------------------------
def _leaves(module: L.Module, fn: L.Function, params: tuple[Var, ...]) -> list[Term]:
    consts = {0, 1}
    for st in L.walk_stmts(fn.body):
        for e in L.stmt_exprs(st):
            for sub in L.sub_exprs(e):
                if isinstance(sub, L.Const) and isinstance(sub.value, int) and not isinstance(sub.value, bool):
                    consts.add(sub.value)
    bounds: list[Term] = [p for p in params if p.type == TensorType("int")]
    bounds += [OPS["len"](p) for p in params if p.type.rank >= 1]
    bounds += [b for b in loop_bounds(module, fn) if b not in bounds]
    out: list[Term] = [*params, *(lit(c) for c in sorted(consts))]
    for p in params:
        if p.type.rank >= 1:
            for b in bounds:
                if b != OPS["len"](p):
                    out.append(OPS["slice"](p, lit(0), b))
        if p.type.rank == 2:
            out.append(OPS["transpose"](p))
            for b1, b2 in itertools.product(bounds, repeat=2):
                out.append(OPS["col_slice"](OPS["slice"](p, lit(0), b1), lit(0), b2))
    return [rewrite.simplify(t) for t in dict.fromkeys(out)]


def _mined_lambdas(module: L.Module, fn: L.Function, params: tuple[Var, ...]) -> dict[FnType, list[Lambda]]:
    """Lambdas from each loop's per-iteration scalar computations (reads become parameters)."""
    pool: dict[FnType, list[Lambda]] = {}
    for update, counter in iteration_updates(module, fn):
        for piece in subterms(update):
            if not isinstance(piece, Term) or not piece.type.is_scalar:
                continue
            body, vars_ = abstract_reads(piece, counter)
            if not 1 <= len(vars_) <= 2 or not all(k.type.is_scalar for k in vars_):
                continue
            if any(not v.type.is_scalar for v in free_vars(body)) or counter in free_vars(body):
                continue
            if any(v not in vars_.values() and v not in params for v in free_vars(body)):
                continue
            for order in itertools.permutations(vars_.values()):
                try:
                    lam = Lambda(tuple(order), body)
                except TensIRTypeError:
                    continue
                bucket = pool.setdefault(lam.type, [])
                if lam not in bucket:
                    bucket.append(lam)
    return pool


# -------------------------------------------------------------------------------------------------
# the search
# -------------------------------------------------------------------------------------------------
def _search(result: TensorType, cases: list[Case], leaves: list[Term],
            lambdas: dict[FnType, list[Lambda]], max_size: int, deadline: float,
            exclude: frozenset[Term] = frozenset(), memory_mb: float = DEFAULT_MEMORY_MB) -> Term | None:
    """Enumerate with a small probe set; a probe match that fails another example adds that
    example to the probe set and restarts (the pruning was too coarse). Raises
    `BudgetExhausted` when one enumeration passes `memory_mb`."""
    probe = list(cases[:OE_EXAMPLES])
    for _ in range(8):
        found = _enumerate(result, probe, leaves, lambdas, max_size, deadline, exclude,
                           memory_mb=memory_mb)
        if found is None:
            return None
        wrong = _first_failure(found, cases)
        if wrong is None:
            return found
        probe.append(wrong)
    return None


def _first_failure(term: Term, cases: list[Case]) -> Case | None:
    undefined = 0
    for c in cases:
        got = _evaluate_all(term, [c.arrays])
        if got is None:
            undefined += 1
            if 2 * undefined >= len(cases):
                return c
        elif not same(c.expected, got[0]):
            return c
    return None


def _enumerate(result: TensorType, probe: list[Case], leaves: list[Term],
               lambdas: dict[FnType, list[Lambda]], max_size: int, deadline: float,
               exclude: frozenset[Term] = frozenset(),
               goal: Callable[[Term, list[Case]], bool] | None = None,
               memory_mb: float = DEFAULT_MEMORY_MB) -> Term | None:
    """The first term of type `result` that matches the probe examples (or, with `goal`, for
    which `goal(term, probe)` holds: a sketch's hole filled by the term). Raises
    `BudgetExhausted` when the terms kept pass `memory_mb` or an op's output cannot be
    allocated."""
    bank = _Bank(budget=MemoryBudget(memory_mb))
    try:
        return _grow(bank, result, probe, leaves, lambdas, max_size, deadline, exclude, goal)
    except MemoryError:
        raise bank.budget.out_of_memory() from None


def _grow(bank: _Bank, result: TensorType, probe: list[Case], leaves: list[Term],
          lambdas: dict[FnType, list[Lambda]], max_size: int, deadline: float,
          exclude: frozenset[Term], goal: Callable[[Term, list[Case]], bool] | None) -> Term | None:
    """`_enumerate`'s search, terms by size into `bank`."""
    expected = [c.expected for c in probe]
    envs = [c.arrays for c in probe]
    elems = {t.elem for t in [result, *(v.type for v in leaves)]} | {"bool"}
    max_rank = max(t.type.rank for t in [*leaves, lit(0)])
    max_rank = max(max_rank, result.rank)

    def try_add(term: Term, size: int, values: tuple[Any, ...]) -> Term | None:
        if not bank.add(size, _Entry(term, values)):
            return None
        if term.type != result:
            return None
        if goal is not None:
            return term if goal(term, probe) else None
        if _matches(expected, values) and rewrite.simplify(term) not in exclude:
            return term
        return None

    for leaf in leaves:
        values = _evaluate_all(leaf, envs)
        if values is not None and (hit := try_add(leaf, 1, values)) is not None:
            return hit
    ops = [op for op in OPS if op.name not in _SKIP]
    for size in range(2, max_size + 1):
        bank.budget.size = size
        for op in ops:
            for argtypes, out in typed_signatures(op):
                if time.perf_counter() > deadline:
                    return None
                if out.elem not in elems or out.rank > max_rank or any(
                        isinstance(a, TensorType) and (a.elem not in elems or a.rank > max_rank)
                        for a in argtypes):
                    continue
                for args in _arguments(bank, argtypes, size - 1, lambdas):
                    try:
                        term = App(op, tuple(a.term if isinstance(a, _Entry) else a for a in args))
                    except TensIRTypeError:
                        continue
                    values = _apply_all(op, args, envs, term.type)
                    if values is None:
                        continue
                    if (hit := try_add(term, size, values)) is not None:
                        return rewrite.simplify(hit)
    return None


def _arguments(bank: _Bank, argtypes: tuple, budget: int,
               lambdas: dict[FnType, list[Lambda]]) -> Iterator[list[Any]]:
    """Argument lists whose sizes add up to `budget` (a lambda counts 1)."""
    lam_positions = [i for i, a in enumerate(argtypes) if isinstance(a, FnType)]
    for i in lam_positions:
        if not lambdas.get(argtypes[i]):
            return
    plain = [i for i in range(len(argtypes)) if i not in lam_positions]
    rest = budget - len(lam_positions)
    if rest < len(plain):
        return
    for sizes in _compositions(rest, len(plain)):
        pools = [bank.of(s, argtypes[i]) for s, i in zip(sizes, plain, strict=True)]
        if any(not p for p in pools):
            continue
        lam_pools = [lambdas[argtypes[i]] for i in lam_positions]
        for picked in itertools.product(*pools):
            for lams in itertools.product(*lam_pools):
                args: list[Any] = [None] * len(argtypes)
                for i, e in zip(plain, picked, strict=True):
                    args[i] = e
                for i, lam in zip(lam_positions, lams, strict=True):
                    args[i] = lam
                yield args


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


_ERRORS = (DomainError, ValueError, IndexError, KeyError, OverflowError, TypeError)


def _evaluate_all(term: Term, envs: list[dict[str, Any]]) -> tuple[Any, ...] | None:
    """The term's value on each example (None where undefined); None if undefined everywhere."""
    from tensflo.ir.tensir import evaluate

    out: list[Any] = []
    for env in envs:
        try:
            out.append(evaluate(term, env))
        except _ERRORS:
            out.append(None)
    return None if envs and all(v is None for v in out) else tuple(out)


def _apply_all(op: Any, args: list[Any], envs: list[dict[str, Any]], t: TensorType) -> tuple[Any, ...] | None:
    out: list[Any] = []
    with np.errstate(all="ignore"):
        for k, env in enumerate(envs):
            vals = [closure(a, env) if isinstance(a, Lambda) else a.values[k] for a in args]
            if any(v is None for v in vals):
                out.append(None)
                continue
            try:
                out.append(as_value(op.numpy(*vals), t))
            except _ERRORS:
                out.append(None)
    return None if all(v is None for v in out) else tuple(out)


# -------------------------------------------------------------------------------------------------
# sketches: a candidate with one hole
# -------------------------------------------------------------------------------------------------
def fill_hole(module: L.Module, fn: L.Function, sketch: Term,
              plug: Callable[[Term | Lambda], Term], hole: TensorType | FnType,
              cases: Sequence[Case], deadline: float, max_size: int = 6,
              memory_mb: float = DEFAULT_MEMORY_MB) -> Term | None:
    """The sketch with its hole filled so that it matches every case, or None (also when the
    search exhausts its memory budget, `memory_mb`).

    `plug(node)` builds the candidate with `node` in the hole; `hole` is the hole's type (an
    `FnType` for a lambda hole: then the lambdas mined from the loops are tried). Term holes are
    filled by the same bottom-up enumeration as `enum`, with the whole sketch as the test.
    """
    params = tuple(Var(p.name, p.type) for p in fn.params)
    cases = list(cases)

    def fits(node: Term | Lambda, probe: Sequence[Case]) -> bool:
        try:
            candidate = plug(node)
        except TensIRTypeError:
            return False
        got = _evaluate_all(candidate, [c.arrays for c in probe])
        return got is not None and all(v is not None and same(c.expected, v)
                                       for c, v in zip(probe, got, strict=True))

    if isinstance(hole, FnType):
        for lam in _mined_lambdas(module, fn, params).get(hole, []):
            if time.perf_counter() > deadline:
                return None
            if lam not in subterms(sketch) and fits(lam, cases):
                return plug(lam)
        return None
    leaves = _leaves(module, fn, params)
    lambdas = _mined_lambdas(module, fn, params)
    probe = cases[:OE_EXAMPLES]
    for _ in range(8):
        try:
            found = _enumerate(hole, probe, leaves, lambdas, max_size, deadline, goal=fits,
                               memory_mb=memory_mb)
        except BudgetExhausted:
            return None
        if found is None:
            return None
        wrong = next((c for c in cases if not fits(found, [c])), None)
        if wrong is None:
            return plug(rewrite.simplify(found))
        probe.append(wrong)
    return None


def leaves_of(module: L.Module, fn: L.Function) -> list[Term]:
    """The leaves the search starts from: parameters, their slices by loop bounds, constants."""
    return _leaves(module, fn, tuple(Var(p.name, p.type) for p in fn.params))


def lambdas_of(module: L.Module, fn: L.Function) -> dict[FnType, list[Lambda]]:
    """Lambdas mined from the loops' per-iteration updates, by type."""
    return _mined_lambdas(module, fn, tuple(Var(p.name, p.type) for p in fn.params))


@hookimpl
def tensflo_register_synthesizers() -> list[object]:
    return [EnumSynthesizer()]


__all__ = ["EnumSynthesizer", "fill_hole", "leaves_of", "lambdas_of"]
