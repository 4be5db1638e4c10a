"""Floats and libm end to end: C++ and Python kernels calling `sqrt`, `exp`, `log`, `pow`, `fabs`,
`floor`, `fmin`/`fmax` and converting between int and float lift with a proof over the reals
(`arithmetic: real`), and the generated NumPy code agrees with g++ / CPython within the float
tolerance (the largest error is reported); a source that takes `sqrt` of a negative is outside its
domain, for the interpreter and for the inputs drawn."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.differential import check_compiled, load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.ir.lifting import draw_cases
from tensflo.ir.lifting.float_inputs import largest_error, scale_of
from tensflo.ir.lifting.inputs import same
from tensflo.ir.loop import Interpreter, Undefined
from tensflo.plugins.manager import load_registry

CPP = """#include <cmath>
#include <vector>
#include <algorithm>
using namespace std;

vector<double> norm2(vector<double> a, vector<double> b) {
    vector<double> out;
    for (int i = 0; i < a.size(); i++) out.push_back(sqrt(a[i] * a[i] + b[i] * b[i]));
    return out;
}

double expsum(vector<double> x) {
    double s = 0;
    for (int i = 0; i < x.size(); i++) s += exp(x[i] / 100.0);
    return s;
}

vector<double> clamp_unit(vector<double> x) {
    vector<double> out;
    for (int i = 0; i < x.size(); i++) out.push_back(fmin(fmax(x[i], -1.0), 1.0));
    return out;
}

double mean(vector<double> x, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += x[i];
    return sum / n;
}

double misc(vector<double> x) {
    double s = 0;
    for (int i = 0; i < x.size(); i++)
        s += std::sqrt(fabs(x[i])) + pow(x[i], 2) + floor(x[i]) + log(1.0 + x[i] * x[i]) + std::abs(x[i]);
    return s;
}

vector<int> truncate(vector<double> x) {
    vector<int> out;
    for (int i = 0; i < x.size(); i++) out.push_back((int)x[i] + static_cast<int>(floor(x[i])));
    return out;
}

vector<double> halves(vector<int> x) {
    vector<double> out;
    for (int i = 0; i < x.size(); i++) out.push_back(static_cast<double>(x[i]) * 0.5 + (double)x[i] / 3);
    return out;
}

double root_sum(vector<double> x) {
    double s = 0;
    for (int i = 0; i < x.size(); i++) s += sqrt(x[i]);
    return s;
}

float single(vector<float> a) {
    float s = 0;
    for (int i = 0; i < a.size(); i++) s += sqrtf(fabsf(a[i])) + expf(a[i] / 100.0f);
    return s;
}

int count(vector<int> x) {
    int c = 0;
    for (int i = 0; i < x.size(); i++) c += x[i] > 0;
    return c;
}
"""

PY = """import math


def norm2(a: list[float], b: list[float]) -> list[float]:
    out = []
    for i in range(len(a)):
        out.append(math.sqrt(a[i] * a[i] + b[i] * b[i]))
    return out


def expsum(x: list[float]) -> float:
    s = 0.0
    for v in x:
        s += math.exp(v / 100.0)
    return s


def mean(x: list[float], n: int) -> float:
    s = 0.0
    for i in range(n):
        s += x[i]
    return s / float(n)


def floors(x: list[float]) -> list[int]:
    out = []
    for v in x:
        out.append(math.floor(v) + int(v))
    return out


def logs(x: list[float]) -> float:
    s = 0.0
    for v in x:
        s += math.log(1.0 + abs(v)) * math.pow(2.0, v / 100.0)
    return s
