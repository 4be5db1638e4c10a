"""Fixtures for the LLM components: a scripted OpenAI-compatible server and clients of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tensflo.plugins.llm.client import LLMClient
from tensflo.tests.support.llm_server import ScriptedServer


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    """A running `ScriptedServer` without rules (tests add them); stopped after the test."""
    with ScriptedServer(hang_seconds=2.0) as server:
        yield server


@pytest.fixture
def client(llm_server: ScriptedServer, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., LLMClient]]:
    """`client(**options)`: an `LLMClient` of `llm_server` with fast retries (backoff 0.01 s),
    no API key from the environment unless a test sets one, closed after the test."""
    monkeypatch.delenv("TENSFLO_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    made: list[LLMClient] = []

    def make(**options: object) -> LLMClient:
        options = {"backoff": 0.01, "timeout": 5.0, **options}
        c = LLMClient(llm_server.url, "test-model", **options)  # type: ignore[arg-type]
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
