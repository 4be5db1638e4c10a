"""tensflo's errors (all derive from `Error`, exported as `tensflo.Error`) and the exit statuses
of the `tensflo` command they map to."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    """What `tensflo` returns to the shell."""

    OK = 0
    """The command did what was asked (for `compile`/`lift`: the function was lifted)."""
    NOT_LIFTED = 1
    """The input was fine but no verified TensIR program was found (`bench`: an output differed)."""
    USAGE = 2
    """A usage or input error: bad arguments, unreadable or malformed input, unknown component."""


class Error(Exception):
    """The base of every error tensflo raises on purpose (`tensflo.Error`)."""


class UsageError(Error):
    """A usage or input error, reported as one message without a traceback (exit status 2)."""


class PluginError(Error):
    """A plugin failed to load or to register; the message names the plugin and what went wrong."""


class UnknownComponentError(Error, LookupError):
    """No component of the asked kind has that name; the message lists the names there are."""

    def __init__(self, kind: str, name: str, available: Iterable[str],
                 failed: Iterable[str] = ()) -> None:
        self.kind, self.name, self.available = kind, name, sorted(available)
        shown = ", ".join(self.available) or "none"
        why = "".join(f"; {message}" for message in failed)
        super().__init__(f"unknown {kind} {name!r} (available: {shown}){why}")


EXTRAS = {
    "apache_beam": "beam", "scipy": "plan", "httpx": "llm", "cvc5": "cvc5", "llvmlite": "llvm",
    "torch": "torch", "jax": "jax", "jaxlib": "jax", "mlx": "mlx", "matplotlib": "plot",
}
"""The package each optional feature needs -> the extra of tensflo that installs it."""


def missing_extra(error: BaseException) -> str | None:
    """For an import of an optional package that failed because it is not installed, one line
    naming the `pip install` command; None for any other error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ModuleNotFoundError) and current.name:
            package = current.name.partition(".")[0]
            extra = EXTRAS.get(package)
            if extra is not None:
                return (f"this needs {package}, which is not installed: "
                        f"pip install 'tensflo[{extra}]'")
        current = current.__cause__ or current.__context__
    return None


def read_input(path: str) -> str:
    """The text of a file the user named; a missing or unreadable file is a `UsageError`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"{undecodable_at(path, data, e.start)}: not UTF-8: byte "
                         f"0x{data[e.start]:02x} cannot be decoded") from None


def undecodable_at(path: str, data: bytes, offset: int) -> str:
    """`path:line:col` of byte `offset` of `data` (the column counts the characters before it)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    before = data[line_start:offset].decode("utf-8", errors="replace")
    line = data.count(b"\n", 0, offset) + 1
    return f"{path}:{line}:{len(before) + 1}"
