"""C shifts by a constant (`plugins/c_shifts.py`), `continue` (`plugins/c_continue.py`) and a
variable stepped by constants several times an iteration (`plugins/c_multi_steps.py`): each
form lifts with an `unbounded` proof and agrees with gcc -O2 on random inputs drawn inside the C
types; what would not be exact is refused at its location, naming the construct."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, load_module
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.interp import Interpreter
from tensflo.plugins.c_frontend import CFrontend
from tensflo.tests.support.c_kernels import inside

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

KERNELS = r"""
void luma_shift(const unsigned char *r, const unsigned char *g, const unsigned char *b,
                unsigned char *y, int n) {
    for (int i = 0; i < n; i++) {
        unsigned rr = r[i], gg = g[i], bb = b[i];
        y[i] = (unsigned char)((77 * rr + 150 * gg + 29 * bb) >> 8);
    }
}
void shr_signed(const int *x, int *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] >> 3;
}
void shl_byte(const unsigned char *x, int *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] << 4;
}
void relu_continue(const int *x, int *y, int n) {
    for (int i = 0; i < n; i++) {
        if (x[i] < 0) {
            y[i] = 0;
            continue;
        }
        y[i] = x[i];
    }
}
void clip_continues(const int *x, int *y, int n) {
    for (int i = 0; i < n; i++) {
        if (x[i] < 0) {
            if (x[i] < -100) {
                y[i] = -1;
                continue;
            }
            y[i] = 0;
            continue;
        }
        if (x[i] > 100) {
            y[i] = 100;
            continue;
        }
        y[i] = x[i];
    }
}
int sum_positive(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] <= 0)
            continue;
        s += x[i];
    }
    return s;
}
void reverse_positive(const int *x, int *y, int n) {
    int i, j;
    for (i = 0, j = n - 1; i < n; i++, j--) {
        if (x[i] < 0) {
            y[j] = 0;
            continue;
        }
        y[j] = x[i];
    }
}
int inner_continue(const int *a, int rows, int cols) {
    int t = 0;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            if (a[r * cols + c] < 0)
                continue;
            t += a[r * cols + c];
        }
        t += 1;
    }
    return t;
}
int while_step_first(const int *x, int n) {
    int i = 0, s = 0;
    while (i < n) {
        int v = x[i];
        i++;
        if (v < 0)
            continue;
        s += v;
    }
    return s;
}
int compact_continue(const int *x, int *y, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] <= 0)
            continue;
        y[k++] = x[i];
    }
    return k;
}
int decl_after(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] > 0) {
            if (x[i] > 50)
                continue;
            s += 1;
        }
        int t = x[i] * 2;
        s += t;
    }
    return s;
}
int sum_until(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] < 0)
            continue;
        if (x[i] > 900)
            break;
        s += x[i];
    }
    return s;
}
int shifted_mix(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += (x[i] >> 2) + (1 << 3) - (x[i] >> 0);
    return s;
}
void packed_luma(const unsigned char *rgb, unsigned char *gray, int npixels) {
    int i, k = 0;
    unsigned r, g, b;
    for (i = 0; i < npixels; i++) {
        r = rgb[k++];
        g = rgb[k++];
        b = rgb[k++];
        gray[i] = (unsigned char)((77 * r + 150 * g + 29 * b) >> 8);
    }
}
int pair_products(const int *x, int n) {
    int k = 1, s = 0;
    for (int i = 0; i < n; i++) {
        int a = x[k++];
        int b = x[k++];
        s += a * b;
    }
    return s + k;
}
void shr_by_variable(const int *x, int *y, int n, int s) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] >> s;
}
void shl_int(const int *x, int *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] << 2;
}
void shr_too_far(const int *x, int *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] >> 32;
}
void shl_wraps(const unsigned *x, unsigned *y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = x[i] << 1;
}
int while_skips_step(const int *x, int n) {
    int i = 0, s = 0;
    while (i < n) {
        if (x[i] < 0)
            continue;
        s += x[i];
        i++;
    }
    return s;
}
int declared_twice(const int *x, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] < 0) {
            int t = -x[i];
            s += t;
            continue;
        }
        int t = x[i] * 2;
        s += t;
    }
    return s;
}
"""


def _line(name: str, text: str) -> int:
    """The line (1-based) of the first `text` inside function `name` of KERNELS."""
    lines = KERNELS.splitlines()
    start = next(k for k, s in enumerate(lines) if f" {name}(" in s)
    return next(k for k in range(start, len(lines)) if text in lines[k]) + 1


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shift_continue") / "shift_continue.c"
    path.write_text(KERNELS)
    return path


def _rgb(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, 0, 255, n), inside(rng, 0, 255, n), inside(rng, 0, 255, n),
            np.zeros(n), n]


def _ints(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -2 ** 31, 2 ** 31 - 1, n), np.zeros(n), n]


def _bytes(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, 0, 255, n), np.zeros(n), n]


def _small(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -200, 200, n), np.zeros(n), n]


def _sum(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -1000, 1000, n), n]


def _packed(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, 0, 255, 3 * n), np.zeros(n), n]


def _pairs(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -1000, 1000, 2 * n + 1), n]


def _grid(rng: np.random.Generator, n: int) -> list[Any]:
    rows, cols = n % 7, n // 7
    return [inside(rng, -1000, 1000, rows * cols), rows, cols]


LIFTED = [("luma_shift", _rgb), ("shr_signed", _ints), ("shl_byte", _bytes),
          ("relu_continue", _small), ("clip_continues", _small), ("sum_positive", _sum),
          ("reverse_positive", _small), ("decl_after", _sum), ("shifted_mix", _sum),
          ("packed_luma", _packed), ("pair_products", _pairs)]


@pytest.mark.parametrize(("name", "make"), LIFTED)
def test_each_form_lifts_proven_and_agrees_with_gcc(source: Path, tmp_path: Path, name: str,
                                                    make: Any) -> None:
    result = tensflo.compile(str(source), name, timeout=60)
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    generated = getattr(load_module(result.code, result.function), result.function)
    rng = np.random.default_rng(5)
    cases = [make(rng, int(n)) for n in rng.integers(0, 40, 60)]
    report = c_differential(str(source), name, generated, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]


def _compact(rng: np.random.Generator, n: int) -> list[Any]:
    return [inside(rng, -1000, 1000, n), np.zeros(n), n]


@pytest.mark.parametrize(("name", "make"), [("inner_continue", _grid),
                                            ("while_step_first", _sum),
                                            ("compact_continue", _compact),
                                            ("sum_until", _sum)])
def test_read_loops_agree_with_gcc(source: Path, tmp_path: Path, name: str, make: Any) -> None:
    """Forms the lifter does not prove yet (a `continue` of an inner loop; one in a `while`
    loop after its step; a write at a counter stepped after a `continue`; a `continue` beside a
    `break`): the loop IR the reader makes, run by the interpreter, agrees with gcc."""
    module = CFrontend().parse(str(source), source.read_text())
    fn = next(f for f in module.functions if f.name == name)

    def run(*args: Any) -> Any:
        result, after = Interpreter(module).run_in_place(fn, [a.tolist() if isinstance(a, np.ndarray)
                                                              else a for a in args])
        for given, final in zip(args, after, strict=True):
            if isinstance(given, np.ndarray):
                given[:] = final
        return result

    rng = np.random.default_rng(7)
    cases = [make(rng, int(n)) for n in rng.integers(0, 60, 40)]
    report = c_differential(str(source), name, run, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 40, report.failures[:2]


def test_a_continue_becomes_an_else_branch(source: Path) -> None:
    module = CFrontend().parse(str(source), source.read_text())
    fn = next(f for f in module.functions if f.name == "relu_continue")
    (loop,) = [s for s in fn.body if isinstance(s, L.For)]
    (branch,) = loop.body
    assert isinstance(branch, L.If) and len(branch.then) == 1 and len(branch.orelse) == 1
    assert not any(isinstance(s, L.Break) for s in L.walk_stmts(fn.body))


@pytest.mark.parametrize(("name", "text", "words"), [
    ("shr_by_variable", ">> s", "the operator >> by an amount that is not a constant"),
    ("shl_int", "<< 2", "the shift `x [ i ] << 2`: not proven to keep a non-negative value"),
    ("shr_too_far", ">> 32", "the operator >> by 32, outside 0 .. 31"),
    ("shl_wraps", "<< 1", "unsigned arithmetic `x [ i ] << 1`"),
    ("while_skips_step", "continue", "skipping an assignment of i, which the loop's test reads"),
    ("declared_twice", "continue", "skipping statements that use t, which a branch before it "
                                   "declares"),
])
def test_what_would_not_be_exact_is_refused_where_it_is(source: Path, name: str, text: str,
                                                         words: str) -> None:
    module = CFrontend().parse(str(source), source.read_text())
    (rejected,) = [r for r in module.rejected if r.name == name]
    assert words in rejected.message
    assert rejected.loc.line == _line(name, text) and rejected.loc.col > 1


def test_negative_shifts_really_floor_in_gcc(source: Path, tmp_path: Path) -> None:
    """gcc's `>>` of a negative int is the floor (not C's truncating `/`), as the reading says."""
    def truncating(x: Any, y: Any, n: int) -> None:
        y[:n] = np.fix(x[:n] / 8).astype(np.int64)

    x = np.array([-9, -1, 7])
    report = c_differential(str(source), "shr_signed", truncating, [[x, np.zeros(3), 3]],
                            cache_dir=str(tmp_path / "c"))
    assert report.failures
