"""Python `range(a, b, k)` with a constant step `|k| >= 2` (`ir/lifting/stepped_loops.py`): the
loop is read over a unit-step counter `i = a + k * t` with `ceil((b - a) / k)` trips, lifted with an
unbounded proof, and the generated code agrees with CPython exactly (empty and short inputs
included); a wrong strided program is refuted, and a step that is a parameter is refused."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run, plain

SOURCE = '''
def every_third(xs: list[int]) -> int:
    s = 0
    for i in range(1, len(xs), 3):
        s += xs[i] * xs[i]
    return s


def down_by_two(xs: list[int]) -> int:
    s = 0
    for i in range(len(xs) - 1, -1, -2):
        s += xs[i]
    return s


def halves(xs: list[int]) -> list[int]:
    out = [0] * ((len(xs) + 1) // 2)
    for i in range(0, len(xs), 2):
        out[i // 2] = 3 * xs[i]
    return out


def offset_steps(xs: list[float], a: int) -> float:
    s = 0.0
    for i in range(2, len(xs) - a, 2):
        s += xs[i] * 0.5
    return s


def by_zero(xs: list[int]) -> int:
    s = 0
    for i in range(0, len(xs), 0):
        s += xs[i]
    return s


def by_parameter(xs: list[int], a: int, k: int) -> int:
    s = 0
    for i in range(a, len(xs), k):
        s += xs[i]
    return s


def down_by(xs: list[int], k: int) -> list[int]:
    return [xs[i] * 2 for i in range(len(xs) - 1, -1, k)]
'''
NAMES = ["every_third", "down_by_two", "halves", "offset_steps"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stepped") / "stepped.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, [*NAMES, "by_zero", "by_parameter", "down_by"])


@pytest.mark.parametrize("name", NAMES)
def test_stepped_loops_lift_and_agree_with_cpython(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                   name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert "stride(" in r.tensir, r.tensir
    fn = getattr(load_module(r.code, f"{name}_stepped"), name)
    rng = random.Random(11)
    worst = 0.0
    for n in [0, 1, 2, 3, 4, 5, *(rng.randint(0, 40) for _ in range(40))]:
        if name == "offset_steps":
            xs: list[Any] = [rng.uniform(-1e3, 1e3) for _ in range(n)]
            args: tuple[Any, ...] = (xs, rng.randint(-3, 5))
        else:
            args = ([rng.randint(-10**6, 10**6) for _ in range(n)],)
        try:
            want = namespace[name](*args)
        except IndexError:  # a read past the end: the generated code refuses the input too
            with pytest.raises(IndexError):
                fn(*args)
            continue
        got = plain(fn(*args))
        if isinstance(want, float):
            worst = max(worst, abs(want - float(got)))
        else:
            assert got == want, (name, args, got, want)
    assert worst <= 1e-9, f"largest float error {worst}"


def test_a_step_of_zero_is_refused(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    r = compiled[0]["by_zero"]
    assert not r.lifted
    text = " ".join(str(d) for d in r.diagnostics)
    assert "a range step of 0" in text and "stepped.py:32:32" in text, text


@pytest.mark.parametrize("name", ["by_parameter", "down_by"])
def test_a_step_that_is_a_parameter_agrees_with_cpython(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    """`range(a, b, k)` with `k` a parameter: `ceil((b - a) / k)` items `a + k * t` for either
    sign of `k` (`-((a - b) // k)`); `k == 0` raises ValueError in CPython and the generated code
    refuses it (OutsidePrecondition is a ValueError); a negative start, which Python reads from
    the end, is outside the precondition (refused, never another value)."""
    results, namespace = compiled
    r = results[name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    fn = getattr(load_module(r.code, f"{name}_param"), name)
    rng = random.Random(8)
    agreed = 0
    for _ in range(400):
        xs = [rng.randint(-10**12, 10**12) for _ in range(rng.randint(0, 9))]
        k = rng.randint(-4, 4)
        args: tuple[Any, ...] = (xs, rng.randint(-2, 10), k) if name == "by_parameter" else (xs, k)
        try:
            want = namespace[name](*args)
        except (IndexError, ValueError) as e:
            with pytest.raises(type(e)):
                fn(*args)
            continue
        try:
            got = plain(fn(*args))
        except IndexError as e:  # OutsidePrecondition: a stronger precondition, never a value
            assert type(e).__name__ == "OutsidePrecondition" and name == "by_parameter" \
                and args[1] < 0, (args, e)
            continue
        assert got == want, (args, got, want)
        agreed += 1
    assert agreed > 200


def test_a_wrong_strided_sum_is_not_proven(source: Path) -> None:
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "down_by_two")
    loop = next(s for s in L.walk_stmts(fn.body) if isinstance(s, L.For))
    assert loop.step == -2
    env = {"xs": TensorType("int", 1)}
    # every other entry from the front: the same when len(xs) is odd, not when it is even
    wrong = parse("reduce_sum(stride(xs, 0, 2, (len(xs) + 1) / 2))", env)
    r = check_candidate(module, fn, wrong)
    assert r is not None
    report = check_obligations(r.obligations, [Z3Verifier()], timeout=20)
    assert report.level == "none" and report.counterexample is not None


def test_a_body_changing_what_the_start_reads_is_refused() -> None:
    """The start is evaluated once: `i = a + 2 * t` would read the changed `a`."""
    from tensflo.ir.lifting.results import NotLiftable
    from tensflo.ir.lifting.stepped_loops import unit_step

    body = (L.Assign(L.Name("a"), L.Binary("+", L.Name("a"), L.Const(1))),)
    loop = L.For("i", L.Name("a"), L.Name("n"), body, step=2)
    with pytest.raises(NotLiftable, match="changes a, which its start reads"):
        unit_step(loop, {"a", "n", "i"})
    same = unit_step(L.For("i", L.Name("a"), L.Name("n"), (), step=3), {"a", "n", "i"})
    assert same.step == 1 and same.var == "i_step3" and same.start == L.Const(0)
