"""The entry checks of generated Python modules: argument element types and the source's guards.

For a `CheckedFunction` (a Python source) the generated function is wrapped by `checked_entry`,
which first runs `<name>_entry_checks` on the arguments as the caller gave them, outside any
`jax.jit`:

- every argument must hold values of its parameter's element type, else `TypeError` (nothing is
  converted in a way that changes a number: a float in an `int` list is refused, not truncated).
  `int` takes Python ints, bools (a `bool` is an `int` in Python, with the same arithmetic) and
  NumPy integers; `float` takes those and floats (an int becomes the float nearest to it, as in
  Python's mixed arithmetic: the program's arithmetic is `real`); `bool` takes only bools. An
  array or tensor is checked by its dtype alone; a list by one pass over its entries
  (`set(map(type, ...))` per row: C speed, no copy of the entries). Nesting is checked by the
  conversion that follows (a ragged list of rows is refused by the framework);
- then each guard, in the source's order: where it fails, the source's exception type with its
  message. Guards are rendered as plain Python over the arguments (`len`, indexing, arithmetic,
  comparisons); a guard using another op is a `RenderError` (the function is not generated);
- then the rest of `requires` (reads in range, ...): where a condition does not hold, the source
  raises (or the precondition is stronger than it needs), and the generated code raises
  `OutsidePrecondition`, a subclass of `IndexError`, `ValueError` and `ZeroDivisionError` (what the
  source raises there is caught by the same `except`). A condition using an op the check cannot
  evaluate is left as a comment (`# not checked`).

The container itself is not checked: a tuple or an array is taken where the source says `list`.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tensflo.ir.tensir import App, Function, Lit, Term, Var, print_term
from tensflo.ir.tensir.entry import CheckedFunction

from .pyexpr import RenderError

if TYPE_CHECKING:
    from .pymodule import RenderedFunction

ENTRY_NAMES = frozenset({"check_elements", "checked_entry", "columns", "require",
                         "OutsidePrecondition"})
"""Module-level names the entry checks define (parameters must not shadow them)."""
_INFIX = {"add": "+", "sub": "-", "mul": "*", "eq": "==", "ne": "!=", "lt": "<", "le": "<=",
          "gt": ">", "ge": ">=", "and": "and", "or": "or", "floordiv": "//", "floormod": "%"}
_CALLS = {"len": "len", "abs": "abs", "min": "min", "max": "max", "to_float": "float",
          "to_int": "int"}


def check_elements(x, elem, rank, name):
    """Raise TypeError unless `x` (rank `rank`) holds `elem` values; see targets/type_checks.py."""
    import numbers

    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        kind = str(dtype).rsplit(".", 1)[-1]
        ok = kind.startswith("bool") or (elem != "bool" and kind.startswith(("int", "uint"))) or (
            elem == "float" and kind.startswith(("float", "bfloat", "half", "double")))
        if not ok:
            raise TypeError(f"{name}: expected {elem} values, got an array of {kind}")
        return
    rows = [x]
    for _ in range(rank - 1):
        rows = [v for row in rows for v in row]
    types = set()
    for row in rows:
        types.update(map(type, row) if rank else (type(row),))
    for t in types:
        if t is bool or t.__name__ == "bool_":
            continue
        integral = issubclass(t, int) or (issubclass(t, numbers.Integral) and elem != "bool")
        if elem != "bool" and integral:
            continue
        if elem == "float" and (issubclass(t, float) or (
                t.__module__ == "numpy" and issubclass(t, numbers.Real))):
            continue
        raise TypeError(f"{name}: expected {elem} values, got {t.__name__}")


def columns(x):
    """The column count of a matrix given as rows (a list, array or tensor); 0 without rows."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        return int(shape[1]) if len(shape) > 1 else 0
    return len(x[0]) if len(x) else 0


class OutsidePrecondition(IndexError, ValueError, ZeroDivisionError):
    """The input is outside the lifted precondition: the source raises there (IndexError,
    ValueError, ZeroDivisionError: each catches this), or the precondition is stronger than it needs."""


def require(cond, text):
    """Raise OutsidePrecondition unless `cond()` holds (an error evaluating it counts as not)."""
    try:
        ok = bool(cond())
    except (LookupError, ValueError, ArithmeticError, TypeError):
        ok = False
    if not ok:
        raise OutsidePrecondition(f"the input is outside the precondition {text}")


def checked_entry(check):
    """Decorator: run `check` on the arguments before the function (outside any jit)."""
    def wrap(fn):
        def entry(*args, **kwargs):
            check(*args, **kwargs)
            return fn(*args, **kwargs)
        entry.__name__, entry.__doc__, entry.__wrapped__ = fn.__name__, fn.__doc__, fn
        return entry
    return wrap


