"""The torch, jax and mlx targets compute each op's reference semantics, with C division.

For every op, signature and available framework target: a function applying the op to its
parameters is rendered, compiled and run through the target's executable (prepare / run / fetch)
on random inputs (negative and zero divisors included); results must equal `evaluate` in value
and in dtype (int64, float64, bool: checked before `fetch` converts anything).
"""

from __future__ import annotations

import io
import os
import sys
import zlib

import numpy as np
import pytest

from tensflo.compiler.cli import main
from tensflo.ir.tensir import OPS, Function, parse_module
from tensflo.ir.tensir.sampling import sample_application
from tensflo.ir.tensir.signatures import signatures
from tensflo.targets.jax import JaxTarget
from tensflo.targets.mlx import MlxTarget
from tensflo.targets.pymodule import PythonTarget
from tensflo.targets.torch import TorchTarget
from tensflo.tests.support.values import params_of, same_value

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # before jax loads: no probing for accelerators (2x)
TARGETS: dict[str, PythonTarget] = {"torch": TorchTarget(), "jax": JaxTarget(), "mlx": MlxTarget()}
SAMPLES = {"torch": 10, "mlx": 10, "jax": 3}
"""Random inputs per op and signature; jax compiles each sample with XLA (~50 ms), so fewer."""
UNSUPPORTED: dict[tuple[str, str], str] = {
    ("jax", "ipow"): "a negative exponent cannot raise under jax.jit"}
"""(target, op) pairs that a framework cannot express, with the reason."""
CASES = [(t, op.name, sig) for t in TARGETS for op in OPS for sig in signatures(op)]


def _target(name: str) -> PythonTarget:
    pytest.importorskip(TARGETS[name].framework)
    return TARGETS[name]


def _run(target: PythonTarget, fn: Function, args: list) -> tuple[object, object]:
    """The raw NumPy form of the result (dtype untouched) and what `fetch` returns."""
    ex = target.executable(fn)
    out = ex.run(ex.prepare(args))
    return np.asarray(target.to_numpy(out)), ex.fetch(out)


@pytest.mark.parametrize(("target", "name", "sig"), CASES,
                         ids=[f"{t}-{n}-{'-'.join(map(str, s))}" for t, n, s in CASES])
def test_generated_code_matches_reference(target: str, name: str, sig) -> None:
    tgt = _target(target)
    if (target, name) in UNSUPPORTED:
        pytest.skip(UNSUPPORTED[(target, name)])
    rng = np.random.default_rng(zlib.crc32(f"{target}{name}{sig}".encode()))
    for _ in range(SAMPLES[target]):
        s = sample_application(OPS[name], sig, rng)
        params = params_of(s.term)
        raw, fetched = _run(tgt, Function("kernel", params, s.term), [s.env[p.name] for p in params])
        assert same_value(raw, s.expected), f"{s.term} on {s.env}: {raw!r} != {s.expected!r}"
        assert same_value(fetched, s.expected) and type(fetched) is type(s.expected)


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_op_has_an_entry_for_every_framework_target(target: str) -> None:
    missing = [op.name for op in OPS if TARGETS[target].rendering(op) is None]
    assert missing == [name for t, name in UNSUPPORTED if t == target]


DIVISION = parse_module("""
def cdiv(a: vec[int], b: vec[int]) -> vec[int] = vec_elemwise_div(a, b)
def cmod(a: vec[int], b: vec[int]) -> vec[int] = selection_two_args(a, b, lambda x, y: x % y)
def fdiv(a: vec[int], b: vec[int]) -> vec[int] = selection_two_args(a, b, lambda x, y: floordiv(x, y))
def fmod(a: vec[int], b: vec[int]) -> vec[int] = selection_two_args(a, b, lambda x, y: floormod(x, y))
def fldiv(a: vec[float], b: vec[float]) -> vec[float] = vec_elemwise_div(a, b)
def sdiv(a: int, b: int) -> int = a / b
""")
A = np.array([7, -7, 7, -7, 0, 5, -5])
B = np.array([2, 2, -2, -2, 3, 0, 0])
C_ANSWERS = {  # C: -7/2 == -3, -7%2 == -1; x/0 == 0, x%0 == x. Python: -7//2 == -4, -7%2 == 1
    "cdiv": [3, -3, -3, 3, 0, 0, 0], "cmod": [1, -1, 1, -1, 0, 5, -5],
    "fdiv": [3, -4, -4, 3, 0, 0, 0], "fmod": [1, 1, -1, -1, 0, 5, -5],
}


