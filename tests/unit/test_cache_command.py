"""`tensflo cache info|clear`: each on-disk cache with its files and size, and removing them."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def caches(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSFLO_CACHE_DIR", str(tmp_path / "tensflo"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    native = tmp_path / "xdg" / "tensflo" / "native"
    native.mkdir(parents=True)
    (native / "a.bin").write_bytes(b"x" * 3000)
    (native / "b.bin").write_bytes(b"y" * 100)
    return tmp_path


def test_info_lists_each_cache_with_files_and_bytes(caches, cli):
    code, out, _ = cli("cache", "info", "--json")
    assert code == 0
    found = {item["name"]: item for item in json.loads(out)}
    assert set(found) == {"plugins", "headers", "native", "llm"}
    assert (found["native"]["files"], found["native"]["bytes"]) == (2, 3100)
    assert found["plugins"]["path"] == str(caches / "tensflo" / "plugins.json")
    assert (found["llm"]["files"], found["llm"]["bytes"]) == (0, 0)
    code, out, _ = cli("cache", "info")
    assert code == 0 and "3.0 KB" in out.splitlines()[3]


def test_clear_removes_the_named_caches_only(caches, cli):
    cli("targets")  # writes the plugin manifests
    assert (caches / "tensflo" / "plugins.json").is_file()
    code, out, _ = cli("cache", "clear", "native")
    assert code == 0 and out.startswith("cleared native: 2 files, 3.0 KB")
    assert not (caches / "xdg" / "tensflo" / "native").exists()
    assert (caches / "tensflo" / "plugins.json").is_file()
    code, out, _ = cli("cache", "clear")
    assert code == 0 and "cleared plugins: 1 file" in out


def test_an_unknown_cache_is_a_usage_error(caches, cli):
    code, out, err = cli("cache", "clear", "everything")
    assert code == 2 and out == ""
    assert err == "tensflo: error: unknown cache 'everything' (caches: plugins, headers, native, llm)\n"
