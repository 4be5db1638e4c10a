"""`tensflo flo check` and `tensflo flo run`: results, exit statuses, one-line user errors."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flo"
WINDOWS = str(EXAMPLES / "windowed_aggregation.py")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    """A usage error: `tensflo: error: MESSAGE` on one line, or, for a place in a file, clang's
    `FILE:LINE:COL: error: MESSAGE` followed by the source line and a caret."""
    assert code == 2 and "Traceback" not in err, err
    lines = err.splitlines()
    if err.startswith("tensflo: error: "):
        assert len(lines) == 1, err
    else:
        assert re.match(r"[^\s:][^:]*:\d+:\d+: error: ", lines[0]), err
        assert len(lines) == 3 and lines[2].strip() == "^", err
    for fragment in fragments:
        assert fragment in err, err


def test_help_lists_the_actions(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "    flo " in out
    code, out, _ = cli("flo", "--help")
    assert code == 0 and "check" in out and "run" in out
    assert "example:\n  tensflo flo run examples/flo/windowed_aggregation.py" in out
    for action in ("check", "run"):
        code, out, _ = cli("flo", action, "--help")
        assert code == 0 and f"usage: tensflo flo {action}" in out and "tensflo flo" in out


def test_check_reports_types_and_properties(cli):
    code, out, _ = cli("flo", "check", WINDOWS)
    assert code == 0
    assert "input  events: Unbounded[Seq]" in out and "output sums: Unbounded[Seq]" in out
    assert "streaming_progress, eager_execution: ok (712 runs: all schedules and random ones" in out

    code, out, _ = cli("flo", "check", WINDOWS, "--json", "--limit", "10",
                       "--samples", "7")
    report = json.loads(out)
    assert code == 0 and report["properties"]["schedules"] == 7
    assert report["properties"]["exhaustive"] is False and report["types"] == "ok"


NON_DETERMINISTIC = """\
from tensflo.ir.flo import SEQ, SET, Graph, Op, OpState, StreamType, impl, unbounded

class FirstSeen(Op):
    name = "first_seen"
    def infer(self, inputs):
        return StreamType(False, SEQ)

@impl(FirstSeen)
class _State(OpState):
    done = False
    def push(self, index, batch):
        if self.done:
            return ()
        self.done = True
        return [batch[0]]

