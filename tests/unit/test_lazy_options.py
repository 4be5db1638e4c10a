"""Plugin options without importing the plugin: a warm `compile` puts the recorded options of the
llvm target, the llm plugin and the gemmini target on its parser as stand-ins, `--help` is the same
as with the plugins imported, and an option given on the command line imports its plugin and is
parsed by the real option. Also: the `tensflo` program runs `compile` on one BLAS thread, `bench`
with BLAS's default."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tensflo.compiler.cli import BLAS_THREADS_ENV, build_parser, one_blas_thread
from tensflo.plugins.manager import load_registry
from tensflo.plugins.option_specs import add_stand_ins, given, record
from tensflo.plugins.plugin_manifest import MANIFEST_FILE

REPO = Path(__file__).resolve().parents[2]
DOT = REPO / "benchmarks" / "kernels" / "cpp" / "dot.cc"
PLUGINS = ("tensflo.plugins.llm.plugin", "tensflo.targets.llvm.target",
           "tensflo.targets.gemmini.plugin")
SCRIPT = """
import json, os, sys
for name in filter(None, os.environ.get("BLOCKED", "").split(",")):
    sys.modules[name] = None  # as if not installed
from tensflo.compiler.cli import main
status = main(sys.argv[2:])
sys.stdout.flush()
print(json.dumps({"status": status, "loaded": [m for m in json.loads(sys.argv[1])
                                               if m in sys.modules]}), file=sys.stderr)
