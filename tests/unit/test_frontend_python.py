"""The Python frontend: constructs it reads (checked by running the loop IR) and those it refuses."""

from __future__ import annotations

import pytest

from tensflo.ir.loop import LoopIRError, run
from tensflo.plugins.python_frontend import parse_python


def call(src: str, name: str, *args):
    module = parse_python("k.py", src)
    assert not module.rejected, module.rejected
    return run(module, name, list(args))


def test_types_from_annotations_and_from_use() -> None:
    m = parse_python("k.py", """
def f(a: list[list[int]], b: "List[int]", n: int) -> int:
    return n

def g(m, v, k):
    s = 0
    for i in range(len(v)):
        s += m[i][0] * v[i] + k
    return s
""")
    f, g = m.functions
    assert [str(p.type) for p in f.params] == ["mat[int]", "vec[int]", "int"]
    assert [str(p.type) for p in g.params] == ["mat[int]", "vec[int]", "int"]
    assert str(g.result) == "int"


def test_loops_conditions_appends_and_helpers() -> None:
    src = """
def scale(x, k):
    return x * k // 4

def f(a, n):
    out = []
    for i in range(1, n, 2):
        v = a[i] if a[i] > 0 else -a[i]
        if v > 5 and v < 50:
            v = min(v, 20)
        else:
            v = max(v - 1, 0)
        out.append(scale(v, 3))
    j = 0
    while j < 2:
        out.append(a[j] % 3)
        j += 1
    return out
"""
    a = [5, -9, 4, 60, -3]

    def ref() -> list[int]:
        out = []
        for i in range(1, 5, 2):
            v = a[i] if a[i] > 0 else -a[i]
            v = min(v, 20) if 5 < v < 50 else max(v - 1, 0)
            out.append(v * 3 // 4)
        return out + [a[0] % 3, a[1] % 3]

    assert call(src, "f", a, 5) == ref()


def test_for_each_and_list_builders() -> None:
    src = """
def f(xs, m):
    total = 0
    for x in xs:
        total += x
    grid = [[0] * m for _ in range(2)]
    row = [total] * m
    grid[1][0] = total
    return grid[1][0] + len(row)
"""
    assert call(src, "f", [1, 2, 3], 4) == 6 + 4


def test_python_division_floors() -> None:
    assert call("def f(a, b):\n    return a // b + 100 * (a % b)\n", "f", -7, 2) == -4 + 100 * 1


@pytest.mark.parametrize("src, words", [
    ("def f(a):\n    return a[::2]\n", "a slice with a step"),
    ("def f(n):\n    for i in range(n):\n        continue\n    return n\n", "continue"),
    ("def f(a, b):\n    return a / b\n", "//"),
    ("def f(a):\n    return {x * 2 for x in a}\n", "expression"),
    ("def f(*args):\n    return 0\n", "positional"),
    ("def f(a: list[int]):\n    b = a\n    return b\n", "alias"),
])
def test_unsupported_constructs(src: str, words: str) -> None:
    m = parse_python("bad.py", src)
    (rej,) = m.rejected
    assert words in rej.message
    assert rej.loc.file == "bad.py" and rej.loc.line >= 1 and rej.loc.col >= 1


def test_a_repeated_row_list_is_refused_where_it_is_written() -> None:
    """`[[0] * m] * n` holds one row object n times (CPython: a write to t[0] shows in t[1]), so
    reading it as n separate rows would lift to a wrong table; it is refused at its line:col."""
    src = ("def fill(n: int, m: int) -> list[list[int]]:\n"
           "    t = [[0] * m] * n\n"
           "    for i in range(n):\n"
           "        for j in range(m):\n"
           "            t[i][j] = i + j\n"
           "    return t\n")
    namespace: dict = {}
    exec(src, namespace)
    assert namespace["fill"](2, 2) == [[1, 2], [1, 2]]  # the aliasing the refusal is about
    (rej,) = parse_python("alias.py", src).rejected
    assert "repeats one list object" in rej.message
    assert (rej.loc.line, rej.loc.col) == (2, 9)
    rows = parse_python("rows.py", src.replace("[[0] * m] * n", "[[0] * m for _ in range(n)]"))
    assert not rows.rejected and run(rows, "fill", [2, 2]) == [[0, 1], [1, 2]]


def test_syntax_error_has_a_position() -> None:
    with pytest.raises(LoopIRError) as e:
        parse_python("bad.py", "def f(a):\n    return (a +\n")
    assert e.value.loc.line >= 2 and "syntax error" in e.value.message
