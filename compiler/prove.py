"""Proof strategy shared by every query: the nonlinear abstraction first, then the exact encoding.

Under `abstract_nonlinear` products and quotients of non-constants are uninterpreted, so an `unsat`
answer is a proof found by congruence alone (fast in both solvers); when the abstraction is not
enough, the exact encoding gets the remaining time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from tensflo.plugins.components import CheckResult, Verifier


def prove(build: Callable[[bool], str], verifier: Verifier, timeout: float = 10.0) -> CheckResult:
    """Check `build(abstract_nonlinear)` scripts with `verifier`; `unsat` means proven.

    `sat` is only reported from the exact encoding (a real counterexample model exists).
    """
    start = time.perf_counter()
    first = verifier.check(build(True), timeout)
    if first.status == "unsat":
        return first
    left = timeout - (time.perf_counter() - start)
    if left <= 0:
        return replace(first, status="timeout", seconds=time.perf_counter() - start)
    second = verifier.check(build(False), left)
    return replace(second, seconds=time.perf_counter() - start)
