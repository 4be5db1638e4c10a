"""Scalar subterms computed once per call, before the output's row ranges.

A scalar subterm outside every lambda depends on the parameters only and is computed before the
loop nest (`codegen`); when the runtime runs two row ranges on two threads, each would compute it,
and one that loops over a tensor (a reduction such as the `reduce_sum(x[:n])` of `x[i] -
reduce_sum(x[:n]) / n`, a search) then reads its whole input twice. Instead `f_prologue` computes
those subterms once, with the checks and output dims of `f_shape`, and stores them in 8-byte slots;
`f_hoisted` is the compute function with a pointer to the slots, from which it loads them in
place of computing them (`Lowering.cache`). A hoisted int reduction (`splittable`) is computed
before the prologue by a function of its own, `f__part<j>`, which the runtime may run on two
threads like any scalar int reduction; the prologue loads it from its slot.
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
SPLITTABLE = frozenset({"reduce_sum", "reduce_mul", "reduce_max"})
"""Reductions a hoisted int value may be, to be computed by its own, splittable function."""
PROLOGUE_SUFFIX, HOISTED_SUFFIX, PART_SUFFIX = "_prologue", "_hoisted", "__part"

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


def form_of(key: Key, v: Value) -> str:
    """How a slot holds `v` (`FORMS`)."""
    if v.type == I32:
        return "i32"
    if v.type == I64:
        return "i64" if narrow(v) is None else "narrow"
    if v.type == F64:
        return "f64"
    if v.type == I1:
        return "i1"
    raise LoweringError(f"{key[0]}: a hoisted value of type {v.type}")


def store_hoisted(g: Lowering, values: Sequence[tuple[Key, Value]], scratch: Value,
                  first: int = 0) -> list[Slot]:
    """Store `values` into slots first, first + 1, ... of `scratch` (an i64*); their slots."""
    slots: list[Slot] = []
    for k, (key, v) in enumerate(values, first):
        form = form_of(key, v)
        if form == "narrow":
            stored, t = narrow(v), I32
        elif form == "i1":
            stored, t = g.b.zext(v, I64), I64
        else:
            stored, t = v, v.type
        g.b.store(stored, _slot(g, scratch, k, t))
        slots.append((key, form))
    return slots


def splittable(slot: Slot) -> bool:
    """Whether a hoisted value is an int reduction (`SPLITTABLE`), which its own function may
    compute on two threads (the runtime's `Kernel` of a scalar int reduction) before the
    prologue, which then loads it from its slot."""
    term = slot[0][0]
    return isinstance(term, App) and term.op.name in SPLITTABLE and term.type.elem == "int" \
        and slot[1] in ("i32", "narrow", "i64")


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


__all__ = ["CHEAP", "FORMS", "HOISTED_SUFFIX", "PART_SUFFIX", "PROLOGUE_SUFFIX", "SPLITTABLE",
           "form_of", "hoistable", "load_hoisted", "loops", "splittable", "store_hoisted"]
