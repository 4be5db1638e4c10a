"""Sliding-window sums: `sum(x[a(i) : c(i)])` per iteration as a difference of prefix sums.

With `S` the zero-padded prefix table of `x` (`S[k] = reduce_sum(x[:k])` for `0 <= k <= len(x)`,
in TensIR `append(scan_sum(x) - x, reduce_sum(x))`), the sum of the entries from position `p` to
`q` is `S[q] - S[p]`. When both ends move with the counter (`p = i + cp`, `q = i + cq`), the window
sums over the iterations `[lo, b)` are `S[lo + cq : b + cq] - S[lo + cp : b + cp]`: O(n) in all,
whatever the window's width.

The proof: a window is a chain of slicing ops over `x` (`x[a:][:n]`, `x[a:b]`) whose bounds read
the counter; its exact first and last positions `P <= Q` (clamped the way the ops clamp) are terms
of those bounds. The lemma, for every vector `x` and every value of the bounds, is
`reduce_sum(chain) == reduce_sum(x[:Q]) - reduce_sum(x[:P])`, proven by induction on the upper
bound of the outermost op (below the lower end the window is empty; one more step adds one entry
or none, one unfolding of each fold). The guesses of the ends inside the loop are the chain with
its clamps and Python's negative-index wrap removed: `i + cp`, `i + cq` (or a term free of `i`,
for an end that stays). Three facts at the counter are each proven as an obligation and then
assumed by the loop's obligations: inside the loop the window's sum is `reduce_sum(x[:i + cq]) -
reduce_sum(x[:i + cp])` (from the lemma's instance at the bounds the source reads; a wrong guess
fails here and the candidate is not proven), the prefix table's entries at the guesses are those
prefix sums, and each stride of the table read has `i - lo` entries. In the loop's initiation,
preservation and postcondition the table itself is a fresh vector known only by those entries
(`generalize_tables`): a stronger claim, without a recursive fold under the invariant's quantifier.

Floats: the proof is over the reals; in floating point the difference of two prefix sums carries
the rounding of the prefixes (an absolute error growing with `sum(|x[:q]|)`, not with the
window's own terms).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tensflo.ir.loop.nodes import NOWHERE, Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, lit, rewrite, substitute, subterms
from tensflo.ir.tensir.types import INT

from .build import ONE, ZERO, mk, term_arg
from .results import NotLiftable, Obligation
from .sequence import generalized, vector_op
from .strides import affine

CHAIN_OPS = ("slice", "take", "tail")


@dataclass(frozen=True)
class Window:
    """A window sum `reduce_sum(chain)` of `x`: its exact positions `first <= last` in `x` and
    the guesses of both inside the loop: `i + c` for an end moving with the counter (`offsets`
    holds `c`), a term free of `i` for an end that stays (`offsets` holds None)."""

    term: Term
    x: Term
    first: Term
    last: Term
    guesses: tuple[Term, Term]
    offsets: tuple[Term | None, Term | None]


@dataclass(frozen=True)
class WindowRead:
    """The prefix table of a window read over the loop being summarized: its entries in range,
    the lemma's obligations and its instance at the counter `i`."""

    window: Window
    i: Var
    loc: Loc

    def __iter__(self) -> Iterator[Term]:
        """Code that reads only `(x, start, c)` reads refuses windows instead of misreading them."""
        raise NotLiftable(self.loc, "a window sum where only reads at the counter plus an offset "
                                    "are supported")

    def in_range(self, lo: Term, hi: Term) -> Term:
        """`S[i + c]` for every `i` in `[lo, hi)` (or `S[e]`, for an end that stays) is inside
        `S` (`len(x) + 1` entries) when the loop runs."""
        w = self.window
        size = mk("add", mk("len", w.x), ONE)
        fits: Term = lit(True)
        for guess, c in zip(w.guesses, w.offsets, strict=True):
            first, stop = ((guess, mk("add", guess, ONE)) if c is None
                           else (mk("add", lo, c), mk("add", hi, c)))
            fits = mk("and", fits, mk("and", mk("le", ZERO, first), mk("le", stop, size)))
        return rewrite.simplify(mk("or", mk("not", mk("lt", lo, hi)), fits))

    def obligations(self, pre: tuple[Term, ...], lo: Term, hi: Term) -> list[Obligation]:
        """What `facts` assumes, each proven: the lemma (for every vector and bounds), the
        prefix table's entries at the guesses, and the guesses inside the loop (under `pre`)."""
        w, i = self.window, self.i
        generic, bounds = _generic(w)
        x = next(v for v in free_vars(generic) if v not in bounds)
        first, last = _ends(generic, x)
        top = bounds[-1]  # the outermost op's upper bound: the induction variable
        empty_below = ZERO if _outer(w) == "take" else bounds[-2]
        lemma = (mk("reduce_sum", generic), mk("sub", _prefix(x, last), _prefix(x, first)))
        step = {top: mk("add", top, ONE)}
        grown = (substitute(lemma[0], step), substitute(lemma[1], step))
        table = prefix_table(w.x)
        guesses = self._guesses()
        inside = tuple(mk("le", ZERO, at) for at in guesses) + tuple(
            mk("le", at, mk("len", w.x)) for at in guesses)
        loc = self.loc
        instance = mk("eq", w.term, mk("sub", _prefix(w.x, w.last), _prefix(w.x, w.first)))
        runs = (mk("le", lo, i), mk("lt", i, hi))
        return [
            Obligation("window lemma", loc, (mk("le", top, empty_below),), (), (lemma,)),
            Obligation("window lemma", loc, (mk("le", empty_below, top),), (lemma,), (grown,)),
            # the lemma's instance at the bounds the source reads, and the guessed ends
            Obligation("window read", loc, pre + runs + (rewrite.simplify(instance),), (),
                       (self._read(), *self._lengths(lo))),
            Obligation("window prefix table", loc, pre + inside, (),
                       tuple((mk("index", table, at), _prefix(w.x, at)) for at in guesses))]

    def facts(self, lo: Term, hi: Term) -> tuple[Term, ...]:
        """Facts about the counter `i` the loop's obligations assume (see `obligations`)."""
        w, i = self.window, self.i
        table = prefix_table(w.x)
        runs = mk("and", mk("le", lo, i), mk("lt", i, hi))
        out = [mk("or", mk("not", runs), mk("eq", *self._read()))]
        out += [mk("or", mk("not", runs), mk("eq", *pair)) for pair in self._lengths(lo)]
        for at in self._guesses():
            inside = mk("and", mk("le", ZERO, at), mk("le", at, mk("len", w.x)))
            entry = mk("eq", mk("index", table, at), _prefix(w.x, at))
            out.append(mk("or", mk("not", inside), entry))
        return tuple(rewrite.simplify(f) for f in out)

    def _read(self) -> tuple[Term, Term]:
        """The window's sum as the source reads it, and as prefix sums at the guessed ends."""
        first, last = self._guesses()
        x = self.window.x
        return self.window.term, mk("sub", _prefix(x, last), _prefix(x, first))

    def _lengths(self, lo: Term) -> list[tuple[Term, Term]]:
        """The length of each moving end's stride of `S` at the counter, `i - lo` inside the loop
        (stated so that the solver need not split the stride's `max(count, 0)` under the
        invariant's quantifier)."""
        count = rewrite.simplify(mk("sub", self.i, lo))
        return [(mk("len", _stride(prefix_table(self.window.x), lo, c, self.i)), count)
                for c in self.window.offsets if c is not None]

    def _guesses(self) -> tuple[Term, Term]:
        return self.window.guesses


