"""The program generator: one `Schedule` + one workload -> one Gemmini program.

`build` checks the schedule (`schedule.check`) and emits the loops and instructions it describes
for a matrix product or convolution (`GemmBuilder`) or an elementwise add (`_build_add`). Every
schedule it accepts computes the same result.
"""

from __future__ import annotations

from .expr import E, Expr, Var, binop, emin
from .isa import (
    ACC_BIT,
    ACCUMULATE_BIT,
    DIM,
    FULL_WIDTH_BIT,
    GARBAGE_ADDR,
    RELU,
    WEIGHT_STATIONARY,
)
from .lean_nest import lean_nest
from .program import (
    Buffer,
    ComputeAccumulated,
    ComputePreloaded,
    ConfigEx,
    ConfigLd,
    ConfigSt,
    Dram,
    Fence,
    Mvin,
    Mvout,
    Preload,
    Program,
    Stmt,
    loop,
    substitute,
    when,
)
from .schedule import Schedule, blocks, check, dims
from .workload import Add, Gemm, Workload, describe


def build(w: Workload, s: Schedule) -> Program:
    """The Gemmini program running `w` with schedule `s`."""
    check(w, s)
    if isinstance(w, Add):
        return _build_add(w, s)
    return GemmBuilder(w, s).program()


def _extent(tile: int, total: int, index: Expr) -> Expr:
    """Blocks in tile `index` of `tile`-block tiles over `total` blocks."""
    if total % tile == 0:
        return E(tile)
    return emin(tile, binop("-", total, index * tile))


def _k_contiguous(w: Gemm) -> int | None:
    """Blocks of K that are adjacent in DRAM (a convolution's channels of one tap)."""
    return w.conv.in_ch // DIM if w.conv else None