"""

REAL = {"norm2", "expsum", "clamp_unit", "mean", "misc", "truncate", "halves", "root_sum", "single",
        "floors", "logs"}


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, object]]:
    root = tmp_path_factory.mktemp("libm")
    out: dict[str, tuple[Path, object]] = {}
    with load_registry() as registry:
        for name, text in (("k.cc", CPP), ("k.py", PY)):
            path = root / name
            path.write_text(text)
            for r in compile_file(str(path), None, registry, Options(timeout=60)):
                out[f"{path.suffix[1:]}:{r.function}"] = (path, r)
    return out


@pytest.mark.parametrize("key", [
    "cc:norm2", "cc:expsum", "cc:clamp_unit", "cc:mean", "cc:misc", "cc:truncate", "cc:halves",
    "cc:root_sum", "cc:single", "py:norm2", "py:expsum", "py:mean", "py:floors", "py:logs"])
def test_libm_kernels_lift_with_an_unbounded_proof_over_the_reals(lifted, key: str) -> None:
    _, r = lifted[key]
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.arithmetic == "real" and r.to_json()["arithmetic"] == "real"


def test_programs_use_the_libm_ops(lifted) -> None:
    tensir = {k: r.tensir for k, (_, r) in lifted.items()}
    assert "sqrt(e1 * e1 + e2 * e2)" in tensir["cc:norm2"]
    assert "exp(" in tensir["cc:expsum"] and "min(max(e, -1.0), 1.0)" in tensir["cc:clamp_unit"]
    assert tensir["cc:mean"] == "reduce_sum(x[:n]) / to_float(n)"  # sum / n: n promoted
    assert "to_int(e) + to_int(floor(e))" in tensir["cc:truncate"]
    assert "to_int(floor(e)) + to_int(e)" in tensir["py:floors"]  # math.floor returns an int
    assert "pow(" in tensir["py:logs"] and "log(" in tensir["py:logs"]


def test_integer_kernels_say_integer(lifted) -> None:
    _, r = lifted["cc:count"]
    assert r.status == "lifted" and r.arithmetic == "integer"


CXX_TYPES = {"int": "int", "float": "double", "vec[int]": "std::vector<int>",
             "vec[float]": "std::vector<double>"}


def _gxx_outputs(path: Path, fn, cases: list, tmp: Path, single: bool = False) -> list:
    """The original C++ function compiled by g++ -O2 and run on every case (printed in full
    precision); `single`: its floats are C `float`s."""
    params = [str(p.type) for p in fn.params]
    types = {k: v.replace("double", "float") if single else v for k, v in CXX_TYPES.items()}
    reads = []
    for j, t in enumerate(params):
        if t.startswith("vec"):
            elem = types[t][12:-1]
            reads.append(f"{types[t]} p{j}; {{ long n; std::cin >> n; p{j}.resize(n); "
                         f"for (auto &v : p{j}) {{ {elem} x; std::cin >> x; v = x; }} }}")
        else:
            reads.append(f"{types[t]} p{j}; std::cin >> p{j};")
    show = ("std::cout << r.size(); for (auto v : r) std::cout << ' ' << v;"
            if str(fn.result).startswith("vec") else "std::cout << r;")
    main = (f"{path.read_text()}\n#include <iostream>\n#include <iomanip>\nint main() {{ long k; "
            f"std::cin >> k; std::cout << std::setprecision(17); while (k--) {{ {' '.join(reads)} "
            f"auto r = {fn.name}({', '.join(f'p{j}' for j in range(len(params)))}); {show} "
            f"std::cout << '\\n'; }} }}\n")
    src, exe = tmp / f"{fn.name}.cc", tmp / fn.name
    src.write_text(main)
    subprocess.run(["g++", "-O2", "-o", str(exe), str(src)], check=True)
    text = [str(len(cases))]
    for c in cases:
        for t, v in zip(params, c.args, strict=True):
            conv = int if t == "vec[int]" else float
            text.append(f"{len(v)} {' '.join(repr(conv(x)) for x in v)}" if t.startswith("vec")
                        else repr(v))
    lines = subprocess.run([str(exe)], input="\n".join(text), capture_output=True, text=True,
                           check=True).stdout.splitlines()
    outs = []
    for line in lines:
        parts = [float(x) for x in line.split()]
        outs.append(parts[1:] if str(fn.result).startswith("vec") else parts[0])
    return outs


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("key", ["cc:norm2", "cc:expsum", "cc:clamp_unit", "cc:mean", "cc:misc",
                                 "cc:truncate", "cc:halves", "py:norm2", "py:expsum", "py:mean",
                                 "py:floors", "py:logs"])
def test_generated_numpy_agrees_with_the_original(lifted, key: str, tmp_path: Path) -> None:
    """g++ -O2 (C++) or CPython (Python) against the generated NumPy code on 100 inputs inside
    the domain, floats within the tolerance scaled to each input's length and values."""
    path, r = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
        if key.startswith("py:"):
            report = check_compiled(str(path), r, registry, count=100)
            assert report.ok and report.cases >= 50, report.failures[:3]
            largest = report.largest_error
        else:
            fn = module.function(r.function)
            cases = draw_cases(fn, module, r.precondition, 100, seed=1)
            original = _gxx_outputs(path, fn, cases, tmp_path)
            generated = getattr(load_module(r.code, fn.name), fn.name)
            largest = 0.0
            assert len(cases) >= 50
            for case, want in zip(cases, original, strict=True):
                got = generated(*case.args)
                scale = scale_of(case.arrays, want)
                assert same(want, got, scale), (case.args, want, got)
                largest = max(largest, largest_error(want, got))
    print(f"{key}: largest error {largest:.3g}")
    assert largest < 1e-6


def test_sqrt_of_a_negative_is_outside_the_domain(lifted) -> None:
    """The interpreter says the source is undefined where it takes `sqrt` of a negative, so no
    drawn input has one; on such an input the generated code gives NaN, as libm does."""
    path, r = lifted["cc:root_sum"]
    with load_registry() as registry:
        module = read_module(str(path), registry)
    fn = module.function("root_sum")
    assert fn is not None
    with pytest.raises(Undefined, match="sqrt"):
        Interpreter(module).run(fn, [[4.0, -1.0]])
    assert Interpreter(module).run(fn, [[4.0, 9.0]]) == 5.0
    cases = draw_cases(fn, module, r.precondition, 64)
    assert cases and all(min(c.args[0], default=0.0) >= 0 for c in cases)
    generated = load_module(r.code, "root_sum").root_sum
    with np.errstate(invalid="ignore"):
        assert math.isnan(generated([4.0, -1.0])) and generated([4.0, 9.0]) == 5.0


