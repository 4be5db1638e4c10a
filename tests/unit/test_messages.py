"""What the user is told when a function is not lifted: the construct that stopped it, where, and
(in the C++ reader) the other constructs it refused."""

from __future__ import annotations

from pathlib import Path

import tensflo
from tensflo.plugins.cpp_frontend import parse_cpp


def _notes(src: Path, name: str) -> list[str]:
    result = tensflo.compile(str(src), name, synth="none", timeout=30)
    assert result.status == "not_lifted"
    return [f"{d.line}:{d.col}: {d.severity}: {d.message}" for d in result.diagnostics]


def test_an_early_return_of_a_scalar_in_a_loop_is_named_as_such(tmp_path: Path) -> None:
    src = tmp_path / "find.cc"
    src.write_text("""#include <vector>
int find(const std::vector<int>& a, int x) {
    int s = 0;
    for (int i = 0; i < (int)a.size(); i++) {
        s += a[i];
        if (s > x) return i;
    }
    return -1;
}
""")
    assert _notes(src, "find") == [
        "6:20: note: loop-shape rules: an early exit other than a search, `if (c) { ...; break; }` "
        "or `if (c) return e;` as the loop body (after declarations)",
        "2:5: error: find was not lifted",
    ]


def test_an_early_return_of_a_vector_is_still_named_as_such(tmp_path: Path) -> None:
    src = tmp_path / "pick.cc"
    src.write_text("""#include <vector>
std::vector<int> pick(std::vector<int> a, std::vector<int> b, int c) {
    if (c > 0) return a;
    return b;
}
""")
    assert "3:5: note: loop-shape rules: an early `return` of a vector (only scalars can be " \
           "selected)" in _notes(src, "pick")


def test_a_call_of_a_rejected_helper_says_why_the_helper_was_rejected(tmp_path: Path) -> None:
    src = tmp_path / "helper.cc"
    src.write_text("""#include <vector>
int first(const int* p) { return *(p + 1); }
int user(const int* q, int a) { return first(q) + a; }
""")
    assert _notes(src, "user") == [
        "3:40: note: loop-shape rules: call of first, a helper that was rejected (at 2:36: "
        "unsupported: pointer arithmetic (`*` of 'p + 1'))",
        "3:5: error: user was not lifted",
    ]


def test_a_python_helper_rejected_for_its_own_reasons_is_named(tmp_path: Path) -> None:
    src = tmp_path / "helper.py"
    src.write_text("def first(n: int) -> int:\n    for i in range(n):\n        continue\n    return n\n"
                   "\n\ndef user(a: int) -> int:\n    return first(a) + a\n")
    notes = _notes(src, "user")
    assert notes[0] == "8:12: note: loop-shape rules: call of first, a helper that was rejected " \
                       "(at 3:9: unsupported: `continue`)"


def test_the_reader_lists_the_other_constructs_it_refused() -> None:
    module = parse_cpp("many.cc", """#include <vector>
int f(float* a, int n, int* b) {
    float *p = a;
    int s = 0;
    for (int i = 0; i < n; i++) { if (p[i] > 0) s -= 1; s += b[i]; }
    switch (n) { case 1: return 1; }
    do { s++; } while (s < 0);
    return s;
}
""")
    (rej,) = module.rejected
    assert (rej.loc.line, rej.loc.col) == (6, 5)  # the local pointer p is read as a view of a
    assert rej.message == "unsupported: `switch` (also refused: 7:5 `do ... while`)"


def test_one_refused_construct_is_reported_alone() -> None:
    module = parse_cpp("one.cc", "int f(int n) { int s = 0; do { s++; } while (s < n); return s; }\n")
    (rej,) = module.rejected
    assert rej.message == "unsupported: `do ... while`"
