"""The on-disk result cache and the run journal of a batch.

Layout under the cache directory (default `$XDG_CACHE_HOME/tensflo/batch`, else
`~/.cache/tensflo/batch`; `$TENSFLO_CACHE_DIR` or `--cache-dir` to choose):

    results/ab/abcdef....json   one finished job: {"key": ..., "entry": {...}}
    runs/<run id>.jsonl         the journal of a run: one line per finished job, appended and
                                flushed as each job ends

The cache holds the outcomes `lifted` and `not_lifted`, a function of the job's key (the
function's loop IR, tensflo's version, the options with the time budget, and the plugins); a
`not_lifted` because the budget ran out is cached too (a larger `--timeout` is another key, and
`--no-cache` tries everything again). Errors (killed, crashed, raised) are never cached: they may
be the machine's fault. The journal holds every finished job of one run,
whatever its outcome, so `--resume` after an interruption redoes nothing, even with `--no-cache`.
Entries are written to a temporary file and renamed, so a kill never leaves half an entry; an
unreadable entry or journal line is ignored (and the job is done again).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from .jobs import Entry, Job

CACHE_ENV = "TENSFLO_CACHE_DIR"


def default_cache_dir() -> str:
    """`$TENSFLO_CACHE_DIR`, else `$XDG_CACHE_HOME/tensflo/batch`, else `~/.cache/tensflo/batch`."""
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tensflo", "batch")


def cacheable(entry: Entry) -> bool:
    """Whether an outcome may be reused: lifted or not lifted, not an error."""
    return entry.status in ("lifted", "not_lifted")


def atomic_write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class ResultCache:
    root: str

    def path(self, key: str) -> str:
        return os.path.join(self.root, "results", key[:2], f"{key}.json")

    def get(self, key: str) -> Entry | None:
        try:
            with open(self.path(key), encoding="utf-8") as f:
                data = json.load(f)
            if data.get("key") != key:
                return None
            return Entry.from_json(data["entry"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # missing or corrupt: done again and rewritten

    def put(self, key: str, entry: Entry) -> None:
        atomic_write(self.path(key), json.dumps({"key": key, "entry": entry.to_json()}))


def run_id(args: list[str], fingerprint: dict[str, Any], functions: list[str] | None) -> str:
    """Names a run by what was asked: the arguments as absolute paths, the function filter and
    the options (so `--resume` finds the journal of the same command run from the same place)."""
    text = json.dumps({"args": sorted(os.path.abspath(a) for a in args),
                       "functions": sorted(functions or []), **fingerprint}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Journal:
    path: str

    def load(self) -> dict[str, Entry]:
        """Finished jobs by key; lines cut short by a kill are skipped."""
        done: dict[str, Entry] = {}
        try:
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    try:
                        data = json.loads(line)
                        done[data["key"]] = Entry.from_json(data["entry"])
                    except (ValueError, TypeError, KeyError):
                        continue
        except OSError:
            pass
        return done

    def start(self) -> None:
        """An empty journal (a run that does not resume starts afresh)."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8"):
            pass

    def append(self, key: str, entry: Entry) -> None:
        line = json.dumps({"key": key, "entry": entry.to_json()}) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())  # one write per line: lines of parallel writers do not mix
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Recorder:
    """Writes each finished job to the journal and, when it may be reused, to the cache.

    Only paths inside, so an executor can ship it to where jobs run (a Beam worker)."""

    cache: ResultCache | None
    journal: Journal | None

    def record(self, job: Job, entry: Entry) -> None:
        if self.journal is not None:
            self.journal.append(job.key, entry)
        if self.cache is not None and cacheable(entry):
            self.cache.put(job.key, entry)