def test_the_cli_shows_the_arithmetic_beside_the_proof(cli, tmp_path: Path) -> None:
    path = tmp_path / "k.cc"
    path.write_text(CPP)
    code, out, err = cli("lift", str(path), "--function", "mean")
    assert code == 0 and "mean: lifted, proof unbounded (real arithmetic)" in out + err
    code, out, err = cli("lift", str(path), "--function", "count")
    assert code == 0 and "count: lifted, proof unbounded (integer arithmetic)" in out + err
    code, out, _ = cli("lift", str(path), "--function", "mean", "--json")
    assert code == 0 and '"arithmetic": "real"' in out


def test_the_batch_report_shows_the_arithmetic() -> None:
    from tensflo.compiler.batch.jobs import Entry
    from tensflo.compiler.batch.report import Counters, Report

    entries = [Entry("k.cc", "mean", 1, "lifted", "unbounded", "real", "reduce_sum(x)"),
               Entry("k.cc", "count", 9, "lifted", "unbounded", "integer", "reduce_sum(y)")]
    report = Report.of("numpy", entries, Counters())
    rows = {f["function"]: f for f in report.to_json()["functions"]}
    assert rows["mean"]["arithmetic"] == "real" and rows["count"]["arithmetic"] == "integer"
    assert report.totals()["real_arithmetic"] == 1
    assert "| unbounded (real) |" in report.markdown() and "unbounded (real)" in report.text()
    assert Entry.from_json({**entries[0].to_json()}).arithmetic == "real"
    assert Entry.from_json({"file": "a", "function": "f", "line": 1, "status": "lifted"}).arithmetic \
        == "integer"  # entries cached before the field


@pytest.mark.parametrize("key", ["py:norm2", "py:expsum", "py:mean", "py:floors", "py:logs",
                                 "cc:misc", "cc:truncate", "cc:halves", "cc:clamp_unit"])
def test_libm_programs_run_alike_on_every_runnable_target(lifted, key: str) -> None:
    """numpy, torch, jax, mlx and llvm run the lifted program like the source (the interpreter's
    outputs), floats within the tolerance scaled to each input."""
    from tensflo.compiler.bench import runnable_targets
    from tensflo.ir.tensir import Function

    path, r = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
        targets = [(n, t) for n, t, _ in runnable_targets(registry, None) if t is not None]
    fn = module.function(r.function)
    cases = draw_cases(fn, module, r.precondition, 12, seed=7)
    assert len(cases) >= 6 and {"numpy", "llvm"} <= {n for n, _ in targets}
    tfn = Function(fn.name, r.params, r.program)
    for name, target in targets:
        ex = target.executable(tfn, {})
        for case in cases:
            got = ex.fetch(ex.run(ex.prepare([case.arrays[p.name] for p in tfn.params])))
            assert same(case.expected, got, scale_of(case.arrays, case.expected)), \
                f"{name}: {fn.name}{case.args}: source {case.expected}, {name} {got}"


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_single_precision_kernel_agrees_within_float_rounding(lifted, tmp_path: Path) -> None:
    """`sqrtf`/`expf` on C `float`s: the proof is over the reals and NumPy computes in float64, so
    the original differs by single-precision rounding (relative 1e-6 of each input's scale)."""
    path, r = lifted["cc:single"]
    with load_registry() as registry:
        module = read_module(str(path), registry)
    fn = module.function("single")
    cases = draw_cases(fn, module, r.precondition, 100, seed=1)
    original = _gxx_outputs(path, fn, cases, tmp_path, single=True)
    generated = load_module(r.code, "single").single
    largest = 0.0
    for case, want in zip(cases, original, strict=True):
        got = float(generated(*case.args))
        scale = max(1.0, abs(want), sum(abs(x) for x in case.args[0]))
        assert abs(got - want) <= 1e-6 * scale, (case.args, want, got)
        largest = max(largest, abs(got - want))
    print(f"single: {len(cases)} inputs, largest error {largest:.3g}")
    assert 0 < largest  # float32 rounding is visible: the result is not bit-exact


def test_python_power_is_not_read_as_sqrt(tmp_path: Path) -> None:
    """`x ** 0.5` is not `math.sqrt(x)` in Python (complex for a negative x, `(-0.0) ** 0.5` is
    0.0), so it is refused, not read as `sqrt`."""
    path = tmp_path / "p.py"
    path.write_text("def roots(x: list[float]) -> list[float]:\n    out = []\n    for v in x:\n"
                    "        out.append(v ** 0.5)\n    return out\n")
    with load_registry() as registry:
        (r,) = compile_file(str(path), None, registry, Options(timeout=30))
    assert r.status != "lifted" and "unsupported: the operator Pow" in str(r.diagnostics[0])
