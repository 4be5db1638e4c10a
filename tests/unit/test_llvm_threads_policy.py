"""The llvm runtime's choice of threads on given call times (a fake clock): two threads unless one
thread is clearly faster, so that trials where the worker got no core (a tie: the caller ran both
halves) do not leave a size class on one thread, in the first trials and when exploring."""

from __future__ import annotations

import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import runtime
from tensflo.targets.llvm.target import LlvmTarget

FN = parse_module("def total(x: vec[int]) -> int = reduce_sum(x)\n")[0]
BITS = 24
WORK = (1 << BITS) - 1


class Clock:
    """`time.perf_counter` advanced only by the fake calls."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def call(self, seconds: float, way: str, log: list[str]):
        def run() -> str:
            self.now += seconds
            log.append(way)
            return way
        return run


@pytest.fixture
def kernel(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(runtime.time, "perf_counter", clock)
    monkeypatch.setattr(runtime, "handoff_seconds", lambda: 1e-6)
    k = LlvmTarget().compile([FN], {"x": "int32", "return": "int32"})["total"]
    k.threads = None
    for table in (k._split, k._times, k._slow):
        table.pop(BITS, None)
    yield k, clock
    for table in (k._split, k._times, k._slow):
        table.pop(BITS, None)


def _trials(k, clock, one: float, two: float) -> list[str]:
    log: list[str] = []
    while k._split.get(BITS) is None:
        k._measured(WORK, clock.call(one, "one", log), clock.call(two, "two", log))
    return log


@pytest.mark.parametrize(("one", "two", "split"), [
    (1.0e-3, 1.0e-3, True),     # a tie: the worker had no core during the trials
    (1.0e-3, 1.04e-3, True),    # within noise
    (1.0e-3, 0.55e-3, True),    # two cores
    (1.0e-3, 1.2e-3, False),    # the worker late: one thread is clearly faster
])
def test_the_trials_keep_two_threads_unless_one_is_clearly_faster(kernel, one, two, split):
    k, clock = kernel
    log = _trials(k, clock, one, two)
    assert log == ["one"] * runtime.TRIALS + ["two"] * runtime.TRIALS
    assert k._split[BITS] is split


def test_a_tie_while_exploring_moves_a_one_thread_class_to_two(kernel):
    k, clock = kernel
    _trials(k, clock, 1.0e-3, 1.5e-3)
    assert k._split[BITS] is False
    log: list[str] = []
    for _ in range(4 * (runtime.RECENT + runtime.EXPLORE)):  # the machine is now as fast either way
        k._kept(WORK, 100, clock.call(1.0e-3, "two", log), clock.call(1.0e-3, "one", log))
        if k._split[BITS]:
            break
    assert k._split[BITS] is True
    assert log.count("two") <= 3  # the lost trials age out after a few exploring calls


def test_a_two_thread_class_stays_on_two_unless_one_is_clearly_faster(kernel):
    k, clock = kernel
    _trials(k, clock, 1.0e-3, 0.6e-3)
    log: list[str] = []
    for _ in range(3 * (runtime.RECENT + runtime.EXPLORE)):  # one thread now 2% faster: noise
        k._watched(WORK, clock.call(1.0e-3, "two", log), clock.call(0.98e-3, "one", log))
    assert k._split[BITS] is True and "one" in log  # explored, not switched
    for _ in range(3 * (runtime.RECENT + runtime.EXPLORE)):  # one thread now 20% faster
        k._watched(WORK, clock.call(1.0e-3, "two", log), clock.call(0.8e-3, "one", log))
        if not k._split[BITS]:
            break
    assert k._split[BITS] is False


def test_a_one_thread_class_returns_to_two_past_slow_outliers_and_not_when_two_are_slower(kernel):
    """Exploring two-thread calls that mostly waited milliseconds for the worker's core, with one
    fast among them, move the class back to two threads; ones all slower do not."""
    k, clock = kernel
    _trials(k, clock, 1.0e-3, 1.5e-3)
    assert k._split[BITS] is False
    log: list[str] = []
    twos = iter([3.5e-3, 2.2e-3, 0.55e-3])  # the third exploring call finds the worker
    for _ in range(4 * (runtime.RECENT + runtime.EXPLORE)):
        k._kept(WORK, 100, lambda: clock.call(next(twos), "two", log)(),
                clock.call(1.0e-3, "one", log))
        if k._split[BITS]:
            break
    assert k._split[BITS] is True and log.count("two") == 3
    for slower in (1.6e-3, 1.1e-3):  # two threads slower by more than REGRESSION, then by 10%
        for _ in range(4 * (runtime.RECENT + runtime.EXPLORE)):
            k._watched(WORK, clock.call(slower, "two", log), clock.call(1.0e-3, "one", log))
            if not k._split[BITS]:
                break
        assert k._split[BITS] is False
        log.clear()
        for _ in range(4 * (runtime.RECENT + runtime.EXPLORE)):
            k._kept(WORK, 100, clock.call(slower, "two", log), clock.call(1.0e-3, "one", log))
        assert k._split[BITS] is False and log.count("two") >= 3  # explored, not switched
        k._split[BITS] = True
