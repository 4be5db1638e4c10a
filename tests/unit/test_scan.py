"""Scans: the TensIR ops `scan_sum` (inclusive prefix sums) and `scan_max` (running maximum), their
NumPy and SMT semantics, and the lifting rule for running totals, maxima and minima pushed once
per iteration (inclusive and exclusive, any function of the running value). Lifted kernels are
proven unbounded by the rules and agree with g++ -O2 / CPython on random inputs; every runnable
target runs them like the source (llvm: tests/unit/test_llvm_scans.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.differential import load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.ir.lifting import draw_cases, same
from tensflo.ir.lifting.float_inputs import scale_of
from tensflo.ir.tensir import OPS, evaluate, parse
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.manager import load_registry

lift_and_diff = load_module((Path(__file__).parent / "gxx_float.py").read_text(),
                            "gxx_float").lift_and_diff

CPP = """#include <vector>
#include <cstddef>
#include <climits>
#include <algorithm>

std::vector<int> prefix(std::vector<int> x, int n) {
    std::vector<int> out;
    int running = 0;
    for (int i = 0; i < n; i++) {
        running += x[i];
        out.push_back(running);
    }
    return out;
}

std::vector<int> exclusive_squares(std::vector<int> x) {
    std::vector<int> out;
    int s = 10;
    for (size_t i = 0; i < x.size(); i++) { out.push_back(s); s += x[i] * x[i]; }
    return out;
}

std::vector<int> running_max(std::vector<int> x) {
    std::vector<int> out;
    int m = INT_MIN;
    for (size_t i = 0; i < x.size(); i++) {
        if (x[i] > m) m = x[i];
        out.push_back(m);
    }
    return out;
}

std::vector<int> running_min_step(std::vector<int> x, std::vector<int> y, int lim) {
    std::vector<int> out;
    int m = lim;
    for (size_t i = 1; i < x.size(); i++) { m = std::min(m, x[i] - y[i]); out.push_back(m); }
    return out;
}

std::vector<double> scaled_total(std::vector<double> x) {
    std::vector<double> out;
    double s = 0.0;
    for (size_t i = 0; i < x.size(); i++) { s += x[i]; out.push_back(2.0 * s + 1.0); }
    return out;
}

std::vector<int> running_dot(std::vector<int> x, std::vector<int> y) {
    std::vector<int> out;
    int s = 0;
    for (size_t i = 0; i < x.size(); i++) { s += x[i] * y[i]; out.push_back(s); }
    return out;
}
"""

PY = """def prefix_table(nums: list[int]) -> list[int]:
    prefix = [0] * (len(nums) + 1)
    for i in range(len(nums)):
        prefix[i + 1] = prefix[i] + nums[i]
    return prefix


def weighted_table(x: list[float], w: list[float]) -> list[float]:
    t = [5.0] * (len(x) + 1)
    for i in range(len(x)):
        d = x[i] * w[i]
        t[i + 1] = d + t[i]
    return t


def running_total(x: list[int]) -> list[int]:
    out = []
    s = 0
    for v in x:
        s += v
        out.append(s)
    return out


def running_best(x: list[float]) -> list[float]:
    out = []
    best = 0.0
    for i in range(len(x)):
        best = max(best, x[i])
        out.append(best)
    return out
