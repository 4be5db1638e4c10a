"""The emulator's numerics against NumPy, and the errors bad programs get."""

from __future__ import annotations

import numpy as np
import pytest

from tensflo.targets.gemmini.emulator import EmulatorError, run, scale_round_saturate
from tensflo.targets.gemmini.expr import E
from tensflo.targets.gemmini.isa import ACC_BIT, ACCUMULATE_BIT, FULL_WIDTH_BIT, GARBAGE_ADDR
from tensflo.targets.gemmini.program import (
    Buffer,
    ComputeAccumulated,
    ComputePreloaded,
    ConfigEx,
    ConfigLd,
    ConfigSt,
    Dram,
    Mvin,
    Mvout,
    Preload,
    Program,
)


def _prog(*body, out="int8", a=(16, 16), b=(16, 16), c=(16, 16), d=None):
    bufs = [Buffer("A", "int8", *a), Buffer("B", "int8", *b)]
    if d:
        bufs.append(Buffer("D", "int32", *d))
    bufs.append(Buffer("C", out, *c, "out"))
    return Program("t", tuple(bufs), tuple(body))


def _block_gemm(act=0, scale=1.0, out="int8", accumulate_twice=False, bias=False):
    """C = act(scale * (A @ B [+ A @ B] [+ D])) for one 16x16 block."""
    full = FULL_WIDTH_BIT if out == "int32" else 0
    body = [ConfigEx(1, act, scale), ConfigLd(E(16), 1.0, 0, 0), ConfigLd(E(16), 1.0, 0, 1),
            ConfigLd(E(64), 1.0, 0, 2), ConfigSt(E(16 * (4 if out == "int32" else 1))),
            Mvin(Dram("A", E(0)), E(0), E(16), E(16), 0), Mvin(Dram("B", E(0)), E(16), E(16), E(16), 1)]
    c = ACC_BIT
    if bias:
        body.append(Mvin(Dram("D", E(0)), E(ACC_BIT), E(16), E(16), 2))
        c |= ACCUMULATE_BIT
    body += [Preload(E(16), E(c), E(16), E(16), E(16), E(16)),
             ComputePreloaded(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))]
    if accumulate_twice:
        body += [Preload(E(GARBAGE_ADDR), E(ACC_BIT | ACCUMULATE_BIT), E(16), E(16), E(16), E(16)),
                 ComputeAccumulated(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))]
    body.append(Mvout(Dram("C", E(0)), E(ACC_BIT | full), E(16), E(16)))
    return _prog(*body, out=out, d=(16, 16) if bias else None)


def _ref(a, b, act=0, scale=1.0, times=1, d=None):
    acc = times * (a.astype(np.int64) @ b.astype(np.int64))
    if d is not None:
        acc = acc + d
    y = np.rint(acc.astype(np.float32) * np.float32(scale))
    y = np.clip(y, -128, 127)
    return np.maximum(y, 0) if act else y


RNG = np.random.default_rng(7)
EDGE = [np.full((16, 16), -128, np.int8), np.full((16, 16), 127, np.int8),
        RNG.integers(-128, 128, (16, 16)).astype(np.int8)]


@pytest.mark.parametrize("a", EDGE, ids=["min", "max", "random"])
@pytest.mark.parametrize("b", EDGE, ids=["min", "max", "random"])
def test_int32_output_is_exact_at_the_int8_edges(a, b):
    out = run(_block_gemm(out="int32"), {"A": a, "B": b})["C"]
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, a.astype(np.int64) @ b.astype(np.int64))


@pytest.mark.parametrize("a", EDGE, ids=["min", "max", "random"])
@pytest.mark.parametrize("act", [0, 1])
def test_int8_output_saturates_and_relu(a, act):
    b = RNG.integers(-128, 128, (16, 16)).astype(np.int8)
    out = run(_block_gemm(act=act), {"A": a, "B": b})["C"]
    np.testing.assert_array_equal(out, _ref(a, b, act))
    assert out.min() >= (0 if act else -128) and out.max() <= 127
    if act:
        assert (out == 0).any() or (a.astype(np.int64) @ b >= 0).all()


def test_accumulate_adds_into_the_accumulator():
    a, b = (RNG.integers(-8, 8, (16, 16)).astype(np.int8) for _ in range(2))
    out = run(_block_gemm(out="int32", accumulate_twice=True), {"A": a, "B": b})["C"]
    np.testing.assert_array_equal(out, 2 * (a.astype(np.int64) @ b))


def test_bias_moved_into_the_accumulator_is_added():
    a, b = (RNG.integers(-128, 128, (16, 16)).astype(np.int8) for _ in range(2))
    d = RNG.integers(-100000, 100000, (16, 16)).astype(np.int32)
    out = run(_block_gemm(out="int32", bias=True), {"A": a, "B": b, "D": d})["C"]
    np.testing.assert_array_equal(out, a.astype(np.int64) @ b + d)


def test_scaling_rounds_half_to_even():
    acc = np.array([[5, 3, -5, -3, 7, 1, -1, 255, 256, -257]], np.int32)
    got = scale_round_saturate(acc, 0.5, 0)
    # 2.5 -> 2, 1.5 -> 2, -2.5 -> -2, -1.5 -> -2, 3.5 -> 4, 0.5 -> 0, -0.5 -> 0, saturation
    np.testing.assert_array_equal(got, [[2, 2, -2, -2, 4, 0, 0, 127, 127, -128]])
    assert got.dtype == np.int8


