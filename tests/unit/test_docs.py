"""Generated docs are current, the guides show working code, the README's commands are CI's."""

from __future__ import annotations

import re
import shlex

import pytest

from tensflo.compiler.cli import main
from tensflo.compiler.ops_command import rendering_targets
from tensflo.ir.tensir import OPS, parse_module
from tensflo.ir.tensir.reference import printed_form, render_ops_markdown, signature_patterns
from tensflo.plugins.manager import load_registry

REGENERATE = "TENSFLO_DISABLE_PLUGIN_AUTOLOAD=1 .venv/bin/tensflo ops --markdown > docs/ops.md"


def test_ops_md_is_generated_from_the_op_table(monkeypatch, repo):
    monkeypatch.setenv("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", "1")
    current = (repo / "docs" / "ops.md").read_text()
    with load_registry() as registry:
        page = render_ops_markdown(targets=rendering_targets(registry))
    assert current == page, f"docs/ops.md is stale: run `{REGENERATE}`"


def test_ops_markdown_command_writes_the_same_page(capsys, monkeypatch, repo):
    monkeypatch.setenv("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert main(["ops", "--markdown"]) == 0
    assert capsys.readouterr().out == (repo / "docs" / "ops.md").read_text()


def test_ops_md_documents_every_builtin_op(repo):
    text = (repo / "docs" / "ops.md").read_text()
    for op in OPS:
        assert f"| `{op.name}` |" in text


@pytest.mark.parametrize(
    ("name", "written", "types"),
    [
        ("add", "a + b", ["(T, T) -> T for T in int, float"]),
        ("mod", "a % b", ["(int, int) -> int"]),
        ("not", "not x", ["(bool) -> bool"]),
        ("slice", "x[lo:hi]", ["(vec[T], int, int) -> vec[T] for T in int, float, bool",
                               "(mat[T], int, int) -> mat[T] for T in int, float, bool",
                               "(tensor3d[T], int, int) -> tensor3d[T] for T in int, float, bool"]),
        ("reduce_sum", "reduce_sum(x)", ["(vec[T]) -> T for T in int, float"]),
        ("vec_scalar_add", "vec_scalar_add(x, s)", ["(vec[T], T) -> vec[T] for T in int, float"]),
        ("vec_map", "vec_map(x, lambda e: ...)",
         ["(vec[T], (T) -> U) -> vec[U] for T, U in int, float, bool"]),
        ("matmul", "matmul(a, b)", ["(mat[T], mat[T]) -> mat[T] for T in int, float"]),
    ],
)
def test_types_are_read_from_the_type_rules(name, written, types):
    op = OPS[name]
    assert printed_form(op) == written
    assert [p.text() for p in signature_patterns(op)] == types


def test_plugin_guide_shows_the_tested_plugin(repo):
    guide = (repo / "docs" / "plugins.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", guide, re.S)
    python = [body for lang, body in blocks if lang == "python"]
    assert python[0] == (repo / "tests" / "fake_plugin" / "tfx_plugin.py").read_text()
    toml = [body for lang, body in blocks if lang == "toml"]
    assert toml[0] == (repo / "tests" / "fake_plugin" / "pyproject.toml").read_text()
    for hook in ("tensflo_register_ops", "tensflo_register_targets", "tensflo_add_options"):
        assert hook in guide


def test_semantics_page_states_the_integer_rules(repo):
    text = (repo / "docs" / "semantics.md").read_text()
    for rule in ("-7 / 2 == -3", "-7 % 2 == -1", "x / 0 == 0", "x % 0 == x", "clamped",
                 "Overflow", "Rounding"):
        assert rule in text


def test_readme_begins_with_setup_and_the_ci_test_command(repo):
    readme = (repo / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert first_block is not None and readme.index("```sh") < readme.index("\n## ")
    setup, test = first_block.group(1).strip().splitlines()
    assert "python3 -m venv .venv" in setup and ".[test]" in setup
    assert re.search(r"tensflo compile \S+\.cc --function \w+ --target numpy", setup)
    ci = (repo / ".ci" / "run").read_text()
    assert test in ci.splitlines(), "the README's test command must be what .ci/run runs"
    assert shlex.split(test)[-4:-2] == ["pytest", "-q"]


def test_examples_parse(repo):
    for path in sorted((repo / "examples").glob("*.tensir")):
        assert parse_module(path.read_text(), source=str(path)), path
