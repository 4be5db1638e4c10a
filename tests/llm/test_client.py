"""LLMClient against the scripted OpenAI-compatible server: answers, retries, budget, cache, key."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tensflo.plugins.llm.client import BudgetExhausted, Completion, LLMClient, LLMError
from tensflo.tests.support.llm_server import Rule, ScriptedServer

REPO = Path(__file__).resolve().parents[2]
ASK = [{"role": "system", "content": "You lift loops to TensIR."},
       {"role": "user", "content": "Lift: int dot(int* a, int* b, int n)"}]
DOT = "program: reduce_sum(vec_elemwise_mul(a, b))"


def test_correct_answer(llm_server, client):
    llm_server.add(Rule(r"int dot\(", [DOT]))
    c = client()
    got = c.chat(ASK, max_tokens=100, seed=7)
    assert got.texts == (DOT,) and not got.cached and got.seconds > 0
    assert (got.prompt_tokens, got.completion_tokens) == (13, 3)  # word counts
    sent = llm_server.requests[-1]
    assert sent["model"] == "test-model" and sent["messages"] == ASK
    assert (sent["n"], sent["temperature"], sent["max_tokens"], sent["seed"]) == (1, 0.8, 100, 7)
    assert "authorization" not in llm_server.headers[-1]  # no key, no header
    assert c.usage.requests == 1 and c.usage.retries == 0
    assert (c.usage.prompt_tokens, c.usage.completion_tokens) == (13, 3)


def test_n_choices_take_successive_replies(llm_server, client):
    llm_server.add(Rule("dot", ["a", "b", "c"], usage_tokens=(50, 9)))
    c = client()
    got = c.chat(ASK, n=4, temperature=0.2)
    assert got.texts == ("a", "b", "c", "c")  # the last reply repeats
    assert (got.prompt_tokens, got.completion_tokens) == (50, 9)
    assert llm_server.requests[-1]["n"] == 4 and llm_server.requests[-1]["temperature"] == 0.2


def test_first_matching_rule_wins_and_unmatched_prompt_is_refused(llm_server, client):
    llm_server.add(Rule("dot", ["first"]))
    llm_server.add(Rule(".*", ["second"]))
    c = client()
    assert c.chat(ASK).texts == ("first",)
    assert c.chat([{"role": "user", "content": "other"}]).texts == ("second",)
    bare = ScriptedServer().start()
    try:
        with LLMClient(bare.url, "m", backoff=0.01) as lone, pytest.raises(LLMError) as e:
            lone.chat(ASK)
        assert "HTTP 400" in str(e.value) and "no scripted reply" in str(e.value)
        assert lone.usage.requests == 1  # a 400 is not retried
    finally:
        bare.stop()


@pytest.mark.parametrize("faults", [["429"], ["500"], ["503", "429"]])
def test_status_faults_are_retried(llm_server, client, faults):
    llm_server.add(Rule("dot", [DOT], faults=faults))
    c = client()
    assert c.chat(ASK).texts == (DOT,)
    assert c.usage.requests == len(faults) + 1 and c.usage.retries == len(faults)
    assert len(llm_server.requests) == len(faults) + 1


def test_retry_after_is_honoured(llm_server, client):
    llm_server.add(Rule("dot", [DOT], faults=["429"], retry_after=0.3))
    c = client(backoff=0.0)
    got = c.chat(ASK)
    assert got.texts == (DOT,) and got.seconds >= 0.3 and c.usage.retries == 1


def test_timeout_is_retried(llm_server, client):
    llm_server.hang_seconds = 1.5
    llm_server.add(Rule("dot", [DOT], faults=["timeout"]))
    c = client(timeout=0.3)
    got = c.chat(ASK)
    assert got.texts == (DOT,) and c.usage.retries == 1 and 0.3 <= got.seconds < 1.5


@pytest.mark.parametrize("fault", ["truncated", "garbage"])
def test_malformed_answer_is_retried_then_fails(llm_server, client, fault):
    llm_server.add(Rule("dot", [DOT], faults=[fault]))
    assert client().chat(ASK).texts == (DOT,)
    llm_server.add(Rule("always broken", [DOT], faults=[fault] * 5))
    c = client(retries=2)
    with pytest.raises(LLMError) as e:
        c.chat([{"role": "user", "content": "always broken"}])
    assert "malformed response" in str(e.value) and "3 attempts" in str(e.value)
    assert "\n" not in str(e.value) and not isinstance(e.value, BudgetExhausted)
    assert c.usage.requests == 3 and c.usage.retries == 2


def test_missing_content_is_malformed():
    answers = iter([{"choices": []}, {"choices": [{"message": {"content": None}}]},
                    {"choices": [{"index": 1, "message": {"content": "y"}},
                                 {"index": 0, "message": {"content": "x"}}]}])
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=next(answers)))
    with LLMClient("http://mock/v1/", "m", backoff=0.0, transport=transport) as c:
        got = c.chat(ASK, n=2)
    assert got.texts == ("x", "y") and (got.prompt_tokens, got.completion_tokens) == (0, 0)
    assert c.usage.requests == 3


def test_unauthorized_fails_at_once_without_leaking_the_key(llm_server, client, monkeypatch,
                                                            tmp_path):
    llm_server.api_key = "sk-right"
    llm_server.add(Rule("dot", [DOT]))
    monkeypatch.setenv("TENSFLO_LLM_API_KEY", "sk-wrong-secret-123")
    c = client(cache_dir=str(tmp_path))
    with pytest.raises(LLMError) as e:
        c.chat(ASK)
    message = str(e.value)
    assert "HTTP 401" in message and "Incorrect API key" in message
    assert "sk-wrong-secret-123" not in message and "sk-wrong-secret-123" not in repr(c)
    assert c.usage.requests == 1 and c.usage.retries == 0 and len(llm_server.requests) == 1


def test_key_is_sent_but_never_cached(llm_server, client, monkeypatch, tmp_path):
    llm_server.api_key = "sk-cache-secret-456"
    llm_server.add(Rule("dot", [DOT]))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cache-secret-456")  # the fallback variable
    c = client(cache_dir=str(tmp_path / "cache"))
    assert c.chat(ASK).texts == (DOT,)
    assert llm_server.headers[-1]["authorization"] == "Bearer sk-cache-secret-456"
    files = list((tmp_path / "cache").rglob("*"))
    assert files and all("sk-cache-secret" not in f.read_text() for f in files if f.is_file())
    assert "sk-cache-secret" not in repr(c) and "sk-cache-secret" not in repr(c.usage)


def test_request_budget(llm_server, client):
    llm_server.add(Rule("dot", [DOT], faults=["500", "500", "500"]))
    c = client(max_requests=2)
    with pytest.raises(BudgetExhausted, match="request budget of 2 spent"):
        c.chat(ASK)
    assert len(llm_server.requests) == 2 and c.usage.requests == 2
    with pytest.raises(BudgetExhausted):
        c.chat(ASK)
    assert len(llm_server.requests) == 2  # zero extra requests once spent


def test_token_budget(llm_server, client):
    llm_server.add(Rule("dot", [DOT], usage_tokens=(60, 40)))
    c = client(max_tokens_total=100)
    c.chat(ASK)
    with pytest.raises(BudgetExhausted, match="token budget of 100 spent"):
        c.chat(ASK, n=2)
    assert len(llm_server.requests) == 1


def test_cache_makes_reruns_free(llm_server, client, tmp_path):
    llm_server.add(Rule("dot", ["one", "two"]))
    cache = str(tmp_path / "cache")
    first = client(cache_dir=cache).chat(ASK)
    again = client(cache_dir=cache)  # a fresh client: a re-run of the compile
    hit = again.chat(ASK)
    assert hit == Completion(first.texts, first.prompt_tokens, first.completion_tokens, 0.0, True)
    assert len(llm_server.requests) == 1
    assert again.usage.requests == 0 and again.usage.cache_hits == 1
    other = [*ASK[:1], {"role": "user", "content": "Lift: int dot(int* a, int n)"}]
    assert again.chat(other).texts == ("two",) and len(llm_server.requests) == 2
    assert again.chat(ASK, seed=1).texts == ("two",) and len(llm_server.requests) == 3
    assert client(cache_dir=None).chat(ASK).texts == ("two",) and len(llm_server.requests) == 4


def test_corrupt_cache_file_is_ignored(llm_server, client, tmp_path):
    llm_server.add(Rule("dot", ["fresh"]))
    cache = tmp_path / "cache"
    client(cache_dir=str(cache)).chat(ASK)
    (entry,) = cache.glob("*.json")
    entry.write_text('{"version": 1, "texts": ["st')
    c = client(cache_dir=str(cache))
    got = c.chat(ASK)
    assert got.texts == ("fresh",) and not got.cached and len(llm_server.requests) == 2
    assert json.loads(entry.read_text())["texts"] == ["fresh"]  # rewritten
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp")]


def test_latency_grows_with_n(llm_server, client):
    llm_server.add(Rule("dot", [DOT], latency=0.05, latency_per_choice=0.1))
    c = client()
    one, four = c.chat(ASK, n=1), c.chat(ASK, n=4)
    assert one.seconds >= 0.15 and four.seconds >= 0.45 and four.seconds > one.seconds + 0.2


def test_hostile_content_is_plain_text(llm_server, client):
    hostile = '__import__("os").system("touch pwned")"}]} (assert false)\n(check-sat)'
    llm_server.add(Rule(r"__import__", [hostile]))
    got = client().chat([{"role": "user", "content": hostile}])
    assert got.texts == (hostile,)


def test_usable_from_a_worker_thread(llm_server, client):
    llm_server.add(Rule("dot", [DOT], latency=0.05))
    c = client()
    results: list[Completion] = []
    worker = threading.Thread(target=lambda: results.extend(c.chat(ASK) for _ in range(4)))
    worker.start()
    while worker.is_alive():
        _ = c.usage.requests  # the main thread reads totals meanwhile
        time.sleep(0.01)
    assert len(results) == 4 and c.usage.requests == 4


def test_models_endpoint(llm_server):
    answer = httpx.get(llm_server.url + "/models").json()
    assert answer["object"] == "list" and answer["data"][0]["id"] == "scripted"


def test_rule_validation():
    with pytest.raises(ValueError, match="unknown fault"):
        Rule("x", ["y"], faults=["explode"])
    with pytest.raises(ValueError, match="no replies"):
        Rule("x", [])


def test_cli_serves_a_script(monkeypatch):
    monkeypatch.delenv("TENSFLO_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensflo.tests.support.llm_server",
         "--script", str(REPO / "examples" / "llm" / "script.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        with LLMClient(url, "demo", backoff=0.01, timeout=5.0) as c:
            got = c.chat([{"role": "user", "content": "Lift: int dot(int* a, int* b, int n)"}])
            assert got.texts == (DOT,) and c.usage.retries == 1  # the script's 429 first
            assert c.chat([{"role": "user", "content": "hi"}]).texts[0].startswith("I can only")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
