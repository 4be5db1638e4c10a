"""A wrong candidate is never verified: floor division for C++ `/` is refuted by the solver (a
counterexample) and by running the original compiled with g++."""

from __future__ import annotations

import io
from pathlib import Path

from tensflo.compiler.differential import differential_check
from tensflo.compiler.verify import check_obligations
from tensflo.ir.lifting import check_candidate, draw_cases, first_mismatch, lift_function
from tensflo.ir.tensir import OPS, App, Function, Lambda, Term
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.solvers import Cvc5Verifier, Z3Verifier
from tensflo.targets.numpy import NumpyTarget

SRC = """#include <vector>
std::vector<int> halve(const std::vector<int>& x, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; i++) out.push_back((x[i] - 3) / 2);
    return out;
}
"""


def _floor_instead_of_c_division(t: Term) -> Term:
    if isinstance(t, App):
        args = tuple(Lambda(a.params, _floor_instead_of_c_division(a.body)) if isinstance(a, Lambda)
                     else _floor_instead_of_c_division(a) for a in t.args)
        op = OPS["floordiv"] if t.op.name == "div" else t.op
        if t.op.name == "vec_scalar_div":
            return OPS["vec_map"](args[0], _halve_floor(args[1]))
        return App(op, args)
    return t


def _halve_floor(divisor: Term) -> Lambda:
    from tensflo.ir.tensir import Var

    e = Var("e", divisor.type)
    return Lambda((e,), OPS["floordiv"](e, divisor))


def test_floor_division_for_a_cpp_division_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "halve.cc"
    path.write_text(SRC)
    module = parse_cpp(str(path), SRC)
    fn = module.function("halve")
    right = lift_function(module, fn)
    assert "floordiv" not in str(right.program)
    wrong_program = _floor_instead_of_c_division(right.program)
    assert "floordiv" in str(wrong_program)

    # the verifier: the template obligations of the wrong program are refuted
    wrong = check_candidate(module, fn, wrong_program)
    assert wrong is not None
    for verifiers in ([Z3Verifier()], [Z3Verifier(), Cvc5Verifier()]):
        report = check_obligations(wrong.obligations, verifiers, timeout=20)
        assert report.level == "none"
        assert report.counterexample is not None
    assert check_obligations(right.obligations, [Z3Verifier()], timeout=20).level == "unbounded"

    # the quick check on random inputs (negative values included) finds a difference
    cases = draw_cases(fn, module, wrong.requires, 64, seed=0)
    assert first_mismatch(wrong_program, cases) is not None

    # and so does the differential test against g++ -O3
    buf = io.StringIO()
    NumpyTarget().emit([Function("halve", wrong.params, wrong_program)], buf)
    report = differential_check(str(path), module, fn, buf.getvalue(), wrong.requires, count=100,
                                cache_dir=str(tmp_path / "native"))
    assert not report.ok
    assert any("original" in f for f in report.failures)
