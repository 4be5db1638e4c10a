"""Lean inner loops (`Schedule.lean`): each (k, j) step's loads and stores issued before a loop
that only computes. The same instructions as the spread schedule, the same results, fewer tests
for the CPU, and on blocks of few rows (7-pixel output rows) the CPU no longer sets the pace."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cemit import render
from tensflo.targets.gemmini.cycles import CycleModel, measure
from tensflo.targets.gemmini.emulator import run
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.issue import inner_tests, issue_estimate
from tensflo.targets.gemmini.menu import OPTIONS
from tensflo.targets.gemmini.schedule import Schedule, ScheduleError, check, dims
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import conv2d, conv2d_image, gemm


def _random_case(rng: np.random.Generator):
    kind = rng.integers(3)
    extra = {"bias": str(rng.choice(["none", "row", "matrix"]))}
    if rng.random() < 0.5:
        extra.update(out_dtype="int8", relu=bool(rng.random() < 0.5))
    if kind == 0:
        w = gemm(int(rng.integers(1, 90)), int(rng.integers(1, 70)), int(rng.integers(1, 200)),
                 **extra)
    elif kind == 1:
        w = conv2d(int(rng.integers(1, 3)), int(rng.integers(2, 9)), 16 * int(rng.integers(1, 5)),
                   int(rng.integers(1, 40)), **extra)
    else:
        w = conv2d_image(1, int(rng.integers(5, 12)), int(rng.integers(5, 12)),
                         16 * int(rng.integers(1, 4)), int(rng.integers(1, 30)),
                         kernel=int(rng.choice([1, 3])), stride=int(rng.integers(1, 4)),
                         pad=int(rng.integers(0, 2)), **extra)
    ib, jb, kb = dims(w)
    for _ in range(200):
        a = int(rng.integers(1, 5))
        groups = 1 if rng.random() < 0.3 else int(rng.integers(1, max(1, kb // a) + 1))
        s = Schedule(ti=int(rng.integers(1, ib + 1)), tj=int(rng.integers(1, jb + 1)),
                     tk=a * groups, a_blocks=a, b_blocks=int(rng.integers(1, 5)), inner="kji",
                     outer=str(rng.choice(["ijk", "jik"])), loads="spread",
                     mvout=str(rng.choice(["tile", "next"])),
                     double_buffer=bool(rng.random() < 0.6), fence=bool(rng.random() < 0.5),
                     hoist_config=bool(rng.random() < 0.5), lean=True)
        if rng.random() < 0.3:
            s = replace(s, tk=kb, reuse_a=s.outer == "ijk", reuse_b=s.outer == "jik")
        try:
            check(w, s)
        except ScheduleError:
            continue
        return w, s
    return None


def _instructions(w, s) -> Counter:
    """The executed instructions with their operands (no order, no static id or overhead)."""
    return Counter((e[0], *e[3:]) for e in trace(build(w, s)).events)


@pytest.mark.parametrize("seed", range(40))
def test_lean_schedules_compute_the_reference_with_the_same_instructions(seed):
    rng = np.random.default_rng(1000 + seed)
    case = _random_case(rng)
    assert case is not None
    w, s = case
    inputs = w.inputs(rng)
    out = run(build(w, s), inputs)
    for name, value in w.reference(inputs).items():
        np.testing.assert_array_equal(out[name], value, err_msg=f"{w.name} {s}")
    assert _instructions(w, s) == _instructions(w, replace(s, lean=False)), f"{w.name} {s}"


def test_lean_loop_tests_nothing_per_compute_and_emits_c():
    w = conv2d(1, 7, 64, 32, bias="row", out_dtype="int8", relu=True)
    s = Schedule(ti=7, tj=1, tk=16, inner="kji", a_blocks=4, loads="spread", mvout="next",
                 double_buffer=True, fence=False, hoist_config=True)
    assert inner_tests(build(w, s).body) >= 4
    assert inner_tests(build(w, replace(s, lean=True)).body) == 0
    assert issue_estimate(w, replace(s, lean=True)) < issue_estimate(w, s)
    c = render(build(w, replace(s, lean=True)))
    assert "for (" in c and "gemmini_extended_compute_accumulated" in c


def test_lean_loop_removes_the_cpu_bottleneck_of_short_blocks():
    # 7-pixel output rows: blocks of 7 rows, 11 execute cycles per block product, fewer than the
    # CPU spends on the tests of a spread schedule's inner loop
    w = conv2d(2, 7, 128, 64)
    s = Schedule(ti=14, tj=1, tk=24, inner="kji", a_blocks=4, loads="spread", mvout="next",
                 double_buffer=True, fence=False, hoist_config=True)
    bound = lower_bound(w).cycles
    spread = measure(trace(build(w, s)))
    lean = measure(trace(build(w, replace(s, lean=True))))
    assert lean.busy == spread.busy  # the same work in every queue
    assert spread.cycles > 1.5 * bound  # 1.61 x
    assert bound <= lean.cycles < 1.1 * bound  # 1.08 x (small: tile transitions show)
    # the gap was the CPU's: without loop overhead the two take about the same time
    free = CycleModel(loop_overhead=0)
    assert measure(trace(build(w, s)), free).cycles < 1.05 * bound


def test_lean_needs_spread_kji_and_next_or_tile_mvouts():
    w = conv2d(1, 7, 64, 32)
    good = Schedule(ti=7, tj=1, tk=16, inner="kji", a_blocks=4, loads="spread", mvout="next",
                    double_buffer=True, lean=True)
    check(w, good)
    for bad in (replace(good, loads="interleaved"), replace(good, inner="kij"),
                replace(good, mvout="fused"), replace(good, unroll=2)):
        with pytest.raises(ScheduleError, match="lean inner loop"):
            check(w, bad)


def test_weight_reuse_proposes_a_lean_loop_only_where_the_cpu_is_the_bottleneck():
    short = conv2d(4, 7, 512, 512)
    tall = OPTIONS["weight_reuse"].variants(short, Schedule(ti=5, tj=5, tk=51, a_blocks=4))
    assert tall[0].lean
    wide = gemm(512, 512, 512)
    assert not any(v.lean for v in OPTIONS["weight_reuse"].variants(wide, Schedule(ti=5, tj=5,
                                                                                   tk=32)))


def test_options_that_change_what_lean_needs_drop_it():
    w = conv2d(1, 7, 64, 32)
    lean = Schedule(ti=7, tj=1, tk=16, inner="kji", a_blocks=4, loads="spread", mvout="next",
                    double_buffer=True, lean=True)
    reordered = OPTIONS["reorder"].variants(w, lean)
    assert any(v.inner != "kji" and not v.lean for v in reordered)
    for v in reordered + OPTIONS["fuse"].variants(w, lean) + OPTIONS["unroll"].variants(w, lean):
        check(w, v)
