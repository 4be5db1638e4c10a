"""What the Python-based targets (numpy, torch, jax, mlx) share: one generated module per program.

Each TensIR function becomes a Python function of the same signature whose body comes from the
target's table of per-op entries (`table`, through `pyexpr.PyRenderer`); runtime helpers with
TensIR's integer semantics are copied in by source, so modules import no tensflo code. A target
differs from another only in the spellings declared as class variables here and in its module
template (`targets/templates/<name>_module.py.j2`, extending `python_module.py.j2`).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import IO, Any, ClassVar

import jinja2
import numpy as np

from tensflo.ir.tensir import Function, OpDef, Var
from tensflo.ir.tensir.printer import print_term
from tensflo.plugins.errors import EXTRAS

from .optable import rendering
from .pyexpr import PyRenderer, PyTable, RenderError, python_name
from .type_checks import check_functions, with_entry_checks

HELPER_NAMES = ("c_div", "c_mod", "py_div", "py_mod", "append_rows")
"""The runtime helpers every Python target defines (in `cnum`, `torch_runtime`, `array_runtime`)."""
OPTIONAL_HELPERS = ("int_matmul", "sum_axis", "prod_axis", "matmul_or_zeros", "array_of",
                    "stride_update", "linear_recurrence", "linear_recurrence_scan", "ipow")
"""Helpers only some targets' renderings call (mlx's int matrix product, guarded reductions and
inputs)."""
BUFFER_DTYPES = {"int": "int64", "float": "float64", "bool": "bool"}
"""NumPy dtype of each element type's values when the caller names none."""


@dataclass(frozen=True)
class RenderedFunction:
    name: str
    params: list[str]
    lines: list[str]
    tensir: str
    decorator: str = ""
    """A line above the `def` (`@jax.jit`), or empty."""
    note: str = ""
    """How the function runs, for the module docstring (jax: jit or eager, and why)."""


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tensflo.targets", "templates"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@dataclass(frozen=True)
class ModuleExecutable:
    """A generated function run in this process: prepare / run / fetch (`components.Executable`)."""

    fn: Callable[..., Any]
    inputs: tuple[Callable[[Any], Any], ...]
    """Per parameter: NumPy argument -> the target's representation."""
    finish: Callable[[Any], Any]
    to_numpy: Callable[[Any], Any]
    result_dtype: str

    def prepare(self, args: Sequence[Any]) -> list[Any]:
        return [convert(a) for convert, a in zip(self.inputs, args, strict=True)]

    def run(self, prepared: list[Any]) -> Any:
        return self.finish(self.fn(*prepared))

    def fetch(self, result: Any) -> Any:
        out = np.asarray(self.to_numpy(result)).astype(self.result_dtype)  # also 64-bit "q" -> "l"
        return out[()] if out.ndim == 0 else out


