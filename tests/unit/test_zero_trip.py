"""The empty input of a function lifted on `1 <= len(x)` (`ir/lifting/zero_trip.py`): the loop IR
evaluated exactly with every loop running zero times gives the source's value there (an infinite
seed included), which the generated entry returns on every Python target; where that value is not
known exactly (a read of the empty list, a guard that raises, a loop over another list) there is
no case and the precondition stays."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.compiled import Compiled
from tensflo.compiler.differential import load_module
from tensflo.ir.lifting.zero_trip import zero_trip_value
from tensflo.ir.tensir import Var
from tensflo.plugins.python_frontend import parse_python
from tests.support.python_sources import compile_and_run

VALUES = '''
import math

_INF = float("inf")


def seeded(xs: list[float], scale: float) -> float:
    m = -_INF
    if scale > 2:
        m = 1.0
    for x in xs:
        m = max(m, x)
    return m


def constant_branch(xs: list[float]) -> float:
    m = _INF
    if len(xs) == 0:
        m = -1.5
    for x in xs:
        if x < m:
            m = x
    return m


def passes_start(xs: list[float], start: float) -> float:
    m = start
    k = 0
    while k < len(xs):
        m = max(m, xs[k])
        k += 1
    return m


def reads_first(xs: list[float]) -> float:
    m = xs[0]
    for x in xs:
        m = max(m, x)
    return m


def guarded(xs: list[float]) -> float:
    if not xs:
        raise ValueError("empty")
    m = -_INF
    for x in xs:
        m = max(m, x)
    return m


def other_list(xs: list[float], ys: list[float]) -> float:
    m = _INF
    for y in ys:
        m = min(m, y)
    return m
'''


def _value(name: str, empty: str = "xs") -> Any:
    module = parse_python("values.py", VALUES)
    fn = module.function(name)
    assert fn is not None
    params = tuple(Var(p.name, p.type) for p in fn.params)
    return zero_trip_value(fn, params, next(p for p in params if p.name == empty))


def test_zero_trip_values_are_the_sources() -> None:
    # a branch on a parameter before the loop: not known for every value of it
    assert _value("seeded") is None
    assert _value("constant_branch") == -1.5  # len(xs) == 0 decided on the empty list
    start = _value("passes_start")
    assert isinstance(start, Var) and start.name == "start"  # the parameter itself
    assert _value("reads_first") is None  # CPython raises IndexError there
    assert _value("guarded") is None  # the source's own check raises
    assert _value("other_list") is None  # the loop over ys may run
    assert _value("other_list", "ys") == math.inf


KERNELS = '''
import math

_INF = float("inf")


def smallest(values: list[float]) -> float:
    m = _INF
    for v in values:
        if v < m:
            m = v
    return m


def largest_scaled(xs: list[float], k: float) -> float:
    best = -_INF
    for i in range(len(xs)):
        best = max(best, k * xs[i])
    return best
'''
TARGETS = ["numpy", "torch", "jax", "mlx"]


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path = Path(tmp_path_factory.mktemp("zero_trip")) / "zero_trip_kernels.py"
    path.write_text(KERNELS)
    return compile_and_run(path, KERNELS, ["smallest", "largest_scaled"])


@pytest.mark.parametrize("target", TARGETS)
def test_the_empty_input_returns_the_seed_on_every_python_target(
        kernels: tuple[dict[str, Any], dict[str, Any]], target: str) -> None:
    if target != "numpy":
        pytest.importorskip(target)
    results, namespace = kernels
    rng = random.Random(11)
    for name in ("smallest", "largest_scaled"):
        r = results[name]
        assert r.lifted and r.proof == "unbounded" and r.requires == [], \
            (r.requires, [str(d) for d in r.diagnostics])
        code = Compiled.of(r).render(target) if target != "numpy" else r.code
        fn = getattr(load_module(code, f"{name}_{target}"), name)
        worst = 0.0
        for trial in range(30):
            xs = [rng.uniform(-1e3, 1e3) for _ in range(0 if trial % 5 == 0 else rng.randint(1, 9))]
            args = [xs] if name == "smallest" else [xs, rng.uniform(-3, 3)]
            want, got = namespace[name](*args), float(fn(*args))
            if not xs:
                assert math.isinf(want) and got == want, (name, got, want)
            else:
                worst = max(worst, abs(want - got) / max(1.0, abs(want)))
        assert worst < 1e-12, f"{name} on {target}: largest relative error {worst}"


def test_the_case_is_after_the_type_check(kernels: tuple[dict[str, Any], dict[str, Any]]) -> None:
    results, _ = kernels
    fn = load_module(results["smallest"].code, "smallest_types").smallest
    with pytest.raises(TypeError):
        fn(["a"])
    assert fn([]) == math.inf and fn([2, 1]) == 1


EARLY = '''
def scale(xs: list[float]) -> list[float]:
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    if hi == lo:
        raise ValueError("cannot scale constant data")
    return [(x - lo) / (hi - lo) for x in xs]


def dot_or_zero(a: list[float], b: list[float]) -> float:
    if not a or not b:
        return 0.0
    s = 0.0
    for i in range(len(a)):
        s += a[i] * b[i]
    return s


def convolve(a: list[int], b: list[int]) -> list[int]:
    if not a or not b:
        return []
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def kadane(arr: list[int]) -> int:
    if not arr:
        return 0
    best = arr[0]
    current = 0
    for value in arr:
        if current <= 0:
            current = value
        else:
            current += value
        if current > best:
            best = current
    return best


def kadane_positive(xs: list[float]) -> float:
    best = xs[0]
    current = 0.0
    for x in xs:
        if 0 < current:
            current = x + current
        else:
            current = x
        best = max(best, current)
    return best


def max_or(xs: list[float], default: float) -> float:
    if len(xs) < 1:
        return default
    m = xs[0]
    for x in xs:
        m = max(m, x)
    return m


def after_return(xs: list[int]) -> int:
    if len(xs) == 0:
        return 0
    s = 0
    for x in xs:
        s += x
    if s == 0:
        raise ValueError("zero")
    return s
'''


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path = Path(tmp_path_factory.mktemp("early")) / "early.py"
    path.write_text(EARLY)
    return compile_and_run(path, EARLY, ["scale", "after_return", "dot_or_zero", "convolve",
                                         "max_or", "kadane", "kadane_positive"])


def _outcome(f: Any, xs: list[Any]) -> tuple[str, Any]:
    try:
        out = f(xs)
    except ValueError as e:
        return "raises", type(e)
    return "value", [float(v) for v in out] if hasattr(out, "__len__") else int(out)


def test_an_empty_return_at_the_top_is_answered_at_the_entry(
        early: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`if not xs: return []` before the rest: the rest is lifted on `1 <= len(xs)` (with its
    check after the computation), the empty list returns the source's value at the entry."""
    results, namespace = early
    rng = random.Random(3)
    for name in ("scale", "after_return"):
        r = results[name]
        assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
        assert "1 <= len(xs)" not in r.requires and "0 < len(xs)" not in r.requires, r.requires
        fn = getattr(load_module(r.code, f"{name}_early"), name)
        kinds = set()
        for trial in range(200):
            n = 0 if trial % 7 == 0 else rng.randint(1, 5)
            xs = [rng.choice([2.0, -1.5, rng.uniform(-9, 9)]) for _ in range(n)] if name == "scale" \
                else [rng.randint(-2, 2) if trial % 2 else rng.randint(-10**30, 10**30) for _ in range(n)]
            (kind, want), (got_kind, got) = _outcome(namespace[name], xs), _outcome(fn, xs)
            assert kind == got_kind, (name, xs, want, got)
            if kind == "value" and name == "scale":
                assert len(got) == len(want) and all(abs(a - b) <= 1e-12 for a, b in zip(got, want, strict=True)), \
                    (xs, got, want)
            elif kind == "value":
                assert got == want, (xs, got, want)
            else:
                assert issubclass(got, want), (xs, got, want)
            kinds.add((kind, n == 0))
        assert {("value", True), ("value", False), ("raises", False)} <= kinds, kinds


