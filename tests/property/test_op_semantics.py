"""Every op's NumPy semantics agree with its SMT semantics, in z3 and in cvc5.

For each op and each signature its type rule accepts, 50 random applications (values in [-50, 50],
lengths 0..6, inside the op's domain) are evaluated with NumPy; for each, an SMT query per solver
asserts that the encoded result differs from NumPy's, and must be `unsat`.
"""

from __future__ import annotations

import zlib
from fractions import Fraction

import numpy as np
import pytest

from tensflo.ir.tensir import OPS, free_vars
from tensflo.ir.tensir.sampling import Sample, sample_application
from tensflo.ir.tensir.signatures import signatures
from tensflo.ir.tensir.smt import Encoder, SVal, int_lit, real_lit
from tensflo.plugins.solvers import Cvc5Verifier, Z3Verifier

SAMPLES = 50
VERIFIERS = [Z3Verifier(), Cvc5Verifier()]
CASES = [(op.name, sig) for op in OPS for sig in signatures(op)]


def _agrees(enc: Encoder, got: SVal, expected: np.ndarray | object, elem: str) -> str:
    """A formula: the encoded value equals NumPy's (floats within a relative 1e-9)."""
    arr = np.asarray(expected)
    conds = [f"(= {d} {n})" for d, n in zip(got.dims, arr.shape, strict=True)]
    for pos in np.ndindex(arr.shape):
        actual = got.expr if got.rank == 0 else got.at(tuple(str(p) for p in pos))  # type: ignore[misc]
        value = arr[pos].item()
        if elem == "bool":
            conds.append(f"(= {actual} {'true' if value else 'false'})")
        elif elem == "int":
            conds.append(f"(= {actual} {int_lit(value)})")
        else:
            tol = real_lit(Fraction(1, 10**9) * max(1, abs(Fraction(value))))
            diff = f"(- {actual} {real_lit(value)})"
            conds.append(f"(<= (- {tol}) {diff} {tol})")
    return "(and " + " ".join(conds) + ")" if conds else "true"


def _script(dialect: str, samples: list[Sample], perturb: bool = False) -> str:
    """Inputs are declared like a proof's variables and pinned to the sample's values."""
    enc = Encoder(dialect)
    checks = []
    pins = []
    for s in samples:
        for v in free_vars(s.term):
            pins += enc.pin(v, s.env[v.name])
        got = enc.encode(s.term)
        expected = s.expected
        if perturb:
            expected = np.asarray(expected).copy()
            if expected.size:
                flat = expected.reshape(-1)
                flat[0] = (not flat[0]) if flat.dtype == np.bool_ else flat[0] + 1
            perturb = False
        checks.append(_agrees(enc, got, expected, s.term.type.elem))
    return enc.script([*pins, f"(not (and {' '.join(checks)}))"])


def _samples(name: str, sig) -> list[Sample]:
    rng = np.random.default_rng(zlib.crc32(f"{name}{sig}".encode()))
    return [sample_application(OPS[name], sig, rng) for _ in range(SAMPLES)]


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize(("name", "sig"), CASES, ids=[f"{n}-{'-'.join(map(str, s))}" for n, s in CASES])
def test_numpy_equals_smt(name: str, sig, verifier) -> None:
    samples = _samples(name, sig)
    assert len(samples) >= 50
    for s in samples:
        result = verifier.check(_script(verifier.dialect, [s]), timeout=20)
        assert result.status == "unsat", f"{s.term} on {s.env} = {s.expected}: {result}"


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize("name", ["vec_elemwise_div", "mod", "matmul", "reduce_max", "vec_map"])
def test_a_wrong_expectation_is_not_proven(name: str, verifier) -> None:
    sig = signatures(OPS[name])[0]
    samples = [s for s in _samples(name, sig) if np.size(s.expected)][:5]
    for s in samples:
        result = verifier.check(_script(verifier.dialect, [s], perturb=True), timeout=20)
        assert result.status != "unsat", f"{s.term} on {s.env}"


def test_samples_cover_zero_and_negative_values() -> None:
    values = np.concatenate([
        np.asarray(v, dtype=float).reshape(-1)
        for s in _samples("vec_elemwise_div", signatures(OPS["vec_elemwise_div"])[0])
        for v in s.env.values()
    ])
    assert (values == 0).any() and (values < 0).any() and (np.abs(values) <= 50).all()
