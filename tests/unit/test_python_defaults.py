"""Python parameters with default values (`plugins/python_frontend.py` `default_value`,
`targets/type_checks.py` `with_defaults`): the generated function takes the source's defaults,
so a call without the argument gives CPython's value; a default that is not an int, float or bool
constant is refused where it is written."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry
from tensflo.plugins.python_frontend import parse_python
from tensflo.tests.support.python_sources import run_in_cpython, tolist

SOURCE = '''
LIMIT = 3


def scaled_product(nums: list[int], start: int = -2) -> int:
    result = start
    for x in nums:
        result *= x
    return result


def clamp_values(values: list[float], lo: float = -1.0, hi: float = 1.5) -> list[float]:
    return [min(max(v, lo), hi) for v in values]


def count_above(xs: list[int], k: int = LIMIT) -> int:
    c = 0
    for x in xs:
        if x > k:
            c += 1
    return c
'''

TARGETS = ["numpy", "torch", "jax", "mlx"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("defaults") / "defaults.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def original(source: Path) -> dict[str, Any]:
    return run_in_cpython(source, SOURCE)


def _generated(source: Path, function: str, target: str) -> Any:
    pytest.importorskip({"mlx": "mlx.core"}.get(target, target))
    (r,) = compile_file(str(source), [function], load_registry(), Options(target=target, timeout=60))
    assert r.lifted and r.code is not None, r
    return getattr(load_module(r.code, f"{function}_{target}"), function)


def test_defaults_are_read_as_constants(source: Path) -> None:
    module = parse_python(str(source), SOURCE)
    fn = module.function("clamp_values")
    assert fn is not None
    assert [p.default for p in fn.params] == [None, -1.0, 1.5]
    count = module.function("count_above")
    assert count is not None and [p.default for p in count.params] == [None, 3]


@pytest.mark.parametrize("target", TARGETS)
def test_calls_without_the_argument_give_cpythons_value(source: Path, original: dict[str, Any],
                                                        target: str) -> None:
    rng = random.Random(21)
    product = _generated(source, "scaled_product", target)
    clamp = _generated(source, "clamp_values", target)
    count = _generated(source, "count_above", target)
    worst = 0.0
    for _ in range(20):
        ints = [rng.randint(-9, 9) for _ in range(rng.randint(0, 8))]
        floats = [rng.uniform(-3, 3) for _ in range(rng.randint(1, 8))]
        assert int(product(ints)) == original["scaled_product"](ints)
        assert int(product(ints, 5)) == original["scaled_product"](ints, 5)
        assert int(count(ints)) == original["count_above"](ints)
        for args, kwargs in [((), {}), ((0.0,), {}), ((), {"hi": 0.5})]:
            want = original["clamp_values"](floats, *args, **kwargs)
            got = tolist(clamp(floats, *args, **kwargs))
            assert isinstance(got, list) and len(got) == len(want)
            worst = max([worst, *(abs(a - b) for a, b in zip(got, want, strict=True))])
    assert worst <= 1e-12, f"largest error {worst}"


def test_a_default_of_the_wrong_type_is_checked_as_an_argument(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text("def f(xs: list[int], k: int = 2.5) -> int:\n"
                    "    c = 0\n    for x in xs:\n        c += x * k\n    return c\n")
    (r,) = compile_file(str(path), ["f"], load_registry(), Options(target="numpy", timeout=60))
    assert r.lifted and r.code is not None, r  # k is an int: its float default is refused
    f = load_module(r.code, "wrong_default").f
    assert int(f([1, 2], 3)) == 9
    with pytest.raises(TypeError):
        f([1, 2])


@pytest.mark.parametrize("default", ["None", "'a'", "[1]", "len([])"])
def test_other_defaults_are_refused_with_their_position(tmp_path: Path, default: str) -> None:
    text = f"def f(xs: list[int], k: int = {default}) -> int:\n    return len(xs)\n"
    module = parse_python(str(tmp_path / "t.py"), text)
    assert module.function("f") is None
    (rejected,) = module.rejected
    assert rejected.loc.line == 1 and rejected.loc.col > 20, rejected.loc
    assert f"the default value {default} of parameter k" in rejected.message


def test_a_tuple_function_keeps_its_defaults(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    text = ("def sum_and_scaled(xs: list[int], k: int = 3) -> tuple[int, int]:\n"
            "    s = 0\n    t = 0\n    for x in xs:\n        s += x\n        t += k * x\n"
            "    return s, t\n")
    path.write_text(text)
    namespace = run_in_cpython(path, text)
    (r,) = compile_file(str(path), ["sum_and_scaled"], load_registry(),
                        Options(target="numpy", timeout=60))
    assert r.lifted and r.code is not None, r
    f = load_module(r.code, "tuple_default").sum_and_scaled
    rng = random.Random(5)
    for _ in range(20):
        xs = [rng.randint(-2**40, 2**40) for _ in range(rng.randint(0, 6))]
        assert tuple(int(v) for v in f(xs)) == namespace["sum_and_scaled"](xs)
        assert tuple(int(v) for v in f(xs, -7)) == namespace["sum_and_scaled"](xs, -7)
    with pytest.raises(TypeError):
        f([1], 2.5)


def test_a_module_of_several_functions_keeps_checks_and_defaults(source: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "all.py"
    run = subprocess.run([sys.executable, "-m", "tensflo", "compile", str(source), "--target",
                          "numpy", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    module = load_module(out.read_text(), "all_functions")
    assert int(module.scaled_product([2, 3])) == -12
    assert int(module.count_above([1, 4, 5])) == 2
    with pytest.raises(TypeError):
        module.scaled_product([2.5, 2])  # an int list: a float is refused, not truncated
