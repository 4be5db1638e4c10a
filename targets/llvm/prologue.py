"""Scalar subterms computed once per call, before the output's row ranges.

A scalar subterm outside every lambda depends on the parameters only and is computed before the
loop nest (`codegen`); when the runtime runs two row ranges on two threads, each would compute it,
and one that loops over a tensor (a reduction such as the `reduce_sum(x[:n])` of `x[i] -
reduce_sum(x[:n]) / n`, a search) then reads its whole input twice. Instead `f_prologue` computes
those subterms once, with the checks and output dims of `f_shape`, and stores them in 8-byte slots;
`f_hoisted` is the compute function with a pointer to the slots, from which it loads them in
place of computing them (`Lowering.cache`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llvmlite import ir

from tensflo.ir.tensir import App, Lambda, Term
from tensflo.ir.tensir.terms import subterms

from .codegen import F64, I1, I32, I64, Lowering, LoweringError, View
from .narrow import narrow
from .ops import Value

CHEAP = frozenset({"len", "index"})
"""Ops from a tensor to a scalar that do not loop over it."""
PROLOGUE_SUFFIX, HOISTED_SUFFIX = "_prologue", "_hoisted"

Key = tuple[Term, bool]
"""A `Lowering.cache` key: a closed term and whether only its low 32 bits are demanded."""
Slot = tuple[Key, str]
"""A hoisted value: its cache key and how its slot holds it (`FORMS`)."""
FORMS = ("i32", "narrow", "i64", "f64", "i1")
"""An i32 value; an i64 that is the sign extension of an i32 (kept narrow: `narrow`); an i64; a
double; an i1 (stored zero-extended)."""


def loops(term: Term) -> bool:
    """Whether computing a term runs a loop over a tensor: some subterm is a scalar computed
    from a tensor argument by an op other than `CHEAP` ones."""
    return any(isinstance(t, App) and t.type.rank == 0 and t.op.name not in CHEAP
               and any(not isinstance(a, Lambda) and a.type.rank for a in t.args)
               for t in subterms(term))


def hoistable(cache: Mapping[Key, Value | View]) -> list[tuple[Key, Value]]:
    """The scalar values of `cache` (computed before the nest) whose terms loop over a tensor."""
    return [(key, v) for key, v in cache.items()
            if not isinstance(v, View) and isinstance(key[0], App) and key[0].type.rank == 0
            and loops(key[0])]


def _slot(g: Lowering, scratch: Value, k: int, t: ir.Type) -> Value:
    ptr = g.b.gep(scratch, [g.i64(k)], inbounds=True)
    return ptr if t == I64 else g.b.bitcast(ptr, ir.PointerType(t))


def store_hoisted(g: Lowering, values: Sequence[tuple[Key, Value]], scratch: Value) -> list[Slot]:
    """Store `values` into slots 0, 1, ... of `scratch` (an i64*); their slots."""
    slots: list[Slot] = []
    for k, (key, v) in enumerate(values):
        v32 = narrow(v) if v.type == I64 else None
        if v.type == I32 or v32 is not None:
            form, stored, t = ("i32", v, I32) if v32 is None else ("narrow", v32, I32)
        elif v.type in (I64, F64):
            form, stored, t = ("i64" if v.type == I64 else "f64"), v, v.type
        elif v.type == I1:
            form, stored, t = "i1", g.b.zext(v, I64), I64
        else:
            raise LoweringError(f"{key[0]}: a hoisted value of type {v.type}")
        g.b.store(stored, _slot(g, scratch, k, t))
        slots.append((key, form))
    return slots


def load_hoisted(g: Lowering, slots: Sequence[Slot], scratch: Value) -> None:
    """Load the slots of `scratch` into `g.cache`, so that lowering uses them."""
    for k, (key, form) in enumerate(slots):
        if form in ("i32", "narrow"):
            v = g.b.load(_slot(g, scratch, k, I32))
            g.cache[key] = v if form == "i32" else g.b.sext(v, I64)
        elif form == "f64":
            g.cache[key] = g.b.load(_slot(g, scratch, k, F64))
        else:
            v = g.b.load(_slot(g, scratch, k, I64))
            g.cache[key] = v if form == "i64" else g.b.trunc(v, I1)


__all__ = ["CHEAP", "FORMS", "HOISTED_SUFFIX", "PROLOGUE_SUFFIX", "hoistable", "load_hoisted",
           "loops", "store_hoisted"]
