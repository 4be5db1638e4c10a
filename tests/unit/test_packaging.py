"""One import namespace (`tensflo`), every package listed, and a wheel that works on its own."""

from __future__ import annotations

import configparser
import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

MAPPED = {"ir": "tensflo.ir", "compiler": "tensflo.compiler", "plugins": "tensflo.plugins",
          "targets": "tensflo.targets"}


def _setup_cfg(repo: Path) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(repo / "setup.cfg")
    return cfg


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.strip().splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["ir", "compiler", "plugins", "targets"])
def test_top_level_folders_are_not_importable_on_their_own(tmp_path, name):
    result = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


def test_every_package_is_listed_in_setup_cfg(repo):
    cfg = _setup_cfg(repo)
    listed = set(_lines(cfg["options"]["packages"]))
    mapping = dict(line.split(" = ") for line in _lines(cfg["options"]["package_dir"]))
    assert mapping == {"tensflo": ".", **{pkg: folder for folder, pkg in MAPPED.items()}}
    found = {"tensflo"}
    for folder, package in MAPPED.items():
        for init in sorted((repo / folder).rglob("__init__.py")):
            rel = init.parent.relative_to(repo / folder)
            found.add(".".join([package, *rel.parts]))
    assert found == listed, "setup.cfg [options] packages must list exactly the packages on disk"


def test_installed_entry_points_match_setup_cfg(repo):
    cfg = _setup_cfg(repo)
    declared = dict(line.split(" = ") for line in _lines(cfg["options.entry_points"]["tensflo"]))
    installed = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="tensflo")
                 if ep.dist is not None and ep.dist.metadata["Name"] == "tensflo"}
    assert installed == declared, "the installed metadata is stale: run `.venv/bin/pip install -e .`"
    for module in declared.values():
        folder, *rest = module.split(".")[1:]
        assert folder in MAPPED and (repo / folder / Path(*rest)).with_suffix(".py").exists()


def test_wheel_installs_and_runs_without_the_source_tree(repo, tmp_path):
    """Build a wheel from a copy of the sources, install it alone, run the command from it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md", "__init__.py", "__main__.py"):
        shutil.copy(repo / name, src / name)
    for folder in MAPPED:
        shutil.copytree(repo / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
         str(src)], capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("tensflo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tensflo/ir/tensir/tensir.lark" in names
    assert "tensflo/compiler/cli.py" in names and "tensflo/__main__.py" in names
    assert not any(n.startswith(("ir/", "compiler/", "tests/")) for n in names)

    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
         str(wheel)], capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", None)
    where = subprocess.run(
        [sys.executable, "-c", "import tensflo; print(tensflo.__file__)"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert where.stdout.strip() == str(site / "tensflo" / "__init__.py")
    run = subprocess.run(
        [sys.executable, "-m", "tensflo", "plugins"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "entry point solvers = tensflo.plugins.solvers" in run.stdout


def test_the_runtime_imports_no_test_support_and_ships_the_license(repo):
    """The scripted LLM server lives in tests/support (not in the installed packages); LICENSE
    holds the Apache-2.0 text setup.cfg declares."""
    for folder in MAPPED:
        for path in (repo / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "tensflo.tests" not in text and "testserver" not in text, path
    assert not (repo / "plugins" / "llm" / "testserver.py").exists()
    assert (repo / "tests" / "support" / "llm_server.py").exists()
    assert _setup_cfg(repo)["metadata"]["license"] == "Apache-2.0"
    license_text = (repo / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
