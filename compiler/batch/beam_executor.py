"""Running the jobs of a batch as an Apache Beam pipeline: Create(jobs) -> Reshuffle ->
ParDo(lift) -> WriteToText, then the parent reads the entries back.

The default runner is Beam's embedded `FnApiRunner` (see `tensflo.targets.beam`: nothing is
downloaded or started besides our own worker processes), with `--jobs` bundles processed by as many
threads at once. Each DoFn instance lifts through a `WorkerPool` of one process, so a job keeps its
time budget (killed after budget + grace) and a crash loses only that job, as in the local pool.
The DoFn writes the cache and the journal itself (paths only travel with it), so with a
distributed runner (`--runner FlinkRunner`, `--beam-option flink_master=...`) the cache directory
must be one every worker can reach.
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

from tensflo.targets.beam import DEFAULT_RUNNER, _import_beam

from ..pipeline import Options
from .cache import Recorder
from .jobs import Entry, Job
from .pool import WorkerPool

beam = _import_beam()

_HOOKS: dict[str, Callable[[Job, Entry], None]] = {}
"""Callbacks of the runs in this process, by token: a DoFn that runs here (the embedded runner)
reports each finished job to its run's progress; one that runs elsewhere finds no hook."""
_HOOKS_LOCK = threading.Lock()


class LiftDoFn(beam.DoFn):
    """Lifts each job in a child process with its time budget; emits the entry as a JSON line."""

    def __init__(self, options: Options, recorder: Recorder, token: str) -> None:
        self.options = replace(options, progress=None)
        self.recorder = recorder
        self.token = token
        self.pool: WorkerPool | None = None

    def setup(self) -> None:
        self.pool = WorkerPool(1, self.options)

    def process(self, job: Job) -> Any:
        assert self.pool is not None
        done: list[Entry] = []
        self.pool.run([job], lambda _job, entry: done.append(entry))
        (entry,) = done
        self.recorder.record(job, entry)
        with _HOOKS_LOCK:
            hook = _HOOKS.get(self.token)
        if hook is not None:
            hook(job, entry)
        yield json.dumps({"file": job.file, "function": job.function, "entry": entry.to_json()})

    def teardown(self) -> None:
        if self.pool is not None:
            self.pool.close()


def run_beam(jobs: Sequence[Job], options: Options, recorder: Recorder, work_dir: str,
             on_done: Callable[[Job, Entry], None], *, jobs_at_once: int,
             runner: str = DEFAULT_RUNNER, beam_options: Sequence[str] = ()) -> None:
    """Lift `jobs` on Beam; `on_done(job, entry)` is called for each (as it ends with the embedded
    runner, else once the pipeline has finished). Results pass through files in `work_dir`."""
    from apache_beam.options.pipeline_options import PipelineOptions

    if not jobs:
        return
    flags = list(beam_options)
    extra: dict[str, Any] = {"runner": runner}
    if runner == DEFAULT_RUNNER:
        given = " ".join(flags)
        if "--direct_running_mode" not in given:
            extra["direct_running_mode"] = "multi_threading"
        if "--direct_num_workers" not in given:
            extra["direct_num_workers"] = jobs_at_once
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
            with beam.Pipeline(options=PipelineOptions(flags, **extra)) as pipeline:
                (pipeline
                 | "jobs" >> beam.Create(list(jobs), reshuffle=False)
                 | "spread" >> beam.Reshuffle()
                 | "lift" >> beam.ParDo(LiftDoFn(options, recorder, token))
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
