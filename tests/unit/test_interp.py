"""The loop-IR interpreter: each language's integer semantics, and inputs outside the domain."""

from __future__ import annotations

import pytest

from tensflo.ir.loop import StepLimit, Undefined, run
from tensflo.ir.loop.interp import Interpreter
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.python_frontend import parse_python

CPP = """#include <vector>
int div(int a, int b) { return a / b; }
int rem(int a, int b) { return a % b; }
int at(std::vector<int> v, int i) { return v[i]; }
int big(int a) { return a * a; }
int spin(int n) { int i = 0; while (i < n) { i = i + 0; } return i; }
"""
PY = """
def div(a, b):
    return a // b

def rem(a, b):
    return a % b

def at(v: list[int], i: int) -> int:
    return v[i]
"""


@pytest.mark.parametrize("a, b", [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 5)])
def test_cpp_truncates_and_python_floors(a: int, b: int) -> None:
    cpp = parse_cpp("k.cc", CPP)
    py = parse_python("k.py", PY)
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    assert run(cpp, "div", [a, b]) == q
    assert run(cpp, "rem", [a, b]) == a - b * q
    assert run(py, "div", [a, b]) == a // b
    assert run(py, "rem", [a, b]) == a % b


def test_undefined_behaviour_is_reported_with_its_location() -> None:
    cpp = parse_cpp("k.cc", CPP)
    with pytest.raises(Undefined, match="division by zero") as e:
        run(cpp, "div", [1, 0])
    assert e.value.loc.line == 2
    with pytest.raises(Undefined, match="out of range"):
        run(cpp, "at", [[1, 2], 2])
    with pytest.raises(Undefined, match="out of range"):
        run(cpp, "at", [[1, 2], -1])
    with pytest.raises(Undefined, match="overflow"):
        run(cpp, "big", [70000])
    assert run(cpp, "big", [46340]) == 46340 * 46340


def test_python_negative_index_counts_from_the_end_and_ints_are_unbounded() -> None:
    py = parse_python("k.py", PY)
    assert run(py, "at", [[1, 2, 3], -1]) == 3
    with pytest.raises(Undefined):
        run(py, "at", [[1, 2, 3], 3])


def test_a_loop_that_does_not_end_hits_the_step_limit() -> None:
    cpp = parse_cpp("k.cc", CPP)
    with pytest.raises(StepLimit):
        Interpreter(cpp, steps=1000).run("spin", [5])


def test_arguments_are_not_modified() -> None:
    cpp = parse_cpp("k.cc", "#include <vector>\nstd::vector<int> f(std::vector<int> v) { v[0] = 9; return v; }\n")
    arg = [1, 2]
    assert run(cpp, "f", [arg]) == [9, 2]
    assert arg == [1, 2]
