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
- The next integer above `x` is `q + 1 = x + (B - r) / B >= x + 1 / B > y`, and `q - 1 < x - 1 / B
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


def quotient32(b: ir.IRBuilder, a: Any, d: Any) -> Any:
    """The i32 value of C's `a / d` for i32 values `a` and `d` with `d` not 0 or -1."""
    one = ir.Constant(F64, 1.0)
    big = _intrinsic(b, "llvm.fabs", b.sitofp(a, F64))
    div = _intrinsic(b, "llvm.fabs", b.sitofp(d, F64))
    t = _intrinsic(b, "llvm.trunc", b.fmul(big, b.fdiv(one, div)))
    e = b.fsub(big, b.fmul(t, div))
    t = b.select(b.fcmp_ordered(">=", e, div), b.fadd(t, one), t)
    negative = b.icmp_signed("<", b.xor(a, d), ir.Constant(I32, 0))
    return b.fptosi(b.select(negative, b.fneg(t), t), I32)


def remainder32(b: ir.IRBuilder, a: Any, d: Any) -> Any:
    """The i32 value of C's `a % d` for i32 values `a` and `d` with `d` not 0 or -1: `a - q d`,
    exact in wrapping i32 since the true remainder is below `|d|` in magnitude."""
    return b.sub(a, b.mul(quotient32(b, a, d), d))



def divides_by_double(d: int) -> bool:
    """Whether `quotient64_by` serves the constant divisor `d` (LLVM divides by a power of 2 with
    shifts, which vectorize)."""
    return 2 <= abs(d) < 2**31 and abs(d) & (abs(d) - 1) != 0


def quotient64_by(b: ir.IRBuilder, a: Any, d: int) -> Any:
    """The i64 value of C's `a / d` for an i64 value `a` and a constant `d` (`divides_by_double`).

    x86 has no 64-bit vector multiply-high, so an `sdiv i64` by a constant stays scalar; this
    computes the floor quotient by `D = |d|` in two rounds through double, then truncates:

    1. `q0 = trunc(fl(fl(a) * fl(1 / D)))`: three roundings, so with `x = a / D`,
       `|q0 - x| < 1 + 3.01 * 2^-53 * 2^62 < 1543`, and `r0 = a - q0 * D` has `|r0| < 1543 D <
       2^42` (exact in wrapping i64, as the true value is small, and exact in double).
    2. `k = floor(r0 / D)` as in `quotient32`: `f = floor(fl(r0 * fl(1 / D)))`, off from `k` by
       `|y - r0 / D| < 2^-52 * 1543 < 1 / D` at most one below it, corrected by
       `e = r0 - f * D >= D` (`f * D` and `e` below 2^43: exact in double).

    `floor(a / D) = q0 + k`; C's quotient is one more when `a < 0` and the remainder
    `a - (q0 + k) D` (in `[0, D)`, exact in wrapping i64) is not 0, negated for `d < 0`
    (|a / d| <= 2^62: no overflow). Every `fptosi` is of a value far inside the i64 range."""
    i64 = ir.IntType(64)
    big = abs(d)
    recip, div = ir.Constant(F64, 1.0 / big), ir.Constant(F64, float(big))
    dd = ir.Constant(i64, big)
    q0 = b.fptosi(_intrinsic(b, "llvm.trunc", b.fmul(b.sitofp(a, F64), recip)), i64)
    r0 = b.sub(a, b.mul(q0, dd))
    rest = b.sitofp(r0, F64)
    f = _intrinsic(b, "llvm.floor", b.fmul(rest, recip))
    e = b.fsub(rest, b.fmul(f, div))
    f = b.select(b.fcmp_ordered(">=", e, div), b.fadd(f, ir.Constant(F64, 1.0)), f)
    floor = b.add(q0, b.fptosi(f, i64))
    zero = ir.Constant(i64, 0)
    inexact = b.icmp_signed("!=", b.sub(a, b.mul(floor, dd)), zero)
    q = b.add(floor, b.zext(b.and_(b.icmp_signed("<", a, zero), inexact), i64))
    return b.neg(q) if d < 0 else q


__all__ = ["divides_by_double", "quotient32", "quotient64_by", "remainder32"]