def _outer(w: Window) -> str:
    return _outer_op(w.term)


def _outer_op(term: Term) -> str:
    """The name of the outermost slicing op of the window sum `term`."""
    assert isinstance(term, App)
    chain = term_arg(term.args[0])
    assert isinstance(chain, App)
    return chain.op.name


def _generic(w: Window) -> tuple[Term, list[Var]]:
    """The window's chain over a fresh vector with a fresh int for each bound (innermost first)."""
    x = Var("window_x", w.x.type)
    bounds: list[Var] = []

    def build(v: Term) -> Term:
        if v == w.x:
            return x
        assert isinstance(v, App) and v.op.name in CHAIN_OPS
        inner = build(term_arg(v.args[0]))
        fresh = [Var(f"window_b{len(bounds) + k + 1}", INT) for k in range(len(v.args) - 1)]
        bounds.extend(fresh)
        return App(v.op, (inner, *fresh))

    assert isinstance(w.term, App)
    return build(term_arg(w.term.args[0])), bounds


def _prefix(x: Term, k: Term) -> Term:
    return mk("reduce_sum", mk("take", x, k))


def find_windows(e: Term, i: Var) -> list[Term]:
    """The subterms `reduce_sum(chain)` of `e` whose slicing chain's bounds read `i` and whose
    ends stay or move with `i` at unit speed (see `window`), outermost first."""
    out: list[Term] = []
    for sub in subterms(e):
        if (isinstance(sub, App) and sub.op.name == "reduce_sum" and i in free_vars(sub)
                and _chain(term_arg(sub.args[0]), i) is not None and sub not in out):
            try:
                window(NOWHERE, sub, i)
            except NotLiftable:
                continue  # ends moving faster (flat 2-D rows `x[n * i:][:n]`): other rules
            out.append(sub)
    return out


