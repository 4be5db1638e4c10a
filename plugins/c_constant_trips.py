"""`for` loops that run a small constant number of times (`for (dy = -1; dy <= 1; dy++)`), which
the symbolic run of `c_symbolic_run` unrolls instead of entering them in an unknown state."""

from __future__ import annotations

from typing import Any

from tensflo.plugins.clang_eval import evaluate, operator

MAX_TRIPS = 16
_LEAVES = ("BREAK_STMT", "CONTINUE_STMT", "RETURN_STMT", "GOTO_STMT", "INDIRECT_GOTO_STMT",
           "LABEL_STMT")
_TESTS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
          ">=": lambda a, b: a >= b, "!=": lambda a, b: a != b}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!="}


def _bare(c: Any) -> Any:
    while c.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR"):
        kids = list(c.get_children())
        if len(kids) != 1:
            break
        c = kids[0]
    return c


def _names(c: Any, decl: Any) -> bool:
    c = _bare(c)
    return c.kind.name == "DECL_REF_EXPR" and c.referenced is not None \
        and c.referenced.location.offset == decl.location.offset \
        and c.referenced.spelling == decl.spelling


def _assigns(body: Any, decl: Any) -> bool:
    """Whether `body` may change the counter (an assignment, `++`/`--`, its address taken)."""
    for k in body.walk_preorder():
        name = k.kind.name
        if name in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR", "UNARY_OPERATOR"):
            op = operator(k)
            if op in ("=", "++", "--", "&") or name == "COMPOUND_ASSIGNMENT_OPERATOR":
                first = next(iter(k.get_children()), None)
                if first is not None and _names(first, decl):
                    return True
    return False


def constant_trips(kids: list[Any], ranges: dict[str, tuple[int, int]]) -> tuple[Any, int] | None:
    """For the four parts of a `for` loop (init, test, step, body): its counter's declaration
    and how many times the body runs, when the init sets a local counter to a constant, the test
    compares it with a constant, the step adds a constant, the body neither changes the counter
    nor leaves the loop early, and the count is at most `MAX_TRIPS` (the counter's values staying
    in its type, `ranges` by type kind)."""
    init, test, step, body = kids
    if init.kind.name == "DECL_STMT":
        decls = list(init.get_children())
        if len(decls) != 1:
            return None
        decl = decls[0]
        values = [k for k in decl.get_children() if k.kind.is_expression()]
        start = evaluate(values[-1]) if values else None
    elif init.kind.name == "BINARY_OPERATOR" and operator(init) == "=":
        lhs, rhs = (_bare(k) for k in init.get_children())
        if lhs.kind.name != "DECL_REF_EXPR" or lhs.referenced is None:
            return None
        decl, start = lhs.referenced, evaluate(rhs)
    else:
        return None
    if not isinstance(start, int) or decl.kind.name not in ("VAR_DECL", "PARM_DECL"):
        return None
    test, step = _bare(test), _bare(step)
    if test.kind.name != "BINARY_OPERATOR" or operator(test) not in _TESTS:
        return None
    left, right = test.get_children()
    op = operator(test)
    if _names(right, decl):
        left, right, op = right, left, _FLIPPED[op]
    bound = evaluate(right)
    if not _names(left, decl) or not isinstance(bound, int):
        return None
    if step.kind.name == "UNARY_OPERATOR" and operator(step) in ("++", "--") \
            and _names(next(iter(step.get_children())), decl):
        by = 1 if operator(step) == "++" else -1
    elif step.kind.name == "COMPOUND_ASSIGNMENT_OPERATOR" and operator(step) in ("+=", "-="):
        target, amount = step.get_children()
        k = evaluate(amount)
        if not _names(target, decl) or not isinstance(k, int):
            return None
        by = k if operator(step) == "+=" else -k
    else:
        return None
    if _assigns(body, decl) or any(k.kind.name in _LEAVES for k in body.walk_preorder()):
        return None
    lo, hi = ranges.get(decl.type.get_canonical().kind.name, (None, None))
    if lo is None or hi is None:
        return None
    # a comparison in an unsigned type agrees with the exact one on non-negative values only
    unsigned = any(k.type.get_canonical().kind.name in ("UINT", "ULONG", "ULONGLONG")
                   for k in test.get_children())
    v, trips = start, 0
    while True:
        if unsigned and (v < 0 or bound < 0):
            return None
        if not _TESTS[op](v, bound):
            return decl, trips
        trips, v = trips + 1, v + by
        if trips > MAX_TRIPS or not lo <= v <= hi:
            return None
