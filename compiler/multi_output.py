"""Lifting a function with several outputs: a `void` C function, or one that writes pointers.

A `void` function that returns early leaving every array unchanged when a condition on its scalar
parameters holds (`ir.loop.early_return.void_exits`) is lifted on the other inputs (the condition
assumed false); the entry returns at once where it holds, and each output says `unless` it.

Each output (`ir.loop.outputs`) is lifted on its own as a single-output function by the usual
pipeline, then put back over the function's own parameters: a written pointer `p` with extent `n`
was lifted with `len(p) == n`, so its program and precondition read `p[:n]` where they read `p`,
and the result requires `n >= 0` and `len(p) >= n` (the program computes the new `p[:n]`; `p[n:]`
is untouched). Pointer parameters of the same element type where one is written must not overlap
(the vector model holds distinct arrays): a precondition the generated code checks.

The combined precondition is checked to be satisfiable (inputs are drawn that satisfy it, else the
result would be a vacuous proof), and on those inputs the programs are compared with the source run
as C runs it (`Interpreter.run_in_place`: the written arrays and the return value).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from tensflo.ir.lifting import draw_cases, entry_guards, same
from tensflo.ir.lifting.guards import assumed
from tensflo.ir.lifting.zero_trip import zero_trip_cases
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.early_return import condition_source, void_exits
from tensflo.ir.loop.interp import StepLimit, Undefined
from tensflo.ir.loop.nodes import LoopIRError
from tensflo.ir.loop.outputs import (
    RETURN,
    Output,
    derive_outputs,
    item_output,
    tuple_types,
    with_packs,
    written_pointers,
)
from tensflo.ir.tensir import INT, Term, Var, evaluate, parse, print_term, substitute
from tensflo.ir.tensir.entry import EntryCase, EntryGuard
from tensflo.plugins.manager import Registry

from .verify import LEVELS

CHECK_CASES = 48
"""Inputs drawn to check the combined precondition is satisfiable and the outputs together."""


def overlap_pairs(fn: L.Function) -> list[tuple[str, str]]:
    """Pairs of pointer parameters of the same element type where one is written."""
    written = set(written_pointers(fn))
    ptrs = [p for p in fn.params if p.pointer]
    return [(a.name, b.name) for i, a in enumerate(ptrs) for b in ptrs[i + 1:]
            if a.type.elem == b.type.elem and (a.name in written or b.name in written)]


def compile_outputs(module: L.Module, fn: L.Function, registry: Registry, options: Any,
                    compile_one: Callable[..., Any], result: Any) -> Any:
    """Lift every output of `fn` into `result` (a `CompileResult`, `not_lifted` so far) with
    `compile_one` (`pipeline.compile_function`, without a target); the code is emitted by the
    caller. Returns `result`."""
    from .pipeline import Diagnostic

    exits, rest = void_exits(fn)
    if exits:  # the arrays are left unchanged where one holds: lift the other case
        compile_outputs(module, rest, registry, options, compile_one, result)
        unless = " or ".join(condition_source(c) for c, _ in exits)
        for o in result.outputs:
            o["unless"] = unless
        return result
    result.written = list(written_pointers(fn))
    try:
        outputs = derive_outputs(fn)
    except LoopIRError as e:
        result.diagnostics.append(Diagnostic.at("error", e.loc, e.message))
        return result
    if not outputs:
        result.diagnostics.append(Diagnostic.at(
            "error", fn.loc, f"{fn.name} has no output: it returns nothing and writes no pointer"))
        return result
    deadline = time.perf_counter() + options.timeout  # one budget for all the outputs
    combined: list[Term] = []
    programs: list[tuple[Output, Term]] = []
    levels = []
    for out in outputs:
        derived = dataclasses.replace(module, functions=(*module.functions, out.function))
        left = max(1.0, deadline - time.perf_counter())
        r = compile_one(derived, out.function.name, registry,
                        dataclasses.replace(options, target=None, timeout=left))
        for d in r.diagnostics:
            d.message = d.message.replace(out.function.name, f"{fn.name} (output {out.name})")
        result.diagnostics += r.diagnostics
        result.obligations += [{**ob, "output": out.name} for ob in r.obligations]
        for k, v in r.seconds.items():
            result.seconds[k] = round(result.seconds.get(k, 0.0) + v, 4)
        entry: dict[str, Any] = {"name": out.name, "status": r.status, "proof": r.proof,
                                 "tensir": None, "requires": []}
        if out.extent is not None:
            entry["extent"] = out.extent
        if out.element:
            entry["index"] = 0
        result.outputs.append(entry)
        if r.program is None:
            levels.append("none")
            continue
        program, requires = _over_parameters(out, r.program, list(r.precondition), r.params)
        entry["tensir"] = print_term(program)
        entry["requires"] = [print_term(t) for t in requires]
        programs.append((out, program))
        combined += [t for t in requires if t not in combined]
        levels.append(r.proof if r.lifted else "none")
        if not result.params:
            result.params = r.params
            result.found_by = r.found_by
            result.tests, result.tested_on = r.tests, r.tested_on
            result.arithmetic = r.arithmetic
        elif r.arithmetic == "real":
            result.arithmetic = "real"
    result.precondition = tuple(combined)
    shown = combined  # less what every item answers at its entry (an empty input: zero_trip)
    if fn.lang == "python" and tuple_types(fn):
        shown = list(item_cases(fn, tuple(Var(p.name, p.type) for p in fn.params),
                                tuple(combined))[1])
    result.requires = [print_term(t) for t in shown] + \
        [f"{a} and {b} do not overlap" for a, b in overlap_pairs(fn)]
    result.disjoint = overlap_pairs(fn)
    result.output_programs = tuple((out.name, program) for out, program in programs)
    if programs:
        result.program = programs[0][1]
        result.tensir = print_term(programs[0][1])
    worst = max(levels, key=lambda lvl: LEVELS.index(lvl) if lvl in LEVELS else len(LEVELS))
    result.proof = worst if worst in LEVELS else "none"
    if len(programs) < len(outputs) or not all(o["status"] == "lifted" for o in result.outputs):
        missing = [o["name"] for o in result.outputs if o["status"] != "lifted"]
        result.diagnostics.append(Diagnostic.at(
            "error", fn.loc, f"{fn.name} was not lifted: output {', '.join(missing)} was not"))
        return result
    t = time.perf_counter()
    problem = check_together(module, fn, combined, programs, options.seed)
    result.seconds["outputs_check"] = round(time.perf_counter() - t, 4)
    if problem is not None:
        result.diagnostics.append(Diagnostic.at("error", fn.loc, problem))
        return result
    result.status = "lifted"
    return result


def _over_parameters(out: Output, program: Term, requires: list[Term],
                     params: tuple[Var, ...]) -> tuple[Term, list[Term]]:
    """An output's program and precondition over the function's parameters: a written pointer
    `p` with extent `n` was lifted with `len(p) == n`, so `p` becomes `p[:n]`, and the
    precondition starts with `n >= 0` and `len(p) >= n`."""
    by_name = {v.name: v for v in params}
    if out.element:
        p = by_name[out.name]
        return program, [parse(f"len({p.name}) >= 1", {p.name: p.type}), *requires]
    if out.extent is None:
        return program, requires
    p, n = by_name[out.name], by_name.get(out.extent, Var(out.extent, INT))
    env = {p.name: p.type, n.name: n.type}
    head = parse(f"{p.name}[:{n.name}]", env)
    mapping = {p: head}
    return substitute(program, mapping), [
        parse(f"{n.name} >= 0", env), parse(f"len({p.name}) >= {n.name}", env),
        *(substitute(t, mapping) for t in requires)]


def check_together(module: L.Module, fn: L.Function, requires: list[Term],
                   programs: list[tuple[Output, Term]], seed: int) -> str | None:
    """None if inputs satisfying `requires` exist and on them every output's program gives what
    the source computes run as C runs it (written arrays: the new `p[:n]`, `p[n:]` unchanged);
    else what went wrong."""
    module = with_packs(module)
    cases = draw_cases(fn, module, requires, CHECK_CASES, seed=seed)
    if not cases:
        return (f"no input satisfying the precondition of {fn.name} was found: it may be "
                "unsatisfiable (a vacuous proof), so the result is not reported as lifted")
    interp = Interpreter(module, steps=200_000)
    index = {p.name: i for i, p in enumerate(fn.params)}
    for case in cases:
        try:
            ret, after = interp.run_in_place(fn, case.args)
        except (Undefined, StepLimit, RecursionError, ArithmeticError):
            continue
        for out, program in programs:
            got = evaluate(program, case.arrays)
            if out.item is not None:
                want = ret[out.item]
            elif out.name == RETURN:
                want = ret
            else:
                k = index[out.name]
                extent = 1 if out.element else \
                    case.arrays[out.extent] if out.extent else len(after[k])
                if not _defined_within(interp, out, fn, case.args, k, extent):
                    return (f"output {out.name} of {fn.name}: on {list(case.args)} the function "
                            f"accesses {out.name} at or beyond {out.extent} = {extent}, which the "
                            "precondition allows: the extent is not sound here")
                if after[k][extent:] != case.args[k][extent:]:
                    return (f"internal check: {fn.name} writes {out.name} beyond its extent "
                            f"{out.extent} on {list(case.args)}")
                want = after[k][0] if out.element else after[k][:extent]
            if not same(want, got):
                return (f"internal check: output {out.name} of {fn.name} is {got} instead of "
                        f"{want} on {list(case.args)}")
    return None


def emit_outputs(result: Any, fn: L.Function, target: Any, module: L.Module | None = None) -> str:
    """The code of a lifted function with outputs: the target's module with an entry of the C
    signature (`targets.entry`); a `UsageError` for a target that cannot update arrays. For a
    Python source each output's function checks the types, the guards (read from `module`, raising
    the source's exception) and the rest of the precondition itself, as a single output's does."""
    import io

    from tensflo.plugins.errors import UsageError
    from tensflo.targets.entry import CParam, EntrySpec, emit_entry
    from tensflo.targets.pymodule import PythonTarget

    if not isinstance(target, PythonTarget):
        raise UsageError("it generates no function with outputs through pointer parameters "
                         "(not finished there; the Python-module targets do: numpy, torch, jax, mlx)")
    extents = {o["name"]: o.get("extent") for o in result.outputs}
    elements = {o["name"] for o in result.outputs if "index" in o}
    written = set(result.written)
    params = tuple(CParam(p.name, p.pointer, p.name in written, extents.get(p.name),
                          p.name in elements, p.default) for p in fn.params)
    by_name = {v.name: v for v in result.params}
    variables = tuple(by_name.get(p.name) or Var(p.name, p.type) for p in fn.params)
    python = fn.lang == "python"
    signature = f"{fn.name}({', '.join(p.name for p in fn.params)}) -> tuple" if python \
        else c_signature(fn, written)
    requires = tuple(result.precondition)
    guards: tuple[EntryGuard, ...] | None = None
    cases: tuple[tuple[str, tuple[EntryCase, ...]], ...] = ()
    if python:
        guards = entry_guards(module or L.Module(fn.loc.file, fn.lang, (fn,), ()), fn)
        from_guards = assumed(guards)
        requires = tuple(r for r in requires if r not in from_guards)
        cases, requires = item_cases(fn, variables, requires)
    spec = EntrySpec(fn.name, params, signature, result.output_programs,
                     requires, tuple(result.disjoint), variables,
                     returns_early=void_exits(fn)[0], returns_tuple=bool(tuple_types(fn)),
                     source_lang=fn.lang if python else None, guards=guards, cases=cases)
    buf = io.StringIO()
    emit_entry(target, spec, buf)
    return buf.getvalue()


def item_cases(fn: L.Function, variables: tuple[Var, ...], requires: tuple[Term, ...]
               ) -> tuple[tuple[tuple[str, tuple[EntryCase, ...]], ...], tuple[Term, ...]]:
    """Per item of a tuple return, the empty inputs its function answers at its entry
    (`ir.lifting.zero_trip`), and `requires` without the terms every item's cases cover."""
    items = tuple_types(fn)
    if not items:
        return (), requires
    out: list[tuple[str, tuple[EntryCase, ...]]] = []
    covered_by_all: set[Term] | None = None
    for j, type_ in enumerate(items):
        item = item_output(fn, j, type_)
        found, covered = zero_trip_cases(item.function, variables, requires)
        out.append((item.name, found))
        covered_by_all = set(covered) if covered_by_all is None else covered_by_all & set(covered)
    return tuple(out), tuple(r for r in requires if r not in (covered_by_all or set()))


def c_signature(fn: L.Function, written: set[str]) -> str:
    """The function's C signature as read (`void f(int n, const float *x, float *y)`)."""
    def param(p: L.Param) -> str:
        if p.pointer:
            return f"{'' if p.name in written else 'const '}{p.type.elem} *{p.name}"
        return f"{p.type.elem} {p.name}"

    result = "void" if fn.result is None else str(fn.result)
    return f"{result} {fn.name}({', '.join(map(param, fn.params))})"


def _defined_within(interp: Interpreter, out: Output, fn: L.Function, args: tuple[Any, ...],
                    k: int, extent: int) -> bool:
    """Whether the output's derived function is defined on the input with the written array cut
    to its extent (the condition under which the C code touches nothing beyond it)."""
    cut = [a[:extent] if i == k else a for i, a in enumerate(args)]
    try:
        interp.run(out.function, cut)
    except Undefined:
        return False
    except (StepLimit, RecursionError, ArithmeticError):
        return True  # not about the extent: the other checks decide
    return True
