"""The C and C++ frontends' precompiled-header cache: a parse with it reads the same functions as
a full parse, and a changed header, changed flags or a broken cache file make it rebuild."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from clang import cindex

from tensflo.plugins import header_cache
from tensflo.plugins.c_family import clang_flags
from tensflo.plugins.cpp_frontend import parse_cpp

KERNELS = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "cpp"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSFLO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / header_cache.SUBDIR


@pytest.fixture
def builds(monkeypatch):
    """The number of PCH builds so far (a list holding one count)."""
    count = [0]
    build = header_cache._build

    def counted(*args, **kwargs):
        count[0] += 1
        return build(*args, **kwargs)

    monkeypatch.setattr(header_cache, "_build", counted)
    return count


def manifests(cache: Path) -> list[Path]:
    return [p for p in cache.glob("*.json") if p.name != "compilers.json"]


def full_parse(path, text, flags, monkeypatch, language="c++"):
    with monkeypatch.context() as m:
        m.setattr(header_cache, "parse", lambda *a: None)
        return parse_cpp(path, text, flags, language=language)


def test_split_prefix_keeps_lines_and_stops_at_other_code():
    text = "// c\n#include <vector>\n\n#include <cmath> // m\nint f();\n#include <map>\n"
    prefix, rest = header_cache.split_prefix(text)
    assert prefix == "#include <vector>\n#include <cmath>\n"
    assert rest == "\n\n\n\nint f();\n#include <map>\n"
    assert rest.count("\n") == text.count("\n")
    assert header_cache.split_prefix('#include "a.h"\n#include <vector>\n') is None
    assert header_cache.split_prefix("#define X 1\n#include <vector>\n") is None
    assert header_cache.split_prefix("// a \\\n#include <vector>\n") is None
    text = "/* a\n#include <map>\n */\n/* b */\n#include <stdint.h>\nint x; /* c */\n"
    prefix, rest = header_cache.split_prefix(text)
    assert prefix == "#include <stdint.h>\n" and rest == "\n" * 5 + "int x; /* c */\n"
    assert header_cache.split_prefix("/* a */ int x;\n#include <vector>\n") is None


MANY = """// several standard headers
#include <vector>
#include <algorithm>
#include <climits>

