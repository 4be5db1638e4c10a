"""A small pool of worker processes that lift one job at a time each, with a time budget.

`concurrent.futures.ProcessPoolExecutor` gives up on every job when one worker dies, so the pool
keeps its own processes (multiprocessing, `spawn`: a fresh interpreter that loads the plugin
registry itself). A job that runs longer than its budget plus a grace period is killed, one whose
worker dies (`os._exit`, a segfault in a native library) is reported as such; in both cases the
worker is replaced and the other jobs go on. The Beam executor runs each job through a pool of
one worker, so both executors share this code.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..pipeline import Options
from .jobs import Entry, Job, failed_entry

STARTUP_TIMEOUT = 120.0
"""Seconds a new worker may take to import tensflo and load its plugins."""
STARTUP_FAILURES = 3
"""Workers in a row that fail to start before the batch gives up."""


def grace_seconds(timeout: float) -> float:
    """How long past its budget a job may run before it is killed: a quarter of the budget,
    at least 2 and at most 30 seconds (the pipeline watches its own deadline; this is for code
    that does not)."""
    return min(30.0, max(2.0, timeout / 4))


class WorkerStartError(Exception):
    """A worker process could not start (its plugins failed to load); the message says why."""


def _worker_main(conn: Any, parent: int) -> None:
    """A worker: load the plugins, then lift each job it is sent until told to stop."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        from tensflo.plugins.manager import load_registry

        from .jobs import run_job

        registry = load_registry()
    except Exception as e:  # noqa: BLE001 - reported to the parent as it is
        conn.send(("failed", f"{type(e).__name__}: {e}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        job, options = msg
        conn.send(("done", job.key, run_job(job, options, registry)))


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (killed with SIGKILL, it cannot tell its workers)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


class _Worker:
    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, os.getpid()),
                                name="tensflo-batch-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.born = time.monotonic()
        self.job: Job | None = None
        self.started = 0.0

    def send(self, job: Job, options: Options) -> None:
        self.job, self.started = job, time.monotonic()
        self.conn.send((job, options))

    def stop(self, kill: bool = False) -> None:
        if self.proc.is_alive() and not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(2.0)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5.0)
        self.conn.close()


class WorkerPool:
    """`size` worker processes; `run(jobs, on_done)` lifts every job and calls `on_done(job, entry)`
    in this process as each one ends. Close it (or use `with`) to stop the workers."""

    def __init__(self, size: int, options: Options) -> None:
        self.size = max(1, size)
        self.options = replace(options, progress=None)  # a callable of this process stays here
        self.budget = options.timeout + grace_seconds(options.timeout)
        self.ctx = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.failed_starts = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            w.stop(kill=w.job is not None)
        self.workers = []

    def run(self, jobs: Sequence[Job], on_done: Callable[[Job, Entry], None]) -> None:
        pending = deque(jobs)
        while len(self.workers) < min(self.size, len(pending)):
            self.workers.append(_Worker(self.ctx))
        while pending or any(w.job is not None for w in self.workers):
            for w in self.workers:
                if w.ready and w.job is None and pending:
                    w.send(pending.popleft(), self.options)
            now = time.monotonic()
            waits = [w.started + self.budget - now for w in self.workers if w.job is not None]
            waits += [w.born + STARTUP_TIMEOUT - now for w in self.workers if not w.ready]
            timeout = max(0.0, min(waits, default=1.0))
            handles = [h for w in self.workers for h in (w.conn, w.proc.sentinel)]
            multiprocessing.connection.wait(handles, timeout=min(timeout, 1.0))
            alive = [w for w in list(self.workers) if self._serve(w, on_done)]
            busy = sum(w.job is not None for w in alive)
            while len(alive) < min(self.size, busy + len(pending)):
                alive.append(_Worker(self.ctx))  # in place of one killed or dead
            self.workers = alive

    def _serve(self, w: _Worker, on_done: Callable[[Job, Entry], None]) -> bool:
        """Handle what a worker said or did; False when it is gone and must be replaced."""
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "ready":
                    w.ready, self.failed_starts = True, 0
                elif msg[0] == "failed":
                    w.stop()
                    raise WorkerStartError(msg[1])
                elif msg[0] == "done" and w.job is not None:
                    job, w.job = w.job, None
                    on_done(job, Entry.from_json(msg[2]))
        except (EOFError, OSError):
            pass
        now = time.monotonic()
        if w.job is not None and now - w.started > self.budget:
            job, w.job = w.job, None
            w.stop(kill=True)
            on_done(job, failed_entry(job, f"killed after {self.budget:g} s (time budget "
                                           f"{self.options.timeout:g} s + "
                                           f"{grace_seconds(self.options.timeout):g} s grace)",
                                      seconds=now - w.started))
            return False
        if not w.proc.is_alive():
            w.proc.join()
            if w.job is not None:
                job, w.job = w.job, None
                on_done(job, failed_entry(job, f"the worker process died ({_exit_text(w.proc)})",
                                          seconds=now - w.started))
            elif not w.ready:
                self.failed_starts += 1
                if self.failed_starts >= STARTUP_FAILURES:
                    raise WorkerStartError(f"worker processes exit at start ({_exit_text(w.proc)})")
            w.conn.close()
            return False
        if not w.ready and now - w.born > STARTUP_TIMEOUT:
            w.stop(kill=True)
            raise WorkerStartError(f"a worker process did not start in {STARTUP_TIMEOUT:g} s")
        return True


def _exit_text(proc: Any) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"
