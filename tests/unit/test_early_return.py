"""Early returns outside loops (`ir/loop/early_return.py`): the rewritten functions do what the C
does (the loop-IR interpreter against gcc -O2 on random inputs, early-return cases included), a
value early return lifts with a proof and agrees with gcc, and a `return;` inside a loop of a
`void` function is refused naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tensflo
from tensflo.compiler.differential import c_differential, check_compiled, load_module
from tensflo.compiler.native_c import run_c, values_close
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.early_return import VOID, lower_early_returns, split_void_exit
from tensflo.ir.loop.interp import Undefined
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
KERNELS = Path(tensflo.__file__).parent / "benchmarks" / "kernels" / "c"

NESTED = r"""
void sscal_inc(int n, float a, float *x, int incx) {
    int i;
    if (n <= 0) return;
    if (incx != 1) {
        for (i = 0; i < n; i++) x[i * incx] = a * x[i * incx];
        return;
    }
    for (i = 0; i < n; i++) x[i] = a * x[i];
}

void clip_tail(int n, int k, float *x) {
    int i;
    if (n > 0) {
        if (k <= 0)
            return;
        x[0] = 0.0f;
    }
    for (i = 0; i < n; i++)
        x[i] = x[i] * 2.0f;
}

int first_or_sum(int n, const int *x) {
    int i, s = 0;
    if (n == 0) return -1;
    if (x[0] < 0) { s = x[0]; return s; }
    for (i = 0; i < n; i++) s += x[i];
    return s;
}
"""


def _read(path: Path) -> L.Module:
    return parse_cpp(str(path), path.read_text(), language="c")


def _ints(rng: np.random.Generator, size: int) -> list[int]:
    return [int(v) for v in rng.integers(-50, 50, size)]


def _floats(rng: np.random.Generator, size: int) -> list[float]:
    return [float(np.float32(v)) for v in rng.uniform(-8, 8, size)]


def _case(fn: L.Function, rng: np.random.Generator) -> list[object]:
    """Arguments for `fn`: small ints (zero and negatives, so early returns are taken), arrays
    of 64 elements."""
    args: list[object] = []
    for p in fn.params:
        if p.type.rank == 1:
            args.append(_floats(rng, 64) if p.type.elem == "float" else _ints(rng, 64))
        elif p.type.elem == "float":
            args.append(float(rng.choice([0.0, float(np.float32(rng.uniform(-3, 3)))])))
        else:
            args.append(int(rng.integers(-2, 4)))
    return args


def _against_gcc(path: Path, name: str, cases: int = 80) -> int:
    """Run the read (rewritten) function in the interpreter and the C with gcc on the same
    inputs where the interpreter says the C is defined (indices in range); returns the number
    compared. Mismatches fail the test."""
    module = _read(path)
    fn = module.function(name)
    assert fn is not None, module.rejected
    rng = np.random.default_rng(7)
    interp = Interpreter(module)
    inputs, got = [], []
    for _ in range(cases):
        args = _case(fn, rng)
        try:
            got.append(interp.run_in_place(fn, args))
        except (Undefined, ArithmeticError):
            continue  # undefined in C too (an index out of range), or outside loop IR's domain
        inputs.append(args)
    _, outcomes = run_c(path, name, inputs)
    floating = any(p.type.elem == "float" for p in fn.params) or \
        (fn.result is not None and fn.result.elem == "float")
    for args, want, (result, after) in zip(inputs, outcomes, got, strict=True):
        assert values_close(want.result, result, 8.0, 16, floating), (name, args, want, result)
        for p, value in zip(fn.params, after, strict=True):
            if p.name in want.arrays:
                assert values_close(want.arrays[p.name], value, 8.0, 16, floating), \
                    (name, p.name, args, want.arrays[p.name], value)
    return len(inputs)


@needs_gcc
@pytest.mark.parametrize("kernel", ["center_inplace", "moving_average3", "saxpy",
                                    "channel_mean"])
def test_void_early_returns_are_read_and_run_as_the_c_does(kernel: str) -> None:
    path = KERNELS / f"{kernel}.c"
    fn = _read(path).function(kernel)
    assert fn is not None
    assert not any(isinstance(s, L.Return) for s in L.walk_stmts(fn.body))
    assert _against_gcc(path, kernel) >= 40


@needs_gcc
@pytest.mark.parametrize("name", ["sscal_inc", "clip_tail", "first_or_sum"])
def test_nested_early_returns_run_as_the_c_does(tmp_path: Path, name: str) -> None:
    path = tmp_path / "k.c"
    path.write_text(NESTED)
    assert _against_gcc(path, name) >= 40


def test_a_value_return_moves_what_follows_into_the_other_branch() -> None:
    ret = L.Return(L.Const(0))
    loop = L.For("i", L.Const(0), L.Name("n"), (L.Assign(L.Name("s"), L.Name("i")),))
    fn = L.Function("f", (L.Param("n", tensflo.ir.tensir.types.INT),), tensflo.ir.tensir.types.INT,
                    (L.If(L.Name("c"), (ret,)), loop, L.Return(L.Name("s"))), "cpp")
    body = lower_early_returns(fn).body
    assert body == (L.If(L.Name("c"), (ret,), (loop, L.Return(L.Name("s")))),)


def test_a_void_return_inside_a_loop_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "k.c"
    path.write_text("void f(float *x, int n) {\n  for (int i = 0; i < n; i++) {\n"
                    "    if (x[i] < 0) return;\n    x[i + 1] = 1;\n  }\n}\n")
    m = _read(path)
    assert not m.functions
    assert "an early `return;` inside a loop of a void function" in m.rejected[0].message
    assert (m.rejected[0].loc.line, m.rejected[0].loc.col) == (3, 19)


def test_the_void_marker_is_not_a_variable_name() -> None:
    assert not VOID.id.isidentifier()


@needs_gcc
def test_a_value_early_return_before_a_loop_lifts_and_agrees_with_gcc(tmp_path: Path) -> None:
    path = tmp_path / "k.c"
    path.write_text("int sum_or_zero(int n, const int *x) {\n    int i, s = 0;\n"
                    "    if (n <= 0) return 0;\n    for (i = 0; i < n; i++) s += x[i];\n"
                    "    return s;\n}\n")
    result = tensflo.compile(str(path), "sum_or_zero", synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    with load_registry() as registry:
        report = check_compiled(str(path), result, registry, count=100,
                                cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 100, report.failures[:2]


SCALE = r"""
void scal2(int n, float a, float *x) {
    int i;
    if (n <= 0 || a == 0.0f)
        return;
    for (i = 0; i < n; i++)
        x[i] = a * x[i];
}