class PythonTarget:
    """Base of the targets that generate a Python module; subclasses are frozen dataclasses."""

    name: ClassVar[str]
    description: ClassVar[str]
    title: ClassVar[str]
    """The framework's name in the module docstring (`NumPy`)."""
    framework: ClassVar[str]
    """The module `available()` imports (`torch`, `mlx.core`)."""
    runtime: ClassVar[tuple[ModuleType, ...]]
    """Modules defining the runtime helpers (`HELPER_NAMES`; the first definition of a name
    counts), copied by source into modules that call them; `xp.` there is renamed to `xp` below."""
    xp: ClassVar[str] = ""
    """The name that `xp.` becomes in copied helpers (`jnp`, `mx`); empty: copied as written."""
    namespace: ClassVar[frozenset[str]]
    """Module-level names of generated code, which parameters and locals must not shadow."""
    tensor_param: ClassVar[str]
    """How a tensor parameter `{x}` becomes a tensor of dtype `{d}` (also the tensor result)."""
    scalar_param: ClassVar[str] = ""
    """How a scalar parameter becomes a scalar of dtype `{d}` (also the scalar result); empty: as
    a tensor (0-d)."""
    literals: ClassVar[Mapping[str, str]] = {}
    """Literal format per element type (see `PyRenderer.literals`)."""
    dtypes: ClassVar[Mapping[str, str]]
    """How generated code spells each element type's dtype (`np.int64`)."""
    table: ClassVar[PyTable]
    """The target's entry for every op, by op name (see `pyexpr`)."""
    executable_class: ClassVar[type[ModuleExecutable]]
    """What `executable()` returns (a `ModuleExecutable` class)."""
    module_template: ClassVar[str] = ""
    """The jinja2 template of the module (in `targets/templates/`); empty: `<name>_module.py.j2`.
    A target derived from another names that one's template."""

    def available(self) -> tuple[bool, str]:
        """Whether the framework's package is installed, found without importing it (listing the
        targets must not load torch, jax and mlx)."""
        try:
            found = importlib.util.find_spec(self.framework.partition(".")[0]) is not None
        except (ImportError, ValueError) as e:
            return False, f"{self.framework} cannot be found ({type(e).__name__}: {e})"
        if not found:
            package = self.framework.partition(".")[0]
            return False, (f"{self.framework} is not importable (not installed); "
                           f"pip install 'tensflo[{EXTRAS.get(package, package)}]'")
        return True, ""

    def rendering(self, op: OpDef) -> str | None:
        """How the target writes `op` (for `tensflo ops`), or None when it cannot."""
        return rendering(self.table, op, self.name)

    @property
    def helpers(self) -> dict[str, Callable[..., Any] | None]:
        """The runtime helpers by name (None: a required one the runtime does not define)."""
        found = {n: next((getattr(m, n) for m in self.runtime if hasattr(m, n)), None)
                 for n in (*HELPER_NAMES, *OPTIONAL_HELPERS)}
        return {n: f for n, f in found.items() if f is not None or n in HELPER_NAMES}

    def helper_source(self, name: str) -> str:
        helper = self.helpers[name]
        if helper is None:
            raise RenderError(f"the {self.name} target's runtime defines no {name}")
        text = inspect.getsource(helper)
        return re.sub(r"\bxp\.", f"{self.xp}.", text) if self.xp else text

    def param_lines(self, fn: Function, p: Var, name: str) -> list[str]:
        """Prologue lines converting parameter `p` (called `name`) to the target's values."""
        d = self.dtypes[p.type.elem]
        if not p.type.rank:
            return [f"{name} = {(self.scalar_param or self.tensor_param).format(x=name, d=d)}"]
        lines = [f"{name} = {self.tensor_param.format(x=name, d=d)}"]
        if p.type.rank >= 2:  # an empty list of rows has no column count: make it 0 x 0
            lines.append(f"{name} = {name}.reshape((0,) * {p.type.rank}) "
                         f"if {name}.ndim < {p.type.rank} else {name}")
        return lines

    def decorate(self, fn: Function, names: Mapping[Var, str]) -> tuple[str, str]:
        """The decorator line and docstring note of a function (none by default)."""
        return "", ""

    def render_function(self, fn: Function) -> RenderedFunction:
        taken = set(self.namespace) | set(self.helpers)
        names = {p: python_name(p.name, taken) for p in fn.params}
        r = PyRenderer(self.name, self.table, dict(names), frozenset(taken), self.literals,
                       self.dtypes)
        prologue = [line for p in fn.params for line in self.param_lines(fn, p, names[p])]
        r.share(fn.body)
        body = r.expr(fn.body)
        result = (self.scalar_param or self.tensor_param) if fn.result.is_scalar else self.tensor_param
        ret = f"return {result.format(x=body, d=self.dtypes[fn.result.elem])}"
        decorator, note = self.decorate(fn, names)
        return RenderedFunction(fn.name, [names[p] for p in fn.params],
                                [*prologue, *r.lines, ret], print_term(fn.body), decorator, note)

    def helper_sources(self, code: str) -> list[str]:
        """The source of every helper that `code` calls, directly or through another helper."""
        used: set[str] = set()
        while True:  # helpers may call helpers (c_mod uses c_div)
            more = {n for n in self.helpers if n not in used and re.search(rf"\b{n}\(", code)}
            if not more:
                break
            used |= more
            code += "\n".join(self.helper_source(n) for n in more)
        return [self.helper_source(n).rstrip() for n in self.helpers if n in used]

    def emit(self, functions: list[Function], out: IO[str], source_lang: str | None = None) -> None:
        """Write the module; `source_lang` is the language the functions were lifted from
        (`python`: ints are exact, see `exact_ints`)."""
        from tensflo.version import __version__

        functions = [*functions, *check_functions(functions)]  # computed entry conditions
        rendered = [self.render_function(f) for f in functions]
        guards: list[str] = []
        if source_lang == "python":
            from .exact_ints import guard_functions

            rendered, guards = guard_functions(self, functions, rendered)
        rendered, checks = with_entry_checks(functions, rendered)  # argument types, source guards
        helpers = [*self.helper_sources("\n".join(line for f in rendered for line in f.lines)),
                   *guards, *checks]
        names = ", ".join(f.name for f in functions)
        template = self.module_template or f"{self.name}_module.py.j2"
        text = environment().get_template(template).render(
            doc=f"{self.title} code for {names}.", version=__version__, target=self.name,
            helpers=helpers, functions=rendered,
        )
        out.write(text.rstrip("\n") + "\n")

    def compile(self, functions: list[Function], source_lang: str | None = None) -> dict[str, Any]:
        """Emit and load the module; returns its namespace (for tests and `tensflo bench`)."""
        buf = io.StringIO()
        self.emit(functions, buf, source_lang)
        namespace: dict[str, Any] = {}
        exec(compile(buf.getvalue(), f"<tensflo {self.name}: {functions[0].name}>", "exec"), namespace)
        return namespace

    def to_target(self, fn: Function, p: Var, buffer: str) -> Callable[[Any], Any]:
        """How `prepare` converts a NumPy argument for parameter `p`, stored as dtype `buffer`."""
        raise NotImplementedError

    def finish(self, result: Any) -> Any:
        """Block until `result` is computed (lazy and asynchronous frameworks); returns it."""
        return result

    def to_numpy(self, result: Any) -> Any:
        return result

    def executable(self, fn: Function, dtypes: Mapping[str, str] | None = None) -> ModuleExecutable:
        """`fn` compiled in this process; `dtypes` as in `components.RunnableTarget.executable`."""
        dtypes = dtypes or {}
        inputs = tuple(self.to_target(fn, p, dtypes.get(p.name) or BUFFER_DTYPES[p.type.elem])
                       for p in fn.params)
        return self.executable_class(self.compile([fn])[fn.name], inputs, self.finish,
                                     self.to_numpy, dtypes.get("return") or BUFFER_DTYPES[fn.result.elem])