def with_entry_checks(functions: Sequence[Function], rendered: list[RenderedFunction]
                      ) -> tuple[list[RenderedFunction], list[str]]:
    """`rendered` (the module's functions, after any other wrapping) with the entry function of
    each `CheckedFunction` decorated by its checks, and the helper sources they need."""
    sources: list[str] = []
    by_name = {r.name: k for k, r in enumerate(rendered)}
    out = list(rendered)
    for fn in functions:
        if not isinstance(fn, CheckedFunction) or fn.name not in by_name:
            continue
        k = by_name[fn.name]
        source, decorator = entry_checks(fn, out[k].params)
        sources.append(source)
        out[k] = replace(out[k], decorator="\n".join(d for d in (decorator, out[k].decorator) if d),
                         params=with_defaults(fn, out[k].params))
    return out, [*runtime_sources(), *sources] if sources else []


def entry_checks(fn: CheckedFunction, params: Sequence[str]) -> tuple[str, str]:
    """The source of `fn`'s check function and the decorator line that applies it; `params` are
    the generated parameter names."""
    params = [n if n not in ENTRY_NAMES else f"{n}_" for n in params]
    names = dict(zip(fn.params, params, strict=True))
    check = f"{fn.name}_entry_checks"
    lines = [f"def {check}({', '.join(with_defaults(fn, params))}):",
             f'    """Argument types, then the source\'s input checks, of {fn.name}."""']
    for p in fn.params:
        lines.append(f"    check_elements({names[p]}, {p.type.elem!r}, {p.type.rank}, {p.name!r})")
    for g in fn.guards:
        message = repr(g.message) if g.message else ""
        if g.message_code and _reads_only(g.message_code, {p.name for p in fn.params if names[p] == p.name}):
            message = g.message_code
        lines.append(f"    if {guard_expr(g.fails, names)}:")
        lines.append(f"        raise {g.exception}({message})")
    for r in fn.requires:
        try:
            lines.append(f"    require(lambda: {guard_expr(r, names)}, {_text(r)!r})")
        except RenderError:
            lines.append(f"    # not checked: {_text(r)}")
    return "\n".join(lines), f"@checked_entry({check})"


def with_defaults(fn: CheckedFunction, params: Sequence[str]) -> list[str]:
    """`params` (the generated names of `fn.params`) as a `def` spells them: the source's default
    values on the trailing parameters that have one (a parameter the lifted program dropped
    takes none; one before a parameter without default keeps none, which Python would refuse)."""
    given = dict(fn.defaults)
    out = list(params)
    for k in reversed(range(len(out))):
        name = fn.params[k].name
        if name not in given:
            break
        out[k] = f"{out[k]}={_literal(given[name])}"
    return out


def runtime_sources() -> list[str]:
    """The helpers every module with entry checks defines."""
    return [inspect.getsource(f).rstrip()
            for f in (check_elements, columns, OutsidePrecondition, require, checked_entry)]


def guard_expr(t: Term, names: Mapping[Var, str]) -> str:
    """A guard's condition as plain Python over the arguments."""
    if isinstance(t, Var):
        if t not in names:
            raise RenderError(f"a guard reads {t.name}, which is not a parameter")
        return names[t]
    if isinstance(t, Lit):
        return _literal(t.value)
    if not isinstance(t, App):
        raise RenderError(f"a guard holds {t}, which the entry check cannot evaluate")
    op = t.op.name
    inner = t.args[0] if t.args else None
    if op == "len" and isinstance(inner, App) and inner.op.name == "transpose" \
            and isinstance(inner.args[0], Term):
        return f"columns({guard_expr(inner.args[0], names)})"  # len(m[0]) of rows
    args = [guard_expr(a, names) for a in t.args if isinstance(a, Term)]
    if len(args) != len(t.args):
        raise RenderError(f"a guard uses {op} with a function argument")
    if op in _INFIX and len(args) == 2:
        return f"({args[0]} {_INFIX[op]} {args[1]})"
    if op == "div" and t.type.elem == "float":
        return f"({args[0]} / {args[1]})"
    if op == "not":
        return f"(not {args[0]})"
    if op == "neg":
        return f"(-{args[0]})"
    if op == "index":
        return f"{args[0]}[{args[1]}]"
    if op == "ite":
        return f"({args[1]} if {args[0]} else {args[2]})"
    if op in _CALLS:
        return f"{_CALLS[op]}({', '.join(args)})"
    raise RenderError(f"a guard uses {op}, which the entry check cannot evaluate")


def _reads_only(code: str, params: set[str]) -> bool:
    """Whether the Python expression `code` reads only `params` and the builtins a message uses."""
    return all(n.id in params or n.id in ("len", "abs", "min", "max")
               for n in ast.walk(ast.parse(code, mode="eval")) if isinstance(n, ast.Name))


def _text(t: Term) -> str:
    try:
        return print_term(t)
    except ValueError:  # a non-finite literal has no text form
        return str(t)


def _literal(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    return repr(value)