void scal3(int n, float a, float *x) {
    int i;
    if (n <= 0)
        return;
    if (a == 1.0f)
        return;
    for (i = 0; i < n; i++)
        x[i] = a * x[i];
}
"""


@needs_gcc
@pytest.mark.parametrize("name", ["center_inplace", "scal2", "scal3"])
def test_a_void_early_return_lifts_and_the_entry_agrees_with_gcc(tmp_path: Path,
                                                                name: str) -> None:
    """The case where the source returns early is the entry's first test; the other case is
    lifted with a proof. Inputs with n <= 0 and a == 0 are among those compared."""
    path = KERNELS / f"{name}.c" if name == "center_inplace" else tmp_path / "k.c"
    if name != "center_inplace":
        path.write_text(SCALE)
    result = tensflo.compile(str(path), name, synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    assert all(o.get("unless", "").startswith("(") for o in result.outputs), result.outputs
    assert result.code is not None
    entry = getattr(load_module(result.code, name), name)
    rng = np.random.default_rng(3)
    cases: list[list[object]] = []
    for k in range(90):
        n = int(rng.integers(-3, 10))
        x = _floats(rng, max(n, 0) + int(rng.integers(0, 3)))
        cases.append([x, n] if name == "center_inplace" else
                     [n, [0.0, 1.0][k % 2] if k % 5 == 0 else float(np.float32(rng.uniform(-3, 3))),
                      x])
    report = c_differential(str(path), name, entry, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 90, report.failures[:2]
    print(f"{name}: largest error {report.largest_error:.3g} over {report.cases} cases")
    with pytest.raises(ValueError, match="requires"):
        entry(*([np.zeros(2), 5] if name == "center_inplace" else [5, 2.0, np.zeros(2)]))


def test_only_arrays_left_unchanged_split_the_cases() -> None:
    x = L.Name("x")
    write = L.Assign(L.Index(x, L.Const(0)), L.Const(1.0))
    params = (L.Param("n", tensflo.ir.tensir.types.INT),
              L.Param("x", tensflo.ir.tensir.types.TensorType("float", 1), pointer=True))
    cond = L.Binary("<=", L.Name("n"), L.Const(0))
    ok = L.Function("f", params, None, (L.If(cond, (), (write,)),), "cpp")
    assert split_void_exit(ok) is not None
    writes_first = L.Function("f", params, None, (L.If(cond, (write,), ()),), "cpp")
    assert split_void_exit(writes_first) is None  # the early case changes x
    reads_array = L.Function("f", params, None, (L.If(L.Binary("<=", L.Index(x, L.Const(0)),
                                                               L.Const(0.0)), (), (write,)),), "cpp")
    assert split_void_exit(reads_array) is None  # the condition reads an element


CLAMP = r"""
int clamp_count(int n, int hi, int *a) {
    int i, c = 0;
    if (n <= 0)
        return -1;
    for (i = 0; i < n; i++)
        if (a[i] > hi) {
            a[i] = hi;
            c++;
        }
    return c;
}
"""


@needs_gcc
def test_a_value_early_return_of_a_function_writing_an_array_lifts(tmp_path: Path) -> None:
    """`if (n <= 0) return -1;` before a loop that writes `a`: the entry returns -1 leaving `a`
    as it was where n <= 0, the rest is lifted (both outputs) and agrees with gcc."""
    path = tmp_path / "k.c"
    path.write_text(CLAMP)
    result = tensflo.compile(str(path), "clamp_count", synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    assert [o["name"] for o in result.outputs] == ["return", "a"]
    assert all(o["unless"] == "(n <= 0)" for o in result.outputs)
    assert result.code is not None
    entry = load_module(result.code, "clamp_count").clamp_count
    rng = np.random.default_rng(5)
    cases: list[list[object]] = []
    for _ in range(90):
        n = int(rng.integers(-3, 10))
        cases.append([n, int(rng.integers(-5, 5)), _ints(rng, max(n, 0) + int(rng.integers(0, 3)))])
    report = c_differential(str(path), "clamp_count", entry, cases, cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 90, report.failures[:2]
    assert entry(-2, 0, np.array([5, 6])) == -1


LOOP_RETURNS = r"""
#include <math.h>
void sqrt_until_negative(float *x, int n) {
    for (int i = 0; i < n; i++) {
        if (x[i] < 0.0f) return;
        x[i] = sqrtf(x[i]);
    }
}

