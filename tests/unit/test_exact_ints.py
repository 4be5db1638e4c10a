"""Ints lifted from Python are exact or refused, never wrapped: the magnitude bound
(`ir/tensir/magnitude.py`), the guard of the Python-module targets (`targets/exact_ints.py`), the
llvm refusal and `int_policy`. Results are compared with CPython running the source."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import CompileResult, Options, compile_file
from tensflo.ir.tensir import INT, App, DomainError, Function, Lambda, Var, mat, parse, vec
from tensflo.ir.tensir.magnitude import (
    CAP,
    INT64_MAX,
    int64_for_int64_inputs,
    magnitude_bound,
)
from tensflo.plugins.manager import Registry, load_registry
from tensflo.targets.exact_ints import ExactNumpyTarget, int_policy
from tensflo.targets.jax import JaxTarget
from tensflo.targets.mlx import MlxTarget
from tensflo.targets.numpy import NumpyTarget
from tensflo.targets.torch import TorchTarget
from tensflo.tests.support.python_sources import run_in_cpython

SOURCE = '''
def product(xs: list[int]) -> int:
    p = 1
    for i in range(len(xs)):
        p = p * xs[i]
    return p


def matmul4(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    out = []
    for i in range(len(a)):
        row = []
        for j in range(len(b[0])):
            s = 0
            for k in range(len(b)):
                s += a[i][k] * b[k][j]
            row.append(s)
        out.append(row)
    return out


def largest(xs: list[int]) -> int:
    m = xs[0]
    for i in range(len(xs)):
        m = max(m, xs[i])
    return m
'''
FRAMEWORKS = ("torch", "jax", "mlx")


@pytest.fixture(scope="module")
def registry() -> Any:
    with load_registry() as reg:
        yield reg


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exact") / "ints.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture(scope="module")
def cpython(source: Path) -> dict[str, Any]:
    return run_in_cpython(source)


def lifted(registry: Registry, path: Path, target: str | None, names: list[str]) -> dict[str, CompileResult]:
    results = compile_file(str(path), names, registry, Options(target=target, timeout=60))
    for r in results:
        assert r.lifted, (r.function, [str(d) for d in r.diagnostics])
    return {r.function: r for r in results}


@pytest.fixture(scope="module")
def generated(registry: Registry, source: Path) -> dict[str, tuple[dict[str, CompileResult], Any]]:
    """Per target: the results for product and matmul4 and their generated module (numpy and
    torch through the pipeline; jax and mlx from the same programs, emitted as the pipeline does)."""
    out = {}
    for target in ("numpy", "torch"):
        results = lifted(registry, source, target, ["product", "matmul4"])
        modules = {}
        for name, r in results.items():
            assert r.code is not None
            modules[name] = load_module(r.code, f"{target}_{name}")
        out[target] = (results, modules)
    for target in ("jax", "mlx"):
        emitter = registry.get("target", target)
        modules = {}
        for name, r in out["numpy"][0].items():
            buf = io.StringIO()
            emitter.emit([Function(name, r.params, r.program)], buf, source_lang="python")
            modules[name] = load_module(buf.getvalue(), f"{target}_{name}")
        out[target] = ({n: replace(r, int_policy=int_policy(emitter, "python"))
                        for n, r in out["numpy"][0].items()}, modules)
    return out


def call(generated: dict[str, Any], target: str, name: str, *args: Any) -> Any:
    return getattr(generated[target][1][name], name)(*args)


def as_python(value: Any) -> Any:
    """A result as Python ints (exact; an int64 converts exactly)."""
    arr = np.asarray(value)
    return arr.tolist() if arr.ndim else int(arr[()])


def near(rng: random.Random, center: int, spread: int, shape: tuple[int, ...]) -> Any:
    if not shape:
        return center + rng.randint(-spread, spread) * rng.choice((1, -1))
    return [near(rng, center * rng.choice((1, -1)), spread, shape[1:]) for _ in range(shape[0])]


def test_policy_in_json(generated: dict[str, Any]) -> None:
    assert generated["numpy"][0]["product"].int_policy == "exact"
    assert generated["numpy"][0]["product"].to_json()["int_policy"] == "exact"
    for t in FRAMEWORKS:
        assert generated[t][0]["matmul4"].int_policy == "overflow-error"


def test_product_of_ten_thousands_is_exact(generated: dict[str, Any], cpython: dict[str, Any]) -> None:
    xs = [1000] * 10
    got = call(generated, "numpy", "product", xs)
    assert got == 10**30 == cpython["product"](xs)
    assert type(got) is int  # Python ints: the exact path
    for t in FRAMEWORKS:
        with pytest.raises(OverflowError, match="exceed int64"):
            call(generated, t, "product", xs)


def test_small_products_take_the_int64_path(generated: dict[str, Any], cpython: dict[str, Any]) -> None:
    for xs in ([], [7], [3, -4, 5], [2**31, 2**31], [-(2**20)] * 3):
        want = cpython["product"](xs)
        got = call(generated, "numpy", "product", xs)
        assert isinstance(got, np.int64) and int(got) == want  # the fast path's dtype
        for t in FRAMEWORKS:
            r = call(generated, t, "product", xs)
            assert as_python(r) == want and "int64" in str(r.dtype), t


def test_products_near_the_int64_limits(generated: dict[str, Any], cpython: dict[str, Any]) -> None:
    rng = random.Random(1)
    cases = [[2**32, 2**31], [2**63 - 1, 2], [2**63, 1], [-(2**63) - 5, 3], [2**64], [-(2**63)],
             near(rng, 2**31, 1000, (6,)), near(rng, 2**62, 2**40, (3,))]
    for xs in cases:
        want = cpython["product"](xs)
        assert as_python(call(generated, "numpy", "product", xs)) == want, xs
        for t in FRAMEWORKS:
            try:
                r = call(generated, t, "product", xs)
            except OverflowError:
                continue
            assert as_python(r) == want, (t, xs)


def test_matmul_near_2_31_is_exact_or_refused(generated: dict[str, Any],
                                             cpython: dict[str, Any]) -> None:
    rng = random.Random(7)
    for _ in range(5):
        a, b = near(rng, 2**31, 2**20, (4, 4)), near(rng, 2**31, 2**20, (4, 4))
        want = cpython["matmul4"](a, b)
        assert max(abs(v) for row in want for v in row) > INT64_MAX  # int64 would wrap here
        got = call(generated, "numpy", "matmul4", a, b)
        assert got.dtype == object and got.tolist() == want
        for t in FRAMEWORKS:
            with pytest.raises(OverflowError):
                call(generated, t, "matmul4", a, b)


def test_matmul_beyond_2_63_and_small(generated: dict[str, Any], cpython: dict[str, Any]) -> None:
    rng = random.Random(3)
    big = [[rng.choice((1, -1)) * (2**64 + rng.randint(0, 99)) for _ in range(4)] for _ in range(4)]
    small = [[rng.randint(-1000, 1000) for _ in range(4)] for _ in range(4)]
    assert call(generated, "numpy", "matmul4", big, small).tolist() == cpython["matmul4"](big, small)
    for t in FRAMEWORKS:
        with pytest.raises(OverflowError):
            call(generated, t, "matmul4", big, small)
    want = cpython["matmul4"](small, small)
    for t in ("numpy", *FRAMEWORKS):
        r = call(generated, t, "matmul4", small, small)
        assert as_python(r) == want and "int64" in str(r.dtype), t


def test_llvm_refuses_what_can_leave_int64(registry: Registry, source: Path) -> None:
    results = compile_file(str(source), ["product", "largest"], registry,
                           Options(target="llvm", timeout=60))
    by = {r.function: r for r in results}
    assert by["product"].status == "not_lifted" and by["product"].code is None
    assert any("exceed int64" in str(d) and "llvm" in str(d) for d in by["product"].diagnostics)
    assert by["largest"].lifted and by["largest"].int_policy == "int64-inputs"


def test_c_and_cpp_sources_are_not_guarded() -> None:
    """Signed overflow is undefined in C and C++: their int64 code needs no guard."""
    from tensflo.targets.llvm.target import LlvmTarget

    fn = _fn("reduce_mul(x)", x=vec("int"))
    for lang in ("cpp", "c"):
        assert int_policy(NumpyTarget(), lang) == "wraps-undefined-in-source"
        assert "int64_inputs" not in NumpyTarget().compile([fn], source_lang=lang)["f"].__code__.co_names
    assert "int64_inputs" in NumpyTarget().compile([fn], source_lang="python")["f"].__code__.co_names
    assert int_policy(LlvmTarget(), "python") == "int64-inputs"
    assert int_policy(TorchTarget(), "python") == "overflow-error"


def _fn(text: str, **params: Any) -> Function:
    vars_ = tuple(Var(n, t) for n, t in params.items())
    return Function("f", vars_, parse(text, dict(params)))


def test_bound_rules_follow_the_op_table() -> None:
    mm = magnitude_bound(_fn("matmul(a, b)", a=mat("int"), b=mat("int")))
    assert mm.evaluate([3, 5], [[2, 7], [7, 4]]) == 7 * 3 * 5
    prod = magnitude_bound(_fn("reduce_mul(x)", x=vec("int")))
    assert prod.evaluate([1000], [[10]]) == CAP  # 10**30, capped
    assert prod.evaluate([1000], [[6]]) == 10**18
    assert prod.evaluate([1], [[10**9]]) == 1
    assert magnitude_bound(_fn("len(x)", x=vec("int"))).evaluate([0], [[10**9]]) == 10**9
    dot = magnitude_bound(_fn("reduce_sum(vec_elemwise_mul(x, y))", x=vec("int"), y=vec("int")))
    assert dot.evaluate([10, 20], [[5], [5]]) == 5 * 10 * 20
    sq = magnitude_bound(_fn("vec_map(x, lambda e: e * e - 3)", x=vec("int")))
    assert sq.evaluate([100], [[1]]) == 100 * 100 + 3
    cond = magnitude_bound(_fn("reduce_max(vec_map(x, lambda e: ite(e * e > 5, 1, 0)))", x=vec("int")))
    assert cond.evaluate([2**40], [[3]]) == CAP  # e * e inside the condition counts
    assert not int64_for_int64_inputs(dot)
    assert int64_for_int64_inputs(magnitude_bound(_fn("reduce_max(x)", x=vec("int"))))
    unknown = magnitude_bound(_fn("reduce_sum(vec_map(x, lambda e: to_int(e)))", x=vec("float")))
    assert unknown.unknown == ("to_int",) and unknown.evaluate([0], [[1]]) == CAP
    floats = magnitude_bound(_fn("reduce_sum(x)", x=vec("float")))
    assert not floats.has_ints


_exact_cache: dict[tuple[str, str], Any] = {}


def _exact_run(text: str, fn: Function) -> Any:
    """`fn` on Python ints (object arrays), compiled once per subterm."""
    key = (text, str(fn.body))
    if key not in _exact_cache:
        _exact_cache[key] = ExactNumpyTarget().compile([fn])[fn.name]
    return _exact_cache[key]


BOUNDED = ("reduce_sum(vec_elemwise_mul(x, y))", "reduce_mul(vec_elemwise_sub(x, y))",
           "reduce_sum(vec_map(x, lambda e: e * e * e))", "matrix_vec_mul(outer(x, y), y)",
           "reduce_sum(vec_elemwise_sub(x[1:len(y)], y[1:len(x)])) * len(x)",
           "reduce_max(append(vec_map(x, lambda e: floormod(e, 7) - e / 3 + abs(e)), 0))",
           "reduce_sum(selection_two_args(x, y, lambda a, b: ite(a * b > a + b, a - b, b * 3)))")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([1, 4, 12, 20, 31, 70]), st.data())
def test_bound_holds_on_every_exact_intermediate(bits: int, data: Any) -> None:
    """Every int subterm (outside lambdas) computed exactly is within the program's bound."""
    ints = st.integers(-(2**bits), 2**bits)
    n = data.draw(st.integers(0, 6))
    xs, ys = data.draw(st.lists(ints, min_size=n, max_size=n)), data.draw(
        st.lists(ints, min_size=n, max_size=n))
    for text in BOUNDED:
        fn = _fn(text, x=vec("int"), y=vec("int"))
        bound = magnitude_bound(fn).evaluate([max(map(abs, xs), default=0),
                                              max(map(abs, ys), default=0)], [[n], [n]])
        if bound == CAP:  # at least 2**63: nothing to check
            continue
        pending: list[Any] = [fn.body]
        while pending:
            t = pending.pop()
            if not isinstance(t, App):
                continue
            pending.extend(a for a in t.args if not isinstance(a, Lambda))
            if t.type.elem != "int":
                continue
            try:
                got = _exact_run(text, Function("g", fn.params, t))(xs, ys)
            except DomainError:  # outside its domain (reduce_max of nothing): not computed
                continue
            largest = max((abs(int(v)) for v in np.asarray(got, dtype=object).flat), default=0)
            assert largest <= bound, (text, str(t), xs, ys)


