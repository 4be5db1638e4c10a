"""Verification conditions of a lifted function: where code runs (`Context`), the in-range reads
that become the precondition, and each loop's initiation, preservation and postcondition under
its template invariant `v == S(i)`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit, rewrite

from .build import ONE, ZERO, conj, mk
from .flat2d import FlatRowsRead, row_fact
from .int_bounds import conjuncts, implies
from .loop_rules import Summary
from .results import Empty, Obligation, Presized, Sym
from .strides import StridedRead
from .vectorize import PendingRead
from .windows import WindowRead, generalize_tables

Check = tuple[Term, Term]
"""An equality a loop invariant must imply."""


@dataclass
class Context:
    """Assumptions that hold where code runs: enclosing loop ranges and the function precondition."""

    assume: tuple[Term, ...] = ()
    counters: tuple[Var, ...] = ()
    runs: tuple[Term, ...] = ()
    """`lo < hi` of each enclosing loop."""


@dataclass
class Conditions:
    """The precondition and the obligations collected while lifting one function."""

    obligations: list[Obligation] = field(default_factory=list)
    requires: list[Term] = field(default_factory=list)
    loop_vars: set[Var] = field(default_factory=set)
    """Counters and loop-state variables: a precondition may not mention them."""
    reads: list[tuple[Loc, Term, Context]] = field(default_factory=list)
    """(location, in-range condition, context) of every element read of the source."""
    pending: list[PendingRead] = field(default_factory=list)
    """Reads `x[i + c]` of the loop being summarized."""
    rows_requires: list[Term] = field(default_factory=list)
    """The preconditions stated for flat 2-D rows (`FlatRowsRead`)."""
    owner: dict[Var, list[Check]] = field(default_factory=dict)
    """The entry-check list of the loop that changes each loop-state variable."""

    def route(self, cond: Term, ctx: Context) -> bool:
        """A condition on loop-state values is checked by the invariant of the loop changing them."""
        owners = [self.owner[v] for v in sorted(free_vars(cond), key=lambda v: v.name) if v in self.owner]
        if not owners:
            return False
        owners[0].append((rewrite.simplify(mk("or", mk("not", conj(ctx.assume)), cond)), lit(True)))
        return True

    def branches(self, ctx: Context) -> Term:
        """The conditions of the branches enclosing code in `ctx` (`if c`, `x if c else y`, the
        right side of `and`/`or`) that mention no loop variable: a read there happens only where
        they hold. Leaving out one over loop variables (or an internal variable, an infinite seed)
        only makes a precondition stronger."""
        return conj(tuple(a for a in ctx.assume if not free_vars(a) & self.loop_vars
                          and all(v.name.isidentifier() for v in free_vars(a))))

    def where_runs(self, ctx: Context) -> Term:
        """Where code in `ctx` runs: its enclosing loops run and its branches are taken."""
        return rewrite.simplify(mk("and", conj(ctx.runs), self.branches(ctx)))

    def program_reads(self, program: Term, loc: Loc) -> None:
        """The reads `x[i]` the lifted program makes outside any lambda, as reads of the source:
        TensIR evaluates both sides of an `ite`, so where the source reads `x[0]` only under
        `len(x) > 0` and the program reads it under an `ite`, the read's range is a precondition."""
        for t in _reads_outside_lambdas(program):
            x, idx = (a for a in t.args if isinstance(a, Term))
            self.reads.append((loc, mk("and", mk("le", ZERO, idx), mk("lt", idx, mk("len", x))),
                               Context()))

    def read_obligations(self) -> None:
        """Every read of the source is in range: by the precondition, or provably from it."""
        for loc, cond, ctx in self.reads:
            cond = rewrite.simplify(cond)
            if cond == lit(True):
                continue
            guard = self.where_runs(ctx)
            if implies(conjuncts(guard), cond):
                continue  # in range wherever it runs (`grid[0]` under `rows != 0`)
            if not (free_vars(cond) | free_vars(guard)) & self.loop_vars:
                full = rewrite.simplify(mk("or", mk("not", guard), cond))
                if full not in self.requires and full != lit(True):
                    self.requires.append(full)
            else:
                self.obligations.append(Obligation(
                    "in-range read", loc, ctx.assume, (), ((cond, lit(True)),)))
        for k, ob in enumerate(self.obligations):
            if ob.kind == "in-range read":
                self.obligations[k] = replace(ob, assume=ob.assume + tuple(self.requires))
            elif self.rows_requires:
                # the rows of a flat 2-D read are stated by the outer loop, after the inner
                # loop's obligations: they are part of the function's precondition all the same
                more = tuple(r for r in self.rows_requires if r not in ob.assume)
                self.obligations[k] = replace(ob, assume=ob.assume + more)

    def loop_obligations(self, s: L.For, state: Mapping[str, Var], summaries: Mapping[str, Summary],
                         after: Mapping[str, Term], before: Mapping[str, Sym], i: Var, lo: Term,
                         hi: Term, ctx: Context, scalar: Callable[[L.Expr], Term],
                         checks: Sequence[Check] = (), facts: Sequence[Term] = ()) -> None:
        """Initiation, preservation and postcondition of the loop `s` with counter `i` running over
        `[lo, hi)`: state variable `state[n]` of each changed `n` is `summaries[n](i)`, `before[n]`
        before the loop and `after[n]` after one iteration. The pending reads become preconditions
        (or obligations, when they depend on enclosing loops); `scalar` evaluates a fill value."""
        pending, self.pending = self.pending, []
        runs = mk("lt", lo, hi)
        for read in pending:
            if isinstance(read, StridedRead | FlatRowsRead | WindowRead):
                cond = read.in_range(lo, hi)
            else:
                x, start, c = read
                length = rewrite.simplify(mk("len", x))
                cond = mk("or", mk("not", runs), mk("and", mk("le", ZERO, start), mk(
                    "le", rewrite.simplify(mk("add", hi, c)), length)))
                cond = rewrite.simplify(cond)
            if self.route(cond, Context(ctx.assume + (mk("le", lo, i), mk("lt", i, hi)))):
                continue
            if free_vars(cond) & self.loop_vars:
                # a condition on enclosing counters: it must follow from the enclosing loops
                self.obligations.append(Obligation("precondition", s.loc, ctx.assume + tuple(self.requires), (), (
                    (cond, lit(True)),)))
            elif implies(conjuncts(self.branches(ctx)), cond):
                continue
            elif (cond := rewrite.simplify(mk("or", mk("not", self.branches(ctx)), cond))) != lit(True) \
                    and cond not in self.requires:
                self.requires.append(cond)
                if isinstance(read, FlatRowsRead):
                    self.rows_requires.append(cond)
        rows = tuple(row_fact(r, i, lo, hi) for r in pending if isinstance(r, FlatRowsRead))
        if rows:  # arithmetic facts about flat 2-D rows, each proven, then assumed below
            self.obligations.append(Obligation(
                "flat 2-D rows", s.loc, ctx.assume, (), tuple((f, lit(True)) for f in rows)))
        pre = ctx.assume + tuple(facts) + rows + tuple(self.requires)
        for r in (r for r in pending if isinstance(r, WindowRead)):
            # sums of sliding windows: facts at the counter, each proven (windows.py)
            self.obligations.extend(ob for ob in r.obligations(pre, lo, hi)
                                    if ob not in self.obligations)
            pre += r.facts(lo, hi)
        windows = [r for r in pending if isinstance(r, WindowRead)]
        known = len(self.obligations)
        inv = tuple((state[n], summaries[n](i)) for n in state)
        # initiation: the state before the loop is S(lo)
        init_goals: list[Check] = []
        for n in state:
            old = before[n]
            if isinstance(old, Empty):
                init_goals.append((mk("len", summaries[n](lo)), ZERO))
            elif isinstance(old, Presized):
                # a pre-sized vector: the right length, every entry the fill value
                start = summaries[n](lo)
                fill = scalar(old.fill) if old.fill is not None else ZERO
                init_goals.append((mk("len", start), old.length_term))
                if start.type.rank == 1:
                    init_goals.append((start, mk("vec_map", start, Lambda((Var("e", start.type.scalar),), fill))))
            else:
                init_goals.append((old, summaries[n](lo)))
        self.obligations.append(Obligation("initiation", s.loc, pre, (), tuple(init_goals)))
        # preservation: one more iteration keeps v == S(i)
        step = tuple((after[n], summaries[n](mk("add", i, ONE))) for n in state) + tuple(checks)
        self.obligations.append(Obligation(
            "preservation", s.loc, pre + (mk("le", lo, i), mk("lt", i, hi)), inv, step))
        # postcondition: when the loop stops, v == S(hi)
        stop = mk("and", mk("le", lo, i), mk("or", mk("le", i, hi), mk("eq", i, lo)))
        post = tuple((summaries[n](i), summaries[n](hi)) for n in state)
        self.obligations.append(Obligation(
            "postcondition", s.loc, pre + (stop, mk("not", mk("lt", i, hi))), inv, post))
        self.obligations[known:] = generalize_tables(self.obligations[known:], windows)


def _reads_outside_lambdas(t: Term) -> list[App]:
    if not isinstance(t, App):
        return []
    inner = [r for a in t.args if isinstance(a, Term) for r in _reads_outside_lambdas(a)]
    return [*inner, t] if t.op.name == "index" else inner
