"""CEGIS: a candidate that passes the random tests but not the proof yields, from the solver's
model, an input where it differs from the source; the search then runs with that input."""

from __future__ import annotations

import time
from pathlib import Path

from tensflo.compiler.pipeline import CompileResult, Options, vet_candidate
from tensflo.ir.lifting import check_candidate
from tensflo.ir.tensir import OPS, Var, lit
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.enum_synth import EnumSynthesizer
from tensflo.plugins.manager import load_registry

SRC = """#include <vector>
std::vector<int> mask_sentinel(const std::vector<int>& x, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; i++) out.push_back(x[i] == 12345 ? 0 : x[i]);
    return out;
}
"""


def test_a_solver_counterexample_becomes_an_example(tmp_path: Path) -> None:
    path = tmp_path / "m.cc"
    path.write_text(SRC)
    module = parse_cpp(str(path), SRC)
    fn = module.function("mask_sentinel")
    x, n = Var("x", fn.params[0].type), Var("n", fn.params[1].type)
    wrong = check_candidate(module, fn, OPS["slice"](x, lit(0), n))  # right except on 12345
    assert wrong is not None

    found: list = []
    result = CompileResult("mask_sentinel", "not_lifted", "none", None)
    with load_registry() as registry:
        verdict = vet_candidate(module, fn, "test", wrong, registry, Options(tests=64), time.perf_counter() + 60,
                                   result, lambda _m: None, found)
    assert verdict is None  # refuted
    (case,) = found
    assert 12345 in case.args[0][: case.args[1]]
    assert case.expected != case.args[0][: case.args[1]]
    assert any("z3 found an input" in d.message for d in result.diagnostics)

    # without the counterexample the examples cannot tell the two apart; with it they can
    enum = EnumSynthesizer(budget=30)
    (plain,) = enum.synthesize(module, fn, time.perf_counter() + 30)
    assert str(plain.program) == "x[:n]"
    (fixed,) = enum.synthesize(module, fn, time.perf_counter() + 30, exclude=frozenset({plain.program}),
                               examples=(case,))
    assert str(fixed.program) == "vec_map(x[:n], lambda e: ite(e == 12345, 0, e))"
