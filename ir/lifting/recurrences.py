"""Running states in the (max, +) and (min, +) semirings: Kadane-style updates, rewritten with scans.

A scalar state updated as `s' = max(s + a(i), b(i))` (written also `max(b, s + a)`,
`max(s, c) + a`, or as a comparison `ite(s + a > b, s + a, b)`) is a first-order linear recurrence
in the (max, +) semiring. With `A`, `B` the vectors of `a`, `b` over the iterations and
`S = scan_sum(A)` (so `S[k]` is the sum of the first `k + 1` entries of `A`), after `k` iterations

    s_k = sum(A[:k]) + max(s_0, max_{j < k} (B[j] - S[j]))

(by induction: `s_{k+1} = max(s_k + a_k, b_k) = S[k] + max(s_0, M_k, b_k - S[k])`), so

    s(b)   = reduce_sum(A) + reduce_max(append(B - S, s_0))
    trace  = S + max(scan_max(B - S), s_0)        (the value after each iteration)

and `min` is the same on negated values. A second state folding the first's new value
(`best = max(best, s)`, or any reduction of a function of it alone) is that reduction of the
trace. Each summary is the template invariant of the loop; its preservation (one unfolding of the
scans and reductions) is what the verifier proves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit, rewrite

from .build import mk, term_arg
from .kept_branches import without_kept_branch
from .loop_rules import Summary, reduction_parts
from .op_facts import LESS, ORDERINGS
from .results import Empty, NotLiftable, Sym
from .sequence import hoisted_map, replace_outside_lambdas
from .vectorize import PendingRead, collect_leaves, vectorize

_EXTREMA = ("max", "min")


@dataclass(frozen=True)
class SemiringSummary:
    """A summary this module gives: `fn(bound)`; `trace` and `value` are set for a fold or a push
    of a state's new value (`value`, the state's update as the loop body computes it) over the
    state's trace, so its proof can take the trace's step as a separate fact."""

    fn: Callable[[Term], Term]
    trace: Callable[[Term], Term] | None = None
    value: Term | None = None

    def __call__(self, bound: Term) -> Term:
        return self.fn(bound)


@dataclass(frozen=True)
class MaxPlus:
    """`s' = kind(s + a, b)`: the update of a running state in the (kind, +) semiring."""

    kind: str
    a: Term
    b: Term


def semiring_states(s: L.For, state: dict[str, Var], before: dict[str, Sym], new: dict[str, Term],
                    i: Var, lo: Term, names: set[str], pending: list[PendingRead]
                    ) -> dict[str, Summary]:
    """Summaries of the scalar states of the loop `s` updated as `kind(v + a, b)`, and of the
    states folding one of their new values by a max, min or sum; the others are left to the
    other loop-shape rules (`new`: the values after one iteration with counter `i`)."""
    loop_vars = set(state.values()) | {i}
    traces: dict[Term, Callable[[Term], Term]] = {}  # a state's new value -> its trace
    extrema: dict[Term, Callable[[Term], Term]] = {}  # the same for running maxima and minima
    out: dict[str, Summary] = {}
    for name, var in state.items():
        init, after = before.get(name), new.get(name)
        if not (var.type.is_scalar and isinstance(init, Term) and after is not None):
            continue
        got = _max_plus(rewrite.simplify(after), var)
        if got is not None and got[0] is None:  # a running total: a trace, summarized elsewhere
            total = _running_total(s.loc, init, rewrite.simplify(got[1]), i, lo, loop_vars, names)
            if total is not None:
                traces[after] = total
            continue
        rec = recurrence(rewrite.simplify(after), var)
        if rec is None and got is not None and got[0] in _EXTREMA and got[2] is not None:
            extremum = _extremum_trace(s.loc, got[0], init, got[2], var, i, lo, loop_vars, names)
            if extremum is not None:  # a running maximum or minimum: its trace, for folds
                extrema[after] = extremum
            continue
        if rec is None or (free_vars(rec.a) | free_vars(rec.b)) & (loop_vars - {i}):
            continue
        vectors = _vectors(s.loc, rec, i, lo, names, pending)
        if vectors is None:
            continue
        out[name] = SemiringSummary(_state_summary(rec.kind, init, vectors))
        traces[after] = _trace(rec.kind, init, vectors, var, names)
    if not traces and not extrema:
        return out
    folds = {**traces, **extrema}
    for name, var in state.items():
        init, after = before.get(name), new.get(name)
        if name in out or after is None:
            continue
        if isinstance(init, Empty) and isinstance(after, App) and after.op.name == "append" \
                and after.args[0] == var:
            summary = _pushed_trace(term_arg(after.args[1]), traces, loop_vars, lo, names)
        elif var.type.is_scalar and isinstance(init, Term):
            reads = (s.loc, i, pending)
            summary = _fold_of_trace(var, init, after, folds, loop_vars, lo, names, reads)
            merged = without_kept_branch(after, var, {state[n]: t for n, t in new.items()})
            if summary is None and merged is not None:  # a candidate (kept_branches)
                summary = _fold_of_trace(var, init, merged, folds, loop_vars, lo, names, reads)
        else:
            continue
        if summary is not None:
            out[name] = summary
    return out


def recurrence(t: Term, v: Var) -> MaxPlus | None:
    """`t` as `kind(v + a, b)` with `a`, `b` free of `v`, or None (also for a plain `v + a`)."""
    got = _max_plus(t, v)
    if got is None:
        return None
    kind, a, b = got
    if kind is None or b is None:
        return None
    a = rewrite.simplify(a)
    if a in (lit(0), lit(0.0)):
        return None  # kind(v, b): a plain running maximum or minimum
    return MaxPlus(kind, a, rewrite.simplify(b))


def _max_plus(t: Term, v: Var) -> tuple[str | None, Term, Term | None] | None:
    """(kind, a, b) with `t == kind(v + a, b)`; kind and b None when `t == v + a`."""
    zero = lit(0) if v.type.elem == "int" else lit(0.0)
    if t == v:
        return None, zero, None
    t = _extremum(t)
    if isinstance(t, App) and t.op.name in _EXTREMA:
        x, y = map(term_arg, t.args)
        if v in free_vars(x) and v not in free_vars(y):
            inner, other = x, y
        elif v in free_vars(y) and v not in free_vars(x):
            inner, other = y, x
        else:
            return None
        got = _max_plus(inner, v)
        if got is None or got[0] not in (None, t.op.name):
            return None
        _, a, b = got
        # kind(kind(v + a, b), c) = kind(v + a, kind(b, c))
        return t.op.name, a, other if b is None else mk(t.op.name, b, other)
    terms = rewrite.sum_terms(t)
    hits = [k for k, (_, u) in enumerate(terms) if v in free_vars(u)]
    if len(terms) < 2 or len(hits) != 1 or terms[hits[0]][0] != 1:
        return None
    rest = rewrite.from_sum_terms([st for k, st in enumerate(terms) if k != hits[0]], v.type)
    got = _max_plus(terms[hits[0]][1], v)
    if got is None:
        return None
    kind, a, b = got
    # kind(v + a, b) + r = kind(v + (a + r), b + r)
    return kind, mk("add", a, rest), None if b is None else mk("add", b, rest)


def _extremum(t: Term) -> Term:
    """A comparison select `ite(x > y, x, y)` (and its mirrored forms) as `max`/`min`."""
    if not (isinstance(t, App) and t.op.name == "ite"):
        return t
    c, p, q = map(term_arg, t.args)
    if not (isinstance(c, App) and c.op.name in ORDERINGS and c.op.name not in ("eq", "ne")):
        return t
    x, y = map(term_arg, c.args)
    if c.op.name in LESS:
        x, y = y, x  # now "x is greater than y" when c holds
    if (p, q) == (x, y):
        return mk("max", x, y)
    if (p, q) == (y, x):
        return mk("min", x, y)
    return t


def _vectors(loc: L.Loc, rec: MaxPlus, i: Var, lo: Term, names: set[str],
             pending: list[PendingRead]) -> Callable[[Term], tuple[Term, Term]] | None:
    """(A, B) over the iterations `[lo, bound)` as a function of the bound, or None."""
    reads = [_reads(loc, e, i, lo, names, pending) for e in (rec.a, rec.b)]
    if reads == [False, False]:
        return None
    for e, read in zip((rec.a, rec.b), reads, strict=True):
        if not read and (i in free_vars(e) or any(not w.type.is_scalar for w in free_vars(e))):
            return None

    def vectors(bound: Term) -> tuple[Term, Term]:
        vs = [vectorize(loc, e, i, lo, bound, names) if read else None
              for e, read in zip((rec.a, rec.b), reads, strict=True)]
        like = next(v for v in vs if v is not None)
        a, b = (v if v is not None else _constant_like(like, e, names)
                for v, e in zip(vs, (rec.a, rec.b), strict=True))
        return a, b

    return vectors


def _running_total(loc: L.Loc, init: Term, a: Term, i: Var, lo: Term, loop_vars: set[Var],
                   names: set[str]) -> Callable[[Term], Term] | None:
    """The trace `init + scan_sum(A)` of `s' = s + a`, or None."""
    if free_vars(a) & (loop_vars - {i}) or not _reads(loc, a, i, lo, names, None):
        return None
    if init in (lit(0), lit(0.0)):
        return lambda bound: mk("scan_sum", vectorize(loc, a, i, lo, bound, names))
    return lambda bound: mk("vec_scalar_add", mk("scan_sum", vectorize(loc, a, i, lo, bound, names)),
                            init)


def _reads(loc: L.Loc, e: Term, i: Var, lo: Term, names: set[str],
           pending: list[PendingRead] | None) -> bool:
    try:
        vectorize(loc, e, i, lo, lo, names, pending)
    except NotLiftable:
        return False
    return True


def _constant_like(vec: Term, c: Term, names: set[str]) -> Term:
    """A vector as long as `vec` holding the scalar `c` in every entry."""
    e = Var(_fresh("e", c, names), vec.type.scalar)
    return mk("vec_map", vec, Lambda((e,), c))


def _state_summary(kind: str, init: Term, vectors: Callable[[Term], tuple[Term, Term]]
                   ) -> Callable[[Term], Term]:
    # max: sum(A) + reduce_max(append(B - S, s0)); min: sum(A) - reduce_max(append(S - B, -s0))
    def summary(bound: Term) -> Term:
        a, b = vectors(bound)
        s = mk("scan_sum", a)
        if kind == "max":
            return mk("add", mk("reduce_sum", a),
                      mk("reduce_max", mk("append", mk("vec_elemwise_sub", b, s), init)))
        return mk("sub", mk("reduce_sum", a),
                  mk("reduce_max", mk("append", mk("vec_elemwise_sub", s, b), mk("neg", init))))

    return summary


def _trace(kind: str, init: Term, vectors: Callable[[Term], tuple[Term, Term]], v: Var,
           names: set[str]) -> Callable[[Term], Term]:
    """The vector of the state's values after each iteration, as a function of the bound."""
    e = Var(_fresh("e", init, names), v.type)

    def trace(bound: Term) -> Term:
        a, b = vectors(bound)
        s = mk("scan_sum", a)
        if kind == "max":
            best = _seeded(mk("scan_max", mk("vec_elemwise_sub", b, s)), init, e)
            return mk("vec_elemwise_add", s, best)
        best = _seeded(mk("scan_max", mk("vec_elemwise_sub", s, b)), mk("neg", init), e)
        return mk("vec_elemwise_sub", s, best)

    return trace