"""


def run(cache: Path, *argv: str, blocked: str = "") -> tuple[int, list[str], str, str]:
    env = {**os.environ, "TENSFLO_CACHE_DIR": str(cache), "BLOCKED": blocked}
    env.pop("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(PLUGINS), *argv], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    *err, last = done.stderr.strip().splitlines()
    result = json.loads(last)
    return result["status"], result["loaded"], done.stdout, "\n".join(err)


def test_help_is_the_same_with_stand_ins_and_imports_none_of_them(tmp_path):
    status, cold_loaded, cold, _ = run(tmp_path, "compile", "--help")
    assert status == 0 and set(cold_loaded) == set(PLUGINS)  # the first run records them
    specs = json.loads((tmp_path / MANIFEST_FILE).read_text())["plugins"]["llm"]["option_specs"]
    assert any(s["flags"] == ["--llm-rounds"] for s in specs["compile"])
    status, loaded, warm, _ = run(tmp_path, "compile", "--help")
    assert status == 0 and loaded == []
    assert warm == cold
    for flag in ("--fp MODE", "--llm-rounds N", "--llm-adaptive, --no-llm-adaptive", "--shapes SPEC"):
        assert flag in warm, flag


def test_a_warm_compile_imports_no_plugin_for_its_options_and_a_given_one_does(tmp_path):
    run(tmp_path, "compile", "--help")
    status, loaded, out, _ = run(tmp_path, "compile", str(DOT), "--function", "dot",
                                 "--target", "numpy")
    assert status == 0 and "def dot(" in out
    assert loaded == []
    status, loaded, _, err = run(tmp_path, "compile", str(DOT), "--function", "dot",
                                 "--llm-rounds", "0")
    assert status == 2 and "tensflo.plugins.llm.plugin" in loaded
    assert "argument --llm-rounds: '0' must be at least 1" in err  # the real option's check
    status, loaded, out, _ = run(tmp_path, "compile", str(DOT), "--function", "dot",
                                 "--target", "llvm", "--fp", "strict")
    assert status == 0 and "--fp strict" in out
    assert "tensflo.targets.llvm.target" in loaded and "tensflo.plugins.llm.plugin" not in loaded


def test_options_of_a_plugin_that_failed_to_import_come_back_once_it_imports(tmp_path):
    argv = ["compile", str(DOT), "--function", "dot", "--target", "llvm", "--fp", "strict"]
    for _ in range(2):  # cold, then with the failure remembered
        status, _, _, err = run(tmp_path, *argv, blocked="llvmlite")
        assert status == 2
        assert err.splitlines() == [
            "tensflo: error: unrecognized arguments: --fp strict (see `tensflo --help`)",
            "note: plugin 'llvm' is not loaded: this needs llvmlite, which is not installed: "
            "pip install 'tensflo[llvm]'"]
    status, loaded, out, err = run(tmp_path, *argv)  # llvmlite is there again
    assert status == 0 and "--fp strict" in out, err
    assert "tensflo.targets.llvm.target" in loaded


def _parser_with(add: callable) -> tuple[argparse.ArgumentParser, list[argparse.Action]]:
    parser = argparse.ArgumentParser(add_help=False)
    add(parser)
    return parser, list(parser._actions)


def test_stand_ins_parse_like_the_options_they_record():
    def add(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("things", "about things")
        g.add_argument("--count", type=int, metavar="N", help="how many")
        g.add_argument("--mode", choices=["a", "b"], default="a")
        g.add_argument("--flag", action=argparse.BooleanOptionalAction, default=None)
        parser.add_argument("--item", action="append", dest="items")
        parser.add_argument("--quiet-one", action="store_true", default=argparse.SUPPRESS)
        parser.add_argument("--hidden", help=argparse.SUPPRESS)

    real, actions = _parser_with(add)
    specs = record(real, actions)
    assert specs is not None
    stand_in = argparse.ArgumentParser(add_help=False)
    add_stand_ins(stand_in, json.loads(json.dumps(specs)))
    assert stand_in.format_help() == real.format_help()
    assert vars(stand_in.parse_args([])) == vars(real.parse_args([]))
    assert not given(stand_in.parse_args([]), specs)
    assert not given(stand_in.parse_args(["--mode", "a"]), specs)  # the default, as given
    for argv in (["--count", "3"], ["--no-flag"], ["--item", "x"], ["--mode", "b"],
                 ["--quiet-one"]):
        assert given(stand_in.parse_args(argv), specs), argv


def test_options_that_cannot_be_recorded_exactly_are_not():
    class Mine(argparse.Action):
        def __call__(self, *args: object) -> None:
            pass

    for add in (lambda p: p.add_argument("--n", type=int, default="3"),  # converted by argparse
                lambda p: p.add_argument("--t", default=(1, 2)),
                lambda p: p.add_argument("--m", action=Mine),
                lambda p: p.add_mutually_exclusive_group().add_argument("--x")):
        assert record(*_parser_with(add)) is None


def test_a_plugin_whose_options_changed_since_recorded_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSFLO_CACHE_DIR", str(tmp_path))
    with load_registry(lazy=True) as registry:
        build_parser(registry, "compile")
    path = tmp_path / MANIFEST_FILE
    data = json.loads(path.read_text())
    for spec in data["plugins"]["llvm"]["option_specs"]["compile"]:
        spec["default"] = "strict"  # not what the plugin adds
    path.write_text(json.dumps(data))
    with load_registry(lazy=True) as registry:
        parser = build_parser(registry, "compile")
        args = parser.parse_args(["compile", str(DOT), "--function", "dot"])
        assert args.target_fp == "strict" and "llvm" not in registry.loaded
        try:
            registry.get("target", "llvm")
        except Exception as e:  # noqa: BLE001 - checked below
            assert "options of command 'compile' changed since they were recorded" in str(e)
        else:
            raise AssertionError("a changed option was not reported")
    data = json.loads(path.read_text())  # the real options are recorded again
    assert data["plugins"]["llvm"]["option_specs"]["compile"][0]["default"] is None


BLAS_SCRIPT = """
import json, os, sys
from tensflo.compiler.cli import main
sys.argv = ["tensflo", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
import numpy
threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
print(json.dumps({"threads": threads,
                  **{v: os.environ.get(v) for v in json.loads(os.environ["WATCHED"])}}))
"""


def _blas_env(tmp_path: Path, *argv: str, **extra: str) -> dict[str, str | None]:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS_ENV}
    env.update(TENSFLO_CACHE_DIR=str(tmp_path), WATCHED=json.dumps(BLAS_THREADS_ENV), **extra)
    done = subprocess.run([sys.executable, "-c", BLAS_SCRIPT, *argv], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_program_runs_compile_on_one_blas_thread_and_bench_with_the_default(tmp_path):
    """The variables, and the threads of the process once NumPy is imported (BLAS starts a
    worker per further core by default)."""
    one = _blas_env(tmp_path, "compile", "--help")
    default = _blas_env(tmp_path, "bench", "--help")
    assert one.pop("threads") in (1, None)
    assert one == dict.fromkeys(BLAS_THREADS_ENV, "1")
    threads = default.pop("threads")
    assert threads is None or threads > 1 or (os.cpu_count() or 1) == 1
    assert default == dict.fromkeys(BLAS_THREADS_ENV)
    mine = _blas_env(tmp_path, "compile", "--help", OMP_NUM_THREADS="2")
    mine.pop("threads")
    assert mine == {**dict.fromkeys(BLAS_THREADS_ENV), "OMP_NUM_THREADS": "2"}


def test_one_blas_thread_only_for_the_listed_commands_and_only_when_unset():
    environ: dict[str, str] = {}
    assert one_blas_thread("lift", environ) and environ == dict.fromkeys(BLAS_THREADS_ENV, "1")
    environ = {"MKL_NUM_THREADS": "4"}
    assert not one_blas_thread("compile", environ) and environ == {"MKL_NUM_THREADS": "4"}
    environ = {}
    assert not one_blas_thread("bench", environ) and environ == {}
    assert not one_blas_thread("flo", environ) and environ == {}
