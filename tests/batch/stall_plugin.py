"""A test-only synthesizer, `stall`, whose behaviour is chosen by the name of the function it is
asked about: `hang_*` sleeps past any budget (ignoring its deadline), `crash_*` ends its process
with `os._exit(3)`, `slow_*` sleeps `TENSFLO_TEST_SLOW` seconds (default 1); then it proposes
nothing. It is only called for functions the loop-shape rules cannot lift.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from tensflo.plugins.hookspecs import hookimpl


@dataclass(frozen=True)
class StallSynthesizer:
    name: ClassVar[str] = "stall"
    description: ClassVar[str] = "test synthesizer: hangs, crashes or sleeps by function name"

    def synthesize(self, module: Any, function: Any, *, deadline: float, seed: int = 0,
                   exclude: frozenset = frozenset(), examples: tuple = ()) -> list[Any]:
        if function.name.startswith("hang_"):
            time.sleep(3600)
        if function.name.startswith("crash_"):
            os._exit(3)
        if function.name.startswith("slow_"):
            time.sleep(float(os.environ.get("TENSFLO_TEST_SLOW", "1")))
        return []


@hookimpl
def tensflo_register_synthesizers() -> list[object]:
    return [StallSynthesizer()]
