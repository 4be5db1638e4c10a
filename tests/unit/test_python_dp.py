"""Running maxima and minima over Python lists (`ir/lifting/scan.py` `running_scans`): a running
value seeded from an input's element (`m = x[0]`) lifts to a scan beside a vector holding the
seed, is proven, and the generated code agrees with CPython on random inputs (ints exactly, also
beyond 64 bits; floats within a tolerance); so does Kadane's loop over a tail."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry
from tensflo.tests.support.python_sources import run_in_cpython, tolist

SOURCE = '''
def running_high(x: list[int]) -> list[int]:
    out = []
    m = x[0]
    for v in x:
        m = max(m, v)
        out.append(m)
    return out


def running_low(x: list[float]) -> list[float]:
    out = []
    m = x[0]
    for v in x:
        if v < m:
            m = v
        out.append(m)
    return out


def kadane(nums: list[int]) -> int:
    best = nums[0]
    current = nums[0]
    for x in nums[1:]:
        current = max(x, current + x)
        best = max(best, current)
    return best
'''

TARGETS = ["numpy", "torch", "jax", "mlx"]
LIFTED = ["running_high", "running_low"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dp") / "dp.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def original(source: Path) -> dict[str, Any]:
    return run_in_cpython(source, SOURCE)


@pytest.fixture(scope="module")
def generated(source: Path) -> dict[str, list[Any]]:
    """Every target's code (made before any test imports a framework)."""
    return {t: compile_file(str(source), LIFTED, load_registry(), Options(target=t, timeout=60))
            for t in TARGETS}


@pytest.mark.parametrize("target", TARGETS)
def test_running_extremes_agree_with_cpython(generated: dict[str, list[Any]],
                                             original: dict[str, Any], target: str) -> None:
    results = generated[target]
    pytest.importorskip({"mlx": "mlx.core"}.get(target, target))
    rng = random.Random(7)
    worst = 0.0
    for r in results:
        assert r.lifted and r.code is not None, [str(d) for d in r.diagnostics]
        assert r.proof == "unbounded", (r.function, r.proof)
        fn = getattr(load_module(r.code, f"{r.function}_{target}"), r.function)
        for _ in range(25):
            n = rng.randint(1, 9)
            if r.function == "running_low":
                xs: list[Any] = [rng.uniform(-1e3, 1e3) for _ in range(n)]
                want, got = original[r.function](xs), tolist(fn(xs))
                assert len(got) == len(want)
                worst = max([worst, *(abs(a - b) for a, b in zip(got, want, strict=True))])
                continue
            big = rng.random() < 0.3 and target == "numpy"
            xs = [rng.randint(-2**70, 2**70) if big else rng.randint(-50, 50) for _ in range(n)]
            want = original[r.function](xs)
            assert [int(v) for v in tolist(fn(xs))] == want, (r.function, xs)
    assert worst <= 1e-9, f"largest error {worst}"


def test_kadane_over_a_tail_lifts_and_agrees(source: Path, original: dict[str, Any]) -> None:
    """Kadane's state and best over `nums[1:]` (`ir/lifting/recurrences.py`, proven through
    `ir/lifting/trace_split.py`): unbounded, and equal to CPython, ints beyond 64 bits too."""
    (r,) = compile_file(str(source), ["kadane"], load_registry(), Options(timeout=60, synth=()))
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "scan_sum" in r.tensir and "scan_max" in r.tensir, r.tensir
    fn = load_module(r.code, "kadane_np").kadane
    rng = random.Random(3)
    for trial in range(60):
        n = rng.randint(1, 10)
        bound = 2**70 if trial % 3 == 0 else 40
        xs = [rng.randint(-bound, bound) for _ in range(n)]
        assert int(fn(xs)) == original["kadane"](xs), xs


