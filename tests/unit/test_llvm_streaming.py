"""Outputs written with non-temporal stores through an L1 stage (`targets/llvm/streaming.py`):
forced on small arrays (`Kernel.stream_bytes = 0`), every length around the 64-byte line and the
4 KB chunk, outputs starting off a line boundary, matrices with odd row lengths, one and two
threads and the hoisted-reduction variant give exactly the plain nest's result and the TensIR
reference; the default threshold is a share of the last-level cache, and the module carries the
`!nontemporal` stores and the `sfence`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import jit, runtime, streaming
from tensflo.targets.llvm.functions import build_module
from tensflo.targets.llvm.target import LlvmTarget

pytestmark = pytest.mark.skipif(not streaming.supported(), reason="x86-64 only")

FNS = {f.name: f for f in parse_module("""
def axpy(x: vec[int], y: vec[int], a: int) -> vec[int] = vec_elemwise_add(vec_scalar_mul(x, a), y)
def fscale(x: vec[float], s: float) -> vec[float] = vec_scalar_mul(x, s)
def dc(x: vec[int]) -> vec[int] = vec_scalar_sub(x, reduce_max(x))
def grid(x: vec[int], y: vec[int]) -> mat[int] = outer(x, y)
""")}
LENGTHS = [0, 1, 7, 15, 16, 17, 255, 1023, 1024, 1025, 2047, 3001, 4096, 9000]
"""Around a 64-byte line (16 int32, 8 int64) and a 4 KB chunk (1024 int32, 512 int64)."""


@pytest.fixture(autouse=True)
def _always_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)


def _reference(name: str, args: list[Any], dtype: str) -> np.ndarray:
    fn = FNS[name]
    value = evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args, strict=True)})
    return np.asarray(value, dtype=np.int64 if dtype.startswith("int") else np.float64) \
        .astype(dtype)


def _ways(kernel: runtime.Kernel, args: list[Any], out_offset: int = 0) -> dict[str, np.ndarray]:
    """The result streamed and plain, on one and two threads; with `out_offset`, written into
    an output that starts that many elements past a 64-byte boundary."""
    prepared = kernel.prepare(args)
    results = {}
    for threads in (1, 2):
        kernel.threads = threads
        for name, limit in (("streamed", 0), ("plain", 2**62)):
            kernel.stream_bytes = limit
            out = None
            if out_offset:
                shape = np.shape(kernel.run(prepared))
                block = np.empty(int(np.prod(shape)) + 64, kernel.out_dtype)
                skip = (-block.ctypes.data % 64) // block.itemsize + out_offset
                out = block[skip:skip + int(np.prod(shape))].reshape(shape)
            results[f"{name}/{threads}"] = np.array(kernel.run(prepared, out))
    kernel.threads = None
    return results


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_streamed_vectors_equal_the_plain_nest_and_the_reference(dtype: str) -> None:
    rng = np.random.default_rng(3)
    kernel = LlvmTarget().compile([FNS["axpy"]], {"x": dtype, "y": dtype, "return": dtype})["axpy"]
    assert kernel.stream_bytes == streaming.default_stream_bytes()
    for n in LENGTHS:
        x, y = rng.integers(-1000, 1000, n).astype(dtype), rng.integers(-1000, 1000, n).astype(dtype)
        args = [x, y, -7]
        want = _reference("axpy", args, dtype)
        for offset in (0, 1, 5):
            for way, got in _ways(kernel, args, offset).items():
                assert got.dtype == want.dtype and got.tolist() == want.tolist(), (n, offset, way)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_streamed_floats_are_bit_for_bit_the_plain_nest(dtype: str) -> None:
    rng = np.random.default_rng(4)
    kernel = LlvmTarget().compile([FNS["fscale"]], {"x": dtype, "return": dtype})["fscale"]
    for n in LENGTHS:
        x = rng.standard_normal(n).astype(dtype)
        ways = _ways(kernel, [x, 1.5], 3)
        want = (x.astype(np.float64) * 1.5).astype(dtype)
        for way, got in ways.items():
            assert got.tobytes() == want.tobytes(), (n, way)


def test_the_hoisted_variant_streams_too() -> None:
    rng = np.random.default_rng(5)
    kernel = LlvmTarget().compile([FNS["dc"]], {"x": "int32", "return": "int32"})["dc"]
    assert kernel.info.hoisted
    for n in [1, 17, 1025, 9000]:
        x = rng.integers(-5000, 5000, n).astype(np.int32)
        want = _reference("dc", [x], "int32")
        for way, got in _ways(kernel, [x]).items():
            assert got.tolist() == want.tolist(), (n, way)


def test_matrix_rows_of_odd_length_each_stream_their_aligned_chunks() -> None:
    rng = np.random.default_rng(6)
    kernel = LlvmTarget().compile([FNS["grid"]], {"x": "int32", "y": "int32",
                                                  "return": "int32"})["grid"]
    for rows, cols in [(0, 5), (3, 0), (1, 1), (5, 1100), (9, 2049), (33, 17), (2, 5000)]:
        x = rng.integers(-300, 300, rows).astype(np.int32)
        y = rng.integers(-300, 300, cols).astype(np.int32)
        want = np.outer(x.astype(np.int64), y).astype(np.int32)
        for way, got in _ways(kernel, [x, y], 7).items():
            assert got.shape == (rows, cols) and got.tolist() == want.tolist(), (rows, cols, way)


def test_the_module_carries_nontemporal_stores_and_a_fence() -> None:
    module, _ = build_module([FNS["axpy"]], {"x": "int32", "y": "int32", "return": "int32"})
    text = str(module)
    assert "!nontemporal" in text and "llvm.x86.sse.sfence" in text
    assert f'@"{streaming.STREAM_GLOBAL}" = weak global i64 {streaming.default_stream_bytes()}' in text
    optimized = jit.optimize(text)
    assembly = jit.target_machine().emit_assembly(optimized)
    assert "movnt" in assembly and "sfence" in assembly


def test_the_default_threshold_is_a_share_of_the_last_level_cache() -> None:
    llc = streaming.last_level_cache()
    assert llc >= 1 << 20
    assert streaming.default_stream_bytes() == int(llc * streaming.STREAM_SHARE)


def test_a_scalar_result_has_no_stream_threshold_to_set() -> None:
    fn = parse_module("def total(x: vec[int]) -> int = reduce_sum(x)\n")[0]
    kernel = LlvmTarget().compile([fn], {"x": "int32", "return": "int32"})["total"]
    assert kernel.stream_bytes is None
    with pytest.raises(ValueError, match="no streamed output nest"):
        kernel.stream_bytes = 0


def test_an_output_off_its_element_alignment_keeps_the_plain_nest() -> None:
    kernel = LlvmTarget().compile([FNS["axpy"]], {"x": "int32", "y": "int32",
                                                  "return": "int32"})["axpy"]
    rng = np.random.default_rng(7)
    n = 5000
    x, y = rng.integers(-99, 99, n).astype(np.int32), rng.integers(-99, 99, n).astype(np.int32)
    out = np.frombuffer(bytearray(4 * n + 1), dtype=np.int32, count=n, offset=1)
    assert not out.flags.aligned and out.flags.writeable
    kernel.stream_bytes = 0
    for threads in (1, 2):
        kernel.threads = threads
        got = kernel.run(kernel.prepare([x, y, 3]), out)
        assert got is out and out.tolist() == (3 * x.astype(np.int64) + y).tolist()
    kernel.threads = None
    kernel.stream_bytes = streaming.default_stream_bytes()
