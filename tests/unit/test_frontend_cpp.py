"""The C++ frontend: each construct it reads (checked by running the loop IR), and each it refuses."""

from __future__ import annotations

import pytest

from tensflo.ir.loop import LoopIRError, run
from tensflo.plugins.cpp_frontend import parse_cpp

HEADER = "#include <vector>\n#include <algorithm>\n#include <cstdlib>\nusing namespace std;\n"


def read(body: str, path: str = "k.cc"):
    return parse_cpp(path, HEADER + body)


def call(body: str, name: str, *args):
    module = read(body)
    assert not module.rejected, module.rejected
    return run(module, name, list(args))


def test_parameters_results_and_types() -> None:
    m = read("""
vector<vector<int>> f(const vector<vector<int>>& a, vector<int> b, int n, const std::vector<int>& c) {
    return a;
}
float g(float x, double y, bool z) { return x; }
""")
    f, g = m.functions
    assert [str(p.type) for p in f.params] == ["mat[int]", "vec[int]", "int", "vec[int]"]
    assert str(f.result) == "mat[int]"
    assert [str(p.type) for p in g.params] == ["float", "float", "bool"]


@pytest.mark.parametrize("loop, expected", [
    ("for (int i = 0; i < n; i++)", [0, 1, 2, 3]),
    ("for (int i = 0; i <= n - 1; ++i)", [0, 1, 2, 3]),
    ("for (int i = 1; i < n; i += 2)", [1, 3]),
    ("for (int i = 0; i + 1 < n; i++)", [0, 1, 2]),
    ("for (size_t i = 0; i < a.size(); i++)", [0, 1, 2, 3]),
])
def test_counted_loops(loop: str, expected: list[int]) -> None:
    body = f"vector<int> f(vector<int> a, int n) {{ vector<int> out; {loop} out.push_back(a[i]); return out; }}"
    assert call(body, "f", [0, 1, 2, 3], 4) == expected


def test_while_loop_with_counter_and_compound_assignments() -> None:
    body = """
int f(vector<int> a) {
    int s = 10; int i = 0;
    while (i < (int)a.size()) { s += a[i]; s -= 1; s *= 2; s /= 3; s %= 1000; i++; }
    return s;
}"""
    assert call(body, "f", [4, -7, 9]) == _c_while([4, -7, 9])


def _c_while(a: list[int]) -> int:
    def cdiv(x: int, y: int) -> int:
        q = abs(x) // abs(y)
        return q if (x < 0) == (y < 0) else -q

    s = 10
    for x in a:
        s = s + x - 1
        s = s * 2
        s = cdiv(s, 3)
        s = s - 1000 * cdiv(s, 1000)
    return s


def test_if_else_ternary_min_max_abs_and_helpers() -> None:
    body = """
static int clip(int v, int lo, int hi) { if (v < lo) return lo; if (v > hi) return hi; return v; }
vector<int> f(const vector<int>& a, int n) {
    vector<int> out;
    for (int i = 0; i < n; i++) {
        int v;
        if (a[i] % 2 == 0) v = std::max(a[i], 3); else v = std::min(a[i], -3);
        out.push_back(clip(abs(v) > 10 ? v : v * 2, -20, 20));
    }
    return out;
}"""
    a = [1, 2, 12, -15, 7]

    def ref(x: int) -> int:
        v = max(x, 3) if x % 2 == 0 else min(x, -3)
        w = v if abs(v) > 10 else v * 2
        return max(-20, min(20, w))

    assert call(body, "f", a, 5) == [ref(x) for x in a]


def test_presized_vectors_resize_and_nested_loops() -> None:
    body = """
vector<vector<int>> f(const vector<vector<int>>& m, int rows, int cols) {
    vector<vector<int>> out(rows);
    for (int i = 0; i < rows; i++) {
        out[i].resize(cols);
        for (int j = 0; j < cols; j++) out[i][j] = m[i][j] * 2;
    }
    vector<int> unused(rows, 7);
    return out;
}"""
    assert call(body, "f", [[1, 2], [3, 4]], 2, 2) == [[2, 4], [6, 8]]


def test_c_division_truncates() -> None:
    body = "int f(int a, int b) { return a / b + 100 * (a % b); }"
    assert call(body, "f", -7, 2) == -3 + 100 * -1


@pytest.mark.parametrize("body, words", [
    ("int f(int* p) { return *(p + 1); }", "pointer arithmetic"),
    ("int f(int (*g)(int)) { return 0; }", "pointer"),
    ("int f(int n) { int s = 0; x: s++; if (s < n) goto x; return s; }", "goto"),
    ("int f(int n) { int i = 0; while (i < n) { if (i > 2) continue; i++; } return n; }",
     "`continue` in a `while` loop skipping an assignment of i"),
    ("int f(int n) { switch (n) { case 1: return 1; } return 0; }", "switch"),
    ("unsigned f(unsigned n) { return n * 2; }", "unsigned"),
    ("int f(vector<int>& out) { out.push_back(1); return 0; }", "non-const reference"),
    ("int f(int n) { int s = 0; do { s++; } while (s < n); return s; }", "do"),
])
def test_unsupported_constructs_are_rejected_with_a_location(body: str, words: str) -> None:
    m = read(body, "bad.cc")
    assert not m.functions
    (rej,) = m.rejected
    assert words in rej.message
    assert rej.loc.file == "bad.cc" and rej.loc.line >= 5 and rej.loc.col >= 1


def test_a_file_that_does_not_compile_is_an_error_at_its_position() -> None:
    with pytest.raises(LoopIRError) as e:
        read("int f(vector<int> a) {\n  return a[0]\n", "trunc.cc")
    assert e.value.loc.file == "trunc.cc" and e.value.loc.line >= 5
    assert "does not compile" in e.value.message