@pytest.mark.parametrize("scale", [0.5, 0.25, 1.0 / 3])
def test_scaled_mvout_matches_numpy(scale):
    a = RNG.integers(-128, 128, (16, 16)).astype(np.int8)
    b = RNG.integers(-4, 4, (16, 16)).astype(np.int8)
    out = run(_block_gemm(scale=scale, act=1), {"A": a, "B": b})["C"]
    np.testing.assert_array_equal(out, _ref(a, b, 1, scale))


def test_wide_mvin_fills_consecutive_blocks():
    a = RNG.integers(-128, 128, (16, 64)).astype(np.int8)
    body = [ConfigLd(E(64), 1.0, 0, 0), ConfigSt(E(16)),
            Mvin(Dram("A", E(0)), E(32), E(64), E(16), 0)]
    body += [Mvout(Dram("C", E(16 * 16 * k)), E(32 + 16 * k), E(16), E(16)) for k in range(4)]
    out = run(_prog(*body, a=(16, 64), c=(64, 16)), {"A": a, "B": np.zeros((16, 16), np.int8)})["C"]
    np.testing.assert_array_equal(out, np.concatenate([a[:, 16 * k:16 * k + 16] for k in range(4)]))


def test_partial_rows_and_columns():
    a = RNG.integers(-128, 128, (5, 7)).astype(np.int8)
    b = RNG.integers(-128, 128, (7, 3)).astype(np.int8)
    body = [ConfigEx(1, 0, 1.0), ConfigLd(E(7), 1.0, 0, 0), ConfigLd(E(3), 1.0, 0, 1),
            ConfigSt(E(12)), Mvin(Dram("A", E(0)), E(0), E(7), E(5), 0),
            Mvin(Dram("B", E(0)), E(16), E(3), E(7), 1),
            Preload(E(16), E(ACC_BIT), E(3), E(7), E(3), E(5)),
            ComputePreloaded(E(0), E(GARBAGE_ADDR), E(7), E(5), E(16), E(16)),
            Mvout(Dram("C", E(0)), E(ACC_BIT | FULL_WIDTH_BIT), E(3), E(5))]
    out = run(_prog(*body, out="int32", a=(5, 7), b=(7, 3), c=(5, 3)), {"A": a, "B": b})["C"]
    np.testing.assert_array_equal(out, a.astype(np.int64) @ b)


# -------------------------------------------------------------------------------------------------
# bad programs
# -------------------------------------------------------------------------------------------------
ZEROS = {"A": np.zeros((16, 16), np.int8), "B": np.zeros((16, 16), np.int8)}
LD = [ConfigLd(E(16), 1.0, 0, 0), ConfigSt(E(16))]


@pytest.mark.parametrize("body, message", [
    ([Mvin(Dram("A", E(0)), E(16380), E(16), E(16), 0)], "scratchpad overflow"),
    ([Mvin(Dram("A", E(0)), E(4090), E(16), E(16), 0)], "cross a scratchpad bank"),
    ([Mvin(Dram("A", E(0)), E(ACCUMULATE_BIT), E(16), E(16), 0)], "wrong address bits"),
    ([Mvout(Dram("C", E(0)), E(FULL_WIDTH_BIT), E(16), E(16))], "wrong address bits"),
    ([Mvout(Dram("C", E(0)), E(ACC_BIT | 1020), E(16), E(16))], "accumulator overflow"),
    ([Mvout(Dram("C", E(0)), E(0), E(16), E(16))], "never written"),
    ([Mvout(Dram("C", E(0)), E(ACC_BIT), E(16), E(16))], "never written"),
    ([ComputePreloaded(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))], "without a preceding preload"),
    ([Mvin(Dram("A", E(0)), E(0), E(16), E(16), 0),
      Preload(E(GARBAGE_ADDR), E(ACC_BIT), E(16), E(16), E(16), E(16)),
      ComputeAccumulated(E(0), E(GARBAGE_ADDR), E(16), E(16), E(16), E(16))], "before any weights"),
    ([Mvin(Dram("A", E(200)), E(0), E(16), E(16), 0)], "outside A"),
    ([Mvin(Dram("A", E(0)), E(0), E(65), E(16), 0)], "cols must be"),
    ([Mvin(Dram("A", E(0)), E(ACC_BIT), E(16), E(16), 0)], "reads int32 values"),
    ([Mvin(Dram("A", E(0)), E(0), E(16), E(16), 0),
      Mvout(Dram("C", E(0)), E(ACC_BIT | ACCUMULATE_BIT), E(16), E(16))], "accumulate bit"),
])
def test_bad_programs_are_errors(body, message):
    with pytest.raises(EmulatorError, match=message):
        run(_prog(*LD, *body), ZEROS)


def test_error_names_the_instruction():
    with pytest.raises(EmulatorError, match=r"instruction 2 mvin \(from `mvin\(dram=A\[0\], addr=16380"):
        run(_prog(*LD, Mvin(Dram("A", E(0)), E(16380), E(16), E(16), 0)), ZEROS)


def test_inputs_must_fit_their_buffer():
    with pytest.raises(EmulatorError, match="outside int8"):
        run(_prog(*LD), {"A": np.full((16, 16), 300), "B": ZEROS["B"]})
    with pytest.raises(EmulatorError, match="is 16x16"):
        run(_prog(*LD), {"A": np.zeros((4, 4)), "B": ZEROS["B"]})
