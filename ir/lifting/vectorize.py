"""A per-iteration value as a tensor over the iterations: reads `x[i + c]` become slices, the
value's formula a map, a selection or the elementwise ops it names, and per-row values the matrix
forms of their ops."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit, rewrite, subterms
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS
from tensflo.ir.tensir.types import INT

from .build import ZERO, fresh_name, mk, term_arg
from .counter_values import counter_values, reads_counter_as_value
from .flat2d import FlatRowsRead, flat_rows, is_flat_row
from .guarded_reads import int_blend, pad_guarded
from .op_facts import VECTOR_ALGEBRA
from .results import NotLiftable
from .sequence import hoisted_map, vector_op
from .strides import StridedRead, strided_slice
from .triangles import refuse_pairs, refuse_triangle
from .windows import WindowRead, find_windows, window_sums

PendingRead = tuple[Term, Term, Term] | StridedRead | FlatRowsRead | WindowRead
"""A read `x[i + c]` of the loop being summarized, as (x, lo + c, c), a strided one or flat rows."""


def vectorize(loc: Loc, e: Term, i: Var, lo: Term, b: Term, names: set[str],
              pending: list[PendingRead] | None = None) -> Term:
    """The vector (or matrix, for rows) of `e` for i in [lo, b); `names` are taken; reads are
    recorded in `pending` when given (their ranges become preconditions)."""
    leaves: dict[Term, Term] = {}
    windows = find_windows(e, i)
    marks = {w: Var(f"window·{k}", w.type) for k, w in enumerate(windows)}
    collect_leaves(replace_terms(e, marks), i, leaves)
    if not leaves and not windows and i not in free_vars(e):
        raise NotLiftable(loc, f"{rewrite.show(e)} does not read any input at the counter")
    sliced: dict[Term, Term] = {}
    leaves = pad_guarded(e, leaves)
    for leaf, read in leaves.items():
        sliced[leaf] = leaf_slice(loc, read, i, lo, b, pending)
    for w in windows:  # sum(x[i + c : i + d]): a difference of prefix sums
        leaves[w] = w
        sliced[w] = window_sums(loc, w, i, lo, b, pending)
    params: dict[Term, Var] = {}
    taken = {v.name for v in free_vars(e)} | names
    for k, leaf in enumerate(leaves):
        base = "e" if len(leaves) == 1 else f"e{k + 1}"
        nm = base
        while nm in taken:
            nm += "_"
        taken.add(nm)
        params[leaf] = Var(nm, leaf.type)
    body = replace_terms(e, params)
    if i in free_vars(body):
        refuse_triangle(loc, body, i)
        if not (e.type.is_scalar and reads_counter_as_value(body, i)
                and all(leaf.type.is_scalar for leaf in leaves)):
            raise NotLiftable(loc, f"{rewrite.show(e)} uses the counter {i.name} other than as an "
                                   "index or a scalar value")
        # the counter as data: one more per-entry value, running over iota(b - lo) + lo
        params[i] = Var(fresh_name("k", taken), INT)
        sliced[i] = counter_values(lo, b)
        body = replace_terms(e, params)
    rows: dict[Var, Term] = {params[leaf]: sliced[leaf] for leaf in leaves if not leaf.type.is_scalar}
    if rows and e.type.is_scalar:
        # per-row scalars (a row's dot product, ...) become vectors over the rows
        scalars = {params[leaf] for leaf in leaves if leaf.type.is_scalar}
        for k, sub in enumerate(_scalar_parts(body, set(rows), scalars, innermost=True)):
            var = Var(f"r{k + 1}", sub.type)
            while var.name in taken:
                var = Var(var.name + "_", sub.type)
            taken.add(var.name)
            lifted = rewrite.simplify(_lift_rows(loc, sub, rows))
            body = replace_terms(body, {sub: var})
            params[var] = var
            sliced[var] = lifted
        for leaf in [k for k in params if not k.type.is_scalar]:
            del params[leaf]
            del sliced[leaf]
        if free_vars(body) & set(rows):
            raise NotLiftable(loc, f"{rewrite.show(e)} mixes rows and single elements")
        rows = {}
    if not rows:
        if not e.type.is_scalar:
            raise NotLiftable(loc, "a vector entry built from single elements")
        try:
            return map_over(loc, body, params, sliced)
        except NotLiftable as refused:
            blended = int_blend(body, set(params.values()))
            if blended != body:  # an int `ite` of three per-entry values, `k < len(x)`
                try:
                    return map_over(loc, blended, params, sliced)
                except NotLiftable:
                    pass
            refuse_pairs(loc, body, lo)
            raise refused from None
    scalars = {params[leaf] for leaf in leaves if leaf.type.is_scalar}
    if scalars:
        # a per-row scalar (x[i] * alpha) scaling a vector the same for every row: its values
        # over the rows are a vector; _lift_rows turns `v * s` into outer(s over rows, v)
        pieces = _scalar_parts(body, scalars, set(rows))
        for k, sub in enumerate(pieces):
            var = Var(f"s{k + 1}", sub.type)
            while var.name in taken:
                var = Var(var.name + "_", sub.type)
            taken.add(var.name)
            used = {p: q for p, q in params.items() if q in free_vars(sub)}
            rows[var] = map_over(loc, sub, used, {p: sliced[p] for p in used})
            body = replace_terms(body, {sub: var})
        if free_vars(body) & scalars:
            raise NotLiftable(loc, "a row built from whole rows and single elements")
    return rewrite.simplify(_lift_rows(loc, body, rows))


def map_over(loc: Loc, body: Term, params: dict[Term, Var], sliced: dict[Term, Term]) -> Term:
    """The vector of `body` where each parameter `params[leaf]` runs over `sliced[leaf]`."""
    leaves = list(params)
    wide = [v.name for v in free_vars(body) if not v.type.is_scalar]
    if wide:
        vectors = {params[leaf]: sliced[leaf] for leaf in leaves}
        algebra = _vector_algebra(body, vectors)
        if algebra is None:
            algebra = hoisted_map(body, vectors)
        if algebra is None:
            raise NotLiftable(loc, f"the per-entry value {rewrite.show(body)} uses the whole "
                                   f"vector {wide[0]} in a way the elementwise ops cannot say")
        return rewrite.simplify(algebra)
    if len(leaves) == 1:
        (leaf,) = leaves
        return rewrite.simplify(mk("vec_map", sliced[leaf], Lambda((params[leaf],), body)))
    if len(leaves) == 2:
        a, b = leaves
        return rewrite.simplify(mk("selection_two_args", sliced[a], sliced[b],
                                   Lambda((params[a], params[b]), body)))
    # three or more inputs: combine two of them first when a subterm uses only those two
    for a, b in itertools.combinations(leaves, 2):
        pair = {params[a], params[b]}
        for sub in subterms(body):
            if isinstance(sub, App) and sub.type.is_scalar and free_vars(sub) & set(params.values()) == pair \
                    and len(free_vars(sub) & set(params.values())) == 2:
                inner = rewrite.simplify(mk("selection_two_args", sliced[a], sliced[b],
                                            Lambda((params[a], params[b]), sub)))
                tmp = Var(params[a].name, sub.type)
                new_body = replace_terms(body, {sub: tmp})
                if free_vars(new_body) & pair - {tmp}:
                    continue
                rest = {k: v for k, v in params.items() if k not in (a, b)}
                rest_sliced = {k: v for k, v in sliced.items() if k not in (a, b)}
                rest[tmp] = tmp
                rest_sliced[tmp] = inner
                return map_over(loc, new_body, rest, rest_sliced)
    raise NotLiftable(loc, f"an entry combining {len(leaves)} inputs that do not pair up")


def leaf_slice(loc: Loc, leaf: Term, i: Var, lo: Term, b: Term,
               pending: list[PendingRead] | None = None) -> Term:
    """`x[i + c]` over i in [lo, b) is `x[lo + c : b + c]` (columns come as rows of a transpose);
    the read is recorded in `pending` when given."""
    if is_flat_row(leaf, i):  # take(tail(w, n * i), n): rows of a flat matrix
        return flat_rows(loc, leaf, i, lo, b, pending)
    assert isinstance(leaf, App) and leaf.op.name == "index"
    x, idx = map(term_arg, leaf.args)
    c = offset(idx, i)
    if c is None:  # x[a * i + c]: a strided view
        return strided_slice(loc, x, idx, i, lo, b, pending)
    assert i not in free_vars(x), "column reads arrive as rows of a transpose (collect_leaves)"
    start = rewrite.simplify(mk("add", lo, c))
    stop = rewrite.simplify(mk("add", b, c))
    if pending is not None:
        # reading x[lo + c .. hi + c) needs 0 <= lo + c and hi + c <= len(x) when the loop
        # runs; `loop_obligations` states it with the loop's `hi`
        pending.append((x, start, c))
    if start == ZERO:
        return rewrite.simplify(mk("slice", x, ZERO, stop))
    # x[lo + c : b + c] as (x[lo + c:])[:b - lo]: the same entries when lo + c >= 0 (the
    # precondition when the loop runs), and its length is a plain prefix length for proofs
    return rewrite.simplify(mk("take", mk("tail", x, start), mk("sub", b, lo)))


def offset(idx: Term, i: Var) -> Term | None:
    """c when idx == i + c with c free of i."""
    terms = rewrite.sum_terms(idx)
    hits = [k for k, (_, t) in enumerate(terms) if t == i]
    if len(hits) != 1 or terms[hits[0]][0] != 1:
        return None
    rest = [st for k, st in enumerate(terms) if k != hits[0]]
    if any(i in free_vars(t) for _, t in rest):
        return None
    return rewrite.from_sum_terms(rest, INT)


def collect_leaves(e: Term | Lambda, i: Var, leaves: dict[Term, Term]) -> None:
    """Maximal reads that depend on the counter: x[i + c] (scalars or rows) and x[r][i + c]
    (as `transpose(x)[r][i + c]`), each mapped to the read it stands for."""
    if isinstance(e, Lambda):
        collect_leaves(e.body, i, leaves)
        return
    if i not in free_vars(e):
        return
    if is_flat_row(e, i):
        leaves[e] = e
        return
    if isinstance(e, App) and e.op.name == "index":
        x, idx = e.args
        if i in free_vars(idx) and i not in free_vars(x):
            leaves[e] = e
            return
        if (isinstance(x, App) and x.op.name == "index" and i in free_vars(x.args[1])
                and i not in free_vars(idx) and i not in free_vars(x.args[0])):
            # m[i + c][g]: column g of m, read down the rows -> transpose(m)[g][i + c]
            col = mk("index", mk("index", mk("transpose", x.args[0]), idx), x.args[1])
            leaves[e] = col
            return
    if isinstance(e, App):
        for a in e.args:
            collect_leaves(a, i, leaves)


def replace_terms(e: Term, mapping: Mapping[Term, Term]) -> Term:
    """`e` with each subterm that is a key of `mapping` replaced (inside lambdas too)."""
    if e in mapping:
        return mapping[e]
    if isinstance(e, App):
        args = tuple(
            Lambda(a.params, replace_terms(a.body, mapping)) if isinstance(a, Lambda)
            else replace_terms(a, mapping) for a in e.args)
        return App(e.op, args)
    return e


def _vector_algebra(t: Term, vectors: dict[Var, Term]) -> Term | None:
    """A scalar formula over per-entry variables as elementwise/broadcast ops on their vectors."""
    if isinstance(t, Var) and t in vectors:
        return vectors[t]
    if not free_vars(t) & set(vectors):
        return t
    if not (isinstance(t, App) and t.op.name in VECTOR_ALGEBRA):
        if isinstance(t, App) and t.op.name == "neg":
            inner = _vector_algebra(term_arg(t.args[0]), vectors)
            return None if inner is None else mk(BROADCAST[("mul", 1, False)].name, inner, lit(-1))
        return None
    a, b = map(term_arg, t.args)
    va = _vector_algebra(a, vectors)
    vb = _vector_algebra(b, vectors)
    if va is None or vb is None:
        return None
    return vector_op(t.op.name, va, vb)


def _scalar_parts(body: Term, use: set[Var], avoid: set[Var], innermost: bool = False) -> list[Term]:
    """Scalar subterms that use some of `use` and none of `avoid`: the largest ones, or with
    `innermost` the smallest (none of their scalar arguments uses `use`)."""
    out: list[Term] = []

    def visit(t: Term | Lambda) -> None:
        if isinstance(t, Lambda):
            return
        fv = free_vars(t)
        if t.type.is_scalar and fv & use and not fv & avoid and not (innermost and (
                not isinstance(t, App) or any(isinstance(a, Term) and a.type.is_scalar
                                              and free_vars(a) & use for a in t.args))):
            if t not in out:
                out.append(t)
            return
        if isinstance(t, App):
            for a in t.args:
                visit(a)

    visit(body)
    return out


def _lift_rows(loc: Loc, t: Term, rows: dict[Var, Term]) -> Term:
    """A per-row vector (or scalar) term over row variables -> the matrix (or vector) of all rows."""
    if isinstance(t, Var) and t in rows:
        return rows[t]
    if not (free_vars(t) & set(rows)):
        raise NotLiftable(loc, f"{rewrite.show(t)} is the same for every row")
    if not isinstance(t, App):
        raise NotLiftable(loc, f"cannot lift {rewrite.show(t)} to rows")
    name, args = t.op.name, t.args
    uses = [bool(isinstance(a, Term) and free_vars(a) & set(rows)) for a in args]
    if t.type.rank == 1:
        if name == "slice" and uses == [True, False, False]:
            return mk("col_slice", _lift_rows(loc, term_arg(args[0]), rows), args[1], args[2])
        if name == "take" and uses == [True, False]:
            inner, n = map(term_arg, args)
            if isinstance(inner, App) and inner.op.name == "tail" and not (
                    free_vars(inner.args[1]) & set(rows)):
                # row[s:][:n] -> columns s .. s + n of every row
                start = term_arg(inner.args[1])
                return mk("col_slice", _lift_rows(loc, term_arg(inner.args[0]), rows), start,
                          rewrite.simplify(mk("add", start, n)))
            return mk("col_slice", _lift_rows(loc, inner, rows), ZERO, n)
        for (kname, rank), op in ELEMWISE.items():
            if op.name == name and rank == 1:
                return mk(ELEMWISE[(kname, 2)].name, *[
                    _lift_rows(loc, term_arg(a), rows) if u else _broadcast_row(loc, term_arg(a))
                    for a, u in zip(args, uses, strict=True)])
        if name == "vec_scalar_mul" and uses == [False, True]:
            s = args[1]
            if isinstance(s, Var) and s in rows and rows[s].type.rank == 1:
                # row_r = v * s_r for every r  ->  outer(s, v)
                return mk("outer", rows[s], args[0])
        for (kname, rank, first), op in BROADCAST.items():
            if op.name == name and rank == 1:
                tensor_pos = 1 if first else 0
                if uses[1 - tensor_pos]:
                    break
                new = list(args)
                new[tensor_pos] = _lift_rows(loc, term_arg(args[tensor_pos]), rows)
                return mk(BROADCAST[(kname, 2, first)].name, *new)
        for (nargs, rank), op in MAPPERS.items():
            if op.name == name and rank == 1:
                *tensors, lam = args
                return mk(MAPPERS[(nargs, 2)].name,
                          *[_lift_rows(loc, term_arg(x), rows) for x in tensors], lam)
        if name == "matrix_vec_mul" and uses == [False, True]:
            # row_r = M @ x_r for every r  ->  X @ M^T
            return mk("matmul", _lift_rows(loc, term_arg(args[1]), rows), mk("transpose", args[0]))
    if t.type.rank == 0 and name == "reduce_sum":
        inner = term_arg(args[0])
        if isinstance(inner, App) and inner.op.name == "vec_elemwise_mul":
            a, b = map(term_arg, inner.args)
            ua = bool(free_vars(a) & set(rows))
            ub = bool(free_vars(b) & set(rows))
            if ua and not ub:
                return mk("matrix_vec_mul", _lift_rows(loc, a, rows), b)
            if ub and not ua:
                return mk("matrix_vec_mul", _lift_rows(loc, b, rows), a)
        return mk("matrix_row_sum", _lift_rows(loc, inner, rows))
    raise NotLiftable(loc, f"cannot lift {rewrite.show(t)} from one row to all rows")


def _broadcast_row(loc: Loc, a: Term) -> Term:
    raise NotLiftable(loc, f"{rewrite.show(a)} is the same vector for every row (no broadcast op)")
