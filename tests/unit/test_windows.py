"""Sliding-window sums (`sum(x[i:i + w])` per iteration) lifted as differences of a prefix-sum
table, proven with the window lemma (by induction) and compared with CPython on random inputs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.manager import load_registry

from ..support.python_sources import plain, run_in_cpython

SOURCE = '''def moving_average(xs: list[float], window: int = 3) -> list[float]:
    if window <= 0:
        raise ValueError("window must be a positive integer")
    return [sum(xs[i : i + window]) / window for i in range(len(xs) - window + 1)]


def window_totals(xs: list[int], k: int) -> list[int]:
    out = []
    for i in range(len(xs) - k + 1):
        out.append(sum(xs[i:i + k]))
    return out


def shifted_windows(xs: list[int]) -> list[int]:
    out = []
    for i in range(len(xs) - 4):
        out.append(2 * sum(xs[i + 1:i + 4]) - xs[i])
    return out


def suffix_sums(xs: list[int]) -> list[int]:
    out = []
    for i in range(len(xs)):
        out.append(sum(xs[i:]))
    return out
'''

LIFTED = ["moving_average", "window_totals", "shifted_windows", "suffix_sums"]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("windows") / "w.py"
    path.write_text(SOURCE)
    results = compile_file(str(path), LIFTED, load_registry(),
                           Options(timeout=60, synth=()))
    return {r.function: r for r in results}, run_in_cpython(path, SOURCE)


@pytest.mark.parametrize("name", LIFTED)
def test_windows_lift_with_an_unbounded_proof(compiled, name: str) -> None:
    results, _ = compiled
    r = results[name]
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    assert "scan_sum(xs)" in r.tensir and "reduce_sum(take(" not in r.tensir, r.tensir


def _args(name: str, rng: random.Random) -> tuple:
    n = rng.randint(0, 14)
    if name == "moving_average":
        return [rng.uniform(-100.0, 100.0) for _ in range(n)], rng.randint(1, 6)
    xs = [rng.randint(-10**15, 10**15) for _ in range(n)]
    return (xs, rng.randint(0, 8)) if name == "window_totals" else (xs,)


@pytest.mark.parametrize("name", LIFTED)
def test_windows_agree_with_cpython(compiled, name: str) -> None:
    results, namespace = compiled
    r = results[name]
    assert r.code is not None
    fn = getattr(load_module(r.code, f"{name}_windows"), name)
    rng = random.Random(name)
    largest, runs = 0.0, 0
    for _ in range(80):
        args = _args(name, rng)
        try:
            want = namespace[name](*args)
        except ValueError:
            continue
        got = plain(fn(*args))
        runs += 1
        if name == "moving_average":
            assert len(got) == len(want), (args, want, got)
            # a difference of prefix sums: rounding grows with the prefixes' magnitude
            scale = max([abs(v) for v in args[0]] + [1.0]) * max(len(args[0]), 1)
            err = max((abs(a - b) / scale for a, b in zip(want, got, strict=True)), default=0.0)
            assert err <= 1e-12, (args, want, got)
            largest = max(largest, err)
        else:
            assert got == want, (args, want, got)
    assert runs >= 50
    print(f"{name}: {runs} inputs, largest float error (relative to n * max|x|) {largest:.3g}")


def test_a_negative_width_is_refused_not_misread(compiled) -> None:
    """`xs[i:i + k]` with `k < 0` wraps around in Python: outside the lifted precondition, so the
    generated function refuses the input instead of returning a number."""
    results, namespace = compiled
    r = results["window_totals"]
    assert "0 <= k" in str(r.requires), r.requires
    module = load_module(r.code, "window_totals_refuse")
    with pytest.raises(module.OutsidePrecondition):
        module.window_totals([1, 2, 3, 4], -2)
    assert namespace["window_totals"]([1, 2, 3, 4], -2) == [3, 5, 0, 0, 0, 0, 0]


def test_a_wrong_window_is_not_proven(tmp_path: Path) -> None:
    from tensflo.compiler.pipeline import read_module
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import lift_function
    from tensflo.ir.lifting.windows import WindowRead
    from tensflo.plugins.solvers import Cvc5Verifier, Z3Verifier

    path = tmp_path / "w.py"
    path.write_text(SOURCE)
    with load_registry() as registry:
        module = read_module(str(path), registry)
    result = lift_function(module, module.function("window_totals"))
    lemma = [ob for ob in result.obligations if ob.kind == "window lemma"]
    assert len(lemma) == 2
    verifiers = [Z3Verifier(), Cvc5Verifier()]
    assert check_obligations(lemma, verifiers, timeout=20).level == "unbounded"
    # the same lemma with a prefix one entry too short is refuted
    base, step = lemma
    (lhs, rhs), = step.goals
    assert isinstance(rhs, type(lhs))
    from tensflo.ir.lifting.build import mk
    wrong = type(step)(step.kind, step.loc, step.assume, step.hyps,
                       ((lhs, mk("add", rhs, mk("index", _x(step), mk("len", _x(step))))),))
    report = check_obligations([wrong], verifiers, timeout=20)
    assert report.level != "unbounded"
    assert WindowRead is not None


def _x(ob):
    from tensflo.ir.tensir import free_vars

    return next(v for v in free_vars(ob.goals[0][0]) if v.type.rank == 1)
