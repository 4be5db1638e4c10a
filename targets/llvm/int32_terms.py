"""Terms of the lifted program as z3 values, for `int32_proofs` and `int32_matvec`.

`elements` gives the element of a parameter or of its slice at an index (the source's array read),
`scalar` the value of a scalar term, `guarded` each subterm of a lambda body with the condition
under which its value reaches the result; `valid` is one SMT obligation with a timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tensflo.ir.tensir import App, Lambda, Lit, Term, Var

TIMEOUT_MS = 2000
"""Per obligation."""


def cdiv(z: Any, a: Any, b: Any) -> Any:
    """C division (truncating, x / 0 == 0), as TensIR's `div`."""
    q = z.If(a >= 0, z.If(b > 0, a / b, -(a / -b)), z.If(b > 0, -((-a) / b), (-a) / (-b)))
    return z.If(b == 0, 0, q)


def cmod(z: Any, a: Any, b: Any) -> Any:
    return z.If(b == 0, a, a - b * cdiv(z, a, b))


def binary(z: Any, op: str, a: Any, b: Any) -> Any:
    """A C binary op on z3 values (None: not modelled)."""
    if z.is_bool(a) != z.is_bool(b):
        return None
    table = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
             "/": lambda: cdiv(z, a, b), "%": lambda: cmod(z, a, b), "<": lambda: a < b,
             "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b,
             "==": lambda: a == b, "!=": lambda: a != b, "and": lambda: z.And(a, b),
             "or": lambda: z.Or(a, b)}
    return table[op]() if op in table else None


def elements(z: Any, src: Any, t: Term, idx: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]] | None:
    """(element of tensor term `t` at `idx`, its lengths), for parameters and their slices."""
    if isinstance(t, Var) and t.name in src.arrays:
        return src.arrays[t.name](*idx), src.lengths[t.name]
    if isinstance(t, App) and t.op.name == "stride":
        return _strided(z, src, t, idx)
    if not isinstance(t, App) or t.op.slicing is None:
        return None
    s = t.op.slicing
    base, *rest = t.args
    if not isinstance(base, Term) or not all(isinstance(a, Term) for a in rest):
        return None
    bounds = [scalar(z, src, a, {}) for a in rest if isinstance(a, Term)]
    if None in bounds:
        return None
    n_full = elements(z, src, base, idx)  # lengths only: the index is shifted below
    if n_full is None:
        return None
    n = n_full[1][s.axis]
    clamp = lambda v, lo, hi: z.If(v < lo, lo, z.If(v > hi, hi, v))  # noqa: E731
    if s.lo is None or (isinstance(t.args[s.lo], Lit) and getattr(t.args[s.lo], "value", None) == 0):
        start = z.IntVal(0)  # clamp(0, 0, n) is 0, as n >= 0 (the solver need not find it)
    else:
        start = clamp(bounds[s.lo - 1], 0, n)
    stop = clamp(n if s.hi is None else bounds[s.hi - 1], start, n)
    moved = list(idx)
    moved[s.axis] = idx[s.axis] + start
    inner = elements(z, src, base, tuple(moved))
    assert inner is not None
    dims = list(inner[1])
    dims[s.axis] = stop - start
    return inner[0], tuple(dims)


def _strided(z: Any, src: Any, t: App, idx: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]] | None:
    """`stride(x, start, step, count)`: element `i` is `x[start + step * i]`, `max(count, 0)` of
    them."""
    base, *rest = t.args
    bounds: list[Any] = [scalar(z, src, a, {}) if isinstance(a, Term) else None for a in rest]
    if not isinstance(base, Term) or None in bounds:
        return None
    start, step, count = bounds
    inner = elements(z, src, base, (start + step * idx[0], *idx[1:]))
    if inner is None:
        return None
    return inner[0], (z.If(count < 0, 0, count), *inner[1][1:])


