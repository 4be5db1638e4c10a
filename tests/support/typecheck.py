"""Run mypy over the `tensflo` package as it is imported.

The repository root is the package `tensflo` (setup.cfg maps it with `package_dir`), which mypy
cannot follow through the editable install; a temporary folder holding a `tensflo` symlink to the
root gives it the same import names.

    .venv/bin/python tests/support/typecheck.py          # prints mypy's report, exits with its code
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXCLUDE = r"tensflo/(tests|benchmarks|examples|build|\.venv)/"


def run_mypy(cache_dir: str | None = None) -> subprocess.CompletedProcess[str]:
    """mypy over `tensflo` with the configuration in pyproject.toml; its output and exit code."""
    with tempfile.TemporaryDirectory(prefix="tensflo-mypy-") as tmp:
        os.symlink(ROOT, Path(tmp) / "tensflo")
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "--exclude", EXCLUDE, "-p", "tensflo"]
        if cache_dir:
            cmd += ["--cache-dir", cache_dir]
        return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)


if __name__ == "__main__":
    done = run_mypy(os.environ.get("MYPY_CACHE_DIR", "/tmp/tensflo-mypy-cache"))
    sys.stdout.write(done.stdout + done.stderr)
    sys.exit(done.returncode)
