"""The messages sent to the model: the lifting prompt, feedback, and the infilling prompt.

The TensIR reference in the prompt is generated from the op table (`tensflo.ir.tensir.reference`), so it
names exactly the ops the parser accepts, plugin ops included.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache

from tensflo.ir.lifting.inputs import Case
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import OPS, Term, Var, print_term
from tensflo.ir.tensir.reference import op_info

from .answers import HOLE, KIND_NAMES, Hole, masked

SYSTEM = """\
You translate loops over arrays into TensIR, a small typed tensor language, so that a verifier can
prove the translation equivalent to the source. A TensIR program is one expression over the
function's parameters, built only from the ops listed below; lambdas (`lambda e: ...`,
`lambda e1, e2: ...`) appear only as arguments of map and selection ops. Integer `/` and `%`
truncate toward zero as in C; `floordiv`/`floormod` round down as in Python. Answer with the
requested line only; no explanations."""

MAX_SOURCE_LINES = 120


@cache
def _reference(names: tuple[str, ...]) -> str:
    lines = []
    for name in names:
        info = op_info(OPS[name])
        types = "; ".join(info["types"])
        domain = f" Requires: {info['domain']}." if info["domain"] else ""
        lines.append(f"- {info['written']}  :: {types}  -- {info['doc']}.{domain}")
    return "\n".join(lines)


def op_reference() -> str:
    """One line per op of the table: how it is written, its types, what it means."""
    return _reference(tuple(op.name for op in OPS))


def source_excerpt(module: L.Module, fn: L.Function) -> str:
    """The function's source text (the whole file when it is short; else from its first line)."""
    try:
        with open(module.path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return f"(source not readable: {module.path})"
    if len(lines) <= MAX_SOURCE_LINES or fn.loc.line <= 0:
        return "\n".join(lines[:MAX_SOURCE_LINES * 2])
    start = max(0, fn.loc.line - 1)
    return "\n".join(lines[start:start + MAX_SOURCE_LINES])


def signature(fn: L.Function) -> str:
    params = ", ".join(f"{p.name}: {p.type}" for p in fn.params)
    return f"def {fn.name}({params}) -> {fn.result}"


def lift_messages(module: L.Module, fn: L.Function) -> list[dict[str, str]]:
    lang = "C++" if fn.lang == "cpp" else "Python"
    user = f"""\
Translate the function `{fn.name}` ({lang}, file {os.path.basename(module.path)}) into TensIR.

Source:
```
{source_excerpt(module, fn)}
```

TensIR signature: {signature(fn)}

TensIR ops (the only ones allowed):
{op_reference()}

Example answer for a dot product `def dot(a: vec[int], b: vec[int], n: int) -> int`:
program: reduce_sum(vec_elemwise_mul(a[:n], b[:n]))

Answer with one line `program: <TensIR expression>`."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def _show_case(fn: L.Function, case: Case) -> str:
    return ", ".join(f"{p.name} = {a}" for p, a in zip(fn.params, case.args, strict=True))


def rejected(reason: str) -> str:
    return f"That answer was rejected: {reason}\nAnswer again with one line `program: <TensIR expression>`."


def counterexample(fn: L.Function, program: Term, case: Case, got: object) -> str:
    return (f"That program is wrong. On the input {_show_case(fn, case)} the source returns "
            f"{case.expected}, but `{print_term(program)}` gives {_plain(got)}.\n"
            f"Answer again with one line `program: <TensIR expression>`.")


def infill_messages(module: L.Module, fn: L.Function, program: Term, hole: Hole,
                    case: Case, got: object) -> list[dict[str, str]]:
    """A fresh conversation asking for exactly one masked node of `program`."""
    lang = "C++" if fn.lang == "cpp" else "Python"
    what = KIND_NAMES[hole.kind]
    typ = f"of type {hole.type}" if hole.type is not None else \
        f"taking ({', '.join(map(str, hole.lambda_params or ()))})"
    user = f"""\
This TensIR translation of `{fn.name}` ({lang}) is wrong in exactly one place, shown as `{HOLE}`:

    {masked(program, hole.path)}

Source:
```
{source_excerpt(module, fn)}
```

TensIR signature: {signature(fn)}
On the input {_show_case(fn, case)} the source returns {case.expected}, but the program gave
{_plain(got)}.

TensIR ops (the only ones allowed):
{op_reference()}

Give only the missing node: {what} {typ}. Answer with one line `fill: <node>`."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def _plain(value: object) -> str:
    tolist = getattr(value, "tolist", None)
    return str(tolist() if callable(tolist) else value)


def params_of(fn: L.Function) -> tuple[Var, ...]:
    return tuple(Var(p.name, p.type) for p in fn.params)


def show_inputs(fn: L.Function, cases: Sequence[Case]) -> str:
    return "; ".join(_show_case(fn, c) for c in cases)
