"""Discharging lifting obligations with SMT verifiers, and the proof level they earn.

Each `Obligation` becomes one SMT-LIB2 query: its assumptions and hypothesis equalities are
asserted, and the negation of its goals; `unsat` proves it for all integers and all lengths (an
`unbounded` proof). When a query is not proven in time, the same query is retried with every length
and every int variable bounded by `BOUND` (a `bounded` proof). The proof level of a lifted program
is the weakest level among its obligations; `sat` from the exact encoding is a counterexample.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tensflo.ir.lifting import Obligation
from tensflo.ir.tensir import Term, free_vars
from tensflo.ir.tensir.smt import Encoder
from tensflo.plugins.components import CheckResult, Verifier

from .outcomes import LEVELS, Proof
from .prove import prove

BOUND = 4
"""Lengths and int variables are at most this in a bounded proof."""


def obligation_script(ob: Obligation, dialect: str, abstract: bool, bound: int | None = None) -> str:
    """The SMT-LIB2 query whose `unsat` proves `ob`."""
    enc = Encoder(dialect, abstract_nonlinear=abstract)
    domain: list[str] = []
    if ob.domain_of is not None:
        enc.encode(ob.domain_of)
        domain, enc.domain = list(enc.domain), []
    asserts = [enc.encode(a).expr for a in ob.assume]
    asserts += [enc.equal(enc.encode(lhs), enc.encode(rhs)) for lhs, rhs in ob.hyps]
    goals = [enc.equal(enc.encode(lhs), enc.encode(rhs)) for lhs, rhs in ob.goals]
    if bound is not None:
        terms: list[Term] = [*ob.assume, *(t for pair in ob.hyps + ob.goals for t in pair)]
        if ob.domain_of is not None:
            terms.append(ob.domain_of)
        for v in sorted({v for t in terms for v in free_vars(t)}, key=lambda v: v.name):
            val = enc.variable(v)
            if v.type.rank == 0 and v.type.elem == "int":
                asserts.append(f"(<= (- {bound}) {val.expr} {bound})")
            for d in val.dims:
                asserts.append(f"(<= {d} {bound})")
    goals += domain
    goal = "true" if not goals else goals[0] if len(goals) == 1 else f"(and {' '.join(goals)})"
    return enc.script([*(a for a in asserts if a is not None), f"(not {goal})"])


@dataclass(frozen=True)
class PortfolioVerifier:
    """Races several verifiers on each query; the first definite answer wins."""

    members: tuple[Verifier, ...]
    name: ClassVar[str] = "portfolio"
    description: ClassVar[str] = "races z3 and cvc5; the first definite answer wins"

    def check_obligation(self, build: Callable[[str, bool], str], timeout: float) -> CheckResult:
        """Each member runs in its own (forked) process; the losers are stopped."""
        import multiprocessing
        import multiprocessing.connection
        from multiprocessing.connection import Connection

        ctx = multiprocessing.get_context("fork")
        start = time.perf_counter()
        running: dict[Connection, tuple[Any, Verifier]] = {}
        for v in self.members:
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_prove_in_child, args=(send, build, v, timeout), daemon=True)
            proc.start()
            send.close()
            running[receive] = (proc, v)
        last: CheckResult | None = None
        try:
            while running:
                left = timeout + 1.0 - (time.perf_counter() - start)
                ready = multiprocessing.connection.wait(list(running), timeout=max(left, 0))
                if not ready:
                    break
                for conn in ready:
                    assert isinstance(conn, Connection)  # wait returns the objects it was given
                    proc, v = running.pop(conn)
                    answer: CheckResult
                    try:
                        answer = conn.recv()
                    except EOFError:
                        answer = CheckResult("unknown", time.perf_counter() - start, v.name,
                                             "the solver process ended without an answer")
                    proc.join()
                    last = answer
                    if answer.status in ("unsat", "sat"):
                        return answer
        finally:
            for proc, _ in running.values():
                proc.kill()
                proc.join()
        return last or CheckResult("timeout", time.perf_counter() - start, "portfolio", "timeout")


def _prove_in_child(send: Any, build: Callable[[str, bool], str], v: Verifier, timeout: float) -> None:
    try:
        result = prove(lambda a: build(v.dialect, a), v, timeout)
    except Exception as e:  # reported to the parent as an unknown answer
        result = CheckResult("unknown", 0.0, v.name, f"{type(e).__name__}: {e}")
    send.send(result)
    send.close()


@dataclass
class ProofReport:
    """The outcome of proving a lifted program's obligations."""

    level: Proof
    results: list[tuple[Obligation, CheckResult, Proof]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counterexample(self) -> tuple[Obligation, CheckResult] | None:
        for ob, res, _ in self.results:
            if res.status == "sat":
                return ob, res
        return None

    def failures(self) -> list[str]:
        return [f"{ob.loc}: {ob.kind} {res.status} ({res.solver}{': ' + res.reason if res.reason else ''})"
                for ob, res, level in self.results if level != "unbounded"]


def _check(ob: Obligation, bound: int | None, budget: float, verifiers: Sequence[Verifier],
           portfolio: PortfolioVerifier | None) -> CheckResult:
    """One query for `ob` (lengths and ints bounded by `bound` when given)."""
    def build(dialect: str, abstract: bool) -> str:
        return obligation_script(ob, dialect, abstract, bound)

    if portfolio is not None:
        return portfolio.check_obligation(build, budget)
    v = verifiers[0]
    return prove(lambda a: build(v.dialect, a), v, budget)


def check_obligations(obligations: Sequence[Obligation], verifiers: Sequence[Verifier],
                      timeout: float, deadline: float | None = None) -> ProofReport:
    """Prove each obligation (unbounded, else bounded); the report's level is the weakest."""
    start = time.perf_counter()
    report = ProofReport("unbounded")
    portfolio = PortfolioVerifier(tuple(verifiers)) if len(verifiers) > 1 else None
    for ob in obligations:
        left = timeout if deadline is None else min(timeout, deadline - time.perf_counter())
        if left <= 0:
            report.results.append((ob, CheckResult("timeout", 0.0, "none", "no time left"), "none"))
            report.level = "none"
            continue
        res = _check(ob, None, left, verifiers, portfolio)
        level: Proof = "unbounded"
        if res.status != "unsat":
            if res.status == "sat":
                level = "none"
            else:
                spent = res.seconds
                budget = left - spent if deadline is None else min(left - spent,
                                                                   deadline - time.perf_counter())
                bounded = _check(ob, BOUND, budget, verifiers, portfolio) if budget > 0 else res
                if bounded.status == "unsat":
                    level = "bounded"
                else:
                    level = "none"
                    if bounded.status == "sat":
                        res = bounded
        report.results.append((ob, res, level))
        report.level = max(report.level, level, key=LEVELS.index)
    report.seconds = time.perf_counter() - start
    return report
