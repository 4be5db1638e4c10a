"""Narrow values: i64 values that are the sign extension of an i32, so exact in 32 bits.

An int32 load, a literal in range and a subterm proven to be a source `int` value
(`int32_proofs`) are lowered as `sext(i32)`; an op whose operands are all narrow and whose result
is one of them or bounded by them (comparisons, min/max, `ite`, remainder, division by a divisor
other than -1) computes in i32 and sign-extends its int result, which keeps it narrow. LLVM folds
the extensions away, so such chains run on 32-bit lanes.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir

I32, I64 = ir.IntType(32), ir.IntType(64)


def narrow(v: Any) -> Any:
    """The i32 value whose sign extension is the i64 value `v`, or None."""
    if isinstance(v, ir.CastInstr) and v.opname == "sext" and v.operands[0].type == I32:
        return v.operands[0]
    if isinstance(v, ir.Constant) and v.type == I64 and isinstance(v.constant, int) \
            and -2**31 <= v.constant < 2**31:
        return ir.Constant(I32, v.constant)
    return None


def both(a: Any, b: Any) -> tuple[Any, Any] | None:
    """The i32 forms of two i64 values when both are narrow."""
    if getattr(a, "type", None) != I64 or getattr(b, "type", None) != I64:
        return None
    a32, b32 = narrow(a), narrow(b)
    return None if a32 is None or b32 is None else (a32, b32)


__all__ = ["both", "narrow"]
