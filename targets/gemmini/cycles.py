"""A cycle model of Gemmini running an instruction stream.

The CPU issues instructions in program order, one per `issue` cycles plus `loop_overhead` per loop
iteration or `if` test. Each instruction enters the reservation station of its queue (load: mvin,
config_ld; execute: preload, compute, config_ex; store: mvout, config_st), which holds at most
`rs_ld` / `rs_ex` / `rs_st` entries; a full station stalls issue. Each queue runs its instructions
in order; the queues overlap, limited by data dependencies tracked per 16-row block of the
scratchpad and the accumulator (read after write, write after read, write after write). A fence
stalls issue until everything issued has finished.

Durations: a preload or compute takes `max(rows, 4)` cycles (a preload of no weights: 4) and its
result reaches the accumulator `ex_latency` cycles later. A DMA transfer (mvin, mvout) splits
each row into requests of at most 64 bytes moved in 16-byte beats; with at most `max_inflight`
requests in flight, each taking `dma_latency` cycles, a transfer occupies its queue for
`max(beats, ceil(requests * dma_latency / max_inflight))` cycles and its data is ready
`dma_latency` cycles after that. With `tlb_miss` > 0, every page a transfer's rows touch that
is not among the last `tlb_entries` pages used (per DRAM buffer and page) adds `tlb_miss` cycles
to its occupancy. Peak compute is DIM * DIM = 256 MACs per cycle.

The model needs only the instruction stream, not the data, so it runs on traces of any size.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import asdict, dataclass

from .isa import ACC_BIT, ACC_ROWS, DIM, FULL_WIDTH_BIT, GARBAGE_ADDR, MAX_BYTES, SP_ROWS
from .trace import (
    CFG_LD,
    CFG_ST,
    COMPUTE_A,
    COMPUTE_P,
    FENCE,
    FLUSH,
    MVIN,
    MVOUT,
    OPNAMES,
    PRELOAD,
    Trace,
)


@dataclass(frozen=True)
class CycleModel:
    """Parameters of the model (defaults: Gemmini's default configuration)."""

    issue: int = 1
    loop_overhead: int = 2
    rs_ld: int = 8
    rs_ex: int = 16
    rs_st: int = 4
    min_rows: int = 4
    ex_latency: int = 2 * DIM
    beat_bytes: int = 16
    max_request_bytes: int = MAX_BYTES
    max_inflight: int = 16
    dma_latency: int = 64
    tlb_miss: int = 0
    """Cycles a DMA transfer stalls for each page its rows touch that the TLB does not hold (a
    page-table walk); 0, the default, models no address translation."""
    tlb_entries: int = 4
    """Entries of the DMA's TLB (Gemmini's `tlb_size`), least recently used first out."""
    page_bytes: int = 4096


DEFAULT_MODEL = CycleModel()


@dataclass(frozen=True)
class Report:
    """What one run costs."""

    cycles: int
    macs: int
    bytes_loaded: int
    bytes_stored: int
    instructions: dict[str, int]
    busy: dict[str, int]
    """Cycles each queue was occupied."""

    @property
    def utilisation(self) -> float:
        """MACs / (256 x cycles)."""
        return self.macs / (DIM * DIM * self.cycles) if self.cycles else 0.0

    @property
    def bytes_moved(self) -> int:
        return self.bytes_loaded + self.bytes_stored

    def as_dict(self) -> dict:
        return {**asdict(self), "utilisation": round(self.utilisation, 4),
                "bytes_moved": self.bytes_moved}


def _blocks(row: int, rows: int) -> range:
    return range(row // DIM, (row + rows - 1) // DIM + 1)


def measure(stream: Trace, model: CycleModel = DEFAULT_MODEL) -> Report:
    """Simulate the timing of `stream`."""
    m = model
    sp_w = [0] * (SP_ROWS // DIM)
    sp_r = [0] * (SP_ROWS // DIM)
    acc_w = [0] * (ACC_ROWS // DIM)
    acc_r = [0] * (ACC_ROWS // DIM)
    rs: dict[str, deque[int]] = {"ld": deque(), "ex": deque(), "st": deque()}
    cap = {"ld": m.rs_ld, "ex": m.rs_ex, "st": m.rs_st}
    free = {"ld": 0, "ex": 0, "st": 0}
    busy = {"ld": 0, "ex": 0, "st": 0}
    counts: dict[str, int] = {}
    ld_elem = [1, 1, 1]
    ld_stride = [0, 0, 0]
    st_stride = 0
    tlb: OrderedDict[tuple[str, int], None] = OrderedDict()

    def misses(buf: str, start: int, stride: int, rows: int, row_bytes: int) -> int:
        """Pages of the rows of a transfer the TLB misses (LRU over `tlb_entries` pages)."""
        n = 0
        for r in range(rows):
            first = start + r * stride
            for page in range(first // m.page_bytes, (first + row_bytes - 1) // m.page_bytes + 1):
                key = (buf, page)
                if key in tlb:
                    tlb.move_to_end(key)
                    continue
                n += 1
                tlb[key] = None
                if len(tlb) > m.tlb_entries:
                    tlb.popitem(last=False)
        return n
    t_issue = 0
    last = 0
    macs = loaded = stored = 0
    weight_cols = DIM
    c_target: tuple | None = None

    def local(addr: int, rows: int, blocks: int = 1) -> tuple[list[int], list[int], range] | None:
        if addr == GARBAGE_ADDR:
            return None
        if addr & ACC_BIT:
            row = addr & (FULL_WIDTH_BIT - 1)
            return acc_w, acc_r, _blocks(row, (blocks - 1) * DIM + rows)
        return sp_w, sp_r, _blocks(addr, (blocks - 1) * DIM + rows)

    def dma(rows: int, row_bytes: int) -> int:
        requests = rows * -(-row_bytes // m.max_request_bytes)
        beats = rows * -(-row_bytes // m.beat_bytes)
        return max(beats, -(-requests * m.dma_latency // m.max_inflight))

    for ev in stream.events:
        op = ev[0]
        name = OPNAMES[op]
        counts[name] = counts.get(name, 0) + 1
        t_issue += m.issue + ev[2] * m.loop_overhead
        if op == FENCE:
            t_issue = max(t_issue, last)
            continue
        if op == FLUSH:
            continue
        queue = "ld" if op in (MVIN, CFG_LD) else "st" if op in (MVOUT, CFG_ST) else "ex"
        q = rs[queue]
        if len(q) >= cap[queue]:
            t_issue = max(t_issue, q.popleft())
        start = max(t_issue, free[queue])
        reads: list = []
        writes: list = []
        if op == MVIN:
            _, _, _, _, _, addr, cols, rows, id_ = ev
            to_acc = bool(addr & ACC_BIT)
            esize = ld_elem[id_] if to_acc else 1
            nbytes = rows * cols * esize
            loaded += nbytes
            occupancy = dma(rows, cols * esize)
            if m.tlb_miss:
                occupancy += m.tlb_miss * misses(ev[3], ev[4] * esize, ld_stride[id_], rows,
                                                 cols * esize)
            loc = local(addr, rows, -(-cols // DIM))
            if loc:
                writes.append(loc)
            latency = m.dma_latency
        elif op == MVOUT:
            _, _, _, _, _, addr, cols, rows = ev
            esize = 4 if (addr & ACC_BIT and addr & FULL_WIDTH_BIT) else 1
            stored += rows * cols * esize
            occupancy = dma(rows, cols * esize)
            if m.tlb_miss:
                occupancy += m.tlb_miss * misses(ev[3], ev[4] * esize, st_stride, rows,
                                                 cols * esize)
            loc = local(addr, rows)
            if loc:
                reads.append(loc)
            latency = m.dma_latency
        elif op == PRELOAD:
            _, _, _, bd, c, bd_cols, bd_rows, c_cols, c_rows = ev
            real = bd != GARBAGE_ADDR
            occupancy = max(bd_rows if real else 0, m.min_rows)
            if real:
                weight_cols = bd_cols
                loc = local(bd, bd_rows)
                if loc:
                    reads.append(loc)
            c_target = (c, c_rows)
            latency = 0
        elif op in (COMPUTE_P, COMPUTE_A):
            _, _, _, a, _, a_cols, a_rows, _, _ = ev
            occupancy = max(a_rows, m.min_rows)
            macs += a_rows * a_cols * weight_cols
            loc = local(a, a_rows)
            if loc:
                reads.append(loc)
            if c_target is not None:
                c, c_rows = c_target
                loc = local(c, c_rows)
                if loc:
                    writes.append(loc)
                    if c & ACC_BIT and c & (1 << 30):
                        reads.append(loc)
            c_target = None
            latency = m.ex_latency
        else:  # configurations
            if op == CFG_LD:
                ld_elem[ev[6]] = 1 if ev[5] else 4
                ld_stride[ev[6]] = ev[3]
            elif op == CFG_ST:
                st_stride = ev[3]
            occupancy, latency = 1, 0
        for w, _, blocks in reads:
            for b in blocks:
                if w[b] > start:
                    start = w[b]
        for w, r, blocks in writes:
            for b in blocks:
                if w[b] > start:
                    start = w[b]
                if r[b] > start:
                    start = r[b]
        free[queue] = start + occupancy
        busy[queue] += occupancy
        finish = start + occupancy + latency
        for _, r, blocks in reads:
            for b in blocks:
                if r[b] < finish:
                    r[b] = finish
        for w, _, blocks in writes:
            for b in blocks:
                w[b] = finish
        q.append(finish)
        if finish > last:
            last = finish
    return Report(max(last, t_issue), macs, loaded, stored, counts, busy)
