"""Shared fixtures: the repository root, running the `tensflo` command, a third-party plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FAKE_PLUGIN = REPO / "tests" / "fake_plugin"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tensflo", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


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


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with `tests/golden/<name>`, or rewrite it under `--update-golden`."""

    def check(name: str, text: str) -> None:
        path = REPO / "tests" / "golden" / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"{path} is missing: run pytest --update-golden"
        assert text == path.read_text(), f"{name} changed: review, then run pytest --update-golden"

    return check


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One cache of compiled C++ drivers for the whole run (each kernel is compiled once)."""
    return str(tmp_path_factory.mktemp("native"))
