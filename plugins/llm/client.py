"""A client for OpenAI-compatible chat-completions endpoints (httpx).

Retries timeouts, connection errors, 408/429/5xx and malformed answers with exponential backoff
(honouring `Retry-After`), enforces a per-client request and token budget, and keeps an on-disk
cache keyed by the full request so that re-runs are reproducible and send nothing. The API key is
read from the environment and never written to the cache, logs, exceptions or reprs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0  # seconds: cap of one backoff sleep, and of an honoured Retry-After
MAX_MESSAGE = 200  # characters of a server's error message kept in an LLMError
RETRY_STATUS = frozenset({408, 429})  # plus every 5xx
CACHE_VERSION = 1
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def default_cache_dir() -> str:
    """Where answers are cached unless a `cache_dir` is given: `$XDG_CACHE_HOME/tensflo/llm`
    (`~/.cache/tensflo/llm` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tensflo", "llm")


class LLMError(Exception):
    """The endpoint failed after retries, answered malformed JSON, or refused (401/403/404...).

    `str(e)` is a one-line user-facing reason (never includes the API key)."""


class BudgetExhausted(LLMError):
    """The per-compile request or token budget is spent."""


@dataclass(frozen=True)
class Completion:
    """The answer to one `chat` call.

    `texts` holds the message content of each choice in order; it can be shorter than the `n`
    asked for when an endpoint ignores `n`. Token counts come from the response's `usage` (0 when
    absent; on a cache hit, those of the cached response)."""

    texts: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    seconds: float  # wall time of this call incl. retries and backoff (0.0 on a cache hit)
    cached: bool


@dataclass
class Usage:
    """Running totals of one client: what was actually spent (cache hits cost no tokens)."""

    requests: int = 0  # HTTP requests actually sent (incl. retries)
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    retries: int = 0


class _Retry(Exception):
    """One failed attempt worth retrying; `wait` is the server's Retry-After, if any."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def _one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (capped), None when absent or an HTTP date."""
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return None if seconds is None or seconds != seconds else min(max(seconds, 0.0), MAX_BACKOFF)


def _error_message(response: httpx.Response) -> str:
    """The server's error message: `error.message` of an OpenAI error body, else the raw text."""
    try:
        data = response.json()
    except ValueError:
        return response.text
    if isinstance(data, dict):
        err = data.get("error", data.get("message", data.get("detail")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err is not None:
            return err if isinstance(err, str) else json.dumps(err)
    return response.text


def _parse(response: httpx.Response) -> tuple[tuple[str, ...], int, int]:
    """Texts and (prompt, completion) token counts of a 200 answer; `_Retry` when malformed."""
    try:
        data = response.json()
    except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError
        raise _Retry(f"malformed response (not JSON: {_one_line(str(e), 80)})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        raise _Retry("malformed response (no choices)")
    if all(isinstance(c, dict) and isinstance(c.get("index"), int) for c in choices):
        choices = sorted(choices, key=lambda c: c["index"])
    texts = []
    for i, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise _Retry(f"malformed response (choice {i} has no message content)")
        texts.append(content)
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}

    def count(key: str) -> int:
        value = usage.get(key)
        return value if isinstance(value, int) and value >= 0 else 0

    return tuple(texts), count("prompt_tokens"), count("completion_tokens")


class LLMClient:
    """Chat completions from one OpenAI-compatible endpoint, with retries, a budget and a cache.

    `base_url` is the API root (`http://127.0.0.1:8000/v1`); requests go to
    `{base_url}/chat/completions`. The key comes from `$api_key_env`, else `$OPENAI_API_KEY`;
    without one no Authorization header is sent (local servers). `timeout` bounds each network
    operation (connect, each read); `retries` failed attempts are retried after `backoff * 2**i`
    seconds. The budget is checked before every HTTP request (retries included, cache hits
    excluded), so the token budget can be overshot by the tokens of the last answer. Safe to call
    from a worker thread while another thread reads `usage`.
    """

    def __init__(self, base_url: str, model: str, *, api_key_env: str = "TENSFLO_LLM_API_KEY",
                 timeout: float = 60.0, retries: int = 4, backoff: float = 0.5,
                 cache_dir: str | None = None, max_requests: int | None = None,
                 max_tokens_total: int | None = None, temperature: float = 0.8,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.max_requests = max_requests
        self.max_tokens_total = max_tokens_total
        self.temperature = temperature
        self.usage = Usage()
        self._key = os.environ.get(api_key_env) or os.environ.get("OPENAI_API_KEY") or None
        self._lock = threading.Lock()
        import httpx  # the `llm` extra; imported when a client is made, not with the plugin

        url = httpx.URL(self.base_url + "/chat/completions")
        self._url = str(url)
        # a proxy from the environment must not capture a server on this machine
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                  trust_env=url.host not in LOOPBACK)

    def __repr__(self) -> str:
        return f"LLMClient({self.base_url!r}, {self.model!r})"

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- public -------------------------------------------------------------------------------

    def chat(self, messages: list[dict[str, str]], *, n: int = 1, temperature: float | None = None,
             max_tokens: int | None = None, seed: int | None = None) -> Completion:
        """`n` completions of `messages`; from the cache when the same request was answered."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        body: dict[str, Any] = {
            "model": self.model, "messages": [dict(m) for m in messages], "n": n,
            "temperature": self.temperature if temperature is None else temperature,
        }
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if seed is not None:
            body["seed"] = seed
        path = self._cache_path(body)
        hit = self._cache_read(path) if path is not None else None
        if hit is not None:
            with self._lock:
                self.usage.cache_hits += 1
            return hit
        start = time.perf_counter()
        try:
            texts, prompt, completion = self._post(body)
        finally:
            with self._lock:
                self.usage.seconds += time.perf_counter() - start
        if path is not None:
            self._cache_write(path, body, texts, prompt, completion)
        return Completion(texts, prompt, completion, time.perf_counter() - start, False)

    # -- HTTP ---------------------------------------------------------------------------------

    def _reserve(self) -> None:
        """Count one request about to be sent, or raise BudgetExhausted."""
        with self._lock:
            u = self.usage
            if self.max_requests is not None and u.requests >= self.max_requests:
                raise BudgetExhausted(f"LLM request budget of {self.max_requests} spent")
            spent = u.prompt_tokens + u.completion_tokens
            if self.max_tokens_total is not None and spent >= self.max_tokens_total:
                raise BudgetExhausted(
                    f"LLM token budget of {self.max_tokens_total} spent ({spent} tokens used)")
            u.requests += 1

    def _post(self, body: dict[str, Any]) -> tuple[tuple[str, ...], int, int]:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        reason = ""
        for attempt in range(self.retries + 1):
            self._reserve()
            if attempt:
                with self._lock:
                    self.usage.retries += 1
            try:
                texts, prompt, completion = self._attempt(body, headers)
            except _Retry as e:
                reason = e.reason
                if attempt == self.retries:
                    break
                wait = e.wait if e.wait is not None else min(self.backoff * 2 ** attempt,
                                                             MAX_BACKOFF)
                log.info("LLM attempt %d failed (%s); retrying in %.2fs", attempt + 1,
                         self._redact(reason), wait)
                time.sleep(wait)
                continue
            with self._lock:
                self.usage.prompt_tokens += prompt
                self.usage.completion_tokens += completion
            return texts, prompt, completion
        attempts = self.retries + 1
        raise LLMError(self._redact(
            f"LLM endpoint {self._url} failed after {attempts} attempt"
            f"{'s' if attempts > 1 else ''}: {reason}"))

    def _attempt(self, body: dict[str, Any],
                 headers: dict[str, str]) -> tuple[tuple[str, ...], int, int]:
        import httpx

        try:
            response = self._http.post(self._url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise _Retry(f"timed out after {self.timeout:g}s") from None
        except httpx.TransportError as e:
            raise _Retry(f"{type(e).__name__}: {_one_line(str(e), 120)}") from None
        status = response.status_code
        if status == 200:
            return _parse(response)
        message = _one_line(self._redact(_error_message(response)))
        if status in RETRY_STATUS or status >= 500:
            raise _Retry(f"HTTP {status}: {message}", _retry_after(response))
        raise LLMError(self._redact(f"LLM endpoint {self._url} refused the request: "
                                    f"HTTP {status}: {message}"))

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    # -- cache --------------------------------------------------------------------------------

    def _cache_path(self, body: dict[str, Any]) -> Path | None:
        if self.cache_dir is None:
            return None
        keyed = {"base_url": self.base_url, "max_tokens": None, "seed": None, **body}
        canonical = json.dumps(keyed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return self.cache_dir / f"{hashlib.sha256(canonical.encode()).hexdigest()}.json"

    @staticmethod
    def _cache_read(path: Path) -> Completion | None:
        """The cached completion at `path`; None when missing or corrupt."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            texts = data["texts"]
            prompt, completion = data["prompt_tokens"], data["completion_tokens"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if (data.get("version") != CACHE_VERSION or not isinstance(texts, list) or not texts
                or not all(isinstance(t, str) for t in texts)
                or not isinstance(prompt, int) or not isinstance(completion, int)):
            return None
        return Completion(tuple(texts), prompt, completion, 0.0, True)

    def _cache_write(self, path: Path, body: dict[str, Any], texts: tuple[str, ...],
                     prompt: int, completion: int) -> None:
        """Write atomically (temp file + os.replace); a failure only costs the cache entry."""
        record = {"version": CACHE_VERSION, "base_url": self.base_url, "request": body,
                  "texts": list(texts), "prompt_tokens": prompt, "completion_tokens": completion}
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except OSError as e:
            log.warning("LLM cache: cannot write %s: %s", path, e)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
