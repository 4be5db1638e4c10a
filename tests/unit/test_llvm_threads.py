"""The llvm target's native two-thread loop (targets/llvm/parallel.py): results on two threads
equal those on one and the TensIR reference, every argument kind reaches the worker's half, and
the measured hand-off is what the runtime weighs a split against."""

from __future__ import annotations

import ctypes
import os
import shutil
import threading
import time

import numpy as np
import pytest

from tensflo.ir.tensir.evaluate import evaluate
from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import parallel, runtime
from tensflo.targets.llvm.target import LlvmTarget

needs_cc = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                              reason="no C compiler for the native pool")

FUNCTIONS = parse_module(
    "def affine(x: vec[int], a: int, on: bool) -> vec[int] = "
    "vec_map(x, lambda e: ite(on, a * e + 1, e))\n"
    "def scaled(x: vec[float], s: float) -> vec[float] = vec_map(x, lambda e: e * s - 0.5)\n"
    "def total(x: vec[int], y: vec[int]) -> int = reduce_sum(vec_elemwise_mul(x, y))\n"
    "def top(x: vec[int]) -> int = reduce_max(x)\n"
    "def rows(m: mat[int], v: vec[int]) -> vec[int] = matrix_vec_mul(m, v)\n")


def _kernel(name: str, dtypes: dict[str, str]):
    fn = next(f for f in FUNCTIONS if f.name == name)
    return fn, LlvmTarget().compile([fn], dtypes)[name]


@needs_cc
def test_the_native_pool_is_built_and_its_handoff_measured():
    assert parallel.library() is not None
    handoff = parallel.handoff_seconds()
    assert handoff is not None and 0 < handoff < 0.01
    assert runtime.handoff_seconds() == handoff  # the cost the runtime weighs a split against


@needs_cc
@pytest.mark.parametrize("n", [2, 3, 1001, 100_003])
def test_two_threads_equal_one_thread_and_the_reference(n):
    rng = np.random.default_rng(n)
    x = rng.integers(-2**31, 2**31, n).astype(np.int32)
    y = rng.integers(-2**31, 2**31, n).astype(np.int32)
    xf = rng.normal(size=n)
    m = rng.integers(-100, 100, (n if n < 2000 else 300, 7)).astype(np.int32)
    v = rng.integers(-100, 100, 7).astype(np.int32)
    cases = [("affine", {"x": "int32", "return": "int32"}, [x, -7, True]),
             ("affine", {"x": "int64", "return": "int64"}, [x.astype(np.int64), 3, False]),
             ("scaled", {}, [xf, 1.25]),
             ("total", {"x": "int32", "y": "int32", "return": "int32"}, [x, y]),
             ("total", {}, [x.astype(np.int64), y.astype(np.int64)]),
             ("top", {"x": "int32", "return": "int32"}, [x]),
             ("rows", {"m": "int32", "v": "int32", "return": "int64"}, [m, v])]
    for name, dtypes, args in cases:
        fn, k = _kernel(name, dtypes)
        prepared = k.prepare(args)
        k.threads = 1
        one = np.asarray(k.run(prepared))
        k.threads = 2
        with np.errstate(over="ignore"):
            two = np.asarray(k.run(prepared))
        want = np.asarray(evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args,
                                                                        strict=True)}))
        if dtypes.get("return") == "int32":
            want = want.astype(np.int64).astype(np.int32)  # the stored low 32 bits
        assert two.tolist() == one.tolist(), name
        assert np.allclose(two, want, rtol=0, atol=1e-12) if name == "scaled" else \
            two.tolist() == want.tolist(), name


@needs_cc
def test_the_measured_policy_decides_each_size_class_and_keeps_results():
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    x = np.arange(300_000, dtype=np.int32)
    k.threads = None  # measured (the compiled kernel is shared with the test above)
    prepared = k.prepare([x, 2, True])
    want = (2 * x.astype(np.int64) + 1).astype(np.int32)
    size_class = (prepared.work + x.size).bit_length()
    k._split.pop(size_class, None)
    k._times.pop(size_class, None)
    for _ in range(2 * runtime.TRIALS):
        assert k._two_threads(prepared.work + x.size, x.size) is None
        assert k.run(prepared).tolist() == want.tolist()
        if size_class in k._split:
            break
    assert k._split[size_class] in (True, False)
    assert k.run(prepared).tolist() == want.tolist()
    small = k.prepare([x[:100], 2, True])
    assert k._two_threads(small.work + 100, 100) is False  # below the threshold: one thread


