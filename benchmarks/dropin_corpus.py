"""The llvm drop-in over the C corpus: every lifted function of benchmarks/kernels/c (or the files
given) is written as a drop-in object, linked with the native C driver (`compiler/native_c.py`)
in place of the source, and compared with gcc -O2 of the original on inputs drawn inside the
precondition (ints exactly, floats within `single_close`). Prints a markdown table and totals.

    .venv/bin/python benchmarks/dropin_corpus.py [FILES...] [--cases 40] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prototype(sig) -> str:
    def param(p) -> str:
        return f"{p.ctype} *{p.name}" if p.pointer else f"{p.ctype} {p.name}"

    result = "void" if sig.result is None else sig.result.ctype
    return f"{result} {sig.function}({', '.join(map(param, sig.params))});\n"


def check(path: Path, cases: int, registry, tmp: Path) -> list[tuple[str, str, str]]:
    """Per function of `path`: (function, outcome, detail)."""
    from tensflo.compiler.native import build_driver
    from tensflo.compiler.native_c import (
        C_FLAGS,
        COMPILERS,
        CProgram,
        c_driver_source,
        compile_c,
        values_close,
    )
    from tensflo.compiler.pipeline import Options, compile_file, read_module
    from tensflo.ir.lifting import draw_cases
    from tensflo.plugins.c_family import clang_flags, function_signature, language_of
    from tensflo.plugins.errors import UsageError
    from tensflo.targets.llvm.dropin import build, spec_of, write

    rows = []
    module = read_module(str(path), registry)
    results = compile_file(str(path), None, registry, Options(target=None, timeout=30))
    language = language_of(str(path))
    for r in results:
        if not r.lifted:
            rows.append((r.function, "not lifted", ""))
            continue
        fn = module.function(r.function)
        try:
            sig = function_signature(str(path), r.function, clang_flags(language))
            spec = spec_of(r, fn, {p.name: p.ctype for p in sig.params},
                           None if sig.result is None else sig.result.ctype)
            obj = tmp / f"{r.function}.o"
            write(build(spec), "obj", str(obj))
        except Exception as e:  # noqa: BLE001 - a refusal is a row of the report
            rows.append((r.function, "refused", str(e).splitlines()[0][:120]))
            continue
        proto = tmp / f"{r.function}_proto.h"
        proto.write_text(prototype(sig))
        binary, _ = build_driver(proto, r.function, c_driver_source(proto, sig),
                                 cache_dir=tmp, cxx=COMPILERS[language],
                                 flags=C_FLAGS[language], suffix=".c" if language == "c" else ".cc",
                                 libraries=("-x", "none", str(obj), "-lm"))
        dropin = CProgram(proto, sig, binary)
        drawn = draw_cases(fn, module, list(r.precondition), cases, seed=1)
        if not drawn:
            rows.append((r.function, "no inputs", "none drawn inside the precondition"))
            continue
        args = [c.args for c in drawn]
        try:
            want = compile_c(path, r.function, cache_dir=tmp).run(args)
            got = dropin.run(args)
        except UsageError as e:
            rows.append((r.function, "error", str(e)[:120]))
            continue
        twin: list = []
        bad, by_twin, first = 0, 0, ""
        for k, (a, w, g) in enumerate(zip(args, want, got, strict=True)):
            scale = max([1.0, *(abs(float(x)) for v in a for x in (v if isinstance(v, list) else [v])
                                if not isinstance(x, list))])
            terms = max([1, *(len(v) for v in a if isinstance(v, list))])
            floating = any(p.floating for p in sig.params) or bool(sig.result and sig.result.floating)

            def close(w, g, scale: float = scale, terms: int = terms,
                      floating: bool = floating) -> bool:
                return values_close(w.result, g.result, scale, terms, floating) and all(
                    values_close(w.arrays[q], g.arrays[q], scale, terms, floating) for q in w.arrays)

            if close(w, g):
                continue
            if floating and not twin:  # the source's floats computed in double (native_c)
                twin = compile_c(path, r.function, cache_dir=tmp, double=True).run(args)
            if floating and close(twin[k], g):
                by_twin += 1
                continue
            bad += 1
            first = first or f"; first: {w.result} vs {g.result} on {str(a)[:60]}"
        outcome = "DIFFERS" if bad else "agrees"
        twin_note = f", {by_twin} equal to the double-precision source" if by_twin else ""
        rows.append((r.function, outcome,
                     f"{len(args) - bad}/{len(args)} cases{twin_note}{first}"))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--out")
    args = ap.parse_args()
    from tensflo.plugins.manager import load_registry

    files = [Path(f) for f in args.files] or sorted((ROOT / "benchmarks/kernels/c").glob("*.c"))
    registry = load_registry()
    lines = ["| file | function | drop-in | detail |", "|---|---|---|---|"]
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        for path in files:
            try:
                rows = check(path, args.cases, registry, Path(d))
            except Exception as e:  # noqa: BLE001 - one file's failure is a row, not the end
                rows = [("*", "error", f"{type(e).__name__}: {e}"[:120])]
            for fn, outcome, detail in rows:
                counts[outcome] = counts.get(outcome, 0) + 1
                lines.append(f"| {path.name} | {fn} | {outcome} | {detail} |")
                print(lines[-1], flush=True)
    total = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    text = "\n".join(lines) + f"\n\nTotals: {total} ({time.perf_counter() - t0:.0f} s)\n"
    if args.out:
        Path(args.out).write_text("# llvm drop-ins over the C corpus against gcc -O2\n\n"
                                  "`.venv/bin/python benchmarks/dropin_corpus.py --out "
                                  f"{args.out}`\n\n" + text)
    print(f"Totals: {total}")
    return 1 if counts.get("DIFFERS") else 0


if __name__ == "__main__":
    sys.exit(main())
