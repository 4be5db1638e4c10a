"""What `tensflo bench` shows a person: durations in the unit that fits them, and the `--plot`
speedup chart (log speedup axis with the 1x line, input size in elements, error bars from the
measured spread, a value on each bar, 150 dpi)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tensflo.plugins.errors import UsageError

if TYPE_CHECKING:
    from .bench import BenchReport, Measurement

UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))
DPI = 150


def format_seconds(seconds: float | None) -> str:
    """A duration with three significant digits in the largest unit it reaches: `101 ns`,
    `3.42 µs`, `12.5 ms`, `1.20 s`; `-` for None."""
    if seconds is None or math.isnan(seconds):
        return "-"
    if seconds == 0:
        return "0 s"
    for unit, scale in UNITS:
        if abs(seconds) >= scale or unit == "ns":
            value = seconds / scale
            digits = max(0, 2 - int(math.floor(math.log10(abs(value))))) if value else 0
            text = f"{value:.{digits}f}"
            if float(text) >= 1000 and unit != "s":  # 999.96 ms rounds up: one unit higher
                return format_seconds(float(text) * scale)
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def format_elements(n: int) -> str:
    """An input size as a person reads it: `1,000`, `100,000`, `1e+07` beyond a million."""
    return f"{n:,}" if n <= 1_000_000 else f"{n:.0e}"


def speedup_range(report: BenchReport, row: Measurement) -> tuple[float, float] | None:
    """The speedup's lower and upper bound from the spread (interquartile range) of both timings:
    slowest plausible baseline over fastest plausible runner and the reverse; None without one."""
    base = report.baseline_at(row.elements)
    if base is None or base.timing is None or row.timing is None:
        return None
    b, r = base.timing, row.timing
    low_b, high_b = max(b.median - b.spread / 2, min(b.seconds)), b.median + b.spread / 2
    low_r, high_r = max(r.median - r.spread / 2, min(r.seconds)), r.median + r.spread / 2
    if low_r <= 0 or high_r <= 0:
        return None
    return low_b / high_r, high_b / low_r


def plot_speedups(reports: Sequence[BenchReport], out_path: str) -> None:
    """One chart per report: a bar per runner and input size, from the 1x line to its speedup over
    the original on a log axis, with error bars and its value (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'tensflo[plot]'") from None
    fig, axes = plt.subplots(len(reports), 1, figsize=(8, 3.6 * len(reports)), squeeze=False)
    for ax, report in zip(axes[:, 0], reports, strict=True):
        _draw(ax, report)
    fig.tight_layout()
    fig.savefig(out_path, dpi=DPI)
    plt.close(fig)


def _draw(ax: Any, report: BenchReport) -> None:
    runners = [r for r in dict.fromkeys(r.runner for r in report.rows) if r != report.baseline]
    sizes = list(dict.fromkeys(r.elements for r in report.rows))
    width = 0.8 / max(len(runners), 1)
    drawn: list[float] = [1.0]
    labelled: set[str] = set()
    for k, runner in enumerate(runners):
        for i, size in enumerate(sizes):
            row = next((r for r in report.rows if r.runner == runner and r.elements == size),
                       None)
            speed = report.speedup(row) if row is not None else None
            x = i + k * width
            if row is None or speed is None or speed <= 0:
                why = ("not run" if row is None else "DIFFERS" if row.agrees is False
                       else "failed")
                ax.text(x, 1.0, why, ha="center", va="bottom", fontsize=7, rotation=90)
                continue
            ax.bar(x, speed - 1.0, width, bottom=1.0, color=f"C{k}",
                   label=runner if runner not in labelled else None)
            labelled.add(runner)
            bounds = speedup_range(report, row)
            low = high = speed
            if bounds is not None:
                low, high = min(bounds[0], speed), max(bounds[1], speed)
                ax.errorbar(x, speed, yerr=[[speed - low], [high - speed]], fmt="none",
                            ecolor="black", elinewidth=0.8, capsize=2)
                drawn += [low, high]
            drawn.append(speed)
            # the value past the end of its error bar
            ax.annotate(f"{speed:.3g}x", (x, high if speed >= 1 else low),
                        xytext=(0, 3 if speed >= 1 else -3), textcoords="offset points", ha="center",
                        va="bottom" if speed >= 1 else "top", fontsize=7)
    for k, runner in enumerate(runners):
        if runner not in labelled:  # no bar at any size: still in the legend
            ax.bar([], [], color=f"C{k}", label=f"{runner} (no speedup measured)")
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=1.0, label=f"1x = {report.baseline}")
    top, bottom = max(drawn), min(drawn)
    ax.set_ylim(bottom / 2, top * 3)
    ax.set_xticks([i + width * (len(runners) - 1) / 2 for i in range(len(sizes))],
                  [format_elements(s) for s in sizes])
    ax.set_xlabel("input size (elements)")
    ax.set_ylabel(f"speedup over {report.baseline} (x, log)")
    ax.set_title(f"{report.function}: median time of {report.baseline} / median time of runner; "
                 "error bars: interquartile spread of both", fontsize=9)
    ax.grid(axis="y", which="both", linewidth=0.3, alpha=0.5)
    ax.legend(fontsize="small")


__all__ = ["DPI", "format_elements", "format_seconds", "plot_speedups", "speedup_range"]
