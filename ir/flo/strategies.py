"""Hypothesis strategies for Flo schedules, for property tests that shrink their counterexamples.

```python
from hypothesis import given
from tensflo.ir.flo.strategies import schedules

@given(schedules(graph, inputs))
def test_outputs_do_not_depend_on_the_schedule(schedule):
    assert run(graph, inputs, schedule=schedule).outputs == run(graph, inputs).outputs
```
A failing example shrinks toward fewer batches, the given order, and first-come-first-served
delivery. Needs the `hypothesis` package (tensflo's `test` extra).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from .checker import typecheck
from .graph import Graph
from .interpreter import port_inputs
from .schedulers import Event, Schedule


def schedules(graph: Graph, inputs: Mapping[str, Sequence[Any]]) -> st.SearchStrategy[Schedule]:
    """Complete schedules of `inputs`: any order of unordered ports, any batching, any
    interleaving, and either first-come-first-served or a seeded random delivery order."""
    ports = port_inputs(graph, inputs, typecheck(graph))

    @st.composite
    def build(draw: st.DrawFn) -> Schedule:
        lanes: list[list[Event]] = []
        for port, (t, items) in ports.items():
            if not t.collection.ordered:
                items = draw(st.permutations(items))
            cuts = draw(st.lists(st.booleans(), min_size=max(len(items) - 1, 0),
                                 max_size=max(len(items) - 1, 0)))
            batches: list[list[Any]] = []
            for i, x in enumerate(items):
                if i == 0 or cuts[i - 1]:
                    batches.append([])
                batches[-1].append(x)
            lane = [Event(port, tuple(b)) for b in batches]
            if t.bounded:
                lane.append(Event(port, None))
            lanes.append(lane)
        turns = draw(st.permutations([i for i, lane in enumerate(lanes) for _ in lane]))
        heads = [0] * len(lanes)
        events = []
        for i in turns:
            events.append(lanes[i][heads[i]])
            heads[i] += 1
        seed = draw(st.none() | st.integers(0, 2**31 - 1))
        return Schedule(tuple(events), seed)

    return build()
