"""Several loops in sequence: a later loop uses a scalar an earlier one computed (mean then
variance, max then exp-sum then normalize, mean then subtract), temporaries declared before a loop
(C89 style), and reductions seeded from the first element. Each lifts with an unbounded proof by
the rules, the earlier scalar is computed once in the generated code (outside any map), and the
generated NumPy code agrees with g++ -O2 / CPython on random inputs (floats within tolerance)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tensflo.compiler.differential import check_compiled, load_module
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.ir.lifting import NotLiftable, Obligation, lift_function
from tensflo.ir.lifting.sequence import earlier_results, generalize_invariants, hoisted_map
from tensflo.ir.loop.nodes import NOWHERE
from tensflo.ir.tensir import Var, parse, rewrite
from tensflo.ir.tensir.types import FLOAT, TensorType
from tensflo.plugins.manager import load_registry

lift_and_diff = load_module((Path(__file__).parent / "gxx_float.py").read_text(),
                            "gxx_float").lift_and_diff

CPP = """#include <cmath>
#include <vector>
#include <algorithm>
#include <cstddef>

double variance(std::vector<double> x, int n) {
    int i;
    double mean = 0.0, ss = 0.0, d;
    if (n < 2)
        return 0.0;
    for (i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (i = 0; i < n; i++) {
        d = x[i] - mean;
        ss += d * d;
    }
    return ss / (n - 1);
}

int variance_int(std::vector<int> x, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) sum += x[i];
    int m = n > 0 ? sum / n : 0;
    int s = 0;
    for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
    return s;
}

std::vector<double> softmax(std::vector<double> x, int n) {
    double m = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] > m) m = x[i];
    double total = 0.0;
    for (int i = 0; i < n; i++) total += exp(x[i] - m);
    std::vector<double> out;
    for (int i = 0; i < n; i++) out.push_back(exp(x[i] - m) / total);
    return out;
}

std::vector<double> layernorm(std::vector<double> x, std::vector<double> w, std::vector<double> b, int n) {
    int i;
    double m = 0.0, v = 0.0, d, rstd;
    for (i = 0; i < n; i++)
        m += x[i];
    m = m / n;
    for (i = 0; i < n; i++) {
        d = x[i] - m;
        v += d * d;
    }
    v = v / n;
    rstd = 1.0 / sqrt(v + 1e-5);
    std::vector<double> out(n);
    for (i = 0; i < n; i++)
        out[i] = (x[i] - m) * rstd * w[i] + b[i];
    return out;
}

std::vector<double> rmsnorm(std::vector<double> x, std::vector<double> weight, int size) {
    double ss = 0.0;
    for (int j = 0; j < size; j++)
        ss += x[j] * x[j];
    ss /= size;
    ss += 1e-5;
    ss = 1.0 / sqrt(ss);
    std::vector<double> o;
    for (int j = 0; j < size; j++)
        o.push_back(weight[j] * (ss * x[j]));
    return o;
}

std::vector<double> center(std::vector<double> x) {
    double sum = 0.0;
    for (size_t i = 0; i < x.size(); i++) sum += x[i];
    double mu = sum / x.size();
    for (size_t i = 0; i < x.size(); i++) x[i] -= mu;
    return x;
}

std::vector<double> softmax_in_place(std::vector<double> x) {
    double m = x[0];
    for (size_t i = 1; i < x.size(); i++) m = std::fmax(m, x[i]);
    std::vector<double> e;
    double total = 0.0;
    for (size_t i = 0; i < x.size(); i++) { double v = exp(x[i] - m); e.push_back(v); total += v; }
    for (size_t i = 0; i < x.size(); i++) e[i] = e[i] / total;
    return e;
}

std::vector<double> minmax_scale(std::vector<double> x) {
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < x.size(); i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    double range = hi - lo;
    for (size_t i = 0; i < x.size(); i++)
        x[i] = range > 0.0 ? (x[i] - lo) / range : 0.0;
    return x;
}

