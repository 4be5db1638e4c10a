"""Lazy plugins: the `tensflo` command imports a plugin only when something it provides is used,
remembers what each plugin provides in the user cache, and a plugin that fails to import breaks
only what needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tensflo.compiler.cli import DISABLE_AUTOLOAD_ENV as CLI_ENV
from tensflo.plugins.manager import DISABLE_AUTOLOAD_ENV, load_registry
from tensflo.plugins.plugin_manifest import MANIFEST_FILE, module_file

REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("torch", "jax", "mlx", "httpx", "scipy", "apache_beam")


def _modules_after(argv: list[str], cache: Path, extra_path: Path | None = None) -> dict:
    """Run `tensflo ARGV` in a fresh interpreter; its exit status and the modules it imported."""
    code = (
        "import json, sys\n"
        "from tensflo.compiler.cli import main\n"
        f"status = main({argv!r})\n"
        "sys.stdout.flush()\n"
        "print('\\n' + json.dumps({'status': status, 'modules': sorted(sys.modules)}))\n"
    )
    env = {"TENSFLO_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(cache)}
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result


def test_version_imports_no_plugin_machinery(tmp_path):
    run = _modules_after(["--version"], tmp_path)
    assert run["status"] == 0
    loaded = set(run["modules"])
    assert not loaded & {"pluggy", "numpy", "importlib.metadata", "tensflo.plugins.manager"}


def test_targets_lists_frameworks_without_importing_them(tmp_path):
    _modules_after(["targets"], tmp_path)  # the first run of a command imports every plugin once
    run = _modules_after(["targets"], tmp_path)
    assert run["status"] == 0
    assert not set(run["modules"]) & set(FRAMEWORKS), set(run["modules"]) & set(FRAMEWORKS)


def test_a_command_imports_only_the_plugins_it_uses(tmp_path):
    source = tmp_path / "dot.tensir"
    source.write_text("def dot(a: vec[int], b: vec[int]) -> int = "
                      "reduce_sum(vec_elemwise_mul(a, b))\n")
    first = _modules_after(["render", str(source), "--target", "numpy"], tmp_path)
    assert first["status"] == 0
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())["plugins"]
    assert manifest["numpy"]["components"] == {"target": ["numpy"]}
    assert manifest["z3" if "z3" in manifest else "solvers"]["components"]["verifier"]
    warm = _modules_after(["render", str(source), "--target", "numpy"], tmp_path)
    assert warm["status"] == 0
    loaded = set(warm["modules"])
    assert "tensflo.targets.numpy" in loaded
    for unused in ("tensflo.targets.torch", "tensflo.targets.mlx", "tensflo.plugins.enum_synth",
                   "tensflo.plugins.llm.plugin", "tensflo.plugins.cpp_frontend",
                   "tensflo.targets.gemmini.plugin", "tensflo.compiler.plan.command"):
        assert unused not in loaded, unused


def test_a_broken_plugin_breaks_only_what_needs_it(tmp_path, make_distribution, tensflo_cmd):
    site = make_distribution(tmp_path / "boom", "boom-plugin", "0.1",
                             {"boom_plugin": "raise RuntimeError('boom at import')\n"},
                             {"boom": "boom_plugin"})
    env = {"TENSFLO_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the failure is remembered; the plugin is retried only when needed
        listed = tensflo_cmd("targets", extra_path=site, env=env)
        assert listed.returncode == 0, listed.stderr
        assert "numpy" in listed.stdout
    assert listed.stderr in ("", "tensflo: warning: plugin 'boom' (boom_plugin, boom-plugin 0.1) "
                                 "failed to load: RuntimeError: boom at import\n")
    everything = tensflo_cmd("plugins", extra_path=site, env=env)
    assert everything.returncode == 2
    assert "plugin 'boom' (boom_plugin, boom-plugin 0.1) failed to load" in everything.stderr


def test_a_damaged_manifest_is_ignored(tmp_path):
    (tmp_path / MANIFEST_FILE).write_text("{not json")
    run = _modules_after(["targets"], tmp_path)
    assert run["status"] == 0
    assert json.loads((tmp_path / MANIFEST_FILE).read_text())["format"] == 1


def test_a_stale_manifest_costs_time_not_results(tmp_path):
    """A manifest claiming the numpy plugin provides nothing is keyed by an old stamp: ignored."""
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": 1, "plugins": {
        "numpy": {"stamp": "old", "hooks": [], "components": {}}}}))
    run = _modules_after(["targets"], tmp_path)
    assert run["status"] == 0 and "tensflo.targets.numpy" in run["modules"]


def test_lazy_and_eager_registries_agree(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSFLO_CACHE_DIR", str(tmp_path))
    with load_registry() as eager:
        expected = {kind: sorted(eager.names(kind)) for kind in eager.components}
    for _ in range(2):
        with load_registry(lazy=True) as lazy:
            assert {kind: sorted(lazy.names(kind)) for kind in lazy.components} == expected
            assert list(lazy.plugins) == list(eager.plugins)


def test_module_files_are_found_without_importing(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensflo.compiler.plan.command", raising=False)
    path = module_file("tensflo.compiler.plan.command")
    assert path == REPO / "compiler" / "plan" / "command.py"
    assert "tensflo.compiler.plan.command" not in sys.modules
    assert module_file("no_such_module_here") is None
    assert CLI_ENV == DISABLE_AUTOLOAD_ENV
