"""The inputs a generated Python function answers at its entry: `CheckedFunction.cases`.

Where a case's condition holds (the empty input of a fold from an infinite seed: every loop of the
source runs zero times there, `ir.lifting.zero_trip`), the function returns the case's value, the
source's own (`float('inf')` included), without evaluating the program, whose proof leaves that
input out. The cases are tested after the type checks, the source's guards and the precondition
(`checked_entry` runs those first), outside any `jax.jit`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from tensflo.ir.tensir.entry import CheckedFunction

from .type_checks import ENTRY_NAMES, guard_expr, with_defaults


def zero_trip_entry(cases):
    """Decorator: where `cases` on the arguments gives a 1-tuple, return its item instead of
    calling the function; see targets/entry_cases.py."""
    def wrap(fn):
        def entry(*args, **kwargs):
            hit = cases(*args, **kwargs)
            return hit[0] if hit else fn(*args, **kwargs)
        entry.__name__, entry.__doc__, entry.__wrapped__ = fn.__name__, fn.__doc__, fn
        return entry
    return wrap


def entry_cases(fn: CheckedFunction, params: Sequence[str]) -> tuple[str, str] | None:
    """The source of `fn`'s case function and the decorator line that applies it (None without
    cases); `params` are the generated parameter names."""
    if not fn.cases:
        return None
    params = [n if n not in ENTRY_NAMES else f"{n}_" for n in params]
    names = dict(zip(fn.params, params, strict=True))
    name = f"{fn.name}_entry_cases"
    lines = [f"def {name}({', '.join(with_defaults(fn, params))}):",
             f'    """The inputs where {fn.name} returns the source\'s value at once."""']
    for case in fn.cases:
        value = "[]" if not case.value.type.is_scalar else guard_expr(case.value, names)
        lines += [f"    if {guard_expr(case.when, names)}:",
                  f"        return ({value},)"]
    lines.append("    return ()")
    return "\n".join(lines), f"@zero_trip_entry({name})"


def runtime_source() -> str:
    """The helper a module with cases defines."""
    return inspect.getsource(zero_trip_entry).rstrip()
