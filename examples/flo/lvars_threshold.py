"""LVars threshold reads: deterministic reads of monotonically growing shared state.

`both`: a parallel "and" of two results that arrive as lattice writes. Each side is a flat
lattice (unknown, true, false, or the inconsistent top); the threshold read answers `False` as
soon as either side is false, and `True` once both are true. Its activation sets are pairwise
incompatible, so the answer is the same whatever the order of the writes.

`ready`: a per-sensor maximum (a map lattice); the read fires once every sensor has reached 50.

    tensflo flo check examples/flo/lvars_threshold.py
    tensflo flo run examples/flo/lvars_threshold.py --runner beam
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.flo import (
    Flat,
    FlatLattice,
    Graph,
    MapLattice,
    MaxLattice,
    PairLattice,
    lattice,
    run,
    unbounded,
)

AND = PairLattice(FlatLattice(), FlatLattice())
MAX_BY_SENSOR = MapLattice(MaxLattice())
UNKNOWN = Flat.BOTTOM

graph = Graph("lvars_threshold")
left = graph.input("left", unbounded(lattice(AND)))
right = graph.input("right", unbounded(lattice(AND)))
graph.output("both", left.union(right).threshold({
    False: [(False, UNKNOWN), (UNKNOWN, False)],
    True: [(True, True)],
}))

readings = graph.input("readings", unbounded(lattice(MAX_BY_SENSOR)))
graph.output("ready", readings.threshold({"ready": [{"s1": 50, "s2": 50}]}))
graph.output("maxima", readings.merge())

inputs: dict[str, list[Any]] = {
    "left": [(True, UNKNOWN)],
    "right": [(UNKNOWN, False)],
    "readings": [{"s1": 20}, {"s2": 70}, {"s1": 55}, {"s2": 10}],
}

if __name__ == "__main__":
    print(run(graph, inputs).outputs)
