"""What the `tensflo` commands write: JSON, output files and the progress line on stderr."""

from __future__ import annotations

import json
import re
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


_LOCATED = re.compile(r"(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)")
_CARET_LINE = re.compile(r"\s*\^\s*")


def format_error(message: str, prog: str = "tensflo") -> str:
    """An error message as the user sees it, clang-style when it names a place in a file.

    `FILE:LINE:COL: message` becomes `FILE:LINE:COL: error: message`, then the source line and a
    caret under the column (taken from the message when it shows them, else read from the
    file); further lines become `note:` lines. A message without a place is `prog: error: ...`.
    """
    first, *rest = message.rstrip("\n").split("\n")
    found = _LOCATED.fullmatch(first)
    if found is None:
        return "\n".join([f"{prog}: error: {first}", *(_note(line) for line in rest)]) + "\n"
    path, line, column = found["file"], int(found["line"]), int(found["col"])
    lines = [f"{path}:{line}:{column}: error: {found['message']}"]
    excerpt = source_excerpt(path, line, column)
    if len(rest) >= 2 and _CARET_LINE.fullmatch(rest[1]):  # the message shows the line already
        shown, caret, rest = rest[0], rest[1], rest[2:]
        indent = min(len(caret) - len(caret.lstrip(" ")), 2)  # TensIR's context is indented by 2
        excerpt = excerpt or [shown[indent:], caret[indent:].rstrip()]
    lines += excerpt
    lines += [_note(line) for line in rest]
    return "\n".join(lines) + "\n"


def source_excerpt(path: str, line: int, column: int) -> list[str]:
    """Line `line` of `path` and a caret under `column` (1-based; tabs kept so the caret lines
    up); nothing when the file or the line cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read().splitlines()
    except OSError:
        return []
    if not 0 < line <= len(text):
        return []
    shown = "".join(c if c == "\t" or c.isprintable() else "\ufffd" for c in text[line - 1])
    prefix = "".join(c if c == "\t" else " " for c in shown[:max(column - 1, 0)])
    return [shown, prefix + "^"]


def _note(line: str) -> str:
    text = line.strip()
    return text if text.startswith("note:") or not text else f"note: {text}"