@needs_cc
def test_a_slow_two_thread_call_returns_its_size_class_to_one_thread():
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    k.threads = None
    x = np.arange(200_000, dtype=np.int32)
    prepared = k.prepare([x, 3, True])
    size_class = (prepared.work + x.size).bit_length()
    k._split[size_class] = True
    k._times[size_class] = ([1e-9], [1e-9])  # as if one thread had been far faster
    want = (3 * x.astype(np.int64) + 1).astype(np.int32).tolist()
    for _ in range(runtime.SLOW_CALLS - 1):
        assert k.run(prepared).tolist() == want
        assert k._split[size_class] is True  # one slow call is not enough
    assert k.run(prepared).tolist() == want
    assert k._split[size_class] is False


@needs_cc
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: nowhere else to go")
def test_a_half_taken_back_keeps_the_worker_off_the_callers_core():
    """A worker asleep when a call comes misses its half (the caller takes it back); the next
    call moves the worker off the caller's core, and every result stays right."""
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    x = np.arange(40_000, dtype=np.int32)  # over the split threshold, a short caller half
    prepared = k.prepare([x, 3, True])
    k.threads = 2
    lib = parallel.library()
    allowed = os.sched_getaffinity(0)
    before = lib.tf_steals()
    for _ in range(40):
        time.sleep(parallel.SPIN_US * 1e-6 + 0.005)  # past the worker's spin: it sleeps, and
        # waking takes longer than a half
        assert k.run(prepared).tolist() == (3 * x + 1).tolist()
        if lib.tf_steals() > before:
            break
    assert lib.tf_steals() > before, "the caller never took a half back"
    assert k.run(prepared).tolist() == (3 * x + 1).tolist()  # this call moves the worker
    worker = os.sched_getaffinity(lib.tf_worker_tid())
    assert worker < allowed and len(worker) == len(allowed) - 1


@needs_cc
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: nowhere else to go")
def test_a_half_finished_late_is_counted_and_a_worker_on_the_callers_core_is_moved():
    """A worker whose half ends well after the caller's is counted late; when it shares the
    caller's core (it misses its half, or ends it late), a following call moves it off."""
    fn, k = _kernel("affine", {"x": "int32", "return": "int32"})
    n, first = 2_000_000, 100_000
    x = np.arange(n, dtype=np.int32)
    prepared = k.prepare([x, 3, True])
    want = 3 * x + 1
    k.threads = 2
    lib = parallel.library()
    out = np.zeros(n, dtype=np.int32)
    late, back, tries, start = lib.tf_lates(), lib.tf_steals(), 0, time.perf_counter()
    while lib.tf_lates() == late and time.perf_counter() - start < 5:
        # a first half 19 times shorter than the second: the worker ends far later
        out[:] = 0
        k._halves(prepared, runtime.address_of(out), 0, first, runtime.address_of(out), first, n)
        assert np.array_equal(out, want)
        tries += 1
    if lib.tf_lates() == late and lib.tf_steals() - back == tries:
        pytest.skip("the worker never started its half before the caller's ended (a loaded "
                    "machine): every half was taken back")
    assert lib.tf_lates() > late, "no half was counted late"
    want = want.tolist()
    allowed = os.sched_getaffinity(0)
    core = min(allowed)
    worker = lib.tf_worker_tid()
    try:
        os.sched_setaffinity(0, {core})  # this thread, the caller
        for _ in range(2):  # (a call may first move the worker for an earlier late half)
            os.sched_setaffinity(worker, {core})
            calls = 0
            while calls < 3 and core in os.sched_getaffinity(worker):
                assert k.run(prepared).tolist() == want
                calls += 1
            # it misses its half or ends it late, then the next call moves it
            assert os.sched_getaffinity(worker) == allowed - {core} and calls <= 2
    finally:
        os.sched_setaffinity(0, allowed)


