"""Output buffers whose pages are already mapped, reused across calls of the generated code.

A fresh NumPy array above glibc's mmap threshold (128 KB, rising to at most 32 MB once large
blocks are freed) gets new pages from the kernel on each call: a fault per page and the kernel
zeroing it, a write pass over the output that the kernel's own loop then repeats (a 10^7-element
int32 `scal`: 4.2 ms into a fresh array, 2.7 ms into a reused one; docs/llvm.md).

`OutputPool.empty(shape, dtype)` hands out an output of at least `MIN_BYTES` as a view of a block
kept here. A block is free again when nothing references it: every view of a NumPy array has the
array owning the memory as its `.base` (NumPy collapses view chains to the owner), and so does
whatever holds a view (a memoryview, a ctypes buffer), so the block's reference count says whether
any of them is alive (CPython; elsewhere, or with the GIL disabled, `empty` is `np.empty`). A block
something still references is never handed out, so an output never aliases a live array, an input
of the call, or another output. The blocks tracked (free or in use) total at most `capacity` bytes
and `MAX_BLOCKS` blocks: past either, the least recently used are dropped, free ones first (a block
in use is only forgotten: its arrays keep it alive and free it as NumPy would).
"""

from __future__ import annotations

import math
import os
import sys
import sysconfig
import threading
from dataclasses import dataclass

import numpy as np

MIN_BYTES = 1 << 20
"""Smaller outputs are plain `np.empty` (glibc's heap reuses their memory)."""
MAX_BLOCKS = 8
"""Blocks tracked at most (each call scans them)."""
ALIGN = 64
"""Byte alignment of a handed-out output (a cache line, one AVX-512 vector)."""
GRAIN = 1 << 21
"""Block sizes are multiples of this (a huge page), so nearby sizes share blocks."""

COUNTED = sys.implementation.name == "cpython" and not sysconfig.get_config_var("Py_GIL_DISABLED")
"""Whether reference counts tell when a block is free (else the pool hands out `np.empty`)."""


def default_capacity() -> int:
    """256 MiB, or an eighth of the physical memory if that is less."""
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        ram = 1 << 31
    return min(256 << 20, ram // 8)


@dataclass(eq=False)
class _Block:
    memory: np.ndarray
    """uint8, owning its data; referenced only here while the block is free."""
    start: int
    """Offset of the first `ALIGN`-aligned byte."""
    size: int
    """Usable bytes from `start`."""
    used: int
    """The pool's clock when last handed out."""


def _refs(block: _Block) -> int:
    return sys.getrefcount(block.memory)


_IDLE = _refs(_Block(np.empty(1, np.uint8), 0, 1, 0))
"""`_refs` of a block nothing but the pool references."""


class OutputPool:
    """Reused output buffers (see the module docstring); thread-safe."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = default_capacity() if capacity is None else capacity
        """Bytes of blocks tracked at most; 0 turns the pool off."""
        self._blocks: list[_Block] = []
        self._clock = 0
        self._lock = threading.Lock()

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialized C-contiguous array, in a free block when it is large enough."""
        nbytes = math.prod(shape) * dtype.itemsize
        if not COUNTED or nbytes < MIN_BYTES or nbytes > self.capacity:
            return np.empty(shape, dtype)
        with self._lock:
            self._clock += 1
            block = self._free_fit(nbytes) or self._new_block(nbytes)
            block.used = self._clock
            return np.ndarray(shape, dtype, block.memory, block.start)

    def _free_fit(self, nbytes: int) -> _Block | None:
        """The smallest free block that holds `nbytes` and wastes under a quarter of it, of
        those the most recently used (the likeliest to be in cache)."""
        best = None
        for b in self._blocks:
            if nbytes <= b.size <= nbytes + nbytes // 4 + GRAIN and _refs(b) == _IDLE \
                    and (best is None or (b.size, -b.used) < (best.size, -best.used)):
                best = b
        return best

    def _new_block(self, nbytes: int) -> _Block:
        size = -(-nbytes // GRAIN) * GRAIN
        self._shrink(self.capacity - size, MAX_BLOCKS - 1)
        memory = np.empty(size + ALIGN, np.uint8)
        block = _Block(memory, -memory.ctypes.data % ALIGN, size, self._clock)
        self._blocks.append(block)
        return block

    def _shrink(self, max_bytes: int, max_blocks: int) -> None:
        """Drop blocks, least recently used and free ones first, until the rest fit."""
        order = sorted(self._blocks, key=lambda b: (_refs(b) != _IDLE, b.used))
        total = sum(b.size for b in self._blocks)
        while order and (total > max_bytes or len(order) > max_blocks):
            total -= order.pop(0).size
        self._blocks = [b for b in self._blocks if b in order]

    def set_capacity(self, capacity: int) -> None:
        """Change `capacity` (0 turns the pool off), dropping blocks past it."""
        with self._lock:
            self.capacity = capacity
            self._shrink(capacity, MAX_BLOCKS)

    def clear(self) -> None:
        """Forget every block (those in use stay alive with their arrays)."""
        with self._lock:
            self._blocks = []

    def tracked(self) -> tuple[int, int, int]:
        """(blocks, bytes tracked, bytes free)."""
        with self._lock:
            free = sum(b.size for b in self._blocks if _refs(b) == _IDLE)
            return len(self._blocks), sum(b.size for b in self._blocks), free


POOL = OutputPool()
"""The llvm runtime's output pool (`POOL.set_capacity(0)` turns it off)."""


def _after_fork() -> None:
    """A forked child gets a new lock: another thread may have held the parent's at the fork."""
    POOL._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


__all__ = ["ALIGN", "COUNTED", "GRAIN", "MAX_BLOCKS", "MIN_BYTES", "POOL", "OutputPool",
           "default_capacity"]
