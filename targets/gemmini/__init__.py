"""The Gemmini target: program IR, ISA emulator with a cycle model, C emission and schedule search.

Public API (imported lazily, so loading the plugin stays cheap):

- `compile_term(fn, shapes, search="none"|"beam", budget=40, seed=0) -> GemminiResult`: lower a
  TensIR function (or term) given each tensor parameter's shape, schedule it (the library schedule,
  or the best one beam search finds), and return the program, its C text (`.c`), its cost
  (`.cycles`, `.utilisation`, `.bytes_moved`, `.report`) and `.run(args)` on the emulator.
- `compile_workload(workload, ...)`: the same for a `Gemm` / `Add` workload, e.g. `conv2d(...)`.
- `gemm`, `conv2d`, `Add`: workloads; `Schedule`, `library`, `NAIVE`, `build`: schedules and the
  program generator; `beam_search`, `transfer`: the search; `run`: the emulator; `measure`: the
  cycle model; `lower_bound`: the fewest cycles any schedule can take in it; `render`: C emission; `parse_program` / `print_program`: the program text form.

Modules: `isa` (configuration, address bits), `expr` and `program` (the program IR), `text` (its
printer and parser), `trace` (instruction streams), `emulator`, `cycles`, `cemit`, `workload`,
`lower` (TensIR -> workload), `schedule` (schedules, their checks and the baselines), `generator`
(schedule -> program), `menu` (the search's transformations), `planners` (which to try next),
`search` (beam search, transfer and replay), `llm_planner` (the LLM planner), `bound` (lower bound
on cycles), `hooks` (the planner hook), `api`, `plugin` (target and `tensflo gemmini` commands).
See docs/gemmini.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "compile_term": "api", "compile_workload": "api", "GemminiResult": "api",
    "gemm": "workload", "conv2d": "workload", "Gemm": "workload", "Add": "workload",
    "Conv": "workload", "Schedule": "schedule", "library": "schedule", "NAIVE": "schedule",
    "build": "generator", "ScheduleError": "schedule", "beam_search": "search",
    "transfer": "search", "SearchConfig": "search", "run": "emulator",
    "EmulatorError": "emulator", "measure": "cycles", "CycleModel": "cycles", "render": "cemit",
    "parse_program": "text", "print_program": "text", "Program": "program",
    "planners": "hooks", "lower_bound": "bound", "Bound": "bound",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
