"""`tensflo compile DIR...`: nothing lost to broken files, hangs or crashes; the cache; `--resume`
after a kill; the local pool and the Beam executor give the same report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tensflo.compiler.batch.report import without_timings

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

DOT_CC = """\
#include <vector>

int dot(std::vector<int> x, std::vector<int> y, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += x[i] * y[i];
    }
    return s;
}
"""

BROKEN = "def oops(a: list[int]) -> int:\n    return a[0 +\n"


def scan(name: str) -> str:
    """A histogram (writes at data-dependent positions): the loop-shape rules cannot lift it, so
    the synthesizers are asked."""
    return (f"def {name}(a: list[int]) -> list[int]:\n    out = [0] * 4\n"
            f"    for i in range(len(a)):\n        out[a[i] % 4] += 1\n"
            f"    return out\n")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def by_function(report: dict) -> dict[tuple[str, str | None], dict]:
    return {(Path(f["file"]).name, f["function"]): f for f in report["functions"]}


def counters(report: dict) -> tuple[int, int, int]:
    t = report["totals"]
    return t["cache_hits"], t["resumed"], t["lifted_now"]


def test_nothing_is_lost_and_the_local_pool_and_beam_agree(batch, tmp_path: Path) -> None:
    write(tmp_path / "src", {
        "good.py": GOOD, "lib/dot.cc": DOT_CC, "broken.py": BROKEN,
        "hang.py": scan("hang_scan"), "crash.py": scan("crash_scan"),
        ".hidden/skipped.py": GOOD, "notes.txt": "not a source",
    })
    common = ("--synth", "stall", "--timeout", "2", "--jobs", "2", "--no-cache",
              "--cache-dir", str(tmp_path / "cache"))
    status, local, _ = batch("src", *common)
    assert status == 1
    rows = by_function(local)
    assert set(rows) == {("good.py", "total"), ("good.py", "shifted"), ("dot.cc", "dot"),
                         ("broken.py", None), ("hang.py", "hang_scan"), ("crash.py", "crash_scan")}
    for key in [("good.py", "total"), ("good.py", "shifted"), ("dot.cc", "dot")]:
        assert rows[key]["status"] == "lifted" and rows[key]["proof"] == "unbounded", rows[key]
        assert rows[key]["tensir"] and rows[key]["reason"] == ""
    broken = rows["broken.py", None]
    assert broken["status"] == "error" and broken["line"] == 2
    assert broken["reason"].startswith(os.path.join("src", "broken.py") + ":2:")
    hang = rows["hang.py", "hang_scan"]
    assert hang["status"] == "error"
    assert hang["reason"].startswith("killed after 4 s"), hang["reason"]
    assert 4 <= hang["seconds"] < 15
    crash = rows["crash.py", "crash_scan"]
    assert crash["status"] == "error"
    assert "worker process died (exit status 3)" in crash["reason"]
    t = local["totals"]
    assert (t["functions"], t["lifted"], t["error"], t["not_lifted"], t["files"]) == (6, 3, 3, 0, 5)
    assert counters(local) == (0, 0, 5)  # the broken file is parsed, not lifted
    files = [f["file"] for f in local["functions"]]
    assert files == sorted(files)

    status, beam, _ = batch("src", *common, "--executor", "beam")
    assert status == 1
    assert without_timings(beam) == without_timings(local)


def test_a_second_run_is_served_by_the_cache(batch, tmp_path: Path) -> None:
    src = write(tmp_path / "src", {"good.py": GOOD, "dot.cc": DOT_CC})
    cache = ("--cache-dir", str(tmp_path / "cache"), "--synth", "none", "--jobs", "2")
    out = tmp_path / "out"
    status, first, _ = batch(str(src), *cache, "-o", str(out))
    assert status == 0 and counters(first) == (0, 0, 3)
    module: dict = {}
    exec(compile((out / "src" / "good_py.py").read_text(), "good_py.py", "exec"), module)  # noqa: S102
    assert module["total"]([1, 2, 3, 4], 3) == 6 and list(module["shifted"]([1, 2])) == [4, 5]
    assert (out / "src" / "dot_cc.py").exists()

    status, second, _ = batch(str(src), *cache, "--report", str(tmp_path / "r.html"))
    assert status == 0 and counters(second) == (3, 0, 0)  # no lifting work at all
    html = (tmp_path / "r.html").read_text()
    assert html.count('<td class="lifted">') == 3 and "reduce_sum" in html
    assert without_timings({**second, "totals": {}}) == without_timings({**first, "totals": {}})

    # comments and blank lines elsewhere in the file: still cached, positions follow the function
    (src / "good.py").write_text("# a comment\n\n\n" + GOOD.replace("    s = 0", "    s = 0  # sum"))
    status, moved, _ = batch(str(src), *cache)
    assert counters(moved) == (3, 0, 0)
    assert by_function(moved)["good.py", "shifted"]["line"] == \
        by_function(first)["good.py", "shifted"]["line"] + 3

    # a changed function is lifted again, and only that one
    (src / "good.py").write_text(GOOD.replace("a[i] + 3", "a[i] - 5"))
    status, changed, _ = batch(str(src), *cache)
    assert counters(changed) == (2, 0, 1)
    new = by_function(changed)["good.py", "shifted"]["tensir"]
    assert new != by_function(first)["good.py", "shifted"]["tensir"] and "5" in new


def test_resume_after_a_kill_runs_only_the_missing_jobs(tensflo_cmd, batch, stall_site: Path,
                                                        tmp_path: Path) -> None:
    names = [f"slow_{i}" for i in range(5)]
    write(tmp_path / "src", {f"{n}.py": scan(n) for n in names})
    cache = tmp_path / "cache"
    args = ["compile", "src", "--synth", "stall", "--jobs", "1", "--no-cache",
            "--cache-dir", str(cache), "--quiet", "--json"]
    env = {**os.environ, "PYTHONPATH": str(stall_site), "TENSFLO_TEST_SLOW": "1"}
    env.pop("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", None)
    proc = subprocess.Popen([sys.executable, "-m", "tensflo", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            found = list((cache / "runs").glob("*.jsonl")) if (cache / "runs").exists() else []
            if found and found[0].read_text().count("\n") >= 2:
                journal = found[0]
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert journal is not None, "the run ended before two jobs were journaled"
    finished = [json.loads(line) for line in journal.read_text().splitlines() if line.endswith("}")]
    assert 2 <= len(finished) < 5

    status, resumed, _ = batch("src", *args[2:-2], "--resume")
    assert status == 1
    assert counters(resumed) == (0, len(finished), 5 - len(finished))
    assert sorted(f["function"] for f in resumed["functions"]) == names
    assert all(f["status"] == "not_lifted" for f in resumed["functions"])
    assert journal.read_text().count("\n") == 5

    status, again, _ = batch("src", *args[2:-2], "--resume")
    assert counters(again) == (0, 5, 0)  # the journal now has every job
    assert without_timings({**again, "totals": {}}) == without_timings({**resumed, "totals": {}})
