"""What `tensflo.compile` returns: a `CompileResult` that can also be run and rendered again.

`Compiled.load()` gives the generated function as a Python callable (its parameters in the
source's order); `Compiled.render(target)` writes the lifted program for another target without
lifting again. Both raise `tensflo.Error` subclasses (`UsageError`, `UnknownComponentError`).
"""

from __future__ import annotations

import io
import types
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from tensflo.ir.tensir.entry import CheckedFunction
from tensflo.plugins.components import RunnableTarget, code_suffix, target_available
from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import load_registry
from tensflo.targets.pymodule import PythonTarget

from .pipeline import CompileResult, configured_target


@dataclass
class Compiled(CompileResult):
    """A `CompileResult` with `load()` and `render(target)`."""

    @classmethod
    def of(cls, result: CompileResult) -> Compiled:
        """The same result, as a `Compiled`."""
        return cls(**{f.name: getattr(result, f.name) for f in fields(result)})

    @property
    def source_lang(self) -> str:
        """Whose semantics the source has: `python`, or `cpp` for C and C++."""
        return "python" if isinstance(self.emitted, CheckedFunction) else "cpp"

    def render(self, target: str, **target_options: Any) -> str:
        """The code of the lifted function for `target` (options as the target's `configure`
        takes them, e.g. `shapes=` for gemmini); the program is not lifted or proven again."""
        fn = self._emittable()
        with load_registry(lazy=True) as registry:
            chosen = configured_target(registry, target, target_options)
            buf = io.StringIO()
            from tensflo.targets.exact_ints import takes_source_lang
            from tensflo.targets.llvm.int32_source import takes_int32

            lang = {"source_lang": self.source_lang} if takes_source_lang(chosen.emit) else {}
            proven = {"int32": {fn.name: self.int32}} if self.int32 is not None and \
                takes_int32(chosen.emit) else {}
            chosen.emit([fn], buf, **lang, **proven)
        return buf.getvalue()

    def load(self) -> Callable[..., Any]:
        """The generated function, callable here with the source's parameters in their order.

        Python-module targets (numpy, torch, jax, mlx) run the generated module; a target that
        compiles in this process (llvm) runs through its executable, taking and returning NumPy
        values; other targets' code (gemmini's C) cannot be loaded.
        """
        fn = self._emittable()
        if self.code is None or self.target is None:
            raise UsageError(f"{self.function} was compiled without a target: nothing to load")
        with load_registry(lazy=True) as registry:
            target = registry.get("target", self.target)
            ok, why = target_available(target)
            if not ok:
                raise UsageError(f"target {self.target!r} is not available here: {why}")
            if isinstance(target, PythonTarget) and code_suffix(target) == ".py":
                module = types.ModuleType(f"tensflo_{self.target}_{self.function}")
                exec(compile(self.code, f"<tensflo {self.target} code of {self.function}>",
                             "exec"), module.__dict__)
                loaded: Callable[..., Any] = getattr(module, fn.name)
                return loaded
            if isinstance(target, RunnableTarget):
                from tensflo.targets.llvm.int32_source import takes_int32

                proven = {"int32": self.int32} if self.int32 is not None and \
                    takes_int32(target.executable) else {}
                call = _executable_call(target.executable(fn, **proven))
                return self._with_entry_checks(fn, call) if isinstance(fn, CheckedFunction) \
                    else call
        raise UsageError(f"the {self.target} target's code cannot be loaded into Python; "
                         f"use .code or .render('numpy')")

    def _with_entry_checks(self, fn: CheckedFunction, call: Callable[..., Any]
                           ) -> Callable[..., Any]:
        """`call` behind the entry of a Python source's function: the element types, the
        source's guards (its exception types), the precondition and the inputs answered at the
        entry, as the NumPy module checks them (`targets/type_checks.py`,
        `targets/entry_cases.py`); a target without entry checks of its own gets them here."""
        module = types.ModuleType(f"tensflo_checks_{self.function}")
        exec(compile(self.render("numpy"), f"<tensflo entry checks of {self.function}>", "exec"),
             module.__dict__)
        checks = getattr(module, f"{fn.name}_entry_checks", None)
        cases = getattr(module, f"{fn.name}_entry_cases", None)

        def entry(*args: Any) -> Any:
            if checks is not None:
                checks(*args)
            hit = cases(*args) if cases is not None else None
            return hit[0] if hit else call(*args)

        entry.__name__ = fn.name
        return entry

    def _emittable(self) -> Any:
        if not self.lifted or self.emitted is None:
            raise UsageError(f"{self.function} was not lifted ({self.status}): nothing to run or "
                             f"render" if not self.lifted else
                             f"{self.function} was compiled without a target: compile with one")
        return self.emitted


def _executable_call(executable: Any) -> Callable[..., Any]:
    import numpy as np

    def call(*args: Any) -> Any:
        prepared = executable.prepare([np.asarray(a) if isinstance(a, list | tuple) else a
                                       for a in args])
        return executable.fetch(executable.run(prepared))

    return call


__all__ = ["Compiled"]
