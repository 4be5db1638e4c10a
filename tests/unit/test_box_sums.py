"""Summed-area tables (`ir/lifting/dp_table2d.py`): a pre-sized table filled by nested loops with
`t[i + 1][j + 1] = a[i][j] + t[i][j + 1] + t[i + 1][j] - t[i][j]` (or from 1 with `t[i][j]`, over
`enumerate`, with a row's running total added to the row above, an n x m table with guarded
reads, several tables side by side) lifts to the 2-D prefix sums of `a` (`scan_sum` down the rows
of a matrix) with an unbounded proof, and the generated code equals CPython (and g++ for C++) on
random matrices, exactly for ints (also beyond 2^63); box sums read from the table compose. A
wrong table and reads Python wraps around are refuted by the obligations; other 2-D tables filled
from their own entries stay refused by name."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import dp_table2d, lift_function
from tensflo.ir.tensir import OPS, Term, lit
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tests.support.python_sources import compile_and_run, plain

SOURCE = '''
def box_table(a: list[list[int]]) -> list[list[int]]:
    n = len(a)
    m = len(a[0])
    t = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            t[i + 1][j + 1] = a[i][j] + t[i][j + 1] + t[i + 1][j] - t[i][j]
    return t


def from_one(grid: list[list[int]]) -> list[list[int]]:
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            table[i][j] = grid[i - 1][j - 1] + table[i - 1][j] + table[i][j - 1] - table[i - 1][j - 1]
    return table


def running_rows(grid: list[list[int]]) -> list[list[int]]:
    rows, cols = len(grid), len(grid[0])
    pre = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        row_total = 0
        for c in range(cols):
            row_total += grid[r][c]
            pre[r + 1][c + 1] = pre[r][c + 1] + row_total
    return pre


def weighted(img: list[list[float]], w: float) -> list[list[float]]:
    h, n = len(img), len(img[0])
    sat = [[0.0] * (n + 1) for _ in range(h + 1)]
    for y in range(h):
        for x in range(n):
            sat[y + 1][x + 1] = sat[y][x + 1] - sat[y][x] + w * img[y][x] + sat[y + 1][x]
    return sat


def box_sum(a: list[list[int]], r1: int, c1: int, r2: int, c2: int) -> int:
    n = len(a)
    m = len(a[0])
    pre = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            pre[i + 1][j + 1] = a[i][j] + pre[i][j + 1] + pre[i + 1][j] - pre[i][j]
    return pre[r2 + 1][c2 + 1] - pre[r1][c2 + 1] - pre[r2 + 1][c1] + pre[r1][c1]


def window_sums(a: list[list[int]], k: int) -> list[list[int]]:
    n = len(a)
    m = len(a[0])
    pre = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            pre[i + 1][j + 1] = a[i][j] + pre[i][j + 1] + pre[i + 1][j] - pre[i][j]
    out = [[0] * (m - k + 1) for _ in range(n - k + 1)]
    for i in range(n - k + 1):
        for j in range(m - k + 1):
            out[i][j] = pre[i + k][j + k] - pre[i][j + k] - pre[i + k][j] + pre[i][j]
    return out


def guarded(grid: list[list[int]]) -> list[list[int]]:
    n, m = len(grid), len(grid[0])
    dp = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            dp[i][j] = grid[i][j] + (dp[i - 1][j] if i > 0 else 0) + (
                dp[i][j - 1] if j > 0 else 0) - (dp[i - 1][j - 1] if i > 0 and j > 0 else 0)
    return dp


def local_variance(img: list[list[float]]) -> float:
    h, w = len(img), len(img[0])
    s1 = [[0.0] * (w + 1) for _ in range(h + 1)]
    s2 = [[0.0] * (w + 1) for _ in range(h + 1)]
    for y in range(h):
        for x in range(w):
            s1[y + 1][x + 1] = img[y][x] + s1[y][x + 1] + s1[y + 1][x] - s1[y][x]
            s2[y + 1][x + 1] = img[y][x] * img[y][x] + s2[y][x + 1] + s2[y + 1][x] - s2[y][x]
    n = h * w
    mean = s1[h][w] / n
    return s2[h][w] / n - mean * mean


def gradient_table(a: list[list[int]]) -> list[list[int]]:
    h, w = len(a), len(a[0])
    s = [[0] * w for _ in range(h + 1)]
    for y in range(h):
        for x in range(1, w):
            s[y + 1][x] = a[y][x] - a[y][x - 1] + s[y][x] + s[y + 1][x - 1] - s[y][x - 1]
    return s


def enumerated(grid: list[list[int]]) -> list[list[int]]:
    n, m = len(grid), len(grid[0])
    pre = [[0] * (m + 1) for _ in range(n + 1)]
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            pre[i + 1][j + 1] = v + pre[i][j + 1] + pre[i + 1][j] - pre[i][j]
    return pre


def late_total(grid: list[list[int]]) -> list[list[int]]:
    rows, cols = len(grid), len(grid[0])
    pre = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        row_total = 0
        for c in range(cols):
            pre[r + 1][c + 1] = pre[r][c + 1] + row_total
            row_total += grid[r][c]
    return pre


def doubled_above(grid: list[list[int]]) -> list[list[int]]:
    rows, cols = len(grid), len(grid[0])
    pre = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        row_total = 0
        for c in range(cols):
            row_total += grid[r][c]
            pre[r + 1][c + 1] = 2 * pre[r][c + 1] + row_total
    return pre


def path_costs(grid: list[list[int]]) -> list[list[int]]:
    rows, cols = len(grid), len(grid[0])
    cost = [[grid[r][c] for c in range(cols)] for r in range(rows)]
    for r in range(1, rows):
        for c in range(1, cols):
            cost[r][c] += min(cost[r - 1][c], cost[r][c - 1])
    return cost
'''
LIFTED = ("box_table", "from_one", "running_rows", "weighted", "box_sum", "window_sums", "guarded",
          "local_variance", "gradient_table", "enumerated")
REFUSED = {"late_total": ("113:13", "pre"), "path_costs": ("134:13", "cost"),
           "doubled_above": ("125:13", "pre")}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("box") / "box.py"
    path.write_text(SOURCE)
    return compile_and_run(path, SOURCE, [*LIFTED, *REFUSED])


def _matrix(rng: random.Random, rows: int, cols: int, big: bool) -> list[list[int]]:
    top = 2**70 if big else 10**6
    return [[rng.randint(-top, top) for _ in range(cols)] for _ in range(rows)]


@pytest.mark.parametrize("name", ["box_table", "from_one", "running_rows", "guarded",
                                  "gradient_table", "enumerated"])
def test_int_tables_lift_unbounded_and_equal_cpython_exactly(compiled: Any, name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "scan_sum" in r.tensir
    fn = load_module(r.code, f"box_{name}").__dict__[name]
    rng = random.Random(7)
    largest = 0
    for k in range(60):
        big = k % 3 == 0  # entries up to 2^70: the sums leave int64, the code computes exactly
        a = _matrix(rng, rng.randint(1, 5), rng.randint(1, 5), big)
        want = namespace[name](a)
        got = plain(fn(a))
        assert [[int(v) for v in row] for row in got] == want, (a, got, want)
        largest = max(largest, *(abs(v) for row in want for v in row))
    assert largest > 2**63


def test_a_float_table_equals_cpython_within_tolerance(compiled: Any) -> None:
    results, namespace = compiled
    r = results["weighted"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "box_weighted").weighted
    rng = random.Random(11)
    worst = 0.0
    for _ in range(60):
        cols = rng.randint(1, 6)
        img = [[rng.uniform(-1e3, 1e3) for _ in range(cols)] for _ in range(rng.randint(1, 6))]
        w = rng.uniform(-4.0, 4.0)
        want = np.array(namespace["weighted"](img, w))
        got = np.array(plain(fn(img, w)), dtype=float)
        assert got.shape == want.shape
        worst = max(worst, float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))))
    assert worst < 1e-9, f"largest relative error {worst}"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_other_2d_tables_filled_from_their_own_entries_are_refused_by_name(
        compiled: Any, name: str) -> None:
    r = compiled[0][name]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    where, table = REFUSED[name]
    assert f"box.py:{where}" in text, text
    assert f"{table}[...][...] is computed from other entries of {table}: a 2-D DP table" in text


def test_box_sums_read_from_the_table_lift_and_equal_cpython(compiled: Any) -> None:
    results, namespace = compiled
    for name in ("box_sum", "window_sums"):
        assert results[name].lifted and results[name].proof == "unbounded", \
            [str(d) for d in results[name].diagnostics]
    # a read's precondition names the input's lengths, not the table's term
    assert not any("scan_sum" in r for r in results["box_sum"].requires), results["box_sum"].requires
    box = load_module(results["box_sum"].code, "box_box_sum").box_sum
    windows = load_module(results["window_sums"].code, "box_window_sums").window_sums
    rng = random.Random(5)
    for k in range(60):
        rows, cols = rng.randint(1, 6), rng.randint(1, 6)
        a = _matrix(rng, rows, cols, big=k % 4 == 0)
        r1, r2 = sorted(rng.randrange(rows) for _ in range(2))
        c1, c2 = sorted(rng.randrange(cols) for _ in range(2))
        assert int(box(a, r1, c1, r2, c2)) == namespace["box_sum"](a, r1, c1, r2, c2)
        size = rng.randint(0, min(rows, cols))
        got = [[int(v) for v in row] for row in plain(windows(a, size))]
        assert got == namespace["window_sums"](a, size), (a, size)


def test_tables_filled_side_by_side_lift_each(compiled: Any) -> None:
    """Integral images of `x` and `x * x` in one loop nest (each write reads its own table)."""
    results, namespace = compiled
    r = results["local_variance"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "box_local_variance").local_variance
    rng = random.Random(13)
    worst = 0.0
    for _ in range(60):
        cols = rng.randint(1, 6)
        img = [[rng.uniform(-100.0, 100.0) for _ in range(cols)] for _ in range(rng.randint(1, 6))]
        want = namespace["local_variance"](img)
        worst = max(worst, abs(float(fn(img)) - want) / max(1.0, abs(want)))
    assert worst < 1e-9, f"largest relative error {worst}"


def _off_by_one_border(window: Term, n: Term, m: Term, zero: Term) -> Term:
    """The table with inclusive sums down the rows: row 0 holds the first row's sums, not 0."""
    down = OPS["scan_sum"](OPS["append"](window, OPS["full"](m, zero)))
    across = OPS["append"](OPS["transpose"](down), OPS["full"](OPS["add"](n, lit(1)), zero))
    exclusive = OPS["matrix_elemwise_sub"](OPS["scan_sum"](across), across)
    return OPS["transpose"](exclusive)


