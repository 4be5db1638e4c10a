"""The llvm runtime's output pool (targets/llvm/out_pool.py): a block is reused only when no array,
view or buffer refers to it any more, outputs never alias live arrays or the call's inputs, results
equal the reference, the pool stays within its capacity, and a reused output takes no page faults."""

from __future__ import annotations

import gc
import os
import random
import resource
import signal
import threading

import numpy as np
import pytest

from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import out_pool
from tensflo.targets.llvm.out_pool import MAX_BLOCKS, MIN_BYTES, OutputPool
from tensflo.targets.llvm.target import LlvmTarget

pytestmark = pytest.mark.skipif(not out_pool.COUNTED, reason="needs CPython reference counts")

FUNCTIONS = parse_module(
    "def affine(x: vec[int], a: int) -> vec[int] = vec_map(x, lambda e: a * e + 1)\n"
    "def outer_sum(x: vec[float], y: vec[float]) -> mat[float] = "
    "matrix_elemwise_add(outer(x, y), outer(y, x))\n")
N = MIN_BYTES // 4 + 12_345  # an int32 output just over the pool's minimum


def _kernel(name: str, dtypes: dict[str, str]):
    fn = next(f for f in FUNCTIONS if f.name == name)
    return fn, LlvmTarget().compile([fn], dtypes)[name]


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def test_live_outputs_and_their_views_are_never_reused():
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    rng = np.random.default_rng(0)
    kept: list[tuple[np.ndarray, np.ndarray]] = []
    views: list[tuple[memoryview, np.ndarray]] = []
    for step in range(12):
        x = rng.integers(-1000, 1000, N).astype(np.int32)
        y = k(x, step)
        want = np.asarray(evaluate(fn.body, {"x": x.astype(np.int64), "a": step}))
        assert np.array_equal(y, want)
        for other in [a for a, _ in kept] + [np.asarray(v) for v, _ in views] + [x]:
            assert not np.shares_memory(y, other)
        if step % 3 == 0:
            kept.append((y, want))
        elif step % 3 == 1:
            views.append((memoryview(y[100:200]), want[100:200]))  # only a buffer of a slice
        del y
    for arr, want in kept + [(np.asarray(v), w) for v, w in views]:
        assert np.array_equal(arr, want)  # no later call wrote into a live output


def test_a_dropped_output_is_reused_without_page_faults():
    _, k = _kernel("affine", {"x": "int32", "return": "int32"})
    x = np.arange(4 * N, dtype=np.int32)
    first = k(x, 3)
    address = first.ctypes.data
    del first
    gc.collect()
    before = _faults()
    for _ in range(5):
        y = k(x, 3)
        assert y.ctypes.data == address  # the same mapped block every time
        del y
    pooled = _faults() - before
    before = _faults()
    for _ in range(5):
        np.empty(4 * N, np.int32).fill(1)  # what a fresh output costs (mmap, a fault per page)
    fresh = _faults() - before
    assert pooled * 4 <= fresh, (pooled, fresh)


def test_an_input_that_was_an_output_is_never_the_output():
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    x = np.arange(N, dtype=np.int32)
    want = x.astype(np.int64)
    for step in range(6):
        y = k(x, 1 + step % 2)
        assert not np.shares_memory(x, y)
        want = (want * (1 + step % 2) + 1).astype(np.int32).astype(np.int64)
        assert np.array_equal(y, want)
        x = y  # the old x is dropped here: its block may serve the next call's output


def test_matrix_outputs_equal_the_reference():
    fn, k = _kernel("outer_sum", {})
    rng = np.random.default_rng(1)
    results = []
    for n in (400, 500, 400):
        x, y = rng.normal(size=n), rng.normal(size=n)
        out = k(x, y)
        want = np.asarray(evaluate(fn.body, {"x": x, "y": y}))
        err = float(np.max(np.abs(out - want)))
        assert err <= 1e-12, f"largest error {err}"
        results.append((out, want))
    for out, want in results:
        assert np.array_equal(out, want)