@needs_cc
@pytest.mark.parametrize("n", [0, 1, 2, 3, 64])
def test_a_scalar_fold_asked_for_two_threads_splits_only_a_range_of_two_or_more(monkeypatch, n):
    """A scalar result is one native call (`tf_scalar`): the checks, then the fold, in halves
    when asked and the range has two elements or more; an empty `reduce_max` is a domain
    error either way."""
    from tensflo.ir.tensir import DomainError

    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)
    split: list[bool] = []
    fold = runtime.Kernel._fold
    monkeypatch.setattr(runtime.Kernel, "_fold",
                        lambda self, slots, two: (split.append(two), fold(self, slots, two))[1])
    x = np.arange(n, dtype=np.int32)[::-1] * 3 - 40
    for name in ("top", "total"):
        fn, k = _kernel(name, {"x": "int32", "y": "int32", "return": "int32"})
        args = [x] if name == "top" else [x, x + 1]
        for threads in (1, 2):
            k.threads = threads
            if name == "top" and n == 0:
                with pytest.raises(DomainError, match="reduce_max"):
                    k(*args)
                continue
            want = evaluate(fn.body, {p.name: a for p, a in zip(fn.params, args, strict=True)})
            got = k(*args)
            assert isinstance(got, np.int32) and int(got) == int(want), (name, threads)
    assert split == [False, n > 0] * 2  # two asked for (no inputs: nothing to split); the
    # fold's length decides whether it splits


@needs_cc
@pytest.mark.parametrize("threads", [1, 2, None])
def test_an_array_result_after_the_first_call_is_one_native_call_for_the_last_shape(
        monkeypatch, threads):
    """From the second call on, an array result is one native call (`tf_array`) into an output
    allocated for the last call's shape; a call of another shape (rows or columns, even zero
    rows) runs nothing but the checks there, then the full path; a domain error is raised
    either way."""
    from tensflo.ir.tensir import DomainError

    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)
    fns = parse_module("def grid(x: vec[int], y: vec[int]) -> mat[int] = outer(x, y)\n"
                       "def add(x: vec[int], y: vec[int]) -> vec[int] = vec_elemwise_add(x, y)\n")
    ks = LlvmTarget().compile(list(fns), {"x": "int32", "y": "int32", "return": "int32"})
    native: list[tuple[str, bool]] = []
    array = runtime.Kernel._array

    def spy(self, *args):
        array(self, *args)  # raises for another shape: recorded only when it ran
        native.append((self.fn.name, args[-1]))

    monkeypatch.setattr(runtime.Kernel, "_array", spy)
    rng = np.random.default_rng(3)
    for k in ks.values():
        k.threads = threads
        k._guess = None  # the compile cache shares kernels between tests
    shapes = [(5, 3), (5, 3), (4, 3), (5, 3), (5, 2), (0, 2), (0, 2), (1, 2), (1, 2), (5, 3)]
    ran = []
    for rows, cols in shapes:
        x = rng.integers(-2**31, 2**31, rows).astype(np.int32)
        y = rng.integers(-2**31, 2**31, cols).astype(np.int32)
        before = len(native)
        got = ks["grid"](x, y)
        assert got.shape == (rows, cols) and got.dtype == np.int32
        assert got.tolist() == np.multiply.outer(x, y).tolist()  # int32 wrapping, as NumPy
        ran.append(len(native) > before)
        total = ks["add"](x, x)
        assert total.tolist() == (x + x).tolist()
    # the native call for a repeated shape only: the 2nd, 7th and 9th calls
    assert ran == [False, True, False, False, False, False, True, False, True, False]
    if threads is not None:  # else the policy's trials choose
        assert {two for name, two in native if name == "grid"} == {threads == 2}
    x = np.arange(6, dtype=np.int32)
    assert ks["add"](x, x).tolist() == (2 * x).tolist()
    assert ks["add"](x, x).tolist() == (2 * x).tolist()  # native: the guess is (6,)
    with pytest.raises(DomainError):
        ks["add"](x, x[:5])  # checks fail before any shape comparison
    with pytest.raises(DomainError):
        ks["add"](x[:5], x)


