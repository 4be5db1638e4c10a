"""The `c` frontend (the C++ reader in C mode) and the `-I`, `-D`, `-std` flags of the C and C++
frontends, through the Python API and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tensflo
from tensflo.plugins.c_family import clang_flags
from tensflo.plugins.c_frontend import CFrontend
from tensflo.plugins.errors import UsageError

SCALAR_LOOP = """int mul(int a, int n) {
    int i, s = 0;
    for (i = 0; i < n; i++) s += a;
    return s;
}
"""

PROJECT = """#include <limits.h>
#include "proj.h"
#ifndef N
#define N 2
#endif
int times_n(int x) { return x * N + PROJ_OFFSET; }
int first(const int *a, int n) { return *(a + n); }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "proj.h").write_text("#define PROJ_OFFSET 7\ntypedef int idx_t;\n")
    (tmp_path / "k.c").write_text(PROJECT)
    return tmp_path


def test_a_c_file_with_a_scalar_loop_lifts_with_a_proof(tmp_path: Path) -> None:
    src = tmp_path / "mul.c"
    src.write_text(SCALAR_LOOP)
    module = CFrontend().parse(str(src), SCALAR_LOOP)
    assert module.lang == "cpp" and [f.lang for f in module.functions] == ["cpp"]
    result = tensflo.compile(str(src), "mul", synth="none", timeout=60)
    assert (result.status, result.proof, result.tensir) == ("lifted", "unbounded", "max(n, 0) * a")


def test_c_division_truncates_as_in_cpp(tmp_path: Path) -> None:
    from tensflo.ir.loop import run

    module = CFrontend().parse("d.c", "int f(int a, int b) { return a / b + 100 * (a % b); }\n")
    assert run(module, "f", [-7, 2]) == -3 + 100 * -1


def test_pointer_arithmetic_is_refused_naming_it_with_its_position(
        project: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("lift", str(project / "k.c"), "--function", "first", "-I",
                    str(project / "include"), "--json", "--synth", "none", "-q")
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    (diag,) = out["diagnostics"]
    assert (diag["file"], diag["line"], diag["col"]) == (str(project / "k.c"), 7, 43)
    assert diag["message"] == "unsupported: pointer arithmetic (`*` of 'a + n')"


def test_define_changes_a_constant(project: Path) -> None:
    include = ("include", (str(project / "include"),))
    plain = tensflo.compile(str(project / "k.c"), "times_n", synth="none", frontend_options=(include,))
    four = tensflo.compile(str(project / "k.c"), "times_n", synth="none",
                           frontend_options=(include, ("define", ("N=4",))))
    assert (plain.tensir, four.tensir) == ("x * 2 + 7", "x * 4 + 7")
    assert four.proof == "unbounded"


def test_include_finds_a_project_header_from_the_command(project: Path, tensflo_cmd) -> None:
    src = str(project / "k.c")
    missing = tensflo_cmd("lift", src, "--function", "times_n", "-q")
    assert missing.returncode == 2 and missing.stderr.startswith(
        f"{src}:2:10: error: does not compile: 'proj.h' file not found\n"
        f"#include \"proj.h\"\n         ^\n"), missing.stderr
    found = tensflo_cmd("lift", src, "--function", "times_n", "-I", str(project / "include"),
                        "-D", "N=4", "-std=gnu99", "--json", "-q")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["tensir"] == "x * 4 + 7"


def test_batch_compile_reads_c_files_with_the_flags(project: Path, tensflo_cmd,
                                                    tmp_path: Path) -> None:
    p = tensflo_cmd("compile", str(project), "-I", str(project / "include"), "--synth", "none",
                    "--no-cache", "-q", "--json", "-o", str(tmp_path / "out"))
    report = json.loads(p.stdout)
    rows = {(Path(r["file"]).name, r["function"]): r["status"] for r in report["functions"]}
    assert rows[("k.c", "times_n")] == "lifted" and rows[("k.c", "first")] == "not_lifted"
    assert report["totals"]["error"] == 0  # include/proj.h, read as C, defines no function


def test_bad_flags_are_usage_errors(project: Path, tensflo_cmd) -> None:
    p = tensflo_cmd("lift", str(project / "k.c"), "-std=fortran77", "-q")
    assert p.returncode == 2 and "-std=fortran77 is not a C or C++ standard" in p.stderr
    with pytest.raises(UsageError, match="expected NAME or NAME=VALUE"):
        CFrontend().configure(define=["1BAD"])


def test_std_goes_to_the_language_it_names() -> None:
    assert clang_flags("c", std="c99")[:3] == ("-x", "c", "-std=c99")
    assert clang_flags("c++", std="c99")[:3] == ("-x", "c++", "-std=c++17")
    assert clang_flags("c++", std="gnu++20")[:3] == ("-x", "c++", "-std=gnu++20")
    assert clang_flags("c", define=["N=4"], include=["inc"])[3:7] == ("-I", "inc", "-DN=4", "-isystem")


def test_a_cpp_header_still_reads_as_cpp(tmp_path: Path) -> None:
    text = "#include <vector>\nint total(const std::vector<int>& v) { int s = 0;\n" \
           "  for (int i = 0; i < (int)v.size(); i++) s += v[i];\n  return s; }\n"
    module = CFrontend().parse(str(tmp_path / "v.h"), text)
    assert [f.name for f in module.functions] == ["total"]
    with pytest.raises(Exception, match="does not compile"):
        CFrontend().parse(str(tmp_path / "v.c"), text)