SHAPES = {
    "sum": ("s = 0\n    for i in range(len(a)):\n        s += {e}\n    return s", "int"),
    "prod": ("s = 1\n    for i in range(len(a)):\n        s = s * ({e})\n    return s", "int"),
    "map": ("out = []\n    for i in range(len(a)):\n        out.append({e})\n    return out",
            "list[int]"),
}
_programs: dict[str, CompileResult | None] = {}


def _expr(draw: Any, depth: int) -> str:
    leaf = st.sampled_from(["a[i]", "b[i]", "a[i]", "b[i]", "3", "-2", "7"])
    if depth == 0:
        return draw(leaf)
    op = draw(st.sampled_from(["*", "+", "-", "*", "max", "//", "%", "abs", "leaf"] if depth < 2
                              else ["*", "+", "-", "*", "max"]))
    if op == "leaf":
        return draw(leaf)
    if op in ("//", "%"):  # by a positive literal: Python's floor division and remainder
        return f"({_expr(draw, depth - 1)} {op} {draw(st.sampled_from(['3', '5', '1000']))})"
    if op in ("max", "abs"):
        args = [_expr(draw, depth - 1) for _ in range(2 if op == "max" else 1)]
        return f"{op}({', '.join(args)})"
    return f"({_expr(draw, depth - 1)} {op} {_expr(draw, depth - 1)})"


