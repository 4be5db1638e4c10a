"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and demos.

Rules match the last user message by regex and replay scripted answers, optionally after faults
(429/500/503 or any status, a hang longer than the client's timeout, truncated JSON, non-JSON) and
with latency that grows with the number of choices. Everything received is treated as text: the
server never evaluates anything.

    python -m tensflo.tests.support.llm_server --script examples/llm/script.json [--port N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FAULTS = ("timeout", "truncated", "garbage")  # besides HTTP statuses such as "429" or "500"
MODEL_ID = "scripted"
_Reply = tuple[int, str | bytes, dict[str, str]]  # status, body, extra headers


@dataclass
class Rule:
    """Scripted answers for requests whose last user message matches `pattern` (re.S search).

    Each request first consumes the next fault, if any are left; otherwise each of its `n` choices
    consumes the next reply (the last reply repeats). A fault is an HTTP status ("429", "500",
    "503", "401", ...), "timeout" (hang for the server's `hang_seconds`), "truncated" (200 with
    cut-off JSON) or "garbage" (200 with non-JSON)."""

    pattern: str
    replies: list[str]
    faults: list[str] = field(default_factory=list)
    latency: float = 0.0  # seconds slept before answering
    latency_per_choice: float = 0.0  # extra seconds per requested choice
    usage_tokens: tuple[int, int] | None = None  # (prompt, completion); default: word counts
    retry_after: float | None = None  # Retry-After header (seconds) sent with 429/503 faults
    respond: Callable[[list[dict[str, Any]]], str] | None = None
    """Answers computed from the request's messages instead of `replies` (a simulated model for
    benchmarks); not available from a JSON script."""

    def __post_init__(self) -> None:
        if not self.replies and self.respond is None:
            raise ValueError(f"rule {self.pattern!r} has no replies")
        for fault in self.faults:
            if fault not in FAULTS and not re.fullmatch(r"[1-5]\d\d", fault):
                raise ValueError(f"unknown fault {fault!r} (an HTTP status or one of {FAULTS})")
        re.compile(self.pattern, re.S)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        """A rule from its script form (`usage_tokens` as a two-element list)."""
        data = dict(data)
        if data.get("usage_tokens") is not None:
            data["usage_tokens"] = tuple(data["usage_tokens"])
        return cls(**data)


@dataclass
class _State:
    """How much of one rule's script has been consumed."""

    faults: int = 0
    replies: int = 0


def _words(text: str) -> int:
    return len(text.split())


def _text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a multi-part content."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content
                         if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class ScriptedServer:
    """An OpenAI-compatible server answering from `rules` (the first match wins), in a daemon
    thread. `requests` and `headers` record every chat request received, in order."""

    def __init__(self, rules: Iterable[Rule] = (), *, default_reply: str | None = None,
                 hang_seconds: float = 5.0, api_key: str | None = None, port: int = 0) -> None:
        self.rules: list[Rule] = list(rules)
        self.default_reply = default_reply
        self.hang_seconds = hang_seconds
        self.api_key = api_key  # when set, requests without `Bearer api_key` get a 401
        self.port = port
        self.url = ""
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._states: dict[int, _State] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    @classmethod
    def from_script(cls, script: dict[str, Any], **kwargs: Any) -> ScriptedServer:
        """A server from a script: `{"rules": [...], "default_reply": ..., "hang_seconds": ...}`."""
        keys = ("default_reply", "hang_seconds", "api_key")
        options: dict[str, Any] = {k: script[k] for k in keys if k in script}
        rules = [Rule.from_json(r) for r in script.get("rules", [])]
        return cls(rules, **{**options, **kwargs})

    def add(self, rule: Rule) -> None:
        with self._lock:
            self.rules.append(rule)

    def start(self) -> ScriptedServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = _HTTPServer(("127.0.0.1", self.port), handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"scripted-llm-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers still hanging on a "timeout" fault wake up and give up."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answering ----------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _answer(self, body: dict[str, Any], headers: dict[str, str]) -> _Reply:
        """(status, body, extra headers) for one chat-completions request."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            given = headers.get("authorization", "").removeprefix("Bearer ")
            return 401, json.dumps(_error(f"Incorrect API key provided: {given}",
                                          "invalid_request_error")), {}
        messages = body.get("messages")
        if not isinstance(messages, list):
            return 400, json.dumps(_error("'messages' must be a list", "invalid_request_error")), {}
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        prompt = _text(users[-1].get("content")) if users else ""
        n = body.get("n", 1)
        n = n if isinstance(n, int) and 1 <= n <= 128 else 1
        with self._lock:
            rule = next((r for r in self.rules if re.search(r.pattern, prompt, re.S)), None)
            fault: str | None = None
            texts: list[str] = []
            if rule is not None:
                state = self._states.setdefault(id(rule), _State())
                if state.faults < len(rule.faults):
                    fault = rule.faults[state.faults]
                    state.faults += 1
                elif rule.respond is not None:
                    texts = [rule.respond(messages) for _ in range(n)]
                else:
                    for _ in range(n):
                        texts.append(rule.replies[min(state.replies, len(rule.replies) - 1)])
                        state.replies += 1
            elif self.default_reply is not None:
                texts = [self.default_reply] * n
            self._counter += 1
            number = self._counter
        if rule is None and self.default_reply is None:
            return 400, json.dumps(_error("no scripted reply for this prompt",
                                          "invalid_request_error")), {}
        if rule is not None:
            self._sleep(rule.latency + rule.latency_per_choice * n)
        if rule is not None and fault is not None:
            return self._fault(fault, rule)
        if rule is not None and rule.usage_tokens is not None:
            prompt_tokens, completion_tokens = rule.usage_tokens
        else:
            prompt_tokens = sum(_words(_text(m.get("content"))) for m in messages
                                if isinstance(m, dict))
            completion_tokens = sum(_words(t) for t in texts)
        reply = {
            "id": f"chatcmpl-scripted-{number}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", MODEL_ID),
            "choices": [{"index": i, "message": {"role": "assistant", "content": t},
                         "finish_reason": "stop"} for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }
        return 200, json.dumps(reply), {}

    def _fault(self, fault: str, rule: Rule) -> _Reply:
        if fault == "timeout":
            self._sleep(self.hang_seconds)
            return 504, json.dumps(_error("scripted hang", "timeout")), {}
        if fault == "truncated":
            whole = json.dumps({"id": "chatcmpl-truncated", "object": "chat.completion",
                                "choices": [{"index": 0, "message": {
                                    "role": "assistant", "content": rule.replies[0]}}]})
            return 200, whole[: max(1, len(whole) // 2)], {}
        if fault == "garbage":
            return 200, b"<html><body>502 Bad Gateway \xff\xfe</body></html>", {
                "Content-Type": "text/html"}
        status = int(fault)
        extra = {"Retry-After": f"{rule.retry_after:g}"} if rule.retry_after is not None else {}
        return status, json.dumps(_error(f"scripted fault {status}", "scripted_fault")), extra


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is expected; anything else goes to stderr."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_ref: ScriptedServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str | bytes, extra: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        extra = extra or {}
        self.send_response(status)
        self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "tensflo"}]}))
        else:
            self._send(404, json.dumps(_error(f"no route GET {self.path}", "not_found")))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, json.dumps(_error(f"no route POST {self.path}", "not_found")))
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, json.dumps(_error("request body is not JSON", "invalid_request_error")))
            return
        if not isinstance(body, dict):
            self._send(400, json.dumps(_error("request body is not an object",
                                              "invalid_request_error")))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        self._send(*self.server_ref._answer(body, headers))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tensflo.tests.support.llm_server",
        description="Serve scripted chat-completions answers on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("--script", required=True, type=Path,
                        help='JSON: {"rules": [{"pattern", "replies", "faults", "latency", ...}], '
                             '"default_reply": ...}')
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args(argv)
    try:
        script = json.loads(args.script.read_text(encoding="utf-8"))
        server = ScriptedServer.from_script(script, port=args.port)
    except (OSError, ValueError, TypeError, re.error) as e:
        print(f"{args.script}: {e}", file=sys.stderr)
        return 2
    server.start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
