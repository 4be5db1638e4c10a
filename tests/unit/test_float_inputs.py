"""Float inputs that can catch a wrong float program: fractions, values near zero, negative zero and
magnitudes far from 1 beside whole numbers; a tolerance scaled to the input; what a tested-only
result was tested on."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from tensflo.compiler.pipeline import CompileResult, Options, compile_file, vet_candidate
from tensflo.ir.lifting import (
    FLOAT_KINDS,
    LiftResult,
    case_in_domain,
    draw_cases,
    first_mismatch,
    float_kinds,
    holds,
    lift_function,
    same,
)
from tensflo.ir.lifting.float_inputs import all_close, close, scale_of
from tensflo.ir.loop import Interpreter
from tensflo.ir.tensir import Function, Var, parse
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry
from tensflo.plugins.python_frontend import parse_python

CLAMP = """#include <vector>
std::vector<double> clamp_unit(const std::vector<double>& x) {
    std::vector<double> out;
    for (int i = 0; i < (int)x.size(); i++) {
        double v = x[i];
        out.push_back(v > 1 ? 1.0 : (v < -1 ? -1.0 : v));
    }
    return out;
}
"""

SCALE = """def scale(x: list[float], a: float, n: int) -> list[float]:
    out = []
    for i in range(n):
        out.append(a * x[i])
    return out
"""

SHIFT = """def shift(x: list[float], a: int, n: int) -> list[float]:
    out = []
    for i in range(n):
        out.append(x[i] + a)
    return out
"""

SHIFT_INT = SHIFT.replace("float", "int")

DIVIDE = """def divide(x: list[float], y: list[float]) -> list[float]:
    out = []
    for i in range(len(x)):
        out.append(x[i] / y[i])
    return out
"""

DOWN = """def total(a: list[float], n: int) -> float:
    s = 0.0
    i = n
    while i > 0:
        i -= 1
        s += a[i]
    return s
