"""How long the CPU takes to issue the computes of a schedule, estimated from its program.

Each executed `if` test and loop iteration costs the CPU `loop_overhead` cycles and each
instruction `issue` cycles (`cycles.CycleModel`). In the innermost block loop every iteration
issues a preload and a compute and runs the tests at the top of the loop body; when the array
finishes a block product sooner than that (blocks of few rows, e.g. 7-pixel output rows of a
convolution), the CPU sets the pace. `issue_estimate` counts those tests in the built program
(no trace is needed) and multiplies by the block products; the search's menu weighs it against
the busiest queue.
"""

from __future__ import annotations

from .cycles import DEFAULT_MODEL, CycleModel
from .generator import build
from .program import ComputeAccumulated, ComputePreloaded, If, Loop, Stmt, walk
from .schedule import Schedule, dims
from .workload import Add, Workload


def _computes(body: tuple[Stmt, ...]) -> bool:
    return any(isinstance(s, ComputePreloaded | ComputeAccumulated) for s in walk(body))


def inner_tests(body: tuple[Stmt, ...]) -> int:
    """Tests at the top of the innermost loop that holds computes (0 without such a loop; the
    largest over such loops)."""
    most = 0
    for s in walk(body):
        if isinstance(s, Loop) and _computes(s.body) and not any(
                isinstance(x, Loop) and _computes(x.body) for x in walk(s.body)):
            most = max(most, sum(isinstance(x, If) for x in s.body))
    return most


def issue_estimate(w: Workload, s: Schedule, model: CycleModel = DEFAULT_MODEL) -> int:
    """CPU cycles to issue every block product of `w` under `s`: a preload and a compute, the
    loop iteration and the tests of the innermost loop's body (loads and stores not counted)."""
    if isinstance(w, Add):
        return 0
    ib, jb, kb = dims(w)
    per_product = 2 * model.issue + model.loop_overhead * (1 + inner_tests(build(w, s).body))
    return ib * jb * kb * per_product


__all__ = ["inner_tests", "issue_estimate"]