#include <cmath>
int top(const std::vector<int>& x, int n) {
    int best = INT_MIN;
    for (int i = 0; i < n; i++) { best = std::max(best, std::abs(x[i])); }
    return best;
}
"""


@pytest.mark.parametrize("name", ["dot.cc", "gemv.cc", "axpy.cc", "many.cc",
                                  "../c/add_saturate_i16.c", "../c/log_sum_exp.c"])
def test_cold_and_warm_parses_equal_the_full_parse(name, tmp_path, cache, builds, monkeypatch):
    if name == "many.cc":
        (tmp_path / name).write_text(MANY)
        path = str(tmp_path / name)
    else:
        path = str((KERNELS / name).resolve())
    text = Path(path).read_text()
    language = "c" if name.endswith(".c") else "c++"
    flags = clang_flags(language)

    def parse_cpp(path, text, flags):
        from tensflo.plugins.cpp_frontend import parse_cpp

        return parse_cpp(path, text, flags, language=language)

    full = full_parse(path, text, flags, monkeypatch, language)
    cold = parse_cpp(path, text, flags)
    assert builds[0] == 1 and len(list(cache.glob("*.pch"))) == 1
    warm = parse_cpp(path, text, flags)
    assert builds[0] == 1  # the PCH was used, not rebuilt
    assert header_cache.parse(cindex.Index.create(), path, text, list(flags)) is not None
    assert full.functions or full.rejected  # rejections (with their line:col) must agree too
    assert cold == full and warm == full


def write_lib(folder: Path, scale: int) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "scale.h").write_text(f"#define SCALE {scale}\n")


SOURCE = "#include <vector>\n#include <scale.h>\n\nint f(int x) { return x * SCALE; }\n"


def scale_of(module) -> int:
    from tensflo.ir.loop import run

    return run(module, "f", [1])


def test_a_touched_header_or_new_flags_rebuild(tmp_path, cache, builds, monkeypatch):
    lib = tmp_path / "lib"
    write_lib(lib, 2)
    flags = clang_flags("c++", include=[str(lib)])
    path = str(tmp_path / "k.cc")
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 2
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 2 and builds[0] == 1
    write_lib(lib, 3)
    stamp = os.stat(lib / "scale.h").st_mtime_ns
    os.utime(lib / "scale.h", ns=(stamp + 10**9, stamp + 10**9))
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 3 and builds[0] == 2
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 3 and builds[0] == 2
    defined = clang_flags("c++", include=[str(lib)], define=["NDEBUG"])
    assert scale_of(parse_cpp(path, SOURCE, defined)) == 3 and builds[0] == 3
    assert len(list(manifests(cache))) == 2  # one PCH per set of flags


def test_a_header_found_first_in_a_new_place_rebuilds(tmp_path, cache, builds):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    write_lib(second, 2)
    flags = clang_flags("c++", include=[str(first), str(second)])
    path = str(tmp_path / "k.cc")
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 2
    write_lib(first, 5)  # now shadows second/scale.h
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 5 and builds[0] == 2


def test_a_corrupt_cache_is_never_trusted(tmp_path, cache, builds):
    lib = tmp_path / "lib"
    write_lib(lib, 7)
    flags = clang_flags("c++", include=[str(lib)])
    path = str(tmp_path / "k.cc")
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 7
    (pch,) = cache.glob("*.pch")
    pch.write_bytes(b"\0" * pch.stat().st_size)  # same size, garbage
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 7  # the full parse
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 7 and builds[0] == 2  # rebuilt
    (manifest,) = manifests(cache)
    manifest.write_text("{not json")
    assert scale_of(parse_cpp(path, SOURCE, flags)) == 7 and builds[0] == 3
    json.loads(manifest.read_text())


def test_a_compile_error_is_reported_as_without_the_cache(tmp_path, cache, monkeypatch):
    from tensflo.ir.loop import LoopIRError

    text = "#include <vector>\n\nint f(int x) { return y; }\n"
    path = str(tmp_path / "bad.cc")
    with pytest.raises(LoopIRError) as cached:
        parse_cpp(path, text, clang_flags("c++"))
    with pytest.raises(LoopIRError) as full:
        full_parse(path, text, clang_flags("c++"), monkeypatch)
    assert str(cached.value) == str(full.value) and ":3:" in str(cached.value)


def test_the_compilers_include_directories_are_asked_once(tmp_path, cache):
    compiler = tmp_path / "cc"
    compiler.write_text("#!/bin/sh\n")
    include = tmp_path / "include"
    include.mkdir()
    asked = []

    def ask():
        asked.append(1)
        return (str(include),)

    assert header_cache.remembered(str(compiler), "c", ask) == (str(include),)
    assert header_cache.remembered(str(compiler), "c", ask) == (str(include),)
    assert len(asked) == 1
    assert header_cache.remembered(str(compiler), "c++", ask) and len(asked) == 2
    compiler.write_text("#!/bin/sh\n# a new version\n")
    assert header_cache.remembered(str(compiler), "c", ask) and len(asked) == 3
    include.rmdir()
    assert header_cache.remembered(str(compiler), "c", ask) and len(asked) == 4


RACE = """
import sys
from tensflo.plugins.c_family import clang_flags
from tensflo.plugins.cpp_frontend import parse_cpp
path = sys.argv[1]
for _ in range(3):
    module = parse_cpp(path, open(path).read(), clang_flags("c++"))
    print(repr(module.functions))
"""


def test_processes_building_the_cache_at_once_all_read_the_same(tmp_path, cache):
    import subprocess
    import sys

    path = str(KERNELS / "gemv.cc")
    env = {**os.environ, "TENSFLO_CACHE_DIR": str(cache.parent)}
    procs = [subprocess.Popen([sys.executable, "-c", RACE, path], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    expected = repr(parse_cpp(path, Path(path).read_text(), clang_flags("c++")).functions)
    assert all(out.splitlines() == [expected] * 3 for out, _ in outputs)
    assert len(list(manifests(cache))) == 1 and not list(cache.glob(".*.tmp"))


def test_a_native_signature_is_read_the_same_with_the_cache(cache, builds, monkeypatch):
    from tensflo.plugins.c_family import function_signature

    path, flags = str(KERNELS / "axpy.cc"), clang_flags("c++")
    cached = function_signature(path, "axpy", flags)
    assert builds[0] == 1 and function_signature(path, "axpy", flags) == cached
    monkeypatch.setattr(header_cache, "parse", lambda *a: None)
    assert function_signature(path, "axpy", flags) == cached
    assert any(p.vector for p in cached.params)


def test_the_least_recently_used_pchs_are_evicted(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(header_cache, "MAX_ENTRIES", 2)
    path = str(tmp_path / "k.cc")
    text = "#include <climits>\nint f(int x) { return x < INT_MAX ? x : 0; }\n"
    flag_sets = [clang_flags("c++", define=[f"V{i}"]) for i in range(3)]
    for flags in flag_sets[:2]:
        parse_cpp(path, text, flags)
    first = header_cache.cache_key("#include <climits>\n", flag_sets[0])
    second = header_cache.cache_key("#include <climits>\n", flag_sets[1])
    os.utime(cache / f"{first}.json", ns=(1, 1))  # both long unused, the first for longer
    os.utime(cache / f"{second}.json", ns=(2, 2))
    parse_cpp(path, text, flag_sets[0])  # the first is used again: now the second is the oldest
    parse_cpp(path, text, flag_sets[2])
    names = {p.stem for p in manifests(cache)}
    assert first in names and second not in names and len(names) == 2
    assert not list(cache.glob(f"{second}.*"))
