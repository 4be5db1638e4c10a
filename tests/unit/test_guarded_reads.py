"""Reads past the end of a vector that a condition guards (`x[i + 1]` under `if i + 1 < len(x)`):
read from the vector padded by one entry, the branch chosen by int arithmetic; proven, and equal to
CPython on every length (odd lengths are not refused)."""

from __future__ import annotations

import random

import pytest

from tensflo.compiler.differential import load_module

from ..support.python_sources import compile_and_run, plain

SOURCE = '''def pair_sums(nums: list[int]) -> list[int]:
    out = [0] * ((len(nums) + 1) // 2)
    for i in range(0, len(nums), 2):
        pair = nums[i]
        if i + 1 < len(nums):
            pair += nums[i + 1]
        out[i // 2] = pair
    return out


def next_or_zero(x: list[int]) -> list[int]:
    out = []
    for i in range(len(x)):
        nxt = 0
        if i + 1 < len(x):
            nxt = x[i + 1]
        out.append(3 * x[i] - nxt)
    return out
'''

KERNELS = ["pair_sums", "next_or_zero"]


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("guarded") / "g.py"
    path.write_text(SOURCE)
    return compile_and_run(path, SOURCE, KERNELS, timeout=60)


@pytest.mark.parametrize("name", KERNELS)
def test_guarded_reads_lift_unbounded_and_agree_with_cpython(lifted, name: str) -> None:
    results, namespace = lifted
    r = results[name]
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    assert "append(" in r.tensir, r.tensir  # the padded read
    fn = getattr(load_module(r.code, f"{name}_guarded"), name)
    rng = random.Random(name)
    lengths = set()
    for _ in range(60):
        xs = [rng.randint(-10**19, 10**19) for _ in range(rng.randint(0, 11))]
        assert plain(fn(xs)) == namespace[name](xs), xs
        lengths.add(len(xs) % 2)
    assert lengths == {0, 1}
