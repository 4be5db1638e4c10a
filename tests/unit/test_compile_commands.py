"""`-p DIR`: each C file read with the flags of its own `compile_commands.json` entry, headers read
as part of a file that includes them (each function once), clear errors for a bad database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tensflo.compiler.batch.compile_db import frontend_options, load, merged
from tensflo.plugins.errors import UsageError

HEADER = """#ifndef VEC_H
#define VEC_H
typedef int elem_t;
static inline elem_t vsum(const elem_t *x, int n) {
    elem_t s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}
#endif
"""

SOURCE = """#include "vec.h"
int weighted(const elem_t *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
#ifdef SQUARE
        s += a[i] * a[i];
#else
        s += WEIGHT * a[i];
#endif
    }
    return s;
}
"""

LONELY = """static inline int offset_of(int x) { return x + OFFSET; }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """src/a.c (WEIGHT=3), src/b.c (SQUARE) both include include/vec.h; include/lonely.h is
    included by nobody and needs the project's -DOFFSET; build/compile_commands.json."""
    for d in ("include", "src", "build"):
        (tmp_path / d).mkdir()
    (tmp_path / "include" / "vec.h").write_text(HEADER)
    (tmp_path / "include" / "lonely.h").write_text(LONELY)
    (tmp_path / "src" / "a.c").write_text(SOURCE)
    (tmp_path / "src" / "b.c").write_text(SOURCE.replace("weighted", "squares"))
    build = tmp_path / "build"
    db = [
        {"directory": str(build), "file": "../src/a.c",
         "arguments": ["cc", "-I../include", "-DWEIGHT=3", "-DOFFSET=9", "-std=c99", "-O2", "-c",
                       "../src/a.c", "-o", "a.o"]},
        {"directory": str(build), "file": str(tmp_path / "src" / "b.c"),
         "command": f"cc -I {tmp_path / 'include'} -D SQUARE -DOFFSET=9 -Wall -c "
                    f"{tmp_path / 'src' / 'b.c'}"},
    ]
    (build / "compile_commands.json").write_text(json.dumps(db, indent=1))
    return tmp_path


def _batch(tensflo_cmd, project: Path, *extra: str) -> tuple[int, dict, str]:
    p = tensflo_cmd("compile", str(project / "src"), str(project / "include"), "-p",
                    str(project / "build"), "--synth", "none", "--no-cache", "-j", "1", "-q",
                    "--json", *extra)
    return p.returncode, json.loads(p.stdout) if p.stdout else {}, p.stderr


def test_each_file_gets_its_own_flags_and_headers_are_read_once_via_an_includer(
        project: Path, tensflo_cmd) -> None:
    code, report, err = _batch(tensflo_cmd, project)
    assert code == 0, err
    rows = {(Path(r["file"]).name, r["function"]): r for r in report["functions"]}
    assert sorted(rows) == [("a.c", "weighted"), ("b.c", "squares"), ("lonely.h", "offset_of"),
                            ("vec.h", "vsum")]  # vsum once, though two files include vec.h
    assert rows[("a.c", "weighted")]["tensir"] == "reduce_sum(vec_scalar_mul(a[:n], 3))"
    assert rows[("b.c", "squares")]["tensir"] == "reduce_sum(vec_map(a[:n], lambda e: e * e))"
    assert rows[("vec.h", "vsum")]["tensir"] == "reduce_sum(x[:n])"
    assert rows[("vec.h", "vsum")]["file"] == str(project / "include" / "vec.h")
    assert rows[("lonely.h", "offset_of")]["tensir"] == "x + 9"  # alone, with the project's -D
    assert all(r["status"] == "lifted" and r["proof"] == "unbounded" for r in rows.values())