@st.composite
def programs(draw: Any) -> str:
    shape = draw(st.sampled_from(sorted(SHAPES)))
    body, ret = SHAPES[shape]
    e = _expr(draw, 2)
    assume("a[i]" in e or "b[i]" in e)
    return f"def f(a: list[int], b: list[int]) -> {ret}:\n    " + body.format(e=e) + "\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_lifted_python_programs_equal_cpython(registry: Registry, tmp_path_factory: Any,
                                              program: str, data: Any) -> None:
    """numpy equals CPython exactly; torch and mlx equal it or raise OverflowError."""
    if program not in _programs:
        path = tmp_path_factory.mktemp("prog") / "f.py"
        path.write_text(program)
        r = compile_file(str(path), ["f"], registry,
                         Options(target="numpy", timeout=10, synth=()))[0]
        _programs[program] = r if r.lifted else None
    result = _programs[program]
    assume(result is not None)
    assert result is not None and result.code is not None
    generated = load_module(result.code, "prop").f
    fn = Function("f", result.params, result.program)
    frameworks = {t.name: t.compile([fn], source_lang="python")["f"]
                  for t in (TorchTarget(), MlxTarget())}
    namespace: dict[str, Any] = {}
    exec(program, namespace)
    for _ in range(4):
        n = data.draw(st.integers(0, 6))
        bits = data.draw(st.sampled_from([3, 20, 31, 40, 62, 64, 80]))
        ints = st.integers(-(2**bits), 2**bits)
        a = data.draw(st.lists(ints, min_size=n, max_size=n))
        b = data.draw(st.lists(ints, min_size=n, max_size=n))
        want = namespace["f"](list(a), list(b))
        assert as_python(generated(a, b)) == want, (program, a, b)
        for name, run in frameworks.items():  # exact, or OverflowError: never wrapped
            try:
                got = run(a, b)
            except OverflowError:
                continue
            assert as_python(got) == want, (name, program, a, b)


