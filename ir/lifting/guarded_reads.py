"""Per-iteration values that read past the end of a vector only where a condition keeps the read
from mattering: `x[2 * i + 1] if 2 * i + 1 < len(x) else ...` (pairs with an odd tail).

A read `x[e]` whose every occurrence lies in the `then` branch of an `ite` whose condition has
the conjunct `e < len(x)` reads `append(x, 0)` instead: the same entry wherever the branch is
taken, and one more entry of range, so that the read over all iterations stays inside the padded
vector. Such an entry combines three or more per-entry values in one `ite`; over ints it is
written as `a * ite(c, 1, 0) + b * ite(c, 0, 1)` (exact), and a comparison with a loop-invariant
int read from a whole vector (`k < len(x)`) as `k - len(x) < 0`, which the vector algebra can
say. The loop's obligations prove the result as any other candidate.
"""

from __future__ import annotations

from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit

from .build import mk, term_arg
from .op_facts import ORDERINGS

ZEROS = {"int": 0, "float": 0.0}


def pad_guarded(e: Term, leaves: dict[Term, Term]) -> dict[Term, Term]:
    """`leaves` (read terms by leaf) with each read `x[idx]` that `e` only makes under a
    condition `idx < len(x)` replaced by the same read of `append(x, 0)`."""
    guarded: dict[Term, bool] = {}
    _visit(e, (), leaves, guarded)
    out = dict(leaves)
    for leaf, read in leaves.items():
        if not guarded.get(leaf):
            continue
        assert isinstance(read, App)
        x, idx = map(term_arg, read.args)
        if x.type.rank != 1 or x.type.elem not in ZEROS:
            continue
        out[leaf] = mk("index", mk("append", x, lit(ZEROS[x.type.elem])), idx)
    return out


def _visit(t: Term | Lambda, guards: tuple[Term, ...], leaves: dict[Term, Term],
           guarded: dict[Term, bool]) -> None:
    if isinstance(t, Lambda) or not isinstance(t, App):
        return
    if t in leaves:
        read = leaves[t]
        ok = isinstance(read, App) and read.op.name == "index" and any(
            g.op.name == "lt" and g.args[0] == read.args[1]
            and g.args[1] == mk("len", term_arg(read.args[0]))
            for g in guards if isinstance(g, App))
        guarded[t] = guarded.get(t, True) and ok
        return
    if t.op.name == "ite":
        c, a, b = map(term_arg, t.args)
        _visit(c, guards, leaves, guarded)
        _visit(a, guards + tuple(_conjuncts(c)), leaves, guarded)
        _visit(b, guards, leaves, guarded)
        return
    for arg in t.args:
        _visit(arg, guards, leaves, guarded)


def _conjuncts(c: Term) -> list[Term]:
    if isinstance(c, App) and c.op.name == "and":
        return [u for a in c.args for u in _conjuncts(term_arg(a))]
    return [c]


def int_blend(body: Term, per_entry: set[Var]) -> Term:
    """`body` with each int `ite` whose condition reads per-entry values as a weighted sum of its
    branches, and each int comparison of a per-entry value with a loop-invariant term that reads
    a whole vector as a comparison of their difference with 0 (both exact over ints)."""
    if not isinstance(body, App):
        return body
    args = tuple(a if isinstance(a, Lambda) else int_blend(a, per_entry) for a in body.args)
    t = App(body.op, args)
    if t.op.name == "ite" and t.type.rank == 0 and t.type.elem == "int" \
            and free_vars(term_arg(args[0])) & per_entry:
        c, a, b = map(term_arg, args)
        one, zero = lit(1), lit(0)
        return mk("add", mk("mul", a, mk("ite", c, one, zero)), mk("mul", b, mk("ite", c, zero, one)))
    if t.op.name in ORDERINGS:
        a, b = map(term_arg, args)
        if a.type.elem == "int" and b.type.elem == "int" and a.type.rank == b.type.rank == 0:
            wide = [u for u in (a, b) if not free_vars(u) & per_entry
                    and any(not v.type.is_scalar for v in free_vars(u))]
            if wide and (free_vars(a) | free_vars(b)) & per_entry:
                return mk(t.op.name, mk("sub", a, b), lit(0))
    return t