void bump_until_zero(int n, int *v, int *last) {
    int i;
    for (i = 0; i < n; i++) {
        if (v[i] == 0) return;
        v[i] = 2 * v[i] + 1;
    }
    last[0] = n;
}

void bump_down_until_zero(int n, int *v) {
    int i;
    for (i = n - 1; i >= 0; i--) {
        if (v[i] == 0 || v[i] > 40) return;
        v[i] -= 3;
    }
    v[0] += 100;
}

void first_k(int n, int k, const int *a, int s) {
    int i, t = 0;
    for (i = 0; i < n; i++) {
        if (i >= k) return;
        t += a[i] * s;
    }
}
"""

REFUSED = r"""
void other_array(int n, const int *a, int *b) {
    for (int i = 0; i < n; i++) {
        if (a[i] == 0) return;
        b[i] = 100 / a[i];
    }
}

void shifted_write(int n, int *x) {
    for (int i = 0; i + 1 < n; i++) {
        if (x[i] < 0) return;
        x[i + 1] = x[i] - 1;
    }
}

void running_limit(int n, const int *x, int *out) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (s > 50) return;
        s += x[i];
        out[i] = s;
    }
}
"""


@needs_gcc
@pytest.mark.parametrize("name", ["sqrt_until_negative", "bump_until_zero",
                                  "bump_down_until_zero", "first_k"])
def test_a_void_return_at_the_start_of_a_loop_becomes_a_search_and_runs_as_the_c(
        tmp_path: Path, name: str) -> None:
    """`for (...) { if (c) return; B }` is read as a search, `B` up to the iteration found and a
    `return;` after the loop: no return is left inside a loop, and the read function gives what
    gcc gives on random inputs (found early, late and never; code after the loop, which runs
    only when nothing is found; a loop counting down; a condition on the counter alone)."""
    path = tmp_path / "k.c"
    path.write_text(LOOP_RETURNS)
    fn = _read(path).function(name)
    assert fn is not None
    assert not any(isinstance(r, L.Return) for s in L.walk_stmts(fn.body)
                   if isinstance(s, L.For | L.While) for r in L.walk_stmts(s.body))
    assert _against_gcc(path, name, cases=120) >= 60


def test_a_loop_return_whose_condition_a_later_iteration_can_change_stays_refused(
        tmp_path: Path) -> None:
    """A condition reading another array than the one written (they may overlap in C), a write
    beyond the counter, a variable the body changes: evaluating every condition first would read
    other values, so the `return;` is refused as before."""
    path = tmp_path / "k.c"
    path.write_text(REFUSED)
    m = _read(path)
    assert not m.functions
    assert {r.name for r in m.rejected} == {"other_array", "shifted_write", "running_limit"}
    assert all("an early `return;` inside a loop of a void function" in r.message for r in m.rejected)


@needs_gcc
def test_a_void_return_in_a_loop_lifts_with_a_proof_and_agrees_with_gcc(tmp_path: Path) -> None:
    """The rewritten function lifts (the search, then a map over the iterations before it) with
    an unbounded proof, and its generated code agrees with gcc on inputs where a negative entry
    comes early, late, past `n` or not at all."""
    path = tmp_path / "k.c"
    path.write_text(LOOP_RETURNS)
    result = tensflo.compile(str(path), "sqrt_until_negative", synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    entry = load_module(result.code, "sqrt_until_negative").sqrt_until_negative
    rng = np.random.default_rng(5)
    cases: list[list[object]] = []
    for k in range(60):
        n = int(rng.integers(0, 20))
        x = [abs(v) for v in _floats(rng, n + 2)]
        if k % 3:
            x[int(rng.integers(0, n + 2))] = -1.5  # found at a random place (or past n)
        cases.append([x, n])
    report = c_differential(str(path), "sqrt_until_negative", entry, cases,
                            cache_dir=str(tmp_path / "c"))
    assert report.ok and report.cases == 60, report.failures[:2]
