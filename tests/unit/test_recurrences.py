"""Running states in the (max, +) / (min, +) semirings (`ir/lifting/recurrences.py`): a state
updated as `max(s + a, b)` (Kadane's running sum, the reset form `if s < 0: s = 0; s += x`, the
`min` form) lifts to scans with an unbounded proof, as does a fold or a push of such a state's (or
a running total's) new value where it proves; the generated code agrees with CPython on random
inputs (ints exactly, also beyond 64 bits; floats within a tolerance). A wrong closed form is not
proven."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import run_in_cpython, tolist

SOURCE = '''
def kadane_state(nums: list[int]) -> int:
    cur = nums[0]
    for x in nums:
        cur = max(x, cur + x)
    return cur


def reset_state(xs: list[float]) -> float:
    cur = 0.0
    for x in xs:
        if cur < 0:
            cur = 0.0
        cur += x
    return cur


def low_state(xs: list[int], seed: int) -> int:
    cur = seed
    for k in range(len(xs)):
        cur = min(cur + xs[k], 3 * xs[k])
    return cur


def best_prefix(xs: list[int]) -> int:
    total = 0
    best = 0
    for x in xs:
        total += x
        best = max(best, total)
    return best


def best_and_worst(nums: list[int]) -> int:
    cur_max, best_max = 0, nums[0]
    cur_min, best_min = 0, nums[0]
    for x in nums:
        cur_max = max(cur_max + x, x)
        best_max = max(best_max, cur_max)
        cur_min = min(cur_min + x, x)
        best_min = min(best_min, cur_min)
    return best_max - best_min


def best_run(xs: list[float]) -> float:
    cur = 0.0
    best = 0.0
    for x in xs[2:]:
        if cur < 0:
            cur = 0.0
        cur += x
        if cur > best:
            best = cur
    return best


def best_window(nums: list[int], k: int) -> int:
    window = 0
    best = 0
    for i in range(k, len(nums)):
        window += nums[i] - nums[i - k]
        best = max(best, window)
    return best


def kadane_trace(xs: list[int]) -> list[int]:
    cur = 0
    out = []
    for x in xs:
        cur = max(cur + x, x)
        out.append(cur)
    return out
'''

LIFTED = ["kadane_state", "reset_state", "low_state", "best_prefix", "kadane_trace",
          "best_and_worst", "best_run", "best_window"]
FLOATS = ("reset_state", "best_run")
PROGRAMS = {
    "kadane_state": "reduce_sum(nums) + reduce_max(append(vec_elemwise_sub(nums, scan_sum(nums)), "
                    "nums[0]))",
    "best_prefix": "reduce_max(append(scan_sum(xs), 0))",
}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "rec.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def results(source: Path) -> dict[str, Any]:
    rs = compile_file(str(source), LIFTED, load_registry(), Options(target="numpy", timeout=30))
    return {r.function: r for r in rs}


def test_semiring_states_lift_with_an_unbounded_proof(results: dict[str, Any]) -> None:
    for name in LIFTED:
        r = results[name]
        assert r.lifted and r.proof == "unbounded", (name, r.proof, [str(d) for d in r.diagnostics])
        assert "scan_sum" in r.tensir, (name, r.tensir)


def test_the_closed_forms(results: dict[str, Any]) -> None:
    env = {"nums": TensorType("int", 1), "xs": TensorType("int", 1)}
    for name, text in PROGRAMS.items():
        assert results[name].program == parse(text, env), (name, results[name].tensir)


def test_semiring_states_agree_with_cpython(results: dict[str, Any], source: Path) -> None:
    namespace = run_in_cpython(source, SOURCE)
    rng = random.Random(21)
    worst = 0.0
    for name in LIFTED:
        fn = getattr(load_module(results[name].code, f"{name}_rec"), name)
        for trial in range(40):
            n = rng.randint(1, 12)
            if name in FLOATS:
                xs: list[Any] = [rng.uniform(-1e3, 1e3) for _ in range(n)]
                want, got = namespace[name](xs), float(fn(xs))
                worst = max(worst, abs(want - got))
                continue
            big = trial % 4 == 0
            xs = [rng.randint(-2**70, 2**70) if big else rng.randint(-60, 60) for _ in range(n)]
            args: tuple[Any, ...] = (xs,)
            if name == "low_state":
                args = (xs, rng.randint(-100, 100))
            elif name == "best_window":
                args = (xs, rng.randint(0, n))
            want = namespace[name](*args)
            got = tolist(fn(*args))
            got = [int(v) for v in got] if isinstance(want, list) else int(got)
            assert got == want, (name, args, got, want)
    assert worst <= 1e-6, f"largest float error {worst}"


def test_a_wrong_closed_form_is_not_proven(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "kadane_state")
    env = {"nums": TensorType("int", 1)}
    # the seed nums[0] replaced by 0: agrees whenever the seed is 0 or the running sum restarts
    wrong = parse("reduce_sum(nums) + reduce_max(append(vec_elemwise_sub(nums, scan_sum(nums)), 0))",
                  env)
    r = check_candidate(module, fn, wrong)
    assert r is not None
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


def test_a_wrong_fold_over_a_trace_is_not_proven(source: Path) -> None:
    """With the trace's step split off (`trace_split.py`), a wrong best is still refuted."""
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "best_run")
    env = {"xs": TensorType("float", 1)}
    # the largest prefix sum: no restart where the running sum goes negative
    wrong = parse("reduce_max(append(scan_sum(xs[2:len(xs)]), 0.0))", env)
    r = check_candidate(module, fn, wrong)
    assert r is not None
    assert sum(ob.kind == "preservation" for ob in r.obligations) >= 1
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None
