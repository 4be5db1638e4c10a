"""Convolutions with stride and padding: the workload's reference against a direct loop over the
zero-padded image, programs on the emulator, and `tensflo gemmini compile --conv`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.emulator import run
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import NAIVE, library
from tensflo.targets.gemmini.workload import conv2d_image

SHAPES = [  # n, h, w, cin, cout, k, stride, pad
    (2, 9, 9, 32, 20, 3, 2, 1),
    (1, 8, 8, 16, 16, 1, 2, 0),
    (1, 14, 14, 32, 48, 3, 1, 1),
    (2, 7, 11, 16, 33, 5, 3, 2),
    (1, 20, 18, 16, 8, 3, 1, 0),
]


def direct_conv(x: np.ndarray, wts: np.ndarray, n, h, w, cin, cout, k, stride, pad) -> np.ndarray:
    """The convolution by its definition: unpadded NHWC image, zeros outside it."""
    img = x.reshape(n, h, w, cin).astype(np.int64)
    kern = wts.reshape(k, k, cin, cout).astype(np.int64)
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.zeros((n, oh, ow, cout), np.int64)
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(k):
                for kx in range(k):
                    y, xx = oy * stride + ky - pad, ox * stride + kx - pad
                    if 0 <= y < h and 0 <= xx < w:
                        out[:, oy, ox, :] += img[:, y, xx, :] @ kern[ky, kx]
    return out.reshape(n * oh * ow, cout)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_reference_is_the_direct_convolution_and_programs_compute_it(shape):
    n, h, w, cin, cout, k, stride, pad = shape
    wl = conv2d_image(*shape[:5], kernel=k, stride=stride, pad=pad)
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (n * h * w, cin)).astype(np.int8)
    padded = np.pad(x.reshape(n, h, w, cin), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    inputs = {"X": padded.reshape(-1, cin), "B": rng.integers(-128, 128, (k * k * cin, cout)).astype(np.int8)}
    want = direct_conv(x, inputs["B"], *shape)
    assert np.array_equal(wl.reference(inputs)["C"], want)
    for s in (NAIVE, library(wl)):
        assert np.array_equal(run(build(wl, s), inputs)["C"], want)


def test_a_stride_above_the_kernel_lowers_the_load_bound():
    skipping = conv2d_image(1, 32, 32, 16, 16, kernel=1, stride=2)
    assert skipping.conv.pixels_read() == 16 * 16
    dense = conv2d_image(1, 32, 32, 16, 16, kernel=3, stride=2, pad=1)
    assert dense.conv.pixels_read() == 33 * 33  # the padded image's last row and column unread
    assert lower_bound(skipping).load < lower_bound(conv2d_image(1, 32, 32, 16, 16, kernel=1)).load


CONV = "n=1,h=14,w=14,cin=32,cout=48,k=3,stride=2,pad=1"


@pytest.mark.parametrize("schedule", ["naive", "library", "search"])
def test_cli_compiles_a_convolution_with_each_schedule(cli, schedule):
    code, out, err = cli("gemmini", "compile", "--conv", CONV, "--bias", "--relu", "--schedule",
                         schedule, "--budget", "6", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["checked"] is True and data["function"] == "conv3x3s2p1_n1_14x14x32_48"
    assert set(data["schedules"]) == {schedule, "naive", "library"}
    bound = data["bound"]["cycles"]
    for name, r in data["schedules"].items():
        assert r["cycles"] >= bound and r["over_bound"] == round(r["cycles"] / bound, 4), name
        assert 0 < r["utilisation"] <= data["bound"]["utilisation"]
    assert data["schedules"][schedule]["cycles"] == data["cycles"]
    if schedule == "naive":
        assert data["cycles"] == data["schedules"]["naive"]["cycles"] > data["schedules"]["library"]["cycles"]


def test_cli_emits_the_convolution_c(cli):
    code, c, err = cli("gemmini", "compile", "--conv", CONV, "--bias", "--relu", "--emit", "c")
    assert code == 0, err
    assert "void conv3x3s2p1_n1_14x14x32_48(const elem_t *X, const elem_t *B, const acc_t *D, elem_t *C)" in c
    assert "gemmini_extended_config_st(48, RELU, 1.0);" in c
    assert "gemmini_extended3_config_ld(64, 1.0, false, 0);" in c  # 2 pixels x 32 channels apart


@pytest.mark.parametrize("args, message", [
    (["--conv", "n=1,h=8,w=8,cout=16"], "--conv needs cin"),
    (["--conv", "n=1,h=8,w=8,cin=24,cout=16"], "multiple of 16"),
    (["--conv", "h=2,w=2,cin=16,cout=16,k=3"], "does not fit"),
    (["--conv", "h=8,w=8,cin=16,cout=16,depth=2"], "bad --conv item 'depth=2'"),
    (["x.tensir", "--conv", "h=8,w=8,cin=16,cout=16"], "--conv replaces FILE"),
    (["--schedule", "naive"], "needs FILE, --function and --shapes"),
])
def test_conv_usage_errors(cli, args, message):
    code, out, err = cli("gemmini", "compile", *args)
    assert code == 2 and message in err and "Traceback" not in err and not out


def test_cli_cycle_model_parameters(cli):
    args = ("gemmini", "compile", "--conv", "n=1,h=14,w=14,cin=32,cout=48", "--json")
    code, out, _ = cli(*args)
    default = json.loads(out)
    code, out, _ = cli(*args, "--cycle-model", "dma_latency=200,max_inflight=4")
    slow = json.loads(out)
    assert code == 0 and slow["cycles"] > 2 * default["cycles"]
    assert slow["bound"] == default["bound"]  # execute-bound: no DMA term in it
    code, _, err = cli(*args, "--cycle-model", "latency=3")
    assert code == 2 and "bad --cycle-model item 'latency=3'" in err and "dma_latency" in err
