"""First-order linear recurrences `s = a * s + b` (`ir/lifting/linear_recurrences.py`): TensIR has no
prefix product, so their closed form cannot be stated; the loop-shape rules refuse them naming the
recurrence at the loop's line:col, counting up and counting down (Horner's rule over `reversed`),
while the accumulations next to them (a running sum, a running product) still lift and equal
CPython."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.ir.lifting.linear_recurrences import linear_update
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry

SOURCE = '''
def horner(poly: list[float], x: float) -> float:
    result = 0.0
    for coeff in reversed(poly):
        result = result * x + coeff
    return result


def digits_value(digits: list[int], base: int) -> int:
    value = 0
    for d in digits:
        value = value * base + d
    return value


def backward_digits(digits: list[int], base: int) -> int:
    value = 0
    for i in range(len(digits) - 1, -1, -1):
        value = base * value + digits[i]
    return value


def running_sum_and_product(xs: list[int]) -> int:
    s = 0
    p = 1
    for x in xs:
        s = s + 3 * x
        p = p * x
    return s + p
'''
REFUSED = {"horner": "5:9", "digits_value": "11:5", "backward_digits": "19:9"}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("linrec") / "linrec.py"
    path.write_text(SOURCE)
    namespace: dict[str, Any] = {}
    exec(compile(SOURCE, str(path), "exec"), namespace)
    results = compile_file(str(path), [*REFUSED, "running_sum_and_product"], load_registry(),
                           Options(timeout=30, synth=()))
    return {r.function: r for r in results}, namespace


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_linear_recurrences_are_refused_naming_them(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                    name: str) -> None:
    r = compiled[0][name]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    assert "first-order linear recurrence" in text and "no scan" in text, text
    assert f"linrec.py:{REFUSED[name]}" in text, text


def test_accumulations_beside_them_still_lift(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, namespace = compiled
    r = results["running_sum_and_product"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = load_module(r.code, "linrec_acc").running_sum_and_product
    rng = random.Random(3)
    for n in [0, 1, 2, *(rng.randint(0, 12) for _ in range(30))]:
        xs = [rng.randint(-10**6, 10**6) for _ in range(n)]  # products beyond 64 bits: exact
        assert fn(xs) == namespace["running_sum_and_product"](xs), xs


def test_linear_update_reads_a_and_b() -> None:
    env = {"s": TensorType("int", 0), "x": TensorType("int", 0), "c": TensorType("int", 0)}
    s = parse("s", env)
    assert linear_update(parse("s * x + c", env), s) == (parse("x", env), parse("c", env))
    assert linear_update(parse("c - 2 * s", env), s) is not None
    for not_linear in ("s + c", "s * s + c", "c", "x * c + s"):
        assert linear_update(parse(not_linear, env), s) is None, not_linear
