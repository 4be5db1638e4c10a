"""A compile imports only what it uses: with the plugin manifests known (a second run), a C++
compile does not import the Python frontend, a Python compile not the C++ one, and neither loads
lark (the TensIR text parser), the llvm target's code generator or multiprocessing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels"
WATCHED = ["tensflo.plugins.python_frontend", "tensflo.plugins.cpp_frontend", "lark",
           "tensflo.targets.llvm.codegen", "multiprocessing"]
SCRIPT = """
import json, sys
from tensflo.compiler.cli import main
assert main(sys.argv[2:]) == 0
print(json.dumps({m: m in sys.modules for m in json.loads(sys.argv[1])}), file=sys.stderr)
"""


def imported(tmp_path: Path, source: Path, function: str) -> dict[str, bool]:
    env = {**os.environ, "TENSFLO_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-c", SCRIPT, json.dumps(WATCHED)]
    done = subprocess.run([*argv, "compile", str(source), "--function", function, "--target",
                           "numpy"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("source, function, frontend, other", [
    (KERNELS / "cpp" / "dot.cc", "dot", "cpp", "python"),
    (KERNELS / "python" / "axpy.py", "axpy", "python", "cpp"),
])
def test_a_compile_imports_one_frontend(tmp_path, source, function, frontend, other):
    imported(tmp_path, source, function)  # records the plugin manifests
    found = imported(tmp_path, source, function)
    assert found[f"tensflo.plugins.{frontend}_frontend"]
    assert not found[f"tensflo.plugins.{other}_frontend"]
    assert not any(found[m] for m in ("lark", "tensflo.targets.llvm.codegen", "multiprocessing"))