def test_without_the_database_the_header_and_the_sources_do_not_compile(
        project: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("compile", str(project / "src"), "--synth", "none", "--no-cache", "-j", "1",
                    "-q", "--json")
    report = json.loads(p.stdout)
    assert report["totals"]["error"] == 2 and report["totals"]["lifted"] == 0


def test_a_define_on_the_command_line_goes_after_the_entry(project: Path, tensflo_cmd) -> None:
    src = str(project / "src" / "a.c")
    p = tensflo_cmd("lift", src, "-p", str(project / "build"), "-D", "SQUARE", "--json", "-q",
                    "--synth", "none")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["tensir"] == "reduce_sum(vec_map(a[:n], lambda e: e * e))"


def test_one_header_is_read_in_its_includer_from_lift(project: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("lift", str(project / "include" / "vec.h"), "-p", str(project / "build"),
                    "--json", "-q", "--synth", "none")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["function"], out["tensir"], out["proof"]) == ("vsum", "reduce_sum(x[:n])",
                                                             "unbounded")


def test_malformed_json_is_a_usage_error_at_its_line_and_column(
        project: Path, tensflo_cmd) -> None:
    bad = project / "build" / "compile_commands.json"
    bad.write_text('[\n  {"directory": "/x",\n   "file": "a.c",}\n]\n')
    p = tensflo_cmd("compile", str(project / "src"), "-p", str(project / "build"), "-q")
    assert p.returncode == 2
    first, source, caret = p.stderr.splitlines()
    assert first.startswith(f"{bad}:3:18: error: malformed JSON: Expecting property name"), first
    assert (source, caret) == ('   "file": "a.c",}', " " * 17 + "^")
    assert "Traceback" not in p.stderr


def test_missing_and_malformed_databases(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"-p .*: no compile_commands.json there \(cmake"):
        load(str(tmp_path))
    db = tmp_path / "compile_commands.json"
    cases = {
        '{"file": "a.c"}': r":1:1: expected a list of entries",
        '[{"directory": "/b"}]': r":1:1: entry 0: no 'file' string",
        '[\n{"directory": "/b", "file": "a.c"}]': r":2:1: entry 0: neither 'arguments'",
        '[{"directory": "/b", "file": "a.c", "command": "cc -I"}]': r"entry 0: -I without a value",
        '[{"directory": "b", "file": "a.c", "arguments": []}]': r"must be an absolute path",
    }
    for text, message in cases.items():
        db.write_text(text)
        with pytest.raises(UsageError, match=message):
            load(str(tmp_path))


def test_flags_joined_or_separate_and_relative_paths() -> None:
    opts = dict(frontend_options(
        ["-Iinc", "-I", "../up", "-isystem", "sys", "-iquote", "q", "-DA=1", "-D", "B",
         "-UC", "-include", "cfg.h", "-std=gnu99", "-O2", "-Wall", "-o", "x.o", "-c", "a.c"],
        "/work/b"))
    assert opts == {"include": ("/work/b/inc", "/work/up"), "isystem": ("/work/b/sys",),
                    "iquote": ("/work/b/q",), "define": ("A=1", "B"), "undefine": ("C",),
                    "preinclude": ("/work/b/cfg.h",), "std": "gnu99"}
    assert dict(merged(tuple(opts.items()), (("define", ("Z",)), ("std", "c11")))) == {
        **opts, "define": ("A=1", "B", "Z"), "std": "c11"}


def test_without_the_database_a_header_is_still_read_through_its_includer(
        project: Path, tensflo_cmd) -> None:
    (project / "include" / "vec.h").write_text(HEADER.replace("typedef int elem_t;\n", ""))
    (project / "src" / "c.c").write_text("typedef int elem_t;\n#include \"vec.h\"\n")
    p = tensflo_cmd("compile", str(project / "src" / "c.c"), str(project / "include" / "vec.h"),
                    "-I", str(project / "include"), "--synth", "none", "--no-cache", "-j", "1",
                    "-q", "--json")
    rows = {(Path(r["file"]).name, r["function"]): r for r in json.loads(p.stdout)["functions"]}
    assert list(rows) == [("vec.h", "vsum")]  # elem_t comes from c.c, before the #include
    assert rows[("vec.h", "vsum")]["tensir"] == "reduce_sum(x[:n])"


def test_include_files_and_undefines_reach_the_parser(tmp_path: Path) -> None:
    import tensflo

    (tmp_path / "config.h").write_text("#define FACTOR 6\n")
    src = tmp_path / "k.c"
    src.write_text("#ifdef DROP\n#error dropped\n#endif\nint times(int x) { return FACTOR * x; }\n")
    db = [{"directory": str(tmp_path), "file": "k.c",  # -U after -D: DROP is not defined
           "arguments": ["cc", "-include", "config.h", "-DDROP=1", "-DKEEP", "-UDROP", "-c", "k.c"]}]
    (tmp_path / "compile_commands.json").write_text(json.dumps(db))
    options = load(str(tmp_path)).options_for(str(src))
    assert dict(options)["preinclude"] == (str(tmp_path / "config.h"),)
    assert dict(options)["std"] == "gnu17"  # no -std in the entry: the compiler's default
    assert (dict(options)["define"], dict(options)["undefine"]) == (("KEEP",), ("DROP",))
    result = tensflo.compile(str(src), "times", synth="none", frontend_options=options)
    assert (result.status, result.tensir) == ("lifted", "6 * x")