EXACT_PROGRAMS = [
    ("vec_map(x, lambda e: e / 3 + e % 5 - e * 2)", {"x": vec("int")}),
    ("reduce_sum(vec_elemwise_div(x, y))", {"x": vec("int"), "y": vec("int")}),
    ("selection_two_args(x, y, lambda a, b: ite(a > b, abs(a), -b))", {"x": vec("int"), "y": vec("int")}),
    ("reduce_max(vec_scalar_mul(x[1:n], n))", {"x": vec("int"), "n": INT}),
    ("matrix_row_sum(transpose(matmul(m, m)))", {"m": mat("int")}),
    ("append(x, len(x) * reduce_mul(y))", {"x": vec("int"), "y": vec("int")}),
    ("reduce_sum(vec_map(x, lambda e: to_int(to_float(e) * 0.5)))", {"x": vec("int")}),
    ("vec_map(x, lambda e: floordiv(e, 4) + floormod(e, 3) + min(e, 2) + max(e, 1))", {"x": vec("int")}),
]


@pytest.mark.parametrize("text,params", EXACT_PROGRAMS, ids=[t for t, _ in EXACT_PROGRAMS])
def test_exact_path_equals_int64_path_on_small_inputs(text: str, params: dict[str, Any]) -> None:
    """The Python-int variant of every op computes what the int64 code does where it does not
    wrap (an op whose NumPy code would not run on object arrays fails here)."""

    fn = _fn(text, **params)
    ns = NumpyTarget().compile([fn], source_lang="python")
    rng = random.Random(text)
    for _ in range(20):
        n = rng.randint(2, 5)
        args = []
        for p in fn.params:
            if p.type.rank == 0:
                args.append(rng.randint(2, n))
            else:
                shape = (n,) * p.type.rank
                args.append(np.asarray([rng.randint(-50, 50) for _ in range(n**p.type.rank)]).reshape(shape))
        fast, exact = ns["f_int64"](*args), ns["f_exact"](*args)
        assert as_python(fast) == as_python(exact), (text, args)
        assert np.asarray(exact).dtype == object or isinstance(exact, int)


