"""Unsigned and narrow integer types in C and C++, read as `int` where that is exact and refused
where C wraps.

Loop IR has one unbounded `int`. That is C's value exactly when no conversion or operation
changes it modulo 2^N, so the reader reads every integer type as `int` and checks each statement
(`check_statement`):

- Types narrower than `int` (`unsigned char`, `uint8_t`, `short`, `uint16_t`, ...) are promoted to
  `int` before any arithmetic: reading them is exact. Storing into one (an assignment, an
  initializer, a cast) converts modulo its width: allowed only when the value provably fits,
  refused otherwise. The proof is first interval arithmetic of the expression alone (constants,
  `?:`, `+ - *`, `/` by a positive divisor, the ranges of the narrow values read), then, where
  that fails, a path-sensitive z3 proof over the function (`c_fits`: the branches taken, the
  assignments before, the ranges of every integer type read).
- Unsigned types at least as wide as `int` (`unsigned`, `size_t`, `uint32_t`, `unsigned long`)
  compute modulo 2^N: their `+`, `-`, `*`, negation, `++`/`--` and compound assignments are
  read only where `c_fits` proves the exact value stays in the type (then C's value is the exact
  one), refused otherwise; `/`, `%`, `>>`, `&`, `|`, `^` never wrap and are read (or refused by
  the reader as operators); comparisons are exact.
  A signed value converted to such a type (`i < n` with `int i` and `size_t n`) is refused unless
  it is a non-negative constant or proven non-negative (`c_fits`); an unsigned value converted to a signed integer type too (it may
  not fit), except a C++ vector's `size()` (the vector model's length is an `int`). The counter of a `for` loop may be unsigned: its increment is read by the loop rules.

Values of unsigned types are never negative in C: a wide unsigned parameter gets a guard
(`param_guards`, `n < 0` fails) which proofs and test inputs assume and generated code checks.
Narrow parameters and the elements of narrow arrays are not guarded: a proof over all `int`s
covers their values, but random test inputs may hold values C could not pass (a differential test
must draw them inside the type).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.loop.ops import c_div
from tensflo.plugins.c_fits import proven
from tensflo.plugins.c_symbolic_run import TYPE_RANGES
from tensflo.plugins.clang_eval import evaluate, operator

RANGES = {
    "UCHAR": (0, 255), "CHAR_U": (0, 255), "USHORT": (0, 65535),
    "SCHAR": (-128, 127), "CHAR_S": (-128, 127), "SHORT": (-32768, 32767),
    "BOOL": (0, 1),
}
"""The integer types narrower than `int` and their values."""
WIDE_UNSIGNED = {"UINT": 32, "ULONG": 64, "ULONGLONG": 64}
"""Unsigned types as wide as `int` or wider (not promoted: their arithmetic wraps), with widths."""
SIGNED = ("INT", "LONG", "LONGLONG", *RANGES)
_EXACT = ("/", "%", "/=", "%=")
_BITS = (">>", "&", "|", "^", ">>=", "&=", "|=", "^=")
"""Unsigned operations whose result never leaves the type (the reader refuses or reads them)."""
_PROVABLE = ("=", "+", "-", "*", "+=", "-=", "*=", "++", "--")
"""The operations whose exact value `c_fits.proven` can show to be C's."""
_CASTS = ("CSTYLE_CAST_EXPR", "CXX_STATIC_CAST_EXPR", "CXX_FUNCTIONAL_CAST_EXPR")


def _kind(t: Any) -> str:
    name: str = t.get_canonical().kind.name
    return name


def _text(c: Any) -> str:
    """The source text of `c`; a macro's expansion has none, and is named as such."""
    return " ".join(t.spelling for t in c.get_tokens()) or c.spelling or "in a macro's expansion"


def _inner(c: Any) -> Any:
    """`c` without parentheses and implicit conversions that keep the value."""
    while c.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
        kids = list(c.get_children())
        if len(kids) != 1:
            break
        c = kids[0]
    return c


