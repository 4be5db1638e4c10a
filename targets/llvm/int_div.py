"""Truncating division of 32-bit ints through double precision, which vectorizes.

x86 has no SIMD integer division: an `sdiv i32` by a value that is not a constant stays one
`idiv` per element (about 6 cycles each). Its quotient is computed instead from magnitudes in
double, `A = |a|` and `B = |b|` (both exact: at most 2^31), with a reciprocal and one correction:

    y = fl(A * fl(1 / B)),  t = trunc(y),  e = A - t * B,  then t + 1 if e >= B, else t
    (with the sign of a / b)

Why it is exact for integers `0 <= A <= 2^31`, `1 <= B <= 2^31`, with `x = A / B`, `q = floor(x)`,
`r = A - q B` (`0 <= r < B`) and `u = 2^-53` (round to nearest):

- `fl(1 / B) = (1 / B)(1 + d1)` and `y = A fl(1 / B) (1 + d2)` with `|d1|, |d2| <= u`, so
  `|y - x| <= (2u + u^2) x < 2^-51 * 2^31 / B < 1 / B`.
- The next integer above `x` is `q + 1 = x + (B - r) / B >= x + 1 / B > y`, and `q - 1 <= x - 1 / B
  < y`, so `y >= 0` lies in `(q - 1, q + 1)`: `t = trunc(y)` is `q - 1` (when `y` falls just
  below an exact quotient) or `q`.
- `t * B <= A` is an integer below 2^32 and `e` one below 2^33: both exact in double (below 2^53),
  so `e = A - t B` exactly: `r < B` when `t = q`, and `r + B >= B` when `t = q - 1`.

C's quotient truncates toward zero, so `a / b` is `q` with the sign of `a * b`: at most 2^31 in
magnitude, and 2^31 only for `INT_MIN / -1`, which the caller excludes (its safe divisor
replaces 0 and -1 by 1 and selects the right result for those). The quotient is converted back
with `fptosi` of a value in the i32 range, never poison. The reciprocal depends on the divisor
only, so for a divisor that is the same in every iteration (a scalar parameter, a term computed
before the nest) LLVM hoists it out of the loop and the loop body is multiplications.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir

I32 = ir.IntType(32)
F64 = ir.DoubleType()


def _intrinsic(b: ir.IRBuilder, name: str, v: Any) -> Any:
    return b.call(b.module.declare_intrinsic(name, [v.type]), [v])


QUOTIENT = "tensflo.quotient32"
"""The module's internal function computing `quotient32`'s value, inlined by LLVM. A function of
its own, so that a drop-in computing its floats in single precision (`dropin.single_precision`
rewrites the `double`s of the lifted functions) leaves this double arithmetic as it is."""


def quotient32(b: ir.IRBuilder, a: Any, d: Any) -> Any:
    """The i32 value of C's `a / d` for i32 values `a` and `d` with `d` not 0 or -1."""
    fn = b.module.globals.get(QUOTIENT)
    if fn is None:
        fn = _quotient_function(b.module)
    return b.call(fn, [a, d])


def _quotient_function(module: ir.Module) -> ir.Function:
    fn = ir.Function(module, ir.FunctionType(I32, [I32, I32]), QUOTIENT)
    fn.linkage = "internal"
    fn.attributes.add("alwaysinline")
    fn.attributes.add("nounwind")
    a, d = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    one = ir.Constant(F64, 1.0)
    big = _intrinsic(b, "llvm.fabs", b.sitofp(a, F64))
    div = _intrinsic(b, "llvm.fabs", b.sitofp(d, F64))
    t = _intrinsic(b, "llvm.trunc", b.fmul(big, b.fdiv(one, div)))
    e = b.fsub(big, b.fmul(t, div))
    t = b.select(b.fcmp_ordered(">=", e, div), b.fadd(t, one), t)
    negative = b.icmp_signed("<", b.xor(a, d), ir.Constant(I32, 0))
    b.ret(b.fptosi(b.select(negative, b.fneg(t), t), I32))
    return fn


def remainder32(b: ir.IRBuilder, a: Any, d: Any) -> Any:
    """The i32 value of C's `a % d` for i32 values `a` and `d` with `d` not 0 or -1: `a - q d`,
    exact in wrapping i32 since the true remainder is below `|d|` in magnitude."""
    return b.sub(a, b.mul(quotient32(b, a, d), d))


__all__ = ["QUOTIENT", "quotient32", "remainder32"]
