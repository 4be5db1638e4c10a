"""The `tensflo` command: help, listings, render, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tensflo import __version__
from tensflo.ir.tensir import OPS, parse_module

COMMANDS = ("ops", "targets", "plugins", "render")
pytestmark = pytest.mark.usefixtures("op_table_unchanged")


# -------------------------------------------------------------------------------------------------
# help and listings
# -------------------------------------------------------------------------------------------------
def test_help_explains_every_command_with_an_example(cli):
    code, out, _ = cli("--help")
    assert code == 0
    for command in COMMANDS:
        assert f"    {command} " in out
        assert f"tensflo {command}" in out
    assert "exit status: 0 ok, 1 not lifted, 2 usage or input error" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_with_an_example(cli, command):
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert f"usage: tensflo {command}" in out and f"example:\n  tensflo {command}" in out


@pytest.mark.parametrize("command", ["ops", "targets", "plugins", "render", "bench", "flo", "plan"])
def test_lifting_options_only_on_the_commands_that_lift(cli, command):
    code, out, _ = cli(command, "--help")
    assert code == 0 and "--llm-" not in out and "--shapes" not in out


def test_compile_and_lift_take_the_lifting_options_of_plugins(cli):
    for command in ("compile", "lift"):
        code, out, _ = cli(command, "--help")
        assert code == 0 and "--llm-base-url" in out and "--llm-max-tokens" in out
    code, out, _ = cli("compile", "--help")
    assert "gemmini target (--target gemmini)" in out and "--shapes SPEC" in out
    code, out, _ = cli("lift", "--help")
    assert "--shapes" not in out


def test_version(cli):
    assert cli("--version") == (0, f"tensflo {__version__}\n", "")


def test_help_imports_no_solver_or_framework():
    probe = ("import sys, contextlib, io\n"
             "from tensflo.compiler.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    main(['--help'])\n"
             "print(sorted(m for m in ('z3', 'cvc5', 'torch', 'jax', 'mlx', 'llvmlite', 'clang')"
             " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_ops_lists_the_op_table(cli):
    code, out, _ = cli("ops")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines()[1:] if line and not line[0].isdigit()]
    assert len(rows) >= 30 and rows == [op.name for op in OPS]
    assert any(line.startswith("reduce_sum ") and "reduce_sum(x)" in line for line in out.splitlines())


def test_ops_json_and_detail(cli):
    code, out, _ = cli("ops", "--json")
    ops = {o["name"]: o for o in json.loads(out)}
    assert code == 0 and len(ops) == len(OPS)
    assert ops["matmul"]["types"] == ["(mat[T], mat[T]) -> mat[T] for T in int, float"]
    assert ops["div"]["written"] == "a / b" and ops["reduce_max"]["domain"] == "len(x) >= 1"
    assert ops["vec_elemwise_add"]["prefix_lemma"] and "numpy" in ops["add"]["targets"]

    code, out, _ = cli("ops", "reduce_*")
    assert code == 0
    assert "reduce_max\n  written:  reduce_max(x)\n  types:    (vec[T]) -> T for T in int, float\n" in out
    assert "requires: len(x) >= 1" in out and "matmul" not in out


def test_targets_lists_numpy(cli):
    code, out, _ = cli("targets")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith("numpy ")]
    assert " yes " in row and "numpy (tensflo " in row
    code, out, _ = cli("targets", "--json")
    numpy = {t["name"]: t for t in json.loads(out)}["numpy"]
    assert numpy["available"] is True and numpy["plugin"] == "numpy"


def test_plugins_lists_the_builtins_with_their_origin(cli):
    code, out, _ = cli("plugins")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["PLUGIN", "PROVIDES", "FROM"]
    numpy = next(line for line in lines if line.startswith("numpy "))
    assert "target numpy" in numpy
    assert f"tensflo {__version__}, entry point numpy = tensflo.targets.numpy" in numpy
    solvers = next(line for line in lines if line.startswith("solvers "))
    assert "verifiers z3, cvc5" in solvers
    assert "entry point solvers = tensflo.plugins.solvers" in solvers


# -------------------------------------------------------------------------------------------------
# render
# -------------------------------------------------------------------------------------------------
def _load(code: str, name: str) -> dict:
    module: dict = {}
    exec(compile(code, f"{name}.py", "exec"), module)
    return module


@pytest.mark.parametrize("example", ["dot", "linalg", "pixels"])
def test_render_examples_with_numpy(cli, repo, example):
    path = repo / "examples" / f"{example}.tensir"
    code, out, err = cli("render", str(path), "--target", "numpy")
    assert code == 0, err
    module = _load(out, example)
    for fn in parse_module(path.read_text()):
        assert callable(module[fn.name])


def test_rendered_code_computes_the_function(cli, repo):
    examples = repo / "examples"
    code, out, _ = cli("render", str(examples / "dot.tensir"), "--target", "numpy")
    assert code == 0
    assert _load(out, "dot")["dot"](np.array([1, 2, 3]), np.array([4, 5, -6])) == -4
    code, out, _ = cli("render", str(examples / "pixels.tensir"), "-t", "numpy",
                       "--function", "brighten", "--function", "average")
    assert code == 0
    module = _load(out, "pixels")
    assert "darken_blend" not in module
    assert module["brighten"](np.array([1, 250, 3]), 2, 10).tolist() == [11, 255]
    assert module["average"](np.array([-3, 4]), np.array([0, 1])).tolist() == [-1, 2]


def test_render_writes_the_output_file(cli, repo, tmp_path):
    out_file = tmp_path / "dot.py"
    code, out, _ = cli("render", str(repo / "examples" / "dot.tensir"), "--target",
                       "numpy", "-o", str(out_file))
    assert code == 0 and out == ""
    assert "def dot(" in out_file.read_text()


# -------------------------------------------------------------------------------------------------
# usage and input errors: exit 2, one message, no traceback
# -------------------------------------------------------------------------------------------------
@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "malformed": "def f(a: vec[int]) -> int =\n    reduce_sum(a +)\n",
        "ill_typed": "def f(a: vec[int]) -> vec[int] = vec_elemwise_add(1, a)\n",
        "unknown_op": "def f(a: vec[int]) -> int =\n    reduce_total(a)\n",
        "good": "def f(a: vec[int]) -> int = reduce_sum(a)\n",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.tensir"
        paths[name].write_text(text)
    return paths


def _error(result: subprocess.CompletedProcess[str], located: bool = False) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    if not located:
        assert result.stderr.startswith("tensflo: error: ")
    return result.stderr


def test_malformed_tensir_points_at_line_and_column(bad_files, tensflo_cmd):
    err = _error(tensflo_cmd("render", str(bad_files["malformed"]), "--target", "numpy"), True)
    first, source, caret = err.splitlines()
    assert first.startswith(f"{bad_files['malformed']}:2:19: error: unexpected ')'")
    assert source == "    reduce_sum(a +)" and caret == " " * 18 + "^"


def test_ill_typed_term_is_an_input_error(bad_files, tensflo_cmd):
    err = _error(tensflo_cmd("render", str(bad_files["ill_typed"]), "--target", "numpy"), True)
    assert err.startswith(f"{bad_files['ill_typed']}:1:") and "vec_elemwise_add" in err
    assert ": error: " in err.splitlines()[0] and err.rstrip().endswith("^")


def test_unknown_op_is_an_input_error(cli, bad_files):
    code, out, err = cli("render", str(bad_files["unknown_op"]), "--target", "numpy")
    assert code == 2 and out == ""
    assert "unknown op reduce_total" in err and ":2:5:" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "{good}", "--target", "nope"], "unknown target 'nope' (available: "),
        (["render", "{missing}", "--target", "numpy"], "missing.tensir: no such file"),
        (["render", "{dir}", "--target", "numpy"], "is a directory"),
        (["render", "{good}", "--target", "numpy", "--function", "g"],
         "defines no function 'g' (defined: f)"),
        (["render", "{good}"], "the following arguments are required: --target"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["ops", "nothing_like_this"], "no op matches nothing_like_this"),
        (["ops", "--frob"], "unrecognized arguments: --frob"),
    ],
)
def test_usage_errors(cli, bad_files, tmp_path, argv, message):
    names = {"good": bad_files["good"], "missing": tmp_path / "missing.tensir", "dir": tmp_path}
    argv = [a.format(**names) for a in argv]
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("tensflo: error: ") and message in err
    assert len(err.splitlines()) == 1


def test_errors_through_the_installed_command(bad_files, tmp_path):
    script = Path(sys.executable).with_name("tensflo")
    result = subprocess.run([str(script), "render", str(tmp_path / "nope.tensir"), "-t", "numpy"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "nope.tensir: no such file" in _error(result)
    result = subprocess.run([str(script), "frobnicate"], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert "invalid choice" in _error(result)


def test_python_dash_m_runs_the_command(tensflo_cmd, tmp_path):
    result = tensflo_cmd("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"tensflo {__version__}\n")