SHADOWED = '''
_INF = float("inf")


def rebound(xs: list[float], n: int) -> float:
    n = n - 3
    low = _INF
    best = 0.0
    for i in range(n):
        if xs[i] < low:
            low = xs[i]
        elif xs[i] - low > best:
            best = xs[i] - low
    return best


def replaced(xs: list[float]) -> float:
    m = _INF
    xs = [1.0]
    for x in xs:
        m = min(m, x)
    return m
'''


def test_bounds_read_after_a_reassignment_are_not_peeled_or_emptied(tmp_path: Path) -> None:
    """`n` reassigned before the loop: the peel's `start < stop` over the arguments would not be
    the loop's; `xs` replaced: its length on the call is not the loop's. Neither is rewritten,
    so neither answers an input the source does not."""
    from tensflo.ir.lifting.peel_seed import peel_first_iteration

    module = parse_python("shadowed.py", SHADOWED)
    rebound = module.function("rebound")
    assert rebound is not None and peel_first_iteration(rebound) is None
    assert _value_in(module, "replaced") is None


def _value_in(module: Any, name: str) -> Any:
    fn = module.function(name)
    params = tuple(Var(p.name, p.type) for p in fn.params)
    return zero_trip_value(fn, params, params[0])


def test_an_empty_return_on_either_list(early: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`if not a or not b: return 0.0`: one case per list (the left test need not be known when
    the right one decides), the rest lifted on both non-empty; where the rest does not lift, the
    reason is the rest's, not the emptiness test's."""
    results, namespace = early
    r = results["dot_or_zero"]
    assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    notes = " ".join(d.message for d in r.diagnostics)
    assert "where len(a) == 0 the generated function returns 0.0; where len(b) == 0" in notes, notes
    fn = load_module(r.code, "dot_or_zero_early").dot_or_zero
    rng = random.Random(4)
    for _ in range(100):
        n = rng.randint(0, 4)
        a = [rng.uniform(-5, 5) for _ in range(n)]
        b = [rng.uniform(-5, 5) for _ in range(n + rng.randint(0, 2) if rng.random() < 0.8 else 0)]
        assert abs(float(fn(a, b)) - namespace["dot_or_zero"](a, b)) <= 1e-12, (a, b)
    text = " ".join(str(d) for d in results["convolve"].diagnostics)
    assert "out is a vector being built" in text and "a scalar is needed" not in text, text


def test_an_empty_return_of_a_parameter(early: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`if len(xs) < 1: return default`: the case returns the argument itself."""
    results, namespace = early
    r = results["max_or"]
    assert r.lifted and r.proof == "unbounded" and r.requires == [], \
        (r.requires, [str(d) for d in r.diagnostics])
    fn = load_module(r.code, "max_or_early").max_or
    rng = random.Random(8)
    for n in [0, 0, 1, *(rng.randint(0, 6) for _ in range(30))]:
        xs, default = [rng.uniform(-9, 9) for _ in range(n)], rng.uniform(-9, 9)
        assert float(fn(xs, default)) == namespace["max_or"](xs, default), (xs, default)


def test_the_interpreter_cross_check_rejects_a_wrong_value() -> None:
    """Each case's value is also checked against the reference interpreter on the empty input
    (other parameters drawn): a value it does not return is no case."""
    from tensflo.ir.lifting.zero_trip import interpreter_agrees

    module = parse_python("values.py", VALUES)
    fn = module.function("passes_start")
    assert fn is not None
    xs, start = (Var(p.name, p.type) for p in fn.params)
    assert interpreter_agrees(fn, xs, start)
    assert not interpreter_agrees(fn, xs, 0.0) and not interpreter_agrees(fn, xs, math.inf)


TUPLES = '''
_INF = float("inf")


def lo_hi(xs: list[float]) -> tuple[float, float]:
    lo, hi = _INF, -_INF
    for x in xs:
        lo = min(lo, x)
        hi = max(hi, x)
    return lo, hi


def total_and_peak(xs: list[int]) -> tuple[int, int]:
    if not xs:
        return 0, -1
    total = 0
    peak = xs[0]
    for x in xs:
        total += x
        peak = max(peak, x)
    return total, peak
'''


def test_a_tuple_return_answers_the_empty_input_item_by_item(tmp_path: Path) -> None:
    """Each item's function gets its own zero-trip case: `(inf, -inf)` and `(0, -1)` on `[]`,
    as CPython; ints exact beyond 64 bits elsewhere."""
    (tmp_path / "tuples.py").write_text(TUPLES)
    results, namespace = compile_and_run(tmp_path / "tuples.py", TUPLES, ["lo_hi", "total_and_peak"])
    rng = random.Random(6)
    for name in ("lo_hi", "total_and_peak"):
        r = results[name]
        assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
        assert not any("len(xs)" in q for q in r.requires), r.requires
        fn = getattr(load_module(r.code, f"{name}_tuple"), name)
        for n in [0, 0, 1, *(rng.randint(0, 7) for _ in range(30))]:
            xs = [rng.uniform(-9, 9) if name == "lo_hi" else rng.randint(-10**30, 10**30)
                  for _ in range(n)]
            got, want = tuple(fn(xs)), namespace[name](xs)
            assert len(got) == len(want) and all(g == w for g, w in zip(got, want, strict=True)), \
                (name, xs, got, want)


def test_a_target_without_entry_checks_keeps_the_precondition(tmp_path: Path) -> None:
    """llvm's code has no entry checks: the empty input stays outside its stated precondition.
    `Compiled.load()` puts the Python entry (guards, precondition, cases) before the executable,
    so the loaded function answers the empty input as CPython does."""
    pytest.importorskip("llvmlite")
    from tensflo.compiler.pipeline import Options, compile_file
    from tensflo.plugins.manager import load_registry

    path = tmp_path / "zero_trip_llvm.py"
    path.write_text(KERNELS)
    (r,) = compile_file(str(path), ["smallest"], load_registry(), Options(target="llvm", synth=()))
    assert r.lifted and r.requires == ["1 <= len(values)"], r.requires
    assert "no entry checks" in " ".join(d.message for d in r.diagnostics)
    fn = Compiled.of(r).load()
    assert float(fn([3.0, -1.0])) == -1.0
    namespace: dict[str, Any] = {}
    exec(KERNELS, namespace)
    assert fn([]) == namespace["smallest"]([])


def test_a_choice_by_the_sign_of_a_running_sum_is_a_max(
        early: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """`if current <= 0: current = v  else: current += v` is `max(v, current + v)`
    (`ir/lifting/sign_choice.py`), so Kadane written with a branch lifts like the `max` form:
    ints exact beyond 64 bits, the empty list answered at the entry; floats within rounding."""
    results, namespace = early
    rng = random.Random(12)
    for name in ("kadane", "kadane_positive"):
        r = results[name]
        assert r.lifted and r.proof == "unbounded", [str(d) for d in r.diagnostics]
        fn = getattr(load_module(r.code, f"{name}_sign"), name)
        worst = 0.0
        for n in [0, 1, 2, *(rng.randint(1, 12) for _ in range(40))]:
            if name == "kadane":
                xs: list[Any] = [rng.randint(-10**20, 10**20) for _ in range(n)]
                assert int(fn(xs)) == namespace[name](xs), xs
            elif n:
                xs = [rng.uniform(-9, 9) for _ in range(n)]
                worst = max(worst, abs(float(fn(xs)) - namespace[name](xs)))
        assert worst <= 1e-12, f"largest error {worst}"


def test_a_sign_choice_that_is_no_max_is_not_rewritten() -> None:
    from tensflo.ir.lifting.sign_choice import max_updates

    source = '''
def other(xs: list[int]) -> int:
    c = 0
    for v in xs:
        if c <= 0:
            c = v
        else:
            c = c - v
    return c


def kept(xs: list[int]) -> int:
    c = 0
    for v in xs:
        if c >= 0:
            c = v
        else:
            c = c + v
    return c
'''
    module = parse_python("signs.py", source)
    for name in ("other", "kept"):  # c - v is no sum; c >= 0 keeps v where the max is c + v
        fn = module.function(name)
        assert fn is not None and max_updates(fn) is None, name
