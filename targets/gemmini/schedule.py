"""Schedules: how one workload runs on Gemmini, the checks that a schedule fits, and the baselines.

A schedule fixes how a matrix product is tiled and ordered on Gemmini: tile sizes (in DIM x DIM
blocks), the order of the tile loops and of the block loops inside a tile, how many blocks one
mvin moves, whether loads come before a tile's computes or just in time between them, where
results are moved out, double buffering, keeping tiles in the scratchpad across tiles, fences,
where configuration happens, and unrolling. Every schedule the generator (`generator.build`)
accepts computes the same result; `ScheduleError` rejects the ones that do not fit the
scratchpad/accumulator.

The baselines: `naive` (one block at a time, fenced, configured per tile) and `library`
(`tiled_matmul_auto`'s tiling heuristic, and the instructions its per-tile `gemmini_loop_ws` unrolls
to; see `library`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from .isa import ACC_ROWS, DIM, MAX_BLOCK_LEN, SP_ROWS
from .workload import Add, Gemm, Workload


class ScheduleError(ValueError):
    """A schedule that does not apply to a workload (too large, misaligned)."""


@dataclass(frozen=True)
class Schedule:
    """How to run a workload; see the module docstring. Sizes are in DIM x DIM blocks."""

    ti: int = 1
    tj: int = 1
    tk: int = 1
    outer: str = "ijk"
    """Order of the tile loops, outermost first; k is always innermost (partial sums stay in the
    accumulator), so this is `ijk` or `jik`."""
    inner: str = "ijk"
    """Order of the block loops inside a tile (any permutation); with i innermost, consecutive
    computes reuse the preloaded weights."""
    a_blocks: int = 1
    """Blocks of A one mvin moves (along k), 1..4."""
    b_blocks: int = 1
    """Blocks of B one mvin moves (along j), 1..4."""
    loads: str = "upfront"
    """`upfront`: a tile's loads precede its computes; `interleaved`: each block is loaded just
    before its first use, so DMA overlaps compute; `spread` (block loops in order k first): the
    A mvins of the next k group (`a_blocks` k steps) are issued one at a time across the
    iterations of the current group, ahead of their use, instead of in a burst when the group
    starts (B and bias loads as in `interleaved`)."""
    mvout: str = "tile"
    """`tile`: results move out after the tile; `fused`: each block right after its last compute;
    `deferred`: each block during the next iteration of the outermost block loop (i or j), at a
    k step that varies from block to block, so stores spread between computes instead of coming in
    bursts that fill the store queue; `carried`: deferred, and the last row (or column) of blocks
    of a tile is moved out the same way during the first row (or column) of the next tile, instead
    of in a burst after the tile; `next` (double buffering): each block of a C tile during the
    first k tile of the next C tile, at k step (i + j) % tk, while the other accumulator half
    fills (blocks outside the next tile's extents after its loops, the last C tile's after it)."""
    double_buffer: bool = False
    """Alternate two scratchpad/accumulator regions between consecutive tiles."""
    reuse_a: bool = False
    """Keep the A tile in the scratchpad across the j tiles (needs outer `ijk` and one k tile)."""
    reuse_b: bool = False
    """Keep the B tile in the scratchpad across the i tiles (needs outer `jik` and one k tile)."""
    fence: bool = True
    """Fence after every tile."""
    hoist_config: bool = False
    """Configure once at the start instead of at every tile."""
    unroll: int = 1
    """Unroll the innermost block loop by this factor."""
    lean: bool = False
    """With spread loads and block order `kji`: the innermost (i) loop holds only the preloads and
    computes (the first i peeled, its weights fresh), and each (k, j) step's loads and stores are
    issued before it in loops of their own, so the CPU tests no condition per compute (see
    `lean_nest`)."""

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        default = Schedule()
        return ", ".join(f"{k}={v}" for k, v in asdict(self).items() if getattr(default, k) != v) \
            or "default"


NAIVE = Schedule()
MVOUTS = ("tile", "fused", "deferred", "carried", "next")
LOADS = ("upfront", "interleaved", "spread")


def blocks(n: int) -> int:
    return -(-n // DIM)


def library(w: Workload) -> Schedule:
    """What `tiled_matmul_auto(..., WS)` of gemmini-rocc-tests' `include/gemmini.h` (commit
    0015b1af5e1d1223a74ac847ce72be1071ce38d9) runs, in this generator's terms.

    Tile sizes: `tiled_matmul_auto`'s heuristic for the weight-stationary type, which the header
    treats as double buffered. Tiles start at `db_max_tile_i_j = (size_t)sqrt((ACC_ROWS / 2) / DIM)`
    = 5 blocks for i and j and `db_max_tile_k = ((BANK_NUM * BANK_ROWS / 2) / 2 / DIM) /
    db_max_tile_i_j` = 51 blocks for k (the `db_partition_rows` macro halves the half scratchpad
    once more), each clamped to the problem; then, while anything grows, j, i and k grow by one
    block in that order as long as A + B fit `max_spad_rows` = half the scratchpad and C fits
    `max_acc_rows` = half the accumulator.

    Instruction stream: `tiled_matmul_outer` configures once (config_ex, config_st, three
    config_ld), loops over tiles i0, j0, k0 and ends with one `gemmini_fence()`; it issues no fence
    between tiles. Each tile goes to `sp_tiled_matmul_ws`, i.e. one CISC `gemmini_loop_ws`, which
    Gemmini's LoopMatmul unroller (ucb-bar/gemmini src/main/scala/gemmini/LoopMatmul.scala) turns
    into: A mvins of up to MAX_BLOCK_LEN = 4 blocks along k and B mvins of up to 4 blocks along j,
    the last one of a row shorter (`blocks = min(max_blocks, max - iterator)`); a preload of the
    weights once per (k, j) block, reused over the i blocks; each C block moved out after its last
    k; and, with `concurrent_loops = 2`, consecutive tiles in alternating scratchpad halves
    (`a_addr_start`, `b_addr_end`) and accumulator halves (`c_addr_start` advances after every
    tile that writes C). Here: blocks per mvin 4 (shorter last mvin), double buffering when there
    is more than one tile, loads just in time, mvout fused. The block order is j, k, i, the order
    of the explicit instruction loop kept (commented out) in `sp_tiled_matmul_ws`; the hardware
    unroller runs k, j, i with its store unit decoupled from the execute unit, which a program-order
    stream cannot express without stalling computes behind a full store queue (see
    docs/gemmini.md, "Baselines").
    """
    if isinstance(w, Add):
        return Schedule(ti=min(4, blocks(w.m)), tj=min(4, blocks(w.n)), fence=False,
                        hoist_config=True, mvout="fused")
    ib, jb, kb = dims(w)
    max_spad_rows, max_acc_rows = SP_ROWS // 2, ACC_ROWS // 2
    db_max_tile_i_j = math.isqrt((ACC_ROWS // 2) // DIM)
    db_max_tile_k = ((SP_ROWS // 2) // 2 // DIM) // db_max_tile_i_j
    ti, tj, tk = min(ib, db_max_tile_i_j), min(jb, db_max_tile_i_j), min(kb, db_max_tile_k)

    def spad(i: int, j: int, k: int) -> int:
        return (i * k + k * j) * DIM

    while True:
        grown = False
        if spad(ti, tj + 1, tk) <= max_spad_rows and ti * (tj + 1) * DIM <= max_acc_rows \
                and tj + 1 <= jb:
            tj, grown = tj + 1, True
        if spad(ti + 1, tj, tk) <= max_spad_rows and (ti + 1) * tj * DIM <= max_acc_rows \
                and ti + 1 <= ib:
            ti, grown = ti + 1, True
        if spad(ti, tj, tk + 1) <= max_spad_rows and tk + 1 <= kb:
            tk, grown = tk + 1, True
        if not grown:
            break
    tiles = -(-ib // ti) * -(-jb // tj) * -(-kb // tk)
    return Schedule(ti=ti, tj=tj, tk=tk, outer="ijk", inner="jki",
                    a_blocks=min(tk, MAX_BLOCK_LEN), b_blocks=min(tj, MAX_BLOCK_LEN),
                    loads="interleaved", mvout="fused", double_buffer=tiles > 1, fence=False,
                    hoist_config=True)


def dims(w: Workload) -> tuple[int, int, int]:
    """Blocks along i (output rows), j (output columns) and k (the reduction)."""
    if isinstance(w, Add):
        return blocks(w.m), blocks(w.n), 1
    return _i_blocks(w), blocks(w.n), blocks(w.k)


def _i_blocks(w: Gemm) -> int:
    if w.conv:
        return w.conv.batch * w.conv.out_h * blocks(w.conv.out_w)
    return blocks(w.m)


def check(w: Workload, s: Schedule) -> None:
    """Raise `ScheduleError` unless `s` applies to `w`."""
    if isinstance(w, Add):
        ib, jb, _ = dims(w)
        if min(s.ti, s.tj) < 1 or s.ti > ib or s.tj > jb:
            raise ScheduleError("the tile must be 1 block to the problem size")
        if s.ti * s.tj * DIM * (2 if s.double_buffer else 1) > ACC_ROWS:
            raise ScheduleError("the tile does not fit the accumulator")
        return
    if min(s.ti, s.tj, s.tk, s.a_blocks, s.b_blocks, s.unroll) < 1:
        raise ScheduleError("sizes must be positive")
    if s.outer not in ("ijk", "jik") or sorted(s.inner) != ["i", "j", "k"]:
        raise ScheduleError(f"bad loop order outer={s.outer} inner={s.inner}")
    if s.loads not in LOADS or s.mvout not in MVOUTS:
        raise ScheduleError("bad load or mvout placement")
    if s.loads == "spread":
        taps = w.conv.in_ch // DIM if w.conv else s.a_blocks
        if s.inner[0] != "k" or s.tk % s.a_blocks or taps % s.a_blocks:
            raise ScheduleError("spread loads need k as the outermost block loop and A mvins "
                                "that divide the k tile (and a convolution tap)")
    if s.lean and (s.loads != "spread" or s.inner != "kji" or s.mvout not in ("next", "tile")
                   or s.unroll != 1):
        raise ScheduleError("a lean inner loop needs spread loads, block order kji, mvouts in "
                            "the next tile or after it, and no unrolling")
    if s.mvout == "next" and not s.double_buffer:
        raise ScheduleError("mvouts in the next tile need double buffering")
    if s.mvout in ("deferred", "carried") and s.inner[0] == "k":
        raise ScheduleError(f"{s.mvout} mvouts need i or j as the outermost block loop")
    if s.a_blocks > MAX_BLOCK_LEN or s.b_blocks > MAX_BLOCK_LEN:
        raise ScheduleError(f"an mvin moves at most {MAX_BLOCK_LEN} blocks")
    ib, jb, kb = dims(w)
    if s.ti > ib or s.tj > jb or s.tk > kb:
        raise ScheduleError("the tile is larger than the problem")
    k_tiles = -(-kb // s.tk)
    if s.reuse_a and (s.outer != "ijk" or k_tiles != 1):
        raise ScheduleError("reuse_a needs outer order ijk and a single k tile")
    if s.reuse_b and (s.outer != "jik" or k_tiles != 1):
        raise ScheduleError("reuse_b needs outer order jik and a single k tile")
    copies = 2 if s.double_buffer else 1
    if (s.ti * s.tk + s.tk * s.tj) * DIM * copies > SP_ROWS:
        raise ScheduleError("the A and B tiles do not fit the scratchpad")
    if s.ti * s.tj * DIM * copies > ACC_ROWS:
        raise ScheduleError("the C tile does not fit the accumulator")


def align(s: Schedule) -> Schedule:
    """Shrink blocks-per-mvin until they divide the tile."""
    a = max(d for d in range(1, s.a_blocks + 1) if s.tk % d == 0)
    b = max(d for d in range(1, s.b_blocks + 1) if s.tj % d == 0)
    return replace(s, a_blocks=a, b_blocks=b)


__all__ = ["Schedule", "ScheduleError", "NAIVE", "MVOUTS", "LOADS", "align", "blocks", "check", "dims",
           "library"]
