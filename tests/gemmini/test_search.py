"""Beam search: determinism, improvement over the library schedule, transfer, the planner hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from tensflo.plugins.hookspecs import hookimpl
from tensflo.plugins.manager import PluginError, load_registry
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.hooks import planners
from tensflo.targets.gemmini.menu import MENU
from tensflo.targets.gemmini.planners import SymbolicPlanner
from tensflo.targets.gemmini.schedule import check, library
from tensflo.targets.gemmini.search import Evaluator, SearchConfig, beam_search, transfer
from tensflo.targets.gemmini.workload import Add, conv2d, gemm

CONFIG = SearchConfig(beam=2, depth=4, samples=2, budget=16, seed=1)


def test_search_is_deterministic_and_never_worse_than_its_start():
    w = gemm(128, 96, 64)
    first = beam_search(w, config=CONFIG)
    again = beam_search(w, config=CONFIG)
    assert first.best.schedule == again.best.schedule and first.best.cycles == again.best.cycles
    assert first.best.cycles <= first.start.cycles
    assert first.measured <= CONFIG.budget and first.rejected == 0
    other = beam_search(w, config=SearchConfig(beam=2, depth=4, samples=2, budget=16, seed=2))
    assert other.best.cycles <= other.start.cycles


def test_search_improves_a_small_gemm_and_stays_correct():
    w = gemm(128, 128, 128)
    result = beam_search(w, config=SearchConfig(budget=24, seed=0))
    assert result.best.cycles < result.start.cycles
    ev = Evaluator(w, seed=9)
    assert ev.correct(result.best.schedule)


def test_search_on_an_elementwise_add_uses_only_its_options():
    w = Add("add", 64, 64)
    result = beam_search(w, config=CONFIG)
    assert set(result.best.steps) <= {o.name for o in MENU if not o.gemm_only}


class Suspicious(Evaluator):
    """An evaluator whose emulator check fails for every schedule but the start."""

    def correct(self, s):
        return s == library(self.workload)


def test_candidates_that_fail_the_emulator_check_never_enter_the_beam():
    w = gemm(128, 128, 64)
    result = beam_search(w, config=SearchConfig(beam=2, depth=3, budget=12, seed=0),
                         evaluator=Suspicious(w))
    assert result.rejected >= 1
    assert result.best.schedule == library(w) and result.best.cycles == result.start.cycles


def test_transfer_gives_a_valid_schedule_for_a_similar_shape():
    found = beam_search(gemm(256, 128, 64), config=CONFIG).best.schedule
    for w in (gemm(512, 128, 64), gemm(64, 32, 16), conv2d(1, 8, 32, 32)):
        s = transfer(found, w)
        check(w, s)
        x = w.inputs(np.random.default_rng(0))
        from tensflo.targets.gemmini.emulator import run

        out = run(build(w, s), x)
        assert np.array_equal(out["C"], w.reference(x)["C"])


def test_symbolic_planner_prefers_fence_removal_when_fenced():
    from tensflo.targets.gemmini.planners import PlanState
    from tensflo.targets.gemmini.schedule import NAIVE

    w = gemm(64, 64, 64)
    ev = Evaluator(w)
    weights = SymbolicPlanner().weights(PlanState(w, NAIVE, ev.measure(NAIVE), ()))
    assert max(weights, key=weights.get) == "remove_fences"


@dataclass(frozen=True)
class EchoPlanner:
    name: ClassVar[str] = "echo"

    def plan(self, state, menu, samples, rng):
        return [o.name for o in menu][:samples]


class PlannerPlugin:
    @hookimpl
    def tensflo_gemmini_planners(self):
        return [EchoPlanner()]


def test_planners_come_from_plugins():
    with load_registry(autoload=False, extra=[("echo_plugin", PlannerPlugin())]) as registry:
        found = planners(registry)
    assert set(found) == {"symbolic", "llm", "echo"}  # llm: a built-in plugin
    result = beam_search(gemm(64, 64, 32), config=CONFIG, planner=found["echo"])
    assert result.best.cycles <= result.start.cycles


def test_a_planner_name_taken_twice_is_an_error():
    class Twice:
        @hookimpl
        def tensflo_gemmini_planners(self):
            return [SymbolicPlanner()]

    with load_registry(autoload=False, extra=[("twice", Twice())]) as registry:
        with pytest.raises(PluginError, match="named 'symbolic'"):
            planners(registry)


def test_replaying_found_steps_on_a_similar_shape():
    from tensflo.targets.gemmini.search import replay

    found = beam_search(gemm(256, 128, 64), config=CONFIG)
    w = gemm(384, 128, 64)
    again = replay(found.best.steps, w)
    assert again.best.cycles <= again.start.cycles
    assert len(again.best.steps) <= len(found.best.steps)
    assert Evaluator(w, seed=4).correct(again.best.schedule)
