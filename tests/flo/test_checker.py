"""The Flo graph checker: types, blocking on unbounded inputs, cycles, locations, composition."""

from __future__ import annotations

import pytest

from tensflo.ir.flo import (
    SEQ,
    SET,
    ZSET,
    FloTypeError,
    Graph,
    MaxLattice,
    bounded,
    lattice,
    process,
    run,
    typecheck,
    unbounded,
)


def _error(graph: Graph) -> str:
    with pytest.raises(FloTypeError) as e:
        typecheck(graph)
    return str(e.value)


def test_types_flow_through_operators():
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    y = g.input("y", bounded(SET))
    counts = x.map(lambda v: (v, 1)).keyed_fold(lambda kv: kv[0], 0, lambda n, _: n + 1,
                                                emit="updates")
    total = y.fold(0, lambda a, b: a + b)
    joined = x.into(SET).map(lambda v: (v, v)).join(y.map(lambda v: (v, -v)))
    types = typecheck(g)
    assert str(types[counts]) == "Unbounded[Seq]"
    assert str(types[total]) == "Bounded[Seq]"
    assert str(types[joined]) == "Unbounded[Set]"
    ordered = y.sort()
    assert str(typecheck(g)[ordered]) == "Bounded[Seq]"


@pytest.mark.parametrize("build, op, hint", [
    (lambda x, y: x.sort(), "sort", "or window it first and sort each window in a map"),
    (lambda x, y: x.fold(0, max), "fold", "s.window(count=n).fold(...)"),
    (lambda x, y: x.reduce(max), "reduce", "s.window(count=n).reduce(...)"),
    (lambda x, y: x.keyed_fold(lambda v: v, 0, max), "keyed_fold",
     "s.window(size=w, time=f).keyed_fold(...)"),
    (lambda x, y: y.into(SET).difference(x.into(SET)), "difference", "or subtract Z-sets"),
    (lambda x, y: y.map(lambda v: (v, v)).anti_join(x), "anti_join", "bounded"),
])
def test_blocking_on_an_unbounded_input_is_a_type_error(build, op, hint):
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    y = g.input("y", bounded(SEQ))
    build(x, y)
    message = _error(g)
    assert f"{op} blocks until" in message and " is Unbounded[" in message
    assert "make that input bounded" in message and hint in message
    if op in ("difference", "anti_join"):  # windowing would not help: the input still never ends
        assert "window" not in message


def test_the_hints_are_true():
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    g.output("sorted", x.window(count=2).map(sorted))
    g.output("sums", x.window(count=2).fold(0, lambda a, v: a + v))
    g.output("rest", x.into(ZSET).difference(x.map(lambda v: v % 2).into(ZSET)))
    typecheck(g)


def test_the_same_operators_on_bounded_inputs_are_fine():
    g = Graph()
    y = g.input("y", bounded(SEQ))
    y.sort()
    y.fold(0, max)
    y.into(SET).difference(y.into(SET))
    y.map(lambda v: (v, v)).anti_join(y)
    typecheck(g)


def test_windowing_an_unbounded_stream_needs_no_end():
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    sums = x.window(count=2).map(sum)
    assert str(typecheck(g)[sums]) == "Unbounded[Seq]"


def test_collection_kinds_are_checked():
    g = Graph()
    a = g.input("a", unbounded(SEQ))
    a.union(a)
    assert "union of sequences would depend on arrival order" in _error(g)

    g = Graph()
    s = g.input("s", unbounded(SET))
    z = g.input("z", unbounded(ZSET))
    s.join(z)
    assert "join reads streams of one collection" in _error(g)

    g = Graph()
    m = g.input("m", unbounded(lattice(MaxLattice())))
    m.map(abs)
    assert "map reads Seq or Set or ZSet streams, not Unbounded[Lattice(Max)]" in _error(g)

    g = Graph()
    s = g.input("s", unbounded(SET))
    s.into(SEQ)
    assert "a set has no order" in _error(g)


def test_every_error_is_reported():
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    x.sort()
    x.union(x)
    with pytest.raises(FloTypeError) as e:
        typecheck(g)
    assert len(e.value.errors) == 2 and "(and 1 more)" in str(e.value)


def test_a_cycle_without_a_deferred_edge_is_rejected():
    g = Graph()
    x = g.input("x", unbounded(SET))
    u = x.union(x)
    back = u.map(lambda v: v + 1)
    u.inputs[1] = back  # close a cycle by hand
    message = _error(g)
    assert "has no deferred edge: cycles must go through nest() and defer()" in message
    assert "union#1" in message and "map#2" in message


def test_a_cycle_must_stay_inside_its_nest():
    g = Graph()
    x = g.input("x", unbounded(SET))
    with g.nest("loop") as loop:
        back = loop.defer(unbounded(SET))
        u = x.union(back)
    back.feed(u.map(lambda v: v + 1))  # the map is outside the nest
    assert "leaves its nest 'loop' at map#" in _error(g)


def test_a_deferred_edge_must_be_fed_a_matching_stream():
    g = Graph()
    x = g.input("x", unbounded(SET))
    with g.nest() as loop:
        back = loop.defer(unbounded(SET))
        x.union(back)
    assert "deferred stream is never fed" in _error(g)
    back.feed(x.into(ZSET))
    assert "defer of Unbounded[Set] is fed a Unbounded[ZSet] stream" in _error(g)

    g = Graph()
    x = g.input("x", bounded(SET))
    with g.nest() as loop:
        back = loop.defer(bounded(SET))
        u = x.union(back)
        back.feed(u)
    u.fold(0, max)
    assert "never ends: declare it unbounded, not Bounded[Set]" in _error(g)


def test_nested_fixpoint_computes_reachability():
    g = Graph()
    edges = g.input("edges", bounded(SET))
    with g.nest("closure") as loop:
        paths = loop.defer(unbounded(SET))
        longer = paths.map(lambda p: (p[1], p[0])).join(edges).map(lambda kv: (kv[1][0], kv[1][1]))
        reach = edges.union(longer)
        paths.feed(reach)
    g.output("reach", reach)
    out = run(g, {"edges": [(1, 2), (2, 3), (3, 4), (7, 7)]}).outputs["reach"]
    assert out == {(1, 2), (2, 3), (3, 4), (1, 3), (2, 4), (1, 4), (7, 7)}


def test_crossing_locations_needs_a_network_edge():
    g = Graph()
    with g.at(process("a")):
        x = g.input("x", unbounded(SEQ))
        doubled = x.map(lambda v: 2 * v)
    with g.at(process("b")):
        doubled.map(lambda v: v + 1)
    message = _error(g)
    assert "map#2 at process('b') reads map#1 at process('a') without a network edge" in message

    g = Graph()
    with g.at(process("a")):
        x = g.input("x", unbounded(SEQ))
        doubled = x.map(lambda v: 2 * v)
    with g.at(process("b")):
        there = doubled.send_to(process("b"))
        g.output("y", there.map(lambda v: v + 1))
    assert there.location == process("b")
    assert run(g, {"x": [1, 2]}).outputs["y"] == (3, 5)


def test_include_composes_graphs():
    inner = Graph("double")
    v = inner.input("v", unbounded(SEQ))
    inner.output("w", v.map(lambda n: 2 * n))

    outer = Graph("outer")
    x = outer.input("x", unbounded(SEQ))
    (w,) = outer.include(inner, v=x).values()
    (w2,) = outer.include(inner, v=w).values()
    outer.output("y", w2)
    assert run(outer, {"x": [1, 2, 3]}).outputs["y"] == (4, 8, 12)
    with pytest.raises(ValueError, match="missing"):
        outer.include(inner)
