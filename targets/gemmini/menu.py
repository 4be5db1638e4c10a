"""The optimization menu of the schedule search: named transformations of a `Schedule`.

Each `Option` proposes a few variants of a schedule for a workload (resize a tile, reorder loops,
double buffer, overlap DMA or stores with compute, ...); only variants that pass `schedule.check`
are proposed. `MENU` lists them in order, `OPTIONS` by name.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .bound import lower_bound
from .isa import ACC_ROWS, DIM, MAX_BLOCK_LEN, SP_ROWS
from .issue import issue_estimate
from .schedule import Schedule, ScheduleError, align, check, dims
from .workload import Add, Gemm, Workload


@dataclass(frozen=True)
class Option:
    """One menu entry: a named transformation with the variants it proposes."""

    name: str
    description: str
    apply: Callable[[Workload, Schedule], list[Schedule]]
    gemm_only: bool = False
    """Only meaningful for matrix products (elementwise adds have no k loop or weights)."""

    def variants(self, w: Workload, s: Schedule) -> list[Schedule]:
        return [] if self.gemm_only and isinstance(w, Add) else self.apply(w, s)


def _valid(w: Workload, candidates: list[Schedule], current: Schedule) -> list[Schedule]:
    out: list[Schedule] = []
    for s in candidates:
        try:
            check(w, s)
        except ScheduleError:
            if not s.lean:
                continue
            s = replace(s, lean=False)  # an option that changed the loops a lean form needs
            try:
                check(w, s)
            except ScheduleError:
                continue
        if s == current or s in out:
            continue
        out.append(s)
    return out


def _fit(w: Workload, s: Schedule, dim: str) -> Schedule | None:
    """The largest size of one tile dimension that still fits."""
    limit = dict(zip("ijk", dims(w), strict=True))[dim]
    best = None
    for n in range(getattr(s, "t" + dim), limit + 1):
        size: dict[str, Any] = {"t" + dim: n}
        c = align(replace(s, **size))
        try:
            check(w, c)
            best = c
        except ScheduleError:
            continue
    return best




def _tiling(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for d in ("ij" if isinstance(w, Add) else "ijk"):
        size = getattr(s, "t" + d)
        out.append(align(replace(s, **{"t" + d: size * 2})))
        out.append(align(replace(s, **{"t" + d: max(1, size // 2)})))
        fitted = _fit(w, s, d)
        if fitted:
            out.append(fitted)
    # reshape the C tile at the same accumulator footprint: more rows reuse each preloaded
    # weight longer, more columns reuse each A block longer
    if s.tj > 1:
        out.append(align(replace(s, ti=s.ti * 2, tj=s.tj // 2)))
    if s.ti > 1:
        out.append(align(replace(s, ti=s.ti // 2, tj=s.tj * 2)))
    return _valid(w, out, s)


def _reorder(w: Workload, s: Schedule) -> list[Schedule]:
    out = [replace(s, outer="jik" if s.outer == "ijk" else "ijk", reuse_a=False, reuse_b=False)]
    out += [replace(s, inner="".join(p)) for p in itertools.permutations("ijk")]
    return _valid(w, out, s)


def _split(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [align(replace(s, tk=max(1, s.tk // 2), reuse_a=False, reuse_b=False))], s)


def _fuse(w: Workload, s: Schedule) -> list[Schedule]:
    out = [replace(s, mvout="fused")]
    if isinstance(w, Gemm):
        out.append(align(replace(s, tk=dims(w)[2])))  # fuse the k tiles into one
    return _valid(w, out, s)


def _unroll(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, unroll=u) for u in (2, 4)], s)


def _double_buffer(w: Workload, s: Schedule) -> list[Schedule]:
    dimensions = "ij" if isinstance(w, Add) else "ijk"
    if s.double_buffer:
        # single buffering: one region, so a tile may grow into the whole memory
        out = [replace(s, double_buffer=False)]
        for d in dimensions:
            out.append(align(replace(s, double_buffer=False, **{"t" + d: getattr(s, "t" + d) * 2})))
        return _valid(w, out, s)
    out = [replace(s, double_buffer=True)]
    for d in dimensions:  # make room by halving one dimension
        out.append(align(replace(s, double_buffer=True,
                                  **{"t" + d: max(1, getattr(s, "t" + d) // 2)})))
    return _valid(w, out, s)


def _keep(w: Workload, s: Schedule) -> list[Schedule]:
    if isinstance(w, Add):
        return []
    kb = dims(w)[2]
    out = []
    for outer, flag in (("ijk", "reuse_a"), ("jik", "reuse_b")):
        flags: dict[str, Any] = {"reuse_a": flag == "reuse_a", "reuse_b": flag == "reuse_b"}
        c = align(replace(s, outer=outer, tk=kb, **flags))
        out.append(c)
        for d in ("ti", "tj"):  # shrink until it fits
            shrunk = c
            while getattr(shrunk, d) > 1:
                shrunk = align(replace(shrunk, **{d: getattr(shrunk, d) // 2}))
                try:
                    check(w, shrunk)
                    out.append(shrunk)
                    break
                except ScheduleError:
                    continue
    return _valid(w, out, s)


def _hoist(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, hoist_config=True)], s)


def _overlap(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, loads="interleaved")], s)


def _overlap_stores(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for mvout in ("deferred", "carried"):
        out.append(replace(s, mvout=mvout))
        if s.inner[0] == "k":
            out += [replace(s, mvout=mvout, inner=order) for order in ("jki", "ikj")]
    return _valid(w, out, s)


def _hoist_loads(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, loads="upfront")], s)


def _no_fences(w: Workload, s: Schedule) -> list[Schedule]:
    return _valid(w, [replace(s, fence=False)], s)


def _wide_dma(w: Workload, s: Schedule) -> list[Schedule]:
    out = []
    for a in range(MAX_BLOCK_LEN, 0, -1):
        out.append(replace(s, a_blocks=a))
        out.append(replace(s, tk=-(-s.tk // a) * a, a_blocks=a))
    for b in range(MAX_BLOCK_LEN, 0, -1):
        out.append(replace(s, b_blocks=b))
        out.append(replace(s, tj=-(-s.tj // b) * b, b_blocks=b))
    valid = _valid(w, out, s)
    return [c for c in valid if c.a_blocks > s.a_blocks or c.b_blocks > s.b_blocks][:3]


def _spread_loads(w: Workload, s: Schedule) -> list[Schedule]:
    taps = w.conv.in_ch // DIM if isinstance(w, Gemm) and w.conv else MAX_BLOCK_LEN
    out = []
    for inner in ("kji", "kij"):
        c = replace(s, loads="spread", inner=inner,
                    mvout="fused" if s.mvout in ("deferred", "carried") else s.mvout)
        a = max(d for d in range(1, c.a_blocks + 1) if c.tk % d == 0 and taps % d == 0)
        c = replace(c, a_blocks=a)
        out += [replace(c, mvout="next", double_buffer=True), c]
    return _valid(w, out, s)


def _weight_reuse(w: Workload, s: Schedule) -> list[Schedule]:
    """Tall C tiles: as many i blocks as the accumulator holds for a narrow j tile, so each
    preloaded weight block serves more rows; k shrinks until A and B fit the scratchpad. Each
    comes with spread loads too (a tall tile's A loads are the ones that come in bursts)."""
    ib, jb, kb = dims(w)
    out = []
    for tj, copies in itertools.product((1, 2, 4), (1, 2)):
        most = min(ib, ACC_ROWS // (DIM * tj * copies))
        # the most i blocks, and the most that divide the i blocks (whole tiles allow mvouts
        # in the next tile)
        for ti in {most, max(d for d in range(1, most + 1) if ib % d == 0)}:
            tk = min(kb, SP_ROWS // (DIM * copies) // (ti + tj))
            if tk >= s.a_blocks:
                tk -= tk % s.a_blocks
            if min(ti, tj, tk) < 1 or tj > jb:
                continue
            tall = align(replace(s, ti=ti, tj=tj, tk=tk, double_buffer=copies == 2,
                                 reuse_a=False, reuse_b=False, lean=False))
            spread = _spread_loads(w, tall)[:1]
            out += spread or [tall]
            out += [replace(c, lean=True) for c in spread]
    # mvouts left in a burst at the end of each tile cost a few percent the estimate leaves out;
    # a lean loop issues each step's loads in a burst, which costs a few percent when the CPU
    # is not the bottleneck
    valid = sorted(_valid(w, out, s), key=lambda c: max(
        _queue_estimate(w, c) * (1.0 if c.mvout == "next" else 1.03) * (1.05 if c.lean else 1.0),
        issue_estimate(w, c)))
    # the best double-buffered and the best single-buffered one (the estimate leaves out the
    # transitions between tiles, which double buffering hides)
    return [c for db in (True, False) for c in [x for x in valid if x.double_buffer == db][:1]]


def _queue_estimate(w: Workload, s: Schedule) -> int:
    """A rough cost of a tiling: the busier of the execute queue (computes and preloads, a
    weight block preloaded again for every i tile after the first) and the load queue (A
    reloaded for every j tile, B for every i tile), in 16-byte beats."""
    if isinstance(w, Add):
        return 0
    ib, jb, kb = dims(w)
    i_tiles, j_tiles = -(-ib // s.ti), -(-jb // s.tj)
    execute = lower_bound(w).execute + 12 * jb * kb * (i_tiles - 1)
    a_bytes = w.m * w.k * (1 if s.reuse_a else j_tiles)  # implicit im2col: M x K for a convolution
    b_bytes = w.k * w.n * (1 if s.reuse_b else i_tiles)
    return max(execute, (a_bytes + b_bytes) // 16)


MENU: tuple[Option, ...] = (
    Option("tiling", "resize one tile dimension (double, halve, or grow to fill memory)", _tiling),
    Option("reorder", "reorder the tile loops or the block loops inside a tile", _reorder,
           gemm_only=True),
    Option("split", "split the reduction into more, smaller k tiles", _split, gemm_only=True),
    Option("fuse", "move results out inside the compute loop; fuse the k tiles into one", _fuse),
    Option("unroll", "unroll the innermost block loop", _unroll, gemm_only=True),
    Option("double_buffer", "alternate two scratchpad/accumulator regions between tiles, or "
           "go back to one region so a tile can use the whole memory", _double_buffer),
    Option("keep_in_scratchpad", "keep the A (or B) tile in the scratchpad across tiles", _keep,
           gemm_only=True),
    Option("hoist_config", "configure once, outside the loops", _hoist),
    Option("hoist_loads", "move a tile's loads out of its compute loops, before them",
           _hoist_loads, gemm_only=True),
    Option("overlap_dma", "load each block just before its first use, overlapping DMA and "
           "compute", _overlap, gemm_only=True),
    Option("overlap_stores", "move each result out during the next row (or column) of blocks, "
           "spread over its k steps, overlapping stores with compute (the last row of a tile: "
           "after the tile, or carried into the next tile)", _overlap_stores,
           gemm_only=True),
    Option("remove_fences", "drop the fences between tiles", _no_fences),
    Option("wide_dma", "move up to 4 blocks per mvin", _wide_dma, gemm_only=True),
    Option("spread_loads", "with k as the outer block loop, issue the next k group's A mvins "
           "and the next step's B mvins one at a time during the current one, instead of in a "
           "burst when they are needed", _spread_loads, gemm_only=True),
    Option("weight_reuse", "tall, narrow C tiles (as many i blocks as the accumulator holds) so "
           "each preloaded weight block serves more rows", _weight_reuse, gemm_only=True),
)
OPTIONS = {o.name: o for o in MENU}
