"""Non-finite seeds of folds (`ir/lifting/infinite_seeds.py`): `smallest = float("inf")` before a
loop lowering it lifts on the domain `len >= 1`, stated in `requires`, with an unbounded proof over
every finite seed; the generated code agrees with CPython on non-empty inputs and refuses the empty
one (the source's `inf`) instead of returning another number. An infinity used in arithmetic, or
as a seed that is not its fold's identity, is refused."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry

SOURCE = '''
import math

_INF = float("inf")
NEG = -math.inf


def find_min(values: list[int | float]) -> int | float:
    smallest = _INF
    for value in values:
        if value < smallest:
            smallest = value
    return smallest


def largest(xs: list[float]) -> float:
    best = NEG
    for x in xs:
        best = max(best, x)
    return best


def shifted(xs: list[float]) -> float:
    m = NEG
    for x in xs:
        m = max(m + 0.0, x)
    return m


def always_inf(xs: list[float]) -> float:
    m = _INF
    for x in xs:
        m = max(m, x)
    return m
'''


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path = tmp_path_factory.mktemp("inf") / "inf.py"
    path.write_text(SOURCE)
    namespace: dict[str, Any] = {}
    exec(compile(SOURCE, str(path), "exec"), namespace)
    names = ["find_min", "largest", "shifted", "always_inf"]
    results = compile_file(str(path), names, load_registry(), Options(timeout=30, synth=()))
    return {r.function: r for r in results}, namespace


@pytest.mark.parametrize("name, requires", [("find_min", "1 <= len(values)"),
                                            ("largest", "1 <= len(xs)")])
def test_identity_seeds_lift_on_non_empty_inputs(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                 name: str, requires: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded" and r.arithmetic == "real", \
        [str(d) for d in r.diagnostics]
    assert requires in " ".join(r.requires), r.requires
    assert "inf" not in r.tensir, r.tensir
    fn = getattr(load_module(r.code, f"{name}_inf"), name)
    rng = random.Random(5)
    worst = 0.0
    for _ in range(40):
        xs = [rng.uniform(-1e6, 1e6) for _ in range(rng.randint(1, 12))]
        want, got = namespace[name](xs), float(fn(xs))
        assert math.isfinite(got)
        worst = max(worst, abs(want - got))
    assert worst == 0.0, f"largest error {worst}"  # a min or max picks an input exactly
    # the empty input, where the source returns its infinite seed: refused, not another number
    assert math.isinf(namespace[name]([]))
    with pytest.raises(Exception) as raised:
        fn([])
    assert "requires" in str(raised.value) or type(raised.value).__name__ == "OutsidePrecondition"


def test_other_uses_of_an_infinity_are_refused(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, _ = compiled
    shifted, always = results["shifted"], results["always_inf"]
    assert not shifted.lifted and not always.lifted
    text = " ".join(str(d) for d in shifted.diagnostics)
    assert "infinity used in arithmetic" in text and "inf.py:26:17" in text, text
    text = " ".join(str(d) for d in always.diagnostics)
    assert "the infinity is used other than as the first value" in text, text


def test_a_wrong_program_for_an_infinite_seed_is_refuted(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """On the lifted domain, the verifier tells the lifted minimum from a maximum."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.ir.tensir import parse
    from tensflo.ir.tensir.types import TensorType
    from tensflo.plugins.solvers import Z3Verifier

    results, _ = compiled
    r = results["find_min"]
    env = {"values": TensorType("float", 1)}
    domain = (parse("1 <= len(values)", env),)
    same = Obligation("postcondition", NOWHERE, domain, (), ((r.program, parse(r.tensir, env)),))
    wrong = Obligation("postcondition", NOWHERE, domain, (),
                       ((r.program, parse("reduce_max(values)", env)),))
    assert check_obligations([same], [Z3Verifier()], timeout=20).level == "unbounded"
    report = check_obligations([wrong], [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None
