"""The lower bound on cycles: never above a measured schedule, and its terms as the model gives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cycles import measure
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import NAIVE, library
from tensflo.targets.gemmini.search import SearchConfig, beam_search
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import Add, conv2d, gemm

WORKLOADS = [
    gemm(64, 64, 64),
    gemm(200, 72, 56, bias="matrix", out_dtype="int8", relu=True),
    gemm(96, 48, 300, bias="row"),
    gemm(70, 1, 90),
    conv2d(1, 10, 32, 32),
    Add("add", 40, 70),
]


@pytest.mark.parametrize("w", WORKLOADS, ids=lambda w: w.name)
def test_no_schedule_beats_the_bound(w):
    bound = lower_bound(w).cycles
    for s in (NAIVE, library(w), replace(library(w), mvout="fused", double_buffer=False)):
        assert bound <= measure(trace(build(w, s))).cycles, s
    result = beam_search(w, config=SearchConfig(beam=2, depth=4, samples=3, budget=20, seed=0,
                                                check=False))
    assert bound <= result.best.cycles


def test_the_terms():
    # 64^3: 64 block products of 16 rows (16 + 4 cycles) and 16 weight blocks preloaded once
    # (12 more cycles); 2 x 4096 int8 bytes in, 4 x 4096 int32 bytes out, 16 bytes per cycle
    b = lower_bound(gemm(64, 64, 64))
    assert (b.compute, b.load, b.store) == (64**3 // 256, 512, 1024)
    assert b.execute == 64 * 20 + 16 * 12 and b.cycles == b.execute and b.limit == "execute"
    # a convolution's 10-pixel rows are one 10-row block each
    c = lower_bound(conv2d(1, 10, 32, 32))
    assert c.execute == 10 * (10 + 4) * 18 * 2 + 2 * 18 * 12
    assert lower_bound(Add("add", 32, 32, out_dtype="int32")).cycles == 4 * 32 * 32 // 16