@pytest.mark.parametrize("native", [True, False])
def test_split_halves_are_joined_by_the_reductions_own_step_with_wrapping(monkeypatch, native):
    """A split scalar result's halves are joined by the generated `f_join` (the reduction's step
    in the result's storage): sums and products wrap as NumPy's do in the result dtype, and the
    result equals the one-thread result, through the native pool and through the Python thread."""
    if native and parallel.library() is None:
        pytest.skip("no C compiler for the native pool")
    if not native:
        monkeypatch.setattr(runtime.parallel, "library", lambda: None)
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)
    fns = parse_module("def s(x: vec[int]) -> int = reduce_sum(x)\n"
                       "def p(x: vec[int]) -> int = reduce_mul(x)\n"
                       "def m(x: vec[int]) -> int = reduce_max(x)\n")
    rng = np.random.default_rng(11)
    for dtype in ("int32", "int64"):
        ks = LlvmTarget().compile(list(fns), {"x": dtype, "return": dtype})
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, 1001, dtype=dtype, endpoint=True)
        odd = x | 1  # a product of odd numbers never becomes 0 modulo 2^w
        for name, arg, want in (("s", x, x.sum(dtype=dtype)), ("p", odd, odd.prod(dtype=dtype)),
                                ("m", x, x.max())):
            k = ks[name]
            assert k.info.split is not None, name
            got = []
            for threads in (1, 2):
                k.threads = threads
                got.append(k(arg))
            assert all(type(g) is np.dtype(dtype).type for g in got), (name, dtype)
            assert got == [want, want], (name, dtype, got, want)


@needs_cc
def test_the_extension_module_and_ctypes_give_the_same_results_and_errors(monkeypatch):
    """With CPython's headers the pool is also an extension module (`parallel.fast()`), and the
    runtime calls `tf_scalar` and `tf_array` through it; through ctypes (no headers), every
    scalar kind, an array result and a domain error come out the same."""
    import sysconfig
    from pathlib import Path

    from tensflo.ir.tensir import DomainError

    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    assert (parallel.fast() is not None) == headers
    fns = parse_module("def s(x: vec[int]) -> int = reduce_sum(x)\n"
                       "def f(x: vec[float]) -> float = reduce_sum(x)\n"
                       "def pos(x: vec[int]) -> bool = reduce_max(x) > 0\n"
                       "def twice(x: vec[int]) -> vec[int] = vec_map(x, lambda e: 2 * e)\n")
    rng = np.random.default_rng(5)
    xi = rng.integers(-2**31, 2**31, 5001).astype(np.int32)
    xf = rng.normal(size=5001)
    cases = [("s", {"x": "int32", "return": "int32"}, xi), ("s", {"x": "int32"}, xi),
             ("f", {}, xf), ("f", {"x": "float32", "return": "float32"}, xf.astype(np.float32)),
             ("pos", {"x": "int32"}, xi), ("pos", {"x": "int32"}, -np.abs(xi) - 1),
             ("twice", {"x": "int32", "return": "int32"}, xi)]
    monkeypatch.setattr(runtime, "PARALLEL_THRESHOLD", 0)  # int reductions and arrays split
    results = []
    for way in ("default", "ctypes"):
        if way == "ctypes":
            monkeypatch.setattr(parallel, "fast", lambda: None)
        got = []
        for name, dtypes, x in cases:
            k = LlvmTarget().compile([next(g for g in fns if g.name == name)], dtypes)[name]
            for threads in (1, 2):
                k.threads = threads
                values = [k(x) for _ in range(3)]  # an array result is native from the 2nd call
                assert all(np.asarray(v).tolist() == np.asarray(values[0]).tolist()
                           and np.asarray(v).dtype == np.asarray(values[0]).dtype for v in values)
                got.append((type(values[0]), np.asarray(values[0]).tolist()))
                if name == "pos":
                    with pytest.raises(DomainError, match="reduce_max"):
                        k(x[:0])  # the max of nothing
        results.append(got)
    assert results[0] == results[1]
    assert results[0][0][1] == int(xi.sum(dtype=np.int32))  # wrapping, as NumPy's


