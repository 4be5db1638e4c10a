"""mypy over the whole package (tests/support/typecheck.py), and the budget of `type: ignore`."""

from __future__ import annotations

import re
from pathlib import Path

from tensflo.tests.support.typecheck import ROOT, run_mypy

MAX_IGNORES = 20
PACKAGE_DIRS = ("ir", "plugins", "targets", "compiler")


def test_the_package_type_checks(tmp_path):
    done = run_mypy(cache_dir=str(tmp_path / "mypy-cache"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_type_ignores_are_few_and_say_why():
    ignores = [(p, n, line) for d in PACKAGE_DIRS for p in sorted((ROOT / d).rglob("*.py"))
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
               if "type: ignore" in line]
    assert len(ignores) <= MAX_IGNORES
    unexplained = [f"{Path(p).relative_to(ROOT)}:{n}" for p, n, line in ignores
                   if not re.search(r"type: ignore\[[\w-]+(, *[\w-]+)*\]\s+#\s*\S", line)]
    assert not unexplained, f"type: ignore without an error code and a reason: {unexplained}"
