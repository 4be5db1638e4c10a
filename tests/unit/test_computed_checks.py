"""Checks on computed values (`if weight_sum == 0: raise ValueError(...)` after the loops): the
lifter states the check in `requires` as TensIR, the proof holds where it passes, and the
generated code evaluates the condition through the target's own code for the term
(`targets/type_checks.computed_conditions`), raising the source's exception on the same inputs.
Each kernel is compared with CPython on random inputs, some of which trip the check; a division
the source makes before its check raises `ZeroDivisionError` there, never an inf."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.compiled import Compiled
from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import read_module
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate
from tensflo.ir.tensir import parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import load_registry
from tensflo.plugins.solvers import Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run

SOURCE = '''
import math


def weighted(values: list[float], weights: list[float]) -> float:
    if len(values) != len(weights):
        raise ValueError("lengths differ")
    total = 0.0
    weight_sum = 0.0
    for v, w in zip(values, weights):
        total += v * w
        weight_sum += w
    if weight_sum == 0:
        raise ValueError("total weight must not be zero")
    return total / weight_sum


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise ValueError("lengths differ")
    dot = na = nb = 0.0
    for x, y in zip(a, b):
        dot += x * y
        na += x * x
        nb += y * y
    if na == 0 or nb == 0:
        raise ValueError("zero vector")
    return dot / (math.sqrt(na) * math.sqrt(nb))


def ratio_capped(xs: list[float], ys: list[float]) -> float:
    if len(xs) != len(ys):
        raise ValueError("lengths differ")
    sx = 0.0
    sy = 0.0
    for x, y in zip(xs, ys):
        sx += x
        sy += y
    if sx / sy > 100.0:
        raise ValueError("ratio too large")
    return sx - sy


def steep(xs: list[float], y: float) -> float:
    s = 0.0
    for x in xs:
        s += x
    if math.sqrt(abs(y)) / y > 10.0:
        raise ValueError("too steep")
    return s * y


def bounded_squares(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x * x
    if s > 1000:
        raise ValueError("too large")
    return s
'''
NAMES = ["weighted", "cosine", "ratio_capped", "steep", "bounded_squares"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("computed") / "computed.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def compiled(source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return compile_and_run(source, SOURCE, NAMES)


def _floats(rng: random.Random, n: int) -> list[float]:
    """Floats that often cancel or vanish: zeros, opposite pairs, whole and fractional values."""
    out: list[float] = []
    while len(out) < n:
        kind = rng.randrange(4)
        if kind == 0:
            out.append(0.0)
        elif kind == 1 and len(out) + 2 <= n:
            v = rng.choice([0.5, 1.5, 3.0, 2.0 ** -3])
            out += [v, -v]
        else:
            out.append(rng.choice([rng.uniform(-10, 10), float(rng.randint(-4, 4))]))
    return out


def _args(name: str, rng: random.Random) -> tuple[Any, ...]:
    n = rng.randint(0, 12)
    if name == "bounded_squares":
        return ([rng.randint(-40, 40) for _ in range(n)],)
    if name == "steep":
        return _floats(rng, n), rng.choice([0.0, 0.001, -0.001, 0.5, 4.0, rng.uniform(-1, 1)])
    m = n if rng.random() < 0.9 else rng.randint(0, 12)
    return _floats(rng, n), _floats(rng, m)


def _outcome(f: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", f(*args)
    except (ValueError, ZeroDivisionError, IndexError) as e:
        return "raises", e


def _compare(name: str, want_fn: Any, got_fn: Any, cases: int, seed: int) -> tuple[dict[str, int], float]:
    """Outcomes of CPython and the generated function agree on `cases` random inputs: the same
    exception type (the source's own check: also its message), else the value (ints exactly,
    floats within 1e-9 relative); returns the exceptions seen by type and the largest error."""
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    worst = 0.0
    for _ in range(cases):
        args = _args(name, rng)
        (kind, want), (got_kind, got) = _outcome(want_fn, *args), _outcome(got_fn, *args)
        assert kind == got_kind, (name, args, want, got)
        if kind == "raises":
            assert isinstance(got, type(want)), (name, args, want, got)
            if type(want) is ValueError:  # the source's check: the same exception, not a refusal
                assert type(got) is ValueError and str(got) == str(want), (name, args, want, got)
            seen[type(want).__name__] = seen.get(type(want).__name__, 0) + 1
        elif isinstance(want, int):
            assert int(got) == want, (name, args, want, got)
        else:
            err = abs(float(got) - want)
            worst = max(worst, err / max(1.0, abs(want)))
            assert math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-12), (name, args, want, got)
    return seen, worst


@pytest.mark.parametrize("name", NAMES)
def test_the_check_is_a_precondition_and_the_proof_unbounded(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    r = compiled[0][name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    check = "sqrt(abs(y)) / y > 10.0" if name == "steep" else "reduce_sum("
    assert any(check in q for q in r.requires), r.requires  # stated as TensIR


@pytest.mark.parametrize("name", NAMES)
def test_numpy_raises_and_computes_as_cpython(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    results, namespace = compiled
    got = getattr(load_module(results[name].code, f"{name}_computed"), name)
    seen, worst = _compare(name, namespace[name], got, 400, seed=NAMES.index(name))
    print(f"{name}: exceptions {seen}, largest relative error {worst:.3g}")
    assert seen.get("ValueError", 0) > 0, seen  # the check (or the lengths) tripped
    if name in ("ratio_capped", "steep"):
        assert seen.get("ZeroDivisionError", 0) > 0, seen


def test_a_division_before_the_check_raises_zero_division_not_the_check(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`sx / sy > 100.0` with `sy == 0`: CPython raises ZeroDivisionError at the check; the
    generated code must not evaluate `inf > 100.0` and raise the check's ValueError."""
    results, namespace = compiled
    got = load_module(results["ratio_capped"].code, "ratio_order").ratio_capped
    args = ([1.0, 2.0], [1.5, -1.5])
    with pytest.raises(ZeroDivisionError):
        namespace["ratio_capped"](*args)
    with pytest.raises(ZeroDivisionError) as e:
        got(*args)
    assert "precondition" in str(e.value)
    with pytest.raises(ValueError, match="ratio too large"):
        got([300.0], [2.0])
    assert got([3.0, 1.0], [1.0, 1.0]) == 2.0


