"""Corpus kernels whose 32-bit proofs need loops from 1, 2-D sizes (`len(transpose(m))`),
branch-selected values, a hoisted parameter-only term or iteration 0's reads: the code compiled
with the proofs equals g++ on the source and the TensIR reference on random inputs that reach the
int32 limits where the source is defined (and beyond them where the source does not compute)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir.evaluate import evaluate
from tensflo.targets.llvm.int32_proofs import prove_source
from tensflo.targets.llvm.target import LlvmTarget
from tensflo.tests.support.llvm_int32 import I32_MAX, I32_MIN, lift

KERNELS = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "cpp"
Rng = np.random.Generator


def _full(rng: Rng, *shape: int) -> np.ndarray:
    x = rng.integers(I32_MIN, I32_MAX + 1, shape)
    x.flat[:2] = [I32_MIN, I32_MAX][: x.size]
    return x


def _array_max(rng: Rng, size: int) -> list:
    return [_full(rng, size)]


def _softmax_part1(rng: Rng, size: int) -> list:
    return [_full(rng, size), int(rng.integers(-1, size + 1))]


def _two_images(rng: Rng, size: int) -> list:
    return [_full(rng, size, 7), _full(rng, size, 7)]


def _threshold_image(rng: Rng, size: int) -> list:
    return [_full(rng, size, 5), int(rng.integers(I32_MIN, I32_MAX))]


def _scaled_mask(rng: Rng, size: int) -> list:
    scale = int(rng.choice([0, 1, -1, 255, 2**16, -(2**30)]))
    lim = I32_MAX // max(abs(scale), 1)
    mask = rng.integers(0, 2, size)
    x = np.where(mask != 0, rng.integers(-lim, lim + 1, size), _full(rng, size))  # unmasked: any
    return [x, mask, scale, int(rng.integers(0, size + 1))]


def _softmax_part4(rng: Rng, size: int) -> list:
    lim = I32_MAX // 256
    u = rng.integers(-lim, lim + 1, size)
    return [u, int(rng.integers(0, size + 1)), int(rng.choice([0, 1, -1, 7, I32_MAX, I32_MIN]))]


def _window_energy(rng: Rng, size: int) -> list:
    length = int(rng.integers(0, size + 1))
    top = int(np.sqrt(I32_MAX // max(length, 1)))
    return [rng.integers(-top, top + 1, size), int(rng.integers(0, size - length + 1)), length]


CASES: dict[str, tuple[Callable[[Rng, int], list], str]] = {
    "array_max": (_array_max, "reduce_max"),  # best = values[0]; for (i = 1; ...)
    "softmax_part1": (_softmax_part1, "reduce_max"),  # the same with an `if`
    "lighten_blend_8": (_two_images, "ite(e1 < e2, e2, e1)"),  # cols = base[i].size()
    "threshold_image": (_threshold_image, "ite(e > threshold, 255, 0)"),  # pushes 255 or 0
    "scaled_mask": (_scaled_mask, "ite(e1 != 0, e2 * scale, 0)"),
    "softmax_part4": (_softmax_part4, "ite(sum == 0, 1, sum)"),  # computed once, used inside
    "window_energy": (_window_energy, "e * e"),  # signal[start + i]: iteration 0's read
}


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_proven_kernel_agrees_with_gxx_near_the_limits(name: str) -> None:
    from tensflo.compiler.native import run_native

    path = KERNELS / f"{name}.cc"
    fn = lift(path, name)
    proofs = prove_source(str(path), fn)
    make, expected = CASES[name]
    assert any(str(t).startswith(expected) for t in proofs.terms), proofs.failures
    dtypes = {**{p.name: "int32" for p in fn.params if p.type.elem == "int"}, "return": "int32"}
    ex = LlvmTarget().compile([fn], dtypes, {fn.name: proofs})[fn.name]
    rng = np.random.default_rng(sum(map(ord, name)))
    cases = [make(rng, size) for size in (1, 2, 9, 130)]
    want = run_native(str(path), name, [str(p.type) for p in fn.params], str(fn.result),
                      [[a.tolist() if isinstance(a, np.ndarray) else a for a in c] for c in cases])
    for case, w in zip(cases, want, strict=True):
        got = ex(*[a.astype(np.int32) if isinstance(a, np.ndarray) else a for a in case])
        got = got.tolist() if isinstance(got, np.ndarray) else int(got)
        assert got == (w if isinstance(w, int) else np.asarray(w).tolist()), case
        ref = evaluate(fn.body, {p.name: v for p, v in zip(fn.params, case, strict=True)})
        assert got == np.asarray(ref).tolist()
