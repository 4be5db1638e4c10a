"""The memory budget of the enumerative search (`enum_synth`).

The search keeps every term it has not found equivalent to a smaller one, with its outputs on the
probe examples: the bank grows with the time the search runs and the size of the examples (about
1.8 KB per term on matrices of a few rows, 81,000 terms in 40 s on a 2-core machine). Each kept
term is charged an estimate of what it holds (its outputs' array bytes, the fixed cost of a term
and of one output per example); when the charges pass the budget the search stops with the reason
`BudgetExhausted` gives, never a `MemoryError` and never a result it did not check. An op whose
single output cannot be allocated (`MemoryError` from NumPy) stops the search the same way.
The estimate is a deterministic count, so a search stops at the same term on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_MEMORY_MB = 512.0
"""The default budget of one search, in megabytes (`EnumSynthesizer.memory_mb`)."""

TERM_BYTES = 500
"""A kept term's fixed cost: the term, its bank entry, its fingerprint and the bank's slots."""
OUTPUT_BYTES = 100
"""The fixed cost of one output of a kept term on one example (the object, its slot)."""


class BudgetExhausted(Exception):
    """The search space exhausted its memory budget before a term matched."""

    def __init__(self, limit_mb: float, kept: int, size: int, why: str = "") -> None:
        self.limit_mb, self.kept, self.size = limit_mb, kept, size
        super().__init__(
            f"the search space exhausted its budget of {limit_mb:g} MB of memory "
            f"({why or f'{kept} terms kept'}, at size {size}) before any term matched "
            f"(EnumSynthesizer.memory_mb sets the budget)")


@dataclass
class MemoryBudget:
    """Bytes charged for the terms kept so far, against a limit."""

    limit_mb: float = DEFAULT_MEMORY_MB
    used: int = 0
    kept: int = 0
    size: int = 1
    """The term size being enumerated (for the message)."""

    def charge(self, values: Sequence[Any]) -> None:
        """Charge one kept term with these outputs; raises `BudgetExhausted` past the limit."""
        self.used += output_bytes(values)
        self.kept += 1
        if self.used > self.limit_mb * 1e6:
            raise BudgetExhausted(self.limit_mb, self.kept, self.size)

    def out_of_memory(self) -> BudgetExhausted:
        """The reason to stop when an op's output could not be allocated."""
        return BudgetExhausted(self.limit_mb, self.kept, self.size,
                               "an op's output did not fit in memory")


def output_bytes(values: Sequence[Any]) -> int:
    """The estimated bytes a kept term's outputs hold (their arrays are kept once in the bank)."""
    total = TERM_BYTES
    for v in values:
        total += OUTPUT_BYTES
        if isinstance(v, np.ndarray):
            total += v.nbytes
    return total
