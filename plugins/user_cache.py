"""Where tensflo keeps what it caches on disk: `$TENSFLO_CACHE_DIR`, else `$XDG_CACHE_HOME/tensflo`,
else `~/.cache/tensflo`. Every cache is an optimisation: a missing or unwritable directory only
makes tensflo slower."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "TENSFLO_CACHE_DIR"


def cache_dir() -> Path:
    """The directory of tensflo's on-disk caches (it may not exist yet)."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tensflo"


def write_atomically(path: Path, text: str) -> bool:
    """Replace `path` with `text` in one step (a reader sees the old or the new file, never half);
    False when it could not be written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True
