"""Every lifted corpus kernel, on every available runnable target, equals its original.

For each kernel of benchmarks/kernels the lifted TensIR program runs through each target's
executable (as `tensflo bench` runs it, with the original's buffer types: int32 for C++, int64 for
Python) on random inputs inside the precondition; outputs must equal the original's (g++ -O3 for
C++, CPython for Python). Kernels outside TensIR are skipped with their reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tensflo.compiler.bench import runnable_targets
from tensflo.compiler.differential import original_outputs
from tensflo.compiler.pipeline import Options, compile_function, read_module
from tensflo.ir.lifting.inputs import draw_cases, same
from tensflo.ir.tensir import Function
from tensflo.ir.tensir.terms import App, subterms

ROOT = Path(__file__).resolve().parents[2]
KERNELS = sorted((ROOT / "benchmarks" / "kernels" / "cpp").glob("*.cc")) + sorted(
    (ROOT / "benchmarks" / "kernels" / "python").glob("*.py"))
CASES = 12


@pytest.fixture(scope="module")
def targets(registry):
    found = runnable_targets(registry, None)
    assert {"numpy"} <= {name for name, target, _ in found if target is not None}
    return found


def test_every_registered_runnable_target_is_checked(targets) -> None:
    unavailable = [(name, why) for name, target, why in targets if target is None]
    assert unavailable == [], f"targets that cannot run here: {unavailable}"


@pytest.mark.parametrize("path", KERNELS, ids=[f"{p.parent.name}/{p.stem}" for p in KERNELS])
def test_lifted_kernel_runs_on_every_target_like_the_original(path: Path, registry, targets,
                                                              native_cache: str) -> None:
    rel = str(path.relative_to(ROOT))
    module = read_module(rel, registry)
    fn = module.function(path.stem)
    assert fn is not None
    result = compile_function(module, path.stem, registry, Options(target=None, synth=(), timeout=30))
    if not result.lifted:
        pytest.skip(f"{path.stem} is outside TensIR: {result.diagnostics[-1].message}")
    tfn = Function(fn.name, result.params, result.program)
    cases = draw_cases(fn, module, result.precondition, CASES, seed=7)
    assert len(cases) >= CASES // 2
    expected = original_outputs(rel, fn, cases, native_cache)
    buffer = "int32" if fn.lang == "cpp" else "int64"
    dtypes = {p.name: buffer for p in tfn.params if p.type.elem == "int"}
    if tfn.result.elem == "int":
        dtypes["return"] = buffer
    used = {t.op for t in subterms(result.program) if isinstance(t, App)}
    ran = []
    for name, target, _ in targets:
        if target is None:
            continue
        refused = sorted(op.name for op in used if target.rendering(op) is None)
        if refused:  # the target refuses the program naming the op (llvm: scans)
            continue
        ran.append(name)
        ex = target.executable(tfn, dtypes)
        for case, want in zip(cases, expected, strict=True):
            args = [case.arrays[p.name] for p in tfn.params]
            got = ex.fetch(ex.run(ex.prepare(args)))
            assert same(want, got), f"{name}: {fn.name}{case.args}: original {want}, {name} {got}"
    assert "numpy" in ran and len(ran) >= len([t for t in targets if t[1] is not None]) - 1, ran
