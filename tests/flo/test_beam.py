"""The Beam lowering: every operator gives the interpreter's outputs; nests are refused."""

from __future__ import annotations

from typing import Any

import pytest

from tensflo.ir.flo import (
    BUILTIN_OPS,
    SEQ,
    SET,
    ZSET,
    Flat,
    FlatLattice,
    Graph,
    MaxLattice,
    Op,
    OpState,
    PairLattice,
    Watermark,
    bounded,
    impl,
    lattice,
    process,
    run,
    unbounded,
    zset,
)
from tensflo.ir.flo.ops import Defer
from tensflo.targets.beam import BeamLoweringError, run_beam

AND = PairLattice(FlatLattice(), FlatLattice())
B = Flat.BOTTOM


class RunningMax(Op):
    """A user-defined operator: the maximum so far, after every element."""

    name = "running_max"


@impl(RunningMax)
class _RunningMax(OpState):
    best = None

    def push(self, index, batch):
        out = []
        for x in batch:
            self.best = x if self.best is None else max(self.best, x)
            out.append(self.best)
        return out


def everything() -> tuple[Graph, dict[str, list]]:
    g = Graph("everything")
    x = g.input("x", bounded(SEQ))
    u = g.input("u", unbounded(SEQ))
    s = g.input("s", unbounded(SET))
    k = g.input("k", bounded(SET))
    z = g.input("z", unbounded(ZSET))
    m = g.input("m", unbounded(lattice(MaxLattice())))
    a = g.input("a", unbounded(lattice(AND)))
    steps = g.input("steps", unbounded(SEQ))
    events = g.input("events", unbounded(SEQ))
    outputs = {
        "map_filter_flat_map": x.map(lambda v: v * 2).filter(lambda v: v > 2)
                                .flat_map(lambda v: [v, v + 1]),
        "set_ops": s.map(lambda v: v % 4).filter(bool).flat_map(lambda v: [v, -v]),
        "zset_ops": z.map(lambda v: v % 3).filter(lambda v: v > 0).flat_map(lambda v: [v, v]),
        "into_zset": x.into(ZSET),
        "into_lattice": x.into(lattice(MaxLattice())),
        "union": s.union(k, x.into(SET)),
        "cross": s.cross(k),
        "cross_zset": z.cross(z),
        "join": s.map(lambda v: (v % 2, v)).join(k.map(lambda v: (v % 2, -v))),
        "join_zset": z.map(lambda v: (v % 2, v)).join(z.map(lambda v: (v % 2, 10 * v))),
        "difference": u.difference(k),
        "difference_zset": z.difference(z.filter(lambda v: v > 2)),
        "anti_join": u.map(lambda v: (v, str(v))).anti_join(k),
        "fold": x.fold("", lambda acc, v: acc + str(v)),
        "reduce": k.reduce(max),
        "keyed_fold": x.keyed_fold(lambda v: v % 2, (), lambda acc, v: acc + (v,)),
        "keyed_fold_merge": k.keyed_fold(lambda v: v % 2, 0, lambda acc, v: acc + v,
                                         merge=lambda p, q: p + q),
        "keyed_fold_updates": u.keyed_fold(lambda v: v % 2, 0, lambda acc, v: acc + v,
                                           emit="updates"),
        "sort": k.sort(key=lambda v: -v),
        "distinct": u.distinct(),
        "distinct_set": s.distinct(),
        "distinct_zset": z.map(lambda v: v % 2).distinct(),
        "distinct_of_sets": steps.distinct(),  # Z-set values are frozensets: Beam keys need care
        "join_on_set_keys": s.map(lambda v: (frozenset({v % 2}), v)).join(
            k.map(lambda v: (frozenset({v % 2}), v))),
        "count_window": x.window(count=2),
        "time_window": events.window(size=10, time=lambda e: e[0]).map(
            lambda w: (w.start, sum(v for _, v in w.items))),
        "time_window_bounded": x.window(size=2, time=lambda v: v),
        "merge": m.merge(m),
        "threshold": a.threshold({False: [(False, B), (B, False)], True: [(True, True)]}),
        "integrate": steps.integrate(),
        "differentiate": steps.integrate().differentiate(),
        "network": u.send_to(process("main")),
        "user_op": u.apply(RunningMax()),
    }
    for name, stream in outputs.items():
        g.output(name, stream)
    inputs: dict[str, list[Any]] = {
        "x": [3, 1, 2, 3, 4], "u": [5, 1, 5, 2, 9], "s": [1, 2, 5, 7, 2], "k": [2, 9, 4],
        "z": [(1, 1), (4, 2), (2, -1), (5, 1), (1, 1)], "m": [3, 8, 1],
        "a": [(True, B), (B, False)],
        "steps": [zset([("a", 1)]), zset([("a", -1), ("b", 2)]), zset([("c", 1)]),
                  zset([("b", 2), ("a", -1)])],
        "events": [(1, 2), (12, 3), (5, 4), Watermark(10), (3, 100), (15, 1), Watermark(20),
                   (22, 7)],
    }
    return g, inputs


def test_every_operator_runs_on_beam_as_on_the_interpreter():
    g, inputs = everything()
    used = {type(n.op) for n in g.nodes}
    assert set(BUILTIN_OPS) - {Defer} <= used
    expected = run(g, inputs).outputs
    assert expected["time_window"] == ((0, 6), (10, 4))  # the late (3, 100) is dropped
    assert [w.items for w in expected["time_window_bounded"]] == [(1,), (3, 2, 3), (4,)]
    got = run_beam(g, inputs)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name


def test_nests_run_on_beam_as_one_step_to_their_fixpoint():
    g = Graph("reach")
    edges = g.input("edges", bounded(SET))
    sources = g.input("sources", unbounded(SEQ))
    with g.nest("closure") as loop:
        paths = loop.defer(unbounded(SET))
        longer = paths.map(lambda p: (p[1], p[0])).join(edges).map(lambda kv: kv[1])
        reach = edges.union(longer)
        paths.feed(reach)
    g.output("reach", reach)
    # the nest's result flows on into operators outside it
    starts = sources.into(SET).map(lambda v: (v, None))
    g.output("from_sources", starts.join(reach).map(lambda kv: (kv[0], kv[1][1])))
    inputs = {"edges": [(1, 2), (2, 3), (3, 1), (4, 5)], "sources": [4, 2]}
    expected = run(g, inputs).outputs
    assert expected["from_sources"] == {(4, 5), (2, 3), (2, 1), (2, 2)}
    assert run_beam(g, inputs) == expected


def test_a_nest_feeding_and_reading_the_same_outside_operators_is_refused():
    g = Graph("tangled")
    x = g.input("x", unbounded(SET))
    with g.nest("n") as loop:
        later = loop.defer(unbounded(SET))
        first = x.map(lambda v: v + 1)
        second = later.map(lambda v: 10 * v)
    later.feed(first.map(lambda v: v + 1))  # outside the nest, between two parts of it
    g.output("out", second)
    assert run(g, {"x": [0]}).outputs["out"] == {20}
    with pytest.raises(BeamLoweringError, match="cannot be one Beam step"):
        run_beam(g, {"x": [0]})
