"""The native runner: text format, corpus kernels against Python expectations, errors, caching."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from tensflo.compiler.native import (
    INT_MAX,
    INT_MIN,
    NativeCompileError,
    NativeError,
    NativeRunError,
    compile_native,
    format_value,
    parse_value,
    run_native,
)

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "cpp"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("native-cache")


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.cc"
    path.write_text("#include <vector>\n#include <cstdlib>\n" + body)
    return path


# ---------------------------------------------------------------------------------------------------
# Text format
# ---------------------------------------------------------------------------------------------------

ROUND_TRIP = [
    ("int", 0, "0"),
    ("int", -7, "-7"),
    ("int", INT_MIN, str(INT_MIN)),
    ("int", INT_MAX, str(INT_MAX)),
    ("vec[int]", [], "0"),
    ("vec[int]", [4, -1], "2 4 -1"),
    ("vec[int]", [-5], "1 -5"),
    ("mat[int]", [], "0 0"),
    ("mat[int]", [[], []], "2 0"),
    ("mat[int]", [[1, -2], [-3, 4]], "2 2 1 -2 -3 4"),
    ("mat[int]", [[-9, 0, 9]], "1 3 -9 0 9"),
]


@pytest.mark.parametrize(("type_", "value", "text"), ROUND_TRIP)
def test_text_format_round_trip(type_: str, value: object, text: str) -> None:
    assert format_value(value, type_) == text
    assert parse_value(text, type_) == value


def test_text_format_accepts_tuples() -> None:
    assert format_value(((1, 2), (3, 4)), "mat[int]") == "2 2 1 2 3 4"


@pytest.mark.parametrize(("type_", "value", "message"), [
    ("int", INT_MAX + 1, "does not fit in a C++ int"),
    ("int", [1], "expected an int"),
    ("vec[int]", 3, "expected a list of ints"),
    ("vec[int]", "12", "expected a list of ints"),
    ("mat[int]", [[1, 2], [3]], "ragged matrix"),
    ("vec[float]", [1], "unsupported type"),
])
def test_format_rejects_bad_values(type_: str, value: object, message: str) -> None:
    with pytest.raises(NativeError, match=re.escape(message)):
        format_value(value, type_)


@pytest.mark.parametrize(("text", "type_"), [("3 1 2", "vec[int]"), ("1 2 3", "int"),
                                             ("2 2 1 2 3", "mat[int]"), ("x", "int")])
def test_parse_rejects_malformed_text(text: str, type_: str) -> None:
    with pytest.raises(NativeError, match="malformed"):
        parse_value(text, type_)


# ---------------------------------------------------------------------------------------------------
# Corpus kernels against Python expectations
# ---------------------------------------------------------------------------------------------------


def cdiv(a: int, b: int) -> int:
    """C++ integer division: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def rand_vec(rng: random.Random, n: int, lo: int = -300, hi: int = 300) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def rand_mat(rng: random.Random, rows: int, cols: int) -> list[list[int]]:
    return [rand_vec(rng, cols) for _ in range(rows)]


def test_dot_const_ref_vectors(cache: Path) -> None:
    rng = random.Random(1)
    inputs = []
    for _ in range(100):
        length = rng.randint(0, 8)
        inputs.append([rand_vec(rng, length), rand_vec(rng, length), rng.randint(0, length)])
    results = run_native(CORPUS / "dot.cc", "dot", ["vec[int]", "vec[int]", "int"], "int", inputs,
                         cache_dir=cache)
    assert results == [sum(x[i] * y[i] for i in range(n)) for x, y, n in inputs]


def test_darken_blend_by_value_matrices(cache: Path) -> None:
    rng = random.Random(2)
    inputs = []
    for _ in range(100):
        rows, cols = rng.randint(0, 6), rng.randint(0, 6)
        inputs.append([rand_mat(rng, rows, cols), rand_mat(rng, rows, cols),
                       rng.randint(0, rows), rng.randint(0, cols)])
    results = run_native(CORPUS / "darken_blend_8.cc", "darken_blend_8",
                         ["mat[int]", "mat[int]", "int", "int"], "mat[int]", inputs,
                         cache_dir=cache)
    assert results == [[[min(b[i][j], a[i][j]) for j in range(n)] for i in range(m)]
                       for b, a, m, n in inputs]


def test_color_burn_truncating_division(cache: Path) -> None:
    rng = random.Random(3)
    inputs = []
    for _ in range(100):
        rows, cols = rng.randint(0, 5), rng.randint(0, 5)
        base = [[rng.randint(-300, 300) for _ in range(cols)] for _ in range(rows)]
        active = [[rng.choice([0, rng.randint(-20, 20)]) for _ in range(cols)] for _ in range(rows)]
        inputs.append([base, active, rows, cols])

    def burn(b: int, a: int) -> int:
        return 255 if a == 0 else max(0, 255 - cdiv(255 - b, a))

    results = run_native(CORPUS / "color_burn_8.cc", "color_burn_8",
                         ["mat[int]", "mat[int]", "int", "int"], "mat[int]", inputs,
                         cache_dir=cache)
    assert results == [[[burn(b[i][j], a[i][j]) for j in range(n)] for i in range(m)]
                       for b, a, m, n in inputs]


def test_gemv_transposed_mixed_parameters(cache: Path) -> None:
    rng = random.Random(4)
    inputs = []
    for _ in range(100):
        m, n = rng.randint(0, 6), rng.randint(0, 6)
        inputs.append([rand_mat(rng, m, n), rand_vec(rng, m), m, n])
    results = run_native(CORPUS / "gemv_transposed.cc", "gemv_transposed",
                         ["mat[int]", "vec[int]", "int", "int"], "vec[int]", inputs,
                         cache_dir=cache)
    assert results == [[sum(a[i][j] * x[i] for i in range(m)) for j in range(n)]
                       for a, x, m, n in inputs]