def _native_floor_division(target: str) -> tuple[list[int], list[int]]:
    """The framework's own `//` and `%` on -7 and 2 (what the generated code must not use)."""
    if target == "torch":
        import torch

        a, b = torch.tensor([-7]), torch.tensor([2])
    elif target == "jax":
        import jax.numpy as jnp

        a, b = jnp.array([-7]), jnp.array([2])
    else:
        import mlx.core as mx

        a, b = mx.array([-7]), mx.array([2])
    return np.asarray(a // b).tolist(), np.asarray(a % b).tolist()


@pytest.mark.parametrize("target", list(TARGETS))
def test_division_keeps_c_semantics_where_the_framework_floors(target: str) -> None:
    tgt = _target(target)
    assert _native_floor_division(target) == ([-4], [1])  # the framework floors, C truncates
    module = tgt.compile(DIVISION)
    for name, want in C_ANSWERS.items():
        raw, fetched = _run(tgt, next(f for f in DIVISION if f.name == name), [A, B])
        assert raw.dtype == np.int64 and fetched.tolist() == want, name
        assert np.asarray(tgt.to_numpy(module[name](A, B))).tolist() == want, name  # NumPy in
    raw, _ = _run(tgt, DIVISION[4], [np.array([7.0, -7.5, 1.0]), np.array([2.0, 2.0, 0.0])])
    assert raw.dtype == np.float64 and raw.tolist() == [3.5, -3.75, 0.0]  # x / 0.0 == 0
    for a, b, want in [(-7, 2, -3), (7, -2, -3), (-7, 0, 0)]:
        _, got = _run(tgt, DIVISION[5], [a, b])
        assert got == want and isinstance(got, np.int64)


BIG = parse_module("""
def big(a: vec[int], k: int) -> vec[int] = vec_scalar_add(vec_scalar_mul(a, k), 5000000000)
def total(a: vec[int]) -> int = reduce_sum(a) + 3000000000 / 7
def const(a: vec[int]) -> vec[int] = vec_map(a, lambda v: 4000000000)
""")


@pytest.mark.parametrize("target", list(TARGETS))
def test_int64_values_beyond_32_bits_survive(target: str) -> None:
    tgt = _target(target)
    a = np.array([3, -2**33, 2**40])
    got = [_run(tgt, fn, args)[0] for fn, args in zip(BIG, [[a, 2**20], [a], [a]], strict=True)]
    assert [g.dtype for g in got] == [np.int64] * 3
    assert got[0].tolist() == (a * 2**20 + 5000000000).tolist()
    assert got[1] == a.sum() + 3000000000 // 7
    assert got[2].tolist() == [4000000000] * 3


def test_jax_jits_static_shapes_and_runs_data_dependent_shapes_eagerly() -> None:
    tgt = _target("jax")
    fns = parse_module("""
def head(a: vec[int], n: int) -> vec[int] = vec_scalar_mul(a[:n + 1], n)
def dyn(a: vec[int], b: vec[int]) -> vec[int] = a[:reduce_sum(b)]
def plain(a: vec[float]) -> float = reduce_sum(a)
""")
    out = io.StringIO()
    tgt.emit(fns, out)
    text = out.getvalue()
    assert '@functools.partial(jax.jit, static_argnames=("n",))\ndef head(' in text
    assert "\n\ndef dyn(" in text and "- dyn: eager" in text
    assert "@jax.jit\ndef plain(" in text
    assert 'jax.config.update("jax_enable_x64", True)' in text
    module = tgt.compile(fns)
    assert hasattr(module["head"], "lower") and not hasattr(module["dyn"], "lower")
    a = np.array([5, -6, 7, 8])
    assert _run(tgt, fns[0], [a, 2])[1].tolist() == [10, -12, 14]
    assert _run(tgt, fns[1], [a, np.array([1, 1])])[1].tolist() == [5, -6]
    assert _run(tgt, fns[2], [np.array([0.5, 0.25])])[1] == 0.75


def test_int_matmul_on_mlx_is_exact() -> None:
    tgt = _target("mlx")
    (mm,) = parse_module("def mm(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)")
    a = np.array([[2**40, 1], [-3, 2**35]])
    assert _run(tgt, mm, [a, a])[0].tolist() == (a @ a).tolist()


@pytest.mark.parametrize("target", list(TARGETS))
def test_executable_honours_buffer_dtypes(target: str) -> None:
    tgt = _target(target)
    (f,) = parse_module("def f(a: vec[int], b: vec[int]) -> vec[int] = vec_elemwise_div(a, b)")
    ex = tgt.executable(f, {"a": "int32", "b": "int32", "return": "int32"})
    got = ex.fetch(ex.run(ex.prepare([np.array([-7, 9], dtype=np.int32), np.array([2, 0])])))
    assert got.dtype == np.int32 and got.tolist() == [-3, 0]


def test_missing_framework_is_listed_as_unavailable(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    ok, why = TorchTarget().available()
    assert not ok and "torch is not importable" in why
    assert main(["targets"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("torch ")]
    assert "no: torch is not importable" in row
    source = tmp_path / "f.tensir"
    source.write_text("def f(a: vec[int]) -> int = reduce_sum(a)\n")
    assert main(["render", str(source), "--target", "torch"]) == 2
    err = capsys.readouterr().err
    assert "target 'torch' is not available here: torch is not importable" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("target", TARGETS)
def test_reductions_over_empty_axes_give_their_identities(target: str) -> None:
    """Sums and products over an empty axis of computed (sliced, transposed) arrays: zeros and
    ones. mlx 0.32 stalled for seconds, or hung, evaluating such reductions before they were
    guarded (sum_axis, prod_axis, matmul_or_zeros in array_runtime)."""
    t = _target(target)
    (f,) = parse_module("def f(a: mat[int], x: vec[int], m: int, n: int) -> vec[int] = "
                        "matrix_vec_mul(transpose(col_slice(a[:m], 0, n)), x[:m])")
    (g,) = parse_module("def g(a: mat[float], b: mat[float], k: int) -> mat[float] = "
                        "matmul(col_slice(a, 0, k), b[:k])")
    (h,) = parse_module("def h(a: mat[int], m: int) -> int = "
                        "reduce_mul(matrix_row_sum(transpose(a[:m])))")
    a = np.arange(36).reshape(6, 6) - 10
    for m in (0, -3, 0, -1) * 5:
        assert _run(t, f, [a, np.arange(6), m, 4])[1].tolist() == [0, 0, 0, 0]
        assert _run(t, h, [a, m])[1] == 0  # six empty rows: each sums to 0
    assert _run(t, h, [a[:, :0], 6])[1] == 1  # no rows at all: the empty product
    assert _run(t, g, [a.astype(float), a.astype(float), 0])[1].tolist() == [[0.0] * 6] * 6
