"""A lower bound on the cycles of every schedule of a workload in the cycle model.

The cycle model (`cycles.measure`) runs each queue in order, so a run takes at least as long as
any one queue is occupied, and some occupancies are fixed by the workload alone:

- **compute**: at most DIM x DIM = 256 MACs per cycle, so MACs / 256 cycles;
- **load** and **store**: a DMA transfer occupies its queue for at least one cycle per
  `beat_bytes` (16) bytes (and the request term, `dma_latency / max_inflight` cycles per request
  of at most 64 bytes, is no smaller), and every input byte read must be loaded and every output
  byte stored at least once (a convolution whose stride exceeds its kernel skips pixels); the load and store queues overlap, so each is its own bound;
- **execute**: every block product (one 16-row block of A rows, one 16 x 16 block of weights) is
  a compute of `max(rows, min_rows)` cycles after a preload of at least `min_rows` cycles, and
  each weight block is preloaded with real weights at least once, `max(k rows, min_rows)` cycles
  instead of `min_rows`. The blocks of A rows are the generator's (`schedule.dims`): for a
  convolution a block does not cross an output row of pixels (56 pixels: 16 + 16 + 16 + 8).

The bound is the largest of these; `utilisation` is the highest utilisation it allows. It is a
bound, not an estimate: pipeline fill and drain, issue overhead, stalls and repeated loads come
on top.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .cycles import DEFAULT_MODEL, CycleModel
from .isa import DIM
from .schedule import blocks, dims
from .workload import Add, Workload


@dataclass(frozen=True)
class Bound:
    """Lower bounds on cycles, one per resource; `cycles` is the largest."""

    compute: int
    """MACs / 256."""
    load: int
    """Input bytes / bytes per beat."""
    store: int
    """Output bytes / bytes per beat."""
    execute: int
    """Preloads and computes of every block product."""
    macs: int

    @property
    def cycles(self) -> int:
        return max(self.compute, self.load, self.store, self.execute)

    @property
    def limit(self) -> str:
        """The resource that sets the bound."""
        terms = {"compute": self.compute, "load": self.load, "store": self.store,
                 "execute": self.execute}
        return max(terms, key=terms.__getitem__)

    @property
    def utilisation(self) -> float:
        """The highest utilisation any schedule can reach."""
        return self.macs / (DIM * DIM * self.cycles) if self.cycles else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "cycles": self.cycles, "limit": self.limit}


def _row_blocks(w: Workload) -> list[int]:
    """Rows of each block of A rows (output rows), as the generator blocks them."""
    if isinstance(w, Add):
        return []
    if w.conv is None:
        return [min(DIM, w.m - DIM * b) for b in range(blocks(w.m))]
    c = w.conv
    per_row = [min(DIM, c.out_w - DIM * b) for b in range(blocks(c.out_w))]
    return per_row * (c.batch * c.out_h)


def lower_bound(w: Workload, model: CycleModel = DEFAULT_MODEL) -> Bound:
    """No schedule of `w` takes fewer cycles than `lower_bound(w).cycles` in `model`."""
    if isinstance(w, Add):
        load = 2 * w.m * w.n
        store = w.m * w.n * (4 if w.out_dtype == "int32" else 1)
        return Bound(0, -(-load // model.beat_bytes), -(-store // model.beat_bytes), 0, 0)
    a_rows, a_cols = w.a_shape
    a_bytes = w.conv.pixels_read() * w.conv.in_ch if w.conv else a_rows * a_cols
    load = a_bytes + w.k * w.n
    if w.bias != "none":
        load += 4 * (w.m if w.bias == "matrix" else 1) * w.n
    store = w.m * w.n * (4 if w.out_dtype == "int32" else 1)
    ib, jb, kb = dims(w)
    rows = _row_blocks(w)
    assert len(rows) == ib
    k_rows = [min(DIM, w.k - DIM * b) for b in range(kb)]
    computes = sum(max(r, model.min_rows) for r in rows) * kb * jb
    preloads = model.min_rows * ib * kb * jb
    weights = jb * sum(max(r, model.min_rows) - model.min_rows for r in k_rows)
    return Bound(compute=-(-w.macs // (DIM * DIM)), load=-(-load // model.beat_bytes),
                 store=-(-store // model.beat_bytes), execute=computes + preloads + weights,
                 macs=w.macs)


__all__ = ["Bound", "lower_bound"]
