"""Lift the corpus with the `llm` synthesizer: lifted counts, rounds, tokens and time per kernel.

    .venv/bin/python benchmarks/llm_lift.py [--llm-base-url URL --llm-model M] [--only NAME ...]
                                            [--modes llm,llm-whole,llm+enum] [--timeout S]

Modes: `llm` (AST-node infilling on), `llm-whole` (whole-program re-prompting only:
--no-llm-infill) and `llm+enum` (the portfolio --synth llm,enum). Every mode runs without the
loop-shape rules (--no-rules), so what is lifted is what the synthesizers found.

With `--llm-base-url` and `--llm-model` a real endpoint is measured. Without them, the script
starts the scripted server with a *simulated model*: for each kernel it first answers a mutant of
the kernel's known program (benchmarks/results/lift_corpus.json; one op swapped for another of
the same type, chosen so that it differs from the source on the quick-check inputs), and after
feedback the known program. Asked for a masked node, it answers the known program's node if the
mask is where the mutation is, and nonsense otherwise. That measures the machinery (rounds,
prompt sizes, how often the blame finds the mutated node, checking and proving time), not how
good any model is. Writes benchmarks/results/llm_lift.md and .json.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.ir.tensir import App, Lambda, TensIRTypeError, Term, Var, evaluate, parse, print_term
from tensflo.plugins.llm.answers import HOLE, at, masked, positions
from tensflo.plugins.llm.blame import other_ops
from tensflo.plugins.manager import load_registry
from tensflo.tests.support.llm_server import Rule, ScriptedServer

ROOT = Path(__file__).resolve().parent
KERNELS = ROOT / "kernels"
RESULTS = ROOT / "results"
MODES = {"llm": ("llm", True), "llm-whole": ("llm", False), "llm+enum": ("llm,enum", True)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm-base-url")
    ap.add_argument("--llm-model")
    ap.add_argument("--modes", default="llm,llm-whole,llm+enum")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args(argv)
    modes = args.modes.split(",")
    if any(m not in MODES for m in modes):
        ap.error(f"modes are {', '.join(MODES)}")
    if bool(args.llm_base_url) != bool(args.llm_model):
        ap.error("give both --llm-base-url and --llm-model, or neither (simulated model)")

    known = {(k["kernel"], k["lang"]): k
             for k in json.loads((RESULTS / "lift_corpus.json").read_text())["kernels"]}
    files = sorted((KERNELS / "cpp").glob("*.cc")) + sorted((KERNELS / "python").glob("*.py"))
    if args.only:
        files = [f for f in files if f.stem in args.only]
    rows: list[dict[str, Any]] = []
    server = None
    with load_registry() as registry:
        if not args.llm_base_url:
            server = ScriptedServer([Rule(".", [], respond=_SimulatedModel(files, known, registry))])
            server.start()
        url = args.llm_base_url or server.url
        model = args.llm_model or "simulated"
        mutated = server.rules[0].respond.mutants if server is not None else {}
        try:
            for mode in modes:
                synth, infill = MODES[mode]
                for path in files:
                    rows.append(_run(path, mode, synth, infill, url, model, args.timeout, registry))
                    r = rows[-1]
                    r["mutant"] = (path.stem, "C++" if path.suffix == ".cc" else "Python") in mutated
                    print(f"{mode:9} {r['kernel']:24} {r['lang']:6} {r['status']:10} {r['found_by'] or '-':9} "
                          f"rounds {r['rounds']:2}  requests {r['requests']:2}  tokens "
                          f"{r['tokens']:6}  {r['seconds']:6.2f} s", file=sys.stderr)
        finally:
            if server is not None:
                server.stop()
    report = _report(rows, modes, url if args.llm_base_url else None, model, args.timeout)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "llm_lift.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "llm_lift.md").write_text(_markdown(report))
    print(_markdown(report))
    return 0


def _run(path: Path, mode: str, synth: str, infill: bool, url: str, model: str, timeout: float,
         registry: Any) -> dict[str, Any]:
    given = {"base_url": url, "model": model, "infill": infill, "no_cache": True}
    options = Options(target=None, synth=tuple(synth.split(",")), rules=False, timeout=timeout,
                      synth_options=(("llm", tuple(given.items())),))
    rel = str(path.relative_to(ROOT.parent))
    t = time.perf_counter()
    (result,) = compile_file(rel, [path.stem], registry, options)
    cost = result.synthesis.get("llm", {})
    return {
        "mode": mode, "kernel": path.stem, "lang": "cpp" if path.suffix == ".cc" else "python",
        "status": result.status, "proof": result.proof,
        "found_by": result.found_by, "rounds": cost.get("rounds", 0),
        "requests": cost.get("requests", 0), "tokens": cost.get("tokens", 0),
        "infill_rounds": cost.get("infill_rounds", 0), "sketch_fills": cost.get("sketch_fills", 0),
        "k": cost.get("k", []), "seconds": round(time.perf_counter() - t, 3),
        "reason": next((d.message for d in result.diagnostics if d.severity == "error"), ""),
    }


class _SimulatedModel:
    """Answers from the corpus' known programs: a mutant first, the program after feedback."""

    def __init__(self, files: list[Path], known: dict[tuple[str, str], dict], registry: Any) -> None:
        self.programs: dict[tuple[str, str], Term] = {}
        self.mutants: dict[tuple[str, str], Term] = {}
        for path in files:
            lang = "cpp" if path.suffix == ".cc" else "python"
            key = (path.stem, "C++" if lang == "cpp" else "Python")
            entry = known.get((path.stem, lang))
            if not entry or not entry.get("tensir"):
                continue
            fn = read_module(str(path), registry).function(path.stem)
            if fn is None:
                continue
            env = {p.name: p.type for p in fn.params}
            try:
                program = parse(entry["tensir"], env)
            except (ValueError, TensIRTypeError):
                continue
            self.programs[key] = program
            mutant = _mutant(program, [Var(p.name, p.type) for p in fn.params])
            if mutant is not None:
                self.mutants[key] = mutant

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        users = [m["content"] for m in messages if m.get("role") == "user"]
        first, prompt = users[0], users[-1]
        name = re.search(r"`(\w+)` \((C\+\+|Python)|translation of `(\w+)` \((C\+\+|Python)", first)
        key = (name.group(1) or name.group(3), name.group(2) or name.group(4)) if name else None
        program = self.programs.get(key) if key else None
        if program is None:
            return "I do not know this function."
        if HOLE in prompt:  # an infill question: answer the node if the mask is where we erred
            shown = re.search(r"^    (.*\?\?.*)$", prompt, re.M)
            for path in positions(program):
                if shown and masked(program, path) == shown.group(1).strip():
                    return f"fill: {print_term(at(program, path))}"
            return "fill: ?"
        if len(users) == 1 and key in self.mutants:
            return f"program: {print_term(self.mutants[key])}"
        return f"program: {print_term(program)}"


