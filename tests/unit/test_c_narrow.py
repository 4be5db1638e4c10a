"""C conversions into narrow types and unsigned arithmetic, read as exact `int` where a
path-sensitive proof (`plugins/c_fits.py`) shows the value fits: each kernel lifts and agrees
with gcc -O2 on random inputs drawn inside the C types; where the value can leave the type, the
reader refuses with the location and the construct."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, load_module
from tensflo.ir.loop.interp import Interpreter
from tensflo.plugins.c_frontend import CFrontend
from tensflo.tests.support.c_kernels import inside

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

KERNELS = r"""#include <math.h>
#include <stdint.h>
void sub_saturate_i16(const int16_t *a, const int16_t *b, int16_t *out, int n) {
    for (int i = 0; i < n; i++) {
        int32_t s = (int32_t)a[i] - (int32_t)b[i];
        if (s > INT16_MAX)
            s = INT16_MAX;
        else if (s < INT16_MIN)
            s = INT16_MIN;
        out[i] = (int16_t)s;
    }
}
void mix_u8(const unsigned char *a, const unsigned char *b, unsigned char *out, int n,
            unsigned char w) {
    for (int i = 0; i < n; i++)
        out[i] = (unsigned char)((a[i] * w + b[i] * (255 - w) + 127) / 255);
}
void clip_store(const int *x, unsigned char *out, int n) {
    for (int i = 0; i < n; i++) {
        int v = x[i] + 3;
        if (v < 0)
            v = 0;
        if (v > 255)
            v = 255;
        out[i] = v;
    }
}
void to_q7(const float *x, signed char *q, int n, float s) {
    for (int i = 0; i < n; i++)
        q[i] = (signed char)fmaxf(fminf(x[i] * s, 127.0f), -128.0f);
}
void luma2(const unsigned char *r, const unsigned char *g, unsigned char *y, int n) {
    for (int i = 0; i < n; i++) {
        unsigned rr = r[i], gg = g[i];
        y[i] = (unsigned char)((77 * rr + 179 * gg) / 256);
    }
}
void clamp_high_only(const int16_t *a, const int16_t *b, int16_t *out, int n) {
    for (int i = 0; i < n; i++) {
        int32_t s = (int32_t)a[i] + (int32_t)b[i];
        if (s > INT16_MAX)
            s = INT16_MAX;
        out[i] = (int16_t)s;
    }
}
void mix_u8_wraps(const unsigned char *a, const unsigned char *b, unsigned char *out, int n,
                  unsigned char w) {
    for (int i = 0; i < n; i++)
        out[i] = (unsigned char)((a[i] * w + b[i] * (256 - w)) / 255);
}
void luma_wide(const unsigned *r, unsigned *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = 77 * r[i];
}
void carried(const int *x, unsigned char *out, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        out[i] = (unsigned char)v;
        v = x[i] & 255;
        v = v * 2;
    }
}
void to_q7_one_side(const float *x, signed char *q, int n) {
    for (int i = 0; i < n; i++)
        q[i] = (signed char)fminf(x[i], 127.0f);
}
unsigned char accumulate(const unsigned char *x, int n) {
    unsigned char acc = 0;
    for (int i = 0; i < n; i++)
        acc += x[i];
    return acc;
}
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("narrow") / "narrow.c"
    path.write_text(KERNELS)
    return path


def _i16(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -32768, 32767, n), inside(rng, -32768, 32767, n), np.zeros(n), n]


def _mix(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, 0, 255, n), inside(rng, 0, 255, n), np.zeros(n), n,
            int(rng.choice([0, 1, 128, 254, 255, int(rng.integers(0, 256))]))]


def _ints(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -600, 600, n), np.zeros(n), n]


def _floats(rng: np.random.Generator, n: int) -> list[Any]:
    # halves, with a scale of 1 or 2: products exact in float, no rounding at a boundary
    return [rng.integers(-400, 400, n) / 2.0, np.zeros(n), n, float(rng.choice([0.5, 1.0, 2.0]))]


def _luma(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, 0, 255, n), inside(rng, 0, 255, n), np.zeros(n), n]


