"""The `enum` synthesizer: bottom-up search pruned by examples, lambdas mined from the loop body."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tensflo.compiler.verify import check_obligations
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.enum_synth import EnumSynthesizer
from tensflo.plugins.solvers import Z3Verifier

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"


def _synth(name: str, seed: int = 0):
    path = KERNELS / f"{name}.cc"
    module = parse_cpp(str(path), path.read_text())
    fn = module.function(name)
    (found,) = EnumSynthesizer(budget=60).synthesize(module, fn, time.perf_counter() + 60, seed=seed)
    return found


def test_finds_a_map_with_a_mined_lambda_and_proves_it() -> None:
    found = _synth("darken_blend_8")
    assert str(found.program) == ("matrix_selection_two_args(col_slice(base[:m], 0, n), "
                                  "col_slice(active[:m], 0, n), lambda e1, e2: ite(e1 > e2, e2, e1))")
    assert found.proof_complete
    assert check_obligations(found.obligations, [Z3Verifier()], timeout=20).level == "unbounded"


def test_finds_reductions_and_is_deterministic() -> None:
    a = _synth("dot", seed=5)
    b = _synth("dot", seed=5)
    assert str(a.program) == str(b.program) == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"
    assert check_obligations(a.obligations, [Z3Verifier()], timeout=20).level == "unbounded"


def test_a_program_without_an_invariant_template_is_only_tested(tensflo_cmd, tmp_path: Path) -> None:
    src = tmp_path / "down.cc"
    src.write_text("#include <vector>\nint total(const std::vector<int>& a, int n) {\n"
                   "    int s = 0; int i = n;\n    while (i > 0) { i--; s += a[i]; }\n    return s;\n}\n")
    strict = tensflo_cmd("lift", str(src), "--json")
    assert strict.returncode == 1
    r = json.loads(strict.stdout)
    assert r["status"] == "not_lifted" and r["proof"] == "tested" and r["found_by"] == "enum"
    assert r["tensir"] == "reduce_sum(a[:n])"
    loose = tensflo_cmd("lift", str(src), "--json", "--require-proof", "tested")
    assert loose.returncode == 0
    r = json.loads(loose.stdout)
    assert r["status"] == "lifted" and r["proof"] == "tested" and r["tests"] > 0
    assert any("only tested" in d["message"] for d in r["diagnostics"])
