"""Non-finite seeds of folds (`ir/lifting/infinite_seeds.py`): `smallest = float("inf")` before a
loop lowering it lifts with an unbounded proof over every finite seed on `len >= 1`; the empty
input, where every loop runs zero times, returns the source's value (the seed) at the entry
(`ir/lifting/zero_trip.py`), so the generated code agrees with CPython on every list. An infinity
used in arithmetic, or as a seed that is not its fold's identity, is refused."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry

SOURCE = '''
import math

_INF = float("inf")
NEG = -math.inf


def find_min(values: list[int | float]) -> int | float:
    smallest = _INF
    for value in values:
        if value < smallest:
            smallest = value
    return smallest


def largest(xs: list[float]) -> float:
    best = NEG
    for x in xs:
        best = max(best, x)
    return best


def shifted(xs: list[float]) -> float:
    m = NEG
    for x in xs:
        m = max(m + 0.0, x)
    return m


def always_inf(xs: list[float]) -> float:
    m = _INF
    for x in xs:
        m = max(m, x)
    return m


def profit(prices: list[int | float]) -> int | float:
    low: int | float = _INF
    best: int | float = 0
    for p in prices:
        if p < low:
            low = p
        elif p - low > best:
            best = p - low
    return best


def int_max(nums: list[int]) -> int | float:
    best = NEG
    for x in nums:
        if x > best:
            best = x
    return best


def halved_max(nums: list[int]) -> float:
    best = NEG
    for x in nums:
        if x > best:
            best = x * 0.5
    return best


def top_two(nums: list[int]) -> int | float:
    first, second = NEG, NEG
    for x in nums:
        if x > first:
            first, second = x, first
        elif x > second:
            second = x
    return second


def drawdown(xs: list[float]) -> float:
    peak = NEG
    worst = 0.0
    for x in xs:
        peak = max(peak, x)
        worst = max(worst, peak - x)
    return worst
'''


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path = tmp_path_factory.mktemp("inf") / "inf.py"
    path.write_text(SOURCE)
    namespace: dict[str, Any] = {}
    exec(compile(SOURCE, str(path), "exec"), namespace)
    names = ["find_min", "largest", "shifted", "always_inf", "profit", "drawdown", "top_two",
             "int_max", "halved_max"]
    results = compile_file(str(path), names, load_registry(), Options(timeout=30, synth=()))
    return {r.function: r for r in results}, namespace


@pytest.mark.parametrize("name, proven_on", [("find_min", "1 <= len(values)"),
                                             ("largest", "1 <= len(xs)")])
def test_identity_seeds_lift_on_every_input(compiled: tuple[dict[str, Any], dict[str, Any]],
                                            name: str, proven_on: str) -> None:
    """The program is proven on non-empty inputs; the empty one, where every loop runs zero
    times, returns the source's infinite seed at the entry, so `requires` is empty."""
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded" and r.arithmetic == "real", \
        [str(d) for d in r.diagnostics]
    assert r.requires == [], r.requires
    notes = " ".join(d.message for d in r.diagnostics)
    assert f"the program is proven where {proven_on}" in notes, notes
    assert "inf" not in r.tensir, r.tensir
    fn = getattr(load_module(r.code, f"{name}_inf"), name)
    rng = random.Random(5)
    worst, empties = 0.0, 0
    for _ in range(60):
        xs = [rng.uniform(-1e6, 1e6) for _ in range(rng.randint(0, 12))]
        want, got = namespace[name](xs), float(fn(xs))
        if not xs:
            empties += 1
            assert math.isinf(want) and got == want, (got, want)
            continue
        assert math.isfinite(got)
        worst = max(worst, abs(want - got))
    assert empties and worst == 0.0, f"largest error {worst}"  # a min or max picks an input
    assert fn([]) == namespace[name]([]) and fn(()) == namespace[name](())