"""


def _clamp(tmp_path: Path):
    path = tmp_path / "clamp.cc"
    path.write_text(CLAMP)
    module = parse_cpp(str(path), CLAMP)
    return module, module.function("clamp_unit")


def _python(source: str, name: str):
    module = parse_python("<test>", source)
    return module, module.function(name)


def _sign_candidate(fn) -> LiftResult:
    """`x / abs(x)`: equal to the clamp on every whole number (0 / 0 is 0 in TensIR), wrong on
    fractions between -1 and 1; offered as a candidate no invariant template fits (only the quick
    check stands between it and `proof: tested`)."""
    x = Var("x", fn.params[0].type)
    program = parse("vec_map(x, lambda e: e / abs(e))", {"x": x.type})
    return LiftResult(program, (x,), [], [], proof_complete=False)


def test_the_wrong_clamp_is_refuted_by_the_quick_check(tmp_path: Path) -> None:
    module, fn = _clamp(tmp_path)
    wrong = _sign_candidate(fn)
    result = CompileResult("clamp_unit", "not_lifted", "none", None)
    with load_registry() as registry:
        verdict = vet_candidate(module, fn, "test", wrong, registry, Options(tests=64),
                                time.perf_counter() + 60, result, lambda _m: None, [])
    assert verdict is None
    (note,) = [d.message for d in result.diagnostics if "disagrees with the source" in d.message]
    assert "e / abs(e)" in note
    assert result.tested_on is None and result.tests == 0

    # the right program (the rules') passes the same check and says what it was tested on
    right = lift_function(module, fn)
    result = CompileResult("clamp_unit", "not_lifted", "none", None)
    with load_registry() as registry:
        verdict = vet_candidate(module, fn, "rules", right, registry, Options(tests=64),
                                time.perf_counter() + 60, result, lambda _m: None, [])
    assert verdict is not None and verdict.level == "unbounded"
    assert result.tested_on == {"cases": 64, "floats": list(FLOAT_KINDS)}


def test_whole_numbers_alone_cannot_tell_the_wrong_clamp_apart(tmp_path: Path) -> None:
    module, fn = _clamp(tmp_path)
    wrong = _sign_candidate(fn).program
    cases = draw_cases(fn, module, (), 64, seed=0)
    whole = [c for c in cases if c.floats <= {"whole"}]
    assert len(whole) >= 8 and first_mismatch(wrong, whole) is None
    assert first_mismatch(wrong, cases) is not None


def test_the_tolerance_does_not_hide_the_wrong_clamp_on_ordinary_values(tmp_path: Path) -> None:
    module, fn = _clamp(tmp_path)
    wrong = _sign_candidate(fn).program
    interp = Interpreter(module)
    for values in ([-0.5, 3.0, 2.0], [0.25], [12.0, -7.0, 0.999]):
        case = case_in_domain(interp, fn, (), {"x": np.array(values)})
        assert case is not None
        bad = first_mismatch(wrong, [case])
        assert bad is not None, values
    # and every drawn fraction strictly between -1 and 1 is a counterexample by itself
    fractions = [v for c in draw_cases(fn, module, (), 64, seed=3) for v in c.args[0]
                 if 0.001 < abs(v) < 0.999]
    assert fractions
    for v in fractions:
        case = case_in_domain(interp, fn, (), {"x": np.array([v])})
        assert case is not None and first_mismatch(wrong, [case]) is not None


def test_the_drawn_floats_contain_each_distribution() -> None:
    module, fn = _python(SCALE, "scale")
    cases = draw_cases(fn, module, (), 64, seed=0)
    assert float_kinds(cases) == list(FLOAT_KINDS)
    values = [v for c in cases for v in [*c.args[0], c.args[1]]]
    assert any(v == int(v) and v != 0 for v in values)  # whole
    assert any(0 < abs(v) < 1 and abs(v) > 1e-3 for v in values)  # fraction below 1
    assert any(abs(v) > 1 and v != int(v) for v in values if abs(v) < 1e4)  # fraction above 1
    assert any(0 < abs(v) <= 1e-10 for v in values)  # near zero
    assert any(v > 0 for v in values if abs(v) <= 1e-10) and any(v < 0 for v in values if abs(v) <= 1e-10)
    assert any(v == 0 and math.copysign(1, v) < 0 for v in values)  # negative zero
    assert any(abs(v) >= 1e4 for v in values)  # large
    assert any(1e-9 <= abs(v) <= 1e-3 for v in values)  # small
    # each case says what it holds (a scalar 0 may be a whole number of any draw)
    for c in cases:
        assert all(_kinds_of(v) & (c.floats | {"whole"}) for v in [*c.args[0], c.args[1]])


def _kinds_of(v: float) -> set[str]:
    if v == 0 and math.copysign(1, v) < 0:
        return {"negative-zero"}
    if v == int(v) and abs(v) <= 300:
        return {"whole"}
    if abs(v) >= 1e4:
        return {"large"}
    if abs(v) <= 1e-10:
        return {"near-zero"}
    if abs(v) <= 1e-3:
        return {"small", "fraction"}
    return {"fraction"}


def test_inputs_stay_inside_the_precondition_and_the_defined_behaviour() -> None:
    module, fn = _python(SCALE, "scale")
    requires = lift_function(module, fn).requires
    assert requires  # n <= len(x) (and n >= 0)
    cases = draw_cases(fn, module, requires, 64, seed=1)
    assert len(cases) == 64
    assert all(holds(r, c.arrays) for c in cases for r in requires)

    module, fn = _python(DIVIDE, "divide")  # x / 0.0 (or / -0.0) is an error in Python
    cases = draw_cases(fn, module, (), 64, seed=1)
    assert len(cases) >= 32
    assert all(y != 0 for c in cases for y in c.args[1][: len(c.args[0])])


def test_float_inputs_are_deterministic_and_int_inputs_unchanged() -> None:
    module, fn = _python(SCALE, "scale")
    a = draw_cases(fn, module, (), 40, seed=7)
    b = draw_cases(fn, module, (), 40, seed=7)
    assert [repr(c.args) for c in a] == [repr(c.args) for c in b]
    assert [repr(c.args) for c in a] != [repr(c.args) for c in draw_cases(fn, module, (), 40, seed=8)]

    # int parameters, and whole-number draws, are what an int function with the same shape gets
    module, fn = _python(SHIFT, "shift")
    imodule, ifn = _python(SHIFT_INT, "shift")
    floats, ints = draw_cases(fn, module, (), 40, seed=7), draw_cases(ifn, imodule, (), 40, seed=7)
    assert [c.args[1:] for c in floats] == [c.args[1:] for c in ints]
    assert [len(c.args[0]) for c in floats] == [len(c.args[0]) for c in ints]
    whole = [(f, i) for f, i in zip(floats, ints, strict=True) if f.floats == {"whole"}]
    assert whole and all(f.args[0] == [float(v) for v in i.args[0]] for f, i in whole)


def test_the_float_tolerance() -> None:
    assert close(float("nan"), float("nan"), 1.0)
    assert not close(float("nan"), 0.0, 1.0) and not close(1.0, float("nan"), 1e9)
    assert close(-0.0, 0.0, 0.0)
    assert close(math.inf, math.inf, 1.0) and not close(math.inf, -math.inf, 1.0)
    assert not close(math.inf, 1e308, 1e308)
    # relative part
    assert close(1e12, 1e12 * (1 + 1e-12), 0.0) and not close(1e12, 1e12 * (1 + 1e-6), 1e12)
    # absolute part, relative to the input's magnitude: a cancelled sum agrees...
    x = [1e9, 0.1, -1e9, 0.2]
    assert close(sum(x), float(np.sum(np.array(x)[[0, 2, 1, 3]])), scale_of({"x": np.array(x)}, sum(x)))
    # ...while on small inputs a small error is still an error
    small = {"x": np.array([1e-9, 3e-9])}
    assert not close(4e-9, 4.1e-9, scale_of(small, 4e-9))
    assert not same([1e-9, 3e-9], np.array([1e-9, 9e-18]), scale_of(small, [1e-9, 3e-9]))
    # ints are exact; the length (an int) does not widen the tolerance
    assert not same(3, 4) and same(3, 3.0)
    assert scale_of({"x": np.array([1e-6]), "n": 10**6}, 1e-6) == pytest.approx(1e-6)
    # long inputs widen it in proportion (rounding of long sums)
    long = {"x": np.full(10**6, 1.0)}
    assert scale_of(long, 0.0) == pytest.approx(10.0)
    assert all_close(np.array([1.0, np.nan, -0.0]), np.array([1.0 + 1e-12, np.nan, 0.0]), 1.0)
    assert not all_close(np.array([1.0, np.nan]), np.array([1.0, 2.0]), 1.0)
    assert not all_close(np.array([0.5]), np.array([1.0]), 1.0)


def test_a_tested_only_result_says_what_it_was_tested_on(tmp_path: Path, tensflo_cmd) -> None:
    path = tmp_path / "down.py"
    path.write_text(DOWN)
    with load_registry() as registry:
        (r,) = compile_file(str(path), ["total"], registry,
                            Options(target=None, require_proof="tested", timeout=60))
    assert r.lifted and r.proof == "tested" and r.tensir == "reduce_sum(a[:n])"
    assert r.tested_on == {"cases": r.tests, "floats": list(FLOAT_KINDS)} and r.tests >= 32
    assert r.to_json()["tested_on"] == r.tested_on
    (note,) = [d.message for d in r.diagnostics if d.message.startswith("only tested:")]
    assert f"{r.tests} random inputs (floats: whole, fraction, near-zero" in note

    shown = tensflo_cmd("lift", str(path), "--require-proof", "tested")
    assert shown.returncode == 0, shown.stderr
    assert (f"checked:   {r.tests} random inputs (floats: whole, fraction, near-zero, negative-zero, "
            "large, small)") in shown.stdout
    assert "only tested: the candidate agreed with the source on" in shown.stdout


PY_CLAMP = """def clamp_unit(x: list[float]) -> list[float]:
    out = []
    for i in range(len(x)):
        v = x[i]
        out.append(1.0 if v > 1 else (-1.0 if v < -1 else v))
    return out
