"""Calls of the functions `jit` compiled, on one thread or two.

A call runs the generated `f_shape` (domain checks, output dims), takes the output from
`out_pool` (a reused, already-mapped block from 1 MB up, else `np.empty`), then runs
`f` on row ranges: one range, or parts on two threads. A scalar result is split the same way
only when it is an int reduction; the partial results are joined by the generated `f_join` (the
reduction's step, sum, product or max, in the result's storage: the stored bits of the sequential
result).
A matrix-vector product of a column-major matrix with few outputs and many columns
(`k_split_pays`) is split over its columns instead (`f_ksplit`): two partial outputs, added here
in the output dtype. A function with scalar subterms that loop over a tensor calls `f_prologue`
in place of `f_shape` (after running its int reductions, each split like a scalar result) and
`f_hoisted` in place of `f`, so those are computed once per call (`prologue`).

With the native pool, a scalar result is one native call (`parallel`'s `tf_scalar`: the checks
of `f_shape`, then `f` on one range or on chunks, and their join). So is an array
result from a kernel's second call on (`tf_array`, unless the function is hoisted or has a
column split): the output is taken for the last call's shape, and when the checks give another
shape nothing else runs and the call takes the full path.

The parts run through the native pool of `parallel` (a worker thread spinning on an atomic,
no Python between the threads: a hand-off of a few microseconds; the two threads take chunks of
the work from either end), or, without a C compiler,
through a Python thread (ctypes releases the GIL; a hand-off of 15-80 us). By default
(`threads=None`) calls at each size class (the bit length of the elements touched) are measured:
a class whose single-thread call takes at most `SPLIT_GAIN` hand-offs always runs on one thread;
otherwise the first `TRIALS` calls run on one thread, the next `TRIALS` on two, and two threads
are kept for the class unless the best single-thread time is clearly (`CLEARLY`) below the best
two-thread one; `SLOW_CALLS` later two-thread calls in a row slower than `REGRESSION` times the
best single-thread one return the class to one thread, and so does one single-thread call after
every `EXPLORE` two-thread ones that, with the last few of its way, is clearly faster than the last
few two-thread calls; a class measured onto one thread likewise tries two threads once after every
`EXPLORE` single-thread calls and goes back to two when the best of its last few tries is not
clearly slower than the single-thread calls (the best, as a rare two-thread call may wait for the
worker's core or vCPU for milliseconds; if two threads are slow for good, `_watched` returns the
class to one thread). Before the
first two-thread trial and each exploring two-thread call the worker is woken (`wake_worker`), so
the trial times the split, not the worker's wake-up. On a busy machine the worker may wait for a
core: the caller then runs every chunk itself (`parallel`).
"""

from __future__ import annotations

import ctypes
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import numpy as np

from tensflo.ir.tensir import DomainError, Function

from . import out_pool, parallel, streaming
from .functions import JOIN_SUFFIX, KSPLIT_SUFFIX, LoweredFunction
from .prologue import HOISTED_SUFFIX, PROLOGUE_SUFFIX

PARALLEL_THRESHOLD = 1 << 16
"""Calls touching at most this many elements (inputs plus output) always run on one thread."""
SPLIT_GAIN = 4.0
"""Try two threads only when one thread takes more than this many hand-offs' time."""
TRIALS = 3
"""Calls timed on one and then on two threads before a size class is decided."""
REGRESSION = 1.5
SLOW_CALLS = 3
"""`SLOW_CALLS` two-thread calls in a row slower than `REGRESSION` times the best single-thread
trial return their size class to one thread."""
EXPLORE = 16
"""After this many two-thread calls of a size class, one call runs on one thread, to compare."""
RECENT = 5
"""Calls of each way kept per size class for that comparison."""
CLEARLY = 0.95
"""One thread is kept only when its time is under this times the two-thread time: on a tie (a
worker that got no core during the trials, its half run by the caller) two threads are kept, as
a split then costs about one hand-off and gains a core whenever the worker gets one."""
MAX_I64 = 2**63 - 1
SEEDED_SHARE = (2, 3)
"""The first thread's share of the rows when the nest carries running scans: the second range
first folds the rows before it, a read pass over them, so with a read and a write pass costing
alike the first range's 2p passes balance the second's p + 2(1 - p) at p = 2/3."""
K_SPLIT_ROWS = 1 << 13
K_SPLIT_COLS = 128
"""A column-major matrix-vector product with at most `K_SPLIT_ROWS` outputs and at least
`K_SPLIT_COLS` columns is split over its columns on two threads (`k_split_pays`)."""


