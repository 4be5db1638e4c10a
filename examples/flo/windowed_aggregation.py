"""Flink-style windowed aggregation: per-key sums over tumbling event-time windows.

Events `(time, key, value)` arrive out of order on an unbounded stream, interleaved with
watermarks. A window `[start, start + 10)` is emitted once a watermark passes its end; an event
arriving after its window was emitted is late and dropped, as Flink does by default.

    tensflo flo check examples/flo/windowed_aggregation.py
    tensflo flo run examples/flo/windowed_aggregation.py --runner beam
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.flo import SEQ, Graph, Watermark, Window, run, unbounded

SIZE = 10


def per_key_sums(window: Window) -> list[tuple[float, str, int]]:
    """`(window start, key, sum of values)` for each key of a window, by key."""
    sums: dict[str, int] = {}
    for _, key, value in window.items:
        sums[key] = sums.get(key, 0) + value
    return [(window.start, key, total) for key, total in sorted(sums.items())]


graph = Graph("windowed_aggregation")
events = graph.input("events", unbounded(SEQ))
graph.output("sums", events.window(size=SIZE, time=lambda e: e[0]).flat_map(per_key_sums))

inputs: dict[str, list[Any]] = {"events": [
    (1, "a", 3), (4, "b", 1), (12, "a", 5), (7, "a", 2),
    Watermark(10),
    (9, "b", 100),  # late: window [0, 10) is closed
    (15, "b", 2), (21, "a", 1),
    Watermark(20),
    (25, "b", 4),   # window [20, 30) stays open: no watermark has passed 30
]}

if __name__ == "__main__":
    print(run(graph, inputs).outputs["sums"])