TABLES = '''
def prefix_high(x: list[int]) -> list[int]:
    n = len(x)
    best = [0] * (n + 1)
    for i in range(1, n + 1):
        best[i] = max(best[i - 1], x[i - 1])
    return best


def prefix_low(x: list[float]) -> list[float]:
    low = [0.0] * (len(x) + 1)
    for i in range(len(x)):
        low[i + 1] = min(low[i], x[i])
    return low


def running_max(nums: list[int]) -> list[int]:
    result = nums[:]
    for i in range(1, len(result)):
        if result[i - 1] > result[i]:
            result[i] = result[i - 1]
    return result
'''
TABLE_NAMES = ["prefix_high", "prefix_low", "running_max"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("tables") / "tables.py"
    path.write_text(TABLES)
    return path, run_in_cpython(path, TABLES)


def test_tables_of_running_extremes_lift_and_agree(tables: tuple[Path, dict[str, Any]]) -> None:
    """A table shifted by the loop's start (`best[i] = max(best[i - 1], ...)` from 1), an
    exclusive running minimum and a copied list updated in place from its second entry (a
    conditional write) lift to scans with an unbounded proof and agree with CPython."""
    path, namespace = tables
    results = compile_file(str(path), TABLE_NAMES, load_registry(), Options(timeout=60, synth=()))
    rng = random.Random(11)
    worst = 0.0
    for r in results:
        assert r.lifted and r.proof == "unbounded", (r.function, [str(d) for d in r.diagnostics])
        assert "scan_max" in r.tensir, r.tensir
        fn = getattr(load_module(r.code, f"{r.function}_tables"), r.function)
        for trial in range(30):
            n = rng.randint(1, 9)
            if r.function == "prefix_low":
                xs: list[Any] = [rng.uniform(-1e3, 1e3) for _ in range(n)]
                want, got = namespace[r.function](xs), tolist(fn(xs))
                assert len(got) == len(want)
                worst = max([worst, *(abs(a - b) for a, b in zip(got, want, strict=True))])
                continue
            bound = 2**70 if trial % 3 == 0 else 50
            xs = [rng.randint(-bound, bound) for _ in range(n)]
            assert [int(v) for v in tolist(fn(xs))] == namespace[r.function](xs), (r.function, xs)
    assert worst <= 1e-9, f"largest error {worst}"
    copied = next(r for r in results if r.function == "running_max")
    assert any("0 < len(nums)" in q for q in copied.requires), copied.requires


def test_a_wrong_table_is_refuted(tables: tuple[Path, dict[str, Any]]) -> None:
    """The verifier tells the lifted table from one that leaves out the fill as the seed."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import parse
    from tensflo.ir.tensir.types import TensorType
    from tensflo.plugins.solvers import Z3Verifier

    path, _ = tables
    (r,) = compile_file(str(path), ["prefix_high"], load_registry(), Options(timeout=60, synth=()))
    assert r.program is not None
    env = {"x": TensorType("int", 1)}
    wrong = parse("append(stride_update(vec_map(x, lambda e: 0), 1, 1, take(scan_max(x), len(x) - 1)),"
                  " reduce_max(append(x, 0)))", env)
    same = parse(r.tensir, env)
    assume = (parse("0 <= len(x)", env),)
    ok = Obligation("postcondition", NOWHERE, assume, (), ((r.program, same),))
    bad = Obligation("postcondition", NOWHERE, assume, (), ((r.program, wrong),))
    assert check_obligations([ok], [Z3Verifier()], timeout=20).level == "unbounded"
    report = check_obligations([bad], [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


def test_a_table_sized_by_a_parameter_states_its_domain(tmp_path: Path) -> None:
    """`[0] * (n + 1)` for a negative `n + 1` is empty in Python while the carried table always
    has its seed: `1 <= n + 1` is in `requires`, and the generated code refuses `n = -1` instead of
    returning `[0]`; inside the domain it equals CPython."""
    text = ("def totals_upto(x: list[int], n: int) -> list[int]:\n"
            "    t = [0] * (n + 1)\n"
            "    for i in range(n):\n"
            "        t[i + 1] = t[i] + x[i]\n"
            "    return t\n")
    path = tmp_path / "upto.py"
    path.write_text(text)
    namespace = run_in_cpython(path, text)
    (r,) = compile_file(str(path), ["totals_upto"], load_registry(), Options(timeout=60, synth=()))
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "1 <= n + 1" in " ".join(r.requires), r.requires
    fn = load_module(r.code, "upto_np").totals_upto
    rng = random.Random(2)
    for _ in range(30):
        xs = [rng.randint(-2**66, 2**66) for _ in range(rng.randint(0, 8))]
        n = rng.randint(0, len(xs))
        assert [int(v) for v in tolist(fn(xs, n))] == namespace["totals_upto"](xs, n), (xs, n)
    assert namespace["totals_upto"]([1, 2], -1) == []
    with pytest.raises(Exception) as raised:
        fn([1, 2], -1)
    assert "requires" in str(raised.value) or type(raised.value).__name__ == "OutsidePrecondition"