def test_other_uses_of_an_infinity_are_refused(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, _ = compiled
    shifted, always = results["shifted"], results["always_inf"]
    assert not shifted.lifted and not always.lifted
    text = " ".join(str(d) for d in shifted.diagnostics)
    assert "infinity used in arithmetic" in text and "inf.py:26:17" in text, text
    text = " ".join(str(d) for d in always.diagnostics)
    assert "the infinity is used other than as the first value" in text, text


def test_a_wrong_program_for_an_infinite_seed_is_refuted(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """On the lifted domain, the verifier tells the lifted minimum from a maximum."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import parse
    from tensflo.ir.tensir.types import TensorType
    from tensflo.plugins.solvers import Z3Verifier

    results, _ = compiled
    r = results["find_min"]
    env = {"values": TensorType("float", 1)}
    domain = (parse("1 <= len(values)", env),)
    same = Obligation("postcondition", NOWHERE, domain, (), ((r.program, parse(r.tensir, env)),))
    wrong = Obligation("postcondition", NOWHERE, domain, (),
                       ((r.program, parse("reduce_max(values)", env)),))
    assert check_obligations([same], [Z3Verifier()], timeout=20).level == "unbounded"
    report = check_obligations([wrong], [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


@pytest.mark.parametrize("name", ["profit", "drawdown"])
def test_a_seed_the_first_iteration_replaces_is_peeled(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    """`low = inf` then `p - low` in the loop: the first iteration sets `low = p` before any
    arithmetic reads it (`ir/lifting/peel_seed.py`), so the program is proven on `0 < len`, and
    the empty list returns the source's `best` at the entry."""
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded" and r.requires == [], \
        [str(d) for d in r.diagnostics]
    assert "inf" not in r.tensir, r.tensir
    fn = getattr(load_module(r.code, f"{name}_peeled"), name)
    rng = random.Random(9)
    worst = 0.0
    for n in [0, 1, 2, *(rng.randint(0, 16) for _ in range(50))]:
        xs = [rng.choice([rng.uniform(-1e3, 1e3), float(rng.randint(-50, 50))]) for _ in range(n)]
        want, got = namespace[name](xs), float(fn(xs))
        worst = max(worst, abs(want - got))
    assert worst <= 1e-9, f"largest error {worst}"


def test_a_wrong_program_for_a_peeled_seed_is_refuted(tmp_path: Path) -> None:
    """The obligations of the peeled function tell its program from the spread max - min."""
    from tensflo.compiler.pipeline import read_module
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation, lift_function
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import parse
    from tensflo.ir.tensir.types import TensorType
    from tensflo.plugins.solvers import Z3Verifier

    path = tmp_path / "inf.py"
    path.write_text(SOURCE)
    module = read_module(str(path), load_registry())
    fn = module.function("drawdown")
    assert fn is not None
    lifted = lift_function(module, fn)
    assert check_obligations(lifted.obligations, [Z3Verifier()], timeout=20).level == "unbounded"
    env = {"xs": TensorType("float", 1)}
    domain = tuple(lifted.requires)
    wrong = Obligation("postcondition", NOWHERE, domain, (), (
        (lifted.program, parse("reduce_max(xs) + reduce_max(vec_map(xs, lambda e: -e))", env)),))
    report = check_obligations([wrong], [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


def test_an_infinite_seed_only_ints_meet_is_an_int(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`best = -inf` then `if x > best: best = x` over ints: CPython compares the ints with the
    seed exactly and returns an int; the variable is lifted as an int (the seed an int below
    every input), so the result is exact beyond 2**53 and 64 bits, and `-inf` on the empty
    list. Where the variable also receives a float (`x * 0.5`), comparing ints with it as floats
    would be inexact: refused at the comparison, saying so."""
    results, namespace = compiled
    r = results["int_max"]
    assert r.lifted and r.proof == "unbounded" and r.requires == [] and r.tensir == "reduce_max(nums)", \
        [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "int_max_inf").int_max
    big = 2**53 + 1  # why: as floats, big and big - 1 are equal
    assert float(big) == float(big - 1)
    rng = random.Random(2)
    for xs in ([], [big - 1, big], [big, big - 1], [-(10**30), 10**30 + 1, 10**30],
               *([rng.randint(-10**20, 10**20) for _ in range(rng.randint(1, 9))] for _ in range(30))):
        want, got = namespace["int_max"](list(xs)), fn(list(xs))
        assert got == want and (isinstance(want, float) or int(got) == want), (xs, got, want)
    r = results["halved_max"]
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    line = SOURCE.splitlines().index("def halved_max(nums: list[int]) -> float:") + 4
    assert f"inf.py:{line}:12: note: loop-shape rules: an int compared with best" in text, text
    assert "inexact beyond 2**53" in text, text
    # two coupled states (the largest and the second largest): the int seed does not help
    text = " ".join(str(d) for d in results["top_two"].diagnostics)
    assert not results["top_two"].lifted and "coupled running states" in text, text
