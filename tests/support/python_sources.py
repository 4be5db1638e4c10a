"""A Python source written to a file, run by CPython and compiled by tensflo, for the tests that
compare the two."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry


def compile_and_run(path: Path, source: str, names: Sequence[str],
                    timeout: float = 30) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compile `names` from `path` (which holds `source`) by the rules alone (no synthesis), and
    run `source` in CPython; returns the compile results by function name and CPython's namespace."""
    namespace = run_in_cpython(path, source)
    results = compile_file(str(path), list(names), load_registry(),
                           Options(timeout=timeout, synth=()))
    return {r.function: r for r in results}, namespace


def run_in_cpython(path: Path | str, source: str | None = None) -> dict[str, Any]:
    """The namespace of `source` (by default the text of `path`) run by CPython as `path`."""
    text = Path(path).read_text() if source is None else source
    namespace: dict[str, Any] = {"__name__": Path(path).stem}
    exec(compile(text, str(path), "exec"), namespace)
    return namespace


def tolist(x: Any) -> Any:
    """An array result as Python values (`tolist()`), anything else as it is."""
    to = getattr(x, "tolist", None)
    return to() if to is not None else x


def plain(v: Any) -> Any:
    """A generated function's result as nested lists, as CPython's function gives it."""
    return [plain(x) for x in v] if hasattr(v, "__len__") else v
