"""`tensflo bench`: the timing driver, input scaling, the report and the command's errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.bench import BenchOptions, Timing, bench_function
from tensflo.compiler.bench_inputs import fits, large_inputs, plan_inputs
from tensflo.compiler.native import NativeError
from tensflo.compiler.native_timing import compile_timed
from tensflo.compiler.pipeline import Options, compile_function, read_module
from tensflo.plugins.manager import load_registry
from tensflo.targets.numpy import NumpyExecutable

ROOT = Path(__file__).resolve().parents[2]
CPP = ROOT / "benchmarks" / "kernels" / "cpp"


def test_timing_driver_returns_the_result_and_one_time_per_call(native_cache: str) -> None:
    program = compile_timed(CPP / "darken_blend_8.cc", "darken_blend_8",
                            ["mat[int]", "mat[int]", "int", "int"], "mat[int]", cache_dir=native_cache)
    rng = np.random.default_rng(0)
    a, b = rng.integers(-300, 300, (40, 30)), rng.integers(-300, 300, (40, 30))
    timed = program.time([a, b, 40, 30], warmup=1, repeats=5, max_seconds=10)
    assert len(timed.seconds) == 5 and all(t > 0 for t in timed.seconds)
    assert np.array_equal(timed.result, np.minimum(a, b))


def test_timing_driver_rejects_values_outside_a_cpp_int(native_cache: str) -> None:
    program = compile_timed(CPP / "dot.cc", "dot", ["vec[int]", "vec[int]", "int"], "int",
                            cache_dir=native_cache)
    with pytest.raises(NativeError, match="fit a C\\+\\+ int"):
        program.time([np.array([2**31]), np.array([1]), 1])
    with pytest.raises(NativeError, match="takes 3 arguments"):
        program.time([np.array([1])])


def _lifted(path: Path, name: str, registry):
    module = read_module(str(path), registry)
    result = compile_function(module, name, registry, Options(target=None, synth=()))
    assert result.lifted
    return module, module.function(name), result


def test_input_plan_makes_loop_bounds_follow_the_lengths(registry) -> None:
    module, fn, result = _lifted(CPP / "attention_scores.cc", "attention_scores", registry)
    plan = plan_inputs(module, fn, result.precondition)
    arrays = large_inputs(plan, result.program, result.precondition, 10_000)
    rows, cols = arrays["key_cache_layer"].shape
    assert (rows, cols) == (100, 100)
    # the most work: every row of the cache and a whole head are used
    assert arrays["token_position"] == rows
    assert arrays["head_size"] * (arrays["head"] + 1) <= cols and arrays["head_size"] >= cols // 2


def test_large_inputs_narrow_values_until_intermediates_fit_a_cpp_int(registry) -> None:
    module, fn, result = _lifted(CPP / "rmsnorm_part1.cc", "rmsnorm_part1", registry)
    plan = plan_inputs(module, fn, result.precondition)
    wide = plan.arrays(*plan.lengths(1_000_000), 255, np.random.default_rng(0))
    assert not fits(result.program, wide)  # 10^6 squares of values up to 255 overflow
    arrays = large_inputs(plan, result.program, result.precondition, 1_000_000)
    assert fits(result.program, arrays)
    assert 1 < np.abs(arrays["input"]).max() < 255


def test_bench_times_the_original_and_the_targets_and_compares_outputs(registry, native_cache) -> None:
    report = bench_function(str(CPP / "screen_blend_8.cc"), "screen_blend_8", registry, BenchOptions(
        targets=("numpy",), sizes=(100, 2_500), repeats=3, max_seconds=0.2, cache_dir=native_cache))
    assert report.proof == "unbounded" and report.baseline.startswith("g++ -O3 -march=native")
    assert [(r.runner, r.elements) for r in report.rows] == [
        (report.baseline, 100), ("numpy", 100), (report.baseline, 2_500), ("numpy", 2_500)]
    for row in report.rows:
        assert row.error is None and row.timing is not None and len(row.timing.seconds) >= 3
    assert [r.agrees for r in report.rows] == [None, True, None, True]
    assert report.inputs[2_500] == "base=50x50, active=50x50, rows=50, cols=50"
    assert report.working_set[2_500] == 4 * 3 * 2_500
    numpy_row = report.rows[3]
    assert numpy_row.transfer is not None
    assert report.speedup(numpy_row) == pytest.approx(
        report.rows[2].timing.median / numpy_row.timing.median)
    table = report.table()
    assert "numpy" in table and "same" in table and "speedup" in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["rows"][1]["agrees"] is True and data["rows"][1]["speedup"] > 0


def test_a_wrong_target_output_is_reported_and_fails_the_command(monkeypatch, tmp_path) -> None:
    src = tmp_path / "scale.py"
    src.write_text("def scale(x: list[int], n: int) -> list[int]:\n"
                   "    out = []\n    for i in range(n):\n        out.append(3 * x[i])\n    return out\n")
    with load_registry() as reg:
        monkeypatch.setattr(NumpyExecutable, "fetch", lambda self, r: np.asarray(r) + 1)
        report = bench_function(str(src), "scale", reg, BenchOptions(
            targets=("numpy",), sizes=(50,), repeats=3, max_seconds=0.1))
    assert report.baseline == "CPython"
    assert [r.agrees for r in report.rows] == [None, False]
    assert report.speedup(report.rows[1]) is None
    assert "DIFFERS" in report.table()


def _tensflo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tensflo", *args], capture_output=True, text=True,
                          timeout=300)


def test_bench_command_json_and_errors(tmp_path) -> None:
    p = _tensflo("bench", str(CPP / "dot.cc"), "--function", "dot", "--targets", "numpy",
                 "--sizes", "1e3", "--repeats", "3", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["function"] == "dot" and data["rows"][1]["agrees"] is True
    for args, message in [
        (["--sizes", "1e3,lots"], "'lots' is not a number"),
        (["--sizes", "0.5"], "must be a whole number"),
        (["--targets", "numpy,nosuch"], "unknown target 'nosuch'"),
        (["--repeats", "0"], "must be at least 1"),
    ]:
        p = _tensflo("bench", str(CPP / "dot.cc"), "--function", "dot", *args)
        assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr, p.stderr
    p = _tensflo("bench", str(CPP / "histogram.cc"), "--function", "histogram", "--timeout", "2")
    assert p.returncode == 2 and "was not lifted" in p.stderr and "Traceback" not in p.stderr


def test_bench_plot_writes_a_chart(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "speedup.png"
    p = _tensflo("bench", str(CPP / "scal.cc"), "--function", "scal", "--targets", "numpy",
                 "--sizes", "1e3", "--repeats", "3", "--plot", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timing_spread_is_the_interquartile_range() -> None:
    t = Timing((1.0, 2.0, 3.0, 4.0, 100.0))
    assert t.median == 3.0
    assert t.spread == pytest.approx(np.subtract(*np.percentile([1, 2, 3, 4, 100], [75, 25],
                                                                method="weibull")))


def test_a_call_far_over_the_budget_is_timed_once_without_warm_up() -> None:
    from tensflo.compiler.bench import time_calls

    calls = []

    def slow(_):
        calls.append(1)
        time.sleep(0.03)

    timing, _ = time_calls(slow, warmup=2, repeats=15, budget=0.001)
    assert len(calls) == 1 and len(timing.seconds) == 1
    calls.clear()
    timing, _ = time_calls(lambda _: calls.append(1), warmup=2, repeats=15, budget=10.0)
    assert len(calls) == 17 and len(timing.seconds) == 15


C_SOURCE = """void saxpy(int n, float a, const float *x, float *y) {
    int i;
    for (i = 0; i < n; i++) y[i] += a * x[i];
}
void triple(int n, int *v) {
    for (int i = 0; i < n; i++) v[i] = 3 * v[i] + 1;
}
long isum(int n, const int *x) {
    long s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}
