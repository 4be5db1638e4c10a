"""2-D DP tables (`ir/lifting/element_writes.py`): a table whose entry `t[i][j]` is computed from
other entries of `t` (a summed-area table `t[i + 1][j + 1] = a[i][j] + t[i][j + 1] + t[i + 1][j] -
t[i][j]`, a (min, +) path table) is refused naming the table at the write's line:col: TensIR has no
scan along a matrix's axes, so no rule reads it; a 2-D table whose entries read only the input
still lifts."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry

SOURCE = '''
def box_table(a: list[list[int]]) -> list[list[int]]:
    n = len(a)
    m = len(a[0])
    t = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            t[i + 1][j + 1] = a[i][j] + t[i][j + 1] + t[i + 1][j] - t[i][j]
    return t


def path_costs(grid: list[list[int]]) -> list[list[int]]:
    rows, cols = len(grid), len(grid[0])
    cost = [[grid[r][c] for c in range(cols)] for r in range(rows)]
    for r in range(1, rows):
        for c in range(1, cols):
            cost[r][c] += min(cost[r - 1][c], cost[r][c - 1])
    return cost
'''
REFUSED = {"box_table": ("8:13", "t"), "path_costs": ("17:13", "cost")}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path: Path = tmp_path_factory.mktemp("box") / "box.py"
    path.write_text(SOURCE)
    results = compile_file(str(path), list(REFUSED), load_registry(), Options(timeout=30, synth=()))
    return {r.function: r for r in results}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_2d_tables_filled_from_their_own_entries_are_refused_by_name(compiled: dict[str, Any],
                                                                     name: str) -> None:
    r = compiled[name]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    where, table = REFUSED[name]
    assert f"box.py:{where}" in text, text
    assert f"{table}[...][...] is computed from other entries of {table}: a 2-D DP table" in text


def test_a_2d_table_of_input_entries_still_lifts(tmp_path: Path) -> None:
    path = tmp_path / "rows.py"
    path.write_text('''
def doubled(a: list[list[int]]) -> list[list[int]]:
    return [[2 * x for x in row] for row in a]
''')
    (r,) = compile_file(str(path), ["doubled"], load_registry(), Options(timeout=30, synth=()))
    assert r.lifted, [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "rows_doubled").doubled
    rng = random.Random(3)
    for _ in range(20):
        a = [[rng.randint(-10**6, 10**6) for _ in range(3)] for _ in range(rng.randint(1, 4))]
        got = [[int(x) for x in row] for row in fn(a)]
        assert got == [[2 * x for x in row] for row in a]
