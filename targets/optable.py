"""What the targets' per-op tables share: the explicit refusal of an op, and the lookup.

Every built-in target keeps a table keyed by op name with an entry for every op or an explicit
`UNSUPPORTED` (tests/unit/test_op_coverage.py checks it against the live op table). An op a plugin
adds brings its entries for the targets that do not know it in `OpDef.renderings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tensflo.ir.tensir import OpDef

E = TypeVar("E")


@dataclass(frozen=True)
class Unsupported:
    """A target's explicit refusal of an op: rendering a term with it is an error."""

    why: str = ""


UNSUPPORTED = Unsupported()


def lookup(table: Mapping[str, E], op: OpDef, target: str) -> E | None:
    """The entry of `op` for `target`: its own table's, else the one the op brings for it (a plugin
    op); None when there is neither. It may be an explicit refusal (`Unsupported`)."""
    found: Any = table.get(op.name)
    return op.renderings.get(target) if found is None else found


def covers(table: Mapping[str, object], op: OpDef, target: str) -> bool:
    """Whether the table (or the op, for `target`) has an entry or an explicit refusal for `op`."""
    return op.name in table or target in op.renderings


def rendering(table: Mapping[str, object], op: OpDef, target: str) -> str | None:
    """How `target` writes `op`, for `tensflo ops` (a template's text, or the name of the function
    that builds the code); None when it cannot."""
    entry = lookup(table, op, target)
    if entry is None or isinstance(entry, Unsupported):
        return None
    text = getattr(entry, "text", None)
    if isinstance(text, str):
        return text
    name = getattr(entry, "__name__", "")
    return name if name and name != "<lambda>" else "(code)"
