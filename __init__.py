"""tensflo: verified lifting of sequential loops to tensor programs.

`tensflo.compile(path, function=..., target=...)` lifts one function of a C++ or Python file and
returns a `CompileResult` (see `tensflo.compiler.pipeline`); `tensflo.compile_all` lifts every
function of the file. Every error tensflo raises on purpose derives from `tensflo.Error`. Heavy
modules are imported on first use, so `import tensflo` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tensflo.plugins.errors import Error
from tensflo.version import __version__

if TYPE_CHECKING:
    from tensflo.compiler.pipeline import CompileResult


def compile_all(source: str, functions: list[str] | None = None, *, target: str | None = "numpy",
                **options: Any) -> list[CompileResult]:
    """Lift the named functions of `source` (a file path; all functions when None).

    Keyword options are those of `tensflo.compiler.pipeline.Options` (`verifier`, `timeout`,
    `seed`, `tests`, `require_proof`, `synth`). Input errors raise `tensflo.plugins.errors.UsageError`.
    """
    from tensflo.compiler.pipeline import Options, compile_file
    from tensflo.plugins.manager import load_registry

    if "synth" in options and isinstance(options["synth"], str):
        options["synth"] = tuple(s for s in options["synth"].split(",") if s and s != "none")
    with load_registry() as registry:
        return compile_file(str(source), functions, registry, Options(target=target, **options))


def compile(source: str, function: str | None = None, *, target: str | None = "numpy",
            **options: Any) -> CompileResult:
    """Lift one function of `source` (the only one, when `function` is None) and generate code."""
    results = compile_all(source, [function] if function else None, target=target, **options)
    if len(results) != 1:
        from tensflo.plugins.errors import UsageError

        names = ", ".join(r.function for r in results)
        raise UsageError(f"{source} defines several functions ({names}); name one with function=")
    return results[0]


__all__ = ["Error", "__version__", "compile", "compile_all"]
