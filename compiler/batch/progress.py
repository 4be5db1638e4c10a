"""Progress of a batch on stderr: done/total, lifted, failing and the estimated time left.

On a terminal it is one line rewritten in place; otherwise (a log, CI) a plain line at most every
`PLAIN_EVERY` seconds; `--quiet` silences it.
"""

from __future__ import annotations

import sys
import time
from typing import IO

PLAIN_EVERY = 15.0


class BatchProgress:
    def __init__(self, total: int, enabled: bool = True, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled and total > 0
        self.tty = self.stream.isatty()
        self.done = self.lifted = self.failing = 0
        self.start = time.monotonic()
        self.last_plain = self.start
        self.width = 0
        self.work_done = 0
        """Jobs done by a worker in this run (cache and journal hits cost no time)."""

    def add(self, lifted: bool, worked: bool = True) -> None:
        self.done += 1
        self.lifted += lifted
        self.failing += not lifted
        self.work_done += worked
        self.show()

    def line(self) -> str:
        text = f"{self.done}/{self.total} done, {self.lifted} lifted, {self.failing} failing"
        left = self.total - self.done
        if left and self.work_done:
            eta = (time.monotonic() - self.start) / self.work_done * left
            text += f", ETA {_duration(eta)}"
        return text

    def show(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            text = self.line()[:100]
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)
        elif time.monotonic() - self.last_plain >= PLAIN_EVERY:
            self.last_plain = time.monotonic()
            self.stream.write(f"tensflo: {self.line()}\n")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"
