"""The case studies in examples/flo: Flink-style windows, LVars threshold reads, DBSP view
maintenance. Each has both properties, computes what it should, and gives the same outputs on the
interpreter and on Beam."""

from __future__ import annotations

import importlib.util
import subprocess
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

from tensflo.ir.flo import (
    SEQ,
    Graph,
    RandomSchedules,
    Runtime,
    Watermark,
    bounded,
    check,
    run,
    typecheck,
)
from tensflo.ir.flo.interpreter import port_inputs
from tensflo.ir.flo.zsets import zset

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flo"
NAMES = ("windowed_aggregation", "lvars_threshold", "dbsp_view")


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"flo_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_case_study_has_both_properties(name):
    example = load(name)
    result = check(example.graph, example.inputs, samples=60)
    assert result.ok, str(result)


def test_windows_close_on_watermarks_and_drop_late_events():
    example = load("windowed_aggregation")
    assert run(example.graph, example.inputs).outputs["sums"] == (
        (0, "a", 5), (0, "b", 1),     # closed by Watermark(10); (9, "b", 100) came late
        (10, "a", 5), (10, "b", 2),   # closed by Watermark(20)
    )                                 # [20, 30) is still open
    prefix = example.inputs["events"][:4]
    assert run(example.graph, {"events": prefix}).outputs["sums"] == ()


def test_windows_of_a_bounded_stream_close_at_its_end():
    example = load("windowed_aggregation")
    g = Graph()
    events = g.input("events", bounded(SEQ))
    g.output("sums", events.window(size=10, time=lambda e: e[0]).flat_map(example.per_key_sums))
    out = run(g, {"events": [(25, "b", 4), Watermark(5), (3, "a", 1), (27, "b", 1)]}).outputs
    assert out["sums"] == ((0, "a", 1), (20, "b", 5))


def test_lvars_reads_answer_as_soon_as_the_answer_is_determined():
    example = load("lvars_threshold")
    unknown = example.UNKNOWN
    g = example.graph
    assert run(g, {"right": [(unknown, False)]}).outputs["both"] == (False,)
    assert run(g, {"left": [(True, unknown)]}).outputs["both"] == ()
    assert run(g, {"left": [(True, unknown)], "right": [(unknown, True)]}).outputs["both"] \
        == (True,)
    readings = example.inputs["readings"]
    assert run(g, {"readings": readings[:2]}).outputs["ready"] == ()
    assert run(g, {"readings": readings[:3]}).outputs["ready"] == ("ready",)


def test_dbsp_view_equals_recomputation_after_every_change():
    example = load("dbsp_view")
    g, inputs = example.graph, example.inputs
    types = typecheck(g)
    ports = port_inputs(g, inputs, types)
    for schedule in RandomSchedules(seed=3, count=30).schedules(ports):
        runtime = Runtime(g, types=types, internal_seed=schedule.internal_seed)
        seen: dict[str, list] = {port: [] for port in inputs}
        for event in schedule.events:
            runtime.apply(event)
            seen[event.port].extend(event.batch)
            expected = example.recompute(zset(seen["orders"]), zset(seen["customers"]))
            assert runtime.snapshot()["view"] == expected, str(schedule)
    assert run(g, inputs).outputs["view"] == zset([("south", 1)])


def test_case_studies_agree_on_interpreter_and_beam(monkeypatch):
    from tensflo.targets.beam import run_beam

    # nothing may be started or downloaded (no job server, JVM, container, runner binary); Beam
    # swallows exceptions while it tries runners, so record the attempts instead of failing them
    attempts: list[str] = []
    popen_init = subprocess.Popen.__init__

    def popen(self, args, *rest, **kwargs):
        attempts.append(f"process {args}")
        return popen_init(self, args, *rest, **kwargs)

    def urlopen(url, *args, **kwargs):
        attempts.append(f"download {getattr(url, 'full_url', url)}")
        raise OSError("no downloads in tests")

    monkeypatch.setattr(subprocess.Popen, "__init__", popen)
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    for name in NAMES:
        example = load(name)
        expected = run(example.graph, example.inputs).outputs
        assert run_beam(example.graph, example.inputs) == expected, name
    assert attempts == []
