"""Spread loads (`Schedule.loads="spread"`): A mvins of the next k group and B mvins of the next k
step issued one at a time during the current one. Every such schedule computes the reference on
the emulator, and in the cycle model it hides load bursts that `interleaved` exposes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cycles import measure
from tensflo.targets.gemmini.emulator import run
from tensflo.targets.gemmini.generator import build
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
        w = gemm(int(rng.integers(1, 90)), int(rng.integers(1, 70)), int(rng.integers(1, 200)), **extra)
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
                     tk=a * groups, a_blocks=a,
                     b_blocks=int(rng.integers(1, 5)), inner=str(rng.choice(["kji", "kij"])),
                     outer=str(rng.choice(["ijk", "jik"])), loads="spread",
                     mvout=str(rng.choice(["fused", "tile", "next"])), double_buffer=bool(rng.random() < 0.5),
                     fence=bool(rng.random() < 0.5), hoist_config=bool(rng.random() < 0.5),
                     unroll=int(rng.choice([1, 2])))
        if rng.random() < 0.3:
            s = replace(s, tk=kb, reuse_a=s.outer == "ijk", reuse_b=s.outer == "jik")
        try:
            check(w, s)
        except ScheduleError:
            continue
        return w, s
    return None


@pytest.mark.parametrize("seed", range(60))
def test_spread_schedules_compute_the_reference(seed):
    rng = np.random.default_rng(seed)
    case = _random_case(rng)
    if case is None:
        pytest.skip("no spread schedule fits this draw")
    w, s = case
    x = w.inputs(rng)
    got = run(build(w, s), x)
    for k, v in w.reference(x).items():
        assert np.array_equal(got[k], v), f"{w.name} with {s}"


@pytest.mark.parametrize("db", [False, True])
@pytest.mark.parametrize("tk, a", [(1, 1), (2, 2), (2, 1), (4, 2)])
def test_spread_with_few_k_steps_per_tile(tk, a, db):
    """One group (or one step) per k tile: the next tile's first group must not overwrite the
    rows still being read."""
    w = gemm(40, 40, 100, bias="row")
    s = Schedule(ti=2, tj=2, tk=tk, a_blocks=a, inner="kji", loads="spread", double_buffer=db)
    x = w.inputs(np.random.default_rng(tk))
    assert np.array_equal(run(build(w, s), x)["C"], w.reference(x)["C"])


@pytest.mark.parametrize("outer", ["ijk", "jik"])
@pytest.mark.parametrize("inner", ["kji", "jki", "ikj"])
@pytest.mark.parametrize("ti, tj", [(2, 3), (3, 2), (3, 4)])  # whole tiles, or a short last one
def test_mvouts_in_the_next_tile(inner, outer, ti, tj):
    w = gemm(64, 96, 70, bias="matrix", out_dtype="int8", relu=True)
    s = Schedule(ti=ti, tj=tj, tk=2, inner=inner, outer=outer, a_blocks=2, double_buffer=True,
                 mvout="next", loads="spread" if inner[0] == "k" else "interleaved")
    x = w.inputs(np.random.default_rng(5))
    assert np.array_equal(run(build(w, s), x)["C"], w.reference(x)["C"])
    with pytest.raises(ScheduleError, match="next tile"):
        check(w, replace(s, double_buffer=False))


def test_spread_needs_k_outermost_and_whole_groups():
    w = conv2d(1, 8, 48, 16)  # 3 channel blocks per tap
    ok = Schedule(ti=2, tj=1, tk=9, inner="kji", a_blocks=3, loads="spread")
    check(w, ok)
    for bad in (replace(ok, inner="jki"), replace(ok, a_blocks=2, tk=8), replace(ok, tk=8)):
        with pytest.raises(ScheduleError, match="spread loads"):
            check(w, bad)


def test_spread_hides_the_load_bursts_of_interleaved():
    w = conv2d(1, 28, 64, 64)
    s = Schedule(ti=32, tj=2, tk=12, inner="kji", a_blocks=4, b_blocks=2, loads="interleaved",
                 mvout="fused", fence=False, hoist_config=True)
    burst = measure(trace(build(w, s)))
    spread = measure(trace(build(w, replace(s, loads="spread"))))
    assert spread.busy == burst.busy  # the same instructions, issued earlier
    assert spread.cycles < 0.9 * burst.cycles
    assert spread.cycles >= lower_bound(w).cycles


def test_menu_offers_spread_loads_and_tall_tiles():
    w = conv2d(1, 28, 64, 64)
    s = Schedule(ti=4, tj=2, tk=9, inner="jki", a_blocks=4, loads="interleaved")
    spread = OPTIONS["spread_loads"].variants(w, s)
    assert spread and all(v.loads == "spread" and v.inner[0] == "k" for v in spread)
    tall = OPTIONS["weight_reuse"].variants(w, s)
    assert tall and max(v.ti for v in tall) > s.ti
    for v in spread + tall:
        check(w, v)
