"""JIT compilation (llvmlite MCJIT, host CPU, O3 with loop and SLP vectorization) and calls.

A call runs the generated `f_shape` (domain checks, output dims), allocates the output, then runs
`f` on row ranges: one range, or two halves on two threads (ctypes releases the GIL). A scalar
result is split the same way only when it is an int reduction; the partial results are combined
here (sum, product, max) with the result dtype's wrapping arithmetic.

Handing half of the work to the second thread costs a thread wake-up each way (about 80 us on this
2-core VM), more than a whole call of many 10^6-element kernels takes when their data is in cache.
So by default (`threads=None`) the first call at each size class (the bit length of the elements
touched) runs on one thread and is timed; later calls of that class use two threads only if that
call took more than `SPLIT_GAIN` times the measured hand-off cost.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from tensflo.ir.tensir import OPS, DomainError, Function

from .functions import LoweredFunction, build_module
from .int32_proofs import NOTHING, Int32Proofs

PARALLEL_THRESHOLD = 1 << 16
"""Calls touching at most this many elements (inputs plus output) always run on one thread."""
SPLIT_GAIN = 4.0
"""Split when one thread takes more than this many hand-offs' time (half the work, plus one)."""
MAX_I64 = 2**63 - 1


@cache
def target_machine() -> Any:
    """The host CPU's target machine (`-march=native`) at opt level 3."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                        features=llvm.get_host_cpu_features().flatten(), opt=3,
                                        codemodel="jitdefault")


def optimize(text: str) -> Any:
    """Parse LLVM IR text and run the O3 pipeline (vectorizers on) for the host; a binding module."""
    import llvmlite.binding as llvm

    tm = target_machine()
    mod = llvm.parse_assembly(text)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return mod


_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="tensflo-llvm"))
        return _POOL[0]


@cache
def handoff_seconds() -> float:
    """Median round trip of an empty task through the worker thread (measured once)."""
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
        self.out_dtype = np.dtype(sig.result)
        self.threads: int | None = None
        """1 or 2 to force; None chooses per size class (see the module docstring)."""
        self._split: dict[int, bool] = {}

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

    def _two_threads(self, work: int, length: int) -> bool | None:
        """Whether to split; None: not decided yet for this size class (time a single run)."""
        if self.threads is not None:
            return self.threads > 1 and length >= 2 and work > PARALLEL_THRESHOLD
        if length < 2 or work <= PARALLEL_THRESHOLD:
            return False
        return self._split.get(work.bit_length())

    def _timed_single(self, work: int, call: Any) -> Any:
        t0 = time.perf_counter()
        result = call()
        self._split[work.bit_length()] = time.perf_counter() - t0 > SPLIT_GAIN * handoff_seconds()
        return result

    def run(self, prepared: Prepared) -> Any:
        rank = self.info.rank
        dims = np.zeros(max(rank, 1), dtype=np.int64)
        self._check(self._shape(*prepared.c_args, dims.ctypes.data))
        if rank == 0:
            return self._run_scalar(prepared, int(dims[0]))
        out = np.empty(tuple(int(d) for d in dims), dtype=self.out_dtype)
        rows = int(dims[0])
        work = prepared.work + out.size
        split = self._two_threads(work, rows)
        if split:
            mid = rows // 2
            fut = _pool().submit(self._main, *prepared.c_args, out.ctypes.data, mid, rows)
            self._check(self._main(*prepared.c_args, out.ctypes.data, 0, mid))
            self._check(fut.result())
            return out
        whole = lambda: self._main(*prepared.c_args, out.ctypes.data, 0, MAX_I64)  # noqa: E731
        self._check(self._timed_single(work, whole) if split is None else whole())
        return out

    def _run_scalar(self, prepared: Prepared, length: int) -> Any:
        kind = self.info.split
        split = self._two_threads(prepared.work, length) if kind else False
        if split:
            parts = np.zeros(2, dtype=self.out_dtype)
            mid = length // 2
            addr = parts.ctypes.data
            fut = _pool().submit(self._main, *prepared.c_args, addr + self.out_dtype.itemsize,
                                 mid, MAX_I64)
            self._check(self._main(*prepared.c_args, addr, 0, mid))
            self._check(fut.result())
            assert kind is not None
            combine = OPS[OPS.reduction(kind).step].numpy  # the reduction's own step
            return combine(parts[:1], parts[1:])[0]
        out = np.zeros(1, dtype=self.out_dtype)
        whole = lambda: self._main(*prepared.c_args, out.ctypes.data, 0, MAX_I64)  # noqa: E731
        self._check(self._timed_single(prepared.work, whole) if split is None else whole())
        return out[0]

    def __call__(self, *args: Any) -> Any:
        return self.run(self.prepare(args))


_CACHE: dict[tuple, Kernel] = {}
_CACHE_LOCK = threading.Lock()


def _key(fn: Function, dtypes: dict[str, str], reassociate: bool = False,
         proofs: Int32Proofs = NOTHING) -> tuple:
    return (str(fn), tuple(sorted(dtypes.items())), reassociate,
            tuple(sorted(map(str, proofs.terms))), tuple(sorted(proofs.params)))


def compile_functions(functions: Sequence[Function], dtypes: dict[str, str] | None = None,
                      reassociate: bool = False,
                      proofs: Mapping[str, Int32Proofs] | None = None) -> dict[str, Kernel]:
    """Compile functions (one module, one engine), cached per (function text, dtypes, whether
    float reductions may be reordered, the subterms proven to be source `int` values)."""
    proofs = dict(proofs or {})
    import llvmlite.binding as llvm

    dtypes = dict(dtypes or {})
    with _CACHE_LOCK:
        keys = {f.name: _key(f, dtypes, reassociate, proofs.get(f.name, NOTHING))
                for f in functions}
        hits = {f.name: _CACHE[keys[f.name]] for f in functions if keys[f.name] in _CACHE}
    todo = [f for f in functions if f.name not in hits]
    if todo:
        module, lowered = build_module(todo, dtypes, reassociate=reassociate, proofs=proofs)
        mod = optimize(str(module))
        engine = llvm.create_mcjit_compiler(mod, target_machine())
        engine.finalize_object()
        with _CACHE_LOCK:
            for f, lo in zip(todo, lowered, strict=True):
                hits[f.name] = _CACHE[keys[f.name]] = Kernel(f, lo, engine)
    return {f.name: hits[f.name] for f in functions}
