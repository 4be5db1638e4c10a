"""Algebraic clean-up of TensIR terms built by lifting: constant folding and map-to-op rules.

Every rule is an identity under TensIR semantics (C integer division included), so rewriting never
changes what a term means; the proof is done on the rewritten term anyway. Rules:

    # 1 + 2 -> 3, x + 0 -> x, x * 1 -> x, x - 0 -> x, ite(true, a, b) -> a
    # vec_map(x, lambda e: e) -> x
    # vec_map(x, lambda e: e + s) -> vec_scalar_add(x, s)          (s free of e; also - * /)
    # vec_map(x, lambda e: s - e) -> scalar_vec_sub(s, x)          (also /; + and * commute)
    # selection_two_args(x, y, lambda a, b: a + b) -> vec_elemwise_add(x, y)  (b - a: (y, x))
    # the same for the matrix forms
    # transpose(transpose(m)) -> m,  x[0:len(x)] -> x
"""

from __future__ import annotations

import numpy as np

from tensflo.ir.tensir import OPS, App, Lambda, Lit, Term, Var, free_vars, lit, print_term
from tensflo.ir.tensir.opdef import Ordering
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS, as_value
from tensflo.ir.tensir.terms import Arg
from tensflo.ir.tensir.types import INT, TensorType

_ARITH = frozenset(name for name, _, _ in BROADCAST)
"""Scalar ops with broadcast and elementwise forms: `+ - * /`."""


def show(t: Term) -> str:
    return print_term(t)


def _operand(args: tuple[Arg, ...], i: int) -> Term | None:
    """Argument `i` if there is one and it is not a lambda."""
    a = args[i] if i < len(args) else None
    return a if isinstance(a, Term) else None


def fold(t: Term) -> Term:
    """One step of constant folding and the laws of scalar ops at the root of `t` (the laws of
    tensor ops are `simplify`'s, so the lifter's terms built through `fold` keep their shape)."""
    if not isinstance(t, App):
        return t
    op, args = t.op, t.args
    name = op.name
    if all(isinstance(a, Lit) for a in args) and t.type.is_scalar and name != "ite":
        try:
            with np.errstate(all="ignore"):
                value = as_value(op.numpy(*(a.value for a in args if isinstance(a, Lit))), t.type)
            if t.type.elem == "float" and not np.isfinite(value):
                return t  # NaN and infinities are no literals (sqrt(-1.0) stays as it is)
            return lit(value.item() if hasattr(value, "item") else value)
        except Exception:
            return t
    a, b = _operand(args, 0), _operand(args, 1)
    if name == "ite":
        c, then, other = a, b, _operand(args, 2)
        if isinstance(c, Lit) and then is not None and other is not None:
            return then if c.value else other
        if then is not None and then == other:
            return then
    if not t.type.is_scalar:
        return t
    # x or true -> true
    if op.absorbing is not None and (_is(a, op.absorbing) or _is(b, op.absorbing)):
        return lit(op.absorbing)
    # x + 0 -> x, x * 1 -> x, x and true -> x, x or false -> x; 0 + x -> x (commutative ops)
    if op.unit is not None and a is not None and b is not None:
        if _is(b, op.unit):
            return a
        if op.commutative and _is(a, op.unit):
            return b
    # not not p -> p, --x -> x
    if op.involution and isinstance(a, App) and a.op is op:
        return a.term(0)
    # x <= x -> true, x < x -> false
    if op.reflexive is not None and a is not None and a == b:
        return lit(op.reflexive)
    # not (a < b) -> b <= a  (ints are totally ordered)
    if name == "not" and isinstance(a, App) and a.op.ordering is not None \
            and a.term(0).type.elem == "int":
        flipped = OPS.by_ordering(Ordering(a.op.ordering.less, not a.op.ordering.strict))
        if flipped is not None:
            return flipped(a.term(1), a.term(0))
    if name in ("add", "sub") and t.type == INT:
        norm = _normal_sum(t)
        if norm is not None:
            return norm
    # len(m[i]) -> the column count of m, the same for every row
    if name == "len" and isinstance(a, App) and a.op.name == "index" and a.type.rank >= 1 \
            and a.term(0).type.rank == 2:
        return OPS["len"](OPS["transpose"](a.term(0)))
    # len(stride_update(x, ...)) -> len(x); len(full(len(y), v)) -> len(y) (a length is >= 0)
    if name == "len" and isinstance(a, App) and a.op.name == "stride_update":
        return OPS["len"](a.term(0))
    if name == "len" and isinstance(a, App) and a.op.name == "full":
        n = a.term(0)
        if isinstance(n, App) and n.op.name == "len":
            return n
        # len(full(len(y) + c, v)) -> len(y) + c (lengths and constants adding up to >= 0)
        if n.type == INT and _nonnegative_sum(n):
            return n
    # len(scan_sum(x)) -> len(x), len(a - b) -> len(a) (ops keeping their operand's shape);
    # len(transpose(scan_sum(m))) -> len(transpose(m)), the same for the column count
    if name == "len" and isinstance(a, App):
        transposed = a.op.name == "transpose" and isinstance(a.args[0], App)
        inner = a.term(0) if transposed else a
        assert isinstance(inner, App)
        if inner.op.name in _SAME_SHAPE and inner.type.rank >= (2 if transposed else 1):
            x = inner.term(0)
            return OPS["len"](OPS["transpose"](x) if transposed else x)
        # len(append(x, e)) -> len(x) + 1; len(transpose(append(m, e))) -> len(e)
        if inner.op.name == "append":
            if transposed:
                return OPS["len"](inner.term(1))
            return fold(OPS["add"](OPS["len"](inner.term(0)), lit(1)))
    # stride_update(x, s, k, full(1, v))[s] -> v (the one position written)
    if name == "index" and isinstance(a, App) and a.op.name == "stride_update" and a.term(1) == b:
        vals = a.term(3)
        if isinstance(vals, App) and vals.op.name == "full" and _is(vals.term(0), 1):
            return vals.term(1)
    return t


