"""The source's own ranges: which int subterms of a program lifted from C/C++ fit in 32 bits.

In C and C++ signed overflow is undefined, so on every input where the source is defined each
value it computes in `int` lies in [-2^31, 2^31). A subterm of the lifted program that is proven
equal to such a value may therefore be computed in 32 bits (comparisons, division and min/max
included) without changing any result on those inputs. This module finds such subterms with one
SMT obligation each (z3), over the source's loop IR:

- the source is evaluated symbolically: its parameters are symbols, each `int` scalar assigned in
  a loop is a fresh symbol in every iteration, an array read `x[k]` is an uninterpreted function;
  a *source value* is an expression the source evaluates in every iteration of its loop (or once
  before it), outside a branch of `?:`, an `if`, `&&` or `||`, and whose C type is exactly `int`
  (libclang's type of every expression starting at its position: a `long`, `unsigned`, `short`
  or `size_t` expression there gives no fact);
- for a map or selection of the program over `x[:n]`, `x[:len(y)]`, `take(tail(x, s), l)`,
  `stride(x, s, k, c)`, `col_slice(m[:k], 0, n)` (element `i` or `(i, j)` read as the source
  reads `x[s + i]`), element `i` is iteration `i` of the source's counted loop, a `for` or a
  counted `while` from any start by any constant step (`int32_loops`; one obligation: every
  element is an iteration);
- a subterm `t` of its lambda body is *proven* when `t == v` for a source value `v` (or, in one
  obligation, `t` is one of several, by the paths taken), under: the counters in the loop's
  range, and every array read of that iteration (and of iteration 0) in range (reading out of
  range is undefined too). A subterm without the lambda's parameters is computed once, even when
  the map is empty and its value unused: one with a division (which may trap there) is matched
  only against values computed before the loop.

An inner loop of an iteration that folds into one `int` makes element `i` of a matrix-vector
product the row's accumulator (`int32_matvec`); a reduction over the counted loop is the loop's
accumulator (`int32_folds`): each by an induction whose steps are SMT obligations, so the product
or reduction is computed in 32 bits too.

A scalar int parameter that is such a value is reported in `params`; the llvm target checks its
range once per call (not a pass over the data). Where the source is not read (Python, hand-written
TensIR) or an obligation fails, nothing is proven and the code stays 64-bit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Function, Lambda, Lit, Term, Var
from tensflo.ir.tensir.ops import MAPPERS

from .int32_folds import prove_fold
from .int32_loops import assigned, counted_while, exits, first_iteration, iterations, names, written
from .int32_matvec import matvec_elements
from .int32_terms import binary, elements, guarded, scalar, source_value, subterms, valid

_MAPS = frozenset(MAPPERS.values())
_INT_KINDS = frozenset({"INT", "LONG", "SHORT", "LONGLONG", "CHAR_S", "SCHAR", "UINT", "ULONG",
                        "ULONGLONG", "USHORT", "UCHAR", "CHAR_U"})
"""Integral clang type kinds (bool aside); of these only `INT` carries a fact."""
BUDGET_S = 20.0
"""Per function: the subterms left when it is spent are `not proven: timeout`."""


@dataclass(frozen=True)
class Int32Proofs:
    """The subterms proven equal to values the source computes in 32-bit `int`."""

    terms: frozenset[Term] = frozenset()
    params: frozenset[str] = frozenset()
    """Scalar int parameters that are source `int` values (range-checked once per call)."""
    obligations: tuple[dict[str, Any], ...] = ()
    failures: tuple[str, ...] = ()
    """Why a map or subterm was not proven (for the report)."""

    def to_json(self) -> dict[str, Any]:
        return {"proven": [o for o in self.obligations if o["status"] == "unsat"],
                "params": sorted(self.params), "not_proven": list(self.failures)}


NOTHING = Int32Proofs()


def clang_int_kinds(path: str, text: str, language: str) -> dict[tuple[int, int], set[str]]:
    """For each (line, col) of the file: the integral type kinds of the expressions there."""
    import clang.cindex as ci

    from tensflo.plugins.c_family import clang_flags

    tu = ci.Index.create().parse(path, args=list(clang_flags(language)),
                                 unsaved_files=[(path, text)])
    kinds: dict[tuple[int, int], set[str]] = {}

    def walk(c: Any) -> None:
        for k in c.get_children():
            if k.location.file is not None and k.location.file.name == path and (
                    k.kind.is_expression() or k.kind == ci.CursorKind.PARM_DECL):
                kind = k.type.get_canonical().kind.name
                if kind in _INT_KINDS:
                    kinds.setdefault((k.location.line, k.location.column), set()).add(kind)
            walk(k)

    walk(tu.cursor)
    return kinds


# -- the source, symbolically ----------------------------------------------------------------------
@dataclass
class _Source:
    """The source run symbolically. `path` (a z3 Bool) is the condition under which the code
    being read runs in its iteration (or call); None: not modelled, nothing is recorded."""

    z: Any
    module: L.Module
    kinds: dict[tuple[int, int], set[str]]
    arrays: dict[str, Any] = field(default_factory=dict)
    lengths: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    before: list[tuple[Any, L.Loc, Any]] = field(default_factory=list)
    """Source values computed before the loop: (value, position, condition it is computed on)."""
    inside: list[tuple[Any, L.Loc, Any]] = field(default_factory=list)
    """Source values computed in an iteration (over the counters), likewise."""
    reads: list[Any] = field(default_factory=list)
    """In-range conditions of the iteration's array reads (each implied by its path)."""
    counters: list[tuple[Any, Any]] = field(default_factory=list)
    """(iteration, number of iterations) of the counted loop nest, outermost first."""
    folds: list[RowFold] = field(default_factory=list)
    """Inner loops of the iteration that fold into one scalar (`RowFold`)."""
    top: RowFold | None = None
    """The counted loop itself, when it folds into one scalar (`after` is None)."""
    fresh: int = 0
    depth: int = 0

    def symbol(self, name: str) -> Any:
        self.fresh += 1
        return self.z.Int(f"{name}!{self.fresh}")

    def record(self, value: Any, loc: L.Loc, path: Any) -> None:
        if path is None or not self.z.is_int(value) or \
                self.kinds.get((loc.line, loc.col)) != {"INT"}:
            return
        (self.inside if self.counters else self.before).append((value, loc, path))

    def _and(self, path: Any, c: Any) -> Any:
        return None if path is None or c is None else self.z.And(path, c)

    def expr(self, e: L.Expr, env: dict[str, Any], path: Any) -> Any:
        """The value of `e` (None: not modelled); records its source values."""
        z = self.z
        v: Any = None
        if isinstance(e, L.Const):
            v = z.BoolVal(e.value) if isinstance(e.value, bool) else \
                z.IntVal(e.value) if isinstance(e.value, int) else None
        elif isinstance(e, L.Name):
            v = env.get(e.id)
        elif isinstance(e, L.Index):
            v = self._read(e, env, path)
        elif isinstance(e, L.Binary):
            a = self.expr(e.left, env, path)
            right = path if e.op not in ("and", "or") else \
                self._and(path, a if e.op == "and" else (None if a is None else z.Not(a)))
            b = self.expr(e.right, env, right)
            v = None if a is None or b is None else self._binary(e.op, a, b)
        elif isinstance(e, L.Unary):
            a = self.expr(e.operand, env, path)
            v = None if a is None else (-a if e.op == "-" else z.Not(a))
        elif isinstance(e, L.Cond):
            c = self.expr(e.cond, env, path)
            a = self.expr(e.then, env, self._and(path, c))
            b = self.expr(e.orelse, env, self._and(path, None if c is None else z.Not(c)))
            v = None if c is None or a is None or b is None else z.If(c, a, b)
        elif isinstance(e, L.Call):
            v = self._call(e, env, path)
        elif isinstance(e, L.Len):
            v = self._length(e, env, path)
        if v is not None:
            self.record(v, e.loc, path)
        return v

    def _binary(self, op: str, a: Any, b: Any) -> Any:
        return binary(self.z, op, a, b)

    def _read(self, e: L.Index, env: dict[str, Any], path: Any) -> Any:
        found = self._indices(e, env, path)
        if found is None or len(found[1]) != len(self.lengths[found[0]]):
            return None
        return self.arrays[found[0]](*found[1])

    def _length(self, e: L.Len, env: dict[str, Any], path: Any) -> Any:
        """`x.size()` of an input array (or of its row `x[i]`): the model's length symbol."""
        found = self._indices(e.operand, env, path)
        if found is None or len(found[1]) >= len(self.lengths[found[0]]):
            return None
        return self.lengths[found[0]][len(found[1])]

    def _indices(self, e: L.Expr, env: dict[str, Any], path: Any) -> tuple[str, list[Any]] | None:
        """(input array, indices) of `x[i][j]...` (none for `x`), each index's read in range
        recorded (None: not an input array, or an index not modelled)."""
        idx: list[Any] = []
        base: L.Expr = e
        while isinstance(base, L.Index):
            idx.insert(0, self.expr(base.index, env, path))
            base = base.base
        if not isinstance(base, L.Name) or base.id not in self.arrays or None in idx \
                or len(idx) > len(self.lengths[base.id]):
            return None
        if path is not None:
            self.reads += [self.z.Implies(path, self.z.And(0 <= k, k < n))
                           for k, n in zip(idx, self.lengths[base.id], strict=False)]
        return base.id, idx

    def _call(self, e: L.Call, env: dict[str, Any], path: Any) -> Any:
        z = self.z
        args = [self.expr(a, env, path) for a in e.args]
        if None in args:
            return None
        if e.func in ("min", "max") and len(args) == 2:
            a, b = args
            return z.If(a <= b, a, b) if e.func == "min" else z.If(a >= b, a, b)
        if e.func == "abs" and len(args) == 1:
            return z.If(args[0] < 0, -args[0], args[0])
        helper = self.module.function(e.func)
        if helper is None or self.depth > 8 or len(helper.params) != len(args):
            return None
        local = {p.name: a for p, a in zip(helper.params, args, strict=True)}
        self.depth += 1
        try:
            returned = self.block(helper.body, local, path)
        finally:
            self.depth -= 1
        return None if returned is None else returned.value

    def block(self, body: tuple[L.Stmt, ...], env: dict[str, Any], path: Any) -> Any:
        """Run statements on `path`; a `_Returned` when every way through returns (None
        otherwise)."""
        z = self.z
        for k, s in enumerate(body):
            if isinstance(s, L.Decl):
                env[s.name] = self.expr(s.init, env, path) if s.init is not None and \
                    s.type.rank == 0 else None
            elif isinstance(s, L.Assign | L.Push):
                value = self.expr(s.value, env, path)
                if isinstance(s, L.Assign) and isinstance(s.target, L.Name):
                    env[s.target.id] = value
                elif isinstance(s.target, L.Index):
                    self.expr(s.target, env, path)
            elif isinstance(s, L.If):
                c = self.expr(s.cond, env, path)
                not_c = None if c is None else z.Not(c)
                then_env, else_env = dict(env), dict(env)
                a = self.block(s.then, then_env, self._and(path, c))
                rest = s.orelse + body[k + 1:] if a is not None else s.orelse
                b = self.block(rest, else_env, self._and(path, not_c))
                if a is not None:  # the then branch returns: the rest runs on the else path
                    if b is None or c is None or a.value is None or b.value is None:
                        return _Returned(None)
                    return _Returned(z.If(c, a.value, b.value))
                if b is not None:  # only the else branch returns: what follows is not modelled
                    path = None
                for name in set(then_env) | set(else_env):
                    x, y = then_env.get(name), else_env.get(name)
                    env[name] = None if c is None or x is None or y is None or \
                        z.is_bool(x) != z.is_bool(y) else z.If(c, x, y)
            elif isinstance(s, L.For) or (isinstance(s, L.While) and counted_while(s)):
                loop = s if isinstance(s, L.For) else counted_while(s)
                assert loop is not None
                if not self.loop(loop, env, path):
                    path = None  # only one loop nest is modelled: what follows is not
            elif isinstance(s, L.Return):
                return _Returned(None if path is None else self.expr(s.value, env, path))
            else:
                path = None
                for name in assigned((s,)):
                    env[name] = None
        return None

    def loop(self, s: L.For, env: dict[str, Any], path: Any) -> bool:
        """Run a counted loop (`int32_loops`); True when what follows it is modelled (an inner
        `RowFold`). Its iteration `k` is a fresh symbol, with the counter at `start + step * k`."""
        start, stop = self.expr(s.start, env, path), self.expr(s.stop, env, path)
        changed = assigned(s.body)
        before = {name: env.get(name) for name in changed}
        for name in changed:
            env[name] = self.symbol(name)  # an iteration sees any value of a carried variable
        if not (path is not None and self.z.is_true(self.z.simplify(path)) and s.step != 0
                and stop is not None and start is not None and self.z.is_int(start)
                and self.z.is_int(stop) and not exits(s.body) and s.var not in changed
                and not (names(s.stop) & (changed | {s.var}))):
            # a loop left early, or whose bound changes in it, need not run every iteration
            for name in changed | {s.var}:
                env[name] = None
            return False
        count = iterations(start, stop, s.step)
        if self.counters and self.row_fold(s, env, before, count, start):
            env[s.var] = None
            return True
        i = self.symbol(f"{s.var}_iteration")
        self.counters.append((i, count))
        inner = dict(env, **{s.var: self.z.simplify(start + s.step * i)})
        self.block(s.body, inner, self.z.BoolVal(True))
        carried = _carried(s, before)
        if len(self.counters) == 1 and len(carried) == 1:  # the loop folds into one scalar
            self.top = RowFold(before[carried[0]], env[carried[0]], inner.get(carried[0]), i,
                               count, self.reads, self.inside, None)
        for name in changed | {s.var}:
            env[name] = None
        return False

    def row_fold(self, s: L.For, env: dict[str, Any], before: dict[str, Any], count: Any,
                 start: Any) -> bool:
        """An inner counted loop updating one scalar of the outer iteration, writing no array
        and holding no loop: modelled as a `RowFold`, its final value a fresh symbol."""
        carried = _carried(s, before)
        if len(carried) != 1 or written(s.body) or \
                any(isinstance(d, L.For | L.While) for d in L.walk_stmts(s.body)):
            return False
        (name,) = carried
        j, sym = self.symbol(f"{s.var}_iteration"), env[name]
        outer = (self.inside, self.reads)
        self.inside, self.reads = [], []
        self.counters.append((j, count))
        inner = dict(env, **{s.var: self.z.simplify(start + s.step * j)})
        try:
            self.block(s.body, inner, self.z.BoolVal(True))
        finally:
            self.counters.pop()
            fold = RowFold(before[name], sym, inner.get(name), j, count, self.reads, self.inside,
                           self.symbol(f"{name}_after"))
            self.inside, self.reads = outer
        for n in assigned(s.body):
            env[n] = None
        env[name] = fold.after
        self.folds.append(fold)
        return True


