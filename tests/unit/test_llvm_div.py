"""Division and remainder of 32-bit ints by a divisor that is not a constant go through double
(`targets/llvm/int_div.py`: a reciprocal and one correction), which vectorizes. The results equal
C's truncating `/` and `%` (and Python's `//`, `%` built on them) computed exactly, on random
int32 operands over the whole range, near the int32 limits, next to multiples of the divisor,
and for the divisors 0, 1 and -1; a divisor computed from scalar parameters (the same in every
iteration) goes through a magic multiply instead, exact for every divisor tried (each power of two
and its neighbours, the limits, random ones) on the same operands; the optimized loop has no scalar
`sdiv`/`srem`; a drop-in over
`float`s (whose lifted code computes in single precision) still divides its ints exactly. i64 division
by constants (LLVM's scalar `sdiv`) is checked over the whole int64 range too."""

from __future__ import annotations

import ctypes
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.int32_proofs import Int32Proofs
from tensflo.targets.llvm.int_div import MAGIC_QUOTIENT, QUOTIENT
from tensflo.targets.llvm.jit import optimize
from tensflo.targets.llvm.target import LlvmTarget

FNS = parse_module(
    "def q(x: vec[int], y: vec[int]) -> vec[int] = selection_two_args(x, y, lambda a, b: a / b)\n"
    "def r(x: vec[int], y: vec[int]) -> vec[int] = selection_two_args(x, y, lambda a, b: a % b)\n"
    "def fq(x: vec[int], y: vec[int]) -> vec[int] = "
    "selection_two_args(x, y, lambda a, b: floordiv(a, b))\n"
    "def fr(x: vec[int], y: vec[int]) -> vec[int] = "
    "selection_two_args(x, y, lambda a, b: floormod(a, b))\n"
    "def qs(x: vec[int], y: vec[int]) -> vec[int] = vec_scalar_div(x, y[0])\n")
DTYPES = {"x": "int32", "y": "int32", "return": "int64"}
LO, HI = -2**31, 2**31 - 1


