"""tensflo: verified lifting of sequential loops to tensor programs.

`tensflo.compile(source, function=..., target=...)` lifts one function of C, C++ or Python source
(a file path, or the source text itself with `language=`) and returns a `Compiled` result: the
TensIR program, its proof level and precondition, the generated code, `.load()` for a Python
callable and `.render(target)` for another target's code. `tensflo.compile_all` lifts every
function. Every error tensflo raises on purpose derives from `tensflo.Error`. Heavy modules are
imported on first use, so `import tensflo` stays cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tensflo.plugins.errors import Error, PluginError, UnknownComponentError, UsageError
from tensflo.version import __version__

if TYPE_CHECKING:
    from tensflo.compiler.compiled import Compiled


def compile_all(source: str | os.PathLike[str], functions: list[str] | None = None, *,
                target: str | None = "numpy", language: str | None = None,
                **options: Any) -> list[Compiled]:
    """Lift the named functions of `source` (all of them when `functions` is None).

    `source` is a file path, or source text: a string holding a newline, or any string that is
    not an existing file when `language` is given. `language` names the frontend (`cpp`, `c`,
    `python`); without it the file's suffix decides. Keyword options are those of
    `tensflo.compiler.pipeline.Options` (`verifier`, `timeout`, `seed`, `tests`,
    `require_proof`, `synth`, `frontend_options`). Input errors raise `tensflo.UsageError`, an
    unknown target or language `tensflo.UnknownComponentError` (both `tensflo.Error`).
    """
    from tensflo.compiler.compiled import Compiled
    from tensflo.compiler.pipeline import Options, compile_file
    from tensflo.plugins.manager import load_registry

    if "synth" in options and isinstance(options["synth"], str):
        options["synth"] = tuple(s for s in options["synth"].split(",") if s and s != "none")
    try:
        chosen = Options(target=target, **options)
    except TypeError as e:
        raise UsageError(f"tensflo.compile: {e}") from None
    with load_registry(lazy=True) as registry:
        if target is not None:
            registry.get("target", target)  # an unknown target fails before any lifting
        path, text = _source(source, language, registry)
        results = compile_file(path, functions, registry, chosen, text=text)
    return [Compiled.of(r) for r in results]


def compile(source: str | os.PathLike[str], function: str | None = None, *,
            target: str | None = "numpy", language: str | None = None,
            **options: Any) -> Compiled:
    """Lift one function of `source` (the only one, when `function` is None) and generate code
    for `target`; `source`, `language` and the options are as for `compile_all`.

    The result's `status` is `lifted` or not; `.load()` returns the generated function as a
    Python callable (parameters in the source's order), `.render("torch")` another target's code.
    """
    results = compile_all(source, [function] if function else None, target=target,
                          language=language, **options)
    if len(results) != 1:
        names = ", ".join(r.function for r in results)
        raise UsageError(f"{_shown(source)} defines several functions ({names}); name one with "
                         f"function=")
    return results[0]


def _source(source: str | os.PathLike[str], language: str | None,
            registry: Any) -> tuple[str, str | None]:
    """(path, text): the text is None for a file the frontend reads itself."""
    if isinstance(source, os.PathLike) or (
            "\n" not in source and (language is None or os.path.exists(source))):
        path = os.fspath(source)
        if language is not None:
            extensions = registry.get("frontend", language).extensions
            if os.path.splitext(path)[1] not in extensions:
                raise UsageError(f"{path}: language={language!r} reads {', '.join(extensions)} "
                                 f"files; rename the file or leave language= out")
        return path, None
    if language is None:
        raise UsageError("tensflo.compile was given source text: say its language with "
                         "language='cpp', 'c' or 'python' (or pass a file path)")
    extension = registry.get("frontend", language).extensions[0]
    return f"<source>{extension}", source


def _shown(source: str | os.PathLike[str]) -> str:
    return "the source text" if isinstance(source, str) and "\n" in source else os.fspath(source)


__all__ = ["Error", "PluginError", "UnknownComponentError", "UsageError", "__version__",
           "compile", "compile_all"]