@pytest.mark.parametrize(("name", "make"), [
    ("sub_saturate_i16", _i16), ("mix_u8", _mix), ("clip_store", _ints), ("to_q7", _floats),
    ("luma2", _luma),
])
def test_a_conversion_proven_to_fit_lifts_and_agrees_with_gcc(
        source: Path, tmp_path: Path, name: str, make: Any) -> None:
    result = tensflo.compile(str(source), name, timeout=60)
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    generated = getattr(load_module(result.code, result.function), result.function)
    rng = np.random.default_rng(11)
    cases = [make(rng, int(n)) for n in rng.integers(0, 40, 60)]
    report = c_differential(str(source), name, generated, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]


@pytest.mark.parametrize(("name", "line", "words"), [
    ("clamp_high_only", 43, "the cast `( int16_t ) s` to int16_t, whose value may not fit"),
    ("mix_u8_wraps", 49, "the cast `( unsigned char ) ( ( a [ i ] * w + b [ i ] * ( 256 - w ) ) / 255 )`"),
    ("luma_wide", 53, "unsigned arithmetic `77 * r [ i ]` (unsigned int wraps modulo 2^32"),
    ("carried", 58, "the cast `( unsigned char ) v` to unsigned char, whose value may not fit"),
    ("to_q7_one_side", 65, "the cast `( signed char ) fminf ( x [ i ] , 127.0f )`"),
    ("accumulate", 70, "a store into acc, a unsigned char"),
])
def test_a_conversion_that_may_wrap_is_refused_where_it_is(source: Path, name: str, line: int,
                                                          words: str) -> None:
    module = CFrontend().parse(str(source), source.read_text())
    (rejected,) = [r for r in module.rejected if r.name == name]
    assert words in rejected.message
    assert rejected.loc.line == line and rejected.loc.col > 1


def test_the_wrapping_cases_really_wrap_in_gcc(source: Path, tmp_path: Path) -> None:
    """The refusals are right: on inputs inside the C types, gcc's results differ from the
    exact ones (so reading them as exact would give wrong numbers)."""
    def exact_clamp(a: Any, b: Any, out: Any, n: int) -> None:
        out[:n] = np.minimum(a[:n] + b[:n], 32767)

    a, b = np.array([-32768, -20000, 5]), np.array([-32768, -20000, 7])
    report = c_differential(str(source), "clamp_high_only", exact_clamp,
                            [[a, b, np.zeros(3), 3]], cache_dir=str(tmp_path / "c"))
    assert report.failures

    def exact_mix(a: Any, b: Any, out: Any, n: int, w: int) -> None:
        out[:n] = (a[:n] * w + b[:n] * (256 - w)) // 255  # 256 for 255s and w = 0

    ones = np.full(4, 255)
    report = c_differential(str(source), "mix_u8_wraps", exact_mix,
                            [[ones, ones, np.zeros(4), 4, 0]], cache_dir=str(tmp_path / "c"))
    assert report.failures


PATHS = r"""#include <math.h>
int early_return(int v) {
    if (v < 0 || v > 255)
        return -1;
    unsigned char c = v;
    return c;
}
int wrong_condition(int v) {
    if (v < 0 && v > 255)
        return -1;
    unsigned char c = v;
    return c;
}
int chosen(int v) {
    unsigned char c = v > 255 ? 255 : (v < 0 ? 0 : v);
    return c;
}
int scaled_after_clamp(float x) {
    signed char c = (signed char)(fminf(fmaxf(x, -128.0f), 127.0f) * 1.0f);
    return c;
}
int with_goto(int v) {
    if (v < 0 || v > 255)
        goto out;
    unsigned char c = v;
    return c;
out:
    return -1;
}
int stored_clamp(float x) {
    float c = fminf(fmaxf(x, -128.0f), 127.0f);
    signed char q = (signed char)c;
    return q;
}
int stored_unclamped(float x) {
    float c = fminf(x, 127.0f);
    signed char q = (signed char)c;
    return q;
}
int g;
void bump(void) {
    g = 1000;
}
int via_global(void) {
    g = 5;
    bump();
    unsigned char c = g;
    return c;
}
"""


