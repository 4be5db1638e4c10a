"""The counter as a value: the TensIR op `iota(n)` (its NumPy and SMT semantics, its entries in the
targets) and the loops that use their counter as data, lifted through it with an unbounded proof
and compared with CPython on random inputs (ints exactly, floats within a tolerance)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.differential import load_module
from tensflo.ir.tensir import OPS, evaluate, parse
from tensflo.ir.tensir.types import TensorType

from ..support.python_sources import compile_and_run, plain

INT, VEC = TensorType("int", 0), TensorType("int", 1)

SOURCE = '''def factorial_loop(n: int) -> int:
    value = 1
    for i in range(1, n + 1):
        value *= i
    return value


def square_sum(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def weighted(xs: list[int]) -> list[int]:
    out = []
    for i in range(len(xs)):
        out.append(xs[i] * i + 2 * i)
    return out


def ramp(xs: list[float]) -> list[float]:
    out = []
    for i, x in enumerate(xs):
        out.append(x / (i + 1))
    return out


def running_mean(values: list[float]) -> list[float]:
    means = []
    total = 0.0
    for i, v in enumerate(values):
        total += v
        means.append(total / (i + 1))
    return means


def offset_counter(xs: list[int], c: int) -> list[int]:
    out = []
    for i in range(3, len(xs)):
        out.append(xs[i] - c * i)
    return out
'''

KERNELS = ["factorial_loop", "square_sum", "weighted", "ramp", "running_mean", "offset_counter"]


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("iota") / "k.py"
    path.write_text(SOURCE)
    return compile_and_run(path, SOURCE, KERNELS)


def _load(result):
    assert result.code is not None, [d.message for d in result.diagnostics]
    return getattr(load_module(result.code, f"{result.function}_iota"), result.function)


def _inputs(name: str, rng: random.Random) -> tuple:
    n = rng.randint(0, 12)
    if name in ("factorial_loop", "square_sum"):
        return (rng.randint(-3, 60),)
    if name in ("weighted", "offset_counter"):
        xs = [rng.randint(-10**12, 10**12) for _ in range(n)]
        return (xs, rng.randint(-10**6, 10**6)) if name == "offset_counter" else (xs,)
    return ([rng.uniform(-1e3, 1e3) for _ in range(n)],)


@pytest.mark.parametrize("name", KERNELS)
def test_counter_values_lift_with_an_unbounded_proof(lifted, name: str) -> None:
    results, _ = lifted
    r = results[name]
    assert r.status == "lifted" and r.proof == "unbounded", [d.message for d in r.diagnostics]
    assert "iota(" in r.tensir, r.tensir


def test_the_programs(lifted) -> None:
    results, _ = lifted
    assert results["factorial_loop"].tensir == "reduce_mul(vec_scalar_add(iota(n), 1))"
    assert results["square_sum"].tensir == "reduce_sum(vec_map(iota(n), lambda k: k * k))"
    assert "scan_sum(values)" in results["running_mean"].tensir


@pytest.mark.parametrize("name", KERNELS)
def test_lifted_code_agrees_with_cpython(lifted, name: str) -> None:
    results, namespace = lifted
    fn, source = _load(results[name]), namespace[name]
    rng = random.Random(name)
    largest = 0.0
    for _ in range(60):
        args = _inputs(name, rng)
        want, got = source(*args), plain(fn(*args))
        if isinstance(want, list) and want and isinstance(want[0], float):
            assert len(got) == len(want)
            err = max((abs(a - b) / max(1.0, abs(a)) for a, b in zip(want, got, strict=True)),
                      default=0.0)
            assert err <= 1e-9, (args, want, got)
            largest = max(largest, err)
        else:
            assert got == want, (args, want, got)
    print(f"{name}: 60 inputs, largest relative float error {largest:.3g}")


def test_a_large_factorial_is_exact(lifted) -> None:
    results, _ = lifted
    fn = _load(results["factorial_loop"])
    assert results["factorial_loop"].int_policy == "exact"
    assert fn(25) == math.factorial(25) == 15511210043330985984000000
    assert fn(-4) == 1 and fn(0) == 1


@pytest.mark.parametrize("n", [-3, 0, 1, 7])
def test_semantics(n: int) -> None:
    got = evaluate(parse("iota(n)", {"n": INT}), {"n": n})
    assert list(got) == list(range(max(n, 0))) and np.asarray(got).dtype == np.int64


def _smt_holds(text: str) -> bool:
    """Whether `text` (a TensIR equality over n, i: int, x: vec[int]) holds for all values with
    0 <= i."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.plugins.solvers import Z3Verifier

    env = {"n": INT, "i": INT, "x": VEC}
    lhs, rhs = (parse(side, env) for side in text.split(" == "))
    ob = Obligation("preservation", NOWHERE, (parse("0 <= i", env),), (), ((lhs, rhs),))
    return check_obligations([ob], [Z3Verifier()], timeout=20).level == "unbounded"