_SAME_SHAPE = frozenset({"scan_sum", "scan_max", *(op.name for op in ELEMWISE.values())})
"""Ops whose result has the shape of their first operand (elementwise: of both)."""


def _nonnegative_sum(t: Term) -> bool:
    """`t` is a sum of lengths and int constants adding to at least 0 (`len(x) + 1`)."""
    constant = 0
    for sign, u in sum_terms(t):
        if isinstance(u, Lit) and type(u.value) is int:
            constant += sign * u.value
        elif not (sign > 0 and isinstance(u, App) and u.op.name == "len"):
            return False
    return constant >= 0


def _normal_sum(t: Term) -> Term | None:
    """Cancel x - x and add up literals in an int sum; None when nothing changes."""
    terms = sum_terms(t)
    const = 0
    kept: list[tuple[int, Term]] = []
    changed = False
    for sign, x in terms:
        if isinstance(x, Lit):
            const += sign * int(x.value)
            changed = changed or len([1 for _, y in terms if isinstance(y, Lit)]) > 1
            continue
        opposite = next((k for k, (s2, y) in enumerate(kept) if y == x and s2 == -sign), None)
        if opposite is not None:
            kept.pop(opposite)
            changed = True
            continue
        kept.append((sign, x))
    if not changed:
        return None
    if const:
        kept.append((1 if const > 0 else -1, lit(abs(const))))
    return from_sum_terms(kept, INT)


def _is(t: object, value: object) -> bool:
    """`t` is a literal equal to `value` (booleans only equal booleans)."""
    return isinstance(t, Lit) and isinstance(t.value, bool) == isinstance(value, bool) \
        and t.value == value


def simplify(t: Term) -> Term:
    """Apply the rules bottom-up until nothing changes."""
    if isinstance(t, App):
        args = tuple(
            Lambda(a.params, simplify(a.body)) if isinstance(a, Lambda) else simplify(a)
            for a in t.args)
        t = App(t.op, args) if args != t.args else t
        new = _rule(fold(t))
        return simplify(new) if new != t else new
    return t