def scalar(z: Any, src: Any, t: Term, local: dict[Var, Any]) -> Any:
    """The z3 value of a scalar term (None: not modelled)."""
    if isinstance(t, Var):
        if t in local:
            return local[t]
        if t.type.rank == 0 and t.type.elem == "int":
            return z.Int(t.name)
        return z.Bool(t.name) if t.type.rank == 0 and t.type.elem == "bool" else None
    if isinstance(t, Lit):
        return z.BoolVal(t.value) if t.type.elem == "bool" else \
            z.IntVal(t.value) if t.type.elem == "int" else None
    if isinstance(t, App) and t.op.name in ("len", "index") and t.type.rank == 0:
        return _structural(z, src, t, local)
    if not isinstance(t, App) or t.type.rank or t.type.elem == "float":
        return None
    args: list[Any] = [scalar(z, src, a, local) if isinstance(a, Term) else None for a in t.args]
    if None in args:
        return None
    name = t.op.name
    if name in ("add", "sub", "mul", "div", "mod", "lt", "le", "gt", "ge", "eq", "ne", "and", "or"):
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "lt": "<", "le": "<=",
               "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}.get(name, name)
        return binary(z, sym, *args)
    if name in ("min", "max"):
        a, b = args
        return z.If(a <= b, a, b) if name == "min" else z.If(a >= b, a, b)
    ops: dict[str, Any] = {"neg": lambda a: -a, "abs": lambda a: z.If(a < 0, -a, a), "not": lambda a: z.Not(a),
           "ite": lambda c, a, b: z.If(c, a, b)}
    return ops[name](*args) if name in ops else None


def _structural(z: Any, src: Any, t: App, local: dict[Var, Any]) -> Any:
    """`len(x)`, `len(transpose(m))` (a matrix's columns) or `x[i]` of an input array `x`."""
    x = t.args[0]
    axis = 0
    if t.op.name == "len" and isinstance(x, App) and x.op.name == "transpose":
        x, axis = x.args[0], 1
    if not (isinstance(x, Var) and x.name in src.arrays):
        return None
    if t.op.name == "len":
        return src.lengths[x.name][axis]
    i = scalar(z, src, t.args[1], local) if isinstance(t.args[1], Term) else None
    return None if i is None or len(src.lengths[x.name]) != 1 else src.arrays[x.name](i)


def subterms(t: Term | Lambda) -> Iterator[Term]:
    if isinstance(t, Lambda):
        yield from subterms(t.body)
        return
    yield t
    if isinstance(t, App):
        for a in t.args:
            yield from subterms(a)


def guarded(z: Any, src: Any, t: Term | Lambda, guard: Any, local: dict[Var, Any],
             ) -> Iterator[tuple[Term, Any]]:
    """Each subterm occurrence of a lambda body with the condition under which its value can
    reach the result: the branches of an `ite` add its condition or its negation (computing the
    other branch's value in 32 bits may give any number, which the `select` then drops)."""
    if isinstance(t, Lambda):
        return
    yield t, guard
    if not isinstance(t, App):
        return
    if t.op.name == "ite":
        c, a, b = t.args
        assert isinstance(c, Term) and isinstance(a, Term) and isinstance(b, Term)
        cond = scalar(z, src, c, local)
        yield from guarded(z, src, c, guard, local)
        yield from guarded(z, src, a, guard if cond is None else z.And(guard, cond), local)
        yield from guarded(z, src, b, guard if cond is None else z.And(guard, z.Not(cond)), local)
        return
    for arg in t.args:
        yield from guarded(z, src, arg, guard, local)


def source_value(z: Any, given: list[Any], value: Any, pool: list[tuple[Any, Any, Any]],
                 timed_out: list[bool]) -> dict[str, Any] | None:
    """The obligation proving that `value` is, under `given`, a source value of `pool` (value,
    position, path): first one value on its path; else, in one obligation, on every input one of
    them whose path is taken (a value the source selects by a branch, such as what an `if` or
    the other pushes). None: not proven."""
    for fact, loc, path in pool:
        ok, secs = valid(z, given, z.And(path, value == fact), timed_out)
        if ok:
            return {"kind": "int32 source value", "at": str(loc), "status": "unsat",
                    "seconds": round(secs, 4)}
    if len(pool) > 1 and not timed_out:
        ok, secs = valid(z, given, z.Or(*[z.And(path, value == f) for f, _, path in pool]),
                         timed_out)
        if ok:
            return {"kind": "int32 source value (one of several, by branch)",
                    "at": f"one of {len(pool)} source values", "status": "unsat",
                    "seconds": round(secs, 4)}
    return None


def valid(z: Any, hyps: list[Any], goal: Any, timed_out: list[bool] | None = None,
           ) -> tuple[bool, float]:
    """Whether `hyps` imply `goal` (within TIMEOUT_MS; a timeout is noted in `timed_out`)."""
    s = z.Solver()
    s.set("timeout", TIMEOUT_MS)
    s.add(*hyps, z.Not(goal))
    t0 = time.perf_counter()
    status = s.check()
    if status == z.unknown and timed_out is not None:
        timed_out.append(True)
    return status == z.unsat, time.perf_counter() - t0


__all__ = ["TIMEOUT_MS", "binary", "cdiv", "cmod", "elements", "guarded", "scalar", "source_value",
           "subterms", "valid"]
