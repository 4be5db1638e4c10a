"""The shapes of real Python read into loop IR (plugins/python_shapes.py, python_comprehensions.py).

Each shape is checked by running the loop IR the frontend reads against CPython on random inputs
(ints exactly, small and beyond 64 bits; floats within a relative tolerance, the largest error
reported), refused constructs by their message and line:col, and a few lifted end to end with
the generated NumPy code compared with CPython (compiler/differential.py).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import check_compiled
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.interp import Interpreter, StepLimit, Undefined, run
from tensflo.plugins.manager import load_registry
from tensflo.plugins.python_frontend import parse_python

SHAPES = {
    "tuple_swap": """
        def f(a: list[int], b: list[int]) -> int:
            x, y = 0, 1
            for v in a:
                x, y = y, x + y * v
            return x - y
        """,
    "swap_elements": """
        def f(a: list[int], b: list[int]) -> list[int]:
            out = a[:]
            i, j = 0, len(out) - 1
            while i < j:
                out[i], out[j] = out[j], out[i]
                i, j = i + 1, j - 1
            return out
        """,
    "chained": """
        def f(a: list[int], b: list[int]) -> int:
            lo = hi = len(a)
            for v in a:
                lo, hi = min(lo, v), max(hi, v)
            return hi - lo
        """,
    "enumerate": """
        def f(a: list[int], b: list[int]) -> int:
            s = 0
            for i, x in enumerate(a):
                s += i * x
            for i, x in enumerate(b[2:], start=5):
                s -= i * x
            for i, (x, y) in enumerate(zip(a, b)):
                s += i * (x - y)
            return s
        """,
    "zip_shortest": """
        def f(a: list[int], b: list[int]) -> int:
            s = 0
            for x, y in zip(a, b):
                s += x * y
            for x, y in zip(a, a[1:]):
                s += x - y
            return s
        """,
    "reversed_and_backward": """
        def f(a: list[int], b: list[int]) -> int:
            s = 0
            for x in reversed(a):
                s = s * 3 + x
            for i in range(len(b) - 1, -1, -1):
                s = s * 2 - b[i]
            for i in reversed(range(1, len(a))):
                s += i * a[i]
            return s
        """,
    "unpack_rows": """
        def f(a: list[int], b: list[int]) -> int:
            pairs = [[x, y] for x, y in zip(a, b)]
            s = 0
            for x, y in pairs:
                s += x * y
            for x, y in reversed(pairs):
                s = 2 * s - x
            return s + sum(x - y for x, y in pairs[1:])
        """,
    "stepped_range": """
        def f(a: list[int], b: list[int]) -> int:
            s = 0
            for i in range(0, len(a), 2):
                s += a[i]
            for i in range(len(b) - 1, 0, -3):
                s -= b[i]
            return s
        """,
    "sum_generators": """
        def f(a: list[int], b: list[int]) -> int:
            return (sum(x * x for x in a if x > 0) + sum(a) + sum(b, 10)
                    + sum(1 for x, y in zip(a, b) if x != y)
                    + sum(a[i] * b[j] for i in range(len(a)) for j in range(len(b))))
        """,
    "min_max": """
        def f(a: list[int], b: list[int]) -> int:
            m = max((v for v in b), default=-7) + min((v * 2 for v in b if v > 0), default=3)
            if a:
                m += max(a) - min(abs(x) for x in a) + max(a[1:], default=0)
            return m
        """,
    "conditional": """
        def f(a: list[int], b: list[int]) -> int:
            s = max(a) if a else min(b, default=0)
            t = len(b) > 1 and max(b[1:]) > 2 or 0 in a
            return s + t + (sum(x // y for x, y in zip(a, b)) if 0 not in b else -1)
        """,
    "all_any_in": """
        def f(a: list[int], b: list[int]) -> int:
            s = 0
            if all(x > -3 for x in a):
                s += 1
            if any(x == y for x, y in zip(a, reversed(a))):
                s += 2
            if 3 in a:
                s += 4
            if 0 not in b:
                s += 8
            return s
        """,
    "comprehensions": """
        def f(a: list[int], b: list[int]) -> list[list[int]]:
            return [[x * y for y in b if y != x] for x in a]
        """,
    "lists": """
        def f(a: list[int], b: list[int]) -> list[int]:
            c = [1] + [0] * len(a)
            d = [len(a), len(b), 2]
            return c + d + a[1:3] + b[-2:] + list(a) + a[:-1]
        """,
    "tables": """
        def f(a: list[int], b: list[int]) -> list[int]:
            n = len(a)
            t = [[0] * (n + 1) for _ in range(n + 1)]
            for i, x in enumerate(a):
                for j in range(n):
                    t[i + 1][j + 1] = t[i][j + 1] + x * (j + 1)
            return [sum(row) for row in t]
        """,
    "defaults_and_powers": """
        def f(a: list[int], b: list[int], k: int = 3) -> int:
            return sum(x ** 2 - x ** 3 for x in a) + k ** 4
        """,
    "floats": """
        def f(a: list[float], b: list[float]) -> float:
            mu = sum(a) / len(a) if a else 0.0
            return sum((x - mu) ** 2 for x in a) + sum(x * y for x, y in zip(a, b))
        """,
}


def _module(src: str) -> tuple[L.Module, types.ModuleType]:
    text = textwrap.dedent(src)
    module = parse_python("shapes.py", text)
    namespace = types.ModuleType("shapes")
    exec(compile(text, "shapes.py", "exec"), namespace.__dict__)
    return module, namespace


def _draw(rnd: random.Random, param: L.Param) -> Any:
    elem, n = param.type.elem, rnd.randint(0, 6)
    if param.type.rank == 0:
        return n
    if elem == "float":
        return [rnd.choice([rnd.uniform(-5, 5), float(rnd.randint(-3, 3))]) for _ in range(n)]
    big = rnd.random() < 0.2
    return [rnd.randint(-2**70, 2**70) if big else rnd.randint(-4, 4) for _ in range(n)]


def _close(want: Any, got: Any, worst: list[float]) -> bool:
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(
            _close(w, g, worst) for w, g in zip(want, got, strict=True))
    if isinstance(want, float) or isinstance(got, float):
        worst.append(abs(want - got))
        return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-9)
    return bool(want == got) and type(want) is type(got)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_read_shape_runs_like_cpython(name: str) -> None:
    """The loop IR gives CPython's value on every input where CPython returns one."""
    module, namespace = _module(SHAPES[name])
    assert not module.rejected, module.rejected
    fn = module.function("f")
    assert fn is not None
    rnd = random.Random(name)
    agreed, worst = 0, [0.0]
    for _ in range(200):
        args = [_draw(rnd, p) for p in fn.params]
        try:
            want = namespace.f(*copy.deepcopy(args))
        except (ValueError, ZeroDivisionError, IndexError):
            continue
        try:
            got = run(module, "f", args)
        except (Undefined, StepLimit) as e:
            raise AssertionError(f"{name}{args}: CPython gives {want}, loop IR: {e}") from None
        assert _close(want, got, worst), f"{name}{args}: CPython {want}, loop IR {got}"
        agreed += 1
    assert agreed >= 100, agreed
    assert max(worst) < 1e-6, f"largest float error {max(worst)}"


def test_min_max_of_nothing_is_outside_the_domain() -> None:
    """`max(xs)` of an empty list raises in CPython; the loop IR reads an unassigned value."""
    module, _ = _module("def f(a: list[int]) -> int:\n    return max(a) + min(x for x in a)\n")
    with pytest.raises(Undefined):
        run(module, "f", [[]])
    assert run(module, "f", [[3, -1, 2]]) == 2


def test_default_parameter_is_kept() -> None:
    module, _ = _module("def f(a: list[int], k: int = 2) -> int:\n    return sum(a) * k\n")
    fn = module.function("f")
    assert fn is not None and [p.name for p in fn.params] == ["a", "k"]


def test_tuple_assignment_evaluates_the_right_side_first() -> None:
    """`a, b = b, a + b` keeps the old `a` for the second item; `i, v[i] = ...` indexes with
    the new `i`, as Python assigns left to right."""
    module, _ = _module("""
        def f(n: int) -> int:
            a, b = 0, 1
            for _ in range(n):
                a, b = b, a + b
            return a
        def g(v: list[int]) -> list[int]:
            i = 0
            i, v[i] = 1, 7
            return v
        """)
    assert run(module, "f", [90]) == 2880067194370816120
    assert run(module, "g", [[0, 0]]) == [0, 7]


REFUSED = [
    ("def f(a: list[int]) -> int:\n    a.sort()\n    return a[0]\n", 2, 5, ".sort()"),
    ("def f(a: list[int]) -> int:\n    return sorted(a)[0]\n", 2, 12, "sorted(...)"),
    ("def f(a: list[int]) -> int:\n    return ()\n", 2, 5, "returning an empty tuple"),
    ("def f(a: list[int]) -> int:\n    n = len(a)\n    s = 0\n    while s < sum(a):\n"
     "        s += 1\n    return s\n", 4, 15, "in a `while` condition"),
    ("def f(n: int) -> int:\n    s = 0\n    for i in range(n):\n        n -= 1\n"
     "        s += i\n    return s\n", 3, 5, "changes n"),
    ("def f(a: list[int]) -> int:\n    s = 0\n    for x in a[1:]:\n        a[0] = x\n"
     "        s += x\n    return s\n", 3, 5, "changes a"),
    ("def f(m: list[list[int]]) -> list[list[int]]:\n    for row in m:\n        row[0] = 1\n"
     "    return m\n", 2, 5, "shares a list"),
    ("def f(m: list[list[int]]) -> list[list[int]]:\n    r = m[0]\n    r[0] = 5\n    return m\n",
     2, 9, "shares a list"),
    ("def f(m: list[list[int]]) -> list[list[int]]:\n    c = [row for row in m]\n"
     "    c[0][0] = 5\n    return m\n", 2, 10, "puts an existing list inside another"),
    ("def f(m: list[list[int]]) -> list[list[int]]:\n    c = []\n    c.append(m[0])\n"
     "    c[0][0] = 5\n    return m\n", 3, 14, "puts an existing list inside another"),
    ("def f(a: list[list[int]]) -> list[list[int]]:\n    return [list(c) for c in zip(*a)]\n",
     2, 30, "zip(*...)"),
    ("def f(a: list[int]) -> list[int]:\n    return a[::2]\n", 2, 12, "a slice with a step"),
    ("def f(a: list[int]) -> int:\n    best = None\n    for x in a:\n        best = x\n"
     "    return 0\n", 2, 12, "`None`"),
    ("def f(a: list[int]) -> float:\n    return max((x for x in a), default=-1.5)\n", 2, 40,
     "a float default"),
    ("def f(a: list[list[int]], b: list[list[int]]) -> int:\n    a, b = b, a\n    return 0\n",
     2, 12, "alias of a list"),
    ("def f(a: list[int]) -> int:\n    s = 0\n    for i, (x, y) in enumerate(a):\n"
     "        s += x\n    return s\n", 3, 12, "the loop target"),
    ("def f(a: list[int]) -> int:\n    s = 0\n    for x, y in zip(a):\n"
     "        s += x\n    return s\n", 3, 9, "not one name per argument (1)"),
    ("def f(a: list[int], s: int) -> int:\n    t = 0\n    for i in range(0, len(a), 0):\n"
     "        t += a[i]\n    return t\n", 3, 31, "a range step of 0"),
]


@pytest.mark.parametrize("src, line, col, words", REFUSED)
def test_refused_constructs_name_themselves_and_their_place(src: str, line: int, col: int,
                                                            words: str) -> None:
    """A construct that is not read is named with its line:col; the other functions of the
    file are still read."""
    module = parse_python("bad.py", src + "\n\ndef ok(a: list[int]) -> int:\n    return sum(a)\n")
    (rej,) = module.rejected
    assert words in rej.message, rej.message
    assert (rej.loc.line, rej.loc.col) == (line, col), (rej.loc, rej.message)
    assert module.function("ok") is not None


LIFTED = {
    "dot": "def dot(v: list[int], w: list[int]) -> int:\n"
           "    return sum(x * y for x, y in zip(v, w))\n",
    "cubes": "def cubes(nums: list[int]) -> int:\n    return sum(x ** 3 for x in nums)\n",
    "scaled": "def scaled(xs: list[float], k: float = 2.0) -> list[float]:\n"
              "    return [k * x for x in xs]\n",
    "mean": "def mean(xs: list[float]) -> float:\n    return sum(xs) / len(xs)\n",
    "total": "def total(nums: list[int]) -> int:\n    s = 0\n"
             "    for i in range(len(nums) - 1, -1, -1):\n        s += nums[i]\n    return s\n",
}


@pytest.mark.parametrize("name", sorted(LIFTED))
def test_lifted_shapes_agree_with_cpython(name: str, tmp_path: Path) -> None:
    """Lifted end to end; the generated NumPy code agrees with CPython on 100 inputs."""
    path = tmp_path / f"{name}.py"
    path.write_text(LIFTED[name])
    with load_registry() as registry:
        (r,) = compile_file(str(path), None, registry, Options(timeout=60))
        assert r.status == "lifted", [str(d) for d in r.diagnostics]
        report = check_compiled(str(path), r, registry, count=100)
    assert report.ok and report.cases >= 50, report.failures[:3]
    assert report.largest_error < 1e-6


CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "python_real"


def _corpus_arg(rnd: random.Random, t: Any, shape: tuple[int, int]) -> Any:
    def one() -> Any:
        if t.elem == "float":
            return rnd.choice([rnd.uniform(-9, 9), float(rnd.randint(-3, 3))])
        if t.elem == "bool":
            return rnd.random() < 0.5
        return rnd.randint(-2**66, 2**66) if rnd.random() < 0.1 else rnd.randint(-9, 9)
    if t.rank == 0:
        return rnd.randint(0, 4) if t.elem == "int" else one()
    if t.rank == 1:
        return [one() for _ in range(shape[0])]
    return [[one() for _ in range(shape[1])] for _ in range(shape[0])]


def test_every_corpus_function_read_runs_like_cpython() -> None:
    """Each function of benchmarks/kernels/python_real that the frontend reads gives CPython's
    value in the loop-IR interpreter on 100 random inputs (rectangular matrices, ints beyond 64
    bits, floats), and is never undefined where CPython returns a value (the function's input
    checks left out: those are python_guards.py's)."""
    read = 0
    for path in sorted(CORPUS.glob("*.py")):
        module = parse_python(str(path), path.read_text())
        fn = module.function(path.stem)
        if fn is None:
            continue
        read += 1
        if getattr(fn, "guards", ()):  # the shapes are checked here, not the guards read from
            fn = dataclasses.replace(fn, guards=())  # the top of the body (python_guards.py)
        namespace = types.ModuleType(path.stem)
        exec(compile(path.read_text(), str(path), "exec"), namespace.__dict__)
        rnd, worst = random.Random(path.stem), [0.0]
        for _ in range(100):
            shape = (rnd.randint(0, 5), rnd.randint(0, 4))
            args = [_corpus_arg(rnd, p.type, shape) for p in fn.params]
            try:
                want = getattr(namespace, path.stem)(*copy.deepcopy(args))
            except (ValueError, ZeroDivisionError, IndexError, TypeError, AssertionError):
                continue
            try:
                got = Interpreter(module).run(fn, args)
            except (Undefined, StepLimit) as e:
                raise AssertionError(f"{path.stem}{args}: CPython {want}, loop IR: {e}") from None
            if isinstance(want, tuple):  # a tuple return runs as the list of its items
                want = list(want)
            assert _close(want, got, worst) or (isinstance(want, float) and want == got), \
                f"{path.stem}{args}: CPython {want}, loop IR {got}"
        assert max(worst) < 1e-6, f"{path.stem}: largest float error {max(worst)}"
    assert read >= 55, read