_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="tensflo-llvm"))
        return _POOL[0]


def handoff_seconds() -> float:
    """The hand-off cost of a split: the native pool's round trip of an empty job, else the
    Python worker thread's (each measured once per process)."""
    native = parallel.handoff_seconds()
    return native if native is not None else python_handoff_seconds()


@cache
def python_handoff_seconds() -> float:
    """Median round trip of an empty task through the Python worker thread (measured once)."""
    pool = _pool()
    pool.submit(int).result()
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        pool.submit(int).result()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


@dataclass(frozen=True)
class Prepared:
    """Arguments converted to the compiled buffer dtypes, in C argument order (arrays kept alive)."""

    c_args: tuple[Any, ...]
    arrays: tuple[np.ndarray, ...]
    work: int
    """Elements read and written (inputs plus output estimate), for choosing threads."""
    slots: np.ndarray | None = None
    """`c_args` as 8-byte words, for the native pool's `f_task` (None: built on first use)."""
    slots_address: int = 0
    """The address of `slots`' data (0 until they are built)."""


class Kernel:
    """One compiled function: call `prepare` then `run`, or call it directly."""

    def __init__(self, fn: Function, lowered: LoweredFunction, engine: Any) -> None:
        self.fn = fn
        self.info = lowered
        self.engine = engine  # keeps the machine code alive
        sig = lowered.signature
        ctypes_args: list[Any] = []
        for p in fn.params:
            if p.type.rank:
                ctypes_args += [ctypes.c_void_p] + [ctypes.c_int64] * p.type.rank
            else:
                ctypes_args.append({"int": ctypes.c_int64, "float": ctypes.c_double,
                                    "bool": ctypes.c_int8}[p.type.elem])
        shape_t = ctypes.CFUNCTYPE(ctypes.c_int32, *ctypes_args, ctypes.c_void_p)
        main_t = ctypes.CFUNCTYPE(ctypes.c_int32, *ctypes_args, ctypes.c_void_p, ctypes.c_int64,
                                  ctypes.c_int64)
        self._shape = shape_t(engine.get_function_address(f"{fn.name}_shape"))
        self._main = main_t(engine.get_function_address(fn.name))
        self._task = engine.get_function_address(fn.name + parallel.TASK_SUFFIX)
        # `f_shape_task` where `jit` added it (0 where not: a hoisted array result)
        self._shape_task = engine.get_function_address(f"{fn.name}_shape{parallel.TASK_SUFFIX}")
        ksplit = fn.name + KSPLIT_SUFFIX
        self._kmain: Any = main_t(engine.get_function_address(ksplit)) if lowered.ksplit \
            else None
        self._ktask = engine.get_function_address(ksplit + parallel.TASK_SUFFIX) \
            if lowered.ksplit else 0
        self._parts = [Kernel(f, lo, engine) for f, lo in lowered.parts]
        self._prologue: Any = None
        self._hmain: Any = None
        self._htask = 0
        if lowered.hoisted:  # `f_prologue` and `f_hoisted` (`prologue`)
            pointer = ctypes.c_void_p
            self._prologue = ctypes.CFUNCTYPE(ctypes.c_int32, *ctypes_args, pointer, pointer)(
                engine.get_function_address(fn.name + PROLOGUE_SUFFIX))
            self._hmain = ctypes.CFUNCTYPE(ctypes.c_int32, *ctypes_args, pointer, pointer,
                                           ctypes.c_int64, ctypes.c_int64)(
                engine.get_function_address(fn.name + HOISTED_SUFFIX))
            self._htask = engine.get_function_address(
                fn.name + HOISTED_SUFFIX + parallel.TASK_SUFFIX)
        self._kinds = [k for p in fn.params for k in
                       (["int"] * (1 + p.type.rank) if p.type.rank else [p.type.elem])]
        self.out_dtype = np.dtype(sig.result)
        self._ctype = _CTYPES[self.out_dtype.str]
        self._kind = parallel.SCALAR_KINDS.get(self.out_dtype.name, -1)
        self._join = engine.get_function_address(fn.name + JOIN_SUFFIX) if lowered.split else 0
        """`f_join` (`functions.add_join`): a split scalar result's halves joined in place."""
        self.threads: int | None = None
        """1 or 2 to force; None chooses per size class (see the module docstring)."""
        self._split: dict[int, bool] = {}
        self._times: dict[int, tuple[list[float], list[float]]] = {}
        self._slow: dict[int, int] = {}
        self._guess: tuple[tuple[int, ...], Any, int] | None = None
        """The last array result's shape, as a tuple, a ctypes array and its address
        (`_native_array`)."""

    @property
    def stream_bytes(self) -> int | None:
        """Outputs of at least this many bytes are written with non-temporal stores
        (`streaming`); None when the module has no streamed nest. Shared by the functions
        compiled in one module."""
        slot = self._stream_slot()
        return None if slot is None else slot.value

    @stream_bytes.setter
    def stream_bytes(self, nbytes: int) -> None:
        slot = self._stream_slot()
        if slot is None:
            raise ValueError(f"{self.fn.name}: no streamed output nest")
        slot.value = nbytes

    def _stream_slot(self) -> ctypes.c_int64 | None:
        address = self.engine.get_global_value_address(streaming.STREAM_GLOBAL)
        return ctypes.c_int64.from_address(address) if address else None

    def prepare(self, args: Sequence[Any]) -> Prepared:
        c_args: list[Any] = []
        arrays: list[np.ndarray] = []
        work = 0
        for p, d, a in zip(self.fn.params, self.info.signature.params, args, strict=True):
            if p.type.rank:
                arr = np.ascontiguousarray(a, dtype=d)
                if arr.ndim < p.type.rank and arr.size == 0:  # [] for a matrix: 0 x 0
                    arr = arr.reshape((0,) * p.type.rank)
                if arr.ndim != p.type.rank:
                    raise ValueError(f"{p.name}: expected rank {p.type.rank}, got shape {arr.shape}")
                arrays.append(arr)
                c_args += [arr.ctypes.data, *arr.shape]
                work += arr.size
            elif p.type.elem == "float":
                c_args.append(float(a))
            else:
                c_args.append(int(bool(a)) if p.type.elem == "bool" else int(a))
        return Prepared(tuple(c_args), tuple(arrays), work)

    def _check(self, code: int) -> None:
        if code:
            raise DomainError(f"{self.fn.name}: {self.info.errors[code - 1]}")

    def thread_policy(self, recent: int = RECENT) -> dict[int, tuple[bool | None, list[float],
                                                                     list[float]]]:
        """Per size class: whether it runs on two threads (None: still measured) and the last
        `recent` call times in seconds on one and on two threads (see the module docstring)."""
        return {bits: (self._split.get(bits), one[-recent:], two[-recent:])
                for bits, (one, two) in self._times.items()}

    def _two_threads(self, work: int, length: int) -> bool | None:
        """Whether to split; None: this size class is still being measured."""
        if self.threads is not None:
            return self.threads > 1 and length >= 2 and work > PARALLEL_THRESHOLD
        if length < 2 or work <= PARALLEL_THRESHOLD:
            return False
        return self._split.get(work.bit_length())

    def _measured(self, work: int, single: Any, split: Any) -> Any:
        """Run one call of an undecided size class one way or the other, timing it (see the
        module docstring)."""
        bits = work.bit_length()
        one, two = self._times.setdefault(bits, ([], []))
        on_two = len(one) >= TRIALS
        if on_two and not two:
            wake_worker()
        t0 = time.perf_counter()
        result = split() if on_two else single()
        (two if on_two else one).append(time.perf_counter() - t0)
        if not on_two and len(one) == TRIALS and min(one) <= SPLIT_GAIN * handoff_seconds():
            self._split[bits] = False
        elif len(two) == TRIALS:
            self._split[bits] = not _clearly_faster(min(one), min(two))
        return result

    def _watched(self, work: int, halves: Any, whole: Any) -> Any:
        """A call of a size class decided for two threads; back to one thread for good after
        `SLOW_CALLS` calls in a row over `REGRESSION` times the best single-thread trial, or when
        a call run on one thread after every `EXPLORE` two-thread calls finds the recent
        single-thread calls faster (median of the last `RECENT` of each way) than the recent
        two-thread ones (a busy machine where the worker waits for a core)."""
        bits = work.bit_length()
        one, two = self._times.setdefault(bits, ([], []))
        if self.threads is None and len(two) >= RECENT + EXPLORE:
            return self._other_way(bits, whole, one, two, split=False)
        t0 = time.perf_counter()
        result = halves()
        dt = time.perf_counter() - t0
        two.append(dt)
        del two[:-(RECENT + EXPLORE)]  # bounded when the threads are forced (no exploring)
        slow = bool(one) and dt > REGRESSION * min(one)
        self._slow[bits] = self._slow.get(bits, 0) + 1 if slow else 0
        if self.threads is None and self._slow[bits] >= SLOW_CALLS:
            self._split[bits] = False
            del two[:-SLOW_CALLS]  # exploring compares with these, not with earlier fast calls
        return result

    def _kept(self, work: int, length: int, halves: Any, whole: Any) -> Any:
        """A call on one thread; for a size class that measurement put on one thread, a call on
        two threads after every `EXPLORE` single-thread calls, back to two threads when the
        median of the last `RECENT` two-thread calls beats that of the last single-thread ones
        (the machine was busy when the class was decided)."""
        bits = work.bit_length()
        times = self._times.get(bits)
        if self.threads is not None or times is None or len(times[1]) < TRIALS or length < 2 \
                or work <= PARALLEL_THRESHOLD or self._split.get(bits) is not False:
            return whole()
        one, two = times
        if len(one) >= RECENT + EXPLORE:
            wake_worker()
            return self._other_way(bits, halves, two, one, split=True)
        t0 = time.perf_counter()
        result = whole()
        one.append(time.perf_counter() - t0)
        return result

    def _other_way(self, bits: int, run: Any, trial: list[float], kept: list[float],
                   split: bool) -> Any:
        """One exploring call the way the size class does not run (`run`), timed into `trial`
        (its last `RECENT` kept): the class switches to two threads (`split`) when the best of
        `trial` is not clearly slower than the median of the last `RECENT` calls on one thread
        (`kept`, trimmed to those), to one thread when the median of `trial` is clearly faster
        (`_clearly_faster`) than that of the last `RECENT` two-thread calls."""
        t0 = time.perf_counter()
        result = run()
        trial.append(time.perf_counter() - t0)
        del trial[:-RECENT]
        new = min(trial) if split else statistics.median(trial)
        old = statistics.median(kept[-RECENT:])
        if not _clearly_faster(old, new) if split else _clearly_faster(new, old):
            self._split[bits] = split
            if split:
                self._slow[bits] = 0
        del kept[:-RECENT]
        return result

    def _halves(self, prepared: Prepared, out0: int, lo0: int, hi0: int, out1: int, lo1: int,
                hi1: int, by_k: bool = False, scratch: int = 0) -> None:
        """`f` on [lo0, hi0) into out0 and on [lo1, hi1) into out1, on two threads; `by_k`:
        `f_ksplit`; `scratch`: `f_hoisted` with the values `f_prologue` stored there."""
        main: Any = self._kmain if by_k else self._hmain if scratch else self._main
        task = self._ktask if by_k else self._htask if scratch else self._task
        assert main is not None
        extra: list[int] = [scratch] if scratch else []
        lib = parallel.library()
        if lib is not None and task:
            address = prepared.slots_address or self._slots(prepared)
            if scratch:
                assert prepared.slots is not None
                slots = np.append(prepared.slots[:len(prepared.c_args)], np.int64(scratch))
                address = address_of(slots)
            self._check(lib.tf_run2(task, address, out0, lo0, hi0, out1, lo1, hi1))
            return
        fut = _pool().submit(lambda: main(*prepared.c_args, *extra, out1, lo1, hi1))
        self._check(main(*prepared.c_args, *extra, out0, lo0, hi0))
        self._check(fut.result())

    def _k_halves(self, prepared: Prepared, out: np.ndarray, cols: int) -> None:
        """The output as the sum of two partial outputs over halves of the columns (`f_ksplit`),
        one written into `out`, one into a temporary, added with the output dtype's wrapping
        arithmetic (NumPy's: the stored bits of the sequential sum for ints)."""
        part = out_pool.POOL.empty(out.shape, self.out_dtype)
        mid = cols // 2
        self._halves(prepared, address_of(out), 0, mid, address_of(part), mid, cols, by_k=True)
        np.add(out, part, out=out)

    def _slots(self, prepared: Prepared) -> int:
        """Build `prepared.slots`; their address."""
        words = np.zeros(max(len(prepared.c_args), 1), dtype=np.int64)
        for k, (kind, a) in enumerate(zip(self._kinds, prepared.c_args, strict=True)):
            words[k] = np.float64(a).view(np.int64) if kind == "float" else int(a or 0)
        object.__setattr__(prepared, "slots", words)
        object.__setattr__(prepared, "slots_address", address_of(words))
        return prepared.slots_address

    def run(self, prepared: Prepared, out: np.ndarray | None = None) -> Any:
        """The result: a scalar, or an array (written into `out` when given, see `_into`)."""
        rank = self.info.rank
        if rank == 0 and self._shape_task and parallel.library() is not None:
            if out is not None:
                raise ValueError(f"{self.fn.name}: out= is for array results; this one is a scalar")
            return self._native_scalar(prepared)
        if out is None and self._guess is not None:
            result = self._native_array(prepared, self._guess)
            if result is not None:
                return result
        dims = (ctypes.c_int64 * (rank + 1))()  # a ctypes array: no `ndarray.ctypes` per call
        hoisted, scratch = self.info.hoisted, 0
        if hoisted:  # the checks, the dims and the hoisted values, once
            values = (ctypes.c_int64 * hoisted)()
            for j, part in enumerate(self._parts):  # int reductions, each once (maybe split)
                values[j] = self._part(part, prepared)
            scratch = ctypes.addressof(values)
            self._check(self._prologue(*prepared.c_args, dims, scratch))
        else:
            self._check(self._shape(*prepared.c_args, dims))
        if rank == 0:
            if out is not None:
                raise ValueError(f"{self.fn.name}: out= is for array results; this one is a scalar")
            return self._run_scalar(prepared, dims[0])
        shape = tuple(dims)[:rank]
        if self._shape_task and not self.info.ksplit and parallel.library() is not None:
            guess = (ctypes.c_int64 * rank)(*shape)
            self._guess = (shape, guess, ctypes.addressof(guess))
        out = out_pool.POOL.empty(shape, self.out_dtype) if out is None else \
            self._into(out, shape, prepared)
        rows, cols = dims[0], dims[rank] if self.info.ksplit else 0
        work = prepared.work + out.size
        by_k = k_split_pays(rows, cols)
        addr, mid = address_of(out), rows * SEEDED_SHARE[0] // SEEDED_SHARE[1] \
            if self.info.seeded else rows // 2
        if by_k:
            halves = lambda: self._k_halves(prepared, out, cols)  # noqa: E731
        elif hoisted:
            halves = lambda: self._halves(  # noqa: E731
                prepared, addr, 0, mid, addr, mid, rows, False, scratch)
        else:
            halves = lambda: self._halves(prepared, addr, 0, mid, addr, mid, rows)  # noqa: E731
        if hoisted:
            whole = lambda: self._check(  # noqa: E731
                self._hmain(*prepared.c_args, scratch, addr, 0, MAX_I64))
        else:
            whole = lambda: self._check(self._main(*prepared.c_args, addr, 0, MAX_I64))  # noqa: E731
        self._either_way(work, cols if by_k else rows, halves, whole)
        return out

    def _native_array(self, prepared: Prepared, guess: tuple[tuple[int, ...], Any, int]
                      ) -> np.ndarray | None:
        """An array result in one native call (`_array`) into an output of the last call's
        shape, with Python only to choose the threads; None (nothing run but the checks) when
        this call's shape is another."""
        out = out_pool.POOL.empty(guess[0], self.out_dtype)
        slots, addr = prepared.slots_address or self._slots(prepared), address_of(out)
        try:  # the rows are not known before the call (2): `tf_array` keeps one row unsplit
            self._either_way(prepared.work + out.size, 2,
                             lambda: self._array(slots, guess, addr, True),
                             lambda: self._array(slots, guess, addr, False))
        except _Reshaped:
            return None
        return out

    def _array(self, slots: int, guess: tuple[tuple[int, ...], Any, int], out: int,
               split: bool) -> None:
        """The array result through `tf_array` into `out`: the checks, then `f` on one thread,
        or on two when `split`: in chunks of rows, or, when the nest carries running scans, in two
        parts at `SEEDED_SHARE` of the rows; `_Reshaped` when the output's shape is not `guess` (`_guess`: as
        a tuple, a ctypes array and its address). Through `parallel.fast()` when it is built, else ctypes."""
        num, den = SEEDED_SHARE if self.info.seeded else (1, 2)
        fast = parallel.fast()
        if fast is not None:
            code = fast.array(self._shape_task, self._task, slots, self.info.rank, guess[2], out,
                              split, num, den)
        else:
            dims = (ctypes.c_int64 * (self.info.rank + 1))()
            code = parallel.library().tf_array(self._shape_task, self._task, slots, dims,
                                               self.info.rank, guess[1], out, split, num, den)
        if code < 0:
            raise _Reshaped
        self._check(code)

    def _into(self, out: Any, shape: tuple[int, ...], prepared: Prepared) -> np.ndarray:
        """`out` if the result can be written into it: an ndarray of the result's shape and dtype,
        C-contiguous, writeable, sharing no memory with the inputs (the code reads them as
        `noalias`: writing over an input as it is read would give wrong numbers)."""
        name = self.fn.name
        if not isinstance(out, np.ndarray):
            raise TypeError(f"{name}: out= must be a NumPy array, not {type(out).__name__}")
        if out.dtype != self.out_dtype or out.shape != shape:
            raise ValueError(f"{name}: out= must have dtype {self.out_dtype} and shape {shape}; "
                             f"got {out.dtype} {out.shape}")
        if not (out.flags.c_contiguous and out.flags.writeable):
            raise ValueError(f"{name}: out= must be C-contiguous and writeable")
        if any(np.may_share_memory(out, a) for a in prepared.arrays):
            raise ValueError(f"{name}: out= overlaps an input; the inputs are read while the "
                             "output is written")
        return out

    def _either_way(self, work: int, length: int, halves: Any, whole: Any,
                    splittable: bool = True) -> Any:
        """`halves()` or `whole()`, as the policy of the call's size class says (see the module
        docstring); `whole()` when not `splittable` (a scalar result that is no int reduction)."""
        split = self._two_threads(work, length) if splittable else False
        if split is None:
            return self._measured(work, whole, halves)
        if split:
            return self._watched(work, halves, whole)
        return self._kept(work, length, halves, whole) if splittable else whole()

    def _run_scalar(self, prepared: Prepared, length: int) -> Any:
        def halves() -> Any:
            parts = (self._ctype * 2)()
            mid, addr = length // 2, ctypes.addressof(parts)
            self._halves(prepared, addr, 0, mid, addr + self.out_dtype.itemsize, mid, MAX_I64)
            parallel.TASK(self._join)(None, addr, 0, 0)
            return self.out_dtype.type(parts[0])

        def whole() -> Any:
            return self._whole_scalar(prepared)

        return self._either_way(prepared.work, length, halves, whole, self.info.split is not None)

    def _native_scalar(self, prepared: Prepared) -> Any:
        """A scalar result in one native call (`_fold`), with Python only to choose the threads."""
        slots = prepared.slots_address or self._slots(prepared)
        halves, whole = (lambda: self._fold(slots, True)), (lambda: self._fold(slots, False))
        # the length is not known before the call (2): `tf_scalar` keeps a range under two
        # elements on one thread
        return self._either_way(prepared.work, 2, halves, whole, self.info.split is not None)

    def _fold(self, slots: int, split: bool) -> Any:
        """The scalar result through `tf_scalar` (the checks, then the fold on one thread, or on
        two in chunks when `split`, joined by `f_join`): through `parallel.fast()` when it is
        built, else ctypes."""
        fast = parallel.fast()
        if fast is not None:
            value = fast.scalar(self._shape_task, self._task, self._join, slots,
                                self.out_dtype.itemsize, split, self._kind)
            if type(value) is tuple:
                self._check(value[0])
            return self.out_dtype.type(value)
        dims, out = (ctypes.c_int64 * 1)(), (self._ctype * 1)()
        self._check(parallel.library().tf_scalar(self._shape_task, self._task, self._join, slots,
                                                 dims, out, self.out_dtype.itemsize, split))
        return self.out_dtype.type(out[0])

    def _whole_scalar(self, prepared: Prepared) -> Any:
        """A scalar result computed on the calling thread (`f` checks the domain itself)."""
        ctype = _CTYPES.get(self.out_dtype.str)
        if ctype is None:
            parts = np.zeros(1, dtype=self.out_dtype)
            self._check(self._main(*prepared.c_args, parts.ctypes.data, 0, MAX_I64))
            return parts[0]
        out = (ctype * 1)()  # a ctypes array: no `ndarray.ctypes` per call
        self._check(self._main(*prepared.c_args, out, 0, MAX_I64))
        return self.out_dtype.type(out[0])

    def _part(self, part: Kernel, prepared: Prepared) -> int:
        """The value of a hoisted int reduction (`LoweredFunction.parts`), on two threads when
        its own measurement says so (with this kernel's forced `threads`)."""
        if prepared.work <= PARALLEL_THRESHOLD:
            return int(part._whole_scalar(prepared))
        part.threads = self.threads
        return int(part.run(prepared))

    def __call__(self, *args: Any, out: np.ndarray | None = None) -> Any:
        """The result on `args`; an array result is written into `out` when given (NumPy's
        `out=`: the right shape and dtype, C-contiguous, no overlap with an input), else into a
        new array (from `out_pool`)."""
        return self.run(self.prepare(args), out)


