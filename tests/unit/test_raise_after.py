"""Checks after the computation started (`if c: raise E(...)` / `assert` after the loops, loop IR
`Check`, `ir/lifting/late_checks.py`): the lifter states `not c` over the lifted terms in
`requires`, the interpreter raises there, and the generated code checks it at its entry after
the preconditions stated before it, so it raises the source's exception type on the same inputs
(an earlier out-of-range read still raises `IndexError` first) and agrees with CPython elsewhere.
A check on a computed vector is evaluated by the target's own code at the entry; a check in a loop
or after an early return is refused at its line:col."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.interp import Raised, run
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run

SOURCE = '''
def scaled_total(xs: list[int], k: int) -> int:
    total = 0
    for x in xs:
        total += x
    if k > len(xs):
        raise ValueError("k is larger than the list")
    return total * k


def prefix_sum(xs: list[int], n: int) -> int:
    s = 0
    for i in range(n):
        s += xs[i]
    assert n != 3, "three is refused"
    return s


def weighted(values: list[float], weights: list[float]) -> float:
    if len(values) != len(weights):
        raise ValueError("lengths differ")
    total = 0.0
    weight_sum = 0.0
    for v, w in zip(values, weights):
        total += v * w
        weight_sum += w
    if weight_sum == 0:
        raise ValueError("total weight must not be zero")
    return total / weight_sum


def total_and_scaled(xs: list[int], k: int) -> tuple[int, int]:
    s = 0
    for x in xs:
        s += x
    if k < 0:
        raise ValueError("negative k")
    return s, s * k


def in_loop(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x
        if s > 100:
            raise ValueError("too large")
    return s


def after_return(xs: list[int]) -> int:
    if len(xs) == 0:
        return 0
    s = 0
    for x in xs:
        s += x
    if s == 0:
        raise ValueError("zero")
    return s


def entry_reads(xs: list[int], m: list[list[int]]) -> int:
    s = 0
    for x in xs:
        s += x
    if len(xs) > 0 and (xs[0] > 5 or len(m) > 0 and len(m[0]) > 2 and m[0][1] < 0):
        raise ValueError("bad")
    return s


def summed(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x
    if sum(xs) == 0:
        raise ValueError("zero")
    return s
'''


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("late") / "late.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, ["scaled_total", "prefix_sum", "weighted", "in_loop",
                                         "after_return", "total_and_scaled", "entry_reads", "summed"])


def _outcome(f: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", int(f(*args))
    except (ValueError, IndexError, AssertionError) as e:
        return "raises", e


@pytest.mark.parametrize("name", ["scaled_total", "prefix_sum"])
def test_a_check_after_the_loop_raises_as_the_source(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = getattr(load_module(r.code, f"{name}_late"), name)
    rng = random.Random(7)
    raised = {"ValueError": 0, "AssertionError": 0, "IndexError": 0}
    for _ in range(300):
        xs = [rng.randint(-10**9, 10**9) for _ in range(rng.randint(0, 6))]
        args = (xs, rng.randint(0, 8))
        (kind, want), (got_kind, got) = _outcome(namespace[name], *args), _outcome(fn, *args)
        assert kind == got_kind, (args, want, got)
        if kind == "value":
            assert got == want, (args, got, want)
        else:  # the source's exception type (OutsidePrecondition is an IndexError)
            assert isinstance(got, type(want)), (args, want, got)
            raised[type(want).__name__] += 1
    assert raised["ValueError" if name == "scaled_total" else "AssertionError"] > 0, raised
    if name == "prefix_sum":
        assert raised["IndexError"] > 0, raised  # read past the end: before the assert


def test_a_tuple_return_checks_once_for_every_item(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    r = results["total_and_scaled"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "total_and_scaled_late").total_and_scaled
    rng = random.Random(2)
    for _ in range(100):
        args = ([rng.randint(-10**6, 10**6) for _ in range(rng.randint(0, 5))], rng.randint(-3, 3))
        if args[1] < 0:
            with pytest.raises(ValueError, match="negative k"):
                namespace["total_and_scaled"](*args)
            with pytest.raises(ValueError, match="negative k"):
                fn(*args)
        else:
            assert tuple(int(v) for v in fn(*args)) == namespace["total_and_scaled"](*args), args


def test_the_check_is_stated_in_requires(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["prefix_sum"]
    assert "not n == 3" in " ".join(r.requires) or "n != 3" in " ".join(r.requires), r.requires


def test_a_check_on_a_computed_vector_is_evaluated_by_the_target(
        source: Path, compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`weight_sum == 0` reads `reduce_sum(weights[...])`: the target evaluates it at the entry
    (`targets/type_checks.computed_conditions`), raising the source's ValueError on the inputs
    where the interpreter raises (tests/unit/test_computed_checks.py tests it at length)."""
    r = compiled[0]["weighted"]
    generated = load_module(r.code, "weighted_late").weighted
    assert r.lifted and r.proof == "unbounded", r.diagnostics
    assert any("reduce_sum(weights" in q for q in r.requires), r.requires
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "weighted")
    assert any(isinstance(s, L.Check) for s in fn.body)
    with pytest.raises(Raised) as e:
        run(module, "weighted", [[1.0, 2.0], [1.5, -1.5]])
    assert e.value.exception == "ValueError"
    with pytest.raises(ValueError, match="total weight must not be zero"):
        generated([1.0, 2.0], [1.5, -1.5])
    assert run(module, "weighted", [[1.0, 2.0], [1.0, 3.0]]) == pytest.approx(7.0 / 4.0)
    assert generated([1.0, 2.0], [1.0, 3.0]) == pytest.approx(7.0 / 4.0)


