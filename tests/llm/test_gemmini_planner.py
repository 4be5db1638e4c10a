"""The Gemmini planner `llm`: prompts, strict answers, and the beam search with scripted plans.

The scripted implementation answers are real programs: the generator's programs of better
schedules (`build(workload, schedule)` printed with `print_program`), so the cycles the test
expects come from the cycle model, never from a number written here.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from tensflo.plugins.hookspecs import hookimpl
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.llm_planner import (
    AnswerError,
    LLMPlanner,
    event_bound,
    implement_messages,
    parse_plan,
    parse_program_answer,
    plan_messages,
    planners,
)
from tensflo.targets.gemmini.menu import MENU
from tensflo.targets.gemmini.planners import PlannerError, PlanState
from tensflo.targets.gemmini.schedule import NAIVE, Schedule, library
from tensflo.targets.gemmini.search import Evaluator, SearchConfig, beam_search
from tensflo.targets.gemmini.text import print_program
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import gemm
from tensflo.tests.support.llm_server import Rule

W = gemm(64, 64, 64)
TILED = Schedule(ti=4, tj=4, tk=4)  # one tile: no reloads, still fenced per tile
BEST = library(W)  # wide DMA, interleaved loads, fused mvouts, no fences
PLAN = r"## Optimization menu"
REWRITE = r"## Rewrite"
CONFIG = SearchConfig(beam=2, depth=2, samples=1, variants=1, dropout=0.0, budget=20, seed=0)


def fenced(program) -> str:
    return f"Here is the rewritten program.\n```python\n{print_program(program)}```\n"


def state(schedule: Schedule = NAIVE, history: tuple[str, ...] = ()) -> PlanState:
    return PlanState(W, schedule, Evaluator(W).measure(schedule), history)


# -------------------------------------------------------------------------------------------------
# prompts and answers (no endpoint)
# -------------------------------------------------------------------------------------------------
def test_planning_prompt_shows_program_profile_and_the_menu_offered():
    offered = [o for o in MENU if o.name not in ("tiling", "unroll")]  # as after dropout
    s = state(history=("fuse",))
    system, user = (m["content"] for m in plan_messages(s, offered))
    assert "OPTION: <name>" in system and "OPTION: <name>" in user
    assert print_program(build(W, NAIVE)) in user
    assert f"cycles: {s.report.cycles}" in user and "ld " in user and "utilisation:" in user
    for o in offered:
        assert f"- {o.name}: {o.description}" in user
    assert "- tiling:" not in user and "- unroll:" not in user
    assert "applied so far\nfuse" in user


def test_long_programs_are_shown_as_schedule_and_excerpt():
    s = state(BEST)
    full = print_program(build(W, BEST))
    user = plan_messages(s, list(MENU), limit=600)[1]["content"]
    assert full not in user and f"# built from the schedule: {BEST}" in user
    assert re.search(r"# \.\.\. \d+ more lines not shown", user)
    assert len(user) < len(plan_messages(s, list(MENU))[1]["content"])
    rewrite = implement_messages(s, MENU[0])[1]["content"]
    assert full in rewrite and "`tiling`" in rewrite and "mvin(dram, addr, cols, rows, id)" in rewrite


@pytest.mark.parametrize("text, kind", [
    ("OPTION: make_it_fast", "unknown_option"),
    ("OPTION: tiling", "unknown_option"),  # dropped out of this menu
    ("I would pick wide_dma.", "malformed_plan"),
    ("OPTION: wide_dma\nThat should help.", "malformed_plan"),
    ("OPTION: wide_dma; reorder", "malformed_plan"),
    ("", "malformed_plan"),
])
def test_plans_are_parsed_strictly(text, kind):
    menu = [o for o in MENU if o.name != "tiling"]
    assert parse_plan("The load queue is busy.\n\nOPTION: wide_dma\n", menu) == "wide_dma"
    with pytest.raises(AnswerError) as e:
        parse_plan(text, menu)
    assert e.value.kind == kind


def hostile_answers(marker) -> list[str]:
    cmd = f'__import__("os").system("touch {marker}")'
    program = print_program(build(W, NAIVE))
    head, body = program.split("\n", 1)
    return [
        f"```python\n{cmd}\n```",
        f"```python\n{head}\n    {cmd}\n{body}```",
        "```python\n" + re.sub(r"addr=0,", f"addr={cmd},", program, count=1) + "```",
        f"```python\n@{cmd}\n{program}```",
        "```python\n" + program.replace("]]):", f"]] = {cmd}):", 1) + "```",
        f"```python\n{head[:-1]} -> {cmd}:\n{body}```",
        f"```python\n{program}```\n```python\n{cmd}\n```",
        "Sorry, I cannot help with that.",
    ]


def test_hostile_and_malformed_program_answers_are_parse_errors_never_run(tmp_path):
    marker = tmp_path / "pwned"
    for text in hostile_answers(marker):
        with pytest.raises(AnswerError) as e:
            parse_program_answer(text)
        assert e.value.kind == "parse_error", text
    assert not marker.exists()
    assert "addr=__import__" in hostile_answers(marker)[2]
    assert "]] = __import__" in hostile_answers(marker)[4]
    good = build(W, TILED)
    assert parse_program_answer(fenced(good)) == good
    assert parse_program_answer(print_program(good)) == good  # no fence: the whole answer


@pytest.mark.parametrize("change", [
    ("range(0, 4)", "range(0, 4000000000)"),
    ("addr=0,", "addr=1 << 4000000000,"),
    ("addr=0,", "addr=123456789012345678901234567890,"),
    ("addr=0,", "addr=" + " + ".join(["1"] * 60) + ","),
])
def test_programs_that_could_not_be_traced_in_reasonable_time_are_too_large(change):
    text = print_program(build(W, NAIVE)).replace(*change, 1)
    with pytest.raises(AnswerError) as e:
        parse_program_answer(text)
    assert e.value.kind == "too_large"


@pytest.mark.parametrize("w, schedule", [
    (W, NAIVE), (W, TILED), (W, BEST), (W, replace(BEST, unroll=4, mvout="carried")),
    (gemm(72, 40, 88), NAIVE), (gemm(72, 40, 88), library(gemm(72, 40, 88))),
])
def test_event_bound_bounds_the_trace(w, schedule):
    p = build(w, schedule)
    events = len(trace(p).events)
    assert events <= event_bound(p) <= 10 * events


# -------------------------------------------------------------------------------------------------
# the search with scripted answers
# -------------------------------------------------------------------------------------------------
def scripted(server, plans: list[str], programs: list[str], *, plan_faults=(),
             program_faults=()) -> None:
    server.add(Rule(PLAN, plans, faults=list(plan_faults)))
    server.add(Rule(REWRITE, programs, faults=list(program_faults)))


def sent(server, pattern: str) -> list[str]:
    return [b["messages"][-1]["content"] for b in server.requests
            if re.search(pattern, b["messages"][-1]["content"])]


def test_llm_planner_improves_a_small_gemm(llm_server, client):
    tiled, best = build(W, TILED), build(W, BEST)
    scripted(llm_server, ["The loads dominate; bigger tiles reuse blocks.\nOPTION: tiling",
                          "OPTION: wide_dma"], [fenced(tiled), fenced(best)])
    planner = LLMPlanner(client())
    result = beam_search(W, NAIVE, CONFIG, planner=planner)
    ev = Evaluator(W)
    assert result.start.cycles == ev.measure(NAIVE).cycles
    assert result.best.program == best and result.best.steps == ("tiling", "wide_dma")
    assert result.best.cycles == ev.measure(BEST).cycles < ev.measure(TILED).cycles
    assert result.best.cycles < result.start.cycles / 4
    assert result.programs["accepted"] == 2 and result.rejected == 0 and not result.fallbacks
    # the prompts carried the programs, in their text form
    assert print_program(build(W, NAIVE)) in sent(llm_server, PLAN)[0]
    assert print_program(tiled) in sent(llm_server, REWRITE)[1]
    # a written program is offered every option (NAIVE's own schedule proposes no hoist_loads)
    assert print_program(tiled) in sent(llm_server, PLAN)[1]
    assert all(f"- {o.name}: " in sent(llm_server, PLAN)[1] for o in MENU)
    assert "- hoist_loads: " not in sent(llm_server, PLAN)[0]
    cost = result.planner
    assert cost["requests"] == len(llm_server.requests) >= 4 and cost["prompt_tokens"] > 0
    assert cost["plans"] >= 2 and cost["programs"] >= 2 and cost["parse_error"] == 0
    assert result.extras()["best_written_by_planner"] is True
    assert Evaluator(W, seed=5).program(result.best.program)[1] == ""  # right on other inputs


def test_a_program_wrong_on_the_emulator_is_rejected_and_counted(llm_server, client):
    text = print_program(build(W, TILED))
    wrong, count = re.subn(r"mvin\(dram=B\[[^\]]*\]", "mvin(dram=B[16]", text, count=1)
    assert count == 1 and wrong != text
    unchanged = fenced(build(W, NAIVE))  # the candidate's own program: nothing to measure
    scripted(llm_server, ["OPTION: tiling"], [f"```python\n{wrong}```", unchanged])
    config = replace(CONFIG, depth=1, variants=2)
    result = beam_search(W, NAIVE, config, planner=LLMPlanner(client()))
    assert result.programs == {"wrong": 1, "duplicate": 1} and result.rejected == 1
    assert result.best is result.start and result.planner["programs"] == 2
    assert result.measured == 2
    assert any("rejected: wrong" in line for line in result.log)


def test_hostile_answers_are_rejected_and_never_executed(llm_server, client, tmp_path):
    marker = tmp_path / "pwned"
    answers = hostile_answers(marker)
    scripted(llm_server, ["OPTION: tiling"], answers)
    config = replace(CONFIG, depth=1, variants=len(answers))
    result = beam_search(W, NAIVE, config, planner=LLMPlanner(client()))
    assert result.planner["parse_error"] == len(answers) and result.planner["programs"] == 0
    assert not result.programs and result.best is result.start
    assert len(sent(llm_server, REWRITE)) == 1 and not marker.exists()


def test_an_unknown_option_is_rejected(llm_server, client):
    scripted(llm_server, ["OPTION: make_it_fast", "OPTION: tiling; reorder"], ["unused"])
    result = beam_search(W, NAIVE, replace(CONFIG, samples=2), planner=LLMPlanner(client()))
    assert result.planner["unknown_option"] >= 1 and result.planner["malformed_plan"] >= 1
    assert result.planner["plans"] == 0 and not sent(llm_server, REWRITE)
    assert result.best is result.start and result.measured == 1


def test_endpoint_failures_fall_back_to_the_symbolic_planner(llm_server, client):
    scripted(llm_server, ["OPTION: tiling"], [fenced(build(W, TILED))],
             plan_faults=["500", "429"])
    result = beam_search(W, NAIVE, CONFIG, planner=LLMPlanner(client(retries=0)))
    assert len(result.fallbacks) >= 2 and "HTTP 500" in result.fallbacks[0]
    assert result.planner["endpoint_failures"] == 2
    assert result.best.cycles < result.start.cycles  # the symbolic planner's schedules


def test_implementation_failures_fall_back_to_the_options_own_variants(llm_server, client):
    scripted(llm_server, ["OPTION: tiling"], ["unused"], program_faults=["503"] * 10)
    result = beam_search(W, NAIVE, replace(CONFIG, depth=1),
                         planner=LLMPlanner(client(retries=0)))
    assert result.fallbacks and "implement tiling" in result.fallbacks[0]
    assert result.best.program is None and result.best.steps == ("tiling",)
    assert result.best.cycles < result.start.cycles


def test_a_spent_budget_and_a_missing_endpoint_are_fallbacks_too(llm_server, client):
    scripted(llm_server, ["OPTION: tiling"], [fenced(build(W, TILED))])
    result = beam_search(W, NAIVE, CONFIG, planner=LLMPlanner(client(max_requests=2)))
    assert result.programs["accepted"] == 1 and len(llm_server.requests) == 2
    assert any("budget" in f for f in result.fallbacks)
    with pytest.raises(PlannerError, match="no LLM endpoint"):
        LLMPlanner().plan(state(), list(MENU), 1, np.random.default_rng(0))


# -------------------------------------------------------------------------------------------------
# the command line
# -------------------------------------------------------------------------------------------------
class _Plugin:
    @hookimpl
    def tensflo_gemmini_planners(self):
        return planners()


def test_tensflo_gemmini_compile_with_the_llm_planner(llm_server, client, tmp_path, capsys,
                                                      monkeypatch):
    from tensflo.compiler import cli
    from tensflo.plugins.manager import load_registry
    from tensflo.targets.gemmini.hooks import planners as found

    def registry():
        reg = load_registry()
        if "llm" in found(reg):
            return reg
        reg.close()  # until the llm plugin registers the planner itself
        return load_registry(extra=[("llm_gemmini_test", _Plugin())])

    monkeypatch.setattr(cli, "load_registry", registry)
    monkeypatch.delenv("TENSFLO_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("TENSFLO_LLM_MODEL", raising=False)
    kernels = tmp_path / "k.tensir"
    kernels.write_text("def mm(a: mat[int], b: mat[int]) -> mat[int] =\n    matmul(a, b)\n")
    common = ["gemmini", "compile", str(kernels), "-f", "mm", "--shapes", "a=64x64,b=64x64",
              "--search", "beam", "--budget", "12", "--planner", "llm"]
    assert cli.main(common) == 2
    assert "--llm-base-url" in capsys.readouterr().err
    unrolled = replace(BEST, unroll=4)
    scripted(llm_server, ["OPTION: unroll"], [fenced(build(W, unrolled))])
    endpoint = ["--llm-base-url", llm_server.url, "--llm-model", "m",
                "--llm-cache", str(tmp_path / "cache")]
    code = cli.main(common + endpoint + ["--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["checked"] is True
    assert data["search"]["programs"]["accepted"] >= 1 and data["search"]["planner"]["requests"]
    assert data["search"]["best_written_by_planner"] is True
    assert data["cycles"] == Evaluator(W).measure(unrolled).cycles
    assert data["cycles"] < data["baselines"]["library"]["cycles"]
    sent_before = len(llm_server.requests)
    code = cli.main(common + endpoint)  # the same requests again: all from the cache
    out = capsys.readouterr().out
    assert code == 0 and "the best one was written by the planner" in out
    assert "(0 requests" in out and len(llm_server.requests) == sent_before
