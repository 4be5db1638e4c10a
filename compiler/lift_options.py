"""The lifting flags of `lift`, `compile` and batch compile, and the pipeline `Options` they give.

Every flag is checked before any work: unknown components, an unavailable target, and the values
of target and synthesizer options (a plugin's `configure` rejects bad ones). The pipeline is
imported on first use, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tensflo.plugins.argtypes import positive_float
from tensflo.plugins.components import Available, Configurable, target_available
from tensflo.plugins.errors import UsageError
from tensflo.plugins.hookspecs import TARGET_OPTION_PREFIX
from tensflo.plugins.manager import Registry

if TYPE_CHECKING:
    from .pipeline import Options

VERIFIERS = ("z3", "cvc5", "portfolio")


def add_arguments(sub: argparse.ArgumentParser) -> None:
    """The flags `lift` and `compile` share (after their source and function arguments)."""
    sub.add_argument("--json", action="store_true",
                     help="print the result as JSON (one object; a list for several functions)")
    sub.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                     help="time budget per function in seconds (default 60)")
    sub.add_argument("--verifier", default="z3", metavar="NAME",
                     help="z3, cvc5, or portfolio (races both); default z3")
    sub.add_argument("--synth", default="enum", metavar="LIST",
                     help="synthesizers tried when the loop-shape rules fail, comma-separated "
                          "(default enum; `none` for rules only)")
    sub.add_argument("--no-rules", dest="rules", action="store_false",
                     help="skip the loop-shape rules: only the synthesizers propose candidates "
                          "(to measure a synthesizer on its own)")
    sub.add_argument("--require-proof", default="bounded", metavar="LEVEL",
                     choices=("unbounded", "bounded", "tested"),
                     help="weakest proof accepted as lifted: unbounded, bounded (default) or "
                          "tested (random differential tests only)")
    sub.add_argument("--seed", type=int, default=0, metavar="N",
                     help="seed for random inputs and the search (default 0)")
    sub.add_argument("--tests", type=int, default=64, metavar="N",
                     help="random inputs each candidate is checked on before proving (default 64)")
    sub.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr")
    sub.add_argument("-I", dest="include", action="append", metavar="DIR",
                     help="C/C++: add DIR to the include path (repeatable)")
    sub.add_argument("-D", dest="define", action="append", metavar="NAME[=VALUE]",
                     help="C/C++: define a macro (repeatable)")
    sub.add_argument("-std", dest="std", metavar="STD",
                     help="C/C++: the language standard (c11, gnu99: C files; c++17: C++ files)")
    sub.add_argument("-p", dest="compile_db", metavar="DIR",
                     help="C/C++: read each file's -I, -D, -std from DIR/compile_commands.json "
                          "(CMake, Bear); a header is read as part of a file that includes it")


def lift_options(args: argparse.Namespace, registry: Registry, target: str | None,
                 progress: Callable[[str], None] | None = None) -> Options:
    """The pipeline `Options` of the lifting flags, each checked before any work."""
    from .pipeline import Options, configured_synthesizers, configured_target

    if args.verifier not in VERIFIERS:
        raise UsageError(f"unknown verifier {args.verifier!r} (choose from {', '.join(VERIFIERS)})")
    for v in ("z3", "cvc5") if args.verifier == "portfolio" else (args.verifier,):
        verifier = registry.get("verifier", v)
        ok, why = target_available(verifier) if isinstance(verifier, Available) else (True, "")
        if not ok:
            raise UsageError(f"verifier {v!r} is not available here: {why}")
    synth = tuple(s for s in args.synth.split(",") if s and s != "none")
    synth_options = []
    for s in synth:
        registry.registration("synthesizer", s)
        prefix = s.replace("-", "_") + "_"
        given = tuple((k[len(prefix):], v) for k, v in sorted(vars(args).items())
                      if k.startswith(prefix) and v is not None)
        if given:
            synth_options.append((s, given))
    target_options: dict[str, Any] = {}
    if target is not None:
        reg = registry.registration("target", target)
        ok, why = target_available(reg.component)
        if not ok:
            raise UsageError(f"target {target!r} is not available here: {why or 'unavailable'}")
        target_options = {k.removeprefix(TARGET_OPTION_PREFIX): v for k, v in vars(args).items()
                          if k.startswith(TARGET_OPTION_PREFIX) and v is not None}
        if target_options:
            target_options["seed"] = args.seed
            configured_target(registry, target, target_options)  # bad values fail before lifting
    if args.tests < 1:
        raise UsageError("--tests must be at least 1")
    frontend_options = tuple((k, tuple(v) if isinstance(v, list) else v)
                             for k in ("include", "define", "std")
                             if (v := getattr(args, k, None)) is not None)
    for reg in registry.all("frontend") if frontend_options else ():  # bad values fail early
        if isinstance(reg.component, Configurable):
            reg.component.configure(**dict(frontend_options))
    if getattr(args, "compile_db", None) is not None:
        from .batch.compile_db import load, merged

        database = load(args.compile_db)  # a missing or malformed database fails before any work
        if isinstance(args.source, str):  # one file: its entry's flags, then the command line's
            frontend_options = merged(database.options_for(args.source), frontend_options)
    options = Options(target=target, verifier=args.verifier, timeout=args.timeout, seed=args.seed,
                      tests=args.tests, require_proof=args.require_proof, synth=synth,
                      synth_options=tuple(synth_options), rules=args.rules,
                      progress=progress, target_options=tuple(target_options.items()),
                      frontend_options=frontend_options)
    configured_synthesizers(registry, options)  # bad synthesizer options fail before any work
    return options