def _extremum_trace(loc: L.Loc, kind: str, init: Term, b: Term, v: Var, i: Var, lo: Term,
                    loop_vars: set[Var], names: set[str]) -> Callable[[Term], Term] | None:
    """The trace of a running maximum `s' = max(s, b)` (or minimum) from `init`: the running
    maximum of `B` with each entry at least `init`, or None when `b` does not read the counter."""
    if free_vars(b) & (loop_vars - {i}) or not _reads(loc, b, i, lo, names, None):
        return None
    e = Var(_fresh("e", init, names), v.type)
    if kind == "max":
        return lambda bound: _seeded(mk("scan_max", vectorize(loc, b, i, lo, bound, names)), init, e)
    neg_b = mk("neg", b)
    return lambda bound: mk("vec_map", _seeded(mk("scan_max", vectorize(loc, neg_b, i, lo, bound, names)),
                                               mk("neg", init), e), Lambda((e,), mk("neg", e)))


def _seeded(scan: Term, seed: Term, e: Var) -> Term:
    """`max(entry, seed)` for every entry of `scan` (beside a vector holding the seed when the seed
    reads a vector: a lambda body reads only scalars)."""
    if all(w.type.is_scalar for w in free_vars(seed)):
        return mk("vec_map", scan, Lambda((e,), mk("max", e, seed)))
    zero = lit(0.0) if e.type.elem == "float" else lit(0)
    seeds = mk("vec_scalar_add", mk("vec_map", scan, Lambda((e,), zero)), seed)
    other = Var(e.name + "_", e.type)
    return mk("selection_two_args", scan, seeds, Lambda((e, other), mk("max", e, other)))


