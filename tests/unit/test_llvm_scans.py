"""Scans and recurrence traces on the llvm target (`targets/llvm/scans.py`): each against the
TensIR reference on random inputs, int32/int64/float64 buffers, one and two threads around the
split threshold, empty inputs, matrices; running scans (in the output nest) and materialized ones;
prefix_sum.cc against g++."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir import DomainError, Function, parse_module
from tensflo.ir.tensir.evaluate import evaluate
from tensflo.targets.llvm import LlvmTarget, runtime
from tensflo.targets.llvm.codegen import LoweringError
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.runtime import PARALLEL_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
PREFIX_SUM = ROOT / "benchmarks" / "kernels" / "cpp" / "prefix_sum.cc"
HALF = PARALLEL_THRESHOLD // 2
SIZES = (0, 1, 2, 7, HALF - 3, HALF + 5, 3 * HALF)
"""Vector lengths: empty, tiny, and around the two-thread threshold (input plus output entries)."""

FNS = {f.name: f for f in parse_module("""
def prefix(x: vec[int], n: int) -> vec[int] = scan_sum(x[:n])
def running_max(x: vec[int]) -> vec[int] = scan_max(x)
def trace(a: vec[int], b: vec[int], s: int) -> vec[int] = linear_recurrence_scan(a, b, s)
def exclusive(x: vec[int]) -> vec[int] = vec_elemwise_sub(scan_sum(x), x)
def scaled_max(x: vec[int]) -> vec[int] = vec_scalar_mul(vec_map(scan_max(x), lambda e: e - 1), 3)
def best_prefix(x: vec[int]) -> int = reduce_max(scan_sum(x))
def shifted(x: vec[int]) -> vec[int] = vec_elemwise_add(scan_sum(x), scan_sum(x)[:len(x)])
def max_of_sums(x: vec[int]) -> vec[int] = scan_max(scan_sum(x))
def fprefix(y: vec[float]) -> vec[float] = scan_sum(y)
def fmax(y: vec[float]) -> vec[float] = scan_max(y)
def ftrace(c: vec[float], d: vec[float], t: float) -> vec[float] = linear_recurrence_scan(c, d, t)
def fmean(y: vec[float]) -> vec[float] = selection_two_args(scan_sum(y), iota(len(y)), lambda t, i: t / to_float(i + 1))
def table(m: mat[int]) -> mat[int] = scan_sum(m)
def area(m: mat[int]) -> mat[int] = transpose(scan_sum(transpose(scan_sum(m))))
def ftable(w: mat[float]) -> mat[float] = scan_sum(w)
def power(y: float, k: int) -> float = ipow(y, k)
""")}
INT_FNS = ("prefix", "running_max", "trace", "exclusive", "scaled_max", "best_prefix", "shifted",
           "max_of_sums")
FLOAT_FNS = ("fprefix", "fmax", "ftrace", "fmean")
STRICT = LlvmTarget().configure(fp="strict")


@cache
def kernels(names: tuple[str, ...], dtype: str, strict: bool = True) -> dict:
    target = STRICT if strict else LlvmTarget()
    dtypes = {"x": dtype, "a": dtype, "b": dtype, "m": dtype, "return": dtype}
    return target.compile([FNS[n] for n in names], dtypes if dtype.startswith("int") else {})


def reference(fn: Function, args: list) -> np.ndarray:
    return np.asarray(evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args, strict=True)}))


def int_args(name: str, rng: np.random.Generator, n: int) -> list:
    x = rng.integers(-1000, 1000, n)
    if name == "prefix":
        return [x, int(rng.integers(-2, n + 3))]
    if name == "trace":
        return [rng.integers(-3, 4, n), rng.integers(-50, 50, n), int(rng.integers(-9, 9))]
    return [x]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("threads", [1, 2])
def test_int_scans_equal_the_reference(dtype: str, threads: int) -> None:
    rng = np.random.default_rng(1)
    ks = kernels(INT_FNS, dtype)
    for name in INT_FNS:
        k = ks[name]
        k.threads = threads
        for n in SIZES:
            if name == "best_prefix" and n == 0:
                continue  # reduce_max of an empty vector: a domain error, checked below
            args = int_args(name, rng, n)
            got = k(*[a.astype(dtype) if isinstance(a, np.ndarray) else a for a in args])
            want = reference(FNS[name], args)
            if dtype == "int32":  # an int32 result holds the exact one's low 32 bits
                want = want.astype(np.int64).astype(np.int32)
            assert np.array_equal(np.asarray(got), want), (name, n, threads)


def test_int64_wraps_like_the_reference() -> None:
    """A recurrence trace that leaves int64 wraps as the reference's int64 values do."""
    k = kernels(("trace",), "int64")["trace"]
    a, b = np.full(70, 3), np.arange(70)
    assert np.array_equal(k(a, b, 1), reference(FNS["trace"], [a, b, 1]))


