"""A third-party distribution adds a target with its own per-op table, touching no tensflo file.

The distribution (tests/third_party_target, `tfx-npx 1.0`) is built and installed by pip into a
folder of its own; the test lists every file the install wrote and checks that tensflo's tree is
unchanged, then uses the target through the command line.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests" / "third_party_target"
SKIP_DIRS = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache",
             ".mypy_cache", ".import_linter_cache", "build"}


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> content hash of every file under `root` (caches and the venv left out)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = hashlib.sha1(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def npx_site(tmp_path_factory) -> tuple[Path, list[str], dict[str, str], dict[str, str]]:
    """The folder pip installed tfx-npx into, the files it wrote, and tensflo's tree before/after."""
    tmp = tmp_path_factory.mktemp("npx")
    src, site = tmp / "src", tmp / "site"
    shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns("__pycache__"))
    before = tree_digest(ROOT)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--no-index", "--target", str(site), str(src)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    after = tree_digest(ROOT)
    written = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    return site, written, before, after


def tensflo(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "tensflo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)


def test_the_install_touches_only_its_package_and_metadata(npx_site):
    _, written, before, after = npx_site
    assert written, "pip wrote nothing"
    outside = [f for f in written if f.split("/")[0] not in ("tfx_npx", "tfx_npx-1.0.dist-info")]
    assert not outside, f"files outside the plugin's package and metadata: {outside}"
    assert "tfx_npx/__init__.py" in written
    assert "tfx_npx-1.0.dist-info/entry_points.txt" in written
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the install changed tensflo's tree: {changed}"


def test_the_new_target_renders_with_its_own_entries(npx_site):
    site = npx_site[0]
    done = tensflo(site, "render", "examples/dot.tensir", "--target", "npx")
    assert done.returncode == 0, done.stderr
    assert "np.add.reduce(" in done.stdout and "np.sum(" not in done.stdout
    namespace: dict[str, object] = {}
    exec(compile(done.stdout, "npx_dot.py", "exec"), namespace)
    a, b = np.array([1, -2, 3]), np.array([4, 5, -6])
    assert namespace["dot"](a, b) == int(np.dot(a, b))
    listed = tensflo(site, "targets")
    assert "npx" in listed.stdout
    ops = tensflo(site, "ops", "reduce_sum", "--json")
    assert '"npx"' in ops.stdout


def test_the_new_target_refuses_what_its_table_refuses(npx_site, tmp_path):
    site = npx_site[0]
    source = tmp_path / "t3.tensir"
    source.write_text("def add3(a: tensor3d[int], b: tensor3d[int]) -> tensor3d[int] =\n"
                      "    tensor3d_elemwise_add(a, b)\n")
    done = tensflo(site, "render", str(source), "--target", "npx")
    assert done.returncode == 2
    assert "tensor3d_elemwise_add" in done.stderr and "Traceback" not in done.stderr