def window(loc: Loc, term: Term, i: Var) -> Window:
    """The positions of the window sum `term` (see `find_windows`); raises `NotLiftable` when
    they do not move with the counter at unit speed."""
    assert isinstance(term, App)
    found = _chain(term_arg(term.args[0]), i)
    assert found is not None
    x, guess_first, guess_last = found
    if _outer_op(term) == "tail":
        raise NotLiftable(loc, f"the window {rewrite.show(term)} is cut by a tail last: "
                               "only windows cut by a take or a slice last are read")
    first, last = _ends(term_arg(term.args[0]), x)
    offsets: list[Term | None] = []
    guesses: list[Term] = []
    for end in (guess_first, guess_last):
        guess = rewrite.simplify(end)
        c = _unit_offset(guess, i)
        if c is None and i in free_vars(guess):
            raise NotLiftable(loc, f"the window {rewrite.show(term)} has an end, "
                                   f"{rewrite.show(guess)}, that neither stays nor moves with the "
                                   f"counter {i.name} at unit speed")
        offsets.append(c)
        guesses.append(guess)
    if offsets == [None, None]:
        raise NotLiftable(loc, f"the window {rewrite.show(term)} is the same in every iteration")
    return Window(term, x, rewrite.simplify(first), rewrite.simplify(last),
                  (guesses[0], guesses[1]), (offsets[0], offsets[1]))


def window_sums(loc: Loc, term: Term, i: Var, lo: Term, b: Term,
                pending: list[Any] | None = None) -> Term:
    """The vector of the window sum `term` over the iterations `[lo, b)`: the difference of two
    slices of the prefix table; the read is recorded in `pending` when given."""
    w = window(loc, term, i)
    table = prefix_table(w.x)

    def at(guess: Term, c: Term | None) -> Term:  # S[lo + c + j] for j < b - lo, or S[e]
        if c is None:
            return mk("index", table, guess)
        return _stride(table, lo, c, b)

    if pending is not None:
        pending.append(WindowRead(w, i, loc))
    return vector_op("sub", at(w.guesses[1], w.offsets[1]), at(w.guesses[0], w.offsets[0]))


def _stride(table: Term, lo: Term, c: Term, b: Term) -> Term:
    """`S[lo + c + j]` for `j < b - lo`: a stride of step 1, not a clamped slice, so that its
    length is `max(b - lo, 0)` and its entries need no clamping (smaller obligations)."""
    return rewrite.simplify(mk("stride", table, mk("add", lo, c), ONE, mk("sub", b, lo)))


