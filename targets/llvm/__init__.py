"""The `llvm` target: TensIR functions as fused loop nests, JIT-compiled with llvmlite.

`codegen` lowers terms to views and one loop nest, `runtime` compiles and calls, `target` is the
plugin. llvmlite is imported only when code is generated or run, and `target` only when one of its
names is used (importing a submodule such as `int32_source` does not load the target).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .target import LlvmExecutable, LlvmTarget, tensflo_register_targets

__all__ = ["LlvmTarget", "LlvmExecutable", "tensflo_register_targets"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import target

        return getattr(target, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
