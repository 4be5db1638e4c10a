"""The `llvm` target: TensIR functions as fused loop nests, JIT-compiled with llvmlite.

`codegen` lowers terms to views and one loop nest, `runtime` compiles and calls, `target` is the
plugin. llvmlite is imported only when code is generated or run.
"""

from .target import LlvmExecutable, LlvmTarget, tensflo_register_targets

__all__ = ["LlvmTarget", "LlvmExecutable", "tensflo_register_targets"]
