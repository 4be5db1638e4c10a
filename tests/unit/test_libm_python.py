"""Python libm forms read by the frontend: `math.hypot(x, y, ...)` as the square root of the sum
of the squares of its arguments converted to float (a proof over the reals), and `x ** k` for a
constant natural `k <= 8` as `k - 1` products (`x ** 0` is 1 of x's type). Lifted with an unbounded
proof and compared with CPython (exact ints, floats with a tolerance: the largest error is
reported); a power whose exponent is an int computed at run time (the counter) is `ipow`."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run

SOURCE = '''
import math


def path_length(xs: list[float], ys: list[float]) -> float:
    total = 0.0
    for i in range(len(xs) - 1):
        total += math.hypot(xs[i + 1] - xs[i], ys[i + 1] - ys[i])
    return total


def norms3(xs: list[int], ys: list[int], zs: list[int]) -> list[float]:
    out = []
    for i in range(len(xs)):
        out.append(math.hypot(xs[i], ys[i], zs[i]))
    return out


def powers_sum(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x ** 3 + x ** 0 - 2 * x ** 5
    return s


def float_square(xs: list[float]) -> float:
    s = 0.0
    for x in xs:
        s += x ** 2 + x ** 0
    return s


def by_counter(xs: list[float], x: float) -> float:
    s = 0.0
    for i in range(len(xs)):
        s += xs[i] * x ** i
    return s
'''
NAMES = ["path_length", "norms3", "powers_sum", "float_square"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("libm") / "libm.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, [*NAMES, "by_counter"])


def _args(name: str, rng: random.Random) -> tuple[Any, ...]:
    n = rng.randint(0, 12)
    if name == "path_length":
        return [rng.uniform(-1e3, 1e3) for _ in range(n)], [rng.uniform(-1e3, 1e3) for _ in range(n)]
    if name == "norms3":
        return tuple([rng.randint(-10**4, 10**4) for _ in range(n)] for _ in range(3))
    if name == "powers_sum":
        return ([rng.randint(-1000, 1000) for _ in range(n)],)
    return ([rng.uniform(-1e3, 1e3) for _ in range(n)],)


@pytest.mark.parametrize("name", NAMES)
def test_libm_forms_lift_and_agree_with_cpython(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.arithmetic == ("integer" if name == "powers_sum" else "real"), r.arithmetic
    fn = getattr(load_module(r.code, f"{name}_libm"), name)
    rng = random.Random(3)
    worst = 0.0
    for _ in range(60):
        args = _args(name, rng)
        want, got = namespace[name](*args), fn(*args)
        if isinstance(want, int):
            assert int(got) == want, (args, got, want)
            continue
        wants = want if isinstance(want, list) else [want]
        gots = [float(g) for g in (got if isinstance(want, list) else [got])]
        assert len(gots) == len(wants)
        for w, g in zip(wants, gots, strict=True):
            worst = max(worst, abs(w - g) / max(1.0, abs(w)))
    assert worst <= 1e-9, f"largest relative error {worst}"


def test_hypot_of_ints_is_over_floats(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["norms3"]
    fn = load_module(r.code, "norms3_ints").norms3
    assert [float(v) for v in fn([3, 0], [4, 5], [12, 12])] == [13.0, 13.0] == \
        [math.hypot(3, 4, 12), math.hypot(0, 5, 12)]


def test_a_power_of_the_counter_is_ipow(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`x ** i` over the counter is `ipow(x, i)` (tests/unit/test_linear_recurrences.py has more):
    proven unbounded, and within 1e-12 of CPython, which computes each power with libm's pow."""
    results, namespace = compiled
    r = results["by_counter"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "ipow(x, " in r.tensir, r.tensir
    fn = load_module(r.code, "by_counter_libm").by_counter
    rng = random.Random(5)
    worst = 0.0
    for _ in range(60):
        xs, x = [rng.uniform(-9, 9) for _ in range(rng.randint(0, 12))], rng.uniform(-2, 2)
        want = namespace["by_counter"](xs, x)
        worst = max(worst, abs(float(fn(xs, x)) - want) / max(1.0, abs(want)))
    assert worst <= 1e-12, worst


def test_a_wrong_hypot_is_not_proven(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "path_length")
    env = {"xs": TensorType("float", 1), "ys": TensorType("float", 1)}
    right = compile_file(str(source), ["path_length"], load_registry(),
                         Options(timeout=30, synth=()))[0]
    wrong = parse(right.tensir.replace("sqrt(", "sqrt(2.0 * "), env)
    assert wrong != parse(right.tensir, env)
    r = check_candidate(module, fn, wrong)
    assert r is not None
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none"  # sqrt is nonlinear: refuted or unknown, never proven
