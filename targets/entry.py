"""The entry of a generated Python module for a C function with outputs through pointers.

A C function such as `void saxpy(int n, float a, const float *x, float *y)` becomes a Python
function of the same parameters, one 1-D array per pointer parameter, that does what the C does:

0. returns at once where the source returns early leaving every array unchanged (a condition on
   scalar parameters, `EntrySpec.returns_early`);
1. checks the preconditions (each a TensIR function rendered by the target) and that the arrays
   it writes do not overlap another array of the same element type (a `ValueError` otherwise);
2. computes every output from the original inputs (each output a TensIR function rendered by the
   target), before any array changes, as the proof assumes;
3. writes each written array in place over its extent (`y[:n] = ...`; the elements from `n` on are
   untouched) and returns the C return value (None for `void`).

The per-output and precondition functions are emitted by the target as usual, named
`<f>__<output>` and `<f>__requires<k>`. Targets other than the Python-module ones refuse such a
function (not finished there). Which arrays may be written in place depends on the framework:
NumPy arrays for numpy and jax (JAX arrays are immutable), tensors for torch, arrays for mlx.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.early_return import condition_source
from tensflo.ir.tensir import Function, Term, Var, print_term
from tensflo.ir.tensir.entry import CheckedFunction, EntryCase, EntryGuard
from tensflo.plugins.errors import UsageError

from .exact_ints import takes_source_lang
from .pyexpr import python_name
from .pymodule import PythonTarget

WRITE_BACK = {"numpy": "{p}[{at}] = _np.asarray({r})", "jax": "{p}[{at}] = _np.asarray({r})",
              "torch": "{p}[{at}] = {r}", "mlx": "{p}[{at}] = {r}"}
"""How each target writes an output's new contents into the caller's array."""
OVERLAP = {
    "numpy": "{a} is {b} or _np.may_share_memory({a}, {b})",
    "jax": "{a} is {b} or _np.may_share_memory({a}, {b})",
    "torch": "{a} is {b} or (torch.is_tensor({a}) and torch.is_tensor({b}) and "
             "{a}.untyped_storage().data_ptr() == {b}.untyped_storage().data_ptr()) or "
             "(not (torch.is_tensor({a}) and torch.is_tensor({b})) and "
             "_np.may_share_memory(_np.asarray({a}), _np.asarray({b})))",
    "mlx": "{a} is {b} or (isinstance({a}, _np.ndarray) and isinstance({b}, _np.ndarray) and "
           "_np.may_share_memory({a}, {b}))",
}
"""A conservative test that two arrays may share memory (same buffer), per target; mlx arrays
are values (slicing copies), so only the same array object aliases (NumPy arrays given to the mlx
entry are tested as NumPy's)."""
MUTABLE = {"jax": "isinstance({p}, _np.ndarray)"}
"""Where the written array must be of a given kind (JAX arrays cannot be updated in place)."""


@dataclass(frozen=True)
class CParam:
    """A parameter of the C function: pointer or scalar, and whether the function writes it."""

    name: str
    pointer: bool = False
    written: bool = False
    extent: str | None = None
    """For a written pointer: the parameter whose value is the number of elements written (None:
    the whole array is the output, as for writes at affine positions)."""
    element: bool = False
    """For a written pointer: only its first element is written (`*p = ...`)."""
    default: int | float | bool | None = None
    """A Python parameter's default value, kept by the entry."""

    def written_part(self, names: dict[str, str]) -> str:
        """What the function writes of this parameter: `p[:n]` or `p[0]`."""
        if self.element:
            return f"{names[self.name]}[0]"
        return f"{names[self.name]}[:{names[self.extent] if self.extent else ''}]"


@dataclass(frozen=True)
class EntrySpec:
    """What the entry of one C function computes (see the module docstring)."""

    name: str
    params: tuple[CParam, ...]
    signature: str
    """The C signature, for the docstring."""
    outputs: tuple[tuple[str, Term], ...]
    """Per output (`return` or a written pointer), its program over `variables`."""
    requires: tuple[Term, ...]
    disjoint: tuple[tuple[str, str], ...]
    variables: tuple[Var, ...]
    """The TensIR parameters of the programs, in the C parameter order."""
    returns_early: tuple[tuple[L.Expr, L.Expr | None], ...] = ()
    """Conditions on scalar parameters under which the function returns at once, leaving every
    array unchanged, each with the value it returns then (None: `void`), tested in order
    (`ir.loop.early_return.void_exits`); the programs hold where none does."""
    returns_tuple: bool = False
    """A Python function returning tuples: the outputs (`item0`, `item1`, ...) as one tuple."""
    source_lang: str | None = None
    """`python`: the target's functions get the exact-int guard (`targets.exact_ints`)."""
    guards: tuple[EntryGuard, ...] | None = None
    """For a Python source: each output's function checks the parameters' types, these guards
    (raising the source's exception) and `requires` (`ir.tensir.entry.CheckedFunction`); the entry
    then checks nothing itself."""
    cases: tuple[tuple[str, tuple[EntryCase, ...]], ...] = ()
    """For a Python source: per output, the inputs its function answers at its entry with the
    source's value there (`CheckedFunction.cases`: an empty input where every loop runs zero
    times)."""


def emit_entry(target: PythonTarget, spec: EntrySpec, out: io.StringIO) -> None:
    """Write the module: the target's functions for the outputs and preconditions, then the
    entry `spec.name` with the C signature."""
    if target.name not in WRITE_BACK:
        raise UsageError(f"the {target.name} target cannot update arrays in place (not finished)")
    functions: list[Function] = []
    if spec.guards is not None:
        functions += [CheckedFunction(f"{spec.name}__{o}", spec.variables, t, spec.guards,
                                      spec.requires, cases=dict(spec.cases).get(o, ()))
                      for o, t in spec.outputs]
    else:
        functions += [Function(f"{spec.name}__{o}", spec.variables, t) for o, t in spec.outputs]
        functions += [Function(f"{spec.name}__requires{k}", spec.variables, t)
                      for k, t in enumerate(spec.requires)]
    buf = io.StringIO()
    if spec.source_lang is not None and takes_source_lang(target.emit):
        target.emit(functions, buf, source_lang=spec.source_lang)
    else:
        target.emit(functions, buf)
    out.write(buf.getvalue().rstrip("\n") + "\n\n\n")
    out.write("\n".join(entry_lines(target.name, spec, target.namespace)) + "\n")


def entry_lines(target: str, spec: EntrySpec, namespace: Iterable[str]) -> list[str]:
    """The source of the entry function."""
    taken = {*namespace, "_np", *(f"{spec.name}__{o}" for o, _ in spec.outputs),
             *(f"_{o}" for o, _ in spec.outputs),
             *(f"{spec.name}__requires{k}" for k in range(len(spec.requires)))}
    names = {p.name: python_name(p.name, taken) for p in spec.params}
    args = ", ".join(names[p.name] for p in spec.params)
    trailing = len(spec.params)
    while trailing and spec.params[trailing - 1].default is not None:
        trailing -= 1
    signature = ", ".join(names[p.name] + ("" if k < trailing else f"={p.default!r}")
                          for k, p in enumerate(spec.params))
    written = [p for p in spec.params if p.written]
    updates = ", ".join(p.written_part({p.name: p.name, p.extent or "": p.extent or ""})
                        for p in written) or "nothing"
    doc = f"Python: {spec.signature}; returns a tuple of {len(spec.outputs)} items." \
        if spec.returns_tuple else \
        f"C: {spec.signature}. Updates {updates} in place; returns " \
        f'{"the C return value" if any(o == "return" for o, _ in spec.outputs) else "None"}.'
    lines = [f"def {spec.name}({signature}):", f'    """{doc}"""', "    import numpy as _np"]
    for p in written:
        if target in MUTABLE:
            lines += [f"    if not {MUTABLE[target].format(p=names[p.name])}:",
                      f"        raise TypeError({spec.name!r} + ': {p.name} is written in place: "
                      f"pass a NumPy array')"]
    for cond, value in spec.returns_early:
        lines += [f"    if {condition_source(cond, names)}:",
                  f"        return {'None' if value is None else condition_source(value, names)}"]
    for k, term in enumerate(spec.requires if spec.guards is None else ()):
        lines += [f"    if not bool({spec.name}__requires{k}({args})):",
                  f"        raise ValueError({spec.name!r} + ': requires ' + "
                  f"{print_term(term)!r})"]
    for a, b in spec.disjoint:
        test = OVERLAP[target].format(a=names[a], b=names[b])
        lines += [f"    if {test}:",
                  f"        raise ValueError({spec.name!r} + ': requires {a} and {b} do not "
                  f"overlap')"]
    for o, _ in spec.outputs:  # every output from the original inputs, before any write
        lines.append(f"    _{o} = {spec.name}__{o}({args})")
    for p in written:
        at = "0" if p.element else f":{names[p.extent] if p.extent else ''}"
        lines.append("    " + WRITE_BACK[target].format(p=names[p.name], at=at, r=f"_{p.name}"))
    ret = "_return" if any(o == "return" for o, _ in spec.outputs) else "None"
    if spec.returns_tuple:
        ret = "(" + "".join(f"_{o}, " for o, _ in spec.outputs).rstrip(" ") + ")"
    lines.append(f"    return {ret}")
    return lines
