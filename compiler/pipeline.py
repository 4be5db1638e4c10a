"""The lifting pipeline: source -> loop IR -> TensIR candidate -> quick check -> proof -> code.

`compile_file` lifts the functions of one C++ or Python file and returns one `CompileResult` per
function (`to_json()`: what `--json` prints). Candidates come first from the loop-shape rules
(`tensflo.ir.lifting`), then from the synthesizers named in `Options.synth` (the enumerative search
by default) when the rules fail or their candidate cannot be proven. A candidate must agree with the
reference interpreter on random inputs inside the domain before it is sent to the verifier; a
result is `lifted` only with a proof at least as strong as `Options.require_proof`.
"""

from __future__ import annotations

import inspect
import io
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from tensflo.ir.lifting import (
    Case,
    LiftResult,
    NotLiftable,
    Obligation,
    case_in_domain,
    draw_cases,
    entry_function,
    entry_guards,
    first_mismatch,
    float_kinds,
    lift_function,
)
from tensflo.ir.lifting.zero_trip import describe as describe_cases
from tensflo.ir.lifting.zero_trip import zero_trip_cases
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.loop.outputs import has_outputs, is_pack
from tensflo.ir.tensir import Function, Term, print_term
from tensflo.plugins.components import (
    Closable,
    Configurable,
    HasStats,
    ModelFinder,
    Synthesizer,
    Target,
    TargetReport,
)
from tensflo.plugins.errors import UsageError, read_input
from tensflo.plugins.manager import Registry, call_each

from .arithmetic import arithmetic
from .multi_output import compile_outputs, emit_outputs
from .outcomes import STATUSES, Proof, Status
from .verify import LEVELS, ProofReport, check_obligations, obligation_script

QUERY_TIMEOUT = 20.0
"""Seconds one obligation may take (the unbounded try and the bounded one share it), so that one
hard query cannot use the whole budget of a function."""
SYNTH_ROUNDS = 3
"""How often the synthesizers are asked again, each time told the candidates refuted so far."""


@dataclass
class Diagnostic:
    """A message about the source, with its position when there is one."""

    severity: str
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None

    @classmethod
    def at(cls, severity: str, loc: Loc | None, message: str) -> Diagnostic:
        """A diagnostic at `loc` (file only when its line is 0, none when `loc` is None)."""
        if loc is None or loc.line == 0:
            return cls(severity, message, loc.file if loc else None)
        return cls(severity, message, loc.file, loc.line, loc.col)

    def __str__(self) -> str:
        where = ":".join(str(x) for x in (self.file, self.line, self.col) if x is not None)
        return f"{where + ': ' if where else ''}{self.severity}: {self.message}"


