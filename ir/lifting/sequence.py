"""Per-entry values that use a scalar an earlier loop computed from whole vectors.

After `m = max(x)` (a loop), a later loop's entry `exp(x[i] - m)` reads `m` as the term
`reduce_max(...x...)`. A lambda body may only use scalar variables, so such a loop-invariant
subterm cannot go inside one; the entry is built instead from the outside in: `+ - * /` with a
loop-invariant side become broadcast ops (the invariant computed once, outside any lambda), and any
other op is a map over its per-entry arguments, whose lambda holds only scalar variables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from tensflo.ir.tensir import App, Lambda, Term, Var, free_vars, lit, rewrite, substitute, subterms
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE

from .build import fresh_name, mk, term_arg
from .op_facts import COMMUTATIVE, VECTOR_ALGEBRA
from .results import Obligation

Summary = Callable[[Term], Term]
"""A loop variable's value after the iterations `[lo, b)` (as in `loop_rules`)."""


def vector_op(k: str, va: Term, vb: Term) -> Term:
    """The vector op for scalar op `k` (`VECTOR_ALGEBRA`) applied entrywise to `va` and `vb`, at
    least one a vector: elementwise for two vectors, else broadcast of the scalar (a scalar left
    operand swapped to the right when `k` commutes)."""
    if not va.type.is_scalar and not vb.type.is_scalar:
        return mk(ELEMWISE[(k, 1)].name, va, vb)
    if not va.type.is_scalar:
        return mk(BROADCAST[(k, 1, False)].name, va, vb)
    if k in COMMUTATIVE:
        return mk(BROADCAST[(k, 1, False)].name, vb, va)
    return mk(BROADCAST[(k, 1, True)].name, va, vb)


def hoisted_map(body: Term, vectors: Mapping[Var, Term]) -> Term | None:
    """The vector of the scalar formula `body`, where each per-entry variable `v` of `vectors`
    runs over `vectors[v]` and every other subterm is the same for all entries; None when some
    op has a per-entry argument and a loop-invariant one that reads a whole vector, and no
    broadcast form (or when more than two per-entry vectors meet in one op)."""
    out = _build(body, vectors)
    return None if out is None else rewrite.simplify(out)


def _wide(t: Term) -> bool:
    return any(not v.type.is_scalar for v in free_vars(t))


def _build(t: Term, vectors: Mapping[Var, Term]) -> Term | None:
    if isinstance(t, Var) and t in vectors:
        return vectors[t]
    used = [v for v in vectors if v in free_vars(t)]
    if not used:
        return t  # the same for every entry: a scalar (it may read whole vectors)
    if not _wide(t):
        return _lambda_map(t, {v: vectors[v] for v in used})
    if not isinstance(t, App) or any(isinstance(a, Lambda) for a in t.args):
        return None
    if t.op.name in VECTOR_ALGEBRA:
        a, b = map(term_arg, t.args)
        va, vb = _build(a, vectors), _build(b, vectors)
        if va is None or vb is None:
            return None
        return vector_op(t.op.name, va, vb)
    if t.op.name == "neg":
        inner = _build(term_arg(t.args[0]), vectors)
        if inner is None:
            return None
        return mk(BROADCAST[("mul", 1, False)].name, inner, lit(-1 if inner.type.elem == "int" else -1.0))
    if t.op.name == "ite" and t.type.elem in ("int", "float"):
        c, a, b = map(term_arg, t.args)
        if not any(v in free_vars(c) for v in vectors):
            # a loop-invariant condition reading whole vectors (`range > 0`): a lambda cannot
            # hold it, and TensIR selects only scalars; a * [c] + b * [not c] is the same value
            # (x * 1 == x and x * 0 == 0 exactly for every finite x; a NaN or an infinity in a
            # branch makes the strict `ite` undefined as well)
            one, zero = (lit(1), lit(0)) if t.type.elem == "int" else (lit(1.0), lit(0.0))
            blend = mk("add", mk("mul", a, mk("ite", c, one, zero)),
                       mk("mul", b, mk("ite", c, zero, one)))
            return _build(blend, vectors)
    # any other scalar op: a map over its per-entry arguments; its other arguments must be
    # scalars a lambda may hold
    args = [term_arg(a) for a in t.args]
    built: list[Term] = []
    for a in args:
        if not any(v in free_vars(a) for v in vectors):
            if _wide(a):
                return None
            built.append(a)
            continue
        va = _build(a, vectors)
        if va is None:
            return None
        built.append(va)
    per_entry = [(k, a) for k, a in enumerate(built) if not a.type.is_scalar]
    distinct = list(dict.fromkeys(a for _, a in per_entry))
    if len(distinct) > 2:
        return None
    taken = {v.name for a in built for v in free_vars(a)}
    params: dict[Term, Var] = {}
    for j, vec in enumerate(distinct):
        name = fresh_name("e" if len(distinct) == 1 else f"e{j + 1}", taken)
        params[vec] = Var(name, vec.type.scalar)
    inner_args = [params[a] if a in params else a for a in built]
    body = mk(t.op.name, *inner_args)
    return _lambda_map(body, {params[vec]: vec for vec in distinct})


def _lambda_map(body: Term, vectors: Mapping[Var, Term]) -> Term | None:
    """`vec_map` / `selection_two_args` of `body` over one or two per-entry vectors."""
    if len(vectors) == 1:
        ((v, vec),) = vectors.items()
        return mk("vec_map", vec, Lambda((v,), body))
    if len(vectors) == 2:
        (a, va), (b, vb) = vectors.items()
        return mk("selection_two_args", va, vb, Lambda((a, b), body))
    return None


