"""The library API: `tensflo.compile` on a path or on source text, `.load()` (a callable with the
source's parameter order, checked against CPython on random inputs) and `.render(target)` (another
target's code without lifting again); every API error is a `tensflo.Error`."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import tensflo
from tensflo.compiler import pipeline

REPO = Path(__file__).resolve().parents[2]

SCALE_SHIFT = """\
def scale_shift(n, x, a, b):
    out = [0] * n
    for i in range(n):
        out[i] = a * x[i] - b
    return out
"""


def _reference(source: str, name: str):
    namespace: dict = {}
    exec(source, namespace)
    return namespace[name]


@pytest.fixture(scope="module")
def scale_shift():
    return tensflo.compile(SCALE_SHIFT, language="python", synth="none", timeout=60)


def test_source_text_loads_as_a_callable_that_agrees_with_cpython(scale_shift):
    assert scale_shift.status == "lifted" and scale_shift.function == "scale_shift"
    fn, ref = scale_shift.load(), _reference(SCALE_SHIFT, "scale_shift")
    rng = random.Random(7)
    for _ in range(60):
        n = rng.randint(0, 12)
        x = [rng.randint(-10**6, 10**6) for _ in range(n + rng.randint(0, 3))]
        a, b = rng.randint(-1000, 1000), rng.randint(-1000, 1000)
        assert list(fn(n, x, a, b)) == ref(n, x, a, b), (n, x, a, b)


def test_render_gives_another_target_without_lifting_again(scale_shift, monkeypatch):
    direct = tensflo.compile(SCALE_SHIFT, language="python", target="torch", synth="none",
                             timeout=60).code

    def no_lifting(*args, **kwargs):
        raise AssertionError("render lifted again")

    monkeypatch.setattr(pipeline, "compile_function", no_lifting)
    assert scale_shift.render("torch") == direct
    assert "import torch" in direct


def test_a_path_and_a_c_source_text_agree(tmp_path):
    text = ("int dot(const int* x, const int* y, int n) {\n    int s = 0;\n"
            "    for (int i = 0; i < n; i++) s += x[i] * y[i];\n    return s;\n}\n")
    path = tmp_path / "dot.c"
    path.write_text(text)
    from_text = tensflo.compile(text, "dot", language="c", synth="none", timeout=60)
    from_path = tensflo.compile(path, "dot", synth="none", timeout=60)
    assert from_text.tensir == from_path.tensir == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"
    dot = from_path.load()
    rng = random.Random(3)
    for _ in range(40):
        n = rng.randint(0, 9)
        x, y = ([rng.randint(-1000, 1000) for _ in range(n)] for _ in range(2))
        assert int(dot(x, y, n)) == sum(a * b for a, b in zip(x, y, strict=True))


def test_api_errors_share_one_base(tmp_path):
    with pytest.raises(tensflo.UsageError, match="say its language"):
        tensflo.compile("int f(int n) {\n return n;\n}\n")
    with pytest.raises(tensflo.UnknownComponentError, match="unknown target 'nope'"):
        tensflo.compile(SCALE_SHIFT, language="python", target="nope")
    with pytest.raises(tensflo.UnknownComponentError, match="unknown frontend 'fortran'"):
        tensflo.compile("x = 1\n", language="fortran")
    with pytest.raises(tensflo.UsageError, match="no such file"):
        tensflo.compile(str(tmp_path / "missing.cc"))
    hist = tensflo.compile("def hist(x, n):\n    h = [0] * 4\n    for i in range(n):\n"
                           "        h[x[i] % 4] += 1\n    return h\n", language="python",
                           synth="none", timeout=30)
    assert hist.status != "lifted"
    with pytest.raises(tensflo.UsageError, match="was not lifted"):
        hist.load()
    for error in (tensflo.UsageError, tensflo.UnknownComponentError, tensflo.PluginError):
        assert issubclass(error, tensflo.Error)


CHECKED = '''
_INF = float("inf")


def mean(xs: list[float]) -> float:
    if not xs:
        raise ValueError("mean of nothing")
    s = 0.0
    for x in xs:
        s += x
    return s / len(xs)


def find_min(nums: list[float]) -> float:
    best = _INF
    for x in nums:
        if x < best:
            best = x
    return best
'''


def test_llvm_load_checks_the_python_entry_as_the_source_does(tmp_path):
    """The llvm executable has no entry checks of its own: `.load()` runs the source's guards
    (same exception), the element types (TypeError, no conversion) and the inputs answered at
    the entry (find_min of [] is CPython's inf) before it, so no input gets a number the source
    would not give."""
    pytest.importorskip("llvmlite")
    path = tmp_path / "checked.py"
    path.write_text(CHECKED)
    namespace: dict = {}
    exec(CHECKED, namespace)
    mean = tensflo.compile(str(path), function="mean", target="llvm").load()
    find_min = tensflo.compile(str(path), function="find_min", target="llvm").load()
    rng = random.Random(5)
    for _ in range(50):
        xs = [rng.uniform(-1e3, 1e3) for _ in range(rng.randint(1, 40))]
        assert mean(xs) == pytest.approx(namespace["mean"](xs), rel=1e-12)
        assert find_min(xs) == namespace["find_min"](xs)
    with pytest.raises(ValueError, match="mean of nothing"):
        namespace["mean"]([])
    with pytest.raises(ValueError, match="mean of nothing"):
        mean([])
    with pytest.raises(TypeError):
        mean([1.0, "2"])
    assert find_min([]) == namespace["find_min"]([]) == float("inf")
