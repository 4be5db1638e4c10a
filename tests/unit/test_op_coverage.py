"""Every built-in target has an entry or an explicit `UNSUPPORTED` for every registered op.

The tables are checked against the live op table (`OPS`), so an op added without deciding how each
target writes it fails here, and so does a built-in target that keeps no table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from tensflo.ir.tensir import OPS, Function, OpDef, TensIRTypeError, TensorType, Var, vec
from tensflo.plugins.manager import load_registry
from tensflo.targets.gemmini.lower import ROLES
from tensflo.targets.jax import JaxTarget
from tensflo.targets.llvm import LlvmTarget
from tensflo.targets.mlx import MlxTarget
from tensflo.targets.numpy import NumpyTarget
from tensflo.targets.optable import UNSUPPORTED, covers
from tensflo.targets.pyexpr import PyTable, RenderError, Template
from tensflo.targets.stablehlo import StableHloTarget
from tensflo.targets.torch import TorchTarget

TABLES: dict[str, Mapping[str, object]] = {
    "numpy": NumpyTarget.table, "torch": TorchTarget.table, "jax": JaxTarget.table,
    "mlx": MlxTarget.table, "llvm": LlvmTarget.table, "gemmini": ROLES,
    "stablehlo": StableHloTarget.table,
}
"""Each built-in target's per-op table (gemmini's: the role of each op in the terms it lowers)."""


def missing(target: str) -> list[str]:
    return [op.name for op in OPS if not covers(TABLES[target], op, target)]


def test_every_builtin_target_keeps_a_table(monkeypatch) -> None:
    monkeypatch.setenv("TENSFLO_DISABLE_PLUGIN_AUTOLOAD", "1")
    with load_registry() as registry:
        builtin = {reg.name for reg in registry.all("target") if reg.plugin.dist_name == "tensflo"}
    assert builtin == set(TABLES)


@pytest.mark.parametrize("target", list(TABLES))
def test_every_op_has_an_entry_or_an_explicit_refusal(target: str) -> None:
    assert missing(target) == []


@pytest.mark.parametrize("target", list(TABLES))
def test_tables_name_only_registered_ops(target: str) -> None:
    assert sorted(set(TABLES[target]) - {op.name for op in OPS}) == []


def _twice_type(x: TensorType) -> TensorType:
    if x.rank != 1 or x.elem != "int":
        raise TensIRTypeError(f"twice: the argument must be vec[int], got {x}")
    return x


@pytest.fixture
def new_op() -> Iterator[OpDef]:
    """An op registered for the test only, with a numpy rendering of its own (as a plugin's)."""
    op = OPS.register(OpDef(
        name="twice", arity=1, infer=_twice_type, numpy=lambda x: 2 * x,
        smt=lambda enc, x: enc.pointwise(lambda e: f"(* 2 {e})", x), doc="2 * x",
        renderings={"numpy": Template("2 * {0}")},
    ), origin="test")
    yield op
    OPS.unregister(op.name)


def test_an_op_without_entries_is_reported_for_every_target_it_brings_none_for(new_op) -> None:
    assert {t: missing(t) for t in TABLES} == {
        t: ([] if t == "numpy" else ["twice"]) for t in TABLES}


def test_a_new_op_renders_where_it_brings_an_entry_and_is_refused_elsewhere(new_op) -> None:
    x = Var("x", vec("int"))
    fn = Function("f", (x,), new_op(x))
    assert NumpyTarget().compile([fn])["f"](np.array([1, 2])).tolist() == [2, 4]
    assert NumpyTarget().rendering(new_op) == "2 * {0}"
    assert TorchTarget().rendering(new_op) is None and LlvmTarget().rendering(new_op) is None
    with pytest.raises(RenderError, match="the torch target cannot render op twice"):
        TorchTarget().render_function(fn)


@dataclass(frozen=True)
class NoOuter(NumpyTarget):
    table: ClassVar[PyTable] = {**NumpyTarget.table, "outer": UNSUPPORTED}


def test_an_explicit_refusal_covers_the_op_but_renders_nothing() -> None:
    outer = OPS["outer"]
    assert covers(NoOuter.table, outer, "numpy")
    assert NoOuter().rendering(outer) is None
    x = Var("x", vec("int"))
    with pytest.raises(RenderError, match="cannot render op outer"):
        NoOuter().render_function(Function("f", (x,), outer(x, x)))
