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
  message. A guard is a conjunction evaluated left to right (a late check's: the preconditions
  stated before it, then its condition, `ir/lifting/late_checks.py`); a conjunct is rendered as
  plain Python over the arguments (`len`, indexing, arithmetic, comparisons) where it can be,
  else (a reduction, a map, a slice: a computed vector) by the target itself, as a function
  `<name>__check<k>` of the parameters rendered through the target's op table like the body
  (`computed_conditions`, `check_functions`; with the exact-int guard for a Python source);
- then the rest of `requires` (reads in range, ...; those a passed guard establishes are
  skipped): where a condition does not hold, the source raises (or the precondition is stronger
  than it needs), and the generated code raises `OutsidePrecondition`, a subclass of
  `IndexError`, `ValueError` and `ZeroDivisionError` (what the source raises there is caught by
  the same `except`). Conditions are rendered as guards are.

A computed condition on floats is evaluated in the target's float arithmetic (NumPy sums
pairwise, CPython left to right): like the result, it agrees with the source over the reals,
and a test such as `sum(w) == 0.0` on floats whose exact sum cancels may decide differently from
CPython by rounding (`arithmetic: real`). Targets without an entry check (llvm, stablehlo)
refuse a computed guard (`computed_check_refusal`).

The container itself is not checked: a tuple or an array is taken where the source says `list`.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tensflo.ir.tensir import OPS, App, Function, Lit, Term, Var, print_term
from tensflo.ir.tensir.entry import CheckedFunction
from tensflo.ir.tensir.plain_conditions import plain_condition

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
    from .entry_cases import entry_cases, runtime_source

    sources: list[str] = []
    by_name = {r.name: k for k, r in enumerate(rendered)}
    out = list(rendered)
    for fn in functions:
        if not isinstance(fn, CheckedFunction) or fn.name not in by_name:
            continue
        k = by_name[fn.name]
        source, decorator = entry_checks(fn, out[k].params)
        sources.append(source)
        cases = entry_cases(fn, out[k].params)  # inputs answered at the entry (entry_cases.py)
        if cases is not None:
            sources += [*([] if runtime_source() in sources else [runtime_source()]), cases[0]]
            decorator += "\n" + cases[1]
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
    computed = computed_conditions(fn)
    call = f"({', '.join(names[p] for p in fn.params)})"

    def condition(t: Term, by_target: bool = True) -> str:
        if by_target and t in computed:  # evaluated by the target's own code for the term
            return f"bool({fn.name}__check{computed.index(t)}{call})"
        return guard_expr(t, names)

    for g in fn.guards:
        message = repr(g.message) if g.message else ""
        if g.message_code and _reads_only(g.message_code, {p.name for p in fn.params if names[p] == p.name}):
            message = g.message_code
        lines.append(f"    if {' and '.join(condition(c, g.computed) for c in conjuncts(g.fails))}:")
        lines.append(f"        raise {g.exception}({message})")
    for case in fn.cases:  # answered by the entry itself (entry_cases.py): no precondition there
        lines += [f"    if {guard_expr(case.when, names)}:", "        return"]
    for r in checked_requires(fn):
        lines.append(f"    require(lambda: {condition(r)}, {_text(r)!r})")
    return "\n".join(lines), f"@checked_entry({check})"


def checked_requires(fn: CheckedFunction) -> list[Term]:
    """`fn.requires` without those the guards before them establish: a guard `p1 and ... and
    c` that passed, with each `p` established, gives `not c` (the late checks' `requires`
    entry, `ir/lifting/late_checks.py`)."""
    known: set[Term] = set()
    implied: list[tuple[list[Term], Term]] = []
    for g in fn.guards:
        parts = conjuncts(g.fails)
        implied.append(([_normal(c) for c in parts[:-1]], _normal(OPS["not"](parts[-1]))))
        if len(parts) == 1:
            known.add(implied[-1][1])
    out: list[Term] = []
    for r in fn.requires:
        n = _normal(r)
        if n not in known and not any(n == c and all(p in known for p in ps) for ps, c in implied):
            out.append(r)
        known.add(n)
    return out


def _normal(t: Term) -> Term:
    """`t` with `not (a == b)` read as `a != b` (the same in Python, NaN included) and double
    negations removed: the entry check skips a condition it has already established."""
    while isinstance(t, App) and t.op.name == "not" and isinstance(t.args[0], App) \
            and t.args[0].op.name == "not" and isinstance(t.args[0].args[0], Term):
        t = t.args[0].args[0]
    if isinstance(t, App) and t.op.name == "not" and isinstance(t.args[0], App) \
            and t.args[0].op.name == "eq" and all(isinstance(a, Term) for a in t.args[0].args):
        return OPS["ne"](*t.args[0].args)
    return t


def conjuncts(t: Term) -> list[Term]:
    """The conjuncts of `t`, left to right (`a and b and c`: the order the source evaluates)."""
    if isinstance(t, App) and t.op.name == "and" and all(isinstance(a, Term) for a in t.args):
        return [c for a in t.args if isinstance(a, Term) for c in conjuncts(a)]
    return [t]


def computed_conditions(fn: Function) -> list[Term]:
    """The conditions of `fn`'s entry check (the conjuncts of its guards marked `computed`,
    then its `requires`) that plain Python over the arguments cannot evaluate (a reduction, a
    map, a slice: a computed value; `ir.tensir.plain_conditions`), in order, each once. The
    target renders each as a function of the parameters (`check_functions`), evaluated where
    the conjuncts before it hold. A guard not marked is plain Python or not generated."""
    if not isinstance(fn, CheckedFunction):
        return []
    names = {p: p.name for p in fn.params}
    out: list[Term] = []
    for t in [*(c for g in fn.guards if g.computed for c in conjuncts(g.fails)),
              *checked_requires(fn)]:
        if t in out:
            continue
        if not plain_condition(t):
            out.append(t)
            continue
        try:
            guard_expr(t, names)
        except RenderError:
            out.append(t)
    return out


def check_functions(functions: Sequence[Function]) -> list[Function]:
    """The functions `<name>__check<k>` that evaluate the computed conditions of each checked
    function's entry (`computed_conditions`), for the target to render with the others."""
    return [Function(f"{fn.name}__check{k}", fn.params, t)
            for fn in functions for k, t in enumerate(computed_conditions(fn))]


def computed_check_refusal(functions: Sequence[Function], target: str) -> str | None:
    """Why `target`, which has no entry check, cannot generate `functions`: a guard of one (the
    source raises its exception there) is a condition on computed values, or None. (Such a
    target states `requires` for its caller; a guard is behaviour of the source.)"""
    for fn in functions:
        guards = getattr(fn, "guards", ())
        computed = [t for t in computed_conditions(fn) if any(t in conjuncts(g.fails) for g in guards)]
        if computed:
            return (f"{fn.name} checks a condition on computed values ({_text(computed[0])}), "
                    f"raising the source's exception where it fails; "
                    f"the {target} target has no entry check (the Python-module targets numpy, "
                    f"torch, jax and mlx evaluate it)")
    return None


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
