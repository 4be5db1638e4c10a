"""Searches and arg-extremes: the first or last index where a mask is nonzero (`find_first`,
`find_last`), and the index of the largest or smallest element that beats a seed value
(`argmax_from`, `argmin_from` and their `_last` forms, which keep the last index on ties).

Each is total (-1 when nothing is found, also on an empty vector) and is the fold a source loop
computes: `argmax_from(x, s)` walks `x` with `best = s, at = -1` and takes `x[k]` when
`x[k] > best` (`>=` for `argmax_last_from`, `<` and `<=` for the minima), so its prefix lemma is
one unfolding of its SMT definition, a recursive function on the length. `find_first` recurses
on its start (the suffix still to search, as an early-exit loop runs); `find_last` on the length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..opdef import OpDef, register
from ..sexpr import SExpr, parse_sexpr
from ..smt import SORTS, Encoder, SVal
from ..terms import Arg, Lit, Term
from ..types import BOOL, INT, TensorType
from .rules import NUMERIC, expect_rank, int_arg, same_elem
from .scalar import ITE, SCALAR_OPS
from .structural import INDEX

ELEMS = (*NUMERIC, "bool")
_ZERO = {"int": "0", "float": "0.0", "bool": "false"}


def _mask_infer(name: str, with_start: bool) -> Callable[..., TensorType]:
    def infer(m: TensorType, *rest: TensorType) -> TensorType:
        expect_rank(name, m, 1, "the mask")
        same_elem(name, ELEMS, m)
        if with_start:
            int_arg(name, rest[0], "the start")
        return INT

    return infer


def _in_range(enc: Encoder, app: str, n: str) -> SVal:
    """`app`, an application of a search, with the fact that it is -1 or an index below `n` (true
    of each definition by induction on its recursion, which solvers do not find themselves: it
    keeps a found index in range). Stated once per application that names no variable bound
    outside it (the encoder's binders, `k!0`, ..., are not in scope where facts are asserted)."""
    fact = f"(and (<= (- 1) {app}) (< {app} (ite (< {n} 0) 0 {n})))"
    if not _free_binders(parse_sexpr(fact), frozenset()):
        enc.assumptions.append(fact)
    return enc.scalar(app, "int")


def _free_binders(e: SExpr, bound: frozenset[str]) -> bool:
    """Whether `e` mentions a binder-style name (`k!0`) that no lambda inside it binds."""
    if isinstance(e, str):
        return "!" in e and e not in bound
    if len(e) == 3 and e[0] in ("lambda", "forall", "exists") and isinstance(e[1], list):
        names = {b[0] for b in e[1] if isinstance(b, list) and b and isinstance(b[0], str)}
        return _free_binders(e[2], bound | names)
    return any(_free_binders(x, bound) for x in e)


def _vector_fn(enc: Encoder, x: SVal) -> str:
    return enc.materialize(x)


def _find_first_smt(enc: Encoder, m: SVal, s: SVal) -> SVal:
    sort = enc.dialect.fn_sort(1, m.elem)
    name = f"tf_find_first_{SORTS[m.elem]}"
    at = enc.dialect.apply("f", ["j"])
    enc.define(name, (
        f"(define-fun-rec {name} ((f {sort}) (j Int) (n Int)) Int "
        f"(ite (>= j n) (- 1) (ite (not (= {at} {_ZERO[m.elem]})) j ({name} f (+ j 1) n))))"))
    start = f"(ite (< {s.expr} 0) 0 {s.expr})"
    return _in_range(enc, f"({name} {_vector_fn(enc, m)} {start} {m.dims[0]})", m.dims[0])


def _find_last_smt(enc: Encoder, m: SVal) -> SVal:
    sort = enc.dialect.fn_sort(1, m.elem)
    name = f"tf_find_last_{SORTS[m.elem]}"
    at = enc.dialect.apply("f", ["(- n 1)"])
    enc.define(name, (
        f"(define-fun-rec {name} ((f {sort}) (n Int)) Int "
        f"(ite (<= n 0) (- 1) (ite (not (= {at} {_ZERO[m.elem]})) (- n 1) ({name} f (- n 1)))))"))
    return _in_range(enc, f"({name} {_vector_fn(enc, m)} {m.dims[0]})", m.dims[0])


def _find_first_np(m: Any, s: Any) -> Any:
    hits = np.flatnonzero(np.asarray(m)[max(int(s), 0):])
    return np.int64(hits[0] + max(int(s), 0)) if hits.size else np.int64(-1)


def _find_last_np(m: Any) -> Any:
    hits = np.flatnonzero(np.asarray(m))
    return np.int64(hits[-1]) if hits.size else np.int64(-1)


SEARCH_OPS: dict[str, OpDef] = {}
"""The ops of this module by name, once `declare` has registered them."""


def _declare_finds() -> None:
    SEARCH_OPS["find_first"] = register(OpDef(
        name="find_first", params=("m", "s"), arity=2, infer=_mask_infer("find_first", True),
        numpy=_find_first_np, smt=_find_first_smt,
        doc="first index k >= s (s below 0 counts as 0) where the mask m is nonzero; -1 when none",
    ))
    SEARCH_OPS["find_last"] = register(OpDef(
        name="find_last", params=("m",), arity=1, infer=_mask_infer("find_last", False),
        numpy=_find_last_np, smt=_find_last_smt,
        doc="last index where the mask m is nonzero; -1 when none",
        prefix_args=(0,), prefix_step=_find_last_step,
    ))


def _find_last_step(prev: Term, args: tuple[Arg, ...], i: Term) -> Term:
    m = args[0]
    assert isinstance(m, Term)
    zero = Lit(False, BOOL) if m.type.elem == "bool" else Lit(0 if m.type.elem == "int" else 0.0,
                                                               m.type.scalar)
    return ITE(SCALAR_OPS["ne"](INDEX(m, i), zero), i, prev)



_COMPARE = {"argmax_from": ">", "argmax_last_from": ">=", "argmin_from": "<",
            "argmin_last_from": "<="}
_SCALAR_CMP = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}


