"""Beam's portable runner against a job service and an external pool of 2 SDK worker processes that
the test starts on loopback (`tensflo.targets.beam_portable.LocalCluster`): a Flo case study and
a small batch compile run through them and agree with the interpreter and the local pool; once
stopped (the fixture's teardown), no process of theirs is left."""

from __future__ import annotations

import json
import os
import re
import runpy
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tensflo.ir.flo import run
from tensflo.targets.beam import run_beam
from tensflo.targets.beam_portable import PORTABLE_RUNNER, LocalCluster, job_workers

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "flo"
TENSFLO = str(Path(sys.executable).with_name("tensflo"))

GOOD = """\
def total(a: list[int], n: int) -> int:
    s = 0
    for i in range(n):
        s += a[i]
    return s


def shifted(a: list[int]) -> list[int]:
    out = []
    for i in range(len(a)):
        out.append(a[i] + 3)
    return out
"""


def groups_members(pgids: list[int]) -> dict[int, str]:
    """Live processes in the given process groups: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) in pgids:
            found[int(entry.name)] = cmdline
    return found


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    c = LocalCluster(workers=2)
    groups = c.process_groups()
    watchdog = threading.Timer(150, c.close)  # a stuck job fails instead of hanging
    watchdog.start()
    try:
        yield c
    finally:
        watchdog.cancel()
        c.close()
    assert groups_members(groups) == {}  # the service, the pool and both SDK workers are gone


def workers_started(cluster: LocalCluster) -> list[str]:
    """The ids of the SDK workers the pool has started so far, from its log."""
    return re.findall(r"Starting worker with command .*worker_id=\"(\w+)\"",
                      cluster.log.read_text())


def beam_flags(cluster: LocalCluster) -> list[str]:
    return ["--runner", "beam", "--beam-runner", "PortableRunner",
            *(f"--beam-option={f}" for f in cluster.flags())]


def test_a_case_study_runs_on_two_sdk_worker_processes(cluster, cli):
    graph = str(EXAMPLES / "windowed_aggregation.py")
    code, interpreted, err = cli("flo", "run", graph, "--json")
    assert code == 0, err
    started = workers_started(cluster)
    code, portable, err = cli("flo", "run", graph, "--json", *beam_flags(cluster))
    assert code == 0, err
    assert json.loads(portable) == json.loads(interpreted)
    assert json.loads(portable)["sums"]  # not trivially empty
    # the pool started two SDK worker processes for the job (they stop when it ends)
    assert sorted(workers_started(cluster)[len(started):]) == ["worker_0", "worker_1"]


def test_a_job_sets_its_worker_count_with_the_public_portable_flag(cluster):
    example = runpy.run_path(str(EXAMPLES / "dbsp_view.py"), run_name="__flo__")
    graph, inputs = example["graph"], example["inputs"]
    started = workers_started(cluster)
    outputs = run_beam(graph, inputs, runner=PORTABLE_RUNNER,
                       options=[*cluster.flags(), "--sdk_worker_parallelism=1"])
    assert outputs == run(graph, inputs).outputs
    # cluster.flags() ask for 2 workers; the flag given last asks for 1
    assert len(workers_started(cluster)[len(started):]) == 1


def test_job_workers_reads_sdk_worker_parallelism():
    from apache_beam.options.pipeline_options import PipelineOptions

    assert job_workers(PipelineOptions(["--sdk_worker_parallelism=3"]), 2) == 3
    assert job_workers(PipelineOptions(["--sdk_worker_parallelism=0"]), 2) == 2  # runner's choice
    assert job_workers(PipelineOptions([]), 5) == 1  # Beam's default, sent by every Python client


@pytest.mark.parametrize("study", ["dbsp_view.py", "lvars_threshold.py"])
def test_the_other_case_studies_agree_with_the_interpreter(cluster, study):
    example = runpy.run_path(str(EXAMPLES / study), run_name="__flo__")
    graph, inputs = example["graph"], example["inputs"]
    expected = run(graph, inputs).outputs
    assert run_beam(graph, inputs, runner=PORTABLE_RUNNER, options=cluster.flags()) == expected


def test_a_batch_compile_runs_through_the_job_service(cluster, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.py").write_text(GOOD)
    flags = [a for f in cluster.flags() for a in ("--beam-option", f.removeprefix("--"))]
    done = subprocess.run(
        [TENSFLO, "compile", "src", "--synth", "none", "--jobs", "1", "--no-cache",
         "--cache-dir", str(tmp_path / "cache"), "--json", "--quiet", "--executor", "beam",
         "--runner", "PortableRunner", *flags],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "TENSFLO_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 0, done.stderr
    rows = {f["function"]: f for f in json.loads(done.stdout)["functions"]}
    assert set(rows) == {"total", "shifted"}
    for row in rows.values():
        assert row["status"] == "lifted" and row["proof"] == "unbounded", row


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_flo_serve_prints_the_flags_and_stops_everything_when_interrupted(sig):
    serve = subprocess.Popen([TENSFLO, "flo", "serve", "--workers", "2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        lines = [serve.stdout.readline() for _ in range(6)]
        assert lines[0].startswith("Beam job service on localhost:"), lines
        assert "--beam-runner PortableRunner --beam-option=--job_endpoint=localhost:" in lines[2]
        assert "--runner PortableRunner --beam-option job_endpoint=localhost:" in lines[4]
        groups = children(serve.pid)
        assert len(groups) == 2 and len(groups_members(groups)) >= 2
        serve.send_signal(sig)
        assert serve.wait(30) == 0, serve.stderr.read() if serve.stderr else ""
        assert groups_members(groups) == {}
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
