"""The plugin manager: entry-point loading, the registry, plugin ops, and plugin errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from tensflo import __version__
from tensflo.compiler.cli import build_parser, main
from tensflo.ir.tensir import OPS, Var, evaluate, parse, parse_module, print_term, vec
from tensflo.plugins.errors import UsageError
from tensflo.plugins.hookspecs import hookimpl
from tensflo.plugins.manager import PluginError, UnknownComponentError, load_registry

pytestmark = pytest.mark.usefixtures("op_table_unchanged")


@dataclass(frozen=True)
class NullTarget:
    name: ClassVar[str] = "null"
    description: ClassVar[str] = "writes nothing"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def emit(self, functions, out) -> None:
        pass


class NullPlugin:
    @hookimpl
    def tensflo_register_targets(self):
        return [NullTarget()]


# -------------------------------------------------------------------------------------------------
# tensflo's own plugins
# -------------------------------------------------------------------------------------------------
def test_builtin_plugins_come_from_the_tensflo_distribution():
    with load_registry() as registry:
        solvers = registry.plugins["solvers"]
        assert (solvers.dist_name, solvers.module) == ("tensflo", "tensflo.plugins.solvers")
        assert solvers.entry_point == "solvers = tensflo.plugins.solvers"
        assert registry.plugins["numpy"].module == "tensflo.targets.numpy"
        for name in ("z3", "cvc5"):
            reg = registry.registration("verifier", name)
            assert reg.plugin.name == "solvers"
        assert registry.registration("target", "numpy").plugin.name == "numpy"


def test_unknown_component_lists_the_available_ones():
    with load_registry() as registry, pytest.raises(UnknownComponentError) as e:
        registry.get("verifier", "yices")
    assert "unknown verifier 'yices'" in str(e.value) and "z3" in str(e.value)


def test_autoload_switch_keeps_only_tensflos_own_plugins(tfx_site, on_sys_path, monkeypatch,
                                                          capsys):
    on_sys_path(tfx_site, "tfx_plugin")
    monkeypatch.setenv("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", "1")
    with load_registry() as registry:
        assert "tfx" not in registry.plugins and "solvers" in registry.plugins
        assert not registry.autoload
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "tfx" not in out and "only tensflo's own plugins are loaded" in out
    monkeypatch.setenv("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", "0")
    with load_registry() as registry:
        assert "tfx" in registry.plugins


def test_a_plugin_name_taken_twice_names_both_distributions(tmp_path, make_distribution,
                                                             on_sys_path):
    site = make_distribution(tmp_path / "site", "other-numpy", "2.0", {"other_numpy": ""},
                             {"numpy": "other_numpy"})
    on_sys_path(site, "other_numpy")
    with pytest.raises(PluginError) as e:
        load_registry()
    assert "two plugins are named 'numpy'" in str(e.value)
    assert f"tensflo {__version__}" in str(e.value) and "other-numpy 2.0" in str(e.value)


# -------------------------------------------------------------------------------------------------
# a third-party plugin (tests/fake_plugin, installed as tfx-plugin 1.0)
# -------------------------------------------------------------------------------------------------
def test_third_party_plugin_registers_a_target_and_an_op(tfx_site, on_sys_path):
    on_sys_path(tfx_site, "tfx_plugin")
    with load_registry() as registry:
        info = registry.plugins["tfx"]
        assert (info.dist_name, info.dist_version, info.module) == ("tfx-plugin", "1.0", "tfx_plugin")
        assert registry.registration("target", "echo").plugin is info
        names = registry.names("target")
        assert names[-1] == "echo" and "numpy" in names  # tensflo's own plugins first
        assert registry.ops == {"vec_clip": info}
        assert "tfx-plugin 1.0" in OPS.origin("vec_clip")
    assert "vec_clip" not in OPS


def test_plugin_op_works_through_the_python_api(tfx_site, on_sys_path):
    on_sys_path(tfx_site, "tfx_plugin")
    with load_registry():
        term = parse("vec_clip(x, 0, 10)", {"x": vec("int")})
        assert term.type == vec("int")
        assert parse(print_term(term), {"x": vec("int")}) == term
        got = evaluate(term, {"x": np.array([-5, 3, 42])})
        assert got.tolist() == [0, 3, 10]
        (fn,) = parse_module("def clip_prefix(x: vec[float], n: int) -> vec[float] =\n"
                             "    vec_clip(x[:n], 0.0, 1.0)\n")
        assert evaluate(fn.body, {"x": np.array([-1.0, 0.5, 7.0]), "n": 2}).tolist() == [0.0, 0.5]
        with pytest.raises(Exception, match="vec_clip: the bounds must be int"):
            parse("vec_clip(x, 0.0, 1)", {"x": vec("int")})


def test_plugin_op_smt_semantics_agree_with_numpy(tfx_site, on_sys_path):
    from tensflo.ir.tensir.smt import Encoder
    from tensflo.plugins.solvers import Z3Verifier

    on_sys_path(tfx_site, "tfx_plugin")
    x = np.array([-5, 3, 42, 7])
    with load_registry():
        term = parse("vec_clip(x, 0, 10)", {"x": vec("int")})
        expected = evaluate(term, {"x": x})
        enc = Encoder("z3")
        got = enc.encode(term, {Var("x", vec("int")): enc.constant(x, vec("int"))})
        differs = f"(not {enc.equal(got, enc.constant(expected, vec('int')))})"
        assert Z3Verifier().check(enc.script([differs]), timeout=10).status == "unsat"


def test_plugin_components_and_options_reach_the_cli_parser():
    class Options:
        @hookimpl
        def tensflo_add_options(self, parser):
            parser.add_argument("--null-level", type=int, default=1)

    with load_registry(extra=[("null", NullPlugin()), ("opts", Options())]) as registry:
        assert registry.get("target", "null").name == "null"
        assert registry.plugins["null"].distribution == "(registered in-process)"
        args = build_parser(registry).parse_args(["targets", "--null-level", "3"])
        assert args.null_level == 3


def test_plugin_options_go_to_the_commands_they_name():
    class Options:
        @hookimpl
        def tensflo_add_options(self, parser, command, lifts):
            if command == "targets":
                parser.add_argument("--only-targets", action="store_true")
            if lifts:
                parser.add_argument("--only-lifting", action="store_true")

    with load_registry(extra=[("opts", Options())]) as registry:
        parser = build_parser(registry)
        assert parser.parse_args(["targets", "--only-targets"]).only_targets
        assert parser.parse_args(["lift", "x.cc", "--only-lifting"]).only_lifting
        for argv in (["ops", "--only-targets"], ["targets", "--only-lifting"],
                     ["bench", "x.cc", "-f", "f", "--only-lifting"]):
            with pytest.raises(UsageError, match="unrecognized arguments"):
                parser.parse_args(argv)


def test_errors_derive_from_tensflo_error():
    import tensflo

    for error in (UsageError, PluginError, UnknownComponentError):
        assert issubclass(error, tensflo.Error)
    assert issubclass(UnknownComponentError, LookupError)


# -------------------------------------------------------------------------------------------------
# errors name the plugin
# -------------------------------------------------------------------------------------------------
def test_duplicate_component_name_names_both_plugins():
    with pytest.raises(PluginError) as e:
        load_registry(extra=[("first", NullPlugin()), ("second", NullPlugin())])
    message = str(e.value)
    assert "target 'null' is registered by two plugins" in message
    assert "'first'" in message and "'second'" in message


def test_duplicate_op_name_names_both_origins(tfx_site, on_sys_path):
    from tensflo.ir.tensir.ops import SCALAR_OPS

    add = SCALAR_OPS["add"]

    class Shadow:
        @hookimpl
        def tensflo_register_ops(self):
            from dataclasses import replace

            return [replace(add)]

    with pytest.raises(PluginError) as e:
        load_registry(extra=[("shadow", Shadow())])
    assert "TensIR op 'add'" in str(e.value) and "'shadow'" in str(e.value)
    assert "already defined by tensflo" in str(e.value)

    on_sys_path(tfx_site, "tfx_plugin")
    import tfx_plugin

    class Again:
        @hookimpl
        def tensflo_register_ops(self):
            return [tfx_plugin.VEC_CLIP]

    with pytest.raises(PluginError) as e:
        load_registry(extra=[("again", Again())])
    assert "'vec_clip' is registered by two plugins" in str(e.value)
    assert "'tfx'" in str(e.value) and "'again'" in str(e.value)


def test_plugin_raising_in_a_hook_is_named():
    class Raises:
        @hookimpl
        def tensflo_register_verifiers(self):
            raise RuntimeError("no license")

    with pytest.raises(PluginError, match=r"plugin 'bad' .* raised in tensflo_register_verifiers: "
                                          r"RuntimeError: no license"):
        load_registry(extra=[("bad", Raises())])


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        ("tensflo_register_target", "unknown hook 'tensflo_register_target'"),
        ("nameless", "registered a target without a name"),
        ("not_a_list", "must return a list"),
    ],
)
def test_malformed_plugins_are_reported(plugin, message):
    class Typo:
        @hookimpl
        def tensflo_register_target(self):
            return []

    class Nameless:
        @hookimpl
        def tensflo_register_targets(self):
            return [object()]

    class NotAList:
        @hookimpl
        def tensflo_register_targets(self):
            return NullTarget()

    obj = {"tensflo_register_target": Typo, "nameless": Nameless, "not_a_list": NotAList}[plugin]
    with pytest.raises(PluginError, match=message) as e:
        load_registry(extra=[("odd", obj())])
    assert "'odd'" in str(e.value)


def test_failing_entry_points_give_one_line_errors_in_the_cli(tmp_path, make_distribution,
                                                               tensflo_cmd):
    cases = {
        "boom": ("raise RuntimeError('boom at import')\n",
                 "plugin 'boom' (boom_plugin, boom-plugin 0.1) failed to load: "
                 "RuntimeError: boom at import"),
        "hooky": ("from tensflo.plugins.hookspecs import hookimpl\n\n\n"
                  "@hookimpl\ndef tensflo_register_targets():\n    return 1 / 0\n",
                  "plugin 'hooky' (hooky_plugin, hooky-plugin 0.1) raised in "
                  "tensflo_register_targets: ZeroDivisionError: division by zero"),
    }
    for name, (source, message) in cases.items():
        site = make_distribution(tmp_path / name, f"{name}-plugin", "0.1",
                                 {f"{name}_plugin": source}, {name: f"{name}_plugin"})
        result = tensflo_cmd("plugins", extra_path=site)
        assert result.returncode == 2, result.stderr
        assert result.stderr == f"tensflo: error: {message}\n"


def test_third_party_plugin_through_the_command(tfx_site, tensflo_cmd, tmp_path, on_sys_path):
    listed = tensflo_cmd("plugins", "--json", extra_path=tfx_site)
    assert listed.returncode == 0, listed.stderr
    tfx = {p["name"]: p for p in json.loads(listed.stdout)}["tfx"]
    assert (tfx["distribution"], tfx["version"]) == ("tfx-plugin", "1.0")
    assert tfx["provides"] == {"op": ["vec_clip"], "target": ["echo"]}
    table = tensflo_cmd("plugins", extra_path=tfx_site).stdout
    assert "tfx-plugin 1.0, entry point tfx = tfx_plugin" in table

    ops = tensflo_cmd("ops", extra_path=tfx_site)
    assert ops.returncode == 0
    (row,) = [line for line in ops.stdout.splitlines() if line.startswith("vec_clip ")]
    assert "vec_clip(a, b, c)" in row and row.endswith("tfx")
    detail = tensflo_cmd("ops", "vec_clip", extra_path=tfx_site).stdout
    assert "(vec[T], T, T) -> vec[T] for T in int, float" in detail

    assert "echo" in tensflo_cmd("targets", extra_path=tfx_site).stdout

    src = tmp_path / "clip.tensir"
    src.write_text("def clip_prefix(x: vec[int], n: int) -> vec[int] =\n"
                   "    vec_clip(x[:n], 0, 255)\n")
    echoed = tensflo_cmd("render", str(src), "--target", "echo", extra_path=tfx_site)
    assert echoed.returncode == 0, echoed.stderr
    on_sys_path(tfx_site, "tfx_plugin")
    with load_registry():
        assert parse_module(echoed.stdout) == parse_module(src.read_text())
    assert "def clip_prefix(x: vec[int], n: int) -> vec[int] =" in echoed.stdout
    assert "vec_clip(x[:n], 0, 255)" in echoed.stdout

    code = tensflo_cmd("render", str(src), "--target", "numpy", extra_path=tfx_site)
    assert code.returncode == 0, code.stderr
    # the plugin's op has no llvm entry: a clear error, no traceback
    no_entry = tensflo_cmd("render", str(src), "--target", "llvm", extra_path=tfx_site)
    assert no_entry.returncode == 2 and "Traceback" not in no_entry.stderr
    assert "cannot render op vec_clip" in no_entry.stderr
    module: dict = {}
    exec(compile(code.stdout, "clip_prefix.py", "exec"), module)
    assert module["clip_prefix"](np.array([-3, 9, 300, 4]), 3).tolist() == [0, 9, 255]
