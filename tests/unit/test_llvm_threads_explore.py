"""The llvm runtime's measured thread policy keeps checking a size class decided for two threads:
when two-thread calls become slower than one-thread calls (a worker waiting for a busy core),
the class returns to one thread, by less than the `REGRESSION` margin too; results stay right."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from tensflo.ir.tensir.parser import parse_module
from tensflo.targets.llvm import runtime
from tensflo.targets.llvm.target import LlvmTarget

FN = parse_module("def twice(x: vec[int]) -> vec[int] = vec_map(x, lambda e: 2 * e + 3)\n"
                  "def total(x: vec[int]) -> int = reduce_sum(x)\n")


def _kernels() -> dict:
    return LlvmTarget().compile(list(FN), {"x": "int32", "return": "int32"})


def _slow_down(k: runtime.Kernel, monkeypatch: pytest.MonkeyPatch, two: bool) -> None:
    """Make one way of running `k` 10 ms slower: an array result's first call runs `_halves`
    (two threads) or `_main` (one; the halves run `f_task`), later ones `_array`, split or not; a
    scalar result runs `_fold`, split or not."""
    halves, main, fold, array = k._halves, k._main, k._fold, k._array

    def slow(real):
        return lambda *args: (time.sleep(0.01), real(*args))[1]

    monkeypatch.setattr(k, "_halves" if two else "_main", slow(halves if two else main))
    monkeypatch.setattr(k, "_fold", lambda slots, split: (
        time.sleep(0.01) if split == two else None, fold(slots, split))[1])
    monkeypatch.setattr(k, "_array", lambda *args: (
        time.sleep(0.01) if args[-1] == two else None, array(*args))[1])


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
@pytest.mark.parametrize("name", ["twice", "total"])
def test_a_class_on_two_threads_returns_to_one_when_one_is_faster(name, monkeypatch):
    k = _kernels()[name]
    k.threads = None
    x = np.arange(-150_000, 150_000, dtype=np.int32)
    prepared = k.prepare([x])
    want = (2 * x.astype(np.int64) + 3) if name == "twice" else x.astype(np.int64).sum()
    _slow_down(k, monkeypatch, two=True)  # two threads 10 ms slower (above a loaded machine's noise)
    work = prepared.work + (x.size if name == "twice" else 0)  # inputs, plus a vector output
    size_class = work.bit_length()
    k._split[size_class] = True
    k._slow[size_class] = 0
    k._times[size_class] = ([1.0], [])  # a single-thread best far above: REGRESSION never fires
    calls = 0
    while k._split[size_class] and calls < 200:
        got = k.run(prepared)
        assert np.array_equal(np.asarray(got, dtype=np.int64) % 2**32, want % 2**32)
        calls += 1
    assert k._split[size_class] is False, calls
    assert calls <= 4 * (runtime.RECENT + runtime.EXPLORE) + 1  # a few rounds more under load


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
@pytest.mark.parametrize("name", ["twice", "total"])
def test_a_class_on_one_thread_returns_to_two_when_two_are_faster(name, monkeypatch):
    k = _kernels()[name]
    k.threads = None
    x = np.arange(-150_000, 150_000, dtype=np.int32)
    prepared = k.prepare([x])
    want = (2 * x.astype(np.int64) + 3) if name == "twice" else x.astype(np.int64).sum()
    _slow_down(k, monkeypatch, two=False)  # one thread 10 ms slower
    size_class = (prepared.work + (x.size if name == "twice" else 0)).bit_length()
    k._split[size_class] = False
    k._times[size_class] = ([], [1.0] * runtime.TRIALS)  # as if two threads had lost the trials
    calls = 0
    while not k._split[size_class] and calls < 200:
        got = k.run(prepared)
        assert np.array_equal(np.asarray(got, dtype=np.int64) % 2**32, want % 2**32)
        calls += 1
    assert k._split[size_class] is True, calls
    # the lost trials age out first; a loaded machine may cost a few more rounds of exploring
    assert calls <= 4 * (runtime.RECENT + runtime.EXPLORE) + 1


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_the_worker_is_woken_before_each_timed_trial_of_two_threads(monkeypatch):
    """The first two-thread trial of a size class and each exploring two-thread call of a class
    on one thread come after a round trip of an empty job (the worker may be asleep)."""
    k = _kernels()["twice"]
    k.threads = None
    k._split.clear(), k._times.clear(), k._slow.clear()  # the compile cache shares the kernel
    x = np.arange(-150_000, 150_000, dtype=np.int32)
    prepared = k.prepare([x])
    events: list[str] = []
    real_halves, real_array, real_wake = k._halves, k._array, runtime.wake_worker
    monkeypatch.setattr(k, "_halves", lambda *a: (events.append("two"), real_halves(*a))[1])
    monkeypatch.setattr(k, "_array", lambda *a: (
        events.extend(["two"] if a[-1] else []), real_array(*a))[1])
    monkeypatch.setattr(runtime, "wake_worker", lambda: (events.append("wake"), real_wake())[1])
    size_class = (prepared.work + x.size).bit_length()
    for _ in range(2 * runtime.TRIALS):  # the trials: one thread, then two
        k.run(prepared)
    assert events[:2] == ["wake", "two"] and events.count("wake") == 1, events
    k._split[size_class] = False  # as if decided for one thread: it explores two threads later
    events.clear()
    for _ in range(runtime.RECENT + runtime.EXPLORE + 1):
        k.run(prepared)
    assert "two" in events and events[events.index("two") - 1] == "wake", events
