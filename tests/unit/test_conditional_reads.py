"""Reads Python makes only under a condition (`x if c else y`, the right side of `and`/`or`, an
`if` branch) are in range only where that condition holds: their precondition is conditional
(`not c or 0 < len(x)`, dropped where `c` implies it), in the body and in the prologue's guards
alike (an arg-max guarded by `mi < 0 or xs[i] > xs[mi]` proves, its read in range where `mi >= 0`); a read every input reaches keeps its precondition and raises `IndexError` as CPython does.
Checked against CPython on random inputs, empty lists included, on every Python target."""

from __future__ import annotations

import doctest
import random
from pathlib import Path
from typing import Any

import pytest

import tensflo
from tensflo.ir.lifting.build import mk
from tensflo.ir.lifting.int_bounds import implies, unsatisfiable
from tensflo.ir.tensir import Var, lit
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.tests.support.python_sources import run_in_cpython, tolist

KERNEL = Path(__file__).parents[2] / "benchmarks/kernels/python_real/summed_area_table.py"
TARGETS = ["numpy", "torch", "jax", "mlx"]

UNGUARDED = KERNEL.read_text().replace("len(grid[0]) if rows else 0", "len(grid[0])")

BRANCHES = '''
def offset_total(xs: list[int]) -> int:
    base = xs[0] if len(xs) > 0 else 0
    total = 0
    for x in xs:
        total += x - base
    return total


def first_in_if(xs: list[int]) -> int:
    first = 0
    if len(xs) > 0:
        first = xs[0]
    total = first
    for x in xs:
        total += x
    return total


def head_positive_total(xs: list[int]) -> int:
    ok = len(xs) > 0 and xs[0] > 0
    total = 0
    for x in xs:
        total += x
    return total * 2 if ok else total


def empty_or_head(xs: list[int]) -> int:
    small = len(xs) == 0 or xs[0] < 3
    total = 0
    for x in xs:
        total += x
    return total + 1 if small else total


def argmax_guard(xs: list[int]) -> int:
    mi = -1
    for i in range(len(xs)):
        if mi < 0 or xs[i] > xs[mi]:
            mi = i
    return mi


def mean_or_zero(xs: list[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs) if len(xs) > 0 else 0.0
'''


def _grids(rng: random.Random) -> list[list[list[int]]]:
    out: list[list[list[int]]] = [[], [[]], [[5]]]
    for _ in range(8):
        rows, cols = rng.randint(1, 4), rng.randint(0, 4)
        out.append([[rng.randint(-9, 9) for _ in range(cols)] for _ in range(rows)])
    return out


def plain(v: Any) -> Any:
    """A result (a list, an array of any target, a number) as Python values."""
    return tolist(tolist(v))


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return plain(fn(*args))
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome compared
        return type(e).__name__


@pytest.mark.parametrize("target", TARGETS)
def test_summed_area_table_doctests_and_empty_grid_on_every_python_target(target: str) -> None:
    if target != "numpy":
        pytest.importorskip(target)
    r = tensflo.compile(KERNEL, "summed_area_table", target=target)
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert not any("0 < len(grid)" in q for q in r.requires), r.requires
    fn = r.load()
    docstring = run_in_cpython(KERNEL)["summed_area_table"].__doc__
    examples = doctest.DocTestParser().get_examples(docstring)
    assert any("[]" in e.source for e in examples)
    for example in examples:
        got = plain(eval(example.source, {"summed_area_table": fn}))  # noqa: S307 - the kernel's doctest
        assert got == eval(example.want), (example.source, got)  # noqa: S307
    source = run_in_cpython(KERNEL)["summed_area_table"]
    for grid in _grids(random.Random(5)):
        assert _outcome(fn, grid) == _outcome(source, grid), grid


def test_an_unconditional_read_keeps_its_precondition_and_raises_index_error(tmp_path: Path) -> None:
    path = tmp_path / "unguarded.py"
    path.write_text(UNGUARDED.replace(">>> summed_area_table([])\n    [[0]]\n", ""))
    r = tensflo.compile(path, "summed_area_table", target="numpy")
    assert r.status == "lifted", [str(d) for d in r.diagnostics]
    assert "0 < len(grid)" in r.requires, r.requires
    fn, source = r.load(), run_in_cpython(path)["summed_area_table"]
    assert _outcome(source, []) == "IndexError"
    assert _outcome(fn, []) == "IndexError"
    for grid in _grids(random.Random(6))[1:]:
        assert _outcome(fn, grid) == _outcome(source, grid), grid


@pytest.fixture(scope="module")
def branches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("branches") / "branch_reads.py"
    path.write_text(BRANCHES)
    return path, run_in_cpython(path)


@pytest.mark.parametrize("name", ["offset_total", "first_in_if", "head_positive_total",
                                  "empty_or_head", "mean_or_zero", "argmax_guard"])
def test_reads_under_a_branch_are_not_required_where_it_is_not_taken(
        branches: tuple[Path, dict[str, Any]], name: str) -> None:
    path, namespace = branches
    r = tensflo.compile(path, name, target="numpy")
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn, source = r.load(), namespace[name]
    rng = random.Random(7)
    floats = name == "mean_or_zero"
    for trial in range(60):
        xs: list[Any] = [rng.randint(-5, 5) for _ in range(0 if trial < 3 else rng.randint(1, 5))]
        if floats:
            xs = [float(x) / 4 for x in xs]
        want, got = _outcome(source, xs), _outcome(fn, xs)
        if floats:
            assert abs(float(got) - want) <= 1e-12 * max(1.0, abs(want)), (xs, got, want)
        else:
            assert got == want, (xs, got, want)


def test_interval_implications() -> None:
    n = mk("len", Var("xs", TensorType("int", 1)))
    k = Var("k", INT)
    # a length that is not 0 is positive; a length is never below 0
    assert implies([mk("ne", n, lit(0))], mk("lt", lit(0), n))
    assert implies([], mk("le", lit(0), n))
    assert unsatisfiable([mk("ne", n, lit(0)), mk("le", n, lit(0))])
    # an int that is not 0 may be negative; two bounds that leave a value are satisfiable
    assert not implies([mk("ne", k, lit(0))], mk("lt", lit(0), k))
    assert not unsatisfiable([mk("le", lit(1), n), mk("le", n, lit(1))])
    assert implies([mk("not", mk("le", n, lit(2)))], mk("and", mk("lt", lit(1), n), mk("ne", n, lit(0))))
