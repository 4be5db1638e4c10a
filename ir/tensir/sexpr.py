"""S-expressions over SMT-LIB2 text, and lambda lifting for the encoder's reductions.

A reduction inside an index function (a row of `matrix_vec_mul`) would otherwise sum a lambda that
captures the row index. z3 identifies two such lambdas only when their text is identical, so a
proof needing `row e == row i` from `e == i` would stall. Lifting moves every closed integer
subterm at an index position out of the lambda into an explicit argument: the lambda becomes a
closed term shared by both sides, and `e == i` is plain congruence on the arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable

SExpr = str | list  # an atom or a list of S-expressions

_TOKEN = re.compile(r"\(|\)|\|[^|]*\||[^\s()]+")


def parse_sexpr(text: str) -> SExpr:
    stack: list[list] = [[]]
    for tok in _TOKEN.findall(text):
        if tok == "(":
            stack.append([])
        elif tok == ")":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    (out,) = stack[0]
    return out


def show(e: SExpr) -> str:
    if isinstance(e, str):
        return e
    return "(" + " ".join(show(x) for x in e) + ")"


def mentions(e: SExpr, names: frozenset[str]) -> bool:
    if isinstance(e, str):
        return e in names
    return any(mentions(x, names) for x in e)


def lift(
    body: SExpr,
    binders: frozenset[str],
    int_positions: Callable[[list], range | None],
    param: Callable[[int], str],
) -> tuple[SExpr, list[str]]:
    """Replace maximal binder-free subterms at integer positions by parameters.

    `int_positions(node)` tells which children of a list node are integer positions (index
    arguments, reduction lengths). Returns the new body and the lifted subterms' text, in order
    (equal subterms share one parameter).
    """
    lifted: list[str] = []

    def visit(e: SExpr) -> SExpr:
        if isinstance(e, str) or not e or e[0] == "lambda":
            return e
        positions = int_positions(e) or range(0)
        out: list[SExpr] = []
        for j, child in enumerate(e):
            if j in positions and not mentions(child, binders):
                text = show(child)
                if text not in lifted:
                    lifted.append(text)
                out.append(param(lifted.index(text)))
            else:
                out.append(visit(child))
        return out

    return visit(body), lifted
