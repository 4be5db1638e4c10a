"""`xs.reverse()` just before `return xs`, for a list the function builds itself from `[]`.

Reversing in place and returning the list gives the caller the items in the opposite order; the
list was created by the function, so no caller sees the mutation. The two statements are read as

    xs_reversed = []
    for xs_k in range(len(xs) - 1, -1, -1):
        xs_reversed.append(xs[xs_k])
    return xs_reversed

(the names made apart from the function's). A list that is a parameter (the caller's list changes)
or is assigned anything but `[]` keeps the refusal of `.reverse()`, and so does a `.reverse()`
anywhere else.
"""

from __future__ import annotations

import ast


def reversed_return(fn: ast.FunctionDef, body: list[ast.stmt]) -> list[ast.stmt]:
    """`body` (the statements of `fn` after its guards) with a final `xs.reverse(); return xs` read
    as a new list pushed from the last item (see the module docstring); else `body` unchanged."""
    if len(body) < 2:
        return body
    call, ret = body[-2], body[-1]
    match call, ret:
        case (ast.Expr(ast.Call(ast.Attribute(ast.Name(name), "reverse"), [], [])),
              ast.Return(ast.Name(returned))) if name == returned and _built_here(fn, name):
            pass
        case _:
            return body
    taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {a.arg for a in fn.args.args}
    out, k = _fresh(f"{name}_reversed", taken), _fresh(f"{name}_k", taken | {f"{name}_reversed"})
    loop = ast.parse(f"{out} = []\n"
                     f"for {k} in range(len({name}) - 1, -1, -1):\n"
                     f"    {out}.append({name}[{k}])\n"
                     f"return {out}\n").body
    for node in loop:
        for sub in ast.walk(node):
            ast.copy_location(sub, call)  # (its end too)
    return [*body[:-2], *loop]


def _built_here(fn: ast.FunctionDef, name: str) -> bool:
    """Whether `name` is no parameter of `fn` and every assignment to it is `name = []`."""
    if name in {a.arg for a in fn.args.args}:
        return False
    assigned = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.NamedExpr
                      | ast.comprehension):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
                assigned.append(node)
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            return False
    return bool(assigned) and all(
        isinstance(a, ast.Assign) and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)
        and isinstance(a.value, ast.List) and not a.value.elts for a in assigned)


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "_"
    return name
