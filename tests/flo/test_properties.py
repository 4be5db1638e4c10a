"""Streaming progress and eager execution: every built-in operator has both; broken operators are
caught with a counterexample schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensflo.ir.flo import (
    BUILTIN_OPS,
    SEQ,
    SET,
    ZSET,
    Exhaustive,
    Flat,
    FlatLattice,
    Graph,
    MaxLattice,
    Op,
    OpState,
    PairLattice,
    RandomSchedules,
    StreamType,
    Watermark,
    Window,
    bounded,
    check,
    impl,
    lattice,
    process,
    run,
    unbounded,
    zset,
)

AND = PairLattice(FlatLattice(), FlatLattice())
B = Flat.BOTTOM

Build = Callable[[Graph], Any]


def _closure(g: Graph) -> Any:
    edges = g.input("x", bounded(SET))
    with g.nest("closure") as loop:
        paths = loop.defer(unbounded(SET))
        longer = paths.map(lambda p: (p[1], p[0])).join(edges).map(lambda kv: kv[1])
        reach = edges.union(longer)
        paths.feed(reach)
    return reach


def _two(kind_x: StreamType, kind_y: StreamType, f: Callable[[Any, Any], Any]) -> Build:
    return lambda g: f(g.input("x", kind_x), g.input("y", kind_y))


CASES: dict[str, tuple[Build, dict[str, list[Any]]]] = {
    "map": (lambda g: g.input("x", unbounded(SEQ)).map(lambda v: v * 10), {"x": [1, 2, 3]}),
    "map_zset": (lambda g: g.input("x", unbounded(ZSET)).map(lambda v: v % 2),
                 {"x": [(1, 1), (3, 2), (2, -1)]}),
    "filter": (lambda g: g.input("x", unbounded(SEQ)).filter(lambda v: v % 2),
               {"x": [1, 2, 3, 5]}),
    "flat_map": (lambda g: g.input("x", unbounded(SET)).flat_map(range), {"x": [1, 3]}),
    "into": (lambda g: g.input("x", unbounded(SEQ)).into(ZSET), {"x": ["a", "b", "a"]}),
    "union": (_two(unbounded(SET), unbounded(SET), lambda x, y: x.union(y)),
              {"x": [1, 2], "y": [2, 3]}),
    "cross": (_two(unbounded(SET), bounded(SET), lambda x, y: x.cross(y)),
              {"x": [1, 2], "y": ["a"]}),
    "join": (_two(unbounded(SET), unbounded(SET), lambda x, y: x.join(y)),
             {"x": [(1, "a"), (2, "b")], "y": [(1, "p"), (1, "q")]}),
    "join_zset": (_two(unbounded(ZSET), unbounded(ZSET), lambda x, y: x.join(y)),
                  {"x": [((1, "a"), 1), ((1, "b"), 2)], "y": [((1, "p"), -1)]}),
    "difference": (_two(unbounded(SET), bounded(SET), lambda x, y: x.difference(y)),
                   {"x": [1, 2], "y": [2]}),
    "difference_zset": (_two(unbounded(ZSET), unbounded(ZSET), lambda x, y: x.difference(y)),
                        {"x": [("a", 1), ("b", 1)], "y": [("a", 1)]}),
    "anti_join": (_two(unbounded(SEQ), bounded(SET), lambda x, y: x.anti_join(y)),
                  {"x": [(1, "a"), (2, "b")], "y": [1]}),
    "fold": (lambda g: g.input("x", bounded(SEQ)).fold("", lambda a, v: a + v),
             {"x": ["a", "b", "c"]}),
    "reduce": (lambda g: g.input("x", bounded(SET)).reduce(max), {"x": [4, 9, 1]}),
    "keyed_fold": (lambda g: g.input("x", bounded(SEQ)).keyed_fold(
        lambda v: v % 2, 0, lambda a, v: a + v), {"x": [1, 2, 3, 4]}),
    "keyed_fold_updates": (lambda g: g.input("x", unbounded(SEQ)).keyed_fold(
        lambda v: v % 2, 0, lambda a, v: a + v, emit="updates"), {"x": [1, 2, 3]}),
    "sort": (lambda g: g.input("x", bounded(SET)).sort(reverse=True), {"x": [3, 1, 2]}),
    "distinct": (lambda g: g.input("x", unbounded(SEQ)).distinct(), {"x": [1, 2, 1, 3]}),
    "distinct_zset": (lambda g: g.input("x", unbounded(ZSET)).distinct(),
                      {"x": [("a", 2), ("a", -2), ("b", 1)]}),
    "window_count": (lambda g: g.input("x", bounded(SEQ)).window(count=2), {"x": [1, 2, 3]}),
    "window_time": (lambda g: g.input("x", unbounded(SEQ)).window(size=10, time=lambda e: e[0]),
                    {"x": [(1, "a"), (12, "b"), Watermark(10), (3, "late"), Watermark(20)]}),
    "merge": (_two(unbounded(lattice(MaxLattice())), unbounded(lattice(MaxLattice())),
                   lambda x, y: x.merge(y)), {"x": [3, 1], "y": [2, 5]}),
    "threshold": (_two(unbounded(lattice(AND)), unbounded(lattice(AND)),
                       lambda x, y: x.union(y).threshold({
                           False: [(False, B), (B, False)], True: [(True, True)]})),
                  {"x": [(True, B)], "y": [(B, False)]}),
    "integrate": (lambda g: g.input("x", unbounded(SEQ)).integrate(),
                  {"x": [zset([("a", 1)]), zset([("a", -1), ("b", 2)]), zset()]}),
    "differentiate": (lambda g: g.input("x", unbounded(SEQ)).differentiate(),
                      {"x": [zset([("a", 1)]), zset([("a", 1), ("b", 2)]), zset([("b", 2)])]}),
    "network": (lambda g: g.input("x", unbounded(SEQ)).send_to(process("main")), {"x": [1, 2]}),
    "nest_defer": (_closure, {"x": [(1, 2), (2, 3), (3, 1)]}),
}


EXPECTED: dict[str, Any] = {
    "map": (10, 20, 30),
    "map_zset": {(1, 3), (0, -1)},
    "filter": (1, 3, 5),
    "flat_map": {0, 1, 2},
    "into": {("a", 2), ("b", 1)},
    "union": {1, 2, 3},
    "cross": {(1, "a"), (2, "a")},
    "join": {(1, ("a", "p")), (1, ("a", "q"))},
    "join_zset": {((1, ("a", "p")), -1), ((1, ("b", "p")), -2)},
    "difference": {1},
    "difference_zset": {("b", 1)},
    "anti_join": ((2, "b"),),
    "fold": ("abc",),
    "reduce": (9,),
    "keyed_fold": {(1, 4), (0, 6)},
    "keyed_fold_updates": ((1, 1), (0, 2), (1, 4)),
    "sort": (3, 2, 1),
    "distinct": (1, 2, 3),
    "distinct_zset": {("b", 1)},
    "window_count": ((1, 2), (3,)),
    "window_time": (Window(0, 10, ((1, "a"),)), Window(10, 20, ((12, "b"),))),
    "merge": 5,
    "threshold": (False,),
    "integrate": (zset([("a", 1)]), zset([("b", 2)]), zset([("b", 2)])),
    "differentiate": (zset([("a", 1)]), zset([("b", 2)]), zset([("a", -1)])),
    "network": (1, 2),
    "nest_defer": {(a, b) for a in (1, 2, 3) for b in (1, 2, 3)},
}
"""What each case outputs, worked out by hand."""


def _graph(build: Build) -> Graph:
    g = Graph()
    g.output("out", build(g))
    return g


@pytest.mark.parametrize("name", CASES)
def test_builtin_operator_has_both_properties(name):
    build, inputs = CASES[name]
    result = check(_graph(build), inputs)
    assert result.ok, str(result)
    assert result.schedules > 1 and result.states >= len(next(iter(inputs.values())))


@pytest.mark.parametrize("name", CASES)
def test_builtin_operator_computes_what_it_should(name):
    build, inputs = CASES[name]
    assert run(_graph(build), inputs).outputs["out"] == EXPECTED[name]


def test_every_builtin_operator_is_checked():
    used = {type(node.op) for build, _ in CASES.values() for node in _graph(build).nodes}
    assert set(BUILTIN_OPS) <= used, set(BUILTIN_OPS) - used


def test_exhaustive_scheduler_counts_what_it_enumerates():
    g = _graph(_two(unbounded(SET), bounded(SEQ), lambda x, y: x.cross(y.into(SET))))
    from tensflo.ir.flo.checker import typecheck
    from tensflo.ir.flo.interpreter import port_inputs

    ports = port_inputs(g, {"x": [1, 2, 3], "y": ["a", "b"]}, typecheck(g))
    schedules = list(Exhaustive().schedules(ports))
    assert len(schedules) == Exhaustive.count(ports) == len(set(schedules))
    # x: 3! orders x 4 batchings; y: 2 batchings plus its end; every interleaving of the lanes
    assert len(schedules) > 6 * 4 * 2


# -------------------------------------------------------------------------------------------------
# operators that break the properties
# -------------------------------------------------------------------------------------------------
class FirstSeen(Op):
    """Emits the first element it ever receives: depends on arrival order."""

    name = "first_seen"

    def infer(self, inputs):
        return StreamType(False, SEQ)


@impl(FirstSeen)
class _FirstSeen(OpState):
    def __init__(self, *args):
        super().__init__(*args)
        self.done = False

    def push(self, index, batch):
        if self.done:
            return ()
        self.done = True
        return [batch[0]]


class Lag(Op):
    """Emits each element when the next one arrives, the last at the end: deterministic, but it
    holds outputs back."""

    name = "lag"


@impl(Lag)
class _Lag(OpState):
    def __init__(self, *args):
        super().__init__(*args)
        self.last = []

    def push(self, index, batch):
        out = self.last + list(batch)
        self.last = [out.pop()]
        return out

    def end(self, index):
        return self.last


class Hold(Op):
    """Passes its input on only once it has ended."""

    name = "hold"


@impl(Hold)
class _Hold(OpState):
    def __init__(self, *args):
        super().__init__(*args)
        self.held = []

    def push(self, index, batch):
        self.held.extend(batch)
        return ()

    def end(self, index):
        return self.held


def test_first_seen_on_an_unbounded_stream_is_caught_with_a_counterexample():
    g = Graph()
    g.output("first", g.input("x", unbounded(SET)).apply(FirstSeen()))
    result = check(g, {"x": [1, 2]})
    assert not result.ok
    cx = result.counterexample
    assert cx.property == "streaming_progress" and cx.output == "first"
    assert set(cx.values) == {(1,), (2,)}
    # replaying the two schedules shows the two answers for the same input
    answers = {run(g, {"x": [1, 2]}, schedule=s).outputs["first"] for s in cx.schedules}
    assert answers == {(1,), (2,)}
    assert "schedule 1: x:[" in str(result) and "schedule 2: x:[" in str(result)


def test_first_seen_behind_a_union_is_caught_by_random_schedules():
    g = Graph()
    x, y = g.input("x", unbounded(SET)), g.input("y", unbounded(SET))
    g.output("first", x.union(y).apply(FirstSeen()))
    result = check(g, {"x": ["a", "b"], "y": ["c"]}, scheduler=RandomSchedules(seed=1, count=50))
    assert not result.ok and not result.exhaustive
    cx = result.counterexample
    first, second = (run(g, {"x": ["a", "b"], "y": ["c"]}, schedule=s).outputs["first"]
                     for s in cx.schedules)
    assert first != second


def test_first_seen_behind_two_branches_of_one_input_is_caught():
    # every schedule of the input gives the same answer when the graph delivers first come,
    # first served; only the order of delivery inside the graph differs
    g = Graph()
    x = g.input("x", unbounded(SET))
    g.output("first", x.map(lambda v: ("a", v)).union(x.map(lambda v: ("b", v)))
             .apply(FirstSeen()))
    result = check(g, {"x": [1]})
    assert result.exhaustive and not result.ok
    cx = result.counterexample
    assert set(cx.values) == {(("a", 1),), (("b", 1),)}
    assert any(s.internal_seed is not None for s in cx.schedules)


def test_a_lagging_operator_is_not_eager():
    g = Graph()
    g.output("out", g.input("x", unbounded(SEQ)).apply(Lag()))
    assert check(g, {"x": [1, 2, 3]}, properties=["streaming_progress"]).ok
    result = check(g, {"x": [1, 2, 3]})
    cx = result.counterexample
    now, released = cx.values
    assert cx.property == "eager_execution" and released[:-1] == now and len(released) >= 1
    assert "ending the unbounded input 'x' would make it" in cx.message
    assert run(g, {"x": [1, 2, 3]}, schedule=cx.schedules[0]).outputs["out"] == now


def test_a_union_that_waits_for_both_sides_is_not_eager():
    g = Graph()
    x, y = g.input("x", unbounded(SET)), g.input("y", unbounded(SET))
    g.output("out", x.union(y).apply(Hold()))
    cx = check(g, {"x": [1], "y": [2]}).counterexample
    assert cx.property == "eager_execution" and "ending the unbounded input 'x' and 'y'" in cx.message


def test_threshold_reads_with_compatible_sets_are_caught():
    g = Graph()
    x, y = g.input("x", unbounded(lattice(AND))), g.input("y", unbounded(lattice(AND)))
    # "left is false" and "right is false" can both become true: whichever comes first wins
    g.output("which", x.union(y).threshold({"left": [(False, B)], "right": [(B, False)]}))
    result = check(g, {"x": [(False, B)], "y": [(B, False)]})
    assert not result.ok and result.counterexample.property == "streaming_progress"
    assert set(result.counterexample.values) == {("left",), ("right",)}


def test_an_order_dependent_fold_over_a_set_is_caught():
    g = Graph()
    g.output("out", g.input("x", bounded(SET)).fold("", lambda a, v: a + v))
    result = check(g, {"x": ["a", "b"]})
    assert not result.ok and result.counterexample.property == "streaming_progress"


# -------------------------------------------------------------------------------------------------
# generated inputs
# -------------------------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-3, 3), max_size=4), st.lists(st.integers(-3, 3), max_size=3))
def test_zset_join_and_distinct_keep_both_properties(xs, ys):
    g = Graph()
    x, y = g.input("x", unbounded(ZSET)), g.input("y", unbounded(ZSET))
    keyed = x.map(lambda v: (v % 2, v)).join(y.map(lambda v: (v % 2, v)))
    g.output("out", keyed.distinct())
    result = check(g, {"x": [(v, 1 if v >= 0 else -1) for v in xs],
                       "y": [(v, 1) for v in ys]}, limit=300, samples=40)
    assert result.ok, str(result)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=5), st.integers(1, 3))
def test_count_windows_keep_both_properties(xs, size):
    g = Graph()
    g.output("out", g.input("x", unbounded(SEQ)).window(count=size).map(sum))
    result = check(g, {"x": xs})
    assert result.ok, str(result)
    assert run(g, {"x": xs}).outputs["out"] == tuple(
        sum(xs[i:i + size]) for i in range(0, len(xs) - len(xs) % size, size))


def test_hypothesis_schedules_find_and_shrink_a_non_deterministic_operator():
    from hypothesis import find

    from tensflo.ir.flo.strategies import schedules

    g = Graph()
    x, y = g.input("x", unbounded(SET)), g.input("y", bounded(SEQ))
    g.output("first", x.union(y.into(SET)).apply(FirstSeen()))
    inputs = {"x": [1, 2, 3], "y": [4, 5]}
    reference = run(g, inputs).outputs
    bad = find(schedules(g, inputs),
               lambda s: run(g, inputs, schedule=s).outputs != reference,
               settings=settings(max_examples=300, database=None))
    assert run(g, inputs, schedule=bad).outputs != reference
    assert len(bad.events) <= 4  # shrunk: few batches


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_hypothesis_schedules_of_a_deterministic_graph_agree(data):
    from tensflo.ir.flo.strategies import schedules

    g = _graph(CASES["join_zset"][0])
    inputs = CASES["join_zset"][1]
    schedule = data.draw(schedules(g, inputs))
    assert run(g, inputs, schedule=schedule).outputs == run(g, inputs).outputs
    for port, items in inputs.items():  # every element arrives exactly once
        got = [x for e in schedule.events if e.port == port for x in e.batch]
        assert sorted(got) == sorted(items)