def _carried(s: L.For, before: dict[str, Any]) -> list[str]:
    """The scalars a loop updates that hold a modelled value before it (declared outside)."""
    return [n for n in assigned(s.body) - {s.var} if before.get(n) is not None
            and not any(isinstance(d, L.Decl) and d.name == n for d in L.walk_stmts(s.body))]


@dataclass(frozen=True)
class RowFold:
    """An inner counted loop `acc = end` of an outer iteration (`stop` iterations, the current
    one `counter`): `init` is the accumulator's value before it, `sym` its value at iteration
    `counter`, `end` after that iteration (None: not modelled), `after` (a symbol) after the
    loop; `reads` and `facts` are the iteration's in-range conditions and source values (over
    `counter`)."""

    init: Any
    sym: Any
    end: Any
    counter: Any
    stop: Any
    reads: list[Any]
    facts: list[tuple[Any, L.Loc, Any]]
    after: Any


@dataclass(frozen=True)
class _Returned:
    """The value a block returns on every way through it (None: not modelled)."""

    value: Any


def _source(z: Any, module: L.Module, fn: L.Function, kinds: dict) -> tuple[_Source, dict] | None:
    src = _Source(z, module, kinds)
    env: dict[str, Any] = {}
    for p in fn.params:
        if p.type.rank == 0:
            env[p.name] = z.Int(p.name) if p.type.elem == "int" else \
                z.Bool(p.name) if p.type.elem == "bool" else None
            if p.type.elem == "int":  # the parameter itself is an int value
                src.record(env[p.name], p.loc, z.BoolVal(True))
        elif p.type.elem == "int":
            dims = tuple(z.Int(f"len!{p.name}!{k}") for k in range(p.type.rank))
            src.lengths[p.name] = dims
            src.reads += [0 <= d for d in dims]
            src.arrays[p.name] = z.Function(p.name, *([z.IntSort()] * (p.type.rank + 1)))
    writes = written(fn.body)
    if writes & set(src.arrays):
        return None  # an input array changed in place: its reads are not the input's
    src.block(fn.body, env, z.BoolVal(True))
    return src, env


