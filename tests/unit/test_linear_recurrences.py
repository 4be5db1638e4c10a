"""First-order linear recurrences `s = a * s + b` (`ir/lifting/linear_recurrences.py`) lift to the
TensIR op `linear_recurrence(A, B, s0)` (`ir/tensir/ops/recurrence.py`) with an unbounded proof:
Horner's rule over `reversed`, a number read from its digits counting up and counting down, vectors
of factors and terms, a term that is the counter, ints and floats; a power `x ** i` over the
counter (a polynomial term by term) is `ipow(x, i)`; the state pushed once per iteration, after
its update or before it, is the trace `linear_recurrence_scan`. The generated NumPy code equals CPython: ints exactly (also
far beyond 64 bits), floats within a tolerance (the largest error is reported). A wrong candidate
is not proven, and the recurrences whose factor reads another changing state are refused naming
it at their line:col."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, load_module
from tensflo.compiler.prove import prove
from tensflo.compiler.verify import obligation_script
from tensflo.ir.lifting import check_candidate, lift_function
from tensflo.ir.lifting.linear_recurrences import linear_update
from tensflo.ir.tensir import OPS, evaluate, parse, parse_module
from tensflo.ir.tensir.magnitude import magnitude_bound
from tensflo.ir.tensir.types import TensorType, vec
from tensflo.plugins.python_frontend import parse_python
from tensflo.plugins.solvers import Cvc5Verifier, Z3Verifier
from tensflo.tests.support.python_sources import compile_and_run, tolist

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


def per_entry(a: list[int], b: list[int], s: int) -> int:
    for i in range(len(b)):
        s = a[i] * s + b[i]
    return s


def per_entry_down(a: list[int], s: int) -> int:
    for i in range(len(a) - 1, -1, -1):
        s = a[i] * s - 3
    return s


def zipped_float(a: list[float], b: list[float], s: float) -> float:
    for x, y in zip(a, b):
        s = s * x - 2.0 * y
    return s


def alternating(xs: list[int], c: int) -> int:
    s = 1
    for x in xs:
        s = c - 2 * s + x
    return s


def running_sum_and_product(xs: list[int]) -> int:
    s = 0
    p = 1
    for x in xs:
        s = s + 3 * x
        p = p * x
    return s + p


def coupled(xs: list[int]) -> int:
    s = 0
    t = 1
    for x in xs:
        t = t + x
        s = t * s + x
    return s


def counter_term(xs: list[int]) -> int:
    s = 0
    for i in range(len(xs)):
        s = 2 * s + i
    return s


def poly_by_powers(poly: list[float], x: float) -> float:
    return sum(c * x**i for i, c in enumerate(poly))


def int_poly_by_powers(poly: list[int], x: int) -> int:
    return sum(c * x**i for i, c in enumerate(poly))


def power_of(x: int, n: int) -> int:
    return x ** n


def ema_trace(xs: list[float], alpha: float) -> list[float]:
    out = []
    s = 0.0
    for x in xs:
        s = alpha * x + (1.0 - alpha) * s
        out.append(s)
    return out


def digit_prefixes(digits: list[int], base: int) -> list[int]:
    out = []
    v = 0
    for d in digits:
        out.append(v)
        v = v * base + d
    return out


def dp_table(digits: list[int], base: int) -> list[int]:
    n = len(digits)
    dp = [0] * (n + 1)
    for i in range(1, n + 1):
        dp[i] = base * dp[i - 1] + digits[i - 1]
    return dp


def ema_table(xs: list[float], alpha: float) -> list[float]:
    out = [0.0] * len(xs)
    prev = 0.0
    for i in range(len(xs)):
        prev = alpha * xs[i] + (1 - alpha) * prev
        out[i] = prev
    return out


def tripled(xs: list[float], alpha: float) -> float:
    s = alpha
    for x in xs:
        s = 3 * s - x
    return s
'''
LIFTED = {"horner": "real", "digits_value": "integer", "backward_digits": "integer",
          "per_entry": "integer", "per_entry_down": "integer", "zipped_float": "real",
          "alternating": "integer", "counter_term": "integer", "running_sum_and_product": "integer",
          "poly_by_powers": "real", "int_poly_by_powers": "integer", "power_of": "integer",
          "ema_trace": "real", "digit_prefixes": "integer", "dp_table": "integer",
          "ema_table": "real", "tripled": "real"}
REFUSED = {"coupled": ("60:5", "reads t, which the loop also changes")}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("linrec") / "linrec.py"
    path.write_text(SOURCE)
    return compile_and_run(path, SOURCE, [*LIFTED, *REFUSED])


def _int_args(name: str, rng: random.Random) -> list[Any]:
    n = rng.choice([0, 1, 2, rng.randint(0, 80)])
    big = rng.random() < 0.3

    def entry() -> int:
        return rng.randint(-2**40, 2**40) if big else rng.randint(-9, 9)

    if name == "power_of":
        return [rng.choice([2, -3, 10**6, entry()]), rng.randint(0, 70)]
    if name == "int_poly_by_powers":
        return [[entry() for _ in range(n)], rng.choice([2, -3, 10, entry()])]
    if name in ("digits_value", "backward_digits", "digit_prefixes", "dp_table"):
        return [[rng.randint(0, 9) for _ in range(n)], rng.choice([2, 10, 16, -7, 10**6])]
    if name == "per_entry":
        b = [entry() for _ in range(n)]
        return [[entry() for _ in range(n + rng.randint(0, 2))], b, entry()]
    if name == "per_entry_down":
        return [[entry() for _ in range(n)], entry()]
    return [[entry() for _ in range(n)], entry()] if name == "alternating" else [
        [entry() for _ in range(n)]]


def _float_args(name: str, rng: random.Random) -> list[Any]:
    n = rng.choice([0, 1, rng.randint(0, 30)])

    def entry() -> float:
        return rng.uniform(-2.0, 2.0)

    if name in ("horner", "poly_by_powers", "ema_trace", "ema_table", "tripled"):
        return [[entry() for _ in range(n)], rng.uniform(-1.5, 1.5)]
    return [[entry() for _ in range(n)], [entry() for _ in range(n)], entry()]


@pytest.mark.parametrize("name", sorted(LIFTED))
def test_recurrences_lift_with_an_unbounded_proof(compiled: tuple[dict[str, Any], dict[str, Any]],
                                                  name: str) -> None:
    r = compiled[0][name]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.arithmetic == LIFTED[name]
    if name != "running_sum_and_product":
        op = "ipow(" if "pow" in name else "linear_recurrence_scan(" if name in (
            "ema_trace", "digit_prefixes", "dp_table", "ema_table") else "linear_recurrence("
        assert op in r.tensir, r.tensir


@pytest.mark.parametrize("name", sorted(n for n, a in LIFTED.items() if a == "integer"))
def test_int_recurrences_equal_cpython_exactly(compiled: tuple[dict[str, Any], dict[str, Any]],
                                               name: str) -> None:
    results, namespace = compiled
    fn = getattr(load_module(results[name].code, f"linrec_{name}"), name)
    rng = random.Random(name)
    beyond = 0
    for _ in range(150):
        args = _int_args(name, rng)
        want = namespace[name](*args)
        got = tolist(fn(*args))
        if isinstance(want, list):
            assert all(type(g) is int for g in got), got
            assert got == want, (args, got, want)
            beyond += any(abs(w) >= 2**64 for w in want)
            continue
        assert type(got) is int, type(got)
        assert got == want, (args, got, want)
        beyond += abs(want) >= 2**64
    assert beyond >= 3, beyond  # results far beyond 64 bits were compared


@pytest.mark.parametrize("name", sorted(n for n, a in LIFTED.items() if a == "real"))
def test_float_recurrences_equal_cpython_within_a_tolerance(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    results, namespace = compiled
    fn = getattr(load_module(results[name].code, f"linrec_{name}"), name)
    rng = random.Random(name)
    largest = 0.0
    for _ in range(200):
        args = _float_args(name, rng)
        want, got = namespace[name](*args), tolist(fn(*args))
        if isinstance(want, list):
            assert len(got) == len(want), (args, got)
            largest = max([largest, *(abs(g - w) / max(1.0, abs(w)) for g, w in zip(got, want, strict=True))])
            continue
        # the terms' magnitudes: summing them in another order may round differently
        scale = max(1.0, sum(abs(c) * abs(args[1]) ** k for k, c in enumerate(args[0]))
                    if name == "poly_by_powers" else abs(want))
        largest = max(largest, abs(float(got) - want) / scale)
    print(f"{name}: largest relative error {largest:.3g}")
    assert largest <= 1e-12, largest
    if name != "poly_by_powers":
        assert largest == 0.0  # the same fold, step by step, as CPython's loop


def test_a_negative_exponent_raises_instead_of_a_wrong_number(
        compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """CPython's `2 ** -1` is the float 0.5, outside `ipow`'s domain: `0 <= n` is in `requires`
    and the generated code raises there rather than return a number (and is exact at any size
    inside it); the runtime helper itself refuses a negative exponent too."""
    results, namespace = compiled
    r = results["power_of"]
    assert r.requires == ["0 <= n"], r.requires
    module = load_module(r.code, "linrec_power_neg")
    assert namespace["power_of"](2, -1) == 0.5
    with pytest.raises(ValueError, match="outside the precondition"):
        module.power_of(2, -1)
    with pytest.raises(ValueError, match="negative exponent"):
        module.ipow(2, -1)
    assert module.power_of(10**6, 70) == 10**420 and module.power_of(-3, 0) == 1


def test_horner_keeps_the_doctest_value(compiled: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fn = load_module(compiled[0]["horner"].code, "linrec_horner_doc").horner
    assert fn((0.0, 0.0, 5.0, 9.3, 7.0), 10.0) == 79800.0
    assert fn([], 3.0) == 0.0


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_coupled_recurrences_are_refused_naming_them_at_the_loop(
        compiled: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    r = compiled[0][name]
    assert not r.lifted and r.proof == "none", (r.proof, r.tensir)
    text = " ".join(str(d) for d in r.diagnostics)
    at, words = REFUSED[name]
    assert "first-order linear recurrence" in text and words in text, text
    assert f"linrec.py:{at}" in text, text


def test_a_wrong_candidate_is_not_proven(tmp_path: Path) -> None:
    """The right program and a wrong one (the factors and terms swapped, equal on bases 0..1 and
    one-digit inputs) both pass `check_candidate`'s shape; z3 proves only the right one."""
    path = tmp_path / "w.py"
    path.write_text(SOURCE)
    module = parse_python(str(path), SOURCE)
    fn = module.function("digits_value")
    assert fn is not None
    env = {p.name: p.type for p in fn.params}
    right = parse("linear_recurrence(full(max(len(digits), 0), base), digits, 0)", env)
    wrong = parse("linear_recurrence(digits, full(max(len(digits), 0), base), 0)", env)
    z3 = Z3Verifier()
    verdicts = {}
    for label, program in (("right", right), ("wrong", wrong)):
        lifted = check_candidate(module, fn, program)
        assert lifted is not None, label
        verdicts[label] = [z3.check(obligation_script(ob, "z3", False), 20).status
                           for ob in lifted.obligations]
    assert set(verdicts["right"]) == {"unsat"}, verdicts
    assert "sat" in verdicts["wrong"], verdicts