Names = frozenset[str]


def value_range(c: Any, nonneg: Names = frozenset()) -> tuple[int, int] | None:
    """Bounds of the values an expression can have, when the reader can tell: a constant, a
    `?:` of such values, arithmetic on them, a value of a type narrower than `int`, or a name in
    `nonneg` (the counter of an enclosing loop counting up from a non-negative constant)."""
    c = _inner(c)
    if c.kind.name == "DECL_REF_EXPR" and c.spelling in nonneg:
        return 0, 2 ** 63
    if c.kind.name in ("INTEGER_LITERAL", "CHARACTER_LITERAL", "BINARY_OPERATOR",
                       "UNARY_OPERATOR"):
        v = evaluate(c)
        if isinstance(v, int):
            return v, v
    if c.kind.name == "BINARY_OPERATOR" and operator(c) in ("+", "-", "*", "/") \
            and _kind(c.type) in SIGNED:
        a, b = (value_range(k, nonneg) for k in c.get_children())
        if a is not None and b is not None:
            return _interval(operator(c), a, b)
    if c.kind.name == "CONDITIONAL_OPERATOR":
        arms = [value_range(k, nonneg) for k in list(c.get_children())[1:]]
        if all(a is not None for a in arms) and len(arms) == 2:
            lows, highs = zip(*[a for a in arms if a is not None], strict=True)
            return min(lows), max(highs)
    if c.kind.name in _CASTS:
        kids = list(c.get_children())
        return value_range(kids[-1], nonneg) if _kind(c.type) not in RANGES \
            else RANGES[_kind(c.type)]
    return RANGES.get(_kind(c.type))


def _interval(op: str, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    """The values of `x op y` for x in `a` and y in `b` (C's truncating `/`, by a positive
    divisor only)."""
    if op == "/" and b[0] <= 0:
        return None
    fn = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
          "/": c_div}[op]
    ends = [fn(x, y) for x in a for y in b]
    return min(ends), max(ends)


def shift_fits(c: Any, nonneg: Names = frozenset()) -> bool:
    """Whether the value of the shift `x << k` at cursor `c` (a constant `k`) is `x * 2^k`: `x`
    is never negative and `x * 2^k` lies inside the shift's (promoted) type."""
    left, right = list(c.get_children())
    k, got = evaluate(right), value_range(left, nonneg)
    rng = TYPE_RANGES.get(_kind(c.type))
    return isinstance(k, int) and k >= 0 and got is not None and rng is not None \
        and got[0] >= 0 and got[1] * 2 ** k <= rng[1]


def _fits(target: Any, value: Any, nonneg: Names = frozenset()) -> bool:
    want = RANGES[_kind(target)]
    got = value_range(value, nonneg)
    return got is not None and want[0] <= got[0] and got[1] <= want[1]


def check_statement(c: Any, refuse: Callable[[Any, str], LoopIRError],
                    nonneg: Names = frozenset()) -> None:
    """Refuse the first construct of statement `c` (its own expressions, not those of the
    statements nested in it, which are checked on their own) whose value C would wrap."""
    name = c.kind.name
    kids = list(c.get_children())
    if name == "COMPOUND_STMT":
        return
    parts = {"FOR_STMT": kids[:2], "IF_STMT": kids[:1], "WHILE_STMT": kids[:1],
             "DO_STMT": kids[1:2], "RETURN_STMT": kids}.get(name)
    if name == "DECL_STMT":
        for d in kids:
            inits = [k for k in d.get_children() if k.kind.is_expression()]
            for k in inits:
                _check(k, refuse, nonneg, stored=True)
            if inits and _kind(d.type) in RANGES and not _fits(d.type, inits[-1], nonneg) \
                    and not proven(d):
                raise refuse(d, f"initializing {d.spelling}, a {d.type.spelling}, with "
                                f"`{_text(inits[-1])}`, which may not fit (C would wrap it)")
        return
    for k in parts if parts is not None else [c] if c.kind.is_expression() else []:
        if k.kind.name == "DECL_STMT":  # a for loop's counter
            check_statement(k, refuse, nonneg)
        else:
            _check(k, refuse, nonneg)