def test_domain_errors() -> None:
    ks = kernels(INT_FNS, "int64")
    with pytest.raises(DomainError, match="differ in length"):
        ks["trace"](np.arange(3), np.arange(4), 0)
    with pytest.raises(DomainError, match="reduce_max of an empty vector"):
        ks["best_prefix"](np.zeros(0, dtype=np.int64))


def sequential(name: str, args: list) -> list[float]:
    """The source's loop on Python floats."""
    out: list[float] = []
    if name == "ftrace":
        s = args[2]
        for x, y in zip(args[0].tolist(), args[1].tolist(), strict=True):
            s = x * s + y
            out.append(s)
        return out
    acc = None
    for i, v in enumerate(args[0].tolist()):
        if name == "fmax":
            acc = v if acc is None or not acc >= v else acc
        else:
            acc = v if acc is None else acc + v
        out.append(acc / (i + 1) if name == "fmean" else acc)
    return out


def float_args(name: str, rng: np.random.Generator, n: int) -> list:
    y = rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, n)
    if name == "ftrace":
        return [rng.uniform(-1.1, 1.1, n), y, float(rng.normal())]
    return [y]


@pytest.mark.parametrize("threads", [1, 2])
def test_float_scans_strict_are_the_sequential_loop_bit_for_bit(threads: int) -> None:
    rng = np.random.default_rng(2)
    ks = kernels(FLOAT_FNS, "float64")
    for name in FLOAT_FNS:
        ks[name].threads = threads
        for n in SIZES:
            args = float_args(name, rng, n)
            got = [float(v).hex() for v in ks[name](*args)]
            assert got == [v.hex() for v in sequential(name, args)], (name, n, threads)
            assert np.array_equal(ks[name](*args), reference(FNS[name], args)), (name, n)


def test_float_sums_reassociated_on_two_threads_within_tolerance() -> None:
    """By default the second thread's seed (the sum of the first half) adds in vector lanes:
    close to the sequential sums, not bit for bit."""
    rng = np.random.default_rng(3)
    ks = kernels(("fprefix", "fmean"), "float64", strict=False)
    worst = 0.0
    for name in ("fprefix", "fmean"):
        ks[name].threads = 2
        for n in SIZES:
            args = [rng.uniform(-1.0, 1.0, n)]
            got, want = ks[name](*args), np.asarray(sequential(name, args))
            if n:
                err = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
                worst = max(worst, err)
    assert worst < 1e-10, f"largest relative error {worst:.3g}"


@pytest.mark.parametrize("dtype", ["int32", "int64", "float64"])
@pytest.mark.parametrize("threads", [1, 2])
def test_matrix_scans_equal_the_reference(dtype: str, threads: int) -> None:
    rng = np.random.default_rng(4)
    names = ("ftable",) if dtype == "float64" else ("table", "area")
    ks = kernels(names, dtype)
    for name in names:
        ks[name].threads = threads
        for rows, cols in [(0, 0), (0, 3), (1, 1), (5, 0), (3, 70), (300, 301)]:
            m = rng.integers(-1000, 1000, (rows, cols)).astype(dtype)
            if dtype == "float64":
                m = m * 10.0 ** rng.integers(-6, 6, (rows, cols))
            got, want = ks[name](m), reference(FNS[name], [m.astype(np.int64)
                                                           if dtype != "float64" else m])
            assert got.shape == want.shape and np.array_equal(got, want.astype(dtype)), \
                (name, rows, cols)


def _ir(name: str) -> str:
    module, _ = build_module([FNS[name]], {"x": "int32", "return": "int32"})
    return str(module)


def test_scans_on_the_row_path_run_in_the_nest_and_others_are_materialized() -> None:
    for name in ("prefix", "exclusive", "scaled_max", "trace"):
        text = _ir(name)
        assert "malloc" not in text and "scan.seed" in text, name
    for name in ("best_prefix", "shifted", "max_of_sums"):
        text = _ir(name)
        main = text[text.index(f'define i32 @"{name}"('):]
        main = main[:main.index("\n}")]
        lines = main.splitlines()
        first = next(k for k, line in enumerate(lines) if '@"malloc"' in line)
        rets = [k for k, line in enumerate(lines) if line.strip().startswith("ret ") and k > first]
        assert rets, name
        for k in rets:  # every return after the allocation frees the buffers first
            assert 'call void @"free"' in lines[k - 1], (name, lines[k - 1])
    # a scan read both on the row path and off it is computed once, not carried
    assert "scan.seed" not in _ir("shifted")


