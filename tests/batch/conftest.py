"""Fixtures of the batch tests: the `stall` test synthesizer and running a batch."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

@pytest.fixture
def stall_site(tmp_path: Path, make_distribution: Callable[..., Path]) -> Path:
    """A site directory holding the `stall-plugin` distribution (put it on PYTHONPATH)."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(HERE / "stall_plugin.py", site / "stall_plugin.py")
    return make_distribution(site, "stall-plugin", "1.0", {}, {"stall": "stall_plugin"})


@pytest.fixture
def batch(tensflo_cmd, stall_site: Path, tmp_path: Path) -> Callable[..., tuple[int, dict, str]]:
    """Run `tensflo compile ARGS --json` with the stall plugin; (exit status, report, stderr)."""

    def run(*args: str, cwd: Path = tmp_path) -> tuple[int, dict, str]:
        p: subprocess.CompletedProcess[str] = tensflo_cmd(
            "compile", *args, "--json", "--quiet", cwd=cwd, extra_path=stall_site)
        assert p.returncode in (0, 1), p.stderr
        return p.returncode, json.loads(p.stdout), p.stderr

    return run

