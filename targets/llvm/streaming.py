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


STREAM_SHARE = 1.0
"""A call streams its output when its working set is at least this share of the last-level
cache. Measured on a 32 MB L3 (AMD EPYC, 2 threads, benchmarks/stream_stores.py): at 76 MB
every kernel gained (1.1-1.4x), at 8 MB every one lost (0.5-0.9x); at 23 MB (two arrays of 3e6
int32) one run gained (1.0-1.3x) and another lost (0.8-1.0x), and at 34 MB (three arrays) both
gained (1.1-1.3x)."""


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
    an index), on a host that `supported()`; the innermost axis streamed when the call's working
    set (`input_bytes` and the output's) has at least the module's `STREAM_GLOBAL` bytes. One
    copy of the element code serves both ways (`_row`)."""
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
    stage = _stage(g, out.type.pointee, CHUNK_BYTES // elem_bytes)

    def rows(idx: tuple[Value, ...]) -> None:
        if len(idx) < len(dims) - 1:
            g.loop(g.i64(0), dims[len(idx)], lambda i: rows((*idx, i)), "nest")
            return
        _row(g, out, flat((*idx, g.i64(0))), g.i64(0), dims[-1], big, stage,
             lambda k, ptr: store_at((*idx, k), ptr), elem_bytes)

    if len(dims) == 1:
        _row(g, out, g.i64(0), start, stop, big, stage, lambda k, ptr: store_at((k,), ptr),
             elem_bytes)
    else:
        g.loop(start, stop, lambda i: rows((i,)), "nest")
    with b.if_then(big):
        sfence = b.module.declare_intrinsic("llvm.x86.sse.sfence",
                                            fnty=ir.FunctionType(ir.VoidType(), []))
        b.call(sfence, [])


def _stage(g: Lowering, elem_t: ir.Type, count: int) -> Value:
    """A 64-byte-aligned stack array in the entry block (one slot, not one per chunk)."""
    here = g.b.block
    g.b.position_at_start(g.b.function.entry_basic_block)
    slot = g.b.alloca(ir.ArrayType(elem_t, count), name="stage")
    slot.align = LINE
    g.b.position_at_end(here)
    return g.b.bitcast(slot, elem_t.as_pointer())


def _row(g: Lowering, out: Value, offset: Value, lo: Value, hi: Value, big: Value, stage: Value,
         store_at: Callable[[Value, Value], None], elem_bytes: int) -> None:
    """Elements k in [lo, hi) of a row at out + offset + k, in pieces: when `big`, the elements
    before the row's first 64-byte boundary, then whole chunks of `CHUNK_BYTES`, each computed
    into the stage and copied out by non-temporal stores, then the rest; otherwise one piece,
    the whole range, stored directly. Each piece runs the same loop (`store_at` emitted once),
    its destination the output or the stage shifted back by the chunk's start."""
    b = g.b
    per_chunk = CHUNK_BYTES // elem_bytes
    row = b.gep(out, [offset], inbounds=True)
    head = b.udiv(b.and_(b.sub(g.i64(0), b.ptrtoint(b.gep(row, [lo]), I64)), g.i64(LINE - 1)),
                  g.i64(elem_bytes))  # `out` is element-aligned
    first = b.select(big, g.smax(lo, g.smin(hi, b.add(lo, head))), g.smax(lo, hi))
    chunks = b.sdiv(g.smax(b.sub(hi, first), g.i64(0)), g.i64(per_chunk))
    rest = b.add(first, b.mul(chunks, g.i64(per_chunk)))
    nontemporal = b.module.add_metadata([ir.Constant(I32, 1)])

    def piece(q: Value) -> None:  # 0: the head, 1..chunks: the chunks, chunks + 1: the rest
        is_head, is_rest = b.icmp_signed("==", q, g.i64(0)), b.icmp_signed(">", q, chunks)
        full = b.not_(b.or_(is_head, is_rest))
        chunk_start = b.add(first, b.mul(b.sub(q, g.i64(1)), g.i64(per_chunk)))
        s = b.select(is_head, lo, b.select(is_rest, rest, chunk_start))
        e = b.select(is_head, first, b.select(is_rest, hi, b.add(chunk_start, g.i64(per_chunk))))
        dst = b.select(full, b.gep(stage, [b.neg(s)]), row)
        g.loop(s, e, lambda k: store_at(k, b.gep(dst, [k])), "nest")
        with b.if_then(full):
            src = b.bitcast(stage, LINE_VECTOR.as_pointer())
            to = b.bitcast(b.gep(row, [s], inbounds=True), LINE_VECTOR.as_pointer())

            def line(k: Value) -> None:
                v = b.load(b.gep(src, [k], inbounds=True), align=LINE)
                b.store(v, b.gep(to, [k], inbounds=True), align=LINE).set_metadata(
                    "nontemporal", nontemporal)

            g.loop(g.i64(0), g.i64(CHUNK_BYTES // LINE), line, "stream.copy")

    g.loop(g.i64(0), b.add(chunks, g.i64(2)), piece, "stream.pieces")


__all__ = ["CHUNK_BYTES", "LINE", "STREAM_GLOBAL", "STREAM_SHARE", "default_stream_bytes",
           "last_level_cache", "supported", "write_nest"]