"""

CPP_KERNELS = ["prefix", "exclusive_squares", "running_max", "running_min_step", "scaled_total",
               "running_dot"]
PY_KERNELS = ["running_total", "running_best", "prefix_table", "weighted_table"]
KEYS = [f"cc:{k}" for k in CPP_KERNELS] + [f"py:{k}" for k in PY_KERNELS]


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, object, object]]:
    """Each kernel's path, compile result and (inputs, largest float error) of its differential
    test against g++ -O2 (C++) or CPython (Python)."""
    return lift_and_diff(tmp_path_factory.mktemp("scan"),
                         [("k.cc", CPP, CPP_KERNELS), ("k.py", PY, PY_KERNELS)])


@pytest.mark.parametrize("key", KEYS)
def test_running_values_lift_to_scans_with_an_unbounded_proof(lifted, key: str) -> None:
    _, r, _ = lifted[key]
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.found_by == "rules" and "scan_" in r.tensir


def test_the_programs(lifted) -> None:
    tensir = {k: r.tensir for k, (_, r, _) in lifted.items()}
    assert tensir["cc:prefix"] == "scan_sum(x[:n])"
    assert tensir["cc:exclusive_squares"] == (
        "vec_scalar_add(vec_elemwise_sub(scan_sum(vec_map(x, lambda e: e * e)), "
        "vec_map(x, lambda e: e * e)), 10)")
    assert tensir["cc:running_max"] == "vec_map(scan_max(x), lambda e: max(e, -2147483648))"
    assert tensir["cc:scaled_total"] == "vec_map(scan_sum(x), lambda t: 2.0 * t + 1.0)"
    assert tensir["py:running_total"] == "scan_sum(x)"
    # a DP table read at its previous entry: the entry carried, pushed before each step
    assert tensir["py:prefix_table"] == "append(vec_elemwise_sub(scan_sum(nums), nums), reduce_sum(nums))"


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("key", KEYS)
def test_scans_agree_with_the_source(lifted, key: str) -> None:
    _, _, diff = lifted[key]
    assert diff is not None, key
    cases, largest = diff
    assert cases >= 30
    print(f"{key}: {cases} inputs, largest float error {largest:.3g}")


@pytest.mark.parametrize("key", ["cc:prefix", "cc:running_max", "cc:running_min_step",
                                 "cc:scaled_total", "py:running_best"])
def test_scans_run_alike_on_every_runnable_target(lifted, key: str) -> None:
    from tensflo.compiler.bench import runnable_targets
    from tensflo.ir.tensir import Function

    path, r, _ = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
        targets = [(n, t) for n, t, _ in runnable_targets(registry, None) if t is not None]
    fn = module.function(r.function)
    cases = draw_cases(fn, module, r.precondition, 12, seed=7)
    tfn = Function(fn.name, r.params, r.program)
    ran = set()
    for name, target in targets:
        ex = target.executable(tfn, {})
        for case in cases:
            got = ex.fetch(ex.run(ex.prepare([case.arrays[p.name] for p in tfn.params])))
            assert same(case.expected, got, scale_of(case.arrays, case.expected)), \
                f"{name}: {fn.name}{case.args}: source {case.expected}, {name} {got}"
        ran.add(name)
    assert "numpy" in ran and len(cases) >= 6


def test_llvm_compiles_a_lifted_scan(tmp_path: Path) -> None:
    src = tmp_path / "p.cc"
    src.write_text(CPP)
    with load_registry() as registry:
        (r,) = compile_file(str(src), ["prefix"], registry, Options(target="llvm", timeout=60))
    assert r.status == "lifted" and r.code is not None, [d.message for d in r.diagnostics]
    assert "scan_sum" in r.tensir and "scan.seed" in r.code


VEC = TensorType("int", 1)


@pytest.mark.parametrize("values", [[], [5], [3, -1, 4, -1, 5], [-2, -7, 0, 9]])
def test_semantics_are_prefix_folds(values: list[int]) -> None:
    x = np.asarray(values, dtype=np.int64)
    s = evaluate(parse("scan_sum(x)", {"x": VEC}), {"x": x})
    m = evaluate(parse("scan_max(x)", {"x": VEC}), {"x": x})
    assert list(s) == [sum(values[:k + 1]) for k in range(len(values))]
    assert list(m) == [max(values[:k + 1]) for k in range(len(values))]


def _smt_holds(text: str) -> bool:
    """Whether `text` (a TensIR equality over x: vec[int], i: int) is proven for all inputs."""
    from tensflo.compiler.verify import check_obligations
    from tensflo.ir.lifting import Obligation
    from tensflo.ir.loop.nodes import NOWHERE
    from tensflo.plugins.solvers import Z3Verifier

    env = {"x": VEC, "i": TensorType("int", 0)}
    lhs, rhs = (parse(side, env) for side in text.split(" == "))
    assume = (parse("0 <= i", env), parse("i < len(x)", env))
    ob = Obligation("preservation", NOWHERE, assume, (), ((lhs, rhs),))
    return check_obligations([ob], [Z3Verifier()], timeout=20).level == "unbounded"


def test_smt_semantics_unfold_one_entry() -> None:
    assert _smt_holds("scan_sum(x[:i + 1]) == append(scan_sum(x[:i]), reduce_sum(x[:i]) + x[i])")
    assert _smt_holds("scan_max(x[:i + 1])[i] == reduce_max(x[:i + 1])")
    assert _smt_holds("len(scan_sum(x)) == len(x)")
    # a wrong claim is not proven
    assert not _smt_holds("scan_sum(x[:i + 1]) == append(scan_sum(x[:i]), x[i])")


def test_ops_are_declared_once_with_their_lemma() -> None:
    for name in ("scan_sum", "scan_max"):
        op = OPS[name]
        assert op.prefix_step is not None and op.prefix_args == (0,)