class LastValue:
    """The summary of a variable each iteration overwrites without reading it (a temporary
    declared before the loop, C89 style: `d = x[i] - m; v += d * d`): after the iterations
    `[lo, b)` it holds the last iteration's value, or `init` when none ran.

    `reads` says whether that value reads an input at the counter: TensIR is strict, so
    `ite(lo < b, x[b - 1], init)` is undefined when the loop does not run, and the value may then
    only appear in the loop's obligations, not be read after the loop."""

    def __init__(self, new: Term, init: Term, i: Var, lo: Term, reads: bool) -> None:
        self.new, self.init, self.i, self.lo, self.reads = new, init, i, lo, reads

    def __call__(self, b: Term) -> Term:
        last = substitute(self.new, {self.i: mk("sub", b, lit(1))})
        return mk("ite", mk("lt", self.lo, b), last, self.init)


def last_value(new: Term, var: Var, init: Term, i: Var, lo: Term, others: set[Var],
               reads: bool) -> LastValue | None:
    """The `LastValue` summary of `var` updated to `new` in an iteration with counter `i`; None
    when the update reads the variable itself or other values the loop changes."""
    if var in free_vars(new) or free_vars(new) & others or not var.type.is_scalar:
        return None
    return LastValue(new, init, i, lo, reads)


LOOP_KINDS = ("initiation", "preservation", "postcondition")


def earlier_results(values: Iterable[Term], params: frozenset[Var]) -> list[Term]:
    """The scalars earlier loops computed, in `values` (what variables hold before a loop): the
    maximal scalar subterms over the function's parameters that contain a reduction."""
    out: list[Term] = []
    for t in values:
        _reduced(t, params, out)
    return out


def generalize_invariants(ob: Obligation, given: Sequence[Term]) -> Obligation:
    """`ob` (a loop's initiation, preservation or postcondition) with each term of `given` (the
    scalars earlier loops computed, see `earlier_results`) replaced by a fresh variable.

    The new obligation holds for every value of the variables, so it implies the old one; it asks
    the solver for an identity of the loop's update (`w * (s * x) == x * s * w`) instead of one
    over the full terms, which nonlinear real arithmetic does not decide in time."""
    # a goal's side that is an earlier result is what this loop computes again (`sum(xs)` in a
    # check after a loop summing xs): kept, or the goal would compare the loop with a free value
    given = [t for t in given if all(t not in pair for pair in ob.goals)]
    if ob.kind not in LOOP_KINDS or not given:
        return ob
    return generalized([ob], given, "given")[0]


def generalized(obligations: Sequence[Obligation], terms: Sequence[Term], base: str
                ) -> list[Obligation]:
    """`obligations` with each of `terms` (outside lambdas) replaced by a fresh variable
    `<base>1`, `<base>2`, ... named apart from every free variable of the obligations."""
    taken = {v.name for ob in obligations
             for t in (*ob.assume, *(u for pair in ob.hyps + ob.goals for u in pair))
             for v in free_vars(t)}
    mapping: dict[Term, Term] = {t: Var(fresh_name(f"{base}{k + 1}", taken), t.type)
                                 for k, t in enumerate(terms)}

    def gen(t: Term) -> Term:
        return replace_outside_lambdas(t, mapping)

    return [replace(ob, assume=tuple(gen(a) for a in ob.assume),
                    hyps=tuple((gen(a), gen(b)) for a, b in ob.hyps),
                    goals=tuple((gen(a), gen(b)) for a, b in ob.goals)) for ob in obligations]


def _reduced(t: Term | Lambda, params: frozenset[Var], out: list[Term]) -> None:
    if isinstance(t, Lambda) or not isinstance(t, App):
        return
    fv = free_vars(t)
    if t.type.is_scalar and fv and fv <= params and _wide(t) and any(
            isinstance(u, App) and u.op.reduction is not None for u in subterms(t)):
        if t not in out:
            out.append(t)
        return
    for a in t.args:
        _reduced(a, params, out)


def replace_outside_lambdas(t: Term, mapping: Mapping[Term, Term]) -> Term:
    """`t` with each subterm that is a key of `mapping` replaced (lambda bodies hold none)."""
    if t in mapping:
        return mapping[t]
    if isinstance(t, App):
        return App(t.op, tuple(a if isinstance(a, Lambda) else replace_outside_lambdas(a, mapping) for a in t.args))
    return t


def length_of(t: Term) -> Term:
    """`len(t)` through the ops that always keep their vector operand's length (maps and
    broadcast ops): `len(vec_map(vec_scalar_sub(x, m), f))` is `len(x)`."""
    while isinstance(t, App) and t.type.rank == 1 and _keeps_length(t):
        t = next(term_arg(a) for a in t.args if isinstance(a, Term) and a.type.rank == 1)
    return rewrite.simplify(mk("len", t))


def plain_lengths(t: Term) -> Term:
    """`t` with each `len` of a map or a broadcast op replaced by the length it keeps (see
    `length_of`), simplified: a precondition no longer names the map. `t` itself when it has
    none."""
    def walk(u: Term) -> Term:
        if isinstance(u, App) and u.op.name == "len" and _keeps_length(term_arg(u.args[0])):
            return length_of(term_arg(u.args[0]))
        if isinstance(u, App):
            return App(u.op, tuple(a if isinstance(a, Lambda) else walk(a) for a in u.args))
        return u

    if not any(isinstance(u, App) and u.op.name == "len" and _keeps_length(term_arg(u.args[0]))
               for u in subterms(t)):
        return t
    return rewrite.simplify(walk(t))


def _keeps_length(t: Term) -> bool:
    return isinstance(t, App) and t.type.rank == 1 and (
        t.op.name == "vec_map" or any(op.name == t.op.name for op in BROADCAST.values()))