@dataclass
class CompileResult:
    """The outcome for one function; `to_json()` is the object `tensflo compile --json` prints
    for it (the fields below, without the in-memory programs)."""

    function: str
    status: Status
    proof: Proof
    target: str | None
    arithmetic: str = "integer"
    """`integer`: every value the function computes is an int or a bool, and a proof is exact;
    `real`: a float appears, and a proof treats floats as real numbers (rounding, the order of a
    sum and the C compiler's own choices may differ from the source)."""
    int_policy: str | None = None
    """How the generated code computes ints (`tensflo.targets.exact_ints.INT_POLICIES`): `exact`
    (Python source: int64 when a call-time bound allows, else Python ints), `overflow-error` (else
    OverflowError), `int64-inputs`, `wraps-undefined-in-source` (C/C++: signed overflow is
    undefined there), `unguarded`; None without generated code."""
    tensir: str | None = None
    code: str | None = None
    requires: list[str] = field(default_factory=list)
    """The precondition under which the TensIR program equals the source (TensIR text)."""
    found_by: str | None = None
    tests: int = 0
    """Random inputs on which the program was checked against the reference interpreter."""
    tested_on: dict[str, Any] | None = None
    """Those inputs: `cases` (their number) and `floats` (the kinds of float entries among them,
    `float_inputs.FLOAT_KINDS`); None when no candidate passed the quick check."""
    obligations: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    target_report: TargetReport | None = None
    """What the target measured (gemmini: cycles, utilisation, bytes moved)."""
    synthesis: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What each synthesizer that reports its cost spent (llm: requests, tokens, seconds, rounds)."""
    program: Term | None = field(default=None, repr=False)
    params: tuple = field(default=(), repr=False)
    precondition: tuple[Term, ...] = field(default=(), repr=False)
    """`requires` as TensIR terms."""
    target_options: tuple = field(default=(), repr=False)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    """For a function with several outputs (a `void` C function, written pointers): per output
    (`return` or the pointer's name) its `status`, `proof`, `tensir`, `requires` and, for a
    pointer, its `extent` (the parameter `n`: the output is `p[:n]`); empty otherwise."""
    written: list[str] = field(default_factory=list)
    """The pointer parameters the function writes."""
    disjoint: list[tuple[str, str]] = field(default_factory=list, repr=False)
    """Pointer parameters that must not overlap (one of each pair is written)."""
    output_programs: tuple = field(default=(), repr=False)
    """Per output, its name and program over the function's parameters."""
    int32_proofs: dict[str, Any] | None = None
    """llvm target, C/C++ source: the subterms proven to be source `int` values (computed in 32
    bits) and those not proven, with why (`targets.llvm.int32_source`); None otherwise."""
    int32: Any = field(default=None, repr=False)
    """Those proofs (`Int32Proofs`), for `Compiled.load`."""
    emitted: Function | None = field(default=None, repr=False)
    """The function given to the target (for a Python source a `CheckedFunction`: its entry checks
    types, guards and the precondition, and keeps the defaults)."""

    @property
    def lifted(self) -> bool:
        """Whether `status` is `lifted`."""
        return self.status == "lifted"

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON object `--json` prints: every field except the in-memory
        programs, the empty `outputs`/`written` of a one-output function and the absent reports."""
        out = {k: v for k, v in asdict(self).items()
               if k not in ("program", "params", "precondition", "target_options", "disjoint",
                            "output_programs", "emitted", "int32")}
        for k in ("outputs", "written"):
            if not self.outputs:
                del out[k]
        if out["target_report"] is None:
            del out["target_report"]
        if out["tested_on"] is None:
            del out["tested_on"]
        if out["int32_proofs"] is None:
            del out["int32_proofs"]
        out["diagnostics"] = [asdict(d) for d in self.diagnostics]
        return out


@dataclass(frozen=True)
class Options:
    """What `compile_file` does; mirrors the CLI flags."""

    target: str | None = "numpy"
    verifier: str = "z3"
    """`z3`, `cvc5` or `portfolio` (both, raced)."""
    timeout: float = 60.0
    """Seconds per function for the whole pipeline."""
    seed: int = 0
    tests: int = 64
    require_proof: str = "bounded"
    synth: tuple[str, ...] = ("enum",)
    synth_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    """Per synthesizer, options for its `configure` (from its `--<name>-*` flags)."""
    rules: bool = True
    """Try the loop-shape rules first (off: only the synthesizers propose candidates)."""
    progress: Callable[[str], None] | None = None
    target_options: tuple[tuple[str, Any], ...] = ()
    """Options for the target's `configure` (gemmini: shapes, search, budget, seed)."""
    frontend_options: tuple[tuple[str, Any], ...] = ()
    """Options for the `configure` of the frontends that take them (C and C++: `include`,
    `define`, `std` from `-I`, `-D`, `-std`); frontends without `configure` ignore them."""


def read_module(path: str, registry: Registry, text: str | None = None,
                frontend_options: tuple[tuple[str, Any], ...] = ()) -> L.Module:
    """Parse a file with the frontend registered for its extension (configured with
    `frontend_options` when it takes options); input errors are UsageError."""
    if text is None:
        text = read_input(path)
    ext = os.path.splitext(path)[1]
    frontends = registry.frontends_for(ext)
    if not frontends:
        known = sorted({e for r in registry.all("frontend") for e in r.component.extensions})
        raise UsageError(f"{path}: no frontend reads {ext or 'files without an extension'} "
                         f"(known: {', '.join(known)})")
    frontend = frontends[0].component
    if frontend_options and isinstance(frontend, Configurable):
        frontend = frontend.configure(**dict(frontend_options))
    try:
        return frontend.parse(path, text)
    except LoopIRError as e:
        raise UsageError(f"{e.loc}: {e.message}") from None
    except Exception as e:  # a frontend's own bug: an input error with its reason, no traceback
        raise UsageError(f"{path}: the {frontend.name} frontend failed: "
                         f"{type(e).__name__}: {e}") from None


def compile_file(path: str, functions: Sequence[str] | None, registry: Registry, options: Options,
                 text: str | None = None) -> list[CompileResult]:
    """Lift the named functions of a file (all of them when `functions` is None)."""
    start = time.perf_counter()
    module = read_module(path, registry, text, options.frontend_options)
    parse_seconds = time.perf_counter() - start
    known = [f.name for f in module.functions if not is_pack(f.name)] + \
        [r.name for r in module.rejected]
    names = list(functions) if functions else known
    missing = [n for n in names if n not in known]
    if missing:
        raise UsageError(f"{path} defines no function {missing[0]!r} "
                         f"(defined: {', '.join(known) or 'none'})")
    if not names:
        raise UsageError(f"{path} defines no function")
    results = []
    for name in names:
        try:
            result = compile_function(module, name, registry, options, text=text)
        except Exception as e:  # a bug in lifting one function must not lose the others
            result = crashed_result(module, name, options, e)
            for _ in call_each(registry, "tensflo_result", result=result):
                pass
        result.seconds["frontend"] = round(parse_seconds, 4)
        result.seconds["total"] = round(result.seconds.get("total", 0.0) + parse_seconds, 4)
        results.append(result)
    return results


def crashed_result(module: L.Module, name: str, options: Options, error: Exception) -> CompileResult:
    """The `error` result of a function whose lifting raised an unexpected exception: the
    exception named, at its position when it carries one (else the function's)."""
    fn = module.function(name)
    loc = getattr(error, "loc", None)
    if not isinstance(loc, Loc):
        loc = fn.loc if fn is not None else None
    result = CompileResult(name, "error", "none", options.target)
    result.diagnostics.append(Diagnostic.at(
        "error", loc, f"internal error while lifting {name}: {type(error).__name__}: {error}"))
    return result


def compile_function(module: L.Module, name: str, registry: Registry, options: Options,
                     text: str | None = None) -> CompileResult:
    """Lift one function of a parsed module (see the module docstring); `text`: the module's
    source when it is not the file at its path."""
    t0 = time.perf_counter()
    deadline = t0 + options.timeout
    result = CompileResult(name, "not_lifted", "none", options.target)
    secs = result.seconds

    def note(severity: str, loc: Loc | None, message: str) -> None:
        result.diagnostics.append(Diagnostic.at(severity, loc, message))

    synthesizers: list[Synthesizer] = []

    def done() -> CompileResult:
        for synth in synthesizers:  # release what a configured synthesizer holds (connections)
            if isinstance(synth, Closable):
                synth.close()
        secs["total"] = round(time.perf_counter() - t0, 4)
        for _ in call_each(registry, "tensflo_result", result=result):
            pass
        return result

    rejected = next((r for r in module.rejected if r.name == name), None)
    if rejected is not None:
        note("error", rejected.loc, rejected.message)
        if rejected.internal:
            result.status = "error"
        return done()
    fn = module.function(name)
    assert fn is not None
    result.arithmetic = arithmetic(module, fn)
    if has_outputs(fn):  # void, or writes pointers: each output lifted alone (multi_output)
        compile_outputs(module, fn, registry, options, compile_function, result)
        if result.lifted and options.target:
            try:
                from tensflo.targets.exact_ints import int_policy

                target = configured_target(registry, options.target, dict(options.target_options))
                result.code = emit_outputs(result, fn, target, module)
                result.int_policy = int_policy(target, fn.lang)
            except UsageError as e:
                result.status = "not_lifted"
                note("error", fn.loc, f"the {options.target} target cannot generate this "
                                      f"program: {e}")
        return done()
    progress = options.progress or (lambda _msg: None)

    candidates: list[tuple[str, LiftResult]] = []
    if options.rules:
        t = time.perf_counter()
        progress(f"{name}: lifting by loop shapes")
        try:
            candidates.append(("rules", lift_function(module, fn)))
        except NotLiftable as e:
            note("note", e.loc, f"loop-shape rules: {e.reason}")
        secs["lifting"] = round(time.perf_counter() - t, 4)

    synthesizers = configured_synthesizers(registry, options)
    refuted: set[Term] = set()
    counterexamples: list[Case] = []
    """Inputs where a refuted candidate differs from the source (from solver models): CEGIS."""
    best: tuple[str, LiftResult, ProofReport] | None = None
    checked: dict[Term, tuple[int, dict[str, Any] | None]] = {}
    """Per candidate that passed the quick check, its `tests` and `tested_on`."""
    for round_ in range(1 + SYNTH_ROUNDS):
        for found_by, lifted in candidates:
            verdict = vet_candidate(module, fn, found_by, lifted, registry, options, deadline,
                                       result, progress, counterexamples)
            if verdict is not None:
                checked[lifted.program] = (result.tests, result.tested_on)
            if verdict is None or verdict.level != "unbounded":
                refuted.add(lifted.program)  # the search goes on past it
            if verdict is not None and (best is None or LEVELS.index(verdict.level)
                                        < LEVELS.index(best[2].level)):
                best = (found_by, lifted, verdict)
            if best is not None and best[2].level == "unbounded":
                break
        if (best is not None and best[2].level == "unbounded") or not synthesizers \
                or round_ == SYNTH_ROUNDS:
            break
        if time.perf_counter() >= deadline:
            break
        progress(f"{name}: searching ({', '.join(s.name for s in synthesizers)})")
        candidates = []
        for synth, found, failure, seconds in _run_synthesizers(
                synthesizers, module, fn, deadline, options.seed, frozenset(refuted),
                tuple(counterexamples)):
            if failure is not None:
                note("note", failure.loc, f"{synth.name}: {failure.reason}")
            key = f"synthesis_{synth.name}"
            secs[key] = round(secs.get(key, 0.0) + seconds, 4)
            if isinstance(synth, HasStats):
                result.synthesis[synth.name] = synth.stats(name)
            candidates += [(c.found_by or synth.name, c) for c in found]
        if not candidates:
            break

    if best is None:
        if time.perf_counter() >= deadline:
            note("error", fn.loc, f"the time budget of {options.timeout:g} s ran out")
        note("error", fn.loc, f"{name} was not lifted")
        return done()
    found_by, lifted, report = best
    result.tests, result.tested_on = checked[lifted.program]
    level = report.level if report.level in ("unbounded", "bounded") else "tested"
    if not lifted.proof_complete:
        level = "tested"
        note("warning", fn.loc, "no invariant template fits this candidate: it is only tested")
    if level == "tested":
        note("note", fn.loc, f"only tested: the candidate agreed with the source on "
                             f"{tested_on_text(result.tested_on)}")
    result.proof = level
    result.arithmetic = arithmetic(module, fn, lifted.program)
    result.found_by = found_by
    result.tensir = print_term(lifted.program)
    result.program = lifted.program
    result.params = lifted.params
    result.precondition = tuple(lifted.requires)
    result.requires = [print_term(r) for r in lifted.requires]
    cases, covered = zero_trip_cases(fn, lifted.params, lifted.requires)
    if cases:  # inputs the program leaves out, answered at the entry (ir/lifting/zero_trip.py)
        result.requires = [print_term(r) for r in lifted.requires if r not in covered]
        note("note", fn.loc, describe_cases(cases, covered))
    result.obligations = [
        {"kind": ob.kind, "at": str(ob.loc), "status": res.status, "solver": res.solver,
         "seconds": round(res.seconds, 4), "level": lvl}
        for ob, res, lvl in report.results
    ]
    if LEVELS.index(level) > LEVELS.index(options.require_proof):
        note("error", fn.loc, f"a candidate passed {result.tests} random tests but was not proven "
                              f"({'; '.join(report.failures()[:3])}); it is not reported as lifted "
                              f"(--require-proof {options.require_proof})")
        return done()
    if level != "unbounded":
        note("warning", fn.loc, f"proof is {level}, not unbounded: {'; '.join(report.failures()[:3])}")
    result.status = "lifted"
    if options.target:
        t = time.perf_counter()
        target = configured_target(registry, options.target, dict(options.target_options))
        buf = io.StringIO()
        try:
            from tensflo.targets.exact_ints import int_policy, takes_source_lang

            lang = {"source_lang": fn.lang} if takes_source_lang(target.emit) else {}
            from tensflo.targets.llvm.int32_source import source_int32

            result.emitted = entry_function(fn, lifted, entry_guards(module, fn), fn.lang == "python")
            from tensflo.targets.pymodule import PythonTarget

            if getattr(result.emitted, "cases", ()) and not isinstance(target, PythonTarget):
                result.requires = [print_term(r) for r in lifted.requires]  # no entry answers them
                note("note", fn.loc, f"the {options.target} target has no entry checks: its code "
                                     f"does not answer those inputs, which stay outside its "
                                     f"precondition")
            int32 = source_int32(target, module, fn, result.emitted, text)
            proven: dict[str, Any] = {}
            if int32 is not None:
                result.int32, result.int32_proofs = int32
                proven["int32"] = {result.emitted.name: int32[0]}
            reports = target.emit([result.emitted], buf, **lang, **proven)
        except UsageError as e:
            result.status = "not_lifted"
            note("error", fn.loc, f"the {options.target} target cannot generate this program: {e}")
            return done()
        except Exception as e:  # an op without an entry for the target, or a target's own bug
            result.status = "not_lifted"
            note("error", fn.loc, f"the {options.target} target failed on this program: "
                                  f"{type(e).__name__}: {e}")
            return done()
        result.code = buf.getvalue()
        result.int_policy = int_policy(target, fn.lang)
        result.target_options = options.target_options
        if reports:
            result.target_report = reports[0]
            if reports[0].get("assumes"):
                note("warning", fn.loc, f"the {options.target} code assumes {reports[0]['assumes']}")
        secs["codegen"] = round(time.perf_counter() - t, 4)
    return done()


def tested_on_text(tested_on: dict[str, Any] | None) -> str:
    """`CompileResult.tested_on` in words: how many random inputs, with which kinds of floats."""
    if tested_on is None:
        return "no inputs"
    floats = tested_on.get("floats") or []
    return f"{tested_on['cases']} random inputs" + (f" (floats: {', '.join(floats)})" if floats else "")


def configured_synthesizers(registry: Registry, options: Options) -> list[Synthesizer]:
    """The synthesizers of `options.synth`, each configured afresh for one function: with its
    options, and told its partners in the portfolio when its `configure` takes `partners`."""
    given = dict(options.synth_options)
    out = []
    for s in options.synth:
        synth: Synthesizer = registry.get("synthesizer", s)
        if isinstance(synth, Configurable):
            kwargs = dict(given.get(s, ()))
            if "partners" in inspect.signature(synth.configure).parameters:
                kwargs["partners"] = options.synth
            synth = synth.configure(**kwargs)
        out.append(synth)
    return out


def _run_synthesizers(synthesizers: list[Synthesizer], module: L.Module, fn: L.Function,
                      deadline: float, seed: int, exclude: frozenset[Term], examples: tuple[Case, ...]
                      ) -> list[tuple[Synthesizer, list[LiftResult], NotLiftable | None, float]]:
    """Ask each synthesizer for candidates; several run at the same time (a portfolio: a model
    waiting on its endpoint while the enumerative search runs), results in the order given."""
    def one(synth: Synthesizer) -> tuple[Synthesizer, list[LiftResult], NotLiftable | None, float]:
        t = time.perf_counter()
        try:
            found = synth.synthesize(module, fn, deadline=deadline, seed=seed, exclude=exclude,
                                     examples=examples)
            return synth, list(found), None, time.perf_counter() - t
        except NotLiftable as e:
            return synth, [], e, time.perf_counter() - t
        except Exception as e:  # a synthesizer's own bug must not lose the function's result
            return synth, [], NotLiftable(fn.loc, f"failed: {type(e).__name__}: {e}"), \
                time.perf_counter() - t

    if len(synthesizers) <= 1:
        return [one(s) for s in synthesizers]
    with ThreadPoolExecutor(max_workers=len(synthesizers),
                            thread_name_prefix="tensflo-synth") as pool:
        return list(pool.map(one, synthesizers))


def vet_candidate(module: L.Module, fn: L.Function, found_by: str, lifted: LiftResult,
                     registry: Registry, options: Options, deadline: float, result: CompileResult,
                     progress: Callable[[str], None], counterexamples: list[Case]) -> ProofReport | None:
    """Quick-check a candidate on random inputs, then prove it; None if it is wrong."""
    secs = result.seconds
    t = time.perf_counter()
    progress(f"{fn.name}: testing {print_term(lifted.program)[:60]}")
    cases = draw_cases(fn, module, lifted.requires, options.tests, seed=options.seed)
    bad = first_mismatch(lifted.program, [*counterexamples, *cases])
    secs["quick_check"] = round(secs.get("quick_check", 0.0) + time.perf_counter() - t, 4)
    if bad is not None:
        case, got = bad
        result.diagnostics.append(Diagnostic.at(
            "note", fn.loc, f"{found_by}: candidate {print_term(lifted.program)} disagrees with the "
                            f"source on {list(case.args)}: {got} instead of {case.expected}"))
        return None
    if not cases:  # no input passes the precondition: a proof under it could be vacuous
        result.diagnostics.append(Diagnostic.at(
            "note", fn.loc, f"{found_by}: candidate {print_term(lifted.program)} not taken: no random "
                            f"input satisfies its precondition "
                            f"({'; '.join(print_term(r) for r in lifted.requires)})"))
        return None
    result.tests = len(cases)
    result.tested_on = {"cases": len(cases), "floats": float_kinds(cases)}
    for _ in call_each(registry, "tensflo_candidate_found", function=fn.name,
                       candidate=lifted.program, found_by=found_by):
        pass
    if len(cases) < max(4, options.tests // 8):
        result.diagnostics.append(Diagnostic.at(
            "warning", fn.loc, f"only {len(cases)} random inputs satisfied the precondition"))
    t = time.perf_counter()
    progress(f"{fn.name}: proving {len(lifted.obligations) + 1} conditions")
    verifiers = _verifiers(registry, options.verifier)
    obligations = [*lifted.obligations, Obligation(
        "program domain", fn.loc, tuple(lifted.requires), (), (), domain_of=lifted.program)]
    report = check_obligations(obligations, verifiers, timeout=QUERY_TIMEOUT,
                               deadline=deadline)
    secs["verification"] = round(secs.get("verification", 0.0) + time.perf_counter() - t, 4)
    refuted = report.counterexample
    if refuted is not None:
        found = _counterexample_input(module, fn, lifted, refuted[0], registry)
        if found is not None:
            counterexamples.append(found)
            result.diagnostics.append(Diagnostic.at(
                "note", fn.loc, f"{found_by}: z3 found an input where {print_term(lifted.program)} "
                                f"differs from the source: {list(found.args)} gives {found.expected}"))
            return None
    return report


def _counterexample_input(module: L.Module, fn: L.Function, lifted: LiftResult, ob: Obligation,
                          registry: Registry) -> Case | None:
    """The parameters of a model of a refuted obligation, if they are an input inside the domain
    on which the candidate really differs from the source (a model of a preservation condition
    may be an unreachable state: then there is no such input)."""
    import numpy as np

    z3v = registry.get("verifier", "z3")
    if not isinstance(z3v, ModelFinder) or any(p.type.elem != "int" for p in fn.params):
        return None
    script = obligation_script(ob, "z3", abstract=False)
    values = z3v.model(script, [(p.name, p.type.rank) for p in fn.params], timeout=5.0)
    if values is None:
        return None
    arrays = {}
    for p in fn.params:
        v = values[p.name]
        arrays[p.name] = np.asarray(v, dtype=np.int64).reshape((0,) * p.type.rank) \
            if p.type.rank and not v else (np.asarray(v, dtype=np.int64) if p.type.rank else v)
    case = case_in_domain(Interpreter(module, steps=200_000), fn, lifted.requires, arrays)
    if case is None:
        return None
    return case if first_mismatch(lifted.program, [case]) is not None else None


def configured_target(registry: Registry, name: str, options: dict[str, Any]) -> Target:
    """The registered target, with options applied through its `configure` when there are any."""
    target: Target = registry.get("target", name)
    if not options:
        return target
    if not isinstance(target, Configurable):
        shown = ", ".join(f"--{k.replace('_', '-')}" for k in options if k != "seed")
        raise UsageError(f"target {name!r} takes no {shown}")
    params = inspect.signature(target.configure).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = [k for k in options if k not in params and k != "seed"]
        if unknown:  # another target's option (--fp on gemmini, --shapes on llvm)
            raise UsageError(f"target {name!r} takes no "
                             f"{', '.join('--' + k.replace('_', '-') for k in unknown)}")
        options = {k: v for k, v in options.items() if k in params}
    return target.configure(**options)


def _verifiers(registry: Registry, name: str) -> list[Any]:
    if name == "portfolio":
        return [registry.get("verifier", "z3"), registry.get("verifier", "cvc5")]
    return [registry.get("verifier", name)]


__all__ = ["CompileResult", "Diagnostic", "Options", "compile_file", "compile_function",
           "crashed_result", "read_module", "STATUSES"]
