"""Aggregates of windows: a fold, reduce or keyed fold reading a windowed unbounded stream emits one
result per closed window, on the interpreter and on Beam, and is deterministic under any batching,
out-of-order event times and watermarks; and the two engines agree on random graphs whose keys
mix types (1, 1.0, True)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tensflo.ir.flo import (
    SEQ,
    SET,
    ZSET,
    FloTypeError,
    Graph,
    Watermark,
    bounded,
    check,
    run,
    typecheck,
    unbounded,
)
from tensflo.targets.beam import run_beam


def windowed() -> tuple[Graph, dict[str, list]]:
    g = Graph("windowed")
    events = g.input("events", unbounded(SEQ))
    by_time = events.window(size=10, time=lambda e: e[0])
    g.output("sum", by_time.fold(0, lambda acc, e: acc + e[1]))
    g.output("last", by_time.reduce(lambda a, b: b))  # order-dependent: the last to arrive
    g.output("per_parity", by_time.keyed_fold(key=lambda e: e[1] % 2, init=0,
                                              step=lambda n, e: n + 1))
    g.output("pairs", events.filter(lambda e: not isinstance(e, Watermark)).window(count=2)
             .fold(0, lambda acc, e: acc + e[1]))
    # event times out of order, an integer and a float time in one window, a late event
    return g, {"events": [(3, 1), (12, 2), (7.5, 3), Watermark(10), (4, 100), (15, 4),
                          (25, 5), Watermark(20), (21, 6)]}


def test_an_aggregate_of_windows_of_an_unbounded_stream_is_accepted():
    g, _ = windowed()
    types = typecheck(g)
    assert str(types[g.outputs["sum"]]) == "Unbounded[Seq]"
    assert str(types[g.outputs["sum"].inputs[0]]) == "Unbounded[Seq of windows]"


def test_one_result_per_closed_window_on_the_interpreter_and_on_beam():
    g, inputs = windowed()
    expected = run(g, inputs).outputs
    # window [0, 10) closes at watermark 10 with (3, 1), (7.5, 3); (4, 100) is late, dropped;
    # window [10, 20) closes at watermark 20; [20, 30) is still open
    assert expected == {
        "sum": ((0, 4), (10, 6)),
        "last": ((0, (7.5, 3)), (10, (15, 4))),
        "per_parity": ((0, frozenset({(1, 2)})), (10, frozenset({(0, 2)}))),
        "pairs": (3, 103, 9),  # (21, 6) waits for its pair
    }
    assert run_beam(g, inputs) == expected


def test_aggregates_of_windows_are_deterministic_under_every_batching():
    g, inputs = windowed()
    result = check(g, inputs)
    assert result.ok and result.exhaustive and result.schedules > 256, result


def test_a_window_that_never_closes_emits_nothing():
    g = Graph("open")
    x = g.input("x", unbounded(SEQ))
    g.output("sum", x.window(size=10, time=lambda v: v).fold(0, lambda a, v: a + v))
    assert run(g, {"x": [1, 2, 3]}).outputs == {"sum": ()}
    assert check(g, {"x": [1, 2, 3]}).ok


def test_a_bounded_windowed_stream_emits_its_last_windows_at_the_end():
    g = Graph("bounded")
    x = g.input("x", bounded(SEQ))
    g.output("sums", x.window(count=2).reduce(lambda a, b: a + b))
    g.output("by_time", x.window(size=2, time=lambda v: v).fold(0, lambda a, v: a + v))
    expected = run(g, {"x": [1, 2, 3, 4, 5]}).outputs
    assert expected == {"sums": (3, 7, 5), "by_time": ((0, 1), (2, 5), (4, 9))}
    assert run_beam(g, {"x": [1, 2, 3, 4, 5]}) == expected


@pytest.mark.parametrize("aggregate", [
    lambda s: s.fold(0, lambda a, v: a + v),
    lambda s: s.reduce(lambda a, v: a + v),
    lambda s: s.keyed_fold(key=lambda v: v, init=0, step=lambda a, v: a + 1),
])
def test_an_aggregate_after_the_windows_are_mapped_is_refused_with_a_hint(aggregate):
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    aggregate(x.window(count=2).map(lambda w: w[0]))
    with pytest.raises(FloTypeError) as e:
        typecheck(g)
    message = str(e.value)
    assert "make that input bounded, or window it first" in message
    assert ".window(count=n)." in message and "one result per closed window" in message


# -------------------------------------------------------------------------------------------------
# interpreter and Beam on random graphs with keys of mixed types
# -------------------------------------------------------------------------------------------------
KEYS = st.sampled_from([0, 0.0, False, 1, 1.0, True, "a", (1,), (1.0,), frozenset({1.0})])
PAIRS = st.lists(st.tuples(KEYS, st.integers(-3, 3)), min_size=2, max_size=8)

STAGES = {
    "map": lambda s: s.map(lambda kv: (kv[0], kv[1] + 1)),
    "filter": lambda s: s.filter(lambda kv: kv[1] % 2 == 0),
    "rekey": lambda s: s.map(lambda kv: (kv[1] % 2 == 0, kv[1])),
    "flat_map": lambda s: s.flat_map(lambda kv: [kv, (kv[0], -kv[1])] if kv[1] > 0 else [kv]),
}
ENDS = {
    "keyed_count": lambda s, t: s.keyed_fold(key=lambda kv: kv[0], init=0,
                                             step=lambda n, kv: n + 1),
    "keyed_sum_merged": lambda s, t: s.keyed_fold(key=lambda kv: kv[0], init=0,
                                                  step=lambda n, kv: n + kv[1],
                                                  merge=lambda a, b: a + b),
    "distinct": lambda s, t: s.map(lambda kv: kv[0]).distinct(),
    "set_distinct": lambda s, t: s.into(SET).distinct(),
    "zset_distinct": lambda s, t: s.map(lambda kv: kv[0]).into(ZSET).distinct(),
    "join": lambda s, t: s.into(SET).join(t.into(SET)),
    "anti_join": lambda s, t: s.into(SET).anti_join(t.map(lambda kv: kv[0])),
    "difference": lambda s, t: s.into(SET).difference(t.into(SET)),
    "windows": lambda s, t: s.map(lambda kv: (kv[1], kv[0])).window(
        size=2, time=lambda e: e[0] + 0.5 * (e[1] is True)).keyed_fold(
        key=lambda e: e[1], init=0, step=lambda n, e: n + 1),
    "count_windows": lambda s, t: s.window(count=2).fold((), lambda acc, kv: acc + (kv[0],)),
}


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Graph, dict[str, list]]:
    g = Graph("random")
    s = g.input("s", bounded(SEQ))
    t = g.input("t", bounded(SEQ))
    for _ in range(draw(st.integers(0, 3))):
        s = STAGES[draw(st.sampled_from(sorted(STAGES)))](s)
    for name in draw(st.lists(st.sampled_from(sorted(ENDS)), min_size=1, max_size=4,
                              unique=True)):
        g.output(name, ENDS[name](s, t))
    return g, {"s": draw(PAIRS), "t": draw(PAIRS)}


# each example runs a Beam pipeline (about a second): few examples, and no shrinking, which could
# take minutes; a failure prints the whole graph and inputs
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(graphs())
def test_interpreter_and_beam_agree_on_random_graphs_with_mixed_type_keys(case):
    g, inputs = case
    assert run_beam(g, inputs) == run(g, inputs).outputs