@needs_cc
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no second thread to slow")
@pytest.mark.parametrize("n", [5, 16, 1_000])
def test_a_slow_worker_takes_fewer_chunks_and_the_partials_join_in_order(n):
    """A split fold is cut into chunks that the caller takes from the front and the worker from
    the back: a worker twenty times slower than the caller runs few of them, every element is
    folded once, and the partials are joined in chunk order whoever ran them (the join here is
    associative but not commutative: (first, last) of two adjacent ranges)."""
    lib = parallel.library()
    lib.tf_handoff_ns(4)  # the worker is up
    worker = lib.tf_worker_tid()
    ran: list[tuple[bool, int, int]] = []
    bad: list[str] = []

    @parallel.TASK
    def shape(slots, dims, lo, hi):
        ctypes.cast(dims, ctypes.POINTER(ctypes.c_int64))[0] = n
        return 0

    @parallel.TASK
    def fold(slots, out, lo, hi):  # the partial of [lo, hi): its first and last index
        on_worker = threading.get_native_id() == worker
        ran.append((on_worker, lo, hi))
        time.sleep(0.02 if on_worker else 0.001)
        pair = ctypes.cast(out, ctypes.POINTER(ctypes.c_int32))
        pair[0], pair[1] = lo, hi - 1
        return 0

    @parallel.TASK
    def join(slots, out, lo, hi):  # (a, b) then (c, d), adjacent: (a, d)
        pairs = ctypes.cast(out, ctypes.POINTER(ctypes.c_int32))
        if pairs[1] + 1 != pairs[2]:
            bad.append(f"joined ({pairs[0]}, {pairs[1]}) with ({pairs[2]}, {pairs[3]})")
        pairs[1] = pairs[3]
        return 0

    result = (ctypes.c_int32 * 4)()
    dims = (ctypes.c_int64 * 1)()
    code = lib.tf_scalar(shape, fold, join, None, dims, result, 8, True)
    assert code == 0 and not bad, bad
    assert (result[0], result[1]) == (0, n - 1)
    chunks = sorted((lo, hi) for _, lo, hi in ran)
    assert chunks[0][0] == 0 and chunks[-1][1] == n  # every element once, no chunk empty
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(lo < hi for lo, hi in chunks) and len(chunks) == min(n, parallel.CHUNKS)
    on_worker = [lo for w, lo, _ in ran if w]
    assert len(on_worker) <= len(chunks) // 4  # the caller ran most of them
    assert all(lo > max(lo for w, lo, _ in ran if not w) for lo in on_worker)  # from the back


@needs_cc
def test_callers_on_several_threads_share_the_worker_and_get_their_own_results():
    """Python threads calling split kernels at once (the pool's calls release the GIL): one
    caller holds the worker and the others run every chunk themselves; no result mixes another
    call's chunks."""
    _, total = _kernel("total", {"x": "int32", "y": "int32", "return": "int32"})
    _, affine = _kernel("affine", {"x": "int32", "return": "int32"})
    total.threads = affine.threads = 2
    rng = np.random.default_rng(7)
    cases = []
    for t in range(4):
        x = rng.integers(-1000, 1000, 2_000_000 + 1_000 * t).astype(np.int32)
        y = rng.integers(-1000, 1000, x.size).astype(np.int32)
        dot = int(np.dot(x.astype(np.int64), y))
        cases.append((x, y, (dot + 2**31) % 2**32 - 2**31, 5 * x + 1))  # int32, wrapped
    wrong: list[str] = []

    def calls(t: int) -> None:
        x, y, dot, mapped = cases[t]
        for _ in range(20):
            if total(x, y) != dot:
                wrong.append(f"thread {t}: total")
            if not np.array_equal(affine(x, 5, True), mapped):
                wrong.append(f"thread {t}: affine")

    threads = [threading.Thread(target=calls, args=(t,)) for t in range(len(cases))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not wrong, wrong[:5]
