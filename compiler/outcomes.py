"""The values a compile result's `status` and `proof` take, as types mypy checks.

`status`: `lifted` (a TensIR program equal to the function was found and checked), `not_lifted`
(none was found, or the target could not generate it; the diagnostics say why), `error` (the
function could not be read). `proof`, strongest first: `unbounded` (proven for all inputs),
`bounded` (proven for lengths and ints up to a small bound), `tested` (only checked on random
inputs), `none` (nothing was lifted).
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal["lifted", "not_lifted", "error"]
Proof = Literal["unbounded", "bounded", "tested", "none"]

STATUSES: tuple[Status, ...] = get_args(Status)
LEVELS: tuple[Proof, ...] = get_args(Proof)
"""The proof levels, strongest first."""


def as_proof(level: str) -> Proof:
    """`level` as a `Proof`; a ValueError for a string that is not a proof level."""
    for known in LEVELS:
        if level == known:
            return known
    raise ValueError(f"{level!r} is not a proof level ({', '.join(LEVELS)})")