"""


def test_differential_tests_of_floats_use_the_tolerance_and_report_the_largest_error(tmp_path: Path) -> None:
    import io

    from tensflo.compiler.differential import check_compiled, differential_check
    from tensflo.targets.numpy import NumpyTarget

    path = tmp_path / "total.py"
    path.write_text(DOWN)
    with load_registry() as registry:
        (r,) = compile_file(str(path), ["total"], registry, Options(require_proof="tested", timeout=60))
        report = check_compiled(str(path), r, registry, count=100)
    assert report.ok and report.cases == 100, report.failures[:3]
    # the original sums backwards, NumPy forwards: the results differ by rounding only
    assert 0 < report.largest_error < 1e-3

    path = tmp_path / "clamp.py"
    path.write_text(PY_CLAMP)
    module, fn = _python(PY_CLAMP, "clamp_unit")
    wrong = _sign_candidate(fn)
    buf = io.StringIO()
    NumpyTarget().emit([Function("clamp_unit", wrong.params, wrong.program)], buf)
    report = differential_check(str(path), module, fn, buf.getvalue(), (), count=100)
    assert report.cases == 100 and 10 <= len(report.failures) < 100


CLAMPED_TOTAL = """def clamped_total(a: list[float], n: int) -> float:
    s = 0.0
    i = n
    while i > 0:
        i -= 1
        v = a[i]
        s += 1.0 if v > 1 else (-1.0 if v < -1 else v)
    return s
