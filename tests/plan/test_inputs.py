"""`tensflo plan` end to end: the examples, JSON output, infeasible workloads, input errors (exit 2
with one line naming the file and where), and profiles from real `tensflo bench --json` output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tensflo.compiler.plan import (
    DeviceType,
    load_catalogue,
    load_profile,
    load_workload,
    plan,
    violations,
)
from tensflo.plugins.errors import UsageError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plan"
BENCH = sorted(str(p) for p in (EXAMPLES / "bench").glob("*.json"))
EXAMPLE_ARGS = ["--catalogue", str(EXAMPLES / "devices.toml"), "--workload",
                str(EXAMPLES / "workload.toml"), "--profile", str(EXAMPLES / "gpus.csv"),
                "--profile", str(EXAMPLES / "l4.toml"),
                *(a for p in BENCH for a in ("--profile", p))]


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_example_plan_json_is_consistent(tensflo_cmd):
    result = tensflo_cmd("plan", *EXAMPLE_ARGS, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["feasible"] and out["method"] == "exact" and out["optimal"]
    catalogue = {d.name: d for d in load_catalogue(str(EXAMPLES / "devices.toml"))}
    assert out["cost_per_hour"] == pytest.approx(
        sum(catalogue[d["type"]].price * d["count"] for d in out["devices"]))
    for inst in out["instances"]:
        assert inst["utilisation"] <= catalogue[inst["type"]].max_util + 1e-9
    workload = {d.name: d for d in load_workload(str(EXAMPLES / "workload.toml"))}
    for d in out["demands"]:
        assert sum(p["rate"] for p in d["placements"]) == pytest.approx(workload[d["demand"]].rate)
        assert all(p["latency_ms"] <= workload[d["demand"]].slo_ms for p in d["placements"])
    singles = [s for s in out["single_type"] if s["feasible"]]
    cheapest = min(singles, key=lambda s: s["cost_per_hour"])
    assert out["cheapest_single_type"] == cheapest["type"]
    assert out["saving"] == pytest.approx(1 - out["cost_per_hour"] / cheapest["cost_per_hour"])
    assert cheapest["cost_per_hour"] >= out["cost_per_hour"] - 1e-9


def test_example_plan_text(tensflo_cmd):
    result = tensflo_cmd("plan", *EXAMPLE_ARGS, "--method", "greedy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("plan: ")
    assert "(greedy, " in result.stdout.splitlines()[0]
    assert "cheapest single device type:" in result.stdout
    assert "attention_gemm" in result.stdout


def test_help_example_runs(tensflo_cmd):
    from tensflo.compiler.plan.command import EXAMPLE

    words = EXAMPLE.split()
    assert words[:2] == ["tensflo", "plan"]
    result = tensflo_cmd(*words[1:])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("plan: ")


def test_infeasible_slo_names_the_kernels_and_exits_1(tensflo_cmd):
    result = tensflo_cmd("plan", *EXAMPLE_ARGS, "--slo-ms", "0.04")
    assert result.returncode == 1
    assert result.stdout.startswith("no plan: 2 kernel(s) cannot be served")
    assert "attention_gemm: latency exceeds the SLO of 0.04 ms on every device" in result.stdout
    assert "Traceback" not in result.stderr and "attention_gemm" in result.stderr


def test_docs_show_the_real_output(tensflo_cmd, repo):
    """docs/plan.md's example output is what the command prints (solver time aside)."""
    docs = (repo / "docs" / "plan.md").read_text()
    block = re.search(r"\n\$ tensflo plan --catalogue examples/plan/devices.toml --workload "
                      r"examples/plan/workload.toml \$P\n(.*?)```", docs, re.S)
    assert block is not None
    result = tensflo_cmd("plan", *EXAMPLE_ARGS)
    assert result.returncode == 0, result.stderr

    def timeless(text: str) -> str:
        return re.sub(r", [0-9.]+ s\)", ", T s)", text)

    assert timeless(result.stdout) == timeless(block.group(1))


def test_malformed_toml_names_file_line_and_column(tensflo_cmd, tmp_path):
    bad = tmp_path / "devices.toml"
    bad.write_text('[devices.cpu]\nprice_per_hour = 0.1\ncount = two\n')
    args = list(EXAMPLE_ARGS)
    args[1] = str(bad)
    line = one_line_error(tensflo_cmd("plan", *args))
    assert str(bad) in line and "malformed TOML" in line and "line 3, column 9" in line


