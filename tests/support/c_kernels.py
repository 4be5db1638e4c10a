"""Helpers of the C reader tests: the reader's loop IR run as C runs it, and inputs drawn inside
a C type's range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tensflo.ir.loop.interp import Interpreter
from tensflo.plugins.c_frontend import CFrontend


def interpreted(path: Path, name: str) -> Any:
    """The loop IR the reader produced, run as C runs it (arrays updated in place)."""
    module = CFrontend().parse(str(path), path.read_text())
    interp = Interpreter(module)

    def run(*args: Any) -> Any:
        plain = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
        result, final = interp.run_in_place(name, plain)
        for a, after in zip(args, final, strict=True):
            if isinstance(a, np.ndarray):
                a[:] = after
        return result

    return run


def inside(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    """`n` values of a C type's range, its ends among them."""
    v = rng.integers(lo, hi + 1, n)
    if n >= 2:
        v[rng.integers(0, n)] = lo
        v[rng.integers(0, n)] = hi
    return v
