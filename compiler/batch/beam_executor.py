"""Running the jobs of a batch as an Apache Beam pipeline: Create(jobs) -> Reshuffle ->
ParDo(lift) -> WriteToText, then the parent reads the entries back.

The default runner is Beam's embedded `FnApiRunner` (see `tensflo.targets.beam`: nothing is
downloaded or started besides our own worker processes), in memory with one bundle processor. The
DoFn lifts the jobs of each bundle through a `WorkerPool` of `--jobs` processes kept for the DoFn's
life: jobs of very different lengths are shared out as workers free up (Beam's own threads would
split a bundle into fixed parts up front), a job keeps its time budget (killed after budget +
grace) and a crash loses only that job, as in the local pool. With a distributed runner each Beam
worker does the same with its bundles.
The DoFn writes the cache and the journal itself (paths only travel with it), so with a
distributed runner (`--runner FlinkRunner`, `--beam-option flink_master=...`) the cache directory
must be one every worker can reach. `--runner PortableRunner --beam-option job_endpoint=HOST:PORT`
(with `environment_type=EXTERNAL` and `environment_config=` a worker pool) submits the job to a
Beam job service: the one `tensflo flo serve` starts on this machine
(`tensflo.targets.beam_portable`), or a Flink or Spark job server.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from tensflo.targets.beam import DEFAULT_RUNNER, import_beam, pipeline_options

from ..pipeline import Options
from .cache import Recorder
from .jobs import Entry, Job
from .pool import WorkerPool

beam = import_beam()
from apache_beam import DoFn  # noqa: E402 (after beam's quiet import)
from apache_beam.transforms.window import GlobalWindows  # noqa: E402

_HOOKS: dict[str, Callable[[Job, Entry], None]] = {}
"""Callbacks of the runs in this process, by token: a DoFn that runs here (the embedded runner)
reports each finished job to its run's progress; one that runs elsewhere finds no hook."""
_HOOKS_LOCK = threading.Lock()
_POOLS: set[WorkerPool] = set()
"""Pools of the DoFns set up in this process, closed when the run ends even if a runner does
not call `teardown` (their workers are not daemons: they would keep the interpreter from exiting)."""


class LiftDoFn(DoFn):
    """Lifts the jobs of each bundle through a pool of `size` worker processes (each job with its
    time budget, as in the local pool); emits each entry as a JSON line."""

    def __init__(self, options: Options, recorder: Recorder, token: str, size: int) -> None:
        self.options = replace(options, progress=None)
        self.recorder = recorder
        self.token = token
        self.size = size
        self.pool: WorkerPool | None = None
        self.bundle: list[Job] = []

    def setup(self) -> None:
        self.pool = WorkerPool(self.size, self.options)
        with _HOOKS_LOCK:
            _POOLS.add(self.pool)

    def start_bundle(self) -> None:
        self.bundle = []

    def process(self, job: Job) -> None:
        self.bundle.append(job)

    def finish_bundle(self) -> Any:
        assert self.pool is not None
        done: list[tuple[Job, Entry]] = []

        def finished(job: Job, entry: Entry) -> None:
            self.recorder.record(job, entry)
            with _HOOKS_LOCK:
                hook = _HOOKS.get(self.token)
            if hook is not None:
                hook(job, entry)
            done.append((job, entry))

        self.pool.run(self.bundle, finished)
        self.bundle = []
        for job, entry in done:
            line = json.dumps({"file": job.file, "function": job.function,
                               "entry": entry.to_json()})
            yield GlobalWindows.windowed_value(line)

    def teardown(self) -> None:
        if self.pool is not None:
            self.pool.close()
            with _HOOKS_LOCK:
                _POOLS.discard(self.pool)


def run_beam(jobs: Sequence[Job], options: Options, recorder: Recorder, work_dir: str,
             on_done: Callable[[Job, Entry], None], *, jobs_at_once: int,
             runner: str = DEFAULT_RUNNER, beam_options: Sequence[str] = ()) -> None:
    """Lift `jobs` on Beam; `on_done(job, entry)` is called for each (as it ends with the embedded
    runner, else once the pipeline has finished). Results pass through files in `work_dir`."""

    if not jobs:
        return
    by_id = {(job.file, job.function): job for job in jobs}
    reported: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def hook(job: Job, entry: Entry) -> None:
        with lock:
            reported.add((job.file, job.function))
            on_done(job, entry)

    os.makedirs(work_dir, exist_ok=True)
    token = os.urandom(8).hex()
    with _HOOKS_LOCK:
        _HOOKS[token] = hook
    try:
        with tempfile.TemporaryDirectory(prefix="beam-", dir=work_dir) as out_dir:
            prefix = os.path.join(out_dir, "entries")
            with beam.Pipeline(options=pipeline_options(runner, beam_options)) as pipeline:
                (pipeline
                 | "jobs" >> beam.Create(list(jobs), reshuffle=False)
                 | "spread" >> beam.Reshuffle()
                 | "lift" >> beam.ParDo(LiftDoFn(options, recorder, token, jobs_at_once))
                 | "write" >> beam.io.WriteToText(prefix))
            for path in sorted(glob.glob(prefix + "*")):
                with open(path, encoding="utf-8") as f:
                    for line in f:
                        data = json.loads(line)
                        job = by_id[data["file"], data["function"]]
                        if (job.file, job.function) not in reported:
                            hook(job, Entry.from_json(data["entry"]))
    finally:
        with _HOOKS_LOCK:
            _HOOKS.pop(token, None)
            pools = list(_POOLS)
            _POOLS.clear()
        for pool in pools:
            pool.close()