def _mutant(program: Term, params: list[Var]) -> Term | None:
    """The program with one op swapped for another of the same type (lambda bodies included,
    deepest first) that changes its value on small inputs."""
    import numpy as np

    rng = np.random.default_rng(0)
    envs = []
    for _ in range(8):
        env: dict[str, Any] = {}
        for p in params:
            if p.type.rank == 0:
                env[p.name] = 3 if p.type.elem == "int" else 3.0
            else:
                shape = (5,) * p.type.rank
                env[p.name] = rng.integers(-9, 10, size=shape).astype(
                    np.float64 if p.type.elem == "float" else np.int64)
        envs.append(env)

    def value(t: Term, env: dict) -> Any:
        try:
            v = evaluate(t, env)
            return v.tolist() if hasattr(v, "tolist") else v
        except Exception:
            return None

    base = [value(program, e) for e in envs]
    for mutant in _mutations(program):
        if [value(mutant, e) for e in envs] != base:
            return mutant
    return None


def _mutations(term: Term) -> Any:
    """Every term with one op replaced (children before their parent)."""
    if not isinstance(term, App):
        return
    for i, arg in enumerate(term.args):
        inner = arg.body if isinstance(arg, Lambda) else arg
        for m in _mutations(inner):
            args = list(term.args)
            args[i] = Lambda(arg.params, m) if isinstance(arg, Lambda) else m
            try:
                yield App(term.op, tuple(args))
            except TensIRTypeError:
                continue
    yield from other_ops(term)


def _report(rows: list[dict], modes: list[str], url: str | None, model: str,
            timeout: float) -> dict[str, Any]:
    totals = {}
    for mode in modes:
        rs = [r for r in rows if r["mode"] == mode]
        lifted = [r for r in rs if r["status"] == "lifted"]
        totals[mode] = {
            "kernels": len(rs), "lifted": len(lifted),
            "unbounded": sum(1 for r in lifted if r["proof"] == "unbounded"),
            "found_by": {fb: sum(1 for r in lifted if r["found_by"] == fb)
                         for fb in sorted({r["found_by"] for r in lifted})},
            "rounds": sum(r["rounds"] for r in rs), "requests": sum(r["requests"] for r in rs),
            "tokens": sum(r["tokens"] for r in rs),
            "infill_rounds": sum(r["infill_rounds"] for r in rs),
            "mutated": sum(1 for r in rs if r.get("mutant")),
            "mutated_lifted_in_2_rounds": sum(1 for r in lifted if r.get("mutant")
                                              and r["rounds"] <= 2),
            "mean_rounds_lifted": round(sum(r["rounds"] for r in lifted) / max(1, len(lifted)), 2),
            "seconds": round(sum(r["seconds"] for r in rs), 1),
        }
    return {"endpoint": url or "simulated model on the scripted server", "model": model,
            "timeout": timeout, "peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "totals": totals, "kernels": rows}


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# llm lifting ({report['endpoint']}, model {report['model']})", "",
             "Command: `.venv/bin/python benchmarks/llm_lift.py`. Without a real endpoint the "
             "answers come from a simulated model (a mutant, then the known program), so this "
             "measures the machinery, not a model.", "",
             "| mode | kernels | lifted | unbounded | found by | first answer wrong | of those "
             "lifted by round 2 | rounds | requests | tokens | infill rounds | mean rounds (lifted) "
             "| seconds |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for mode, t in report["totals"].items():
        found = ", ".join(f"{k} {v}" for k, v in t["found_by"].items())
        lines.append(f"| {mode} | {t['kernels']} | {t['lifted']} | {t['unbounded']} | {found} | "
                     f"{t['mutated']} | {t['mutated_lifted_in_2_rounds']} | "
                     f"{t['rounds']} | {t['requests']} | {t['tokens']} | {t['infill_rounds']} | "
                     f"{t['mean_rounds_lifted']} | {t['seconds']} |")
    lines += ["", f"Peak RSS {report['peak_rss_mb']} MB.", "",
              "| mode | kernel | lang | status | found by | rounds | requests | tokens | seconds | reason |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["kernels"]:
        lines.append(f"| {r['mode']} | {r['kernel']} | {r['lang']} | {r['status']} | {r['found_by'] or ''} | "
                     f"{r['rounds']} | {r['requests']} | {r['tokens']} | {r['seconds']} | "
                     f"{r['reason'][:80]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
