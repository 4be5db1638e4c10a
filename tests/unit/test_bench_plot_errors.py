"""`tensflo bench --plot`: a path that cannot be written is refused before measuring, and a write
that fails after measuring keeps the table (nothing measured is lost)."""

from __future__ import annotations

from pathlib import Path

DOT = str(Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "cpp" / "dot.cc")
ARGV = ["bench", DOT, "--function", "dot", "--sizes", "10", "--targets", "numpy", "-q",
        "--repeats", "3"]


def test_an_unwritable_plot_path_is_refused_before_measuring(cli, tmp_path, monkeypatch):
    from tensflo.compiler import bench

    monkeypatch.setattr(bench, "bench_function", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("measured before checking --plot")))
    code, out, err = cli(*ARGV, "--plot", str(tmp_path / "missing" / "chart.png"))
    assert code == 2 and out == ""
    assert err == f"tensflo: error: cannot write {tmp_path / 'missing' / 'chart.png'}: " \
                  f"no directory {tmp_path / 'missing'}\n"


def test_a_failed_write_after_measuring_keeps_the_table(cli, tmp_path, monkeypatch):
    from tensflo.compiler import bench

    def disk_full(reports, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bench, "plot_speedups", disk_full)
    code, out, err = cli(*ARGV, "--plot", str(tmp_path / "chart.png"))
    assert code == 2
    assert "g++ -O3 -march=native" in out and "numpy" in out and "same" in out
    assert err == (f"tensflo: error: cannot write {tmp_path / 'chart.png'}: No space left on "
                   f"device (the measurements were written above)\n")