def test_a_nest_seeded_by_the_rows_before_it_gives_the_first_thread_two_thirds(monkeypatch) -> None:
    ks = kernels(INT_FNS, "int32")
    assert ks["prefix"].info.seeded and ks["exclusive"].info.seeded
    assert not ks["best_prefix"].info.seeded and not ks["shifted"].info.seeded
    ranges: list[tuple[int, int, int, int]] = []
    halves = runtime.Kernel._halves

    def spy(self, prepared, out0, lo0, hi0, out1, lo1, hi1, *rest, **kw):
        ranges.append((lo0, hi0, lo1, hi1))
        return halves(self, prepared, out0, lo0, hi0, out1, lo1, hi1, *rest, **kw)

    monkeypatch.setattr(runtime.Kernel, "_halves", spy)
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)
    k = ks["prefix"]
    k.threads = 2
    x = np.arange(1, 3001, dtype=np.int32)
    assert np.asarray(k(x, 3000)).tolist() == np.cumsum(x).tolist()
    assert ranges == [(0, 2000, 2000, 3000)]


def test_a_scan_inside_a_loop_is_refused() -> None:
    (fn,) = parse_module("def f(x: vec[int]) -> vec[int] = "
                         "vec_map(x, lambda e: reduce_sum(scan_sum(full(e, 1))))")
    with pytest.raises(LoweringError, match="a scan computed inside a loop"):
        LlvmTarget().compile([fn])


def test_ipow_is_refused_with_the_reason() -> None:
    with pytest.raises(LoweringError, match="ipow .*raises in the reference"):
        LlvmTarget().compile([FNS["power"]])


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_prefix_sum_agrees_with_gxx() -> None:
    from tensflo.compiler.native import run_native
    from tensflo.compiler.pipeline import Options, compile_function, read_module
    from tensflo.plugins.manager import load_registry

    with load_registry() as registry:
        result = compile_function(read_module(str(PREFIX_SUM), registry), "prefix_sum", registry,
                                  Options(target=None))
    assert result.lifted and result.program is not None, result.diagnostics
    fn = Function("prefix_sum", result.params, result.program)
    k = LlvmTarget().compile([fn], {"x": "int32", "return": "int32"})["prefix_sum"]
    rng = np.random.default_rng(5)
    cases, got = [], []
    for n in (0, 1, 9, 1000):
        x = rng.integers(-2**19, 2**19, n + 3)
        x[0] = 3 * 2**29  # running sums above 2^30, inside int (the source is defined)
        assert np.abs(np.cumsum(x[:n])).max(initial=0) < 2**31 - 1
        cases.append([x.tolist(), n])
        for threads in (1, 2):
            k.threads = threads
            got.append(np.asarray(k(x.astype(np.int32), n)).tolist())
    want = run_native(str(PREFIX_SUM), fn.name, [str(p.type) for p in fn.params],
                      str(fn.result), cases)
    assert got == [list(w) for w in want for _ in (1, 2)]


@pytest.mark.parametrize("name", ["trapped_rain_water", "max_circular_subarray",
                                  "summed_area_table", "moving_average"])
def test_lifted_python_kernels_with_scans_agree_with_cpython(name: str) -> None:
    """Real kernels whose lifted programs read scans off the row path (folds, strides, stride
    updates, scans of scans, matrices): materialized, against the source on drawn inputs."""
    from tensflo.compiler.pipeline import Options, compile_function, read_module
    from tensflo.ir.lifting import draw_cases, same
    from tensflo.ir.lifting.float_inputs import scale_of
    from tensflo.plugins.manager import load_registry

    path = ROOT / "benchmarks" / "kernels" / "python_real" / f"{name}.py"
    with load_registry() as registry:
        module = read_module(str(path), registry)
        result = compile_function(module, name, registry, Options(target=None))
    assert result.lifted and result.program is not None, result.diagnostics
    assert "scan_" in str(result.program)
    fn = module.function(name)
    program = Function(name, result.params, result.program)
    run = LlvmTarget().executable(program, {})
    cases = draw_cases(fn, module, result.precondition, 20, seed=9)
    assert len(cases) >= 10
    for case in cases:
        got = run.fetch(run.run(run.prepare([case.arrays[p.name] for p in program.params])))
        assert same(case.expected, got, scale_of(case.arrays, case.expected)), \
            f"{name}{case.args}: source {case.expected}, llvm {got}"
