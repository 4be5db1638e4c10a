"""The NumPy target's generated code computes each op's reference semantics.

For every op and signature: a function applying the op to its parameters is rendered, loaded, and
run on 50 random inputs (negative and zero divisors included); results must equal `evaluate`.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest

from tensflo.ir.tensir import OPS, Function, Lambda, parse_module
from tensflo.ir.tensir.sampling import sample_application
from tensflo.ir.tensir.signatures import signatures
from tensflo.targets.numpy import NumpyTarget
from tensflo.tests.support.values import params_of, same_value

CASES = [(op.name, sig) for op in OPS for sig in signatures(op)]
TARGET = NumpyTarget()


@pytest.mark.parametrize(("name", "sig"), CASES, ids=[f"{n}-{'-'.join(map(str, s))}" for n, s in CASES])
def test_generated_code_matches_reference(name: str, sig) -> None:
    rng = np.random.default_rng(zlib.crc32(f"numpy{name}{sig}".encode()))
    for _ in range(50):
        s = sample_application(OPS[name], sig, rng)
        params = params_of(s.term)
        fn = TARGET.compile([Function("kernel", params, s.term)])["kernel"]
        got = fn(*(s.env[p.name] for p in params))
        assert same_value(got, s.expected), f"{s.term} on {s.env}: {got!r} != {s.expected!r}"


def test_every_op_has_a_numpy_rendering() -> None:
    assert [op.name for op in OPS if TARGET.rendering(op) is None] == []


def test_c_division_and_remainder_truncate_toward_zero() -> None:
    (f,) = parse_module("def f(a: vec[int], b: vec[int]) -> vec[int] = "
                        "vec_elemwise_add(vec_scalar_mul(vec_elemwise_div(a, b), 1000), "
                        "selection_two_args(a, b, lambda x, y: x % y))")
    code = TARGET.compile([f])["f"]
    a = np.array([7, -7, 7, -7, 0, 5, -5])
    b = np.array([2, 2, -2, -2, 3, 0, 0])
    expected = [3001, -3001, -2999, 2999, 0, 5, -5]  # C: 7/2=3, -7/2=-3, 7%-2=1, -7%2=-1; x/0=0, x%0=x
    assert code(a, b).tolist() == expected
    assert (np.array([-7]) // 2)[0] == -4  # NumPy floors, which the target must not do


def test_emitted_module_is_self_contained() -> None:
    fns = parse_module("def g(a: vec[int], n: int) -> vec[int] = vec_map(a[:n], lambda v: v % 3)")
    out = io.StringIO()
    TARGET.emit(fns, out)
    text = out.getvalue()
    assert "tensflo" not in text.split('"""', 2)[2]  # no runtime import of the compiler
    assert "def c_mod(" in text and "def c_div(" in text  # c_mod's own helper comes along
    namespace: dict = {}
    exec(compile(text, "g.py", "exec"), namespace)
    assert namespace["g"]([-4, 5, 7], -1).tolist() == []
    assert namespace["g"]([-4, 5, 7], 2).tolist() == [-1, 2]


def test_lambda_constant_bodies_broadcast() -> None:
    (f,) = parse_module("def f(a: vec[float]) -> vec[float] = vec_map(a, lambda v: 2.5)")
    assert isinstance(f.body.args[1], Lambda)
    assert TARGET.compile([f])["f"]([1.0, 2.0, 3.0]).tolist() == [2.5, 2.5, 2.5]
