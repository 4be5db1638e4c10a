"""A batch run: find the sources, plan one job per function, take what the journal (`--resume`)
and the cache already know, run the rest on an executor, and build the report."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from tensflo.plugins.errors import UsageError
from tensflo.plugins.manager import Registry

from ..pipeline import Options
from .cache import Journal, Recorder, ResultCache, default_cache_dir, run_id
from .compile_db import FrontendOptions, from_command_line, merged
from .compile_db import load as load_compile_db
from .discover import find_sources, plan_jobs, source_extensions
from .jobs import Entry, Job, options_fingerprint
from .progress import BatchProgress
from .report import Counters, Report

EXECUTORS = ("local", "beam")
BEAM_DEFAULT_RUNNER = "FnApiRunner"


@dataclass(frozen=True)
class BatchConfig:
    """What `tensflo compile DIR...` was asked to do (see docs/batch.md)."""

    args: tuple[str, ...]
    options: Options
    functions: tuple[str, ...] | None = None
    """Shell-style patterns of function names to lift; None for all."""
    jobs: int = 1
    executor: str = "local"
    runner: str = BEAM_DEFAULT_RUNNER
    beam_options: tuple[str, ...] = ()
    cache_dir: str | None = None
    """None: `default_cache_dir()`."""
    use_cache: bool = True
    resume: bool = False
    progress: bool = True
    compile_db: str | None = None
    """`-p DIR`: each C/C++ file is read with its settings in DIR/compile_commands.json."""


def run_batch(config: BatchConfig, registry: Registry) -> Report:
    """Lift every function the arguments name; raises `UsageError` for bad input."""
    if config.executor not in EXECUTORS:
        raise UsageError(f"unknown executor {config.executor!r} (choose from {', '.join(EXECUTORS)})")
    start = time.monotonic()
    files = find_sources(config.args, source_extensions(registry))
    fingerprint = options_fingerprint(config.options, registry)
    options_of = _options_of(config, files)
    jobs, entries = plan_jobs(files, registry, config.functions, fingerprint,
                              config.options.frontend_options, options_of)
    if config.functions and not jobs:
        raise UsageError(f"no function matches {' '.join(config.functions)} in {len(files)} "
                         f"source file{'s' if len(files) != 1 else ''}")
    root = config.cache_dir or default_cache_dir()
    cache = ResultCache(root) if config.use_cache else None
    journal = Journal(os.path.join(root, "runs", run_id(list(config.args), fingerprint,
                                                         list(config.functions or ())) + ".jsonl"))
    previous = journal.load() if config.resume else {}
    try:
        if not config.resume or not os.path.exists(journal.path):
            journal.start()
    except OSError as e:
        raise UsageError(f"cannot write to the cache directory {root}: {e.strerror or e}") from None

    progress = BatchProgress(len(jobs) + len(entries), config.progress)
    for _ in entries:
        progress.add(False, worked=False)
    todo: list[Job] = []
    hits = resumed = 0
    for job in jobs:
        known = previous.get(job.key)
        if known is not None:
            resumed += 1
        elif cache is not None and (known := cache.get(job.key)) is not None:
            hits += 1
        if known is None:
            todo.append(job)
        else:
            entries.append(known.relocated(job.file, job.line))
            progress.add(known.lifted, worked=False)

    recorder = Recorder(cache, journal)
    ran: list[Entry] = []

    def done(job: Job, entry: Entry) -> None:
        ran.append(entry)
        progress.add(entry.lifted)

    from .pool import WorkerPool, WorkerStartError  # multiprocessing: only when a batch runs

    try:
        if config.executor == "local":
            def record(job: Job, entry: Entry) -> None:
                recorder.record(job, entry)
                done(job, entry)

            with WorkerPool(config.jobs, config.options) as pool:
                pool.run(todo, record)
        else:
            from .beam_executor import run_beam

            run_beam(todo, config.options, recorder, os.path.join(root, "beam"), done,
                     jobs_at_once=config.jobs, runner=config.runner,
                     beam_options=config.beam_options)
    except WorkerStartError as e:
        raise UsageError(f"the worker processes could not start: {e}") from None
    finally:
        progress.clear()
    counters = Counters(cache_hits=hits, resumed=resumed, lifted_now=len(ran),
                        wall_seconds=time.monotonic() - start)
    return Report.of(config.options.target, entries + ran, counters)


def _options_of(config: BatchConfig, files: list[str]) -> Callable[[str], FrontendOptions]:
    """Each file's frontend options: its settings in the `-p` database, then the command line's;
    without `-p`, the command line's, a header's with the first source that includes it."""
    given = config.options.frontend_options
    if config.compile_db is None:
        database = from_command_line(files, given)
        return lambda path: database.options_for(path) if database.commands else given
    database = load_compile_db(config.compile_db)

    def options_of(path: str) -> FrontendOptions:
        return merged(database.options_for(path), given)

    return options_of


def write_modules(report: Report, out_dir: str, registry: Registry, options: Options) -> list[str]:
    """Write one module per source file with lifted functions (`-o DIR`): `a/b/gemv.cc` becomes
    `DIR/a/b/gemv_cc.py` (the target's `suffix`, `.py` when it has none). The written paths."""
    from tensflo.ir.tensir import parse_module
    from tensflo.targets.exact_ints import source_lang_options

    from ..pipeline import configured_target

    if options.target is None:
        return []
    target = configured_target(registry, options.target, dict(options.target_options))
    suffix = getattr(target, "suffix", ".py")
    by_file: dict[str, list[Entry]] = {}
    for e in report.entries:
        if e.lifted and (e.definition or e.code):
            by_file.setdefault(e.file, []).append(e)
    written = []
    for file, lifted in sorted(by_file.items()):
        buf = io.StringIO()
        defined = [e for e in lifted if e.definition]
        if defined:
            functions = parse_module("\n".join(e.definition or "" for e in defined),
                                     source=f"{file} (lifted)")
            target.emit(functions, buf, **source_lang_options(target, file))  # exact ints for .py
        for e in lifted:  # several outputs (C pointers): the module with the C-signature entry
            if not e.definition and e.code:
                buf.write(("\n\n" if buf.tell() else "") + e.code)
        path = os.path.join(out_dir, _out_name(file, suffix))
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(buf.getvalue())
        except OSError as err:
            raise UsageError(f"cannot write {path}: {err.strerror or err}") from None
        written.append(path)
    return written


def _out_name(file: str, suffix: str) -> str:
    rel = os.path.relpath(file)
    if rel.startswith(".."):
        rel = os.path.abspath(file).lstrip(os.sep)
    stem, ext = os.path.splitext(rel)
    return f"{stem}_{ext.lstrip('.')}{suffix}"


__all__ = ["BatchConfig", "run_batch", "write_modules", "EXECUTORS"]
