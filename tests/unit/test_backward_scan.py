"""Backward scans: a Python loop counting down (`reversed(range(n))`, `range(n - 1, -1, -1)`)
whose iterations do not commute (a running total, maximum or minimum written at the counter) is
run in its own order over a counter `t` counting up, `i = start - t`; the writes at `i` are then
writes at affine positions and the running value a scan: a suffix sum is
`stride_update(full(n, 0), n - 1, -1, scan_sum(stride(x, n - 1, -1, n)))` (a reverse of a scan of a
reverse), proven unbounded; the generated code agrees with CPython (exact ints beyond 64 bits,
floats with a tolerance); an order-dependent update that is no scan is refused at its line:col.
DP tables with their first (last) entry set before the loop and each next entry computed from the
one written before (`t[i] = max(t[i + 1], h[i])` counting down, `t[i] = t[i - 1] + x[i]` counting
up) lift through `element_writes.py` and `previous_cell.py` with the same checks; an empty input
raises IndexError as in CPython."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.tests.support.python_sources import compile_and_run, plain

SOURCE = '''
def suffix_sums(nums: list[int]) -> list[int]:
    n = len(nums)
    suffix = [0] * n
    running = 0
    for i in reversed(range(n)):
        running += nums[i]
        suffix[i] = running
    return suffix


def suffix_max(xs: list[int]) -> list[int]:
    n = len(xs)
    out = [0] * n
    best = -1000000000
    for i in range(n - 1, -1, -1):
        best = max(best, xs[i])
        out[i] = best
    return out


def exclusive_suffix(xs: list[float]) -> list[float]:
    n = len(xs)
    out = [0.0] * n
    acc = 0.0
    for i in range(n - 1, -1, -1):
        out[i] = 2.0 * acc
        acc += xs[i] * 0.5
    return out


def suffix_min_after_first(xs: list[int]) -> list[int]:
    n = len(xs)
    out = [0] * n
    low = 1000000000
    for i in range(n - 1, 0, -1):
        low = min(low, xs[i])
        out[i] = low
    return out


def right_max(heights: list[int]) -> list[int]:
    n = len(heights)
    table = [0] * n
    table[n - 1] = heights[n - 1]
    for i in range(n - 2, -1, -1):
        table[i] = max(table[i + 1], heights[i])
    return table


def left_sums(xs: list[float]) -> list[float]:
    n = len(xs)
    table = [0.0] * n
    table[0] = xs[0] * 0.5
    for i in range(1, n):
        table[i] = table[i - 1] + xs[i] * 0.5
    return table


def suffix_table(xs: list[int]) -> list[int]:
    n = len(xs)
    suf = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suf[i] = suf[i + 1] + xs[i]
    return suf


def squaring_suffix(xs: list[int]) -> list[int]:
    n = len(xs)
    out = [0] * n
    acc = 1
    for i in range(n - 1, -1, -1):
        acc = acc * acc + xs[i]
        out[i] = acc
    return out


def fib_table(n: int) -> list[int]:
    dp = [0] * (n + 2)
    dp[1] = 1
    for i in range(2, n + 2):
        dp[i] = dp[i - 1] + dp[i - 2]
    return dp
'''
NAMES = ["suffix_sums", "suffix_max", "exclusive_suffix", "suffix_min_after_first", "right_max",
         "left_sums", "suffix_table"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backward") / "backward.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, [*NAMES, "squaring_suffix", "fib_table"])


@pytest.mark.parametrize("name", NAMES)
def test_backward_scans_lift_and_agree_with_cpython(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "scan_" in r.tensir and "stride" in r.tensir, r.tensir
    fn = getattr(load_module(r.code, f"{name}_backward"), name)
    rng = random.Random(5)
    worst = 0.0
    for n in [0, 1, 2, 3, *(rng.randint(0, 30) for _ in range(40))]:
        if name in ("exclusive_suffix", "left_sums"):
            args: tuple[Any, ...] = ([rng.uniform(-1e3, 1e3) for _ in range(n)],)
        elif name == "suffix_sums":  # beyond 64 bits: exact or refused, never wrapped
            args = ([rng.randint(-10**19, 10**19) for _ in range(n)],)
        else:
            args = ([rng.randint(-10**6, 10**6) for _ in range(n)],)
        try:
            want = namespace[name](*args)
        except IndexError:  # the first entry of an empty table: refused by the precondition
            with pytest.raises(IndexError):
                fn(*args)
            continue
        try:
            got = plain(fn(*args))
        except OverflowError:
            continue
        if name in ("exclusive_suffix", "left_sums"):
            assert len(got) == len(want)
            worst = max([worst, *(abs(a - b) for a, b in zip(got, want, strict=True))])
        else:
            assert got == want, (name, args, got, want)
    assert worst <= 1e-9, f"largest float error {worst}"


def test_an_order_dependent_update_that_is_no_scan_is_refused(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["squaring_suffix"]
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    assert "backward.py:73:9" in text, text
    assert "acc is not updated as a sum, product, max or min" in text, text


def test_a_table_read_two_entries_back_is_refused_as_a_recurrence_of_order_two(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["fib_table"]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    assert "backward.py:82:9" in text, text
    assert "dp is filled from the entry written 2 iterations before: a recurrence of order 2" in text