class GemmBuilder:
    """Emits the program of one matrix product or convolution under one schedule."""

    def __init__(self, w: Gemm, s: Schedule) -> None:
        self.w, self.s = w, s
        self.IB, self.JB, self.KB = dims(w)
        self.I0, self.J0, self.K0 = (-(-self.IB // s.ti), -(-self.JB // s.tj), -(-self.KB // s.tk))
        copies = 2 if s.double_buffer else 1
        self.a_size = s.ti * s.tk * DIM
        self.b_size = s.tk * s.tj * DIM
        self.c_size = s.ti * s.tj * DIM
        self.a_base = 0
        self.b_base = self.a_size * copies
        self.i0, self.j0, self.k0 = Var("i0"), Var("j0"), Var("k0")
        self.i, self.j, self.k = Var("i"), Var("j"), Var("k")
        self.c_elem = 4 if w.out_dtype == "int32" else 1

    # the tile counter and the double-buffering slots
    def tile_counter(self) -> Expr:
        s = self
        first, second = (s.i0, s.j0) if s.s.outer == "ijk" else (s.j0, s.i0)
        n_second = s.J0 if s.s.outer == "ijk" else s.I0
        return (first * n_second + second) * s.K0 + s.k0

    def slot(self, index: Expr, size: int) -> Expr:
        return (index % 2) * size if self.s.double_buffer else E(0)

    def a_slot(self) -> Expr:
        return self.slot(self.i0 if self.s.reuse_a else self.tile_counter(), self.a_size)

    def b_slot(self) -> Expr:
        return self.slot(self.j0 if self.s.reuse_b else self.tile_counter(), self.b_size)

    def c_slot(self) -> Expr:
        return self.slot(self.tile_counter() // self.K0, self.c_size)

    def c_tile(self) -> Expr:
        """Index of the current C tile (tiles that differ only in k0 share one)."""
        return self.tile_counter() // self.K0

    def previous_c_tile(self) -> dict[str, Expr]:
        """The tile variables of the last k0 tile of the previous C tile."""
        t = self.c_tile() - 1
        if self.s.outer == "ijk":
            i0, j0 = t // self.J0, t % self.J0
        else:
            i0, j0 = t % self.I0, t // self.I0
        return {"i0": i0, "j0": j0, "k0": E(self.K0 - 1)}

    # global block indices and sizes
    def gi(self) -> Expr:
        return self.i0 * self.s.ti + self.i

    def gj(self) -> Expr:
        return self.j0 * self.s.tj + self.j

    def gk(self) -> Expr:
        return self.k0 * self.s.tk + self.k

    def row_of(self, ib: Expr) -> tuple[Expr, Expr]:
        """(first output row, rows) of I-block `ib`."""
        w = self.w
        if w.conv is None:
            return ib * DIM, emin(DIM, binop("-", w.m, ib * DIM))
        c = w.conv
        qb_n = blocks(c.out_w)
        p, qb = ib // qb_n, ib % qb_n
        rows = E(DIM) if c.out_w % DIM == 0 else emin(DIM, binop("-", c.out_w, qb * DIM))
        return p * c.out_w + qb * DIM, rows

    def a_dram(self, ib: Expr, kb: Expr) -> Dram:
        w = self.w
        if w.conv is None:
            return Dram("A", self.row_of(ib)[0] * w.k + kb * DIM)
        c = w.conv
        qb_n, cb_n = blocks(c.out_w), c.in_ch // DIM
        p, qb = ib // qb_n, ib % qb_n
        b, oy = p // c.out_h, p % c.out_h
        tap, cb = kb // cb_n, kb % cb_n
        ky, kx = tap // c.kw, tap % c.kw
        pixel = (b * c.height + oy * c.stride + ky) * c.width + qb * (DIM * c.stride) + kx
        return Dram("X", pixel * c.in_ch + cb * DIM)

    def a_stride(self) -> int:
        return self.w.conv.in_ch * self.w.conv.stride if self.w.conv else self.w.k

    # the instructions
    def configs(self) -> list[Stmt]:
        w = self.w
        out: list[Stmt] = [
            ConfigEx(WEIGHT_STATIONARY, RELU if w.relu else 0, w.acc_scale),
            ConfigLd(E(self.a_stride()), 1.0, 0, 0),
            ConfigLd(E(w.n), 1.0, 0, 1),
        ]
        if w.bias != "none":
            out.append(ConfigLd(E(w.n * 4 if w.bias == "matrix" else 0), 1.0, 0, 2))
        out.append(ConfigSt(E(w.n * self.c_elem)))
        return out

    # Blocks per mvin need not divide the tile: as in Gemmini's LoopMatmulLdA/LdB, the last mvin
    # of a tile row moves the remaining blocks. For a convolution an A mvin also stops at the end
    # of a kernel tap (only one tap's channels are adjacent in DRAM), and the next one starts
    # there. When the blocks divide the tile (and the tap), every mvin moves `a_blocks` blocks
    # and the program is the plain one.
    def ragged_a(self) -> bool:
        contiguous = _k_contiguous(self.w)
        return self.s.tk % self.s.a_blocks != 0 or bool(contiguous and contiguous % self.s.a_blocks)

    def a_start(self, kb_local: Expr) -> Expr:
        """Whether an A mvin starts at tile-local k block `kb_local`."""
        start = binop("==", kb_local % self.s.a_blocks, 0)
        contiguous = _k_contiguous(self.w)
        if self.ragged_a() and contiguous:
            gk = self.k0 * self.s.tk + kb_local
            start = binop("or", start, binop("==", gk % contiguous, 0))
        return start

    def a_len(self, kb_local: Expr, nk: Expr) -> Expr:
        """Blocks the A mvin starting at `kb_local` moves."""
        s = self.s
        if not self.ragged_a():
            return E(s.a_blocks)
        n = emin(binop("-", s.a_blocks, kb_local % s.a_blocks), binop("-", nk, kb_local))
        contiguous = _k_contiguous(self.w)
        if contiguous:
            gk = self.k0 * s.tk + kb_local
            n = emin(n, binop("-", contiguous, gk % contiguous))
        return n

    def load_a(self, kb_local: Expr, nk: Expr) -> Stmt:
        s, w = self.s, self.w
        ib, kb = self.gi(), self.k0 * s.tk + kb_local
        _, rows = self.row_of(ib)
        cols = emin(self.a_len(kb_local, nk) * DIM, binop("-", w.k, kb * DIM))
        addr = self.a_base + self.a_slot() + (self.i * s.tk + kb_local) * DIM
        return Mvin(self.a_dram(ib, kb), addr, cols, rows, 0)

    def load_b(self, jb_local: Expr, nj: Expr) -> Stmt:
        s, w = self.s, self.w
        kb, jb = self.gk(), self.j0 * s.tj + jb_local
        rows = emin(DIM, binop("-", w.k, kb * DIM))
        n = E(s.b_blocks) if s.tj % s.b_blocks == 0 else emin(s.b_blocks, binop("-", nj, jb_local))
        cols = emin(n * DIM, binop("-", w.n, jb * DIM))
        addr = self.b_base + self.b_slot() + (self.k * s.tj + jb_local) * DIM
        return Mvin(Dram("B", kb * DIM * w.n + jb * DIM), addr, cols, rows, 1)

    def c_addr(self) -> Expr:
        return self.c_slot() + (self.i * self.s.tj + self.j) * DIM

    def load_d(self) -> Stmt:
        w = self.w
        row, rows = self.row_of(self.gi())
        jb = self.gj()
        offset = (row * w.n if w.bias == "matrix" else E(0)) + jb * DIM
        cols = emin(DIM, binop("-", w.n, jb * DIM))
        return Mvin(Dram("D", offset), ACC_BIT | self.c_addr(), cols, rows, 2)

    def compute(self) -> list[Stmt]:
        fresh, reuse = self.compute_parts()
        if self.s.inner[-1] != "i":
            return fresh
        return when(binop("==", self.i, 0), fresh, reuse)

    def compute_parts(self) -> tuple[list[Stmt], list[Stmt]]:
        """(preload of the weights and compute, compute reusing the weights in the array)."""
        s, w = self.s, self.w
        row, rows = self.row_of(self.gi())
        kb, jb = self.gk(), self.gj()
        k_cols = emin(DIM, binop("-", w.k, kb * DIM))
        n_cols = emin(DIM, binop("-", w.n, jb * DIM))
        a = self.a_base + self.a_slot() + (self.i * s.tk + self.k) * DIM
        b = self.b_base + self.b_slot() + (self.k * s.tj + self.j) * DIM
        if w.bias == "none":
            accumulate = binop(">", kb, 0) << 30
        else:
            accumulate = E(ACCUMULATE_BIT)
        c = ACC_BIT | accumulate | self.c_addr()
        fresh: list[Stmt] = [Preload(b, c, n_cols, k_cols, n_cols, rows),
                             ComputePreloaded(a, E(GARBAGE_ADDR), k_cols, rows, E(DIM), E(DIM))]
        reuse: list[Stmt] = [Preload(E(GARBAGE_ADDR), c, E(DIM), E(DIM), n_cols, rows),
                             ComputeAccumulated(a, E(GARBAGE_ADDR), k_cols, rows, E(DIM), E(DIM))]
        return fresh, reuse

    def mvout(self) -> Stmt:
        w = self.w
        row, rows = self.row_of(self.gi())
        jb = self.gj()
        full = FULL_WIDTH_BIT if w.out_dtype == "int32" else 0
        cols = emin(DIM, binop("-", w.n, jb * DIM))
        return Mvout(Dram("C", row * w.n + jb * DIM), (ACC_BIT | full) | self.c_addr(), cols, rows)

    def load_a_cond(self) -> Expr:
        return binop("==", self.j0, 0) if self.s.reuse_a else E(1)

    def load_b_cond(self) -> Expr:
        return binop("==", self.i0, 0) if self.s.reuse_b else E(1)

    def tile(self) -> list[Stmt]:
        s, w = self.s, self.w
        ni = _extent(s.ti, self.IB, self.i0)
        nj = _extent(s.tj, self.JB, self.j0)
        nk = _extent(s.tk, self.KB, self.k0)
        extent = {"i": ni, "j": nj, "k": nk}
        last_k = binop("and", binop("==", self.k0, self.K0 - 1),
                       binop("==", self.k, binop("-", nk, 1)))
        bias = w.bias != "none"
        body: list[Stmt] = []
        if s.loads == "interleaved":
            body += when(binop("and", self.load_a_cond(), binop(
                "and", binop("==", self.j, 0), self.a_start(self.k))),
                [self.load_a(self.k, nk)])
            body += when(binop("and", self.load_b_cond(), binop(
                "and", binop("==", self.i, 0), binop("==", self.j % s.b_blocks, 0))),
                [self.load_b(self.j, nj)])
            if bias:
                body += when(binop("and", binop("==", self.k0, 0), binop("==", self.k, 0)),
                             [self.load_d()])
        if s.loads == "spread":
            body += self.spread_a(nk, nj) + self.spread_b_d(nj, nk, bias)
        outer_var = s.inner[0]
        other = "j" if outer_var == "i" else "i"
        late_bias = s.mvout == "carried" and bias and s.loads == "upfront"
        if late_bias:
            # the previous C tile's last row is still in the accumulator until it is carried
            # out during this tile's first row: the bias of the later rows, which may share its
            # accumulator rows, is loaded at their first k step instead of up front
            body += when(binop("and", binop(">", Var(outer_var), 0), binop(
                "and", binop("==", self.k0, 0), binop("==", self.k, 0))), [self.load_d()])
        body += self.compute()
        if s.mvout == "fused":
            body += when(last_k, [self.mvout()])
        if s.mvout == "next":
            # block (i, j) of the previous C tile (complete, in the other accumulator half)
            # leaves at k step (i + j) % nk of this C tile's first k tile
            previous = substitute([self.mvout()], self.previous_c_tile())
            now = binop("and", binop("and", binop("==", self.k0, 0), binop(">", self.c_tile(), 0)),
                        binop("==", self.k, (self.i + self.j) % nk))
            body += when(binop("and", now, self.in_previous()), previous)
        last_k0 = binop("==", self.k0, self.K0 - 1)
        carried: list[Stmt] = []  # the previous C tile's last row, moved out in this tile
        carry = E(0)
        if s.mvout == "carried":
            carry, carried, prev_other = self.carry(extent, outer_var)
        if s.mvout in ("deferred", "carried"):
            # block (o - 1, p) is complete before (o, p) starts; move it out at the k iteration
            # p % nk of (o, p), so consecutive blocks leave at different k
            previous = substitute([self.mvout()], {outer_var: Var(outer_var) - 1})
            spread = binop("==", self.k, Var(other) % nk)
            later_row = binop("and", last_k0, binop(">", Var(outer_var), 0))
            if carried:
                # at o = 0, the previous tile's last row (o = its last) leaves the same way
                first_row = binop("and", binop("and", carry, binop("==", Var(outer_var), 0)),
                                  binop("<", Var(other), prev_other))
                body += when(spread, when(later_row, previous, when(first_row, carried)))
            else:
                body += when(binop("and", later_row, spread), previous)
        nest = lean_nest(self, extent, bias) if s.lean else self._nest(s.inner, extent, body)
        out: list[Stmt] = [] if s.hoist_config else self.configs()
        if s.loads == "spread":  # the first A group and B step, up front unless prefetched
            a_first, b_first = (
                E(1) if not k_tiles else binop("==", self.k0, 0) if not c_tiles else
                binop("and", binop("==", self.k0, 0), binop("==", self.c_tile(), 0))
                for k_tiles, c_tiles in (self.prefetch_a(), self.prefetch_b()))
            out += when(binop("and", self.load_a_cond(), a_first),
                        loop("i", 0, ni, [self.load_a(E(0), nk)]))
            out += when(binop("and", self.load_b_cond(), b_first), loop(
                "j", 0, nj, substitute([self.load_b(self.j, nj)], {"k": E(0)}), step=s.b_blocks))
        if s.loads == "upfront":
            if self.ragged_a() and _k_contiguous(w):
                a_loads = loop("k", 0, nk, when(self.a_start(self.k), [self.load_a(self.k, nk)]))
            else:
                a_loads = loop("k", 0, nk, [self.load_a(self.k, nk)], step=s.a_blocks)
            out += when(self.load_a_cond(), loop("i", 0, ni, a_loads))
            out += when(self.load_b_cond(), loop("k", 0, nk, loop("j", 0, nj, [
                self.load_b(self.j, nj)], step=s.b_blocks)))
            if bias and late_bias:  # the first row only (see `late_bias` above)
                first = substitute([self.load_d()], {outer_var: E(0)})
                out += when(binop("==", self.k0, 0), loop(other, 0, extent[other], first))
            elif bias:
                out += when(binop("==", self.k0, 0), loop("i", 0, ni, loop("j", 0, nj, [
                    self.load_d()])))
        out += nest
        if carried:
            # blocks of the previous tile's last row beyond this tile's extent
            out += when(carry, loop(other, extent[other], prev_other, carried))
        if s.mvout in ("deferred", "carried"):
            last = substitute([self.mvout()], {outer_var: binop("-", extent[outer_var], 1)})
            alone = last_k0
            if s.mvout == "carried":
                # unless the next C tile carries this row out
                passed = self.passes_last_row(self.c_tile(), extent[outer_var])
                alone = binop("and", last_k0, binop("==", passed, 0))
            out += when(alone, loop(other, 0, extent[other], last))
        if s.mvout == "tile":
            out += when(binop("==", self.k0, self.K0 - 1), loop("i", 0, ni, loop("j", 0, nj, [
                self.mvout()])))
        if s.mvout == "next":
            # blocks of the previous C tile outside this one's extents, after its loops
            prev = self.previous_c_tile()
            inside = binop("and", binop("<", self.i, ni), binop("<", self.j, nj))
            rest = loop("i", 0, _extent(s.ti, self.IB, prev["i0"]), loop(
                "j", 0, _extent(s.tj, self.JB, prev["j0"]),
                when(binop("==", inside, 0), substitute([self.mvout()], prev))))
            out += when(binop("and", binop("==", self.k0, 0), binop(">", self.c_tile(), 0)), rest)
            # the last C tile's blocks have no next tile to leave in
            last_tile = binop("and", binop("==", self.k0, self.K0 - 1),
                              binop("==", self.c_tile(), self.I0 * self.J0 - 1))
            out += when(last_tile, loop("i", 0, ni, loop("j", 0, nj, [self.mvout()])))
        if s.fence:
            out.append(Fence())
        return out

    def spread_a(self, nk: Expr, nj: Expr, pos: Expr | None = None) -> list[Stmt]:
        """A prefetch for `loads="spread"`: during the `a_blocks` k steps before k group start
        t, the mvin of A rows i starting at t is issued at the iteration (k, j) with
        (k % a_blocks) * nj + j == i % (a_blocks * nj), so each i's mvin is issued exactly once,
        one group ahead, and the group's mvins are spread over all its iterations; the last
        group loads the next k tile's (or the next C tile's) first one the same way. `pos`
        replaces that test on i (a caller looping over the matching i only passes 1)."""
        a = self.s.a_blocks
        k, j, i = Var("k"), Var("j"), self.i
        target = (k // a + 1) * a
        if pos is None:
            pos = binop("==", i % (nj * a), (k % a) * nj + j)
        slot = binop("and", self.load_a_cond(), pos)
        ahead = when(binop("and", binop("<", target, nk), slot), [self.load_a(target, nk)])
        k_tiles, c_tiles = self.prefetch_a()
        if not k_tiles:
            return ahead  # one group per tile: its rows are the ones being read
        last_group = binop(">=", target, nk)
        nxt = substitute([self.load_a(E(0), nk)], {"k0": self.k0 + 1})
        ahead += when(binop("and", binop("and", last_group, binop("<", self.k0 + 1, self.K0)),
                            slot), nxt)
        if c_tiles:
            env = self.next_c_tile()
            rows = binop("<", i, _extent(self.s.ti, self.IB, self.i0))  # the next tile's, below
            load = substitute(when(binop("and", self.load_a_cond(), rows),
                                   [self.load_a(E(0), nk)]), env)
            ahead += when(binop("and", binop("and", last_group, self.last_k_tile_of_more()),
                                pos), load)
        return ahead

    def spread_b_d(self, nj: Expr, nk: Expr, bias: bool) -> list[Stmt]:
        """B blocks one k step ahead of their use (at i == 0 of the step before; the next k
        tile's or C tile's first step during the last one), the bias at the first k step."""
        s = self.s
        k = self.k
        pos = binop("and", binop("==", self.i, 0), binop("==", self.j % s.b_blocks, 0))
        b = [self.load_b(self.j, nj)]
        ahead = when(binop("<", k + 1, nk), substitute(b, {"k": k + 1}))
        k_tiles, c_tiles = self.prefetch_b()
        if k_tiles:  # else the next tile's rows are the ones being read
            ahead += when(binop("and", binop("==", k + 1, nk), binop("<", self.k0 + 1, self.K0)),
                          substitute(b, {"k0": self.k0 + 1, "k": E(0)}))
        out = when(binop("and", self.load_b_cond(), pos), ahead)
        if c_tiles:
            env = self.next_c_tile()
            cols = binop("<", self.j, _extent(s.tj, self.JB, self.j0))  # the next tile's, below
            load = substitute(when(binop("and", self.load_b_cond(), cols), b),
                              {**env, "k": E(0)})
            out += when(binop("and", binop("and", binop("==", k + 1, nk),
                                           self.last_k_tile_of_more()), pos), load)
        if bias:
            out += when(binop("and", binop("==", self.k0, 0), binop("==", self.k, 0)),
                        [self.load_d()])
        return out

    def prefetch_a(self) -> tuple[bool, bool]:
        """Whether spread loads may bring the next k tile's first A group during this tile's
        last group, and the next C tile's. Single-buffered, that group's rows must be dead (more
        than one group per tile); for the next C tile, it has no more i blocks than this one
        (i tiles all whole, or i0 the outer tile loop, so only the last row of tiles is short
        and nothing follows it in i) so this tile's iterations cover its rows, and the last k
        tile ends a whole group."""
        s, a = self.s, self.s.a_blocks
        last = self.KB - (self.K0 - 1) * s.tk
        k_tiles = s.double_buffer or s.tk > a
        c_tiles = (k_tiles and (self.IB % s.ti == 0 or s.outer == "ijk") and last % a == 0
                   and (s.double_buffer or last > a))
        return k_tiles, c_tiles

    def prefetch_b(self) -> tuple[bool, bool]:
        """As `prefetch_a`, for the first k step's B blocks (the next C tile has no more j
        blocks: j tiles all whole, or j0 the outer tile loop)."""
        s = self.s
        last = self.KB - (self.K0 - 1) * s.tk
        k_tiles = s.double_buffer or s.tk > 1
        c_tiles = (k_tiles and (self.JB % s.tj == 0 or s.outer == "jik")
                   and (s.double_buffer or last > 1))
        return k_tiles, c_tiles

    def in_previous(self) -> Expr:
        """Block (i, j) exists in the previous C tile."""
        prev = self.previous_c_tile()
        return binop("and", binop("<", self.i, _extent(self.s.ti, self.IB, prev["i0"])),
                     binop("<", self.j, _extent(self.s.tj, self.JB, prev["j0"])))

    def next_c_tile(self) -> dict[str, Expr]:
        """The tile variables of the first k0 tile of the next C tile."""
        t = self.c_tile() + 1
        if self.s.outer == "ijk":
            i0, j0 = t // self.J0, t % self.J0
        else:
            i0, j0 = t % self.I0, t // self.I0
        return {"i0": i0, "j0": j0, "k0": E(0)}

    def last_k_tile_of_more(self) -> Expr:
        """This is the last k tile of a C tile, and another C tile follows."""
        return binop("and", binop("==", self.k0, self.K0 - 1),
                     binop("<", self.c_tile() + 1, self.I0 * self.J0))

    def passes_last_row(self, c_tile: Expr, rows: Expr) -> Expr:
        """Whether C tile `c_tile`, with `rows` rows of the outermost block loop, leaves its last
        row to the next C tile: not the last tile, and (single-buffered) the next tile's first
        row is another accumulator row than this tile's last."""
        more = binop("<", c_tile, self.I0 * self.J0 - 1)
        if self.s.double_buffer:
            return more
        return binop("and", more, binop(">", rows, 1))

    def carry(self, extent: dict[str, Expr], outer_var: str) -> tuple[Expr, list[Stmt], Expr]:
        """(whether this tile moves out the previous C tile's last row, that row's mvout in
        terms of the loop variable of the other block loop, that row's length). Only the first
        k0 tile of a C tile does it."""
        s = self.s
        prev = self.previous_c_tile()
        sizes = {"i": (s.ti, self.IB, "i0"), "j": (s.tj, self.JB, "j0")}

        def prev_extent(var: str) -> Expr:
            tile, total, index = sizes[var]
            return _extent(tile, total, prev[index])

        other = "j" if outer_var == "i" else "i"
        prev_rows = prev_extent(outer_var)
        env = {**prev, outer_var: binop("-", prev_rows, 1)}
        mv = substitute([self.mvout()], env)
        prev_passed = self.passes_last_row(self.c_tile() - 1, prev_rows)
        cond = binop("and", binop("and", binop("==", self.k0, 0),
                                  binop(">", self.c_tile(), 0)), prev_passed)
        return cond, mv, prev_extent(other)

    def _nest(self, order: str, extent: dict[str, Expr], body: list[Stmt]) -> list[Stmt]:
        inner = order[-1]
        stmts = self._unrolled(inner, extent[inner], body)
        for var in reversed(order[:-1]):
            stmts = loop(var, 0, extent[var], stmts)
        return stmts

    def _unrolled(self, var: str, stop: Expr, body: list[Stmt]) -> list[Stmt]:
        u = self.s.unroll
        if u == 1:
            return loop(var, 0, stop, body)
        base = Var(var + "u")
        copies: list[Stmt] = []
        for r in range(u):
            copy = substitute(body, {var: base + r})
            copies += copy if r == 0 else when(binop("<", base + r, stop), copy)
        return loop(var + "u", 0, stop, copies, step=u)

    def program(self) -> Program:
        s, w = self.s, self.w
        tile = self.tile()
        k_loop = loop("k0", 0, self.K0, tile)
        if s.outer == "ijk":
            nest = loop("i0", 0, self.I0, loop("j0", 0, self.J0, k_loop))
        else:
            nest = loop("j0", 0, self.J0, loop("i0", 0, self.I0, k_loop))
        body = (self.configs() if s.hoist_config else []) + nest
        if not body or not isinstance(body[-1], Fence):
            body.append(Fence())
        a_rows, a_cols = w.a_shape
        buffers = [Buffer("X" if w.conv else "A", "int8", a_rows, a_cols),
                   Buffer("B", "int8", w.k, w.n)]
        if w.bias != "none":
            buffers.append(Buffer("D", "int32", w.m if w.bias == "matrix" else 1, w.n))
        buffers.append(Buffer("C", w.out_dtype, w.m, w.n, "out"))
        return Program(w.name, tuple(buffers), tuple(body), describe(w))

def _build_add(w: Add, s: Schedule) -> Program:
    """Elementwise saturating add through the accumulator: mvin A (int8 widened), mvin B with
    the accumulate bit, mvout (saturating or full width)."""
    IB, JB = blocks(w.m), blocks(w.n)
    I0, J0 = -(-IB // s.ti), -(-JB // s.tj)
    i0, j0, i, j = Var("i0"), Var("j0"), Var("i"), Var("j")
    ib, jb = i0 * s.ti + i, j0 * s.tj + j
    rows = emin(DIM, binop("-", w.m, ib * DIM))
    cols = emin(DIM, binop("-", w.n, jb * DIM))
    size = s.ti * s.tj * DIM
    slot = ((i0 * J0 + j0) % 2) * size if s.double_buffer else E(0)
    acc = slot + (i * s.tj + j) * DIM
    full = FULL_WIDTH_BIT if w.out_dtype == "int32" else 0
    c_elem = 4 if w.out_dtype == "int32" else 1
    configs: list[Stmt] = [ConfigEx(WEIGHT_STATIONARY, 0, 1.0), ConfigLd(E(w.n), 1.0, 1, 0),
                           ConfigLd(E(w.n), 1.0, 1, 1), ConfigSt(E(w.n * c_elem))]
    off = ib * DIM * w.n + jb * DIM
    ld: list[Stmt] = [Mvin(Dram("A", off), ACC_BIT | acc, cols, rows, 0),
                      Mvin(Dram("B", off), ACC_BIT | ACCUMULATE_BIT | acc, cols, rows, 1)]
    st: list[Stmt] = [Mvout(Dram("C", off), (ACC_BIT | full) | acc, cols, rows)]
    ni, nj = _extent(s.ti, IB, i0), _extent(s.tj, JB, j0)
    if s.mvout == "fused":
        inner = loop("i", 0, ni, loop("j", 0, nj, ld + st))
    else:
        inner = loop("i", 0, ni, loop("j", 0, nj, ld)) + loop("i", 0, ni, loop("j", 0, nj, st))
    tile = ([] if s.hoist_config else configs) + inner + ([Fence()] if s.fence else [])
    body = (configs if s.hoist_config else []) + loop("i0", 0, I0, loop("j0", 0, J0, tile))
    if not body or not isinstance(body[-1], Fence):
        body.append(Fence())
    buffers = (Buffer("A", "int8", w.m, w.n), Buffer("B", "int8", w.m, w.n),
               Buffer("C", w.out_dtype, w.m, w.n, "out"))
    return Program(w.name, buffers, tuple(body), describe(w))


__all__ = ["build"]
