"""Lift every top-level function of benchmarks/kernels/python_real and check the lifted ones.

    .venv/bin/python benchmarks/python_real_corpus.py [--timeout S] [--json OUT] [--no-check]
                                                      [--only NAME ...]

Each function goes through the pipeline as `tensflo compile FILE --function NAME --target numpy`
does. A lifted one is then run against CPython: on inputs inside its `requires` (the differential
check, floats within its tolerance) and on 60 edge inputs (empty and mismatched lists, scalars of
both signs), where the generated code must give CPython's value or raise what CPython raises (or
`OutsidePrecondition`, which `except IndexError`/`ValueError`/`ZeroDivisionError` catch), never
another value. Prints one line per function and the totals.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from tensflo.compiler.differential import check_compiled, load_module
from tensflo.compiler.pipeline import CompileResult, Options, compile_file
from tensflo.ir.lifting.inputs import same
from tensflo.plugins.manager import Registry, load_registry

CORPUS = Path(__file__).resolve().parent / "kernels" / "python_real"


def edge_inputs(result: CompileResult, rng: random.Random) -> list[Any]:
    """Arguments of the parameters' types, lists empty or short and of unrelated lengths."""
    def scalar(elem: str) -> Any:
        return rng.randint(-3, 5) if elem == "int" else rng.uniform(-3, 5)

    args: list[Any] = []
    for p in result.params:
        n = rng.choice([0, 0, 1, 2, 3])
        if p.type.rank == 0:
            args.append(scalar(p.type.elem))
        elif p.type.rank == 1:
            args.append([scalar(p.type.elem) for _ in range(n)])
        else:
            m = rng.choice([0, 1, 2])
            args.append([[scalar(p.type.elem) for _ in range(m)] for _ in range(n)])
    return args


def outcome(fn: Any, args: list[Any]) -> tuple[str, Any]:
    try:
        return "value", fn(*args)
    except Exception as e:
        return "raise", type(e)


def check(path: Path, result: CompileResult, registry: Registry) -> dict[str, Any]:
    assert result.code is not None
    report = check_compiled(str(path), result, registry, count=100)
    generated = getattr(load_module(result.code, result.function), result.function)
    namespace: dict[str, Any] = {"__name__": "source"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    source = namespace[result.function]
    rng = random.Random(0)
    wrong = 0
    for _ in range(60):
        args = edge_inputs(result, rng)
        want, got = outcome(source, args), outcome(generated, args)
        if want[0] == "raise":
            wrong += not (got[0] == "raise" and issubclass(got[1], want[1]))
        elif got[0] == "value":
            wrong += not same(want[1], got[1])
    return {"cases": report.cases, "failures": len(report.failures),
            "largest_error": report.largest_error, "edge_inputs": 60, "edge_wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per function")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--no-check", action="store_true", help="do not run the lifted functions")
    ap.add_argument("--only", nargs="*", help="function names to run")
    args = ap.parse_args(argv)
    rows = []
    with load_registry() as registry:
        options = Options(target="numpy", timeout=args.timeout)
        for path in sorted(CORPUS.glob("*.py")):
            names = [d.name for d in ast.parse(path.read_text()).body if isinstance(d, ast.FunctionDef)]
            for name in names:
                if args.only and name not in args.only:
                    continue
                start = time.perf_counter()
                (r,) = compile_file(str(path), [name], registry, options)
                row = {"file": path.name, "function": name, "status": r.status, "proof": r.proof,
                       "arithmetic": r.arithmetic, "requires": r.requires,
                       "seconds": round(time.perf_counter() - start, 2),
                       "reason": next((d.message for d in r.diagnostics if d.severity == "error"), "")}
                if r.lifted and not args.no_check:
                    row["check"] = check(path, r, registry)
                rows.append(row)
                print(f"{name:32s} {r.status:10s} {r.proof:9s} {row.get('check', row['reason'][:90])}",
                      flush=True)
    lifted = [r for r in rows if r["status"] == "lifted"]
    wrong = sum(r["check"]["failures"] + r["check"]["edge_wrong"] for r in lifted if "check" in r)
    by_proof = {p: sum(r["proof"] == p for r in lifted) for p in ("unbounded", "bounded", "tested")}
    by_arith = {a: sum(r["arithmetic"] == a for r in lifted) for a in ("integer", "real")}
    times = [r["seconds"] for r in lifted] or [0.0]
    print(f"functions {len(rows)}, lifted {len(lifted)} {by_proof} {by_arith}, wrong results {wrong}, "
          f"lifting time median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