def _fold_of_trace(var: Var, init: Term, after: Term, traces: dict[Term, Callable[[Term], Term]],
                   loop_vars: set[Var], lo: Term, names: set[str],
                   reads: tuple[L.Loc, Var, list[PendingRead]] | None = None) -> Summary | None:
    """`w' = kind(w, g(s'))` with `s'` the new value of a semiring state: the fold of `g` over
    that state's trace, or None. With `reads` (the loop, its counter, its pending reads), `g` may
    also read inputs at the counter (`best = max(best, p - m')`)."""
    counter = {reads[1]} if reads is not None else set()
    for value, trace in traces.items():
        if value not in _subterms(after):
            continue
        t = Var(_fresh("t", after, names), value.type)
        replaced = rewrite.simplify(replace_outside_lambdas(after, {value: t}))
        parts = reduction_parts(replaced, var)
        if parts is None:
            continue
        kind, rest = parts
        if kind not in ("add", "max", "min") or free_vars(rest) & (loop_vars - counter) \
                or t not in free_vars(rest):
            continue
        entries = _entry_vectors(rest, t, trace, lo, names, reads)
        if entries is None or hoisted_map(entries[0], entries[1](lo)) is None:
            continue  # (no iteration: checks the shape only)
        return _fold(kind, init, rest, t, trace, value, entries)
    return None