def prefix_table(x: Term) -> Term:
    """`S` with `S[k] = reduce_sum(x[:k])` for `0 <= k <= len(x)`."""
    return mk("append", mk("vec_elemwise_sub", mk("scan_sum", x), x), mk("reduce_sum", x))


def _chain(v: Term, i: Var) -> tuple[Term, Term, Term] | None:
    """(x, guessed first, guessed last): `v` is a chain of slicing ops over `x`, a vector free of
    `i`; the guesses are its ends inside the loop without clamping (see `_unclamped`)."""
    if i not in free_vars(v):
        return (v, ZERO, mk("len", v)) if v.type.rank == 1 else None
    if not (isinstance(v, App) and v.op.name in CHAIN_OPS):
        return None
    inner = _chain(term_arg(v.args[0]), i)
    if inner is None:
        return None
    x, gp, gq = inner
    guesses = [_unclamped(term_arg(a), i) for a in v.args[1:]]
    if v.op.name == "tail":
        return x, mk("add", gp, guesses[0]), gq
    if v.op.name == "take":
        return x, gp, mk("add", gp, guesses[0])
    return x, mk("add", gp, guesses[0]), mk("add", gp, guesses[1])


def _ends(v: Term, x: Term) -> tuple[Term, Term]:
    """The exact first and last positions in `x` of the chain of slicing ops `v` over `x`,
    clamped as the ops clamp (`0 <= first <= last <= len(x)` for all values of the bounds)."""
    if v == x:
        return ZERO, mk("len", x)
    assert isinstance(v, App) and v.op.name in CHAIN_OPS
    p, q = _ends(term_arg(v.args[0]), x)
    width = mk("sub", q, p)
    bounds = [term_arg(a) for a in v.args[1:]]
    if v.op.name == "tail":
        return mk("add", p, _clamp(bounds[0], ZERO, width)), q
    if v.op.name == "take":
        return p, mk("add", p, _clamp(bounds[0], ZERO, width))
    start = _clamp(bounds[0], ZERO, width)
    return mk("add", p, start), mk("add", p, _clamp(bounds[1], start, width))


def _clamp(v: Term, lo: Term, hi: Term) -> Term:
    return mk("min", mk("max", v, lo), hi)


def _unclamped(t: Term, i: Var) -> Term:
    """A guess of `t`'s value inside the loop: clamps (`min`, `max` with one side free of the
    counter) as their counter side, and Python's wrap of a negative bound `ite(v < 0, w, v)` as
    `v`. The loop's obligations check the guess."""
    if not isinstance(t, App) or i not in free_vars(t):
        return t
    name = t.op.name
    if name in ("min", "max"):
        a, b = map(term_arg, t.args)
        moving = [s for s in (a, b) if i in free_vars(s)]
        if len(moving) == 1:
            return _unclamped(moving[0], i)
    if name == "ite":
        return _unclamped(term_arg(t.args[2]), i)
    return App(t.op, tuple(_unclamped(term_arg(a), i) for a in t.args))


def _unit_offset(t: Term, i: Var) -> Term | None:
    """c when t == i + c with c free of i."""
    found = affine(t, i)
    return None if found is None or found[0] != ONE else rewrite.simplify(found[1])


def generalize_tables(obligations: list[Obligation], reads: list[WindowRead]) -> list[Obligation]:
    """The loop's obligations with each window's prefix table replaced by a fresh vector: a
    stronger claim (it holds for every vector whose entries at the guessed ends are the prefix
    sums, which the loop's facts state and the table's own obligation proves of the real table),
    whose quantified invariant then holds no recursive fold for the solver to unfold."""
    tables = list(dict.fromkeys(prefix_table(r.window.x) for r in reads))
    if not tables:
        return obligations
    return generalized(obligations, tables, "window_table")