class _Reshaped(Exception):
    """`tf_array` found another shape than the guessed one (the call's timing is not kept)."""


def address_of(array: np.ndarray) -> int:
    """The address of a C-contiguous array's data: through a ctypes view of a writeable array
    (about 0.3 us, against 1.7 us for `ndarray.ctypes.data`, once per call on this path)."""
    if array.flags.writeable and array.nbytes:
        return ctypes.addressof(ctypes.c_char.from_buffer(cast(Any, array)))
    return int(array.ctypes.data)


def wake_worker() -> None:
    """Wake the native pool's worker (one round trip of an empty job) before a timed trial of
    two threads: the worker sleeps after `parallel.SPIN_US` idle, and a trial that paid its
    wake-up (tens of microseconds on a VM, more than a call at 10^6 elements) would put a size
    class on one thread for good. Calls in a row keep it spinning; a caller whose calls are
    further apart pays the wake-up on every two-thread call, and `_watched` moves it to one
    thread."""
    lib = parallel.library()
    if lib is not None:
        lib.tf_handoff_ns(1)


def k_split_pays(rows: int, cols: int) -> bool:
    """Whether two threads split a column-major matrix-vector product (`rows` outputs, `cols`
    columns) over its columns rather than its output rows: when each column is short (a row
    split gives each thread a piece of every matrix row, `K_SPLIT_ROWS`) and there are many
    columns (the partial outputs and their sum cost about 3 x rows elements, `K_SPLIT_COLS`)."""
    return cols >= K_SPLIT_COLS and 0 < rows <= K_SPLIT_ROWS


def _clearly_faster(one: float, two: float) -> bool:
    """Whether a one-thread time beats a two-thread time by more than noise (`CLEARLY`)."""
    return one < CLEARLY * two


_CTYPES: dict[str, Any] = {np.dtype(t).str: c for t, c in (
    ("int8", ctypes.c_int8), ("int16", ctypes.c_int16), ("int32", ctypes.c_int32),
    ("int64", ctypes.c_int64), ("float32", ctypes.c_float), ("float64", ctypes.c_double),
    ("bool", ctypes.c_bool), ("uint8", ctypes.c_uint8))}
"""ctypes element types by NumPy dtype string, for a scalar result's one-element buffer."""