def _check(c: Any, refuse: Callable[[Any, str], LoopIRError], nonneg: Names,
           argument: bool = False, stored: bool = False) -> None:
    """Check an expression and the expressions inside it."""
    kids = list(c.get_children())
    assigns = c.kind.name in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") \
        and operator(c).endswith("=") and operator(c) not in ("==", "!=", "<=", ">=")
    for n, k in enumerate(kids):
        if k.kind.is_expression():
            _check(k, refuse, nonneg, c.kind.name == "CALL_EXPR", assigns and n == len(kids) - 1)
    _check_node(c, refuse, nonneg, argument, stored)


def _check_node(c: Any, refuse: Callable[[Any, str], LoopIRError], nonneg: Names,
                argument: bool = False, stored: bool = False) -> None:
    """`argument`: `c` is an argument of a call (a C++ vector's index or size: `size_type`, which
    the reader reads as the int it is when in range); `stored`: the value of an assignment (whose
    store is checked with the assignment)."""
    kind, t = c.kind.name, _kind(c.type)
    kids = list(c.get_children())
    if kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR", "UNARY_OPERATOR"):
        op = operator(c)
        arithmetic = op in ("+", "-", "*", "~", "++", "--", "<<", ">>", "&", "|", "^") \
            or op.endswith("=") and op not in ("==", "!=", "<=", ">=", "=")
        if t in WIDE_UNSIGNED and arithmetic and op not in (*_EXACT, *_BITS) \
                and not (op in _PROVABLE and proven(c)) and not (op == "<<" and shift_fits(c, nonneg)):
            raise refuse(c, f"unsigned arithmetic `{_text(c)}` ({c.type.spelling} wraps modulo "
                            f"2^{WIDE_UNSIGNED[t]}; not modelled)")
        if kind != "UNARY_OPERATOR" and (op == "=" or arithmetic) and _kind(kids[0].type) in RANGES \
                and not (op == "=" and _fits(kids[0].type, kids[1], nonneg)) \
                and not (op in _PROVABLE and proven(c)):
            lhs = _inner(kids[0])
            name, what = _text(lhs).split(" ")[0], f"a {kids[0].type.spelling}"
            if lhs.kind.name in ("ARRAY_SUBSCRIPT_EXPR", "CALL_EXPR", "UNARY_OPERATOR"):
                what = f"an array of {kids[0].type.spelling}"
            raise refuse(c, f"a store into {name}, {what} (a value outside its range would wrap; "
                            f"`{_text(c)}` may not fit)")
        if kind == "UNARY_OPERATOR" and op in ("++", "--") and _kind(kids[0].type) in RANGES \
                and not proven(c):
            raise refuse(c, f"`{_text(c)}` on a {kids[0].type.spelling} (C would wrap it)")
    if kind == "UNEXPOSED_EXPR" and len(kids) == 1 and t in RANGES and t != "BOOL" \
            and not stored and _kind(kids[0].type) != t and not _fits(c.type, kids[0], nonneg) \
            and not proven(c):
        raise refuse(c, f"`{_text(kids[0])}` converted to {c.type.spelling}, whose value may not "
                        "fit (C would wrap it)")
    if kind in _CASTS and kids and t in RANGES and not _fits(c.type, kids[-1], nonneg) \
            and not proven(c):
        raise refuse(c, f"the cast `{_text(c)}` to {c.type.spelling}, whose value may not fit "
                        "(C would wrap it)")
    if kind in (*_CASTS, "UNEXPOSED_EXPR") and kids and t in (*WIDE_UNSIGNED, *SIGNED) \
            and not argument:
        frm = _kind(kids[-1].type)
        got = value_range(kids[-1], nonneg) if frm in SIGNED else None
        if got is not None and frm in TYPE_RANGES:  # also bounded by its own type
            got = got[0], min(got[1], TYPE_RANGES[frm][1])
        if t in WIDE_UNSIGNED and frm in SIGNED \
                and (got is None or got[0] < 0 or got[1] > TYPE_RANGES[t][1]) and not proven(c):
            big = TYPE_RANGES.get(frm, (0, 2 ** 64))[1] > TYPE_RANGES[t][1]
            why = "a negative or too large value" if big and (got is None or got[0] < 0) else \
                "a negative value" if got is None or got[0] < 0 else "a value above its range"
            raise refuse(c, f"the signed value `{_text(kids[-1])}` converted to "
                            f"{c.type.spelling} ({why} would wrap)")
        if t == "INT" and frm in ("LONG", "LONGLONG") and not proven(c) and (
                got is None or got[0] < TYPE_RANGES[t][0] or got[1] > TYPE_RANGES[t][1]):
            raise refuse(c, f"`{_text(kids[-1])}`, a {kids[-1].type.spelling}, converted to "
                            f"{c.type.spelling} (a value outside its range would wrap)")
        size = _inner(kids[-1]).kind.name == "CALL_EXPR" and _inner(kids[-1]).spelling == "size"
        if t in SIGNED and t not in RANGES and frm in WIDE_UNSIGNED and not size \
                and not proven(c):
            raise refuse(c, f"the unsigned value `{_text(kids[-1])}` converted to "
                            f"{c.type.spelling} (a large value would not fit)")


