"""Shared fixtures: the repository root, running the `tensflo` command (in a subprocess or in this
process), the built-in plugin registry, a third-party plugin, golden files (`--update-golden`)."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tensflo.plugins.manager import Registry

REPO = Path(__file__).resolve().parent.parent
FAKE_PLUGIN = REPO / "tests" / "fake_plugin"
GOLDEN = REPO / "tests" / "golden"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tensflo", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`cli(*argv)`: run `tensflo ARGV` in this process; (exit status, stdout, stderr)."""
    from tensflo.compiler.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    """The plugins as `tensflo` loads them (third-party ones too unless
    TENSFLO_DISABLE_PLUGIN_AUTOLOAD is set), once per test module."""
    from tensflo.plugins.manager import load_registry

    with load_registry() as reg:
        yield reg


@pytest.fixture
def op_table_unchanged() -> Iterator[None]:
    """The test must leave the op table as it found it (no plugin op left behind)."""
    from tensflo.ir.tensir import OPS

    before = [op.name for op in OPS]
    yield
    assert [op.name for op in OPS] == before


@pytest.fixture
def tensflo_cmd(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m tensflo ARGS` in a subprocess (cwd: the repository unless given)."""

    def run(*args: str, cwd: Path = REPO, extra_path: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full = {k: v for k, v in os.environ.items() if k != "TENSFLO_DISABLE_PLUGIN_AUTOLOAD"}
        full.update(env or {})
        if extra_path is not None:
            full["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(extra_path), full.get("PYTHONPATH", "")) if p)
        return _run(list(args), cwd, full)

    return run


def write_distribution(site: Path, dist: str, version: str, modules: dict[str, str],
                       entry_points: dict[str, str]) -> Path:
    """An installed distribution in `site`: its modules plus a `.dist-info` with entry points."""
    site.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (site / f"{name}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[tensflo]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return site


@pytest.fixture
def make_distribution() -> Callable[..., Path]:
    """`make_distribution(site, dist, version, modules, entry_points)`: see `write_distribution`."""
    return write_distribution


@pytest.fixture
def tfx_site(tmp_path: Path) -> Path:
    """A directory holding the `tfx-plugin 1.0` distribution (tests/fake_plugin), not on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(FAKE_PLUGIN / "tfx_plugin.py", site / "tfx_plugin.py")
    return write_distribution(site, "tfx-plugin", "1.0", {}, {"tfx": "tfx_plugin"})


@pytest.fixture
def on_sys_path(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str], None]:
    """Put a directory on sys.path for one test; its module leaves sys.modules afterwards."""
    added: list[str] = []

    def add(site: Path, module: str) -> None:
        monkeypatch.syspath_prepend(str(site))
        added.append(module)

    yield add
    for module in added:
        sys.modules.pop(module, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ expectations from the current output")


def compare_golden(name: str, text: str, update: bool) -> str | None:
    """Compare `text` with `tests/golden/<name>` (or rewrite the file when `update`); None when
    they agree, else why not: the file is missing, or a unified diff from expected to actual."""
    path = GOLDEN / name
    if update:
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return None
    if not path.exists():
        return f"{path.relative_to(REPO)} is missing: run pytest --update-golden"
    expected = path.read_text()
    if text == expected:
        return None
    diff = difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                f"tests/golden/{name} (expected)", "actual output")
    return (f"tests/golden/{name} differs from the output (review the diff; if the change is "
            f"intended, run pytest --update-golden):\n" + "".join(diff))


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """`golden(name, text)`: `text` must equal `tests/golden/<name>` (`<group>/<file>`); the
    failure shows a unified diff. Under `--update-golden` the file is rewritten instead."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, text: str) -> None:
        problem = compare_golden(name, text, update)
        if problem is not None:
            pytest.fail(problem, pytrace=False)

    return check


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One cache of compiled C++ drivers for the whole run (each kernel is compiled once)."""
    return str(tmp_path_factory.mktemp("native"))