def test_capacity_and_block_count_are_bounded():
    pool = OutputPool(capacity=24 << 20)
    live = []
    rng = random.Random(2)
    for _ in range(200):
        n = rng.randrange(MIN_BYTES, 6 << 20)
        a = pool.empty((n,), np.dtype(np.uint8))
        a[:] = 7
        if rng.random() < 0.3:
            live.append(a)
        blocks, tracked, free = pool.tracked()
        assert blocks <= MAX_BLOCKS and tracked <= pool.capacity and free <= tracked
    assert all((a == 7).all() for a in live)
    pool.set_capacity(0)
    assert pool.tracked() == (0, 0, 0)
    plain = pool.empty((MIN_BYTES,), np.dtype(np.uint8))
    assert plain.flags.owndata  # a turned-off pool hands out plain arrays


def test_small_outputs_are_plain_arrays():
    pool = OutputPool()
    small = pool.empty((MIN_BYTES // 8 - 1,), np.dtype(np.float64))
    assert small.flags.owndata and pool.tracked() == (0, 0, 0)
    big = pool.empty((MIN_BYTES // 8, 3), np.dtype(np.float64))
    assert big.shape == (MIN_BYTES // 8, 3) and big.flags.c_contiguous
    assert big.ctypes.data % out_pool.ALIGN == 0


def test_random_operations_never_hand_out_memory_in_use():
    """A random sequence of takes, drops, views and buffers against a model of what is live."""
    pool = OutputPool(capacity=64 << 20)
    rng = random.Random(3)
    live: list[tuple[object, int]] = []
    seen: set[int] = set()
    reused = 0
    for step in range(400):
        op = rng.random()
        if op < 0.4 or not live:
            size = rng.choice([MIN_BYTES, MIN_BYTES + 8, 3 * MIN_BYTES, 5 * MIN_BYTES])
            a = pool.empty((size // 8,), np.dtype(np.int64))
            for other, _ in live:
                assert not np.may_share_memory(a, np.asarray(other))  # not even their bounds
            reused += a.ctypes.data in seen
            seen.add(a.ctypes.data)
            a[:] = step
            live.append((a, step))
        elif op < 0.8:
            live.pop(rng.randrange(len(live)))
        else:  # keep only a view or a buffer of a random part
            k = rng.randrange(len(live))
            a, value = live[k]
            arr = np.asarray(a)
            part = arr[rng.randrange(arr.size // 2):][::rng.choice([1, 3])]
            live[k] = (memoryview(part) if rng.random() < 0.5 else part, value)
        for other, value in live:
            assert (np.asarray(other) == value).all()
    assert reused > 20  # blocks were reused, not only fresh


def test_threads_never_share_an_output():
    pool = OutputPool(capacity=64 << 20)
    errors: list[str] = []

    def work(tid: int) -> None:
        for _ in range(150):
            a = pool.empty((MIN_BYTES // 8,), np.dtype(np.int64))
            a[:] = tid
            if not (a == tid).all():  # another thread wrote into it meanwhile
                errors.append(f"thread {tid}")
            del a

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert pool.tracked()[0] <= 4  # at most one block per thread in use at once


def test_of_equal_free_blocks_the_most_recently_used_is_taken():
    pool = OutputPool()
    dtype = np.dtype(np.uint8)
    a, b = pool.empty((MIN_BYTES,), dtype), pool.empty((MIN_BYTES,), dtype)
    first, second = a.ctypes.data, b.ctypes.data
    del a, b
    assert pool.empty((MIN_BYTES,), dtype).ctypes.data == second  # the warmer of the two
    c = pool.empty((MIN_BYTES,), dtype)
    d = pool.empty((MIN_BYTES,), dtype)
    assert {c.ctypes.data, d.ctypes.data} == {first, second}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_child_can_take_outputs_while_the_parent_held_the_lock():
    pool = out_pool.POOL
    with pool._lock:  # as if another thread were inside `empty` at the fork
        pid = os.fork()
        if pid == 0:  # the child: a fresh lock, a working pool
            try:
                signal.alarm(10)  # a deadlock ends the child (exit by SIGALRM), not the test run
                a = pool.empty((MIN_BYTES,), np.dtype(np.uint8))
                a[:] = 1
                os._exit(0 if int(a.sum()) == MIN_BYTES else 1)
            finally:
                os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