def test_no_cases(cache: Path) -> None:
    assert run_native(CORPUS / "dot.cc", "dot", ["vec[int]", "vec[int]", "int"], "int", [],
                      cache_dir=cache) == []


# ---------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------


def test_compile_error_carries_gxx_message(tmp_path: Path) -> None:
    src = write(tmp_path, "broken", "int broken(int x) { return x +; }\n")
    with pytest.raises(NativeCompileError) as info:
        compile_native(src, "broken", ["int"], "int", cache_dir=tmp_path / "cache")
    assert "error:" in info.value.stderr
    assert "broken.cc" in info.value.stderr
    assert "error:" in str(info.value)
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".cc"]  # the driver, no binary


def test_signature_mismatch_is_a_compile_error(tmp_path: Path) -> None:
    src = write(tmp_path, "twice", "int twice(int x) { return 2 * x; }\n")
    with pytest.raises(NativeCompileError, match="twice"):
        compile_native(src, "twice", ["vec[int]"], "int", cache_dir=tmp_path / "cache")
    with pytest.raises(NativeCompileError, match="thrice"):
        compile_native(src, "thrice", ["int"], "int", cache_dir=tmp_path / "cache")


def test_bad_arguments_are_rejected_before_running(cache: Path) -> None:
    program = compile_native(CORPUS / "dot.cc", "dot", ["vec[int]", "vec[int]", "int"], "int",
                             cache_dir=cache)
    with pytest.raises(NativeError, match="case 1: expected 3 arguments"):
        program.run([[[1], [2], 1], [[1], [2]]])
    with pytest.raises(NativeError, match="case 0, argument 2"):
        program.run([[[1], [2], "1"]])
    with pytest.raises(NativeError, match="not a C\\+\\+ function name"):
        compile_native(CORPUS / "dot.cc", "dot(", ["int"], "int", cache_dir=cache)
    with pytest.raises(NativeError, match="cannot read"):
        compile_native(CORPUS / "missing.cc", "missing", ["int"], "int", cache_dir=cache)


FRAGILE = """
int fragile(int x) {
    if (x == 13) std::abort();
    if (x == 7) { volatile int* p = nullptr; return *p; }
    if (x == 99) { volatile int spin = 1; while (spin) {} }
    if (x == 5) return std::vector<int>(x - 6).size();
    if (x == 42) std::exit(0);
    return x * 2;
}
"""


def test_crashes_are_reported_per_case_and_keep_the_others(tmp_path: Path) -> None:
    src = write(tmp_path, "fragile", FRAGILE)
    inputs = [[1], [13], [2], [7], [3], [5], [4], [99], [6], [42], [8]]
    with pytest.raises(NativeRunError) as info:
        run_native(src, "fragile", ["int"], "int", inputs, cache_dir=tmp_path, timeout=1.0)
    err = info.value
    assert err.results == [2, None, 4, None, 6, None, 8, None, 12, None, 16]
    assert sorted(err.failures) == [1, 3, 5, 7, 9]
    assert "SIGABRT" in err.failures[1]
    assert "SIGSEGV" in err.failures[3]
    assert "C++ exception" in err.failures[5]
    assert "timed out" in err.failures[7]
    assert "exited with status 0" in err.failures[9]
    assert "case 1: killed by SIGABRT" in str(err)


def test_ragged_matrix_result_is_a_failed_case(tmp_path: Path) -> None:
    src = write(tmp_path, "staircase", """
std::vector<std::vector<int>> staircase(int n) {
    std::vector<std::vector<int>> out;
    for (int i = 0; i < n; i++) out.push_back(std::vector<int>(i, i));
    return out;
}
""")
    with pytest.raises(NativeRunError) as info:
        run_native(src, "staircase", ["int"], "mat[int]", [[1], [3], [0]], cache_dir=tmp_path)
    assert info.value.results == [[[]], None, []]
    assert "ragged matrix result: row 1 has 1 entries" in info.value.failures[1]


def test_source_with_its_own_main_and_printing(tmp_path: Path) -> None:
    src = write(tmp_path, "chatty", """
#include <cstdio>
std::vector<int> chatty(std::vector<int> v, int k) {
    std::printf("1 2 3\\n");
    std::fprintf(stderr, "debug\\n");
    for (int i = 0; i < (int)v.size(); i++) v[i] -= k;
    return v;
}
int main() { return chatty({1}, 1)[0]; }
""")
    assert run_native(src, "chatty", ["vec[int]", "int"], "vec[int]",
                      [[[1, -2], 3], [[], 0]], cache_dir=tmp_path) == [[-2, -5], []]


# ---------------------------------------------------------------------------------------------------
# Caching
# ---------------------------------------------------------------------------------------------------


def test_second_compile_comes_from_the_cache(tmp_path: Path) -> None:
    src = write(tmp_path, "inc", "int inc(const std::vector<int>& v) { return v.size() + 1; }\n")
    cache = tmp_path / "cache"
    first = compile_native(src, "inc", ["vec[int]"], "int", cache_dir=cache)
    assert first.compiled and first.binary.parent == cache
    stamp = first.binary.stat().st_mtime_ns
    second = compile_native(src, "inc", ["vec[int]"], "int", cache_dir=cache)
    assert not second.compiled
    assert second.binary == first.binary and second.binary.stat().st_mtime_ns == stamp
    assert second.run([[[5, 6]], [[]]]) == [3, 1]

    src.write_text(src.read_text().replace("+ 1", "+ 2"))
    changed = compile_native(src, "inc", ["vec[int]"], "int", cache_dir=cache)
    assert changed.compiled and changed.binary != first.binary
    assert changed.run([[[5, 6]]]) == [4]