@pytest.mark.parametrize("verifier", [Z3Verifier(), Cvc5Verifier()], ids=lambda v: v.name)
def test_both_solvers_prove_every_obligation(tmp_path: Path, verifier: Any) -> None:
    """Each recurrence's obligations, in z3 and in cvc5 alike (the product under the nonlinear
    abstraction commutes: sources write `s * a` and `a * s`), but the trace pushed before each
    update (a `stride_update` of the trace), whose preservation only z3 proves."""
    path = tmp_path / "p.py"
    path.write_text(SOURCE)
    module = parse_python(str(path), SOURCE)
    names = ["horner", "digits_value", "backward_digits", "per_entry", "zipped_float",
             "poly_by_powers", "int_poly_by_powers", "ema_trace"]
    if verifier.name == "z3":  # cvc5 times out on the pushed-before trace's preservation
        names.append("digit_prefixes")
    for name in names:
        fn = module.function(name)
        assert fn is not None
        lifted = lift_function(module, fn)
        for ob in lifted.obligations:
            result = prove(lambda abstract, ob=ob: obligation_script(ob, verifier.dialect, abstract),
                           verifier, timeout=10)
            assert result.status == "unsat", (name, ob.kind, result)


@pytest.mark.parametrize("elem", ["int", "float"])
def test_the_op_is_the_fold(elem: str) -> None:
    """NumPy semantics: the loop, exact on object arrays and wrapping as int64 otherwise."""
    op = OPS["linear_recurrence"]
    rng = random.Random(elem)
    t = TensorType(elem, 0)
    term = parse("linear_recurrence(a, b, s)", {"a": vec(elem), "b": vec(elem), "s": t})
    for n in range(8):
        if elem == "int":
            a = np.array([rng.randint(-5, 5) for _ in range(n)], dtype=np.int64)
            b = np.array([rng.randint(-5, 5) for _ in range(n)], dtype=np.int64)
            s0: Any = np.int64(rng.randint(-5, 5))
        else:
            a = np.array([rng.uniform(-2, 2) for _ in range(n)])
            b = np.array([rng.uniform(-2, 2) for _ in range(n)])
            s0 = np.float64(rng.uniform(-2, 2))
        s = s0.item()
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            s = x * s + y
        assert evaluate(term, {"a": a, "b": b, "s": s0}) == s
    big = np.array([10**12] * 3, dtype=object)
    assert op.numpy(big, np.array([1, 2, 3], dtype=object), 0) == 10**24 + 2 * 10**12 + 3
    assert op.numpy(np.array([2**40] * 2), np.array([0, 0]), np.int64(1)) == 0  # 2**80 wraps
    assert math.isclose(op.numpy(np.array([0.5]), np.array([1.0]), 2.0), 2.0)


