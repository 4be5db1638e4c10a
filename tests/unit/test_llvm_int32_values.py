"""32-bit proofs of values beyond one source expression: a value the source selects by a branch
(one of several source values, in one obligation), a slice to a scalar expression of the
parameters, and a parameter-only subterm computed once (targets/llvm/int32_terms.py,
int32_proofs.py).

Each proven kernel is compared with g++ on random inputs reaching the int32 limits where the
source is defined; each wrong claim (a value the source does not compute) is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir import Function
from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.targets.llvm.target import LlvmTarget

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "benchmarks" / "kernels" / "cpp"
I32_MIN, I32_MAX = -2**31, 2**31 - 1
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
HEAD = """#include <vector>
std::vector<int> head_scale(const std::vector<int>& a, int n, int m, int k) {
    std::vector<int> out;
    for (int i = 0; i < n - m; i++)
        out.push_back(a[i] * k + m + 100 / k);
    return out;
}
"""


def _lift(path: Path, name: str) -> Function:
    from tensflo.compiler.pipeline import Options, compile_function, read_module
    from tensflo.plugins.manager import load_registry

    with load_registry() as registry:
        result = compile_function(read_module(str(path), registry), name, registry,
                                  Options(target=None))
    assert result.lifted and result.program is not None, result.diagnostics
    return Function(name, result.params, result.program)


def _int32(fn: Function) -> dict[str, str]:
    return {**{p.name: "int32" for p in fn.params if p.type.elem == "int"}, "return": "int32"}


def _fits(*values: np.ndarray) -> np.ndarray:
    return np.logical_and.reduce([(v >= I32_MIN) & (v <= I32_MAX) for v in values])


def _agrees(path: Path, fn: Function, proofs, cases: list[list]) -> None:
    """The 32-bit code equals g++ on the source and the TensIR reference on every case."""
    from tensflo.compiler.native import run_native

    assert all(o["status"] == "unsat" for o in proofs.obligations)
    module, _ = build_module([fn], _int32(fn), proofs={fn.name: proofs})
    assert "mul i32" in str(module)  # the proven products are 32-bit
    ex = LlvmTarget().compile([fn], _int32(fn), {fn.name: proofs})[fn.name]
    want = run_native(str(path), fn.name, [str(p.type) for p in fn.params], str(fn.result),
                      [[a.tolist() if isinstance(a, np.ndarray) else a for a in c] for c in cases])
    for case, w in zip(cases, want, strict=True):
        got = ex(*[a.astype(np.int32) if isinstance(a, np.ndarray) else a for a in case])
        assert got.tolist() == list(w), case
        ref = evaluate(fn.body, {p.name: v for p, v in zip(fn.params, case, strict=True)})
        assert got.tolist() == np.asarray(ref).tolist()


def _proven(path: Path, text: str) -> set[str]:
    (fn,) = parse_module(text)
    return {str(t) for t in prove_source(str(path), fn).terms}


@needs_gxx
def test_a_slice_to_a_scalar_expression_and_a_hoisted_division(tmp_path):
    path = tmp_path / "head.cc"
    path.write_text(HEAD)
    fn = _lift(path, "head_scale")
    proofs = prove_source(str(path), fn)
    proven = {str(t) for t in proofs.terms}
    assert "a[:n - m]" in str(fn.body) and "e * k + m" in proven, proofs.failures
    # 100 / k uses parameters only: computed once, even for an empty map, so a division must be
    # a value the source computes before its loop (it is not)
    assert "100 / k" not in proven
    rng = np.random.default_rng(2)
    cases = []
    for k in (1, -1, 7, 2**12, -(2**24)):
        lim = (I32_MAX - 300) // abs(k)
        a = rng.integers(-lim, lim + 1, 50)
        a[:2] = [lim, -lim]
        n = int(rng.integers(0, 60))
        m = max(int(rng.integers(-100, 101)), n - len(a))  # the source reads a[:n - m]
        cases.append([a, n, m, k])
    _agrees(path, fn, proofs, cases)


@needs_gxx
def test_a_value_the_source_selects_by_branch_is_proven_and_agrees_with_gxx():
    path = KERNELS / "hard_clip.cc"  # if (s > limit) limit; else if (s < -limit) -limit; else s
    fn = _lift(path, "hard_clip")
    proofs = prove_source(str(path), fn)
    assert str(fn.body.args[-1].body) in {str(t) for t in proofs.terms}, proofs.failures
    assert any("by branch" in o["kind"] for o in proofs.obligations)
    head = "def hard_clip(samples: vec[int], n: int, limit: int) -> vec[int] = "
    # -limit is a source value wherever s <= limit (the test `s < -limit` computes it), -e is not
    wrong = _proven(path, f"{head}vec_map(samples[:n], lambda e: ite(e > limit, limit, -e))")
    assert not wrong & {"-e", "ite(e > limit, limit, -e)"}
    assert "ite(e > limit, limit, -limit)" in _proven(
        path, f"{head}vec_map(samples[:n], lambda e: ite(e > limit, limit, -limit))")
    rng = np.random.default_rng(4)
    cases = []
    for limit in (0, 1, 1000, I32_MAX, -I32_MAX, -5):
        x = rng.integers(I32_MIN, I32_MAX, 200)
        x[:4] = [I32_MIN, I32_MAX, limit, -limit]
        cases.append([x, int(rng.integers(0, 201)), limit])
    from tensflo.compiler.native import run_native

    ex = LlvmTarget().compile([fn], _int32(fn), {fn.name: proofs})[fn.name]
    want = run_native(str(path), fn.name, [str(p.type) for p in fn.params], str(fn.result),
                      [[c[0].tolist(), *c[1:]] for c in cases])
    for case, w in zip(cases, want, strict=True):
        assert ex(case[0].astype(np.int32), *case[1:]).tolist() == list(w)
