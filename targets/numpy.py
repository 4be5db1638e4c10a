"""The NumPy target: a TensIR function becomes a vectorized NumPy function of the same signature."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import IO, Any, ClassVar

import jinja2
import numpy as np

from tensflo.ir.tensir import Function, cnum
from tensflo.ir.tensir.ops import DTYPE_NAMES
from tensflo.ir.tensir.printer import print_term
from tensflo.plugins.hookspecs import hookimpl

from .pyexpr import PyRenderer, python_name

HELPERS = {
    f.__name__: f for f in (cnum.c_div, cnum.c_mod, cnum.py_div, cnum.py_mod, cnum.append_rows)
}
"""Runtime helpers whose source is copied into generated modules (the oracle's own code)."""
RESERVED = frozenset({"np", *HELPERS})


@dataclass(frozen=True)
class RenderedFunction:
    name: str
    params: list[str]
    lines: list[str]
    tensir: str


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tensflo.targets", "templates"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@dataclass(frozen=True)
class NumpyTarget:
    """Vectorized NumPy code; the reference target that every other target is compared with."""

    name: ClassVar[str] = "numpy"
    description: ClassVar[str] = "NumPy array code (vectorized Python)"

    def available(self) -> tuple[bool, str]:
        try:
            import numpy  # noqa: F401
        except ImportError as e:  # pragma: no cover - numpy is a dependency
            return False, f"numpy is not importable: {e}"
        return True, ""

    def render_function(self, fn: Function) -> RenderedFunction:
        taken = set(RESERVED)
        names = {p: python_name(p.name, taken) for p in fn.params}
        r = PyRenderer("numpy", dict(names), frozenset(taken))
        prologue = []
        for p in fn.params:
            conv = f"np.asarray({names[p]}, dtype={DTYPE_NAMES[p.type.elem]})" if p.type.rank else (
                f"{DTYPE_NAMES[p.type.elem]}({names[p]})")
            prologue.append(f"{names[p]} = {conv}")
            if p.type.rank >= 2:  # an empty list of rows has no column count: make it 0 x 0
                prologue.append(f"{names[p]} = {names[p]}.reshape((0,) * {p.type.rank}) "
                                f"if {names[p]}.ndim < {p.type.rank} else {names[p]}")
        r.share(fn.body)
        body = r.expr(fn.body)
        dtype = DTYPE_NAMES[fn.result.elem]
        ret = f"return {dtype}({body})" if fn.result.is_scalar else (
            f"return np.asarray({body}, dtype={dtype})")
        return RenderedFunction(fn.name, [names[p] for p in fn.params],
                                [*prologue, *r.lines, ret], print_term(fn.body))

    def emit(self, functions: list[Function], out: IO[str]) -> None:
        from tensflo import __version__

        rendered = [self.render_function(f) for f in functions]
        text = "\n".join(line for f in rendered for line in f.lines)
        used: set[str] = set()
        while True:  # helpers may call helpers (c_mod uses c_div)
            more = {n for n in HELPERS if n not in used and re.search(rf"\b{n}\(", text)}
            if not more:
                break
            used |= more
            text += "\n".join(inspect.getsource(HELPERS[n]) for n in more)
        helpers = [inspect.getsource(h).rstrip() for n, h in HELPERS.items() if n in used]
        names = ", ".join(f.name for f in functions)
        text = _environment().get_template("numpy_module.py.j2").render(
            doc=f"NumPy code for {names}.", version=__version__, helpers=helpers,
            functions=rendered,
        )
        out.write(text.rstrip("\n") + "\n")

    def compile(self, functions: list[Function]) -> dict[str, object]:
        """Emit and load the module; returns its namespace (for tests and `tensflo bench`)."""
        import io

        buf = io.StringIO()
        self.emit(functions, buf)
        namespace: dict[str, object] = {}
        exec(compile(buf.getvalue(), f"<tensflo numpy: {functions[0].name}>", "exec"), namespace)
        return namespace

    def executable(self, fn: Function, dtypes: Mapping[str, str] | None = None) -> NumpyExecutable:
        dtypes = dtypes or {}
        return NumpyExecutable(self.compile([fn])[fn.name],
                               tuple(dtypes.get(p.name) if p.type.rank else None for p in fn.params))


@dataclass(frozen=True)
class NumpyExecutable:
    """A generated NumPy function, run in this process."""

    fn: Any
    dtypes: tuple[str | None, ...]

    def prepare(self, args: Sequence[Any]) -> list[Any]:
        return [np.asarray(a, dtype=d) if d else a for a, d in zip(args, self.dtypes, strict=True)]

    def run(self, prepared: list[Any]) -> Any:
        return self.fn(*prepared)

    def fetch(self, result: Any) -> Any:
        return result


@hookimpl
def tensflo_register_targets() -> list:
    return [NumpyTarget()]