std::vector<int> percent_of_total(std::vector<int> x) {
    int total = 0;
    for (size_t i = 0; i < x.size(); i++) total += x[i];
    std::vector<int> out;
    for (size_t i = 0; i < x.size(); i++) out.push_back(total > 0 ? x[i] * 100 / total : -x[i]);
    return out;
}

int max_seeded(std::vector<int> x, int n) {
    int m = x[0];
    for (int i = 1; i < n; i++) m = std::max(m, x[i]);
    return m;
}

int min_seeded_if(std::vector<int> x) {
    int m = x[0];
    for (size_t i = 1; i < x.size(); i++)
        if (x[i] < m) m = x[i];
    return m;
}
"""

PY = """import math


def variance(x: list[float]) -> float:
    total = 0.0
    for v in x:
        total += v
    mean = total / float(len(x))
    s = 0.0
    for v in x:
        s += (v - mean) * (v - mean)
    return s / float(len(x))


def softmax(x: list[float]) -> list[float]:
    m = x[0]
    for i in range(1, len(x)):
        m = max(m, x[i])
    total = 0.0
    for v in x:
        total += math.exp(v - m)
    out = []
    for v in x:
        out.append(math.exp(v - m) / total)
    return out


def remove_offset(x: list[int]) -> list[int]:
    total = 0
    for v in x:
        total += v
    mean = total // len(x)
    out = []
    for v in x:
        out.append(v - mean)
    return out
"""

CPP_KERNELS = ["variance", "variance_int", "softmax", "softmax_in_place", "layernorm", "rmsnorm", "center",
               "minmax_scale", "percent_of_total",
               "max_seeded", "min_seeded_if"]
PY_KERNELS = ["variance", "softmax", "remove_offset"]


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, tuple[int, float] | None]]:
    """Each kernel's compile result and (inputs, largest float error) of its differential test
    against g++ -O2 (C++) or CPython (Python)."""
    found = lift_and_diff(tmp_path_factory.mktemp("seq"),
                          [("k.cc", CPP, CPP_KERNELS), ("k.py", PY, PY_KERNELS)])
    return {key: (r, diff) for key, (_path, r, diff) in found.items()}


KEYS = [f"cc:{k}" for k in CPP_KERNELS] + [f"py:{k}" for k in PY_KERNELS]


@pytest.mark.parametrize("key", KEYS)
def test_sequences_lift_by_the_rules_with_an_unbounded_proof(lifted, key: str) -> None:
    r, _ = lifted[key]
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.found_by == "rules"


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("key", KEYS)
def test_sequences_agree_with_the_source(lifted, key: str) -> None:
    _, diff = lifted[key]
    assert diff is not None, key
    cases, largest = diff
    assert cases >= 30
    print(f"{key}: {cases} inputs, largest float error {largest:.3g}")


def test_the_earlier_scalar_is_computed_once(lifted) -> None:
    r, _ = lifted["cc:softmax"]
    # max, then exp(x - max) over the entries: the max is a broadcast operand, not in a lambda
    assert "vec_map(vec_scalar_sub(x[:n], reduce_max(" in r.tensir
    body = r.code.split("def softmax(")[1]
    assert body.count("np.max(") == 1 and body.count("np.exp(") == 1, body


def test_a_vector_built_by_one_loop_is_updated_in_place_by_the_next(lifted) -> None:
    """`e[i] = e[i] / total` over `x.size()`: `e` has that length (it was pushed once per entry
    of x), and the precondition does not name the map that built it."""
    r, _ = lifted["cc:softmax_in_place"]
    assert r.requires == ["0 < len(x)"], r.requires
    assert r.tensir.startswith("vec_scalar_div(vec_map(vec_scalar_sub(x, reduce_max(")


def test_a_condition_on_an_earlier_scalar_selects_by_weights(lifted) -> None:
    """`range > 0 ? (x[i] - lo) / range : 0`: the condition reads whole vectors, so it cannot go
    into a lambda; the branches are weighted by `ite(c, 1, 0)` and `ite(c, 0, 1)` (exact)."""
    r, _ = lifted["cc:minmax_scale"]
    assert "vec_scalar_mul(vec_scalar_div(vec_scalar_sub(x, " in r.tensir
    assert "> 0.0, 1.0, 0.0)" in r.tensir and "> 0.0, 0.0, 1.0)" in r.tensir
    r, _ = lifted["cc:percent_of_total"]
    assert "reduce_sum(x) > 0, 1, 0)" in r.tensir, r.tensir


def test_seeded_reductions_state_their_precondition(lifted) -> None:
    r, _ = lifted["cc:max_seeded"]
    assert r.tensir == "reduce_max(append(take(tail(x, 1), n - 1), x[0]))"
    assert "0 < len(x)" in r.requires


def test_a_temporary_holds_the_last_iterations_value(tmp_path: Path) -> None:
    src = tmp_path / "t.cc"
    src.write_text("""#include <vector>
