"""Writing a large output with non-temporal stores, through a stage in L1.

An ordinary store to a line that is not in cache first reads the line from memory (a read for
ownership), so an element-wise kernel over arrays larger than the last-level cache moves its output
twice. A non-temporal store writes a whole line to memory without reading it, but x86 has it only
for aligned vectors, and the loop vectorizer does not emit one for a store it cannot prove aligned.
So a streamed row computes each chunk of `CHUNK_BYTES` into a 64-byte-aligned stack stage with the
ordinary (vectorized) loop, then copies the stage to the output as aligned 64-byte vectors with
`!nontemporal` stores; the elements before the row's first aligned line, and its last partial
chunk, are stored directly. An `sfence` after the nest orders the streamed lines before whatever
the thread writes next (the pool's completion flag, the caller's reads).

The output nest takes this path when the call's working set (its array arguments and its output)
has at least `STREAM_GLOBAL` bytes (a global of the module, by default `default_stream_bytes()`,
`STREAM_SHARE` of the last-level cache); a smaller output is better left in cache for whoever
reads it next. Only on x86-64 hosts.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

from llvmlite import ir

from .ops import Value

if TYPE_CHECKING:
    from .codegen import Lowering

I32, I64 = ir.IntType(32), ir.IntType(64)
LINE = 64
"""Bytes per non-temporal store (a cache line, one 512-bit vector)."""
CHUNK_BYTES = 4096
"""Bytes computed into the stage per chunk (well within L1)."""
LINE_VECTOR = ir.VectorType(I64, LINE // 8)
STREAM_GLOBAL = "tensflo_stream_bytes"
"""The module's i64 global: outputs of at least this many bytes are streamed."""
FALLBACK_CACHE = 32 << 20
"""The last-level cache size assumed when the host does not say."""

StoreAt = Callable[[tuple[Value, ...], Value], None]
"""store_at(index, pointer): compute the element at `index` and store it at `pointer`."""


STREAM_SHARE = 5 / 8
"""A call streams its output when its working set is at least this share of the last-level
cache: measured on a 32 MB L3 (AMD EPYC, 2 threads), two-array kernels gained from 24 MB up
(1.1-1.3x) and lost below 16 MB (0.5-0.7x), where the output would have stayed in cache."""


@cache
def default_stream_bytes() -> int:
    """`STREAM_SHARE` of the last-level cache."""
    return int(last_level_cache() * STREAM_SHARE)


@cache
def last_level_cache() -> int:
    """The host's last-level cache in bytes (sysconf, else sysfs, else `FALLBACK_CACHE`)."""
    for name in ("SC_LEVEL3_CACHE_SIZE", "SC_LEVEL2_CACHE_SIZE"):
        try:
            size = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if size > 0:
            return size
    return _sysfs_cache() or FALLBACK_CACHE


def _sysfs_cache() -> int | None:
    base = "/sys/devices/system/cpu/cpu0/cache"
    best = None
    try:
        for entry in os.listdir(base):
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip()
            scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
            size = int(text.rstrip("KMG")) * scale
            best = size if best is None else max(best, size)
    except (OSError, ValueError):
        return best
    return best


def supported() -> bool:
    """Whether the host has the aligned non-temporal stores and `sfence` this path uses."""
    return platform.machine().lower() in ("x86_64", "amd64")


def _threshold(module: ir.Module) -> Value:
    try:
        return module.get_global(STREAM_GLOBAL)
    except KeyError:
        var = ir.GlobalVariable(module, I64, STREAM_GLOBAL)
        var.initializer = ir.Constant(I64, default_stream_bytes())
        var.linkage = "weak"  # one definition when emitted modules are linked together
        return var