"""
WRONG_TOTAL = "program: reduce_sum(vec_map(a[:n], lambda e: e / abs(e)))"
RIGHT_TOTAL = "program: reduce_sum(vec_map(a[:n], lambda e: ite(e > 1.0, 1.0, ite(e < -1.0, -1.0, e))))"


def _lift_with_model(path: Path, answers: list[str]) -> tuple[CompileResult, list[dict]]:
    from tensflo.tests.support.llm_server import Rule, ScriptedServer

    with ScriptedServer(hang_seconds=2.0) as server:
        server.add(Rule(".", answers))
        given = {"base_url": server.url, "model": "scripted", "no_cache": True, "adaptive": False,
                 "samples": 1, "infill": False}
        options = Options(target="numpy", synth=("llm",), rules=False, timeout=60,
                          require_proof="tested", synth_options=(("llm", tuple(given.items())),))
        with load_registry() as registry:
            (r,) = compile_file(str(path), ["clamped_total"], registry, options)
        return r, list(server.requests)


@pytest.mark.parametrize("whole_only", [True, False], ids=["whole numbers only", "float inputs"])
def test_a_wrong_tested_only_clamp_is_no_longer_emitted(tmp_path: Path, monkeypatch, whole_only) -> None:
    """The issue's case end to end: no invariant template fits (a `while` loop counting down), so
    the quick check alone decides; under `--require-proof tested` whole-number inputs let a model's
    `x / abs(x)` through, the float inputs refute it and the right program is lifted instead."""
    if whole_only:
        monkeypatch.setattr("tensflo.ir.lifting.inputs.style_of", lambda _draw: "whole")
    path = tmp_path / "clamped_total.py"
    path.write_text(CLAMPED_TOTAL)
    r, requests = _lift_with_model(path, [WRONG_TOTAL, RIGHT_TOTAL])
    assert r.lifted and r.proof == "tested"
    if whole_only:
        assert r.tensir == WRONG_TOTAL.removeprefix("program: ") and len(requests) == 1
        assert r.tested_on is not None and r.tested_on["floats"] == ["whole"]
        return
    assert r.tensir == RIGHT_TOTAL.removeprefix("program: ") and len(requests) == 2
    feedback = [m for m in requests[1]["messages"] if m["role"] == "user"][-1]["content"]
    assert "That program is wrong" in feedback and "e / abs(e)" in feedback
    assert r.tested_on == {"cases": r.tests, "floats": list(FLOAT_KINDS)}
