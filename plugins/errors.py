"""Exit statuses of the `tensflo` command and the error that maps to "usage or input error"."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `tensflo` returns to the shell."""

    OK = 0
    """The command did what was asked (for `compile`/`lift`: the function was lifted)."""
    NOT_LIFTED = 1
    """The input was fine but no verified TensIR program was found (`bench`: an output differed)."""
    USAGE = 2
    """A usage or input error: bad arguments, unreadable or malformed input, unknown component."""


class UsageError(Exception):
    """A usage or input error, reported as one message without a traceback (exit status 2)."""


def read_input(path: str) -> str:
    """The text of a file the user named; a missing or unreadable file is a `UsageError`."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
