"""What the `tensflo` commands write: JSON, output files and the progress line on stderr."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from tensflo.plugins.errors import UsageError


def write_json(value: Any, out: IO[str]) -> None:
    """`value` as indented JSON and a newline."""
    json.dump(value, out, indent=2)
    out.write("\n")


def write_file(path: str, text: str) -> None:
    """Write `text` to the file the user named with `-o`; failure is a `UsageError`."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def to_file(output: str | None) -> bool:
    """Whether `-o OUTPUT` names a file (not absent, not `-` for stdout)."""
    return bool(output) and output != "-"


class Progress:
    """One status line on stderr, rewritten in place; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.width = 0

    def __call__(self, message: str) -> None:
        if self.enabled:
            text = message[:100]
            sys.stderr.write("\r" + text.ljust(self.width))
            sys.stderr.flush()
            self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
