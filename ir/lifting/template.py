"""Template invariants of candidate programs: a program for a loop's result, with the loop bound
replaced by the counter, is the invariant `v == program[hi := i]`."""

from __future__ import annotations

from tensflo.ir.tensir import OPS, App, Term, Var

from .build import ZERO
from .op_facts import BOUND_ARGS, BOUND_OFFSETS, INDEXED_ARGS, OPAQUE_TO_BOUNDS


def replace_bound(program: Term, hi: Term, b: Term, mode: str = "auto") -> Term:
    """`program` with the loop bound `hi` replaced by `b` where it bounds a slice or a `take`
    (also as `hi - c` or `hi + c`, for loops not starting at 0). When the bound is `len(x)`, a
    whole use of `x` is the slice `x[:len(x)]` and becomes `x[:b]` (not inside `len` or as the
    vector of an index). `mode`: `explicit` (stated bounds only), `whole` (both), `auto` (whole
    uses only when the program states no bound)."""
    if mode == "whole":
        return _replace_bound(program, hi, b, whole=True)
    explicit = _replace_bound(program, hi, b, whole=False)
    if mode == "explicit" or explicit != program:
        return explicit
    return _replace_bound(program, hi, b, whole=True)


def _replace_bound(program: Term, hi: Term, b: Term, whole: bool) -> Term:
    if whole and isinstance(program, Var) and program.type.rank >= 1 \
            and hi == OPS["len"](program):
        return OPS["slice"](program, ZERO, b)
    if isinstance(program, App):
        name = program.op.name
        if name in OPAQUE_TO_BOUNDS:
            return program
        args = [a if not isinstance(a, Term) or INDEXED_ARGS.get(name) == k
                else _replace_bound(a, hi, b, whole) for k, a in enumerate(program.args)]
        k = BOUND_ARGS.get(name)
        if k is not None:
            bound = args[k]
            if isinstance(bound, Term):
                args[k] = _bound(bound, hi, b)
        return App(program.op, tuple(args))
    return program


def _bound(e: Term, hi: Term, b: Term) -> Term:
    if e == hi:
        return b
    if isinstance(e, App) and e.op.name in BOUND_OFFSETS and e.args[0] == hi:
        return App(e.op, (b, e.args[1]))
    return e