@pytest.mark.parametrize(("name", "refused"), [
    ("early_return", None),
    ("wrong_condition", "initializing c, a unsigned char, with `v`, which may not fit"),
    ("chosen", None),
    ("scaled_after_clamp", "the cast `( signed char ) ( fminf"),
    ("with_goto", "initializing c, a unsigned char, with `v`, which may not fit"),
    ("via_global", "initializing c, a unsigned char, with `g`, which may not fit"),
    ("stored_clamp", None),
    ("stored_unclamped", "the cast `( signed char ) c` to signed char, whose value may not fit"),
])
def test_the_proof_follows_the_paths_and_only_them(tmp_path: Path, name: str,
                                                   refused: str | None) -> None:
    """A `return` on the values that do not fit, or a `?:` choosing in-range values, proves
    the store; a condition that never holds, float arithmetic after a clamp (an unknown float),
    a function with `goto` (control flow not modelled) and a global a call may change do not."""
    path = tmp_path / "paths.c"
    path.write_text(PATHS)
    module = CFrontend().parse(str(path), PATHS)
    rejected = [r for r in module.rejected if r.name == name]
    if refused is None:
        assert not rejected and module.function(name) is not None
    else:
        assert len(rejected) == 1 and refused in rejected[0].message, rejected


WINDOWS = r"""
void blur3(const unsigned char *in, unsigned char *out, int n) {
    for (int i = 0; i < n; i++) {
        int sum = 0;
        for (int d = 0; d < 3; d++)
            sum += in[i + d];
        out[i] = (unsigned char)(sum / 3);
    }
}
void blur4_wraps(const unsigned char *in, unsigned char *out, int n) {
    for (int i = 0; i < n; i++) {
        int sum = 0;
        for (int d = 0; d < 4; d++)
            sum += in[i + d];
        out[i] = (unsigned char)(sum / 3);
    }
}
void blur3_with_break(const unsigned char *in, unsigned char *out, int n) {
    for (int i = 0; i < n; i++) {
        int sum = 0;
        for (int d = 0; d < 3; d++) {
            if (in[i + d] == 0)
                break;
            sum += in[i + d];
        }
        out[i] = (unsigned char)(sum / 3);
    }
}
"""


def test_a_loop_with_a_constant_count_is_unrolled(tmp_path: Path) -> None:
    """Three reads of an `unsigned char` summed by a loop of three trips, divided by 3, fit: the
    reading agrees with gcc on bytes; four trips may reach 340 and are refused. A loop that may
    leave early is not unrolled: entered in any state, its sum is any int, and the cast is
    refused although it would fit here (a limit of the proof, on the safe side)."""
    path = tmp_path / "windows.c"
    path.write_text(WINDOWS)
    module = CFrontend().parse(str(path), WINDOWS)
    refused = {r.name: r for r in module.rejected}
    assert set(refused) == {"blur4_wraps", "blur3_with_break"}
    for name, line in (("blur4_wraps", 15), ("blur3_with_break", 26)):
        assert "the cast `( unsigned char ) ( sum / 3 )`" in refused[name].message
        assert refused[name].loc.line == line
    interp = Interpreter(module)

    def run(src: Any, out: Any, n: int) -> None:
        _, final = interp.run_in_place("blur3", [src.tolist(), out.tolist(), n])
        out[:] = final[1]

    rng = np.random.default_rng(5)
    cases = [[inside(rng, 0, 255, n + 2), np.zeros(n), n] for n in rng.integers(0, 30, 40)]
    report = c_differential(str(path), "blur3", run, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


WIDE = r"""
int long_to_int(const long *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        int v = x[i];
        s += v;
    }
    return s;
}
int long_rest_to_int(const long *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        long r = x[i] % 1000;
        int v = r;
        s += v;
    }
    return s;
}
unsigned long_to_unsigned(long a) {
    unsigned u = a >= 0 ? a : 0;
    return u;
}
unsigned small_to_unsigned(long a) {
    unsigned u = a >= 0 && a < 100000 ? a : 0;
    return u;
}
"""


@pytest.mark.parametrize(("name", "refused"), [
    ("long_to_int", "`x [ i ]`, a long, converted to int (a value outside its range would wrap)"),
    ("long_rest_to_int", None),
    ("long_to_unsigned", "converted to unsigned int (a negative or too large value would wrap)"),
    ("small_to_unsigned", None),
])
def test_a_wide_signed_value_made_narrower_must_fit(tmp_path: Path, name: str,
                                                    refused: str | None) -> None:
    """`long` to `int` and a non-negative `long` to `unsigned` wrap beyond the target's range:
    refused unless proven (a remainder by 1000, a test before the conversion)."""
    path = tmp_path / "wide.c"
    path.write_text(WIDE)
    module = CFrontend().parse(str(path), WIDE)
    rejected = [r for r in module.rejected if r.name == name]
    if refused is None:
        assert not rejected and module.function(name) is not None
    else:
        assert len(rejected) == 1 and refused in rejected[0].message, rejected

