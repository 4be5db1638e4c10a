"""Edge cases found by independent checks: keys equal across types (interpreter and Beam agree),
threshold on an empty input, graphs of 10,000 operators, schedulers that yield many schedules."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensflo.ir.flo import (
    SEQ,
    SET,
    ZSET,
    Exhaustive,
    FloTypeError,
    Graph,
    MaxLattice,
    RandomSchedules,
    bounded,
    lattice,
    run,
    typecheck,
    unbounded,
)
from tensflo.ir.flo.interpreter import ScheduleDependenceError
from tensflo.ir.flo.keys import canonical_key
from tensflo.targets.beam import run_beam


@pytest.mark.parametrize(("a", "b"), [
    (1, 1.0), (True, 1), (0, -0.0), (2, Fraction(2)), (0.5, Fraction(1, 2)), (3, 3 + 0j),
    ((1, "a"), (1.0, "a")), (frozenset({1, 2.5}), frozenset({1.0, 2.5})),
    ({"k": 1}, {"k": 1.0}),
])
def test_equal_values_have_one_canonical_key(a, b):
    assert a == b and canonical_key(a) == canonical_key(b)


@pytest.mark.parametrize(("a", "b"), [
    (1, 1.5), (1, "1"), (0.1, Fraction(1, 10)), ((1,), (1, 1)), (frozenset({1}), (1,)),
    (None, 0), (b"1", "1"),
])
def test_different_values_have_different_canonical_keys(a, b):
    assert a != b and canonical_key(a) != canonical_key(b)


def mixed_keys() -> tuple[Graph, dict[str, list]]:
    g = Graph("mixed")
    events = g.input("events", bounded(SEQ))
    z = g.input("z", bounded(ZSET))
    left = g.input("left", bounded(SET))
    right = g.input("right", bounded(SET))
    counts = g.input("counts", bounded(SEQ))
    g.output("windows", events.window(size=10, time=lambda e: e[0]).map(
        lambda w: (w.start, len(w.items))))
    g.output("distinct", z.distinct())
    g.output("join", left.join(right))
    g.output("count", counts.keyed_fold(key=lambda k: k, init=0, step=lambda n, _: n + 1))
    g.output("count_merged", counts.keyed_fold(key=lambda k: k, init=0,
                                               step=lambda n, _: n + 1,
                                               merge=lambda a, b: a + b))
    g.output("set_distinct", counts.into(SET).distinct())
    g.output("anti_join", left.anti_join(right.map(lambda kv: kv[0])))
    g.output("difference", left.difference(right.map(lambda kv: (kv[0], "l"))))
    return g, {"events": [(3, "x"), (7.5, "y")], "z": [(2, 1), (2.0, 1)],
               "left": [(1, "l")], "right": [(1.0, "r")], "counts": [1, 1.0, True]}


def test_keys_equal_across_types_group_together_on_the_interpreter_and_on_beam():
    g, inputs = mixed_keys()
    expected = run(g, inputs).outputs
    assert expected["windows"] == ((0, 2),)
    assert expected["distinct"] == frozenset({(2, 1)})
    assert expected["join"] == frozenset({(1, ("l", "r"))})
    assert expected["count"] == expected["count_merged"] == frozenset({(1, 3)})
    assert expected["set_distinct"] == frozenset({1})
    assert expected["anti_join"] == expected["difference"] == frozenset()
    assert run_beam(g, inputs) == expected


def test_threshold_of_an_empty_input_reads_nothing_on_both_engines():
    g = Graph("empty")
    m = g.input("m", bounded(lattice(MaxLattice(floor=0))))
    g.output("read", m.threshold({"any": [0]}))  # the bottom value, 0, already reaches 0
    g.output("merge", m.merge())
    expected = run(g, {"m": []}).outputs
    assert expected["read"] == ()
    assert run_beam(g, {"m": []}) == expected
    assert run(g, {"m": [0]}).outputs["read"] == ("any",) == run_beam(g, {"m": [0]})["read"]


def test_a_nest_of_ten_thousand_operators_checks_and_runs():
    g = Graph("big")
    x = g.input("x", bounded(SET))
    with g.nest("loop") as loop:
        back = loop.defer(unbounded(SET))
        s = x.union(back)
        for _ in range(10_000):
            s = s.map(lambda v: v)
        back.feed(s.filter(lambda v: v < 5).map(lambda v: v + 1))
    g.output("out", s)
    assert len(typecheck(g)) == len(g.nodes) > 10_000
    assert run(g, {"x": [0]}).outputs == {"out": frozenset(range(6))}


def test_a_long_cycle_without_a_deferred_edge_is_named():
    g = Graph("cycle")
    x = g.input("x", bounded(SET))
    first = x.union(x)
    s = first
    for _ in range(10_000):
        s = s.map(lambda v: v)
    first.inputs[1] = s
    with pytest.raises(FloTypeError) as e:
        typecheck(g)
    message = str(e.value)
    assert "has no deferred edge" in message and "(10001 operators)" in message
    assert len(message) < 400


def racy() -> Graph:
    g = Graph("racy")
    s = g.input("s", bounded(SET))
    g.output("first", s.fold(None, lambda acc, v: v if acc is None else acc))
    return g


def test_exhaustive_runs_every_schedule():
    g = Graph("sum")
    s = g.input("s", bounded(SET))
    g.output("sum", s.fold(0, lambda a, v: a + v))
    ports = {"s": (bounded(SET), [1, 2, 3])}
    result = run(g, {"s": [1, 2, 3]}, scheduler=Exhaustive())
    assert result.schedules == Exhaustive.count(ports) == len(list(Exhaustive().schedules(ports)))
    assert result.schedules > 1 and result.outputs == {"sum": (6,)}


def test_many_schedules_that_disagree_are_reported():
    with pytest.raises(ScheduleDependenceError, match="output 'first' depends on the schedule"):
        run(racy(), {"s": [1, 2, 3]}, scheduler=Exhaustive())
    with pytest.raises(ScheduleDependenceError):
        run(racy(), {"s": [1, 2, 3]}, scheduler=RandomSchedules(count=50))
    assert run(racy(), {"s": [1, 2, 3]}, scheduler=RandomSchedules(count=1)).schedules == 1


SCALARS = (st.integers(-3, 3) | st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, True, False, None])
           | st.fractions(min_value=-3, max_value=3, max_denominator=4) | st.sampled_from("ab"))
VALUES = st.recursive(SCALARS, lambda inner: st.tuples(inner, inner)
                      | st.frozensets(inner, max_size=3), max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(VALUES, VALUES)
def test_canonical_keys_are_equal_exactly_when_the_values_are(a, b):
    assert (a == b) == (canonical_key(a) == canonical_key(b))
    if a == b:
        assert hash(canonical_key(a)) == hash(canonical_key(b))