def test_a_wrong_table_is_refuted_by_the_obligations(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "box.py"
    path.write_text(SOURCE)
    module = read_module(str(path), load_registry())
    function = next(f for f in module.functions if f.name == "box_table")
    right = lift_function(module, function)
    report = check_obligations(right.obligations, [Z3Verifier()], timeout=30)
    assert report.level == "unbounded", [(ob.kind, res.status) for ob, res, _ in report.results]
    monkeypatch.setattr(dp_table2d, "_exclusive_sums", _off_by_one_border)
    wrong = lift_function(module, function)
    assert wrong.program != right.program
    report = check_obligations(wrong.obligations, [Z3Verifier()], timeout=30)
    statuses = [res.status for _, res, _ in report.results]
    assert report.level == "none" and "sat" in statuses, statuses


CPP = '''#include <vector>
std::vector<std::vector<long>> sat(const std::vector<std::vector<long>>& a, int n, int m) {
    std::vector<std::vector<long>> t(n + 1, std::vector<long>(m + 1, 0));
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++)
            t[i][j] = t[i - 1][j] - t[i - 1][j - 1] + a[i - 1][j - 1] + t[i][j - 1];
    return t;
}
'''
CPP_MAIN = '''
#include <iostream>
int main() {
    int k; std::cin >> k;
    while (k--) {
        int n, m; std::cin >> n >> m;
        std::vector<std::vector<long>> a(n, std::vector<long>(m));
        for (auto &row : a) for (auto &v : row) std::cin >> v;
        for (auto &row : sat(a, n, m)) { for (long v : row) std::cout << v << ' '; std::cout << '|'; }
        std::cout << '\\n';
    }
}
'''


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_cpp_summed_area_table_lifts_and_equals_gxx(tmp_path: Path) -> None:
    source = tmp_path / "sat.cc"
    source.write_text(CPP)
    (r,) = compile_file(str(source), ["sat"], load_registry(), Options(timeout=30, synth=()))
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "box_cpp_sat").sat
    exe = tmp_path / "sat"
    (tmp_path / "main.cc").write_text(CPP + CPP_MAIN)
    subprocess.run(["g++", "-O2", "-o", str(exe), str(tmp_path / "main.cc")], check=True)
    rng = random.Random(2)
    cases = [_matrix(rng, rng.randint(1, 6), rng.randint(1, 6), big=False) for _ in range(40)]
    text = [str(len(cases))] + [f"{len(a)} {len(a[0])} " + " ".join(str(v) for row in a for v in row)
                                for a in cases]
    out = subprocess.run([str(exe)], input="\n".join(text), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    for a, line in zip(cases, out, strict=True):
        want = [[int(v) for v in row.split()] for row in line.split("|")[:-1]]
        got = [[int(v) for v in row] for row in plain(fn(a, len(a), len(a[0])))]
        assert got == want, (a, got, want)


WRAPPING = '''
def unguarded(grid: list[list[int]]) -> list[list[int]]:
    n, m = len(grid), len(grid[0])
    dp = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            dp[i][j] = grid[i][j] + dp[i - 1][j] + dp[i][j - 1] - dp[i - 1][j - 1]
    return dp


def half_guarded(grid: list[list[int]]) -> list[list[int]]:
    n, m = len(grid), len(grid[0])
    dp = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            dp[i][j] = grid[i][j] + (dp[i - 1][j] if i > 0 else 0) + (
                dp[i][j - 1] if j > 0 else 0) - (dp[i - 1][j - 1] if i > 0 else 0)
    return dp
'''


@pytest.mark.parametrize("name", ["unguarded", "half_guarded"])
def test_a_read_python_wraps_around_is_refuted_not_lifted(tmp_path: Path, name: str) -> None:
    """`dp[i - 1][j - 1]` at column 0 reads the previous row's last entry in Python: the table
    is not the prefix sums, and the read's range goal is refuted (sat)."""
    path = tmp_path / "wrap.py"
    path.write_text(WRAPPING)
    results, namespace = compile_and_run(path, WRAPPING, [name])
    assert not results[name].lifted
    assert namespace[name]([[1, 2], [3, 4]]) != [[1, 3], [4, 10]]  # not the prefix sums
    module = read_module(str(path), load_registry())
    function = next(f for f in module.functions if f.name == name)
    reads = [ob for ob in lift_function(module, function).obligations if ob.kind == "in-range read"]
    report = check_obligations(reads, [Z3Verifier()], timeout=30)
    assert "sat" in [res.status for _, res, _ in report.results]