def test_the_int64_guard_bounds_every_step() -> None:
    """The magnitude bound of `linear_recurrence` and `ipow` is at least every value the fold
    computes (each `s` and each `a[k] * s`), so int64 code runs only where it cannot wrap."""
    (fn,) = parse_module("def f(a: vec[int], b: vec[int], s: int, x: int, k: int) -> int = "
                         "linear_recurrence(a, b, s) + ipow(x, k)")
    bound = magnitude_bound(fn)
    rng = random.Random(11)
    for _ in range(300):
        n = rng.randint(0, 12)
        a = [rng.randint(-6, 6) for _ in range(n)]
        b = [rng.randint(-50, 50) for _ in range(n)]
        s0, x, k = rng.randint(-50, 50), rng.randint(-9, 9), rng.randint(0, 12)
        largest, s = abs(s0), s0
        for p, q in zip(a, b, strict=True):
            largest = max(largest, abs(p * s))
            s = p * s + q
            largest = max(largest, abs(s))
        largest = max(largest, abs(s + x ** k), abs(x ** k))
        mags = [max(map(abs, a), default=0), max(map(abs, b), default=0), abs(s0), abs(x), abs(k)]
        got = bound.evaluate(mags, [[n], [n], [], [], []])
        assert got >= largest, (a, b, s0, x, k, got, largest)


