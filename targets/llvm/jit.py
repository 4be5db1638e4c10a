"""JIT compilation: llvmlite MCJIT for the host CPU (`-march=native`), the O3 pipeline with loop and
SLP vectorization, one module and engine per `compile_functions` call, and a cache of compiled
kernels (`runtime.Kernel`) by function text, dtypes and proofs."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from tensflo.ir.tensir import Function

from . import parallel
from .functions import KSPLIT_SUFFIX, add_join, build_module
from .int32_proofs import NOTHING, Int32Proofs
from .prologue import HOISTED_SUFFIX
from .runtime import Kernel


@cache
def target_machine() -> Any:
    """The host CPU's target machine (`-march=native`) at opt level 3."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                        features=llvm.get_host_cpu_features().flatten(), opt=3,
                                        codemodel="jitdefault")


def optimize(text: str) -> Any:
    """Parse LLVM IR text and run the O3 pipeline (vectorizers on) for the host; a binding module."""
    import llvmlite.binding as llvm

    tm = target_machine()
    mod = llvm.parse_assembly(text)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return mod


_CACHE: dict[tuple, Kernel] = {}
_CACHE_LOCK = threading.Lock()


def _key(fn: Function, dtypes: dict[str, str], reassociate: bool = False,
         proofs: Int32Proofs = NOTHING) -> tuple:
    return (str(fn), tuple(sorted(dtypes.items())), reassociate,
            tuple(sorted(map(str, proofs.terms))), tuple(sorted(proofs.params)))


def compile_functions(functions: Sequence[Function], dtypes: dict[str, str] | None = None,
                      reassociate: bool = False,
                      proofs: Mapping[str, Int32Proofs] | None = None) -> dict[str, Kernel]:
    """Compile functions (one module, one engine), cached per (function text, dtypes, whether
    float reductions may be reordered, the subterms proven to be source `int` values)."""
    proofs = dict(proofs or {})
    import llvmlite.binding as llvm

    dtypes = dict(dtypes or {})
    with _CACHE_LOCK:
        keys = {f.name: _key(f, dtypes, reassociate, proofs.get(f.name, NOTHING))
                for f in functions}
        hits = {f.name: _CACHE[keys[f.name]] for f in functions if keys[f.name] in _CACHE}
    todo = [f for f in functions if f.name not in hits]
    if todo:
        module, lowered = build_module(todo, dtypes, reassociate=reassociate, proofs=proofs,
                                       ksplit=True, hoist=True)
        for f, lo in zip(todo, lowered, strict=True):  # `f_task(slots, out, lo, hi)`: the pool's
            parallel.add_task(module, module.get_global(f.name))
            if not (lo.rank and lo.hoisted):  # `tf_scalar`'s or `tf_array`'s checks
                parallel.add_task(module, module.get_global(f"{f.name}_shape"), ranged=False)
            if lo.split:  # the join of a split scalar result's halves
                add_join(module, lo)
            if lo.ksplit:
                parallel.add_task(module, module.get_global(f.name + KSPLIT_SUFFIX))
            if lo.hoisted:
                parallel.add_task(module, module.get_global(f.name + HOISTED_SUFFIX))
            for part, part_lo in lo.parts:
                parallel.add_task(module, module.get_global(part.name))
                parallel.add_task(module, module.get_global(f"{part.name}_shape"), ranged=False)
                add_join(module, part_lo)
        mod = optimize(str(module))
        engine = llvm.create_mcjit_compiler(mod, target_machine())
        engine.finalize_object()
        with _CACHE_LOCK:
            for f, lo in zip(todo, lowered, strict=True):
                hits[f.name] = _CACHE[keys[f.name]] = Kernel(f, lo, engine)
    return {f.name: hits[f.name] for f in functions}
