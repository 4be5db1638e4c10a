"""Dependencies by need: the core commands work without any optional package, and a feature whose
extra is missing exits 2 with one line naming the `pip install` command. A missing package is
simulated by blocking its import (`sys.modules[name] = None`) in a fresh interpreter."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from tensflo.plugins.errors import EXTRAS

REPO = Path(__file__).resolve().parents[2]
OPTIONAL = sorted(EXTRAS)
RUN = ("import sys\n"
       "for name in sys.argv[1].split(','):\n"
       "    sys.modules[name] = None\n"
       "from tensflo.compiler.cli import main\n"
       "sys.exit(main(sys.argv[2:]))\n")
DOT = "benchmarks/kernels/cpp/dot.cc"
PLAN = ["plan", "--catalogue", "examples/plan/devices.toml", "--workload",
        "examples/plan/workload.toml", "--profile", "examples/plan/gpus.csv", "--profile",
        "examples/plan/bench/gemm.json"]


def tensflo_without(blocked: list[str], *argv: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN, ",".join(blocked), *argv], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cache),
                               "TENSFLO_CACHE_DIR": str(cache)})


@pytest.mark.parametrize(("extra", "argv"), [
    ("beam", ["flo", "run", "examples/flo/windowed_aggregation.py", "--runner", "beam"]),
    ("plan", PLAN),
    ("llm", ["compile", DOT, "--function", "dot", "--synth", "llm", "--llm-base-url",
             "http://127.0.0.1:9/v1", "--llm-model", "m", "-q"]),
    ("cvc5", ["compile", DOT, "--function", "dot", "--verifier", "cvc5", "-q"]),
    ("llvm", ["compile", DOT, "--function", "dot", "--target", "llvm", "-q"]),
    ("torch", ["render", "examples/dot.tensir", "--target", "torch"]),
    ("jax", ["render", "examples/dot.tensir", "--target", "jax"]),
    ("mlx", ["render", "examples/dot.tensir", "--target", "mlx"]),
    ("plot", ["bench", DOT, "--function", "dot", "--sizes", "10", "--targets", "numpy",
              "--plot", "chart.png"]),
])
def test_a_missing_extra_is_one_line_naming_the_pip_command(extra, argv, tmp_path):
    blocked = [package for package, wanted in EXTRAS.items() if wanted == extra]
    done = tensflo_without(blocked, *argv, cache=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("tensflo: error: ")]
    assert len(lines) == 1 and f"pip install 'tensflo[{extra}]'" in lines[0], done.stderr


def test_the_core_commands_need_no_optional_package(tmp_path):
    source = tmp_path / "dot.tensir"
    source.write_text("def dot(a: vec[int], b: vec[int]) -> int = "
                      "reduce_sum(vec_elemwise_mul(a, b))\n")
    for argv in (["--version"], ["--help"], ["targets"], ["ops"], ["plugins"],
                 ["render", str(source), "--target", "numpy"],
                 ["compile", DOT, "--function", "dot", "--target", "numpy", "-q"],
                 ["lift", "benchmarks/kernels/python/axpy.py", "--json", "-q"]):
        done = tensflo_without(OPTIONAL, *argv, cache=tmp_path)
        assert done.returncode == 0, (argv, done.stderr)
        assert "Traceback" not in done.stderr and "warning" not in done.stderr, (argv, done.stderr)


def test_every_extra_is_declared_and_all_pulls_them_in():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    extras = cfg["options.extras_require"]
    hard = cfg["options"]["install_requires"]
    for package, extra in EXTRAS.items():
        assert extra in extras, extra
        assert package.replace("_", "-") not in hard, package
    everything = extras["all"].strip().removeprefix("tensflo[").removesuffix("]").split(",")
    assert set(everything) == set(EXTRAS.values())
    assert "tensflo[all]" in extras["test"] and "tensflo[test]" in extras["dev"]


def test_targets_names_a_plugin_whose_extra_is_missing(tmp_path):
    for _ in range(2):  # also once the failure is remembered
        done = tensflo_without(["llvmlite"], "targets", cache=tmp_path)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert done.stdout.splitlines()[-1] == ("plugin 'llvm' is not loaded: this needs "
                                                "llvmlite, which is not installed: pip install "
                                                "'tensflo[llvm]'")
        assert "numpy" in done.stdout
