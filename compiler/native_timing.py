"""Time a C++ function natively: the `g++ -O3 -march=native` baseline of `tensflo bench`.

A generated driver `#include`s the source, reads one input from a binary file, calls the function
`warmup + repeats` times and writes each call's time (nanoseconds, `std::chrono::steady_clock`) and
the last result. Inputs are built once, outside the timed region; a call's own copies (parameters
taken by value) are part of its time, as they are when the original runs in its program. A compiler
barrier before each call and an escape of each result keep g++ from hoisting the call out of the
loop or discarding it.

Binary format (little-endian): `int` an int64; `vec[int]` an int64 length then int32 entries;
`mat[int]` int64 rows and columns then int32 entries row by row. The output file holds the number
of timed calls (int64), their times (int64 ns), then the result in the same format.
"""

from __future__ import annotations

import os
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tensflo.ir.tensir.types import TensorType

from .native import (
    CPP_TYPES,
    INT_MAX,
    INT_MIN,
    NativeError,
    build_driver,
    describe_exit,
    include_source,
    native_type,
)

BENCH_FLAGS: tuple[str, ...] = ("-std=c++17", "-O3", "-march=native")
"""Flags of the timed baseline."""
SLOW = 10.0
"""A call longer than `SLOW` x the time budget is timed once, without warm-up."""

_HELPERS = r"""
namespace tensflo_timing {

static std::FILE* in_file;

static void fail_input() {
    std::fprintf(stderr, "tensflo timing driver: malformed input\n");
    std::exit(3);
}

static long long read_i64() {
    long long v;
    if (std::fread(&v, sizeof v, 1, in_file) != 1) fail_input();
    return v;
}

static int read_int() { return (int)read_i64(); }

static std::vector<int> read_vec() {
    long long n = read_i64();
    if (n < 0) fail_input();
    std::vector<int> v(n);
    if (n && std::fread(v.data(), sizeof(int), n, in_file) != (size_t)n) fail_input();
    return v;
}

static std::vector<std::vector<int>> read_mat() {
    long long rows = read_i64(), cols = read_i64();
    if (rows < 0 || cols < 0) fail_input();
    std::vector<std::vector<int>> m(rows, std::vector<int>(cols));
    for (auto& row : m)
        if (cols && std::fread(row.data(), sizeof(int), cols, in_file) != (size_t)cols) fail_input();
    return m;
}

static void put_i64(std::FILE* f, long long v) { std::fwrite(&v, sizeof v, 1, f); }

static void put(std::FILE* f, int v) { put_i64(f, v); }

static void put(std::FILE* f, const std::vector<int>& v) {
    put_i64(f, (long long)v.size());
    std::fwrite(v.data(), sizeof(int), v.size(), f);
}

static void put(std::FILE* f, const std::vector<std::vector<int>>& m) {
    std::size_t cols = m.empty() ? 0 : m[0].size();
    for (const auto& row : m)
        if (row.size() != cols) { std::fprintf(stderr, "ragged matrix result\n"); std::exit(4); }
    put_i64(f, (long long)m.size());
    put_i64(f, (long long)cols);
    for (const auto& row : m) std::fwrite(row.data(), sizeof(int), cols, f);
}

template <class T> static inline void clobber(T& value) { asm volatile("" : : "g"(&value) : "memory"); }

}  // namespace tensflo_timing
"""


def timing_driver(source_path: str | os.PathLike[str], function: str,
                  param_types: Sequence[TensorType], return_type: TensorType) -> str:
    """The C++ timing driver for `function` in `source_path`."""
    readers = {0: "read_int", 1: "read_vec", 2: "read_mat"}
    reads = "".join(f"    {CPP_TYPES[t.rank]} arg{i} = tensflo_timing::{readers[t.rank]}();\n"
                    for i, t in enumerate(param_types))
    clobbers = "".join(f"        tensflo_timing::clobber(arg{i});\n" for i in range(len(param_types)))
    args = ", ".join(f"arg{i}" for i in range(len(param_types)))
    return (
        include_source(source_path) +
        "#include <chrono>\n#include <cstdio>\n#include <cstdlib>\n#include <vector>\n"
        f"{_HELPERS}\n"
        "int main(int argc, char** argv) {\n"
        "    if (argc != 6) {\n"
        "        std::fprintf(stderr, \"usage: driver INPUT OUTPUT WARMUP REPEATS MAX_SECONDS\\n\");\n"
        "        return 2;\n"
        "    }\n"
        "    tensflo_timing::in_file = std::fopen(argv[1], \"rb\");\n"
        "    if (!tensflo_timing::in_file) { std::perror(argv[1]); return 2; }\n"
        f"{reads}"
        "    long warmup = std::atol(argv[3]), repeats = std::atol(argv[4]);\n"
        "    double budget = std::atof(argv[5]);\n"
        "    std::vector<long long> times;\n"
        f"    {CPP_TYPES[return_type.rank]} result{{}};\n"
        "    double spent = 0;\n"
        "    for (long call = 0; call < warmup + repeats; call++) {\n"
        f"{clobbers}"
        "        auto t0 = std::chrono::steady_clock::now();\n"
        f"        result = {function}({args});\n"
        "        auto t1 = std::chrono::steady_clock::now();\n"
        "        tensflo_timing::clobber(result);\n"
        "        long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();\n"
        "        spent += ns * 1e-9;\n"
        f"        bool slow = ns * 1e-9 > {SLOW} * budget;  // timed once, without warm-up\n"
        "        if (call >= warmup || slow) times.push_back(ns);\n"
        "        if (slow || (times.size() >= 3 && spent > budget)) break;\n"
        "    }\n"
        "    std::FILE* out = std::fopen(argv[2], \"wb\");\n"
        "    if (!out) { std::perror(argv[2]); return 2; }\n"
        "    tensflo_timing::put_i64(out, (long long)times.size());\n"
        "    for (long long t : times) tensflo_timing::put_i64(out, t);\n"
        "    tensflo_timing::put(out, result);\n"
        "    return std::fclose(out) == 0 ? 0 : 2;\n"
        "}\n"
    )


