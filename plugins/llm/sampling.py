"""How many candidates to ask the model for per round: the k with the best expected goodput.

Goodput is verified-useful candidates per second. Its model, in SmartSpec's form:

    goodput(k) = (a + a^2 + ... + a^k) / (L + k * (l + v))

- `a`, the acceptance rate: the fraction of candidates that parse, type-check and pass the quick
  check, as a Beta(1, 1) posterior over what was observed so far. The j-th sample of a round
  counts only with weight a^j: samples of one round come from the same prompt, so once one is
  rejected the rest are drawn without its feedback (a rejection's counterexample goes into the next
  round's prompt), and their chance of being useful falls geometrically.
- `L + k * l`, the endpoint's latency for k samples: fitted by least squares to the observed
  (k, seconds) of past requests; `l` grows when the endpoint generates samples one after another.
- `v`, local verification seconds per candidate (parsing, type checking, the quick check on
  random inputs, times the machine's load).

High latency per sample, a busy verifier or a low acceptance rate lower k; cheap, accurate answers
raise it (up to `k_max`). Until two requests are observed, k is `k_start`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field


@dataclass
class GoodputSampler:
    k_min: int = 1
    k_max: int = 8
    k_start: int = 2
    accepted: int = 0
    rejected: int = 0
    requests: list[tuple[int, float]] = field(default_factory=list)
    """(samples asked, seconds) of each request that reached the endpoint."""
    verify_seconds: list[float] = field(default_factory=list)
    history: list[int] = field(default_factory=list)
    """The k chosen at each round."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- observations -----------------------------------------------------------------------------
    def observe_request(self, k: int, seconds: float) -> None:
        with self._lock:
            self.requests.append((k, seconds))

    def observe_candidate(self, accepted: bool, seconds: float) -> None:
        with self._lock:
            if accepted:
                self.accepted += 1
            else:
                self.rejected += 1
            self.verify_seconds.append(seconds)

    # -- the model --------------------------------------------------------------------------------
    @property
    def acceptance(self) -> float:
        return (self.accepted + 1) / (self.accepted + self.rejected + 2)

    def latency_model(self) -> tuple[float, float]:
        """(fixed seconds per request, seconds per sample), least squares over the observations."""
        obs = self.requests[-32:]
        if not obs:
            return 0.0, 0.0
        ks = [k for k, _ in obs]
        ss = [s for _, s in obs]
        mk, ms = sum(ks) / len(ks), sum(ss) / len(ss)
        var = sum((k - mk) ** 2 for k in ks)
        if var == 0:  # one k only: split the mean evenly between fixed and per-sample cost
            return ms / 2, ms / (2 * mk)
        slope = max(0.0, sum((k - mk) * (s - ms) for k, s in zip(ks, ss, strict=True)) / var)
        return max(0.0, ms - slope * mk), slope

    def verify_cost(self) -> float:
        recent = self.verify_seconds[-32:]
        per = sum(recent) / len(recent) if recent else 0.0
        return per * max(1.0, load())

    def goodput(self, k: int) -> float:
        a = self.acceptance
        fixed, per_sample = self.latency_model()
        useful = sum(a ** j for j in range(1, k + 1))
        return useful / max(1e-9, fixed + k * (per_sample + self.verify_cost()))

    def next_k(self) -> int:
        """The k for the next round (recorded in `history`)."""
        with self._lock:
            if len(self.requests) < 2:
                k = self.k_start
            else:
                k = max(range(self.k_min, self.k_max + 1), key=lambda j: (self.goodput(j), -j))
            self.history.append(k)
            return k


def load() -> float:
    """Runnable processes per core over the last minute (1.0 when unknown)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 1.0


_SHARED: dict[tuple[str, str], GoodputSampler] = {}
_SHARED_LOCK = threading.Lock()


def shared_sampler(base_url: str, model: str, k_max: int) -> GoodputSampler:
    """One sampler per endpoint and model in this process, so what one function's rounds taught
    carries over to the next function of the same run."""
    with _SHARED_LOCK:
        key = (base_url, model)
        if key not in _SHARED:
            _SHARED[key] = GoodputSampler(k_max=k_max)
        return _SHARED[key]
