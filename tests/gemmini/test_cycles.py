"""The cycle model: durations, overlap, fences, dependencies, utilisation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tensflo.targets.gemmini.cycles import CycleModel, measure
from tensflo.targets.gemmini.expr import E
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.isa import ACC_BIT, GARBAGE_ADDR
from tensflo.targets.gemmini.program import (
    Buffer,
    ComputePreloaded,
    ConfigLd,
    Dram,
    Fence,
    Mvin,
    Preload,
    Program,
)
from tensflo.targets.gemmini.schedule import NAIVE, library
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import conv2d, gemm

M = CycleModel()


def _measure(*body):
    p = Program("t", (Buffer("A", "int8", 64, 64),), tuple(body))
    return measure(trace(p))


def _mvin(row, cols=16, rows=16):
    return Mvin(Dram("A", E(0)), E(row), E(cols), E(rows), 0)


def test_one_mvin_costs_requests_over_inflight_plus_latency():
    r = _measure(_mvin(0))
    # 16 rows of 16 B: 16 requests, 16 beats; 16 * 64 / 16 = 64 cycles, + 64 latency, + issue
    assert r.cycles == M.issue + 64 + M.dma_latency
    assert r.bytes_loaded == 256 and r.macs == 0


def test_wide_mvins_use_the_bus_better():
    narrow = _measure(*[_mvin(16 * k) for k in range(4)]).cycles
    wide = _measure(_mvin(0, cols=64)).cycles
    assert wide < narrow


def test_compute_duration_and_utilisation():
    body = [_mvin(0), _mvin(16)]
    for _ in range(8):
        body += [Preload(E(16), E(ACC_BIT), E(16), E(16), E(16), E(16)),
                 ComputePreloaded(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))]
    r = _measure(*body)
    assert r.macs == 8 * 16 ** 3
    assert r.busy["ex"] == 8 * (16 + 16)
    assert 0 < r.utilisation < 0.5


def test_short_computes_take_at_least_four_cycles():
    body = [_mvin(0, rows=2), _mvin(16),
            Preload(E(16), E(ACC_BIT), E(16), E(16), E(16), E(2)),
            ComputePreloaded(E(0), E(GARBAGE_ADDR), E(16), E(2), E(16), E(16))]
    assert _measure(*body).busy["ex"] == 16 + 4


def test_fences_serialise_and_independent_loads_overlap():
    overlapped = _measure(_mvin(0), ConfigLd(E(64), 1.0, 0, 0), _mvin(16)).cycles
    fenced = _measure(_mvin(0), Fence(), ConfigLd(E(64), 1.0, 0, 0), _mvin(16)).cycles
    assert fenced > overlapped + M.dma_latency // 2


def test_compute_waits_for_its_data():
    body = [_mvin(0), _mvin(16), Preload(E(16), E(ACC_BIT), E(16), E(16), E(16), E(16)),
            ComputePreloaded(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))]
    r = _measure(*body)
    assert r.cycles >= 2 * 64 + M.dma_latency + 16 + 16


@pytest.mark.parametrize("w", [gemm(160, 160, 64), conv2d(2, 16, 32, 32)], ids=["gemm", "conv"])
def test_schedules_order_as_expected(w):
    naive = measure(trace(build(w, NAIVE)))
    lib = measure(trace(build(w, library(w))))
    assert lib.cycles < naive.cycles
    assert 0 < naive.utilisation < lib.utilisation <= 1
    assert lib.macs == naive.macs == w.macs
    fenced = measure(trace(build(w, replace(library(w), fence=True))))
    assert fenced.cycles > lib.cycles


def test_double_buffering_helps_when_tiles_repeat():
    w = gemm(256, 64, 64)
    s = replace(library(w), ti=2, tj=4, tk=4, double_buffer=False)
    single = measure(trace(build(w, s))).cycles
    double = measure(trace(build(w, replace(s, double_buffer=True)))).cycles
    assert double < single


def test_bytes_moved_count_every_transfer():
    w = gemm(32, 48, 64, bias="matrix")
    r = measure(trace(build(w, library(w))))
    assert r.bytes_loaded == 32 * 64 + 64 * 48 + 4 * 32 * 48
    assert r.bytes_stored == 4 * 32 * 48


def test_spreading_stores_keeps_the_store_queue_from_stalling_issue():
    w = gemm(512, 64, 128)
    s = replace(library(w), ti=16, tj=4, tk=8, a_blocks=4, b_blocks=4, inner="jki", mvout="fused",
                double_buffer=False)
    fused = measure(trace(build(w, s)))
    deferred = measure(trace(build(w, replace(s, mvout="deferred"))))
    assert deferred.busy == fused.busy and deferred.bytes_stored == fused.bytes_stored
    assert deferred.cycles < fused.cycles


def test_carrying_a_tiles_last_row_into_the_next_tile_avoids_the_burst_after_it():
    # deferred mvouts still leave the last column of blocks of each tile in a burst of ti stores;
    # carried ones spread them over the first column of the next tile
    w = gemm(1024, 64, 128)
    s = replace(library(w), ti=16, tj=2, tk=8, a_blocks=4, b_blocks=2, inner="jki",
                mvout="deferred", double_buffer=False)
    deferred = measure(trace(build(w, s)))
    carried = measure(trace(build(w, replace(s, mvout="carried"))))
    assert carried.busy == deferred.busy and carried.bytes_stored == deferred.bytes_stored
    assert carried.cycles < deferred.cycles