def _c_div(a: int, b: int) -> int:
    if b == 0:
        return 0
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _exact(op: str, a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """C's `/` (`q`) and `%` (`r`), toward zero, and Python's `floordiv` (`fq`) and `floormod`
    (`fr`) of int32 operands, elementwise in exact int64 arithmetic; by 0: quotient 0,
    remainder `a`."""
    a = a.astype(np.int64)
    b = np.broadcast_to(np.asarray(b, dtype=np.int64), a.shape)
    zero = b == 0
    d = np.where(zero, 1, b)
    q = np.sign(a) * np.sign(d) * (np.abs(a) // np.abs(d))  # toward zero
    value = {"q": q, "r": a - d * q, "fq": a // d, "fr": a % d}[op]
    return np.where(zero, 0 if op in ("q", "fq") else a, value)


def _operands(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b): random over the range, small divisors, limits, and a next to k * b."""
    n = 20_000
    a = rng.integers(LO, HI, n, endpoint=True, dtype=np.int64)
    b = rng.integers(LO, HI, n, endpoint=True, dtype=np.int64)
    b[: n // 4] = rng.integers(-300, 300, n // 4)
    b[n // 4: n // 2] = rng.integers(-70_000, 70_000, n // 4)
    near = slice(n // 2, 3 * n // 4)  # a = k * b + {-1, 0, 1}: where a rounded quotient would err
    b[near] = np.where(b[near] == 0, 3, b[near])
    kmax = HI // np.abs(b[near])
    k = np.floor(rng.random(n // 4) * (2 * kmax + 1)).astype(np.int64) - kmax
    a[near] = np.clip(k * b[near] + rng.integers(-1, 2, n // 4), LO, HI)
    small = slice(3 * n // 4, n)
    b[small] = rng.integers(1, 2**12, n // 4) * rng.choice([-1, 1], n // 4)
    a[small] = np.clip(rng.integers(-2**19, 2**19, n // 4) * b[small]
                       + rng.integers(-1, 2, n // 4), LO, HI)
    edges = [LO, LO + 1, -2, -1, 0, 1, 2, HI - 1, HI, 255, -255, 2**30, -2**30]
    ea, eb = np.meshgrid(edges, edges)
    return (np.concatenate([a, ea.ravel()]).astype(np.int32),
            np.concatenate([b, eb.ravel()]).astype(np.int32))


@pytest.mark.parametrize("name", ["q", "r", "fq", "fr"])
def test_division_by_a_varying_divisor_is_exact(name: str) -> None:
    k = LlvmTarget().compile(list(FNS), DTYPES)[name]
    x, y = _operands(np.random.default_rng(19))
    got = k(x, y)
    want = _exact(name, x, y)
    bad = np.flatnonzero(got != want)
    assert not bad.size, [(int(x[i]), int(y[i]), int(got[i]), int(want[i])) for i in bad[:5]]


def test_division_by_a_divisor_computed_once_is_exact() -> None:
    k = LlvmTarget().compile(list(FNS), DTYPES)["qs"]
    rng = np.random.default_rng(7)
    x = rng.integers(LO, HI, 4000, endpoint=True, dtype=np.int64)
    x[:8] = [LO, LO + 1, -1, 0, 1, HI - 1, HI, 2**30]
    x = x.astype(np.int32)
    for d in [0, 1, -1, 2, -2, 3, 7, 255, 256, -255, 65_537, 2**30, HI, LO, LO + 1,
              *rng.integers(LO, HI, 40)]:
        got = k(x, np.array([d], dtype=np.int32))
        want = [_c_div(int(a), int(d)) for a in x]
        assert [int(g) for g in got] == want, d


PARAM = parse_module(
    "def qp(x: vec[int], d: int) -> vec[int] = vec_scalar_div(x, d)\n"
    "def rp(x: vec[int], d: int) -> vec[int] = vec_map(x, lambda e: e % d)\n"
    "def fqp(x: vec[int], d: int) -> vec[int] = vec_map(x, lambda e: floordiv(e, d))\n"
    "def frp(x: vec[int], d: int) -> vec[int] = vec_map(x, lambda e: floormod(e, d))\n"
    "def qg(x: vec[int], d: int) -> vec[int] = vec_scalar_div(x, ite(d > 0, d, 1))\n")
INT_D = {f.name: Int32Proofs(params=frozenset({"d"})) for f in PARAM}
"""`d` is a source `int` (range-checked once per call), so the quotients are computed in i32."""
PARAM_DTYPES = {"x": "int32", "return": "int64"}


ESTIMATE_HIGH = (9_110_917, 10_325_701, 16_005_665, 18_139_745, 18_221_834, 20_651_402)
"""Divisors whose magic number's double estimate `trunc(2^(31+l) * fl(1 / B))` is one above the
exact quotient (594 of the 2^31 magnitudes are, all this way), so the correction decides m."""


def _param_divisors(rng: np.random.Generator) -> list[int]:
    near_powers = {s * (2**k + e) for k in range(32) for e in (-1, 0, 1) for s in (1, -1)}
    return sorted({0, 1, -1, 3, 7, 255, -255, 65_537, LO, LO + 1, HI, HI - 1,
                   *(v for v in near_powers if LO <= v <= HI), *ESTIMATE_HIGH,
                   *(-d for d in ESTIMATE_HIGH),
                   *map(int, rng.integers(LO, HI, 60)), *map(int, rng.integers(-300, 300, 20))})


def _around_multiples(d: int, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`x` and values k * d - 1, k * d, k * d + 1 (where a quotient one off would show), the
    largest multiples included."""
    if d == 0:
        return x
    top = HI // abs(d)
    k = np.concatenate([rng.integers(-top, top, 2000, endpoint=True), [top, -top, 1, -1]])
    near = (k[:, None] * abs(d) + np.array([-1, 0, 1])).ravel()
    return np.concatenate([x, np.clip(near, LO, HI).astype(np.int32)])


@pytest.mark.parametrize("name", ["qp", "rp", "fqp", "frp", "qg"])
def test_division_by_a_parameter_is_exact(name: str) -> None:
    k = LlvmTarget().compile(list(PARAM), PARAM_DTYPES, INT_D)[name]
    rng = np.random.default_rng(23)
    base, _ = _operands(rng)
    op = {"qp": "q", "rp": "r", "fqp": "fq", "frp": "fr", "qg": "q"}[name]
    for d in _param_divisors(rng):
        x = _around_multiples(d, base, rng)
        got = k(x, d)
        want = _exact(op, x, (d if d > 0 else 1) if name == "qg" else d)
        bad = np.flatnonzero(got != want)
        assert not bad.size, (d, [(int(x[i]), int(got[i]), int(want[i])) for i in bad[:5]])


def test_a_parameter_divisor_takes_the_magic_multiply_and_a_loaded_one_the_reciprocal() -> None:
    module, _ = build_module(list(PARAM) + [f for f in FNS if f.name in ("q", "qs")],
                             {**DTYPES, **PARAM_DTYPES}, proofs=INT_D)
    calls = {f.name: {c for c in (MAGIC_QUOTIENT, QUOTIENT) if f'@"{c}"' in str(f)}
             for f in module.functions if f.name in ("qp", "qg", "q", "qs")}
    assert calls == {"qp": {MAGIC_QUOTIENT}, "qg": {MAGIC_QUOTIENT}, "q": {QUOTIENT},
                     "qs": {QUOTIENT}}


def test_the_loop_has_no_scalar_integer_division() -> None:
    module, _ = build_module([f for f in FNS if f.name in ("q", "r", "qs")], DTYPES)
    text = str(optimize(str(module)))
    assert not re.search(r"\b(sdiv|srem|udiv|urem) i(32|64)\b", text)
    assert re.search(r"fmul <\d+ x double>", text)  # the quotients are vector multiplications
    module, _ = build_module([f for f in PARAM if f.name in ("qp", "rp")], PARAM_DTYPES,
                             proofs=INT_D)
    text = str(optimize(str(module)))
    assert not re.search(r"\b(sdiv|srem|udiv|urem) i(32|64)\b", text)
    assert re.search(r"mul (nuw )?(nsw )?<\d+ x i64>", text)  # the magic multiply, vectorized


WIDE = parse_module(
    "def w255(x: vec[int]) -> vec[int] = vec_scalar_div(x, 255)\n"
    "def wm255(x: vec[int]) -> vec[int] = vec_map(x, lambda e: e % 255)\n"
    "def wn7(x: vec[int]) -> vec[int] = vec_scalar_div(x, -7)\n"
    "def w49(x: vec[int]) -> vec[int] = vec_scalar_div(x, 49)\n"
    "def wbig(x: vec[int]) -> vec[int] = vec_scalar_div(x, 2147483647)\n"
    "def wf3(x: vec[int]) -> vec[int] = vec_map(x, lambda e: floordiv(e, 3))\n"
    "def wfm3(x: vec[int]) -> vec[int] = vec_map(x, lambda e: floormod(e, 3))\n"
    "def wsq(x: vec[int]) -> vec[int] = vec_map(x, lambda e: 2 * (e * e) / 255)\n")
D = {"w255": 255, "wm255": 255, "wn7": -7, "w49": 49, "wbig": 2**31 - 1, "wf3": 3, "wfm3": 3}


def _wide_operands(rng: np.random.Generator) -> np.ndarray:
    """int64 values over the whole range, near its limits, small, and next to multiples of 255,
    7, 3, 49 and 2^31 - 1 (49 * fl(1 / 49) rounds below 1: the second round's correction)."""
    lo, hi = -2**63, 2**63 - 1
    x = [rng.integers(lo, hi, 20_000, endpoint=True, dtype=np.int64),
         rng.integers(-10**6, 10**6, 2000),
         np.array([lo, lo + 1, lo + 2, hi, hi - 1, hi - 2, -1, 0, 1, 254, 255, 256, -255, -256])]
    for d in (255, 7, 3, 49, 2**31 - 1):
        k = rng.integers(-(2**63) // d, 2**63 // d, 3000, dtype=np.int64)
        x.append(k * d + rng.integers(-1, 2, 3000))
        x.append(np.array([hi // d * d, lo // d * d + d, hi // d * d - 1, lo // d * d + d - 1]))
    return np.concatenate(x).astype(np.int64)


@pytest.mark.parametrize("name", sorted(D))
def test_int64_division_by_a_constant_is_exact(name: str) -> None:
    k = LlvmTarget().compile([f for f in WIDE if f.name == name], {"x": "int64", "return": "int64"})[name]
    x = _wide_operands(np.random.default_rng(5))
    d = D[name]
    ref = {"w255": _c_div, "wn7": _c_div, "w49": _c_div, "wbig": _c_div, "wm255": lambda a, b: a - b * _c_div(a, b),
           "wf3": lambda a, b: a // b, "wfm3": lambda a, b: a % b}[name]
    got = k(x)
    bad = [(int(a), int(g)) for a, g in zip(x, got, strict=True) if int(g) != ref(int(a), d)]
    assert not bad, bad[:5]


def test_int64_division_of_a_wide_product() -> None:
    """2 * (e * e) / 255 of int32 inputs (as exclusion_blend_8): the product needs 64 bits."""
    k = LlvmTarget().compile([f for f in WIDE if f.name == "wsq"], {"x": "int32", "return": "int64"})["wsq"]
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.integers(LO, HI, 20_000, endpoint=True, dtype=np.int64),
                        [LO + 1, HI, HI - 1, 0, 1, -1, 255, 2**30]]).astype(np.int32)
    want = [_c_div(2 * int(e) * int(e), 255) for e in x]
    assert [int(g) for g in k(x)] == want


def test_a_single_precision_drop_in_divides_ints_exactly(tmp_path: Path) -> None:
    """The quotient's double arithmetic is a function of its own, which the single-precision
    rewrite of a drop-in over `float`s leaves in double (in float, 2^31 - 1 / 1 was -2^31)."""
    src = tmp_path / "k.c"
    src.write_text("void qdiv(int n, const int *a, const int *b, float s, float *out) {\n"
                   "    for (int i = 0; i < n; i++) out[i] = s * (float)(a[i] / b[i]);\n}\n")
    so = tmp_path / "qdiv.so"
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "-f", "qdiv", "--target", "llvm",
                           "--emit", "so", "-o", str(so), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fn = ctypes.CDLL(str(so)).qdiv
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_float, ctypes.c_void_p]
    rng = np.random.default_rng(1)
    a = rng.integers(LO, HI, 3000, endpoint=True, dtype=np.int64)
    b = rng.integers(-60, 60, 3000)
    b[b == 0] = 7  # C's x / 0 is undefined
    a[:4], b[:4] = [HI, LO, 123456789, LO + 1], [1, 1, 3, -1]
    a, b = a.astype(np.int32), b.astype(np.int32)
    out = np.zeros(len(a), np.float32)
    fn(len(a), a.ctypes.data, b.ctypes.data, 1.0, out.ctypes.data)
    want = np.array([_c_div(int(x), int(y)) for x, y in zip(a, b, strict=True)], np.float32)
    assert np.array_equal(out, want), np.flatnonzero(out != want)[:5]