def test_smt_semantics() -> None:
    assert _smt_holds("iota(i + 1) == append(iota(i), i)")
    assert _smt_holds("len(iota(n)) == max(n, 0)")
    # wrong claims are refuted
    assert not _smt_holds("iota(i + 1) == append(iota(i), i + 1)")
    assert not _smt_holds("len(iota(n)) == n")


def test_a_wrong_candidate_is_refuted(tmp_path: Path) -> None:
    from tensflo.compiler.pipeline import read_module
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import check_candidate
    from tensflo.plugins.manager import load_registry
    from tensflo.plugins.solvers import Z3Verifier

    path = tmp_path / "k.py"
    path.write_text(SOURCE)
    with load_registry() as registry:
        module = read_module(str(path), registry)
    fn = module.function("running_mean")
    env = {"values": TensorType("float", 1)}
    levels = {}
    for denominator in ("k + 1", "k + 2"):
        program = parse("selection_two_args(scan_sum(values), iota(len(values)), "
                        f"lambda t, k: t / to_float({denominator}))", env)
        result = check_candidate(module, fn, program)
        assert result is not None
        report = check_obligations(result.obligations, [Z3Verifier()], timeout=30)
        levels[denominator] = report.level
    assert levels == {"k + 1": "unbounded", "k + 2": "none"}


def test_declared_once() -> None:
    assert OPS["iota"].arity == 1 and OPS["iota"].params == ("n",)


@pytest.mark.parametrize("name", ["weighted", "ramp", "running_mean"])
def test_iota_programs_run_alike_on_every_runnable_target(lifted, tmp_path: Path, name: str) -> None:
    """The lifted programs on every runnable target (llvm's iota is an index view) against
    CPython, on inputs small enough for int64."""
    from tensflo.compiler.bench import runnable_targets
    from tensflo.compiler.pipeline import read_module
    from tensflo.ir.lifting import draw_cases, same
    from tensflo.ir.lifting.float_inputs import scale_of
    from tensflo.ir.tensir import Function
    from tensflo.plugins.manager import load_registry

    results, _ = lifted
    r = results[name]
    path = tmp_path / "k.py"
    path.write_text(SOURCE)
    with load_registry() as registry:
        module = read_module(str(path), registry)
        targets = [(n, t) for n, t, _ in runnable_targets(registry, None) if t is not None]
    fn = module.function(name)
    cases = draw_cases(fn, module, r.precondition, 10, seed=3)
    program = Function(fn.name, r.params, r.program)
    ran = set()
    for target_name, target in targets:
        ex = target.executable(program, {})
        for case in cases:
            got = ex.fetch(ex.run(ex.prepare([case.arrays[p.name] for p in program.params])))
            assert same(case.expected, got, scale_of(case.arrays, case.expected)), \
                f"{target_name}: {name}{case.args}: source {case.expected}, {target_name} {got}"
        ran.add(target_name)
    print(f"{name}: {len(cases)} inputs on {sorted(ran)}")
    assert "numpy" in ran and len(cases) >= 5