@dataclass(frozen=True)
class NativeTiming:
    """Times of the timed calls (seconds) and the result of the last call."""

    seconds: tuple[float, ...]
    result: int | np.ndarray


def _encode(value: Any, t: TensorType, where: str) -> bytes:
    if t.rank == 0:
        v = int(value)
        if not INT_MIN <= v <= INT_MAX:
            raise NativeError(f"{where}: {v} does not fit a C++ int")
        return struct.pack("<q", v)
    arr = np.asarray(value)
    if arr.ndim != t.rank:
        raise NativeError(f"{where}: expected a {t}, got an array of shape {arr.shape}")
    if arr.size and (arr.min() < INT_MIN or arr.max() > INT_MAX):
        raise NativeError(f"{where}: entries do not fit a C++ int")
    head = struct.pack(f"<{arr.ndim}q", *arr.shape)
    return head + np.ascontiguousarray(arr, dtype="<i4").tobytes()


def _decode(data: bytes, pos: int, t: TensorType) -> int | np.ndarray:
    dims = struct.unpack_from(f"<{max(t.rank, 1)}q", data, pos)
    pos += 8 * len(dims)
    if t.rank == 0:
        return dims[0]
    count = int(np.prod(dims))
    arr = np.frombuffer(data, dtype="<i4", count=count, offset=pos).reshape(dims)
    return arr.astype(np.int64)


@dataclass(frozen=True)
class TimedProgram:
    """A compiled timing driver for one C++ function."""

    function: str
    param_types: tuple[TensorType, ...]
    return_type: TensorType
    binary: Path

    def time(self, args: Sequence[object], *, warmup: int = 2, repeats: int = 15,
             max_seconds: float = 2.0, timeout: float = 600.0) -> NativeTiming:
        """Run the function on one input: `warmup` untimed calls, then up to `repeats` timed ones
        (at least 3, fewer than `repeats` once `max_seconds` of calls have run; a call over
        `SLOW` x `max_seconds` is the only one)."""
        if len(args) != len(self.param_types):
            raise NativeError(f"{self.function} takes {len(self.param_types)} arguments, got {len(args)}")
        payload = b"".join(_encode(a, t, f"argument {i}")
                           for i, (a, t) in enumerate(zip(args, self.param_types, strict=True)))
        with tempfile.TemporaryDirectory(prefix="tensflo-timing-") as tmp:
            inp, out = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
            inp.write_bytes(payload)
            command = [str(self.binary), str(inp), str(out), str(warmup), str(repeats), str(max_seconds)]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise NativeError(f"{self.function}: timed out after {timeout:g} s") from None
            if proc.returncode != 0:
                raise NativeError(f"{self.function}: the timing driver {describe_exit(proc.returncode)}"
                                  + (f": {proc.stderr.strip()[-500:]}" if proc.stderr.strip() else ""))
            data = out.read_bytes()
        (count,) = struct.unpack_from("<q", data, 0)
        times = struct.unpack_from(f"<{count}q", data, 8)
        result = _decode(data, 8 + 8 * count, self.return_type)
        return NativeTiming(tuple(t * 1e-9 for t in times), result)


def compile_timed(source_path: str | os.PathLike[str], function: str,
                  param_types: Sequence[str | TensorType], return_type: str | TensorType, *,
                  cache_dir: str | os.PathLike[str] | None = None, cxx: str = "g++",
                  flags: Sequence[str] = BENCH_FLAGS) -> TimedProgram:
    """Compile (cached) the timing driver of `function` in `source_path`."""
    params = tuple(native_type(t) for t in param_types)
    result = native_type(return_type)
    driver = timing_driver(source_path, function, params, result)
    binary, _ = build_driver(source_path, function, driver, cache_dir=cache_dir, cxx=cxx, flags=flags)
    return TimedProgram(function, params, result, binary)