def _entry_vectors(rest: Term, t: Var, trace: Callable[[Term], Term], lo: Term, names: set[str],
                   reads: tuple[L.Loc, Var, list[PendingRead]] | None
                   ) -> tuple[Term, Callable[[Term], dict[Var, Term]]] | None:
    """`rest` with each read at the counter a variable, and the vectors its variables run over
    (the trace for `t`) as a function of the bound; None when a read is not a slice."""
    leaves: dict[Term, Term] = {}
    if reads is not None:
        collect_leaves(rest, reads[1], leaves)
    swap = {leaf: Var(_fresh(f"u{k}", rest, names | {t.name}), leaf.type)
            for k, leaf in enumerate(leaves)}
    body = replace_outside_lambdas(rest, dict(swap)) if swap else rest
    if reads is not None and (reads[1] in free_vars(body) or not all(
            _reads(reads[0], leaf, reads[1], lo, names, reads[2]) for leaf in swap)):
        return None

    def vectors(bound: Term) -> dict[Var, Term]:
        out = {t: trace(bound)}
        for leaf, u in swap.items():
            assert reads is not None
            out[u] = vectorize(reads[0], leaf, reads[1], lo, bound, names)
        return out

    return body, vectors


def _pushed_trace(entry: Term, traces: dict[Term, Callable[[Term], Term]], loop_vars: set[Var],
                  lo: Term, names: set[str]) -> Summary | None:
    """`out.append(g(s'))` each iteration from an empty `out`: `g` mapped over the trace."""
    for value, trace in traces.items():
        if value not in _subterms(entry):
            continue
        t = Var(_fresh("t", entry, names), value.type)
        g = rewrite.simplify(replace_outside_lambdas(entry, {value: t}))
        if free_vars(g) & loop_vars or hoisted_map(g, {t: trace(lo)}) is None:
            continue

        def summary(bound: Term, g: Term = g, t: Var = t, trace: Callable[[Term], Term] = trace
                    ) -> Term:
            vec = hoisted_map(g, {t: trace(bound)})
            assert vec is not None
            return vec

        return SemiringSummary(summary, summary, entry)
    return None


def _fold(kind: str, init: Term, rest: Term, t: Var, trace: Callable[[Term], Term], value: Term,
          entries: tuple[Term, Callable[[Term], dict[Var, Term]]]) -> SemiringSummary:
    """The fold of `rest` (over `t`) along `trace`; its `trace` is the vector folded and its
    `value` that vector's new entry (`rest` at the state's new `value`, negated for `min`)."""
    entry = replace_outside_lambdas(rest, {t: value})
    e = Var(_fresh("e", rest, {t.name}), rest.type)
    body, vectors = entries

    def folded(bound: Term) -> Term:
        vec = hoisted_map(body, vectors(bound))
        assert vec is not None
        return vec if kind != "min" else mk("vec_map", vec, Lambda((e,), mk("neg", e)))

    def summary(bound: Term) -> Term:
        if kind == "add":
            return mk("add", init, mk("reduce_sum", folded(bound)))
        if kind == "max":
            return mk("reduce_max", mk("append", folded(bound), init))
        return mk("neg", mk("reduce_max", mk("append", folded(bound), mk("neg", init))))

    return SemiringSummary(summary, folded, entry if kind != "min" else mk("neg", entry))


def _subterms(t: Term | Lambda) -> set[Term]:
    if isinstance(t, Lambda):
        return _subterms(t.body)
    out = {t}
    if isinstance(t, App):
        for a in t.args:
            out |= _subterms(a)
    return out


def _fresh(base: str, t: Term, names: set[str]) -> str:
    taken = {v.name for v in free_vars(t)} | names
    name = base
    while name in taken:
        name += "_"
    return name