int last(std::vector<int> x, int n) {
    int d = 7, s = 0;
    for (int i = 0; i < n; i++) { d = n * 2; s += x[i] * d; }
    return s + d;
}

int last_read(std::vector<int> x, int n) {
    int d = 7;
    for (int i = 0; i < n; i++) d = x[i];
    return d;
}
""")
    with load_registry() as registry:
        module = read_module(str(src), registry)
        (res,) = compile_file(str(src), ["last"], registry, Options(timeout=60))
        assert res.status == "lifted" and res.proof == "unbounded", res.diagnostics
        assert "ite(0 < n, n * 2, 7)" in res.tensir, res.tensir
        assert check_compiled(str(src), res, registry, count=60).ok
        # x[n - 1] would be evaluated even when the loop does not run (TensIR is strict)
        with pytest.raises(NotLiftable, match="d is read after a loop that overwrites it"):
            lift_function(module, module.function("last_read"))


def test_hoisted_map_keeps_invariants_out_of_lambdas() -> None:
    x = Var("x", TensorType("float", 1))
    e = Var("e", FLOAT)
    m = parse("reduce_max(x)", {"x": x.type})
    body = parse("exp(e - reduce_max(x)) * 2.0", {"x": x.type, "e": FLOAT})
    out = hoisted_map(body, {e: x})
    assert out is not None
    assert rewrite.show(out) == "vec_scalar_mul(vec_map(vec_scalar_sub(x, reduce_max(x)), lambda e: exp(e)), 2.0)"
    # an op with a per-entry argument and a whole-vector one it cannot broadcast: refused
    assert hoisted_map(parse("pow(e, reduce_max(x))", {"x": x.type, "e": FLOAT}), {e: x}) is None
    assert m.type == FLOAT


def test_generalized_obligation_implies_the_original() -> None:
    x = Var("x", TensorType("float", 1))
    env = {"x": x.type, "e": FLOAT}
    mean = parse("reduce_sum(x) / 2.0", env)
    values = [parse("x[0]", env), parse("len(x)", env), mean, parse("e + 1.0", env)]
    assert earlier_results(values, frozenset({x})) == [mean]  # x[0] and len(x) reduce nothing
    goal = (parse("e * (reduce_sum(x) / 2.0)", env), parse("reduce_sum(x) / 2.0 * e", env))
    ob = Obligation("preservation", NOWHERE, (), (), (goal,))
    new = generalize_invariants(ob, [mean])
    assert [rewrite.show(t) for t in new.goals[0]] == ["e * given1", "given1 * e"]
    # only a loop's own obligations are generalized
    read = Obligation("in-range read", NOWHERE, (), (), (goal,))
    assert generalize_invariants(read, [mean]) == read
