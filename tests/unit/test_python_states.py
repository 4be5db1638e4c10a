"""Running states of real Python (`ir/lifting/kept_branches.py`): an `if`/`elif` chain whose first
branch changes another state (`if v < lo: lo = v  elif v > hi: hi = v`) is read as the second
branch alone, as a candidate the loop's preservation obligation checks against the source. The
tuple-returning `min_max` lifts with an unbounded proof and equals CPython exactly on ints beyond
64 bits; a chain where the merge is wrong (`lo` seeded with a constant: `v < lo` no longer implies
`v <= hi`, wrong only for values below -1000) is refuted by the proof
itself, not only by random tests. `all(a == b for a, b in zip(s, reversed(s)))` is a search over
the reversed view `stride(s, len(s) - 1, -1, len(s))`, whose range is a precondition. A count over
the pairs i < j is refused naming the triangle TensIR cannot state. The best gain of one buy and a
later sell (`if p < m: m = p  elif p - m > best: best = p - m`, or `best = max(best, p - m)` after
`m = min(m, p)`) is the maximum over the trace of the running minimum of `p - m'`; seeded below 0
the merge is wrong and refuted; from an infinite seed it lifts with its first iteration peeled
(`ir/lifting/peel_seed.py`) and the empty list answered at the entry (`ir/lifting/zero_trip.py`).
`out.reverse(); return out` for a list built from `[]` returns the reversed view
(`plugins/python_reverse.py`); `.reverse()` of a parameter stays refused (the caller's list
changes). An exchange of two elements of a list in a loop (a sort) is refused naming it; one at
fixed positions lifts."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import lift_function
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run

SOURCE = '''
def min_max(values: list[int]) -> tuple[int, int]:
    if not values:
        raise ValueError("empty")
    lo = hi = values[0]
    for v in values[1:]:
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return lo, hi


def spread(xs: list[float]) -> float:
    lo = xs[0]
    hi = xs[0]
    for x in xs:
        if x < lo:
            lo = x
        elif x > hi:
            hi = x
    return hi - lo


def is_palindrome(seq: list[int]) -> bool:
    return all(a == b for a, b in zip(seq, reversed(seq)))


def off_by_one(seq: list[int]) -> bool:
    for i in range(len(seq)):
        if seq[i] != seq[len(seq) - i]:
            return False
    return True


def count_pairs_with_sum(nums: list[int], target: int) -> int:
    count = 0
    n = len(nums)
    for i in range(n):
        for j in range(i + 1, n):
            if nums[i] + nums[j] == target:
                count += 1
    return count


def profit_elif(prices: list[int]) -> int:
    min_price = prices[0]
    best = 0
    for price in prices:
        if price < min_price:
            min_price = price
        elif price - min_price > best:
            best = price - min_price
    return best


def profit_minmax(prices: list[float]) -> float:
    m = prices[0]
    best = 0.0
    for p in prices:
        m = min(m, p)
        best = max(best, p - m)
    return best


def profit_below_zero(prices: list[int]) -> int:
    min_price = prices[0]
    best = -5
    for price in prices[1:]:
        if price < min_price:
            min_price = price
        elif price - min_price > best:
            best = price - min_price
    return best


_INF = float("inf")


def profit_from_inf(prices: list[float]) -> float:
    min_price: float = _INF
    best: float = 0.0
    for price in prices:
        if price < min_price:
            min_price = price
        elif price - min_price > best:
            best = price - min_price
    return best


def reversed_squares(xs: list[int]) -> list[int]:
    out = []
    for x in xs:
        out.append(x * x)
    out.reverse()
    return out


def reverse_the_callers_list(xs: list[int]) -> list[int]:
    xs.reverse()
    return xs


def best_product(numbers: list[int]) -> int:
    hi = lo = best = numbers[0]
    for x in numbers[1:]:
        if x < 0:
            hi, lo = lo, hi
        hi = max(x, hi * x)
        lo = min(x, lo * x)
        best = max(best, hi)
    return best


def one_bubble_pass(xs: list[int]) -> list[int]:
    items = xs[:]
    for i in range(len(items) - 1):
        if items[i] > items[i + 1]:
            items[i], items[i + 1] = items[i + 1], items[i]
    return items


def swap_ends(xs: list[int]) -> list[int]:
    items = xs[:]
    items[0], items[-1] = items[-1], items[0]
    return items


def count_inversions(arr: list[int]) -> int:
    inv = 0
    for i in range(len(arr)):
        for j in range(i + 1, len(arr)):
            if arr[i] > arr[j]:
                inv += 1
    return inv


def wrong_merge(values: list[int]) -> int:
    lo = -1000
    hi = values[0]
    for v in values[1:]:
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return hi
'''


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("states") / "states.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, [
        "min_max", "spread", "is_palindrome", "off_by_one", "count_pairs_with_sum", "profit_elif",
        "profit_minmax", "profit_below_zero", "profit_from_inf", "reversed_squares",
        "reverse_the_callers_list", "best_product", "one_bubble_pass", "swap_ends",
        "count_inversions", "wrong_merge"])


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return [_plain(x) for x in v] if hasattr(v, "__len__") else v


@pytest.mark.parametrize("name", ["min_max", "spread", "profit_elif", "profit_minmax",
                                  "reversed_squares", "swap_ends"])
def test_elif_chains_lift_and_agree_with_cpython(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                 name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = getattr(load_module(r.code, f"{name}_states"), name)
    rng = random.Random(5)
    worst = 0.0
    for n in [1, 2, 3, *(rng.randint(1, 30) for _ in range(40))]:
        if name == "reversed_squares" and n == 1:
            n = 0  # the empty list too
        if name in ("spread", "profit_minmax"):
            args: tuple[Any, ...] = ([rng.uniform(-1e3, 1e3) for _ in range(n)],)
        else:  # beyond 64 bits: exact, never wrapped
            args = ([rng.randint(-10**30, 10**30) for _ in range(n)],)
        want = namespace[name](*[list(a) if isinstance(a, list) else a for a in args])
        got = _plain(fn(*args))
        if isinstance(want, float):
            worst = max(worst, abs(want - float(got)))
        else:
            assert got == want, (name, args, got, want)
    assert worst <= 1e-9, f"largest float error {worst}"


def test_min_max_refuses_the_empty_list(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fn = load_module(compiled[0]["min_max"].code, "min_max_empty").min_max
    with pytest.raises(ValueError):
        fn([])


def test_a_wrong_merge_is_refuted_by_the_proof(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "wrong_merge")
    r = lift_function(module, fn)  # the rules' candidate: hi = max(values)
    assert "reduce_max" in str(r.program)
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


@pytest.mark.parametrize("name", ["wrong_merge", "profit_below_zero"])
def test_a_wrong_merge_is_not_lifted(compiled: tuple[dict[str, Any], dict[str, Any]],
                                     name: str) -> None:
    r = compiled[0][name]
    assert not r.lifted and r.proof != "unbounded", (r.proof, r.tensir)


def test_is_palindrome_lifts_and_agrees_with_cpython(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    r = results["is_palindrome"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "stride(seq, len(seq) - 1, -1" in r.tensir, r.tensir
    fn = load_module(r.code, "palindrome_states").is_palindrome
    rng = random.Random(8)
    for n in range(0, 30):
        half = [rng.randint(-2, 2) * 10**20 for _ in range(n // 2)]
        pal = half + [rng.randint(-3, 3)] * (n % 2) + half[::-1]
        for seq in (pal, [rng.randint(-2, 2) for _ in range(n)]):
            assert bool(fn(seq)) == namespace["is_palindrome"](seq), seq


def test_a_reversed_read_past_the_end_is_not_read(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    r = results["off_by_one"]
    assert r.lifted, [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "off_by_one_states").off_by_one
    assert fn([]) == namespace["off_by_one"]([])
    for seq in ([1], [3, 3], [1, 2, 1]):  # CPython reads seq[len(seq)]: so must the lift refuse
        with pytest.raises(IndexError):
            namespace["off_by_one"](seq)
        with pytest.raises(Exception) as refused:
            fn(seq)
        assert isinstance(refused.value, IndexError | ValueError), refused.value


@pytest.mark.parametrize("name", ["count_pairs_with_sum", "count_inversions"])
def test_a_sum_over_pairs_is_refused_naming_the_triangle(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    r = compiled[0][name]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    assert "a sum over the pairs i < j" in text and "triangle" in text, text
    if name == "count_pairs_with_sum":
        assert "states.py:39:5" in text, text


def test_a_profit_merge_seeded_below_zero_is_refuted(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "profit_below_zero")
    r = lift_function(module, fn)  # falling prices keep -5, the merged form gives 0
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


def test_profit_from_an_infinite_seed_lifts_with_its_first_iteration_peeled(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    r = results["profit_from_inf"]
    assert r.lifted and r.proof == "unbounded" and r.requires == [], \
        [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "profit_from_inf_states").profit_from_inf
    rng = random.Random(7)
    worst = 0.0
    for n in [0, 1, 2, *(rng.randint(0, 20) for _ in range(40))]:
        prices = [rng.uniform(-1e3, 1e3) for _ in range(n)]
        worst = max(worst, abs(namespace["profit_from_inf"](prices) - float(fn(prices))))
    assert worst <= 1e-9, f"largest float error {worst}"


def test_reverse_of_a_parameter_stays_refused(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["reverse_the_callers_list"]
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    assert "the list method .reverse()" in text, text


def test_leaders_is_refused_at_its_loop_not_at_reverse() -> None:
    root = Path(__file__).resolve().parents[2]
    path = root / "benchmarks" / "kernels" / "python_real" / "leaders.py"
    (r,) = compile_file(str(path), ["leaders"], load_registry(), Options(timeout=30, synth=()))
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    assert ".reverse()" not in text and "leaders.py:18:16" in text, text


def test_coupled_states_are_refused_naming_them(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["best_product"]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    assert "coupled running states: the update of hi reads lo" in text, text


def test_an_exchange_in_a_loop_is_refused_naming_it(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["one_bubble_pass"]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    assert "an exchange of two elements of items in a loop" in text and "no sort op" in text, text
    line = SOURCE.splitlines().index("            items[i], items[i + 1] = items[i + 1], items[i]")
    assert f"states.py:{line + 1}:13" in text, text