@pytest.mark.parametrize(("file", "text", "expect"), [
    ("devices.toml", "[devices.cpu]\nprice = 1\n", "unknown key 'devices.cpu.price'"),
    ("devices.toml", "[devices.cpu]\ncount = 2\n", "devices.cpu.price_per_hour is missing"),
    ("devices.toml", "[devices.cpu]\nprice_per_hour = -1\n",
     "devices.cpu.price_per_hour must be a number > 0"),
    ("devices.toml", "[devices.cpu]\nprice_per_hour = 1\nmax_util = 1.5\n",
     "devices.cpu.max_util must be in (0, 1]"),
    ("devices.toml", "cpu = 1\n", "unknown key 'cpu'"),
    ("workload.toml", "[kernels.a]\nrate = 'fast'\nsize = 10\nslo_ms = 1\n",
     "kernels.a.rate must be a number > 0"),
    ("workload.toml", "[kernels.a]\nrate = 1\nsize = 10.5\nslo_ms = 1\n",
     "kernels.a.size must be a whole number > 0"),
    ("workload.toml", "[kernels.a]\nrate = 1\nsize = 10\n", "kernels.a has no SLO"),
    ("workload.toml", "[kernels]\n", "no [kernels.NAME] tables"),
    ("gpus.csv", "kernel,runner,size,latency_ms\ngemm,t4,1000,fast\n",
     "line 2: latency_ms 'fast' is not a number"),
    ("gpus.csv", "kernel,runner,size\ngemm,t4,1000\n", "lacks column 'latency_ms'"),
    ("gpus.toml", "[[measurement]]\nkernel = 'gemm'\nrunner = 't4'\nsize = 1000\n",
     "measurement[0]: latency_ms is missing"),
    ("bench.json", '{"function": "f", "rows": [', "malformed JSON"),
    ("bench.json", '{"rows": []}', "is not `tensflo bench --json` output"),
])
def test_schema_errors_name_the_key(file, text, expect, tmp_path):
    path = tmp_path / file
    path.write_text(text)
    with pytest.raises(UsageError, match=None) as e:
        if file.startswith("devices"):
            load_catalogue(str(path))
        elif file.startswith("workload"):
            load_workload(str(path))
        else:
            load_profile([str(path)])
    message = str(e.value)
    assert message.startswith(f"{path}: ") and expect in message, message


def test_schema_error_through_the_command(tensflo_cmd, tmp_path):
    bad = tmp_path / "workload.toml"
    bad.write_text("slo_ms = 5\n[kernels.gemm]\nrate = 10\n")
    args = list(EXAMPLE_ARGS)
    args[3] = str(bad)
    line = one_line_error(tensflo_cmd("plan", *args))
    assert line == f"tensflo: error: {bad}: kernels.gemm.size is missing"


def test_kernel_missing_from_every_profile_is_an_input_error(tensflo_cmd, tmp_path):
    workload = tmp_path / "workload.toml"
    workload.write_text("[kernels.gemm]\nrate = 1\nsize = 1000\nslo_ms = 5\n"
                        "[kernels.typo]\nkernel = 'gemn'\nrate = 1\nsize = 1000\nslo_ms = 5\n")
    args = list(EXAMPLE_ARGS)
    args[3] = str(workload)
    line = one_line_error(tensflo_cmd("plan", *args))
    assert f"{workload}: kernels.typo: no profile measures kernel 'gemn'" in line


def test_duplicate_measurement_is_an_error(tmp_path):
    with pytest.raises(UsageError, match="measured twice"):
        load_profile([BENCH[0], BENCH[0]])


def test_slo_option_replaces_the_files_slos():
    demands = load_workload(str(EXAMPLES / "workload.toml"), slo_ms=7.5)
    assert {d.slo_ms for d in demands} == {7.5}
    assert {d.name: d.slo_ms for d in load_workload(str(EXAMPLES / "workload.toml"))}[
        "gemv"] == 10


def test_profile_from_a_real_bench_run(tensflo_cmd, tmp_path):
    """Runs `tensflo bench --json` now (numpy only, tiny sizes) and plans on its output; the
    committed examples/plan/bench/*.json were made by the same command at 1e3..1e6."""
    bench = tensflo_cmd("bench", "benchmarks/kernels/cpp/dot.cc", "--function", "dot",
                        "--targets", "numpy", "--sizes", "1e3,1e4", "--repeats", "3",
                        "--max-seconds", "0.05", "--json", "--quiet")
    assert bench.returncode == 0, bench.stderr
    path = tmp_path / "dot.json"
    path.write_text(bench.stdout)
    report = json.loads(bench.stdout)
    profile = load_profile([str(path)])
    pts = profile.points("dot", "numpy")
    assert [p.size for p in pts] == [1000, 10000]
    rows = {r["elements"]: r for r in report["rows"] if r["runner"] == "numpy"}
    for p in pts:
        assert p.latency_ms == pytest.approx(rows[p.size]["time"]["median_s"] * 1e3)
        assert p.throughput == pytest.approx(1e3 / p.latency_ms)
    assert profile.points("dot", report["baseline"])  # the original is a runner too
    workload = tmp_path / "workload.toml"
    workload.write_text("[kernels.dot]\nrate = 100\nsize = 5000\nslo_ms = 1000\n")
    devices = (DeviceType("cpu", 0.1, runners=("numpy",)),)
    report_ = plan(devices, load_workload(str(workload)), profile)
    best = report_.best
    assert best.feasible and best.solution.counts == (1,)
    (inst,) = best.instances
    (pl,) = inst.placements
    lo, hi = pts
    assert lo.latency_ms <= pl.latency_ms <= hi.latency_ms or hi.latency_ms <= pl.latency_ms <= \
        lo.latency_ms  # interpolated between the two measured sizes
    assert not violations(best.problem, best.solution.counts, best.instances)


def test_bench_json_examples_load():
    profile = load_profile(BENCH)
    assert {"darken_blend_8", "gemm", "gemv", "softmax_part1"} <= profile.kernels
    assert {p.size for p in profile.points("gemm", "llvm")} == {1000, 10000, 100000, 1000000}