def prove(module: L.Module, fn: L.Function, lifted: Function,
          kinds: dict[tuple[int, int], set[str]], budget: float = BUDGET_S) -> Int32Proofs:
    """The subterms of `lifted` (the program lifted from `fn`) proven equal to source `int`
    values (see the module docstring); after `budget` seconds the rest is not proven."""
    import z3

    deadline = time.perf_counter() + budget

    found = _source(z3, module, fn, kinds)
    if found is None:
        return Int32Proofs(failures=(f"{fn.name}: an input array is written in place",))
    src, _ = found
    obligations: list[dict[str, Any]] = []
    failures: list[str] = []
    proven: dict[Term, bool] = {}  # subterm -> proven at every occurrence so far
    accumulators: set[Term] = set()  # matrix-vector products: every element a source int
    for m in (t for t in subterms(lifted.body) if isinstance(t, App) and t.op in _MAPS):
        *tensors, lam = m.args
        assert isinstance(lam, Lambda)
        rank = m.type.rank
        loop_ok = len(src.counters) == rank
        idx = tuple(c for c, _ in src.counters[:rank]) if loop_ok else \
            tuple(z3.Int(f"k!{a}") for a in range(rank))
        outer = [*src.reads, *[z3.And(0 <= k, k < b) for k, b in src.counters]]
        by_row = {x: r for x in tensors if loop_ok and isinstance(x, Term) and elements(
            z3, src, x, idx) is None and (r := matvec_elements(
                z3, src, x, idx, outer, obligations, failures)) is not None}
        rows = set(by_row)
        elems = [None if not isinstance(x, Term) else by_row.get(x) or elements(z3, src, x, idx)
                 for x in tensors]
        if any(e is None for e in elems):
            failures.append(f"{str(m)[:80]}: a tensor argument is not a parameter or its slice")
            for t in subterms(lam.body):
                proven[t] = False
            continue
        local = {p: e[0] for p, e in zip(lam.params, elems, strict=True) if e is not None}
        first = elems[0]
        assert first is not None
        hyps = [z3.And(0 <= k, k < n) for k, n in zip(idx, first[1], strict=True)]
        covered = False
        if loop_ok:
            ok, secs = valid(z3, hyps, z3.And(*[k < b for k, b in src.counters]))
            obligations.append({"kind": "every element is an iteration", "term": str(m)[:120],
                                "status": "unsat" if ok else "unknown", "seconds": round(secs, 4)})
            covered = ok
        if not covered:
            failures.append(f"{str(m)[:80]}: its elements are not the source loop's iterations "
                            "(only values computed before the loop are used)")
        accumulators |= rows if covered else set()  # each element a source int
        facts = list(src.before) + (list(src.inside) if covered else [])
        hyps += [*src.reads, *[z3.And(0 <= k, k < b) for k, b in src.counters],
                 *(first_iteration(z3, src.reads, *src.counters[0]) if rank == 1 else [])
                 ] if covered else []
        for t, guard in guarded(z3, src, lam.body, z3.BoolVal(True), local):
            if not (t.type.rank == 0 and t.type.elem == "int") or isinstance(t, Lit) \
                    or (isinstance(t, Var) and t in local):
                continue
            value = scalar(z3, src, t, local)
            free = {v for v in _term_vars(t) if v in local}
            # a subterm of the parameters only is computed once, even for an empty map, where
            # its value is not used: unless a division in it may trap there, it is enough that
            # it is a source value wherever an element uses it; else it must be one the source
            # computes before its loop, on every call
            traps = any(isinstance(d, App) and d.op.name in ("div", "mod") for d in subterms(t))
            pool, given = (facts, [*hyps, guard]) if free or not traps else (list(src.before), [])
            ok, timed_out = False, []
            if time.perf_counter() > deadline:
                timed_out.append(True)
            elif value is not None and proven.get(t, True):
                done = source_value(z3, given, value, pool, timed_out)
                ok = done is not None
                obligations += [{**done, "term": str(t)}] if done is not None else []
            if not ok:
                failures.append(f"{t}: not proven: timeout" if timed_out else
                                f"{t}: equal to no `int` value the source computes wherever "
                                "this subterm's value is used")
            proven[t] = proven.get(t, True) and ok
    # a subterm also used outside the maps' bodies is not narrowed there: keep it only if every
    # occurrence is inside a proven body
    outside = _outside_lambdas(lifted.body)
    accumulators |= {t for t in outside if prove_fold(z3, src, t, obligations, failures)}
    terms = frozenset(t for t, ok in proven.items() if ok and t not in outside
                      and not isinstance(t, Var)) | accumulators
    params = {t.name for t, ok in proven.items() if ok and isinstance(t, Var)}
    return Int32Proofs(terms, frozenset(params), tuple(obligations), tuple(dict.fromkeys(failures)))