def _extreme_infer(name: str) -> Callable[..., TensorType]:
    def infer(x: TensorType, s: TensorType) -> TensorType:
        expect_rank(name, x, 1, "the vector")
        expect_rank(name, s, 0, "the seed")
        same_elem(name, NUMERIC, x, s)
        return INT

    return infer


_BEATS: dict[str, Callable[[Any, Any], Any]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b}


def _extreme_loop(cmp: str, arr: Any, seed: tuple[Any, ...]) -> Any:
    """The loop the op stands for, element by element (with a NaN, where max/min say nothing):
    the best so far is the seed (index -1) or the first element, replaced where `cmp` holds."""
    best, at, start = (seed[0], -1, 0) if seed else (arr[0], 0, 1)
    for i in range(start, arr.size):
        if _BEATS[cmp](arr[i], best):
            best, at = arr[i], i
    return np.int64(at)


def _extreme_np(cmp: str) -> Callable[..., Any]:
    def numpy(x: Any, *seed: Any) -> Any:
        arr = np.asarray(x)
        if arr.size == 0:
            return np.int64(-1)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            return _extreme_loop(cmp, arr, seed)
        top = arr.max() if cmp in (">", ">=") else arr.min()
        if seed and not {">": top > seed[0], ">=": top >= seed[0], "<": top < seed[0],
                         "<=": top <= seed[0]}[cmp]:
            return np.int64(-1)
        hits = np.flatnonzero(arr == top)
        return np.int64(hits[0] if cmp in (">", "<") else hits[-1])

    return numpy


def _extreme_smt(name: str, cmp: str) -> Callable[..., SVal]:
    """With a seed `s`, the first element is compared with it; without one, it is taken."""
    def smt(enc: Encoder, x: SVal, *seed: SVal) -> SVal:
        sort = enc.dialect.fn_sort(1, x.elem)
        elem = SORTS[x.elem]
        fn = f"tf_{name}_{elem}"
        last = enc.dialect.apply("f", ["(- n 1)"])
        best = enc.dialect.apply("f", ["p"])
        s_param, s_arg = (f" (s {elem})", " s") if seed else ("", "")
        beats = f"({cmp} {last} (ite (< p 0) s {best}))" if seed \
            else f"(or (< p 0) ({cmp} {last} {best}))"
        enc.define(fn, (
            f"(define-fun-rec {fn} ((f {sort}) (n Int){s_param}) Int "
            f"(ite (<= n 0) (- 1) (let ((p ({fn} f (- n 1){s_arg}))) "
            f"(ite {beats} (- n 1) p))))"))
        args = " ".join([_vector_fn(enc, x), x.dims[0], *(v.expr or "" for v in seed)])
        return _in_range(enc, f"({fn} {args})", x.dims[0])

    return smt


def _extreme_step(cmp: str) -> Callable[[Term, tuple[Arg, ...], Term], Term]:
    def step(prev: Term, args: tuple[Arg, ...], i: Term) -> Term:
        x = args[0]
        assert isinstance(x, Term)
        none_yet = SCALAR_OPS["lt"](prev, Lit(0, INT))
        if len(args) == 2:
            s = args[1]
            assert isinstance(s, Term)
            best = ITE(none_yet, s, INDEX(x, prev))
            return ITE(SCALAR_OPS[_SCALAR_CMP[cmp]](INDEX(x, i), best), i, prev)
        beats = SCALAR_OPS[_SCALAR_CMP[cmp]](INDEX(x, i), INDEX(x, prev))
        return ITE(SCALAR_OPS["or"](none_yet, beats), i, prev)

    return step


def _unseeded_infer(name: str) -> Callable[..., TensorType]:
    def infer(x: TensorType) -> TensorType:
        expect_rank(name, x, 1, "the vector")
        same_elem(name, NUMERIC, x)
        return INT

    return infer


def _declare_extremes() -> None:
    for name, cmp in _COMPARE.items():
        what = "largest" if cmp in (">", ">=") else "smallest"
        tie = "first" if cmp in (">", "<") else "last"
        SEARCH_OPS[name] = register(OpDef(
            name=name, params=("x", "s"), arity=2, infer=_extreme_infer(name),
            numpy=_extreme_np(cmp), smt=_extreme_smt(name, cmp),
            doc=f"index of the {what} element of x ({tie} on ties) when it is {cmp} s, else -1",
            prefix_args=(0,), prefix_step=_extreme_step(cmp),
        ))
        bare = name.removesuffix("_from")
        SEARCH_OPS[bare] = register(OpDef(
            name=bare, params=("x",), arity=1, infer=_unseeded_infer(bare),
            numpy=_extreme_np(cmp), smt=_extreme_smt(bare, cmp),
            doc=f"index of the {what} element of x ({tie} on ties); -1 when x is empty",
            prefix_args=(0,), prefix_step=_extreme_step(cmp),
        ))


def declare() -> None:
    """Register the searches and arg-extremes (after libm, in docs order)."""
    _declare_finds()
    _declare_extremes()
