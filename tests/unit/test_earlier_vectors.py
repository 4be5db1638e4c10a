"""Vectors earlier loops computed, as fresh vectors in a later loop's preservation condition
(`ir/lifting/earlier_vectors.py`): running maxima from both ends, then a sum over them, proves
for all lengths, agrees with CPython exactly, and the rewritten condition still refutes a wrong
step."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import lift_function
from tensflo.ir.lifting.build import mk
from tensflo.ir.lifting.earlier_vectors import generalize_vectors
from tensflo.ir.tensir import Var, free_vars, lit
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run

SOURCE = '''
def held_water(bars: list[int]) -> int:
    n = len(bars)
    if n == 0:
        return 0
    lo = [0] * n
    hi = [0] * n
    lo[0] = bars[0]
    for i in range(1, n):
        lo[i] = max(lo[i - 1], bars[i])
    hi[n - 1] = bars[n - 1]
    for i in range(n - 2, -1, -1):
        hi[i] = max(hi[i + 1], bars[i])
    return sum(min(a, b) - h for a, b, h in zip(lo, hi, bars))
'''


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("earlier") / "earlier.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, ["held_water"], timeout=60)


def test_the_sum_over_both_running_maxima_is_proven(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["held_water"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert all(o["status"] == "unsat" for o in r.obligations), r.obligations


def test_it_agrees_with_cpython_exactly(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    got = load_module(results["held_water"].code, "held_water_earlier").held_water
    rng = random.Random(5)
    for _ in range(300):
        bars = [rng.randint(0, 9) for _ in range(rng.randint(1, 12))]  # empty: see zero_trip
        if rng.random() < 0.1:
            bars = [rng.randint(-2**62, 2**62) for _ in range(rng.randint(1, 4))]
        assert int(got(bars)) == namespace["held_water"](bars), bars


def test_the_fresh_vectors_keep_the_step_refutable(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = module.functions[0]
    lifted = lift_function(module, fn)
    params = frozenset(Var(p.name, p.type) for p in fn.params)
    done = [o for o in lifted.obligations if o.kind == "preservation"
            and any(v.name.startswith("earlier") for p in o.goals for t in p for v in free_vars(t))]
    assert len(done) == 1, [o.loc for o in lifted.obligations]
    ob = done[0]
    assert any("len" in str(a) and "earlier" in str(a) for a in ob.assume)  # len(V) == len(T)
    assert generalize_vectors(ob, params) == ob  # nothing left to generalize
    for other in lifted.obligations:
        if other.kind != "preservation":
            assert generalize_vectors(other, params) == other
    assert check_obligations([ob], [Z3Verifier()], timeout=20).level == "unbounded"
    (left, right), = ob.goals
    wrong = replace(ob, goals=((mk("add", left, lit(1)), right),))
    assert check_obligations([wrong], [Z3Verifier()], timeout=20).level == "none"
