"""mypy over the whole package (tests/support/typecheck.py), and the budget of `type: ignore`."""

from __future__ import annotations

import os
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


SNIPPET = '''
from typing import Literal
import tensflo
from tensflo.compiler.outcomes import Proof, Status

r = tensflo.compile("f.py", "f")
reveal_type(r.status)
reveal_type(r.proof)
s: Status = r.status
p: Proof = r.proof
wrong: Literal["lifted"] = r.status
'''


def test_status_and_proof_are_literal_types(tmp_path):
    """mypy sees `status` and `proof` of `tensflo.compile`'s result as literal types: a variable
    of the literal type takes them, a narrower one does not."""
    import subprocess
    import sys

    os.symlink(ROOT, tmp_path / "tensflo")
    (tmp_path / "snippet.py").write_text(SNIPPET)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--follow-imports", "silent", "--cache-dir", str(tmp_path / "cache"), "snippet.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    shown = [line.split("Revealed type is ")[-1] for line in lines[:2]]
    assert shown == [
        "\"Literal['lifted'] | Literal['not_lifted'] | Literal['error']\"",
        "\"Literal['unbounded'] | Literal['bounded'] | Literal['tested'] | Literal['none']\"",
    ], done.stdout
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 1 and "snippet.py:11:" in errors[0], done.stdout


def test_the_literals_name_every_value_a_compile_gives():
    import tensflo
    from tensflo.compiler.outcomes import LEVELS, STATUSES

    kernels = ROOT / "benchmarks" / "kernels"
    results = [tensflo.compile(kernels / "python" / "axpy.py", "axpy"),
               tensflo.compile("def f(x):\n    while x: x = g(x)\n    return x\n",
                               language="python")]
    assert [(r.status, r.proof) for r in results][0] == ("lifted", "unbounded")
    assert all(r.status in STATUSES and r.proof in LEVELS for r in results)
    assert results[1].status != "lifted"