def test_a_scalar_check_the_target_evaluates_keeps_its_divisor_and_domain(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`sqrt(abs(y)) / y > 10.0` is not plain Python for the entry check: the target evaluates
    it, so its divisor `y != 0.0` stays a precondition before it (CPython raises
    ZeroDivisionError at y == 0, the target would compute inf), and the proof shows the
    condition inside its domain where the conjuncts before it hold."""
    r = compiled[0]["steep"]
    assert "y != 0.0" in r.requires, r.requires
    assert [o["status"] for o in r.obligations if o["kind"] == "check domain"] == ["unsat"]
    got = load_module(r.code, "steep_order").steep
    with pytest.raises(ZeroDivisionError) as e:
        got([1.0], 0.0)
    assert type(e.value) is not ValueError and "precondition" in str(e.value)
    with pytest.raises(ValueError, match="too steep"):
        got([1.0], 0.001)
    assert got([1.0, 2.0], 4.0) == 12.0


def test_a_guard_before_the_loops_is_plain_python_only(tmp_path: Path) -> None:
    """The target evaluates only checks after the loops (whose reads the lifter keeps); the
    same condition at the top is refused by the numpy target as before, not evaluated there."""
    path = tmp_path / "early.py"
    text = SOURCE.split("def steep")[0] + (
        "def early(xs: list[float], y: float) -> float:\n"
        "    if math.sqrt(abs(y)) / y > 10.0:\n"
        "        raise ValueError('too steep')\n"
        "    s = 0.0\n"
        "    for x in xs:\n"
        "        s += x\n"
        "    return s * y\n")
    path.write_text(text)
    r = compile_and_run(path, text, ["early"])[0]["early"]
    assert not r.lifted and "a guard uses sqrt" in " ".join(str(d) for d in r.diagnostics)


def test_ints_in_the_check_are_exact(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    got = load_module(compiled[0]["bounded_squares"].code, "squares_exact").bounded_squares
    with pytest.raises(ValueError, match="too large"):
        got([2 ** 32, 2 ** 32])  # the squares' sum wraps int64 to 0 <= 1000
    assert got([30, 10]) == 1000


@pytest.mark.parametrize("target", ["torch", "jax", "mlx"])
def test_the_other_python_targets_evaluate_the_check(
        compiled: tuple[dict[str, Any], dict[str, Any]], target: str) -> None:
    pytest.importorskip("mlx.core" if target == "mlx" else target)
    results, namespace = compiled
    for name in ("weighted", "ratio_capped"):
        code = Compiled.of(results[name]).render(target)
        assert f"{name}__check0" in code
        got = getattr(load_module(code, f"{name}_{target}"), name)
        seen, _ = _compare(name, namespace[name], got, 40, seed=11)
        assert seen.get("ValueError", 0) > 0, (target, name, seen)


@pytest.mark.parametrize("target", ["llvm", "stablehlo"])
def test_targets_without_an_entry_check_refuse(
        compiled: tuple[dict[str, Any], dict[str, Any]], target: str) -> None:
    options = {"shapes": "values=4,weights=4"} if target == "stablehlo" else {}
    if target == "stablehlo":
        pytest.importorskip("jax")
    with pytest.raises(UsageError, match="checks a condition on computed values"):
        Compiled.of(compiled[0]["weighted"]).render(target, **options)


def test_a_wrong_candidate_is_refuted_under_the_check(source: Path) -> None:
    """The check `s > 1000` (s the sum of squares) does not make the plain sum provable; the
    sum of squares is proven for all lengths."""
    module = read_module(str(source), load_registry())
    fn = next(f for f in module.functions if f.name == "bounded_squares")
    env = {"xs": TensorType("int", 1)}
    wrong = check_candidate(module, fn, parse("reduce_sum(xs)", env))
    assert wrong is not None
    assert check_obligations(wrong.obligations, [Z3Verifier()], timeout=20).level == "none"
    right = check_candidate(module, fn, parse("reduce_sum(vec_map(xs, lambda e: e * e))", env))
    assert right is not None
    assert check_obligations(right.obligations, [Z3Verifier()], timeout=20).level == "unbounded"