@pytest.mark.parametrize("name, where", [("in_loop", "late.py:45:9")])  # after_return: test_zero_trip
def test_a_check_not_every_input_reaches_is_refused(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                    name: str, where: str) -> None:
    r = compiled[0][name]
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    assert "a check raising ValueError inside a loop, a branch or a helper" in text and where in text, text


def test_a_wrong_program_is_not_proven_under_the_check(source: Path) -> None:
    """The check's precondition (k <= len(xs)) does not make a wrong scaling provable."""
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "scaled_total")
    env = {"xs": TensorType("int", 1), "k": TensorType("int", 0)}
    wrong = parse("reduce_sum(xs) * len(xs)", env)  # right only where k == len(xs)
    r = check_candidate(module, fn, wrong)
    assert r is None or check_obligations(r.obligations, [Z3Verifier()], timeout=20).level == "none"


def test_a_check_reading_entries_short_circuits_as_the_source(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Its reads (xs[0], m[0][1]) are evaluated by the entry check as the source evaluates them,
    so they add no precondition: an empty list still gives the source's value."""
    results, namespace = compiled
    r = results["entry_reads"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert len(r.requires) == 1 and "xs[0] > 5" in r.requires[0], r.requires
    fn = load_module(r.code, "entry_reads_late").entry_reads
    rng = random.Random(4)
    raised = 0
    for _ in range(300):
        xs = [rng.randint(-3, 8) for _ in range(rng.randint(0, 3))]
        cols = rng.randint(0, 3)
        m = [[rng.randint(-2, 2) for _ in range(cols)] for _ in range(rng.randint(0, 2))]
        (kind, want), (got_kind, got) = _outcome(namespace["entry_reads"], xs, m), _outcome(fn, xs, m)
        assert kind == got_kind, (xs, m, want, got)
        if kind == "value":
            assert got == want, (xs, m, got, want)
        else:
            assert isinstance(got, type(want)), (xs, m, want, got)
            raised += 1
    assert raised > 0


def test_a_reduction_of_a_parameter_in_a_check_is_evaluated(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["summed"]
    generated = load_module(r.code, "summed_late").summed
    assert r.lifted and r.proof == "unbounded", r.diagnostics
    assert "not reduce_sum(xs) == 0" in " ".join(r.requires), r.requires
    for xs in ([], [2, -2], [0, 0, 0]):
        with pytest.raises(ValueError, match="zero"):
            generated(xs)
    assert generated([3, -1, 5]) == 7 and generated([10**30, 1]) == 10**30 + 1
    with pytest.raises(ValueError, match="zero"):
        generated([10**30, -10**30])  # exact: the int64 code would wrap