def test_cli_json_says_the_policy(cli: Any, source: Path) -> None:
    import json

    code, out, _ = cli("compile", str(source), "--function", "product", "--target", "torch", "--json")
    assert code == 0
    data = json.loads(out)
    row = data[0] if isinstance(data, list) else data
    assert row["int_policy"] == "overflow-error" and "int64_inputs" in row["code"]


def test_framework_tensors_are_read_where_they_live() -> None:
    """A torch, jax or mlx int tensor is bounded by its own min and max and passed on as given."""
    import jax.numpy as jnp
    import mlx.core as mx
    import torch

    fn = _fn("reduce_sum(vec_elemwise_mul(x, x))", x=vec("int"))
    makers = {"torch": lambda v: torch.tensor(v, dtype=torch.int64),
              "jax": lambda v: jnp.asarray(np.asarray(v, dtype=np.int64)),
              "mlx": lambda v: mx.array(v, dtype=mx.int64)}
    for target in (TorchTarget(), JaxTarget(), MlxTarget()):
        f = target.compile([fn], source_lang="python")["f"]
        make = makers[target.name]
        assert as_python(f(make([3, -4, 5]))) == 50
        assert as_python(f(make([]))) == 0
        with pytest.raises(OverflowError):
            f(make([2**32, 1]))  # 2**64: beyond int64
    exact = NumpyTarget().compile([fn], source_lang="python")["f"]
    assert exact(torch.tensor([2**32, 1])) == 2**64 + 1


def test_unknown_bounds_compute_exactly_or_are_refused() -> None:
    """`to_int` of a float has no bound: numpy always takes Python ints (as CPython's int()),
    and a framework target refuses the function rather than emit code that always raises."""
    from tensflo.plugins.errors import UsageError

    fn = _fn("reduce_sum(vec_map(x, lambda e: to_int(e)))", x=vec("float"))
    xs = [2.5, -1e30, 7.75]
    assert NumpyTarget().compile([fn], source_lang="python")["f"](xs) == sum(int(v) for v in xs)
    for target in (TorchTarget(), JaxTarget(), MlxTarget()):
        with pytest.raises(UsageError, match="unknown"):
            target.compile([fn], source_lang="python")
