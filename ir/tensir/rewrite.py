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

from tensflo.ir.tensir import OPS, App, Lambda, Lit, Term, Var, free_vars, lit, print_term
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS, as_value
from tensflo.ir.tensir.types import INT, TensorType

_ARITH = ("add", "sub", "mul", "div")


def show(t: Term) -> str:
    return print_term(t)


def fold(t: Term) -> Term:
    """One step of constant folding and unit laws at the root of `t`."""
    if not isinstance(t, App):
        return t
    name, args = t.op.name, t.args
    if all(isinstance(a, Lit) for a in args) and t.type.is_scalar and name != "ite":
        try:
            value = as_value(t.op.numpy(*(a.value for a in args)), t.type)  # type: ignore[union-attr]
            return lit(value.item() if hasattr(value, "item") else value)
        except Exception:
            return t
    if name == "ite" and isinstance(args[0], Lit):
        return args[1] if args[0].value else args[2]  # type: ignore[return-value]
    if name == "ite" and args[1] == args[2]:
        return args[1]  # type: ignore[return-value]
    a = args[0] if args else None
    b = args[1] if len(args) > 1 else None
    if name == "add":
        if _is(b, 0):
            return a  # type: ignore[return-value]
        if _is(a, 0):
            return b  # type: ignore[return-value]
    if name == "sub" and _is(b, 0):
        return a  # type: ignore[return-value]
    if name == "mul":
        if _is(b, 1):
            return a  # type: ignore[return-value]
        if _is(a, 1):
            return b  # type: ignore[return-value]
    if name == "div" and _is(b, 1):
        return a  # type: ignore[return-value]
    if name == "and":
        if _is(a, True):
            return b  # type: ignore[return-value]
        if _is(b, True):
            return a  # type: ignore[return-value]
    if name == "or" and (_is(a, True) or _is(b, True)):
        return lit(True)
    if name == "or" and _is(a, False):
        return b  # type: ignore[return-value]
    if name == "or" and _is(b, False):
        return a  # type: ignore[return-value]
    if name == "not" and isinstance(a, App) and a.op.name == "not":
        return a.args[0]  # type: ignore[return-value]
    if name == "neg" and isinstance(a, App) and a.op.name == "neg":
        return a.args[0]  # type: ignore[return-value]
    if name in ("le", "ge", "eq") and a == b:
        return lit(True)
    if name in ("lt", "gt", "ne") and a == b:
        return lit(False)
    # not (a < b) -> b <= a  (ints are totally ordered)
    if name == "not" and isinstance(a, App) and a.op.name in _FLIP and a.args[0].type.elem == "int":  # type: ignore[union-attr]
        return OPS[_FLIP[a.op.name]](a.args[1], a.args[0])
    if name in ("add", "sub") and t.type == INT:
        norm = _normal_sum(t)
        if norm is not None:
            return norm
    # len(m[i]) -> the column count of m, the same for every row
    if name == "len" and isinstance(a, App) and a.op.name == "index" and a.type.rank >= 1 \
            and a.args[0].type.rank == 2:  # type: ignore[union-attr]
        return OPS["len"](OPS["transpose"](a.args[0]))
    return t


_FLIP = {"lt": "le", "le": "lt", "gt": "ge", "ge": "gt"}


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
    name, args = t.op.name, t.args
    if name == "transpose" and isinstance(args[0], App) and args[0].op.name == "transpose":
        return args[0].args[0]  # type: ignore[return-value]
    # transpose(col_slice(transpose(z)[a:b], c, d)) -> col_slice(z[c:d], a, b)
    if name == "transpose" and isinstance(args[0], App) and args[0].op.name == "col_slice":
        inner, c, d = args[0].args
        if isinstance(inner, App) and inner.op.name == "slice" and isinstance(inner.args[0], App) \
                and inner.args[0].op.name == "transpose":
            z, (a, b) = inner.args[0].args[0], inner.args[1:]
            return OPS["col_slice"](OPS["slice"](z, c, d), a, b)
    if name == "slice" and _is(args[1], 0) and isinstance(args[2], App) \
            and args[2].op.name == "len" and args[2].args[0] == args[0]:
        return args[0]  # type: ignore[return-value]
    for (_, rank), op in MAPPERS.items():
        if op is t.op:
            *tensors, lam = args
            assert isinstance(lam, Lambda)
            return _named_map(t, rank, tensors, lam)  # type: ignore[arg-type]
    return t


def _named_map(t: Term, rank: int, tensors: list[Term], lam: Lambda) -> Term:
    body = lam.body
    if len(tensors) == 1:
        (p,) = lam.params
        if body == p:
            return tensors[0]
        if isinstance(body, App) and body.op.name in _ARITH:
            a, b = body.args
            if a == p and p not in free_vars(b):  # type: ignore[arg-type]
                return OPS[BROADCAST[(body.op.name, rank, False)].name](tensors[0], b)
            if b == p and p not in free_vars(a):  # type: ignore[arg-type]
                if body.op.name in ("add", "mul"):
                    return OPS[BROADCAST[(body.op.name, rank, False)].name](tensors[0], a)
                return OPS[BROADCAST[(body.op.name, rank, True)].name](a, tensors[0])
        return t
    p, q = lam.params
    if isinstance(body, App) and body.op.name in _ARITH:
        a, b = body.args
        op = ELEMWISE[(body.op.name, rank)]
        if (a, b) == (p, q):
            return OPS[op.name](tensors[0], tensors[1])
        if (a, b) == (q, p):
            return OPS[op.name](tensors[1], tensors[0])
    return t


def sum_terms(t: Term) -> list[tuple[int, Term]]:
    """t as a signed sum: a + b - c -> [(1, a), (1, b), (-1, c)]."""
    if isinstance(t, App) and t.op.name == "add":
        return sum_terms(t.args[0]) + sum_terms(t.args[1])  # type: ignore[arg-type]
    if isinstance(t, App) and t.op.name == "sub":
        return sum_terms(t.args[0]) + [(-s, x) for s, x in sum_terms(t.args[1])]  # type: ignore[arg-type]
    if isinstance(t, App) and t.op.name == "neg":
        return [(-s, x) for s, x in sum_terms(t.args[0])]  # type: ignore[arg-type]
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