def _rule(t: Term) -> Term:
    if not isinstance(t, App):
        return t
    op, name, args = t.op, t.op.name, t.args
    a = _operand(args, 0)
    # transpose(transpose(m)) -> m
    if op.involution and isinstance(a, App) and a.op is op:
        return a.term(0)
    # transpose(col_slice(transpose(z)[a:b], c, d)) -> col_slice(z[c:d], a, b)
    if name == "transpose" and isinstance(a, App) and a.op.name == "col_slice":
        inner, c, d = a.term(0), a.term(1), a.term(2)
        if isinstance(inner, App) and inner.op.name == "slice" and isinstance(inner.args[0], App) \
                and inner.args[0].op.name == "transpose":
            z, lo, hi = inner.args[0].term(0), inner.term(1), inner.term(2)
            return OPS["col_slice"](OPS["slice"](z, c, d), lo, hi)
    # x[0:len(x)] -> x
    if name == "slice" and a is not None and _is(args[1], 0) and isinstance(args[2], App) \
            and args[2].op.name == "len" and args[2].args[0] == a:
        return a
    for (_, rank), mapper in MAPPERS.items():
        if mapper is op:
            *tensors, lam = args
            assert isinstance(lam, Lambda)
            return _named_map(t, rank, [x for x in tensors if isinstance(x, Term)], lam)
    return t


def _named_map(t: Term, rank: int, tensors: list[Term], lam: Lambda) -> Term:
    body = lam.body
    arith = isinstance(body, App) and body.op.name in _ARITH
    if len(tensors) == 1:
        (p,) = lam.params
        # vec_map(x, lambda e: e) -> x
        if body == p:
            return tensors[0]
        if arith and isinstance(body, App):
            a, b = body.term(0), body.term(1)
            # vec_map(x, lambda e: e + s) -> vec_scalar_add(x, s)
            if a == p and p not in free_vars(b):
                return BROADCAST[(body.op.name, rank, False)](tensors[0], b)
            if b == p and p not in free_vars(a):
                # vec_map(x, lambda e: s + e) -> vec_scalar_add(x, s)
                if body.op.commutative:
                    return BROADCAST[(body.op.name, rank, False)](tensors[0], a)
                # vec_map(x, lambda e: s - e) -> scalar_vec_sub(s, x)
                return BROADCAST[(body.op.name, rank, True)](a, tensors[0])
        return t
    p, q = lam.params
    if arith and isinstance(body, App):
        a, b = body.term(0), body.term(1)
        op = ELEMWISE[(body.op.name, rank)]
        # selection_two_args(x, y, lambda a, b: a + b) -> vec_elemwise_add(x, y)
        if (a, b) == (p, q):
            return op(tensors[0], tensors[1])
        # selection_two_args(x, y, lambda a, b: b - a) -> vec_elemwise_sub(y, x)
        if (a, b) == (q, p):
            return op(tensors[1], tensors[0])
    return t


def sum_terms(t: Term) -> list[tuple[int, Term]]:
    """t as a signed sum: a + b - c -> [(1, a), (1, b), (-1, c)]."""
    if isinstance(t, App) and t.op.name == "add":
        return sum_terms(t.term(0)) + sum_terms(t.term(1))
    if isinstance(t, App) and t.op.name == "sub":
        return sum_terms(t.term(0)) + [(-s, x) for s, x in sum_terms(t.term(1))]
    if isinstance(t, App) and t.op.name == "neg":
        return [(-s, x) for s, x in sum_terms(t.term(0))]
    return [(1, t)]


def from_sum_terms(terms: list[tuple[int, Term]], type_: TensorType) -> Term:
    """Rebuild a signed sum (0 when empty)."""
    zero = lit(0) if type_.elem == "int" else lit(0.0)
    out: Term | None = None
    for sign, x in terms:
        if out is None:
            out = x if sign > 0 else OPS["neg"](x)
        else:
            out = OPS["add" if sign > 0 else "sub"](out, x)
    return fold(out) if out is not None else zero


__all__ = ["fold", "simplify", "show", "sum_terms", "from_sum_terms", "Var"]
