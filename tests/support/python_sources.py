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
    namespace: dict[str, Any] = {}
    exec(compile(source, str(path), "exec"), namespace)
    results = compile_file(str(path), list(names), load_registry(),
                           Options(timeout=timeout, synth=()))
    return {r.function: r for r in results}, namespace


def plain(v: Any) -> Any:
    """A generated function's result as nested lists, as CPython's function gives it."""
    return [plain(x) for x in v] if hasattr(v, "__len__") else v
