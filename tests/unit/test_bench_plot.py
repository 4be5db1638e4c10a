"""`tensflo bench` for a person: durations in the unit that fits, and the `--plot` chart's
structure (log speedup axis with the 1x line, sizes in elements, error bars from the spread,
a value per bar, 150 dpi)."""

from __future__ import annotations

import struct

import pytest

from tensflo.compiler.bench import BenchReport, Measurement, Timing
from tensflo.compiler.bench_plot import (
    format_elements,
    format_seconds,
    plot_speedups,
    speedup_range,
)


@pytest.mark.parametrize(("seconds", "text"), [
    (101e-9, "101 ns"), (3.4217e-6, "3.42 µs"), (86e-6, "86.0 µs"), (9.0731e-3, "9.07 ms"),
    (1.2, "1.20 s"), (125.0, "125 s"), (0.99996, "1.00 s"), (999.96e-6, "1.00 ms"),
    (0.0, "0 s"), (None, "-"), (2.5e-10, "0.250 ns"),
])
def test_durations_are_shown_in_the_unit_that_fits_them(seconds, text):
    assert format_seconds(seconds) == text


def test_sizes_are_written_out():
    assert [format_elements(n) for n in (1_000, 100_000, 10_000_000)] == [
        "1,000", "100,000", "1e+07"]


def report() -> BenchReport:
    r = BenchReport("scale", "k.py", "map(...)", "unbounded", "CPython")
    r.rows = [
        Measurement("CPython", 1_000, Timing((100e-6, 101e-6, 99e-6, 102e-6, 98e-6))),
        Measurement("numpy", 1_000, Timing((101e-9, 100e-9, 110e-9, 99e-9, 120e-9)),
                    transfer=Timing((2e-6, 2e-6, 2e-6)), agrees=True),
        Measurement("CPython", 100_000, Timing((10e-3, 11e-3, 9e-3, 10e-3))),
        Measurement("numpy", 100_000, Timing((20e-3, 21e-3, 19e-3, 20e-3)), agrees=True),
        Measurement("llvm", 100_000, Timing((1e-3, 1e-3, 1e-3)), agrees=False),
    ]
    return r


def test_the_table_uses_adaptive_units_not_a_fixed_millisecond_column():
    table = report().table()
    header = next(line for line in table.splitlines() if line.startswith("size"))
    assert "ms" not in header and "median" in header
    numpy_small = next(line for line in table.splitlines() if "numpy" in line and "1e3" in line)
    assert "101 ns" in numpy_small and "2.00 µs" in numpy_small and "0.000" not in table
    assert "DIFFERS" in table


def test_speedup_bounds_come_from_both_spreads():
    r = report()
    slow = r.rows[3]  # numpy at 1e5: half as fast as CPython
    bounds = speedup_range(r, slow)
    assert bounds is not None and r.speedup(slow) == pytest.approx(0.5)
    assert bounds[0] < 0.5 < bounds[1]
    assert speedup_range(r, Measurement("numpy", 7, Timing((1.0,)))) is None  # no baseline


def png_size_and_dpi(path) -> tuple[int, int, float]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return width, height, per_metre * 0.0254


def test_the_chart_has_a_log_speedup_axis_a_1x_line_sizes_in_elements_and_values(
        tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    kept = {}
    monkeypatch.setattr(plt, "close", lambda fig: kept.setdefault("fig", fig))
    out = tmp_path / "speedup.png"
    plot_speedups([report()], str(out))
    width, height, dpi = png_size_and_dpi(out)
    assert round(dpi) == 150 and (width, height) == (1200, 540)  # 8 x 3.6 in at 150 dpi
    ax = kept["fig"].axes[0]
    assert ax.get_yscale() == "log"
    assert "elements" in ax.get_xlabel() and "speedup" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1,000", "100,000"]
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.get_lines())  # the 1x line
    texts = [t.get_text() for t in ax.texts]
    assert "990x" in texts and "0.5x" in texts  # 99 µs / 100 ns; 10 ms / 20 ms
    assert "DIFFERS" in texts  # the wrong llvm output has no bar, a note instead
    assert "not run" in texts  # llvm has no row at 1e3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["1x = CPython", "numpy", "llvm (no speedup measured)"]
    tops = sorted(b.get_y() + b.get_height() for b in ax.patches)  # bars start at the 1x line
    assert tops == pytest.approx([0.5, 990.0], rel=0.01)  # a slowdown goes below 1x
    assert len(ax.collections) == 2  # an error bar per bar
    plt.close(kept["fig"])
