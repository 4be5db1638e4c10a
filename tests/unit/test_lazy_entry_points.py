"""The plugin entry points are listed without importing `importlib.metadata` and agree with it:
the same entry points, values, distributions and versions in the same order, a distribution seen
twice on `sys.path` counted once, the first; where the listing could differ (a zip on the path)
`importlib.metadata` itself answers."""

from __future__ import annotations

import importlib.metadata
import sys
import zipfile

from tensflo.plugins.entry_points import EntryPoint, entry_points


def _theirs(group: str) -> list[tuple[str, str, str, str]]:
    return [(ep.name, ep.value, ep.dist.metadata["Name"], ep.dist.version)
            for ep in importlib.metadata.entry_points(group=group)]


def _ours(group: str) -> list[tuple[str | None, ...]]:
    return [(ep.name, ep.value, ep.dist_name, ep.dist_version) for ep in entry_points(group)]


def test_the_installed_entry_points_agree_with_importlib_metadata():
    for group in ("tensflo", "console_scripts", "pytest11"):
        assert _ours(group) == _theirs(group), group
    assert any(name == "numpy" and dist == "tensflo" for name, _, dist, _ in _ours("tensflo"))


def test_extra_distributions_in_path_order_the_first_of_a_name_wins(tmp_path, monkeypatch,
                                                                      make_distribution):
    first = make_distribution(tmp_path / "a", "Zed_Plugin", "2.0", {}, {"zed": "zed_mod:Z.attr"})
    make_distribution(tmp_path / "b", "zed-plugin", "1.0", {}, {"old": "zed_old"})  # shadowed
    make_distribution(tmp_path / "b", "alpha.plugin", "0.3", {},
                      {"al": "alpha_mod [extra]", "be": "beta_mod:thing"})
    (first / "broken-1.0.dist-info").mkdir()  # no entry_points.txt, no METADATA: skipped
    monkeypatch.syspath_prepend(str(tmp_path / "b"))
    monkeypatch.syspath_prepend(str(first))
    ours = _ours("tensflo")
    assert ours == _theirs("tensflo")
    assert ("zed", "zed_mod:Z.attr", "Zed_Plugin", "2.0") in ours
    assert not any(name == "old" for name, *_ in ours)
    assert ("al", "alpha_mod [extra]", "alpha.plugin", "0.3") in ours


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\n"
                                                    "Version: 1.0\n")
        z.writestr("zipped-1.0.dist-info/entry_points.txt", "[tensflo]\nzip = zipped_mod\n")
    monkeypatch.syspath_prepend(str(archive))
    ours = _ours("tensflo")
    assert ours == _theirs("tensflo")
    assert ("zip", "zipped_mod", "zipped", "1.0") in ours


def test_an_entry_point_loads_the_object_its_value_names(tmp_path, monkeypatch):
    (tmp_path / "ep_target_mod.py").write_text("class Z:\n    attr = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        ep = EntryPoint("z", "ep_target_mod:Z.attr [extra]", "tensflo", "d", "1")
        assert ep.module == "ep_target_mod" and ep.load() == 42
        assert EntryPoint("m", "ep_target_mod", "tensflo", "d", "1").load().Z.attr == 42
    finally:
        sys.modules.pop("ep_target_mod", None)