def test_torch_runs_small_int_recurrences_and_raises_beyond_int64(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = tmp_path / "t.py"
    path.write_text(SOURCE)
    r = tensflo.compile(str(path), "digits_value", target="torch", synth="none", timeout=60)
    assert r.lifted and r.int_policy == "overflow-error", [str(d) for d in r.diagnostics]
    fn = r.load()
    assert int(fn([1, 2, 3], 10)) == 123
    with pytest.raises(OverflowError):
        fn([9] * 30, 10)  # 10**30 - 1: int64 would wrap


C_SOURCE = """
float horner_c(const float *c, int n, float x)
{
    float r = 0.0f;
    for (int i = n - 1; i >= 0; i--)
        r = r * x + c[i];
    return r;
}

long long digits_c(const int *d, int n)
{
    long long v = 0;
    for (int i = 0; i < n; i++)
        v = 10 * v + d[i];
    return v;
}
"""


@pytest.mark.parametrize("target", ["numpy", "llvm"])
def test_c_recurrences_run_like_gcc(tmp_path: Path, target: str) -> None:
    """C sources (gcc -O2) on the numpy and llvm targets: Horner in single precision and a
    number read from its decimal digits (at most 18: inside `long long`, where C is defined)."""
    src = tmp_path / "rec.c"
    src.write_text(C_SOURCE)
    rng = np.random.default_rng(5)
    for name in ("horner_c", "digits_c"):
        r = tensflo.compile(str(src), name, target=target, synth="none", timeout=60)
        assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
        cases: list[list[Any]] = []
        for n in rng.integers(0, 19, 60):
            if name == "horner_c":
                cases.append([rng.uniform(-2, 2, int(n)), int(n), float(rng.uniform(-1.5, 1.5))])
            else:
                cases.append([rng.integers(0, 10, int(n)), int(n)])
        report = c_differential(str(src), name, r.load(), cases, cache_dir=str(tmp_path / "c"))
        assert report.ok and report.cases == 60, report.failures[:2]
        print(f"{target} {name}: largest relative error {report.largest_relative_error:.3g}")


def test_linear_update_reads_a_and_b() -> None:
    env = {"s": TensorType("int", 0), "x": TensorType("int", 0), "c": TensorType("int", 0)}
    s = parse("s", env)
    assert linear_update(parse("s * x + c", env), s) == (parse("x", env), parse("c", env))
    assert linear_update(parse("c - 2 * s", env), s) is not None
    for not_linear in ("s + c", "s * s + c", "c", "x * c + s"):
        assert linear_update(parse(not_linear, env), s) is None, not_linear