"""


@pytest.mark.parametrize("name, written", [("saxpy", "y"), ("triple", "v"), ("isum", "")])
def test_bench_of_c_pointer_functions_times_the_dropin_against_gcc(registry, tmp_path, name,
                                                                    written) -> None:
    """In-place (void) and value-returning C functions: the original built by gcc and the llvm
    drop-in agree on the same buffers before either is timed; other targets run the TensIR
    program only when nothing is written through a pointer."""
    src = tmp_path / "k.c"
    src.write_text(C_SOURCE)
    report = bench_function(str(src), name, registry, BenchOptions(
        targets=("llvm", "numpy"), sizes=(300, 3_000), repeats=3, max_seconds=0.05))
    assert report.baseline == "gcc -O3 -march=native" and report.proof == "unbounded"
    assert [r.runner for r in report.rows] == [report.baseline, "llvm drop-in", "numpy"] * 2
    for base, drop, other in zip(*[iter(report.rows)] * 3, strict=True):
        assert base.timing is not None and len(base.timing.seconds) >= 3
        assert drop.agrees is True and drop.timing is not None and report.speedup(drop) > 0
        if written:
            assert other.error and "only as the llvm drop-in" in other.error
        else:
            assert other.agrees is True and other.error is None
    if written:
        assert report.tensir.startswith(f"{written} = ")
    if name == "saxpy":  # float32: rounding differs (a*x+y fused or not), within the tolerance
        assert all(r.largest_error is not None and r.largest_error < 1e-4 for r in report.rows[1::3])
    assert report.working_set[3_000] == 4 * 3_000 * (2 if name == "saxpy" else 1)
    assert "llvm drop-in" in report.table()


def test_float_agreement_has_the_c_element_types_tolerance() -> None:
    from tensflo.compiler.bench_dropin import agree

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, 10_000).astype(np.float32)
    forward = np.float32(0)
    for v in x:  # the C loop's order, in single precision
        forward = np.float32(forward + v)
    pairwise = np.sum(x, dtype=np.float32)
    ok, err = agree(forward, pairwise, "float32", float(np.abs(x).max()))
    assert ok and err < 1e-4
    assert not agree(forward, pairwise + x[7], "float32", 1.0)[0]  # one term too many
    assert not agree(np.array([1, 2], np.int32), np.array([1, 3], np.int32), "int32", 1.0)[0]
    assert agree(np.float64(np.nan), np.float64(np.nan), "float64", 1.0)[0]


def test_bench_command_takes_a_c_file(tmp_path) -> None:
    src = tmp_path / "k.c"
    src.write_text(C_SOURCE)
    p = _tensflo("bench", str(src), "--function", "triple", "--target", "llvm", "--sizes", "1e3",
                 "--repeats", "3", "--max-seconds", "0.05", "--json", "--quiet")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)["rows"]
    assert [r["runner"] for r in rows] == ["gcc -O3 -march=native", "llvm drop-in"]
    assert rows[1]["agrees"] is True and rows[1]["speedup"] > 0
