"""A compile imports only what it uses: with the plugin manifests known (a second run), a C++
compile does not import the Python frontend, a Python compile not the C++ one, and neither loads
lark (the TensIR text parser), the llvm target's code generator or multiprocessing. The core
commands import nothing outside the hard dependencies (and, listing every plugin, the optional
packages that are installed)."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tensflo.plugins.errors import EXTRAS

REPO = Path(__file__).resolve().parents[2]
KERNELS = REPO / "benchmarks" / "kernels"
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


CLOSURE = """
import json, sys
before = set(sys.modules)
from tensflo.compiler.cli import main
for argv in json.loads(sys.argv[1]):
    assert main(argv) == 0, argv
tops = {m.split(".")[0] for m in set(sys.modules) - before}
print(json.dumps({m: getattr(sys.modules.get(m), "__file__", None) for m in tops}), file=sys.stderr)
"""


def _hard_closure() -> set[str]:
    """The distributions tensflo needs (install_requires in setup.cfg: the installed metadata
    may be older) and, recursively, what they need (requirements without an environment
    marker)."""
    import configparser
    import re

    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    names = {"tensflo"}
    todo = cfg["options"]["install_requires"].split()
    while todo:
        requirement = todo.pop()
        if ";" in requirement:  # an extra's, or for another Python
            continue
        name = re.split(r"[\s<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        if name not in names:
            names.add(name)
            todo.extend(md.requires(name) or [])
    return names


def _outside(imported: dict[str, str | None], allowed: set[str]) -> dict[str, object]:
    """The top-level modules of `imported` (name -> file) that come neither from the standard
    library nor from a distribution in `allowed`."""
    import sysconfig

    owners = md.packages_distributions()
    stdlib = (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"))
    site = (sysconfig.get_path("purelib"), sysconfig.get_path("platlib"))
    return {m: (owners.get(m), file) for m, file in imported.items()
            if m not in sys.stdlib_module_names and m != "tensflo"
            and not (file and file.startswith(stdlib) and not file.startswith(site))
            and file is not None  # made by an extension module (cython_runtime)
            and not {d.lower().replace("_", "-") for d in owners.get(m, [])} & allowed}


def _imported(tmp_path: Path, commands: list[list[str]]) -> dict[str, str | None]:
    env = {**os.environ, "TENSFLO_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", CLOSURE, json.dumps(commands)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_the_core_commands_import_only_the_hard_dependencies(tmp_path):
    """What a warm `compile --target numpy`, `lift` and `render --target numpy` import comes from
    the standard library, tensflo, and the distributions of install_requires with their own
    requirements; `targets`, `ops`, `plugins` and `--help` import every plugin, so also the
    optional packages that are installed, and nothing else: the commands a fresh environment
    without extras runs (benchmarks/results/slim_install.md; test_extras.py blocks the optional
    packages)."""
    dot = tmp_path / "dot.tensir"
    dot.write_text("def dot(a: vec[int], b: vec[int]) -> int = reduce_sum(vec_elemwise_mul(a, b))\n")
    lifting = [["compile", str(KERNELS / "cpp" / "dot.cc"), "--function", "dot", "--target",
                "numpy", "-q"], ["lift", str(KERNELS / "python" / "axpy.py"), "-q"],
               ["render", str(dot), "--target", "numpy"]]
    _imported(tmp_path, lifting)  # records the plugin manifests
    hard = _hard_closure()
    imported = _imported(tmp_path, lifting)
    assert {"numpy", "z3", "clang", "jinja2"} <= set(imported)
    assert _outside(imported, hard) == {}
    optional = {d.lower().replace("_", "-") for m in EXTRAS
                for d in md.packages_distributions().get(m, [])}
    listed = _imported(tmp_path, [["targets"], ["ops"], ["plugins"]])
    assert _outside(listed, hard | optional) == {}
