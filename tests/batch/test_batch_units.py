"""Batch compile pieces in this process: cache keys, relocation, the cache on disk, discovery,
reports, and the command's usage errors (one line, exit 2)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tensflo.compiler.batch.cache import Journal, Recorder, ResultCache
from tensflo.compiler.batch.discover import find_sources, plan_jobs
from tensflo.compiler.batch.jobs import Entry, Job, failed_entry, job_key, options_fingerprint
from tensflo.compiler.batch.progress import BatchProgress
from tensflo.compiler.batch.report import Counters, Report, without_timings
from tensflo.compiler.cli import main
from tensflo.compiler.pipeline import Options, read_module
from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import load_registry

KERNEL = """\
def helper(v: int) -> int:
    return v * 2


def doubled(a: list[int]) -> list[int]:
    out = []
    for i in range(len(a)):
        out.append(helper(a[i]))
    return out


def other(a: list[int]) -> int:
    return len(a)
"""


@pytest.fixture(scope="module")
def registry():
    with load_registry(autoload=False) as reg:
        yield reg


def keys(registry, text: str, options: Options | None = None) -> dict[str, str]:
    module = read_module("k.py", registry, text)
    fp = options_fingerprint(options or Options(), registry)
    return {f.name: job_key(module, f.name, fp) for f in module.functions}


def test_cache_keys_ignore_positions_and_comments_but_not_code_callees_or_options(registry) -> None:
    base = keys(registry, KERNEL)
    moved = keys(registry, "# header\n\n\n" + KERNEL.replace("out = []", "out = []  # result")
                 .replace("    return len(a)", "    return len(a) + 0"))
    assert moved["doubled"] == base["doubled"] and moved["helper"] == base["helper"]
    assert moved["other"] != base["other"]  # its body changed
    callee = keys(registry, KERNEL.replace("v * 2", "v * 3"))
    assert callee["doubled"] != base["doubled"]  # a function it calls changed
    assert callee["other"] == base["other"]
    assert keys(registry, KERNEL, Options(timeout=5))["doubled"] != base["doubled"]
    assert keys(registry, KERNEL, Options(target="torch"))["doubled"] != base["doubled"]
    assert keys(registry, KERNEL, Options(progress=print))["doubled"] == base["doubled"]


def entry(file: str = "a.py", function: str | None = "f", line: int = 10, **kw) -> Entry:
    diag = {"severity": "error", "message": "f was not lifted", "file": file, "line": line + 2,
            "col": 5}
    note = {"severity": "note", "message": "loop-shape rules: a scan", "file": file,
            "line": line + 1, "col": 1}
    return Entry(file, function, line, kw.pop("status", "not_lifted"),
                 diagnostics=kw.pop("diagnostics", (diag, note)), **kw)


def test_relocation_moves_diagnostics_with_the_function_and_reason_names_the_note() -> None:
    e = entry().relocated("b/c.py", 30)
    assert (e.file, e.line) == ("b/c.py", 30)
    assert [(d["file"], d["line"], d["col"]) for d in e.diagnostics] == [("b/c.py", 32, 5),
                                                                      ("b/c.py", 31, 1)]
    assert e.reason == "f was not lifted (loop-shape rules: a scan)"
    assert Entry.from_json(json.loads(json.dumps(e.to_json()))) == e


def test_a_corrupt_or_foreign_cache_entry_is_ignored(tmp_path: Path) -> None:
    cache = ResultCache(str(tmp_path))
    good = entry(status="lifted", tensir="x", diagnostics=())
    cache.put("ab" * 32, good)
    assert cache.get("ab" * 32) == good
    path = Path(cache.path("ab" * 32))
    path.write_text(path.read_text()[:40])  # cut short
    assert cache.get("ab" * 32) is None
    path.write_text(json.dumps({"key": "cd" * 32, "entry": good.to_json()}))
    assert cache.get("ab" * 32) is None
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


def test_journal_skips_a_line_cut_short(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "runs" / "r.jsonl"))
    journal.start()
    journal.append("k1", entry())
    with open(journal.path, "a") as f:
        f.write('{"key": "k2", "entry": {"fi')
    assert list(journal.load()) == ["k1"]


def test_errors_are_journaled_but_not_cached(tmp_path: Path) -> None:
    cache, journal = ResultCache(str(tmp_path)), Journal(str(tmp_path / "runs" / "r.jsonl"))
    journal.start()
    recorder = Recorder(cache, journal)
    jobs = [Job("a.py", name, 1, name * 32, module=None) for name in ("aa", "bb", "cc")]
    recorder.record(jobs[0], failed_entry(jobs[0], "killed after 4 s"))
    recorder.record(jobs[1], entry(function="bb"))  # not lifted: the budget ran out, say
    recorder.record(jobs[2], entry(function="cc", status="lifted", diagnostics=()))
    assert cache.get("aa" * 32) is None
    assert cache.get("bb" * 32) is not None and cache.get("cc" * 32).lifted
    assert journal.load()["aa" * 32].reason == "killed after 4 s"
    assert list(journal.load()) == ["aa" * 32, "bb" * 32, "cc" * 32]


def test_discovery_follows_frontend_extensions_skips_hidden_dirs_and_sorts(registry,
                                                                          tmp_path: Path) -> None:
    for rel in ("b.py", "a/x.cc", "a/y.cpp", "a/z.cxx", "a/readme.md", ".git/h.py",
                "a/__pycache__/c.py", "a/.venv/d.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    exts = [e for r in registry.all("frontend") for e in r.component.extensions]
    found = find_sources([str(tmp_path)], exts)
    assert [Path(f).relative_to(tmp_path).as_posix() for f in found] == \
        ["a/x.cc", "a/y.cpp", "a/z.cxx", "b.py"]
    assert find_sources([str(tmp_path / "a" / "*.c*")], exts) == found[:3]
    with pytest.raises(UsageError, match="no file matches"):
        find_sources([str(tmp_path / "*.rs")], exts)


def test_a_file_that_fails_to_parse_is_one_error_entry(registry, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(a: list[int]) -> int:\n    return a[\n")
    good = tmp_path / "good.py"
    good.write_text(KERNEL)
    fp = options_fingerprint(Options(), registry)
    jobs, failed = plan_jobs([str(bad), str(good)], registry, None, fp)
    assert [j.function for j in jobs] == ["helper", "doubled", "other"]
    (e,) = failed
    assert (e.file, e.function, e.status, e.line) == (str(bad), None, "error", 2)
    assert e.reason.startswith(f"{bad}:2:")
    jobs, _ = plan_jobs([str(good)], registry, ["d*", "other"], fp)
    assert [j.function for j in jobs] == ["doubled", "other"]


def test_report_is_sorted_escaped_and_comparable_without_times() -> None:
    rows = [entry("b.py", "g", seconds=1.5), entry("a.py", "z", status="lifted", tensir="x < y",
                                                   diagnostics=(), proof="unbounded"),
            entry("a.py", None, status="error", diagnostics=({"severity": "error", "file": None, "line": None,
                                              "col": None, "message": "a.py:1:1: <bad> | x"},))]
    report = Report.of("numpy", rows, Counters(lifted_now=2, wall_seconds=3.0))
    data = report.to_json()
    assert [(f["file"], f["function"]) for f in data["functions"]] == [
        ("a.py", None), ("a.py", "z"), ("b.py", "g")]
    t = data["totals"]
    assert (t["functions"], t["lifted"], t["not_lifted"], t["error"], t["unbounded"],
            t["lifted_now"]) == (3, 1, 1, 1, 1, 2)
    html = report.html()
    assert "&lt;bad&gt;" in html and "<bad>" not in html and "x &lt; y" in html
    assert "a.py:1:1: <bad> \\| x" in report.markdown()
    slower = Report.of("numpy", [replace(rows[0], seconds=9.0), *rows[1:]],
                       Counters(lifted_now=2, wall_seconds=7.0))
    assert slower.to_json() != data and without_timings(slower.to_json()) == without_timings(data)


@pytest.mark.parametrize("args, message", [
    (["{empty}"], "no source files"),
    (["{empty}/nothing.py", "{empty}"], "nothing.py: no such file or directory"),
    (["{empty}/*.cc"], "no file matches this pattern"),
    (["{empty}", "--jobs", "0"], "'0' must be at least 1"),
    (["{empty}", "--report", "out.txt"], "Markdown (.md) or HTML (.html)"),
    (["{empty}", "--executor", "local", "--runner", "FlinkRunner"], "need --executor beam"),
    (["{empty}", "--executor", "spark"], "invalid choice"),
])
def test_usage_errors_are_one_line_and_exit_2(args, message, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a source")
    argv = ["compile", *(a.replace("{empty}", str(empty)) for a in args),
            "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_line_on_a_terminal_and_quiet_elsewhere() -> None:
    tty = _Terminal()
    progress = BatchProgress(4, stream=tty)
    progress.add(True, worked=False)
    progress.add(True)
    progress.add(False)
    text = tty.getvalue()
    assert "\n" not in text and text.count("\r") == 3
    assert text.split("\r")[-1].strip().startswith("3/4 done, 2 lifted, 1 failing, ETA ")
    progress.clear()
    assert tty.getvalue().endswith("\r")
    log = io.StringIO()
    plain = BatchProgress(4, stream=log)
    for _ in range(4):
        plain.add(True)
    assert log.getvalue() == ""  # a plain line at most every 15 s
    quiet = _Terminal()
    BatchProgress(4, enabled=False, stream=quiet).add(True)
    assert quiet.getvalue() == ""