graph = Graph("first")
graph.output("first", graph.input("x", unbounded(SET)).apply(FirstSeen()))
inputs = {"x": [1, 2, 3]}
"""


def test_check_fails_with_a_counterexample(cli, tmp_path):
    code, out, _ = cli("flo", "check", write(tmp_path, "first.py", NON_DETERMINISTIC))
    assert code == 1
    assert "streaming_progress fails: output 'first' differs for the same consumed input" in out
    assert "schedule 1: x:[" in out and "schedule 2: x:[" in out


def test_type_errors_are_one_line(cli, tmp_path):
    src = write(tmp_path, "blocking.py", """\
        from tensflo.ir.flo import SEQ, Graph, unbounded
        graph = Graph()
        graph.output("sorted", graph.input("x", unbounded(SEQ)).sort())
    """)
    for action in ("check", "run"):
        code, _, err = cli("flo", action, src)
        assert_one_line_error(code, err, "blocking.py: sort#1: sort blocks until its input ends")


@pytest.mark.parametrize("text, fragment", [
    ("graph = 1 +\n", "bad.py:1:"),
    ("raise ValueError('no graph today')\n", "loading failed: ValueError: no graph today"),
    ("x = 1\n", "defines no Flo graph named 'graph'"),
    ("from tensflo.ir.flo import Graph\ng = Graph()\n", "(graphs defined: g; pick one with --graph)"),
])
def test_bad_graph_files_are_one_line(cli, tmp_path, text, fragment):
    code, _, err = cli("flo", "check", write(tmp_path, "bad.py", text))
    assert_one_line_error(code, err, fragment)


def test_missing_files_are_one_line(cli, tmp_path):
    code, _, err = cli("flo", "run", str(tmp_path / "nope.py"))
    assert_one_line_error(code, err, "nope.py: no such file")
    code, _, err = cli("flo", "run", WINDOWS, "--input", f"events={tmp_path}/none.json")
    assert_one_line_error(code, err, "none.json: no such file")
    (tmp_path / "broken.json").write_text("[1, 2,")
    code, _, err = cli("flo", "run", WINDOWS, "--input", f"events={tmp_path}/broken.json")
    assert_one_line_error(code, err, "broken.json:1:", "invalid JSON")
    code, _, err = cli("flo", "run", WINDOWS, "--input", f"{tmp_path}/broken.json")
    assert_one_line_error(code, err, "invalid JSON")


def test_run_reads_json_inputs_with_watermarks(cli, tmp_path):
    events = tmp_path / "events.json"
    events.write_text(json.dumps([[3, "a", 1], [14, "b", 2], {"watermark": 10}, [15, "b", 5],
                                  {"watermark": 30}]))
    code, out, _ = cli("flo", "run", WINDOWS, "--input", f"events={events}")
    assert code == 0 and out == "sums: ((0, 'a', 1), (10, 'b', 7))\n"
    both = tmp_path / "inputs.json"
    both.write_text(json.dumps({"events": [[3, "a", 1], {"watermark": 10}]}))
    code, out, _ = cli("flo", "run", WINDOWS, "-i", str(both), "--json",
                       "--scheduler", "random", "--seed", "4")
    assert code == 0 and json.loads(out) == {"sums": [[0, "a", 1]]}


def test_run_errors_in_user_functions_and_ports_are_one_line(cli, tmp_path):
    src = write(tmp_path, "div.py", """\
        from tensflo.ir.flo import SEQ, Graph, unbounded
        graph = Graph()
        graph.output("y", graph.input("x", unbounded(SEQ)).map(lambda v: 1 // v))
        inputs = {"x": [1, 0]}
    """)
    for runner in ("interp", "beam"):
        code, _, err = cli("flo", "run", src, "--runner", runner)
        assert_one_line_error(code, err, "running the graph failed: ZeroDivisionError")
    ports = tmp_path / "ports.json"
    ports.write_text(json.dumps({"nope": [1]}))
    code, _, err = cli("flo", "run", src, "--input", str(ports))
    assert_one_line_error(code, err, "has no input 'nope' (inputs: x)")


def test_run_on_beam_matches_the_interpreter(cli):
    lvars = str(EXAMPLES / "lvars_threshold.py")
    code, interp, _ = cli("flo", "run", lvars, "--runner", "interp", "--json")
    assert code == 0
    code, beam, _ = cli("flo", "run", lvars, "--runner", "beam", "--json",
                        "--beam-option=--direct_num_workers=1")
    assert code == 0 and json.loads(beam) == json.loads(interp)
    assert json.loads(beam)["both"] == [False]


def test_graph_choice_and_files_without_inputs(cli, tmp_path):
    src = write(tmp_path, "two.py", """\
        from tensflo.ir.flo import SET, Graph, unbounded
        first = Graph("first")
        first.output("y", first.input("x", unbounded(SET)).map(abs))
        second = Graph("second")
        second.output("z", second.input("w", unbounded(SET)).filter(bool))
    """)
    code, _, err = cli("flo", "check", src)
    assert_one_line_error(code, err, "(graphs defined: first, second; pick one with --graph)")
    code, out, _ = cli("flo", "check", src, "--graph", "second")
    assert code == 0 and "graph 'second': 1 operators, well typed" in out
    assert "properties not checked" in out
    code, _, err = cli("flo", "run", src, "--graph", "second")
    assert_one_line_error(code, err, "defines no `inputs`: give --input [PORT=]FILE")
    (tmp_path / "w.json").write_text("[0, 3, 0]")
    code, out, _ = cli("flo", "run", src, "--graph", "second", "-i", f"w={tmp_path}/w.json")
    assert code == 0 and out == "z: {3}\n"


def test_flo_help_lists_no_lifting_options(cli):
    for args in (("flo", "--help"), ("flo", "run", "--help"), ("flo", "check", "--help")):
        code, out, _ = cli(*args)
        assert code == 0 and "--llm" not in out and "--synth" not in out


def test_a_graph_file_with_a_null_byte_is_reported_at_its_line_and_column(cli, tmp_path):
    path = tmp_path / "binary.py"
    path.write_bytes(b"from tensflo.ir.flo import Graph\ngraph = Graph()\nx = 1\0\n")
    code, _, err = cli("flo", "run", str(path))
    assert_one_line_error(code, err, f"{path}:3:6: error: a null byte", "\nx = 1\ufffd\n")


@pytest.mark.parametrize("depth", [500, 1_000, 5_000])
def test_deeply_nested_input_is_a_one_line_error(cli, tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth)
    for action in ("run", "check"):
        code, _, err = cli("flo", action, WINDOWS, "--input", f"events={path}")
        assert_one_line_error(code, err, str(path), "nest")


def test_nested_input_within_the_limit_is_read(cli, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"x": [[[1, [2, {"watermark": 3}]], {"a": [1]}]]}))
    graph = write(tmp_path, "g.py", """
        from tensflo.ir.flo import SEQ, Graph, bounded
        graph = Graph()
        graph.output("out", graph.input("x", bounded(SEQ)))
    """)
    code, out, err = cli("flo", "run", graph, "--input", str(path))
    assert code == 0, err
    assert out == "out: (((1, (2, Watermark(time=3))), {'a': (1,)}),)\n"


def test_an_output_nested_too_deeply_to_print_is_a_one_line_error(cli, tmp_path):
    graph = write(tmp_path, "nested.py", """
        from tensflo.ir.flo import SEQ, Graph, bounded
        graph = Graph("nested")
        x = graph.input("x", bounded(SEQ))
        graph.output("deep", x.fold((), lambda acc, v: (acc, v)))
        inputs = {"x": list(range(5000))}
    """)
    for extra in ((), ("--json",)):
        code, _, err = cli("flo", "run", graph, *extra)
        assert_one_line_error(code, err, "an output nests too deeply to print")