def write_nest(g: Lowering, dims: Sequence[Value], out: Value, elem_bytes: int,
               input_bytes: Value, start: Value, stop: Value, store_at: StoreAt,
               flat: Callable[[tuple[Value, ...]], Value]) -> None:
    """out[idx] = element(idx) for rows start..stop of `dims` (`flat`: the row-major offset of
    an index); the innermost axis streamed when the call's working set (`input_bytes` and the
    output's) has at least the module's `STREAM_GLOBAL` bytes and the host supports it, else
    the plain nest."""
    def plain(idx: tuple[Value, ...]) -> None:
        if len(idx) == len(dims):
            store_at(idx, g.b.gep(out, [flat(idx)], inbounds=True))
            return
        g.loop(g.i64(0), dims[len(idx)], lambda i: plain((*idx, i)), "nest")

    if not supported():
        g.loop(start, stop, lambda i: plain((i,)), "nest")
        return
    b = g.b
    total_v: Value = g.i64(elem_bytes)
    for d in dims:
        total_v = b.mul(total_v, d)
    big = b.icmp_signed(">=", b.add(total_v, input_bytes), b.load(_threshold(b.module)))
    # an output off its element alignment (a NumPy view of a byte buffer) would put the
    # aligned stores off a line boundary: such a call keeps the plain nest
    aligned = b.icmp_unsigned("==", b.and_(b.ptrtoint(out, I64), g.i64(elem_bytes - 1)),
                              g.i64(0))
    big = b.and_(big, aligned)

    def streamed(idx: tuple[Value, ...]) -> None:
        if len(idx) == len(dims) - 1:
            first = flat((*idx, g.i64(0)))
            _streamed_row(g, out, first, dims[-1], lambda k, ptr: store_at((*idx, k), ptr),
                          elem_bytes)
            return
        g.loop(g.i64(0), dims[len(idx)], lambda i: streamed((*idx, i)), "nest")

    with b.if_else(big) as (then, otherwise):
        with then:
            if len(dims) == 1:
                _streamed_row(g, out, start, b.sub(stop, start),
                              lambda k, ptr: store_at((b.add(start, k),), ptr), elem_bytes)
            else:
                g.loop(start, stop, lambda i: streamed((i,)), "nest")
            sfence = b.module.declare_intrinsic("llvm.x86.sse.sfence",
                                                fnty=ir.FunctionType(ir.VoidType(), []))
            b.call(sfence, [])
        with otherwise:
            g.loop(start, stop, lambda i: plain((i,)), "nest")


def _stage(g: Lowering, elem_t: ir.Type, count: int) -> Value:
    """A 64-byte-aligned stack array in the entry block (one slot, not one per chunk)."""
    here = g.b.block
    g.b.position_at_start(g.b.function.entry_basic_block)
    slot = g.b.alloca(ir.ArrayType(elem_t, count), name="stage")
    slot.align = LINE
    g.b.position_at_end(here)
    return g.b.bitcast(slot, elem_t.as_pointer())


def _streamed_row(g: Lowering, out: Value, first: Value, count: Value,
                  store_at: Callable[[Value, Value], None], elem_bytes: int) -> None:
    """Elements k in [0, count) at out + first + k: whole aligned chunks through the stage and
    non-temporal stores, the rest directly."""
    b = g.b
    per_chunk = CHUNK_BYTES // elem_bytes
    elem_t = out.type.pointee
    row = b.gep(out, [first], inbounds=True)
    stage = _stage(g, elem_t, per_chunk)

    def direct(k: Value) -> None:
        store_at(k, b.gep(row, [k], inbounds=True))

    # the elements before the row's first 64-byte-aligned one (`out` is element-aligned)
    head = b.udiv(b.and_(b.sub(g.i64(0), b.ptrtoint(row, I64)), g.i64(LINE - 1)),
                  g.i64(elem_bytes))
    aligned = g.smin(count, head)
    g.loop(g.i64(0), aligned, direct, "stream.head")
    chunks = b.sdiv(g.smax(b.sub(count, aligned), g.i64(0)), g.i64(per_chunk))
    nontemporal = b.module.add_metadata([ir.Constant(I32, 1)])

    def chunk(c: Value) -> None:
        base = b.add(aligned, b.mul(c, g.i64(per_chunk)))
        g.loop(g.i64(0), g.i64(per_chunk),
               lambda j: store_at(b.add(base, j), b.gep(stage, [j], inbounds=True)), "stream.stage")
        src = b.bitcast(stage, LINE_VECTOR.as_pointer())
        dst = b.bitcast(b.gep(row, [base], inbounds=True), LINE_VECTOR.as_pointer())

        def line(k: Value) -> None:
            v = b.load(b.gep(src, [k], inbounds=True), align=LINE)
            b.store(v, b.gep(dst, [k], inbounds=True), align=LINE).set_metadata(
                "nontemporal", nontemporal)

        g.loop(g.i64(0), g.i64(CHUNK_BYTES // LINE), line, "stream.copy")

    g.loop(g.i64(0), chunks, chunk, "stream.chunks")
    g.loop(b.add(aligned, b.mul(chunks, g.i64(per_chunk))), count, direct, "stream.tail")


__all__ = ["CHUNK_BYTES", "LINE", "STREAM_GLOBAL", "STREAM_SHARE", "default_stream_bytes",
           "last_level_cache", "supported", "write_nest"]
