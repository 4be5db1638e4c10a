"""The lifting API for the driver and the synthesizers: lift a function by its loop shapes, check a
synthesized program with the template invariant, and what a synthesizer may read from a function
(its loop bounds, each loop's per-iteration updates, the reads of an update as lambda parameters).
"""

from __future__ import annotations

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import item_output, tuple_types
from tensflo.ir.tensir import Term, Var, free_vars, rewrite
from tensflo.ir.tensir.entry import EntryGuard
from tensflo.ir.tensir.types import TensIRTypeError

from .conditions import Context
from .empty_return import empty_return, variant_lifters
from .executor import Lifter
from .guards import guard_terms
from .infinite_seeds import int_against_infinity
from .reorders import exchange_in_loop
from .results import LiftResult, NotLiftable, Sym
from .vectorize import collect_leaves, replace_terms


def lift_function(module: L.Module, function: L.Function) -> LiftResult:
    """Lift one function by symbolic execution and loop-shape rules; raises `NotLiftable`."""
    try:
        return lifted(module, function)[1]
    except TensIRTypeError as e:
        raise NotLiftable(function.loc, f"the lifted term is ill-typed: {e}") from None
    except NotLiftable as e:
        mixed = int_against_infinity(function) if "one element type" in e.reason else None
        if mixed is not None:  # the reason behind an int/float type error
            raise mixed from e
        reorder = exchange_in_loop(function)  # the reason behind the symptom (reorders.py)
        if reorder is None:
            raise
        raise reorder from e


def lifted(module: L.Module, function: L.Function) -> tuple[Lifter, LiftResult]:
    """`function` lifted, with the lifter that did it: as written, else the first of its
    rewritten forms that lifts (`empty_return.variant_lifters`: a seed's first iteration peeled,
    the rest after `if not xs: return v`); raises the first error when none does."""
    lifter = Lifter(module, function)
    try:
        return lifter, lifter.lift()
    except (NotLiftable, TensIRTypeError) as first:
        errors: list[NotLiftable | TensIRTypeError] = []
        for kind, other in variant_lifters(module, function):
            try:
                return other, other.lift()
            except (NotLiftable, TensIRTypeError) as e:
                errors.append(e)
                if kind == "int seed" and isinstance(e, NotLiftable) and isinstance(first, NotLiftable) \
                        and "one element type" in first.reason:
                    first = e  # the reason with the seed an int
        found = empty_return(function)
        test = {x.loc for x in L.sub_exprs(found[0].cond)} if found is not None else set()
        if isinstance(first, NotLiftable) and first.loc in test:  # the rest's reason
            raise next((e for e in errors if isinstance(e, NotLiftable) and e.loc not in test),
                       first) from None
        raise first


def entry_guards(module: L.Module, function: L.Function) -> tuple[EntryGuard, ...]:
    """The function's guards as terms over its parameters (what its generated code checks), then
    its checks after the computation started (`late_checks`: raises `NotLiftable` when the
    loop-shape rules cannot read them)."""
    lifter = Lifter(module, function)
    env: dict[str, Sym] = {p.name: Var(p.name, p.type) for p in function.params}
    out = guard_terms(function, lambda e: lifter.scalar(e, env, Context()))
    if any(isinstance(s, L.Check) for s in L.walk_stmts(function.body)):
        items = tuple_types(function)  # a tuple return: every item passes the same checks
        late, _ = lifted(module, item_output(function, 0, items[0]).function if items else function)
        out += tuple(late.late)
    return out


def check_candidate(module: L.Module, function: L.Function, program: Term,
                    bound_mode: str = "auto") -> LiftResult | None:
    """Obligations for a synthesized program, with the template invariant v == program[hi := i].

    Applies when the function returns a variable changed by a top-level loop; None otherwise (the
    candidate can then only be tested). `bound_mode` says how the loop bound is found in the
    program (see `replace_bound`).
    """
    last = function.body[-1] if function.body else None
    if not (isinstance(last, L.Return) and isinstance(last.value, L.Name)):
        return None
    lifter = Lifter(module, function, override=(last.value.id, program), bound_mode=bound_mode)
    try:
        result = lifter.lift()
    except (NotLiftable, TensIRTypeError):
        return None
    return result if result.program == rewrite.simplify(program) else None


def candidate_proofs(module: L.Module, function: L.Function, program: Term) -> list[LiftResult]:
    """`check_candidate` with each way of finding the loop bound in the program (stated bounds
    only, then whole-vector uses too) whose obligations differ: a program may be provable with
    one invariant and not (or not in time) with the other."""
    out: list[LiftResult] = []
    for mode in ("explicit", "whole"):
        r = check_candidate(module, function, program, bound_mode=mode)
        if r is not None and all(r.obligations != o.obligations for o in out):
            out.append(r)
    return out


def iteration_updates(module: L.Module, function: L.Function) -> list[tuple[Term, Var]]:
    """Each loop's per-iteration update terms (with its counter), for synthesizers to mine; loops
    the rules cannot read are passed over, so this never raises `NotLiftable`."""
    lifter = Lifter(module, function, observe=True)
    try:
        lifter.lift()
    except NotLiftable:
        pass
    return lifter.observed


def loop_bounds(module: L.Module, function: L.Function) -> list[Term]:
    """The stop bounds of the function's loops (nested ones included, in order, each once) that
    are terms over the parameters alone, simplified: `n`, `len(x)`, `n - 1`, ..."""
    params = tuple(Var(p.name, p.type) for p in function.params)
    lifter = Lifter(module, function)
    env: dict[str, Sym] = {p.name: p for p in params}
    out: list[Term] = []
    for st in L.walk_stmts(function.body):
        if not isinstance(st, L.For):
            continue
        try:
            stop = lifter.value(st.stop, env, Context())
            if not isinstance(stop, Term):
                continue
            bound = rewrite.simplify(stop)
        except (NotLiftable, KeyError, TensIRTypeError):
            continue
        if not (free_vars(bound) - set(params)) and bound not in out:
            out.append(bound)
    return out


def abstract_reads(term: Term, counter: Var) -> tuple[Term, dict[Term, Var]]:
    """`term` with each maximal read that depends on `counter` (an entry or row `x[i + c]`, or an
    entry `x[r][i + c]` of a column) replaced by a variable of its type: `e` when there is one
    read, else `e1`, `e2`, ... in order. Returns the new term and each read's variable: a
    per-iteration update becomes the body of a lambda over its reads."""
    leaves: dict[Term, Term] = {}
    collect_leaves(term, counter, leaves)
    names = ["e"] if len(leaves) == 1 else [f"e{k + 1}" for k in range(len(leaves))]
    reads = {read: Var(name, read.type) for read, name in zip(leaves, names, strict=True)}
    return replace_terms(term, reads), reads
