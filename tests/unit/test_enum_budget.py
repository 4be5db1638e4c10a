"""The enumerative search's memory budget (`plugins/enum_budget.py`): past it, or when an op's
output cannot be allocated, the search stops with the reason that the search space exhausted
its budget (never a `MemoryError`, never an unchecked result); within it, results are unchanged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import tensflo
import tensflo.plugins.enum_synth as enum_synth
from tensflo.ir.lifting import NotLiftable
from tensflo.ir.loop import nodes as L
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.enum_budget import BudgetExhausted, MemoryBudget, output_bytes
from tensflo.plugins.enum_synth import EnumSynthesizer
from tensflo.plugins.errors import UsageError

DOT = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels" / "cpp" / "dot.cc"


def _dot() -> tuple[L.Module, L.Function]:
    module = parse_cpp(str(DOT), DOT.read_text())
    return module, module.function("dot")


def test_a_small_budget_stops_the_search_with_its_reason() -> None:
    module, fn = _dot()
    start = time.perf_counter()
    with pytest.raises(NotLiftable, match="search space exhausted its budget of 0.05 MB") as e:
        EnumSynthesizer(memory_mb=0.05).synthesize(module, fn, time.perf_counter() + 60)
    assert "terms kept, at size" in str(e.value)
    assert time.perf_counter() - start < 5


def test_the_default_budget_leaves_the_result_unchanged() -> None:
    module, fn = _dot()
    (found,) = EnumSynthesizer().synthesize(module, fn, time.perf_counter() + 60, seed=5)
    assert str(found.program) == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"


def test_an_output_too_large_to_allocate_stops_the_search(monkeypatch: pytest.MonkeyPatch) -> None:
    module, fn = _dot()
    real = enum_synth._apply_all

    def huge(op: Any, args: list[Any], envs: list[dict[str, Any]], t: Any) -> Any:
        if op.name == "vec_elemwise_mul":
            raise MemoryError("Unable to allocate 8 PiB")
        return real(op, args, envs, t)

    monkeypatch.setattr(enum_synth, "_apply_all", huge)
    with pytest.raises(NotLiftable, match="exhausted its budget .*an op's output did not fit in memory"):
        EnumSynthesizer().synthesize(module, fn, time.perf_counter() + 60)


def test_the_charge_counts_array_bytes_and_stops_past_the_limit() -> None:
    import numpy as np

    small, big = output_bytes((1, 2)), output_bytes((np.zeros(1000), np.zeros(1000)))
    assert big - small == 2 * 8000
    budget = MemoryBudget(limit_mb=0.02)
    budget.charge((np.zeros(100),))
    with pytest.raises(BudgetExhausted, match="0.02 MB"):
        budget.charge((np.zeros(3000),))
    assert budget.kept == 2


def test_the_budget_is_an_option_of_the_pipeline() -> None:
    r = tensflo.compile(DOT, "dot", target="numpy", rules=False, synth=("enum",),
                        synth_options=(("enum", (("memory_mb", 0.05),)),))
    assert r.status == "not_lifted"
    assert any("search space exhausted its budget of 0.05 MB" in str(d) for d in r.diagnostics), \
        [str(d) for d in r.diagnostics]
    with pytest.raises(UsageError):
        EnumSynthesizer().configure(memory_mb=0)
    with pytest.raises(UsageError):
        EnumSynthesizer().configure(memory=5)
    assert EnumSynthesizer().configure(memory_mb=64, budget=None).memory_mb == 64
