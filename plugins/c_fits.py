"""Path-sensitive proofs that a C conversion keeps the exact value (`c_unsigned` asks them where
interval arithmetic of the expression alone cannot tell).

A function body is run once symbolically (z3 terms; `Run`) in C's meaning of its integer types:

- every value of an integer type lies in that type's range (a read of an array element, a
  parameter, a variable whose address is taken, a call's result: a fresh value in the range);
- a variable keeps the value of its last assignment along the path; an `if` or `?:` merges both
  sides under its condition, and a branch ending in `return`, `break` or `continue` does not reach
  the statements after it (they run under the negated condition);
- a loop is entered in any state that agrees with the one before it except for the variables the
  loop assigns (fresh values in their types' ranges: an invariant every iteration keeps), its
  body runs under its condition, and after it those variables are fresh again; a `for` loop of a
  few constant trips whose body neither changes its counter nor leaves early is unrolled instead
  (`c_constant_trips`);
- only the function's own variables are followed (globals and members, which a call may change,
  are unknown values; so is a variable whose address is taken or that a reference may bind);
- floats are real numbers with a class (finite, +inf, -inf, NaN): `fmin`/`fmax` and comparisons
  follow C's rules for the classes, any other float arithmetic is an unknown float.

At each conversion between integer types where the source type has values the target has not
(into a type narrower than `int`, into an unsigned type, from an unsigned type to a signed one,
`long` to `int`), from a float to an integer type, and at each unsigned `+ - *`, `++`, `--` and
compound assignment, the run
records the claim that the exact value lies in the target type's range under the path condition
(a float converted to an integer type: finite and inside the range after truncation). `proven`
asks z3 for each claim (unsat of its negation, with a time limit); an unknown or refuted claim is
not proven and the reader refuses the construct as before. A function holding `goto`, a label or
a lambda has no proofs (its control flow is not modelled).
"""
from __future__ import annotations

import threading
import weakref
from typing import Any

from tensflo.plugins.c_symbolic_run import Run, cursor_key

_FUNCTIONS = ("FUNCTION_DECL", "CXX_METHOD", "FUNCTION_TEMPLATE", "CONSTRUCTOR", "DESTRUCTOR")
_SCOPES = ("NAMESPACE", "CLASS_DECL", "STRUCT_DECL", "CLASS_TEMPLATE", "LINKAGE_SPEC",
           "UNEXPOSED_DECL")


_LOCK = threading.Lock()
_RUNS: weakref.WeakKeyDictionary[Any, dict[tuple[int, int], Run]] = weakref.WeakKeyDictionary()
_FUNCTIONS_OF: weakref.WeakKeyDictionary[Any, dict[str, list[Any]]] = \
    weakref.WeakKeyDictionary()


def _definitions(tu: Any, file: str) -> list[Any]:
    """The function definitions of `file` in translation unit `tu` (also in namespaces and
    classes)."""
    per_file = _FUNCTIONS_OF.setdefault(tu, {})
    if file not in per_file:
        out: list[Any] = []
        todo = [tu.cursor]
        while todo:
            node = todo.pop()
            for k in node.get_children():
                where = k.location.file
                if where is None or where.name != file:
                    continue
                if k.kind.name in _FUNCTIONS and k.is_definition():
                    out.append(k)
                elif k.kind.name in _SCOPES:
                    todo.append(k)
        per_file[file] = out
    return per_file[file]


def run_for(c: Any) -> Run | None:
    """The symbolic run of the function defining cursor `c` (one per function)."""
    where = c.extent.start
    if where.file is None:
        return None
    tu = c.translation_unit
    fns = [f for f in _definitions(tu, where.file.name)
           if f.extent.start.offset <= where.offset < f.extent.end.offset]
    if not fns:
        return None
    fn = min(fns, key=lambda f: f.extent.end.offset - f.extent.start.offset)
    runs = _RUNS.setdefault(tu, {})
    span = (fn.extent.start.offset, fn.extent.end.offset)
    if span not in runs:
        runs[span] = Run(fn)
    return runs[span]


def forget(tu: Any) -> None:
    """Drop the runs and definitions kept for translation unit `tu` once its reading is done.
    Their cursors reference `tu`, so the weak keys alone would keep it alive to the end of the
    process (a leak over many files, and libclang objects freed after libclang at exit)."""
    with _LOCK:
        _RUNS.pop(tu, None)
        _FUNCTIONS_OF.pop(tu, None)


def proven(c: Any) -> bool:
    """Whether the conversion or unsigned operation at cursor `c` provably keeps its exact value
    on every path reaching it."""
    with _LOCK:  # a z3 context is used by one thread at a time
        try:
            run = run_for(c)
            return run is not None and run.proven(cursor_key(c))
        except Exception:  # noqa: BLE001 - a construct the run does not model: no proof
            return False