def param_guards(fn: Any, loc: Callable[[Any], Loc]) -> tuple[L.Guard, ...]:
    """An unsigned parameter at least as wide as `int` (`size_t n`) is never negative: read as a
    guard (`ValueError` from the generated code for a value C could not pass), so that proofs and
    test inputs assume it. (Narrow parameters are not guarded: a proof over all `int`s covers
    their values.)"""
    out: list[L.Guard] = []
    for p in fn.get_arguments():
        if _kind(p.type) in WIDE_UNSIGNED:
            at = loc(p)
            out.append(L.Guard(L.Binary("<", L.Name(p.spelling, at), L.Const(0, at), at),
                               "ValueError", at,
                               f"{p.spelling} is a {p.type.spelling}: it cannot be negative"))
    return tuple(out)


def nonnegative_counter(c: Any) -> str | None:
    """The counter of a `for` loop counting up (`i++`, `++i`, `i += k`) from a non-negative
    constant: never negative inside the loop (its body cannot assign it: `c_loops`)."""
    kids = list(c.get_children())
    if c.kind.name != "FOR_STMT" or len(kids) != 4:
        return None
    init, inc = kids[0], _inner(kids[2])
    name, start = None, None
    if init.kind.name == "DECL_STMT":
        decls = list(init.get_children())
        inits = [k for k in decls[0].get_children() if k.kind.is_expression()] if decls else []
        if len(decls) == 1 and inits:
            name, start = decls[0].spelling, evaluate(inits[-1])
    elif init.kind.name == "BINARY_OPERATOR" and operator(init) == "=":
        lhs, rhs = (_inner(k) for k in init.get_children())
        if lhs.kind.name == "DECL_REF_EXPR":
            name, start = lhs.spelling, evaluate(rhs)
    if name is None or not isinstance(start, int) or start < 0:
        return None
    parts = [_inner(k) for k in inc.get_children()]
    if not parts or parts[0].kind.name != "DECL_REF_EXPR" or parts[0].spelling != name:
        return None
    if inc.kind.name == "UNARY_OPERATOR" and operator(inc) == "++":
        return name
    step = evaluate(parts[1]) if len(parts) == 2 else None
    if inc.kind.name == "COMPOUND_ASSIGNMENT_OPERATOR" and operator(inc) == "+=" \
            and isinstance(step, int) and step > 0:
        return name
    return None