def _term_vars(t: Term | Lambda) -> set[Var]:
    return {s for s in subterms(t) if isinstance(s, Var)}


def _outside_lambdas(t: Term | Lambda) -> set[Term]:
    if isinstance(t, Lambda):
        return set()
    out = {t}
    if isinstance(t, App):
        for a in t.args:
            out |= _outside_lambdas(a)
    return out


def prove_source(path: str, lifted: Function, text: str | None = None,
                 budget: float = BUDGET_S) -> Int32Proofs:
    """Read the C/C++ file `path` (defining `lifted.name`) and prove what `prove` proves."""
    from tensflo.plugins.c_family import language_of
    from tensflo.plugins.cpp_frontend import parse_cpp

    if text is None:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    language = language_of(path)
    module = parse_cpp(path, text, language=language)
    fn = module.function(lifted.name)
    if fn is None:
        return Int32Proofs(failures=(f"{path} defines no function {lifted.name}",))
    return prove(module, fn, lifted, clang_int_kinds(path, text, language), budget)


_ASSUMED: dict[str, Int32Proofs] = {}


@contextmanager
def assumed(proofs: Mapping[Function, Int32Proofs]) -> Iterator[None]:
    """Within the block, the llvm target compiles each of these functions (by its full text) with
    its proofs when it is given none (for callers that compile through another component, such
    as `tensflo bench`)."""
    keys = {str(f): p for f, p in proofs.items()}
    _ASSUMED.update(keys)
    try:
        yield
    finally:
        for k in keys:
            _ASSUMED.pop(k, None)


def assumed_for(fn: Function) -> Int32Proofs | None:
    return _ASSUMED.get(str(fn))


__all__ = ["NOTHING", "Int32Proofs", "assumed", "assumed_for", "clang_int_kinds", "prove",
           "prove_source"]
