"""`tensflo compile DIR_OR_GLOB...`: the batch flags of the compile command and what they do.

Batch mode is taken when `compile` is given several sources, a directory or a glob pattern, or any
batch flag (`--jobs`, `--report`, `--resume`, `--cache-dir`, `--no-cache`, `--executor`,
`--runner`, `--beam-option`). One existing file without batch flags keeps the single-file
behaviour of `tensflo compile SRC`. See docs/batch.md.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import IO

from tensflo.plugins.argtypes import positive_int
from tensflo.plugins.errors import ExitCode, UsageError
from tensflo.plugins.manager import Registry

from ..pipeline import Options
from .discover import is_pattern
from .run import EXECUTORS, BatchConfig, run_batch, write_modules

BATCH_FLAGS = ("jobs", "report", "resume", "cache_dir", "no_cache", "executor", "runner",
               "beam_option")
REPORT_FORMATS = (".md", ".html")


def add_arguments(sub: argparse.ArgumentParser) -> None:
    """The batch flags of `tensflo compile`."""
    group = sub.add_argument_group(
        "batch mode", "several sources, a directory or a glob: every function of every C++ and "
                      "Python file, in parallel (see docs/batch.md)")
    group.add_argument("--jobs", "-j", type=positive_int, metavar="N",
                       help="functions lifted at once, each in its own process (default: the "
                            "number of CPUs)")
    group.add_argument("--report", metavar="OUT",
                       help="write the report to OUT: Markdown (.md) or HTML (.html)")
    group.add_argument("--resume", action="store_true",
                       help="continue the interrupted run of the same command: jobs it finished "
                            "are not done again")
    group.add_argument("--cache-dir", metavar="DIR",
                       help="where results and run journals are kept (default "
                            "$TENSFLO_CACHE_DIR, else $XDG_CACHE_HOME/tensflo/batch or ~/.cache/tensflo/batch)")
    group.add_argument("--no-cache", action="store_true",
                       help="neither read nor write cached results (the run journal is still kept)")
    group.add_argument("--executor", choices=EXECUTORS, metavar="NAME",
                       help="local (a process pool, default) or beam (an Apache Beam pipeline)")
    group.add_argument("--runner", metavar="NAME",
                       help="the Beam runner (default FnApiRunner, embedded; e.g. FlinkRunner, "
                            "SparkRunner, DataflowRunner); implies --executor beam")
    group.add_argument("--beam-option", action="append", metavar="KEY=VALUE",
                       help="a Beam pipeline option, e.g. flink_master=host:8081 (repeatable); "
                            "implies --executor beam")


def wants_batch(args: argparse.Namespace) -> bool:
    sources = args.source
    if len(sources) != 1 or os.path.isdir(sources[0]) or is_pattern(sources[0]):
        return True
    return any(getattr(args, flag, None) not in (None, False) for flag in BATCH_FLAGS)


def run_command(args: argparse.Namespace, registry: Registry, out: IO[str],
                options: Options) -> int:
    """Run the batch `args` ask for with lifting `options`; prints the summary or JSON on `out`."""
    executor = args.executor or ("beam" if args.runner or args.beam_option else "local")
    if executor == "local" and (args.runner or args.beam_option):
        raise UsageError("--runner and --beam-option need --executor beam")
    if args.report and os.path.splitext(args.report)[1] not in REPORT_FORMATS:
        raise UsageError(f"--report {args.report}: the report is Markdown (.md) or HTML (.html)")
    if args.output == "-" or (args.output and os.path.exists(args.output)
                              and not os.path.isdir(args.output)):
        raise UsageError(f"-o {args.output}: in batch mode -o names a directory for the "
                         "generated modules (one per source file)")
    config = BatchConfig(
        args=tuple(args.source), options=options,
        functions=tuple(args.function) if args.function else None,
        jobs=args.jobs or os.cpu_count() or 1, executor=executor,
        runner=args.runner or BatchConfig.runner,
        beam_options=tuple(_beam_flag(o) for o in args.beam_option or ()),
        cache_dir=args.cache_dir, use_cache=not args.no_cache, resume=args.resume,
        progress=not args.quiet, compile_db=getattr(args, "compile_db", None))
    report = run_batch(config, registry)
    if args.report:
        text = report.html() if args.report.endswith(".html") else report.markdown()
        try:
            with open(args.report, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise UsageError(f"cannot write {args.report}: {e.strerror or e}") from None
    if args.output:
        write_modules(report, args.output, registry, options)
    if args.json:
        json.dump(report.to_json(), out, indent=2)
        out.write("\n")
    else:
        out.write(report.text())
    return ExitCode.OK if report.all_lifted else ExitCode.NOT_LIFTED


def _beam_flag(text: str) -> str:
    key, sep, value = text.partition("=")
    key = key.strip().lstrip("-")
    if not key:
        raise UsageError(f"--beam-option {text!r}: expected KEY=VALUE")
    return f"--{key}={value}" if sep else f"--{key}"

