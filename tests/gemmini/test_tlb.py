"""The cycle model's TLB (`CycleModel.tlb_miss`): off by default; when on, each page a DMA
transfer's rows touch that is not among the last `tlb_entries` pages used costs `tlb_miss`
cycles of the transfer's queue."""

from __future__ import annotations

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cycles import DEFAULT_MODEL, CycleModel, measure
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import library
from tensflo.targets.gemmini.text import parse_program
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import gemm

# rows 4096 bytes apart: one page per row
PAGES = '''
def pages(A: int8[64, 4096], C: out[int32[16, 16]]):
    config_ld(stride=4096, scale=1.0, shrunk=0, id=0)
    mvin(dram=A[0], addr=0, cols=16, rows=4, id=0)
    mvin(dram=A[0], addr=16, cols=16, rows=4, id=0)
    mvin(dram=A[0], addr=32, cols=16, rows=16, id=0)
    mvin(dram=A[4096], addr=48, cols=16, rows=1, id=0)
    fence()
'''


def test_tlb_is_off_by_default():
    assert DEFAULT_MODEL.tlb_miss == 0
    stream = trace(build(gemm(64, 64, 64), library(gemm(64, 64, 64))))
    assert measure(stream) == measure(stream, CycleModel(tlb_miss=0, tlb_entries=1))


def test_each_missed_page_costs_the_miss_latency():
    stream = trace(parse_program(PAGES))
    base = measure(stream).cycles
    # pages 0-3 miss, then hit; the 16-row mvin misses pages 4-15 and leaves 12-15 in the
    # 4-entry TLB, so page 1 (row 1, A[4096]) misses again: 4 + 0 + 12 + 1 misses
    for cost in (10, 100):
        assert measure(stream, CycleModel(tlb_miss=cost)).cycles == base + 17 * cost
    # a TLB of 16 entries keeps page 1
    assert measure(stream, CycleModel(tlb_miss=10, tlb_entries=16)).cycles == base + 16 * 10


def test_misses_only_add_cycles_so_the_bound_still_holds():
    w = gemm(128, 96, 160)
    stream = trace(build(w, library(w)))
    model = CycleModel(tlb_miss=50)
    assert measure(stream, model).cycles > measure(stream).cycles >= lower_bound(w, model).cycles
