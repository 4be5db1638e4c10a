"""The `llm` synthesizer against the scripted server: rounds, feedback, infilling, faults, cache,
the portfolio with `enum`, and goodput-adaptive sampling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tensflo.compiler.pipeline import CompileResult, Options, compile_file
from tensflo.ir.tensir import INT, Var, parse, print_term, vec
from tensflo.plugins.llm.answers import (
    AnswerError,
    Hole,
    hole_at,
    masked,
    parse_fill,
    parse_program,
)
from tensflo.plugins.llm.client import LLMClient
from tensflo.plugins.llm.sampling import GoodputSampler
from tensflo.plugins.manager import load_registry
from tensflo.tests.support.llm_server import Rule, ScriptedServer

REPO = Path(__file__).resolve().parents[2]
DOT = str(REPO / "benchmarks" / "kernels" / "cpp" / "dot.cc")  # int dot(x, y, n)
RELU = str(REPO / "benchmarks" / "kernels" / "python" / "relu.py")  # relu(x, n)
DOT_OK = "program: reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"


def lift(path: str, function: str, server: ScriptedServer, synth: str = "llm",
         **llm: Any) -> CompileResult:
    given = {"base_url": server.url, "model": "scripted", "no_cache": True, "adaptive": False,
             "samples": 1, **llm}
    options = Options(target=None, synth=tuple(synth.split(",")), rules=False, timeout=60,
                      synth_options=(("llm", tuple(given.items())),))
    with load_registry() as registry:
        (result,) = compile_file(path, [function], registry, options)
    return result


def last_user(request: dict) -> str:
    return [m for m in request["messages"] if m["role"] == "user"][-1]["content"]


def test_correct_first_answer_is_lifted_with_an_unbounded_proof(llm_server):
    llm_server.add(Rule("int dot", [f"Sure.\n```\n{DOT_OK}\n```"]))
    r = lift(DOT, "dot", llm_server)
    assert r.lifted and r.proof == "unbounded" and r.found_by == "llm"
    assert r.tensir == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"
    cost = r.to_json()["synthesis"]["llm"]
    assert cost["requests"] == 1 and cost["rounds"] == 1 and cost["tokens"] > 0
    prompt = last_user(llm_server.requests[0])
    assert "int dot(const std::vector<int>& x" in prompt  # the source
    assert "vec_elemwise_mul(a, b)" in prompt and "reduce_sum(x)" in prompt  # the op reference


def test_malformed_answer_gets_the_parse_error_back_and_round_two_succeeds(llm_server):
    llm_server.add(Rule(".", ["program: reduce_sum(vec_elemwise_mul(x[:n], y[:n])", DOT_OK]))
    r = lift(DOT, "dot", llm_server)
    assert r.lifted and r.found_by == "llm"
    assert len(llm_server.requests) == 2
    feedback = last_user(llm_server.requests[1])
    assert "syntax error" in feedback and "end of input" in feedback
    assert r.synthesis["llm"]["parse_errors"] == 1


def test_wrong_program_sends_a_counterexample_and_the_fix_is_lifted(llm_server):
    llm_server.add(Rule(".", ["program: reduce_sum(vec_elemwise_add(x[:n], y[:n]))", DOT_OK]))
    r = lift(DOT, "dot", llm_server, infill=False)
    assert r.lifted and r.proof == "unbounded"
    feedback = last_user(llm_server.requests[1])
    assert "the source returns" in feedback and "vec_elemwise_add" in feedback
    # the counterexample is real: the source's value differs from the wrong program's
    assert r.synthesis["llm"]["wrong"] == 1


def test_hostile_answers_are_parse_errors_and_never_run(llm_server, tmp_path):
    marker = tmp_path / "pwned"
    llm_server.add(Rule(".", [
        f'program: __import__("os").system("touch {marker}")',
        "program: 0)) (assert false) (check-sat) ((",
        f"program: eval(\"open('{marker}', 'w')\")",
        DOT_OK]))
    r = lift(DOT, "dot", llm_server)
    assert r.lifted and not marker.exists()
    assert r.synthesis["llm"]["parse_errors"] == 3
    assert "unexpected character" in last_user(llm_server.requests[1])


def test_transient_faults_are_retried(llm_server):
    llm_server.add(Rule(".", [DOT_OK], faults=["429", "500", "timeout"]))
    r = lift(DOT, "dot", llm_server, timeout=0.5)
    assert r.lifted
    assert r.synthesis["llm"]["retries"] == 3 and r.synthesis["llm"]["requests"] == 4


def test_spent_budget_is_a_clean_not_lifted_with_the_reason(llm_server):
    llm_server.add(Rule(".", [DOT_OK], faults=["500"] * 20))
    r = lift(DOT, "dot", llm_server, max_requests=3)
    assert r.status == "not_lifted" and r.tensir is None
    reasons = " ".join(d.message for d in r.diagnostics)
    assert "budget" in reasons and "3" in reasons
    assert len(llm_server.requests) == 3


def test_the_cache_makes_a_second_run_send_no_request(llm_server, tmp_path):
    llm_server.add(Rule(".", ["program: reduce_sum(x)", DOT_OK]))
    cache = str(tmp_path / "cache")
    first = lift(DOT, "dot", llm_server, no_cache=False, cache=cache, infill=False)
    sent = len(llm_server.requests)
    assert first.lifted and sent == 2
    second = lift(DOT, "dot", llm_server, no_cache=False, cache=cache, infill=False)
    assert second.lifted and second.tensir == first.tensir
    assert len(llm_server.requests) == sent
    assert second.synthesis["llm"]["requests"] == 0 and second.synthesis["llm"]["cache_hits"] == 2


def test_a_close_program_gets_one_masked_node_asked_and_filled(llm_server):
    # the lambda is wrong; the rest is right, so the counterexample blames the lambda
    llm_server.add(Rule(r"\?\?", ["fill: vec_map(x[:n], lambda e: e)",  # a whole program: rejected
                                  "fill: lambda e: ite(e > 0, e, 0)"]))
    llm_server.add(Rule(".", ["program: vec_map(x[:n], lambda e: ite(e > 0, 0, e))"]))
    r = lift(RELU, "relu", llm_server)
    assert r.lifted and r.tensir == "vec_map(x[:n], lambda e: ite(e > 0, e, 0))"
    infill = last_user(llm_server.requests[1])
    assert "vec_map(x[:n], ??)" in infill and "a lambda" in infill
    assert r.synthesis["llm"]["infill_rounds"] == 2 and r.synthesis["llm"]["parse_errors"] == 1


def test_portfolio_fills_the_blamed_node_of_a_close_program_with_enum(llm_server):
    llm_server.add(Rule(".", ["program: reduce_sum(vec_elemwise_add(x[:n], y[:n]))"]))
    r = lift(DOT, "dot", llm_server, synth="llm,enum")
    assert r.lifted and r.proof == "unbounded" and r.found_by == "llm+enum"
    assert r.synthesis["llm"]["sketch_fills"] == 1 and len(llm_server.requests) == 1


def test_missing_endpoint_is_a_usage_error(tensflo_cmd):
    out = tensflo_cmd("lift", DOT, "--function", "dot", "--synth", "llm")
    assert out.returncode == 2 and "--llm-base-url" in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_reports_found_by_and_cost_in_json(tensflo_cmd, llm_server):
    llm_server.add(Rule(".", [DOT_OK]))
    out = tensflo_cmd("lift", DOT, "--function", "dot", "--synth", "llm", "--no-rules", "--json",
                      "--llm-base-url", llm_server.url, "--llm-model", "m", "--no-llm-cache")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["found_by"] == "llm" and data["proof"] == "unbounded"
    assert data["synthesis"]["llm"]["requests"] == 1


# -------------------------------------------------------------------------------------------------
# answers: parsing with a start symbol
# -------------------------------------------------------------------------------------------------
X, N = Var("x", vec("int")), Var("n", INT)


@pytest.mark.parametrize("text", ["fill: n + 1", "fill: n * 2", "fill: lambda e: e",
                                  "fill: n) + (n", "fill: reduce_sum(x) + 1"])
def test_an_operand_hole_takes_only_a_node_of_its_binding_strength(text):
    program = parse("reduce_sum(x) * (n + 1)", {"x": vec("int"), "n": INT})
    hole = hole_at(program, (1,))  # the right operand of `*`
    assert hole.kind == "unary" and masked(program, (1,)) == "reduce_sum(x) * ??"
    with pytest.raises(AnswerError, match="the fill must be a negation, an op call"):
        parse_fill(text, hole, (X, N))
    for ok in ("fill: (n + 1)", "fill: -n", "fill: len(x)", "fill: x[n]"):
        assert parse_fill(ok, hole, (X, N)).type == INT


def test_an_argument_hole_takes_any_expression_but_a_lambda():
    program = parse("reduce_sum(take(x, n))", {"x": vec("int"), "n": INT})
    hole = hole_at(program, (0, 1))
    assert hole.kind == "or_"
    assert print_term(parse_fill("fill: n - 1", hole, (X, N))) == "n - 1"
    with pytest.raises(AnswerError, match="not a lambda"):
        parse_fill("fill: lambda e: e", hole, (X, N))


def test_a_lambda_hole_takes_only_a_lambda_of_the_right_arity():
    hole = Hole((1,), "lambda_", None, (INT,))
    assert print_term(parse_fill("fill: lambda e: e * 2", hole, (X, N))) == "lambda e: e * 2"
    with pytest.raises(AnswerError, match="must be a lambda"):
        parse_fill("fill: reduce_sum(x)", hole, (X, N))
    with pytest.raises(AnswerError):
        parse_fill("fill: lambda a, b: a", hole, (X, N))


def test_a_fill_of_the_wrong_type_is_rejected():
    with pytest.raises(AnswerError, match="type"):
        parse_fill("fill: x", Hole((0,), "postfix", INT), (X, N))


def test_program_answers_are_type_checked():
    with pytest.raises(AnswerError, match="has type vec"):
        parse_program("program: x[:n]", (X, N), INT)
    with pytest.raises(AnswerError, match="no `program:` line"):
        parse_program("reduce_sum(x)", (X, N), INT)


# -------------------------------------------------------------------------------------------------
# goodput-adaptive sampling, on the scripted server
# -------------------------------------------------------------------------------------------------
def _run_rounds(server: ScriptedServer, rounds: int) -> list[int]:
    sampler = GoodputSampler(k_max=8, k_start=2)
    with LLMClient(server.url, "scripted", backoff=0.01) as client:
        for _ in range(rounds):
            k = sampler.next_k()
            reply = client.chat([{"role": "user", "content": "lift dot"}], n=k)
            sampler.observe_request(k, reply.seconds)
            for text in reply.texts:
                try:
                    parse_program(text, (X, N), INT)
                    sampler.observe_candidate(True, 0.001)
                except AnswerError:
                    sampler.observe_candidate(False, 0.001)
    return sampler.history


def test_slow_samples_and_low_acceptance_lower_k():
    rule = Rule(".", ["no idea", "program: reduce_sum(", "program: x"], latency=0.01,
                latency_per_choice=0.05)
    with ScriptedServer([rule]) as server:
        history = _run_rounds(server, 6)
    assert history[0] == 2 and history[-1] == 1


def test_cheap_accurate_answers_raise_k():
    rule = Rule(".", ["program: reduce_sum(x[:n])"], latency=0.05, latency_per_choice=0.0)
    with ScriptedServer([rule]) as server:
        history = _run_rounds(server, 6)
    assert history[0] == 2 and history[-1] == 8


@pytest.mark.parametrize("path, function, answer", [
    # a loop from 1: the bound appears as len(values) - 1
    ("benchmarks/kernels/cpp/array_max.cc", "array_max",
     "program: reduce_max(append(take(tail(values, 1), len(values) - 1), values[0]))"),
    # a loop over the whole vector, written without a slice
    ("examples/llm/clamp.py", "clamp", "program: vec_map(x, lambda e: min(max(e, lo), hi))"),
])
def test_model_programs_in_other_forms_get_template_invariants(llm_server, path, function, answer):
    llm_server.add(Rule(".", [answer]))
    r = lift(str(REPO / path), function, llm_server)
    assert r.lifted and r.proof == "unbounded" and r.found_by == "llm"
