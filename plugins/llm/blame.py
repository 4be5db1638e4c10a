"""Which node of a wrong candidate a counterexample blames: value-replacement fault localization.

For each node outside lambda bodies (and each lambda), the node is replaced by every alternative of
its type (the same arguments under another op; the function's leaves: parameters, their slices by
the loop bounds, constants; the candidate's other subterms; lambdas mined from the loops) and the candidate is run again on the
failing inputs. A node is blamed when some replacement makes a failing input correct; among
blamed nodes the one fixing the most failing inputs wins, then the smallest. A candidate with a
blamed node is *close*: fixing one node fixes it (on those inputs), so the next step asks for that
node only (AST-node infilling) or lets the enumerative search fill it (a sketch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tensflo.ir.lifting.inputs import Case, same
from tensflo.ir.tensir import OPS, App, DomainError, Lambda, TensIRTypeError, Term, evaluate, size
from tensflo.ir.tensir.terms import Arg

from .answers import Path, at, positions, replace_at

MAX_ALTERNATIVES = 48
MAX_FAILING = 4
MAX_PASSING = 4
_ERRORS = (DomainError, ValueError, IndexError, KeyError, OverflowError, TypeError, TensIRTypeError)


@dataclass(frozen=True)
class Blame:
    path: Path
    fixed: int
    """Failing inputs that some replacement of the node makes correct."""
    repair: Arg
    """The first replacement that did (a hint, not a fix: it is checked on few inputs)."""


def blame(program: Term, cases: Sequence[Case], leaves: Sequence[Term],
          lambdas: dict | None = None) -> Blame | None:
    """The node the failing inputs among `cases` blame, or None if no single-node replacement
    helps. A replacement scores the failing inputs it makes right plus the passing inputs it keeps
    right (a few of each), so a node whose change explains the failure without breaking what
    worked wins over one that only patches the failing inputs."""
    bad: list[Case] = []
    good: list[Case] = []
    for c in cases:
        (good if _right(program, c) else bad).append(c)
    bad, good = bad[:MAX_FAILING], good[:MAX_PASSING]
    if not bad:
        return None
    subs = [at(program, p) for p in positions(program)]
    best: Blame | None = None
    best_score = 0
    for path in positions(program):
        node = at(program, path)
        score, fixed, repair = 0, 0, None
        for alt in _alternatives(node, subs, leaves, lambdas or {}):
            try:
                candidate = replace_at(program, path, alt)
            except TensIRTypeError:
                continue
            n = sum(1 for c in bad if _right(candidate, c))
            if n == 0:
                continue
            kept = sum(1 for c in good if _right(candidate, c))
            if n + kept > score:
                score, fixed, repair = n + kept, n, alt
                if score == len(bad) + len(good):
                    break
        if repair is None:
            continue
        if best is None or (score, -_size(node)) > (best_score, -_size(at(program, best.path))):
            best, best_score = Blame(path, fixed, repair), score
    return best


def _size(node: Arg) -> int:
    return size(node) if isinstance(node, Term) else size(node.body) + 1


def _right(program: Arg, case: Case) -> bool:
    if not isinstance(program, Term):  # a lambda is no program
        return False
    try:
        return same(case.expected, evaluate(program, case.arrays))
    except _ERRORS:
        return False


def _alternatives(node: Arg, subs: list[Arg], leaves: Sequence[Term], lambdas: dict) -> list[Arg]:
    if isinstance(node, Lambda):
        pool = [*lambdas.get(node.type, []), *(s for s in subs if isinstance(s, Lambda))]
        out = [lam for lam in pool if lam != node and lam.type == node.type]
    else:
        pool = [*other_ops(node), *leaves, *(s for s in subs if isinstance(s, Term))]
        out = [t for t in pool if t != node and t.type == node.type]
    return list(dict.fromkeys(out))[:MAX_ALTERNATIVES]


def other_ops(node: Term) -> list[Term]:
    """The node's arguments under every other op that takes them and gives the same type
    (`a + b` -> `a * b`, `vec_elemwise_add(x, y)` -> `vec_elemwise_mul(x, y)`)."""
    if not isinstance(node, App):
        return []
    out: list[Term] = []
    for op in OPS:
        if op is node.op or op.arity != len(node.args):
            continue
        try:
            alt = App(op, node.args)
        except TensIRTypeError:
            continue
        if alt.type == node.type:
            out.append(alt)
    return out
