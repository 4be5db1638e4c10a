"""The layer order of the package and the checks that keep the code base in shape.

`ir` -> `plugins` -> `targets` -> `compiler`: a module imports only its own layer and those before it
(import-linter, contracts in setup.cfg), never another module's `_private` names, and no module grows
past `MAX_LINES`.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = ("ir", "plugins", "targets", "compiler")
MAX_LINES = 600


def package_files() -> list[Path]:
    files = [p for d in PACKAGE_DIRS for p in (ROOT / d).rglob("*.py")]
    return files + [p for p in ROOT.glob("*.py")]


def lint_imports(root: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the package found at `root`/tensflo, with the contracts of cwd/setup.cfg."""
    env = {"PYTHONPATH": str(root), "PATH": str(Path(sys.executable).parent)}
    code = "import sys, importlinter.cli as c; sys.exit(c.lint_imports(no_cache=True, no_logo=True))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)


def test_layer_contracts_are_kept():
    done = lint_imports(ROOT.parent, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


def test_an_upward_import_breaks_the_layer_contract(tmp_path):
    """A copy of the package where an IR module imports the driver fails the check."""
    copy = tmp_path / "tensflo"
    ignore = shutil.ignore_patterns("tests", "benchmarks", "examples", "docs", ".venv", ".git",
                                    "__pycache__", "*.egg-info", ".*cache")
    shutil.copytree(ROOT, copy, ignore=ignore)
    (copy / "ir" / "upward_probe.py").write_text("from tensflo.compiler import pipeline  # noqa\n")
    done = lint_imports(tmp_path, copy)
    assert done.returncode != 0
    assert "tensflo.ir.upward_probe -> tensflo.compiler.pipeline" in done.stdout


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """`from tensflo... import _name` (or a relative import of one) in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0 and not (node.module or "").startswith("tensflo"):
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{path.relative_to(root)}:{node.lineno}: imports {alias.name}")
    return found


@pytest.mark.parametrize("where", ["package", "tests", "benchmarks"])
def test_no_module_imports_another_modules_private_names(where):
    files = package_files() if where == "package" else list((ROOT / where).rglob("*.py"))
    found = [line for path in files for line in private_imports(path)]
    assert not found, "\n".join(found)


def test_private_import_check_finds_one(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from tensflo.compiler.pipeline import _hidden\nfrom .x import _y\n"
                     "from os import _exit\n")
    assert private_imports(probe, tmp_path) == ["probe.py:1: imports _hidden",
                                                "probe.py:2: imports _y"]


def test_no_module_is_longer_than_the_limit():
    sizes = {p.relative_to(ROOT): len(p.read_text(encoding="utf-8").splitlines())
             for p in package_files()}
    too_long = {str(p): n for p, n in sizes.items() if n > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
