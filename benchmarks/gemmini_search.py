"""Gemmini schedule search on GEMM and convolution shapes: naive, library and searched schedules.

    .venv/bin/python benchmarks/gemmini_search.py [--budget 80] [--depth 8] [--seconds 60]
        [--transfer-budget 12] [--seed 0] [--suite base|resnet50|bert|all] [--only NAME ...]
        [--out benchmarks/results/gemmini_search.md]

Suites: `base` (the original six shapes), `resnet50` (ResNet-50's 1x1 convolutions as GEMMs
and its 3x3 convolutions, batch 4, the layer shapes the Gemmini paper and Autocomp evaluate) and
`bert` (BERT-base at sequence length 512: the QKV/output projections, the two feed-forward GEMMs
and one attention head's two products).

For each workload: cycles and utilisation of the naive schedule (one block at a time, fenced), the
library schedule (what `tiled_matmul_auto` of gemmini.h issues: its tiling, and each tile's
`gemmini_loop_ws` as Gemmini's LoopMatmul unrolls it; docs/gemmini.md, "Baselines") and the best
schedule beam search finds from the library one; search time. The library and searched programs
are run in full on the emulator and compared with NumPy; the naive programs only through the cycle model (it needs only the
instruction stream; the tests check naive programs' results on smaller shapes). Then schedule
transfer: what was found for one convolution reused on the other, as parameters (`transfer`) and
as the sequence of menu steps (`replay`), and short searches started from the transferred
schedule and from the library one with the same budget. Each workload's lower bound on cycles
in the model (`bound.lower_bound`) shows how much faster than the library any schedule could be.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cycles import measure
from tensflo.targets.gemmini.direct import parse_model
from tensflo.targets.gemmini.emulator import run
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import NAIVE, library
from tensflo.targets.gemmini.search import (
    Evaluator,
    SearchConfig,
    beam_search,
    geomean,
    replay,
    transfer,
)
from tensflo.targets.gemmini.trace import trace
from tensflo.targets.gemmini.workload import conv2d, conv2d_image, gemm

WORKLOADS = [
    (gemm(512, 512, 512), True),
    (gemm(12544, 256, 64), False),
    (gemm(3136, 512, 128), True),
    (gemm(784, 256, 1024), True),
    (conv2d(4, 56, 64, 64), False),
    (conv2d(4, 28, 128, 128), False),
    (conv2d(4, 14, 128, 128), True),
]
"""(workload, compute-bound): a GEMM is called compute-bound when K >= 128 (each output block
needs at least 8 block products, so its DMA can hide behind compute).

The shapes Autocomp (arXiv:2505.18574) evaluates on Gemmini, as its repository defines them
(ucb-bar/autocomp at 4366273, `tests/exo/test0-5.c`: MAT_DIM_I x MAT_DIM_J x MAT_DIM_K;
`tests/exo-conv/test0,2,3.c`: N, P x Q, C -> K, 3 x 3, stride 1): the GEMMs 512^3 (test0),
12544 x 256 x 64 (test1), 3136 x 512 x 128 (test3) here, 12544 x 64 x 256 (test2),
3136 x 128 x 512 (test4) and 784 x 1024 x 256 (test5) in `RESNET50`; the convolutions
4 x 56 x 56, 64 -> 64 (test0) and 4 x 14 x 14, 128 -> 128 (test3) here, 4 x 14 x 14,
256 -> 256 (test2) in `RESNET50`. Autocomp's tests write int8 outputs (its convolutions add an
int32 bias); these workloads write the int32 sums without bias (the same MACs and input bytes,
4x the output bytes, which no bound here is set by)."""

RESNET50 = [  # batch 4; 1x1 convolutions are GEMMs (pixels x out channels x in channels)
    (gemm(12544, 64, 256, name="resnet50_conv2_1x1_reduce"), True),
    (gemm(3136, 128, 512, name="resnet50_conv3_1x1_reduce"), True),
    (gemm(784, 1024, 256, name="resnet50_conv4_1x1_expand"), True),
    (gemm(196, 512, 2048, name="resnet50_conv5_1x1_reduce"), True),
    (gemm(196, 2048, 512, name="resnet50_conv5_1x1_expand"), True),
    (conv2d(4, 14, 256, 256, name="resnet50_conv4_3x3"), True),
    (conv2d(4, 7, 512, 512, name="resnet50_conv5_3x3"), True),
    (conv2d_image(4, 56, 56, 128, 128, kernel=3, stride=2, pad=1,
                  name="resnet50_conv3_3x3_stride2"), True),
    (gemm(4, 1000, 2048, name="resnet50_fc"), False),
]
BERT = [  # BERT-base, sequence length 512, hidden 768, 12 heads of 64, feed-forward 3072
    (gemm(512, 768, 768, name="bert_qkv_projection"), True),
    (gemm(512, 3072, 768, name="bert_ffn_up"), True),
    (gemm(512, 768, 3072, name="bert_ffn_down"), True),
    (gemm(512, 512, 64, name="bert_attention_scores"), False),
    (gemm(512, 64, 512, name="bert_attention_values"), True),
]
SUITES = {"base": WORKLOADS, "resnet50": RESNET50, "bert": BERT,
          "all": WORKLOADS + RESNET50 + BERT}


def _check(w, s, seed: int) -> bool:
    x = w.inputs(np.random.default_rng(seed))
    out = run(build(w, s), x)
    return all(np.array_equal(out[k], v) for k, v in w.reference(x).items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=80, help="schedules measured per workload")
    ap.add_argument("--depth", type=int, default=8, help="search steps")
    ap.add_argument("--seconds", type=float, default=60.0,
                    help="search time limit per workload (the budget may end it sooner)")
    ap.add_argument("--suite", choices=tuple(SUITES), default="base")
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME",
                    help="only these workloads of the suite")
    ap.add_argument("--transfer-budget", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/gemmini_search.md")
    ap.add_argument("--cycle-model", default=None, metavar="KEY=N,...",
                    help="cycle model parameters other than the defaults (e.g. tlb_miss=100)")
    args = ap.parse_args(argv)
    model = parse_model(args.cycle_model)

    workloads = [(w, b) for w, b in SUITES[args.suite] if args.only is None or w.name in args.only]
    if not workloads:
        ap.error(f"no workload of suite {args.suite} is named {' or '.join(args.only or [])}")
    rows, speedups, headroom, gaps, found, steps, measured = [], [], [], [], {}, {}, {}
    for w, compute_bound in workloads:
        t0 = time.perf_counter()
        naive = measure(trace(build(w, NAIVE)), model)
        lib_s = library(w)
        ev = Evaluator(w, model, seed=args.seed)
        lib = ev.measure(lib_s)
        # candidates are not run on the emulator during the search (the generator is tested to
        # compute the reference for every schedule it accepts); the library and best schedules
        # are, after it
        config = SearchConfig(depth=args.depth, budget=args.budget, seed=args.seed,
                              seconds=args.seconds, check=False)
        result = beam_search(w, lib_s, config, evaluator=ev)
        best = result.best
        ok = _check(w, lib_s, args.seed + 1) and _check(w, best.schedule, args.seed + 1)
        found[w.name], steps[w.name], measured[w.name] = best.schedule, best.steps, result.measured
        speedups.append(lib.cycles / best.cycles)
        low = lower_bound(w, model)
        headroom.append(lib.cycles / low.cycles)
        gaps.append(best.cycles / low.cycles)
        rows.append([w.name, f"{w.m}x{w.n}x{w.k}", "yes" if compute_bound else "no",
                     f"{naive.cycles:,}", f"{naive.utilisation:.1%}", f"{lib.cycles:,}",
                     f"{lib.utilisation:.1%}", f"{best.cycles:,}", f"{best.report.utilisation:.1%}",
                     f"{lib.cycles / best.cycles:.2f}x", f"{low.cycles:,} ({low.limit})",
                     f"{low.utilisation:.1%}", f"{lib.cycles / low.cycles:.2f}x",
                     f"{best.cycles / low.cycles:.3f}", f"{result.seconds:.0f}",
                     str(result.measured), "yes" if ok else "NO", ", ".join(best.steps)])
        print(f"{w.name}: naive {naive.cycles} lib {lib.cycles} best {best.cycles} "
              f"({best.report.utilisation:.1%}) in {time.perf_counter() - t0:.0f}s; "
              f"{best.schedule}", file=sys.stderr, flush=True)

    bound_util = [float(r[8].rstrip("%")) for r, (_, b) in zip(rows, workloads, strict=True) if b]
    lines = _table(args, rows, speedups, headroom, gaps, bound_util)
    src, dst = WORKLOADS[5][0], WORKLOADS[4][0]
    if src.name in found and dst.name in found:
        lines += _transfer(args, src, dst, found, steps, measured)
    text = "\n".join(lines)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


def _transfer(args, src, dst, found, steps, measured) -> list[str]:
    """Schedule transfer: conv 28x28x128 -> conv 56x56x64, same budget from two starts."""
    ev = Evaluator(dst, parse_model(args.cycle_model), seed=args.seed)
    moved = transfer(found[src.name], dst)
    cfg = SearchConfig(depth=args.depth, budget=args.transfer_budget, seed=args.seed)
    from_lib = beam_search(dst, library(dst), cfg, evaluator=ev)
    from_moved = beam_search(dst, moved, cfg, evaluator=ev)
    replayed = replay(steps[src.name], dst, evaluator=ev)
    transfer_rows = [
        ["library schedule", f"{ev.measure(library(dst)).cycles:,}", "0"],
        [f"transferred from {src.name} (no search)", f"{ev.measure(moved).cycles:,}", "0"],
        [f"steps of {src.name} replayed ({', '.join(steps[src.name])})",
         f"{replayed.best.cycles:,}", str(replayed.measured)],
        [f"search from library, budget {args.transfer_budget}", f"{from_lib.best.cycles:,}",
         str(from_lib.measured)],
        [f"search from transferred, budget {args.transfer_budget}", f"{from_moved.best.cycles:,}",
         str(from_moved.measured)],
        [f"full search on {dst.name}, budget {args.budget}",
         f"{ev.measure(found[dst.name]).cycles:,}", str(measured[dst.name])],
    ]
    return [
        f"## Schedule transfer: {src.name} -> {dst.name}",
        "",
        f"Transferred schedule: `{moved}`",
        "",
        "| start | cycles | schedules measured |",
        "| --- | --- | --- |",
        *("| " + " | ".join(r) + " |" for r in transfer_rows),
        "",
    ]


def _table(args, rows, speedups, headroom, gaps, bound_util) -> list[str]:
    header = ["workload", "MxNxK", "compute-bound", "naive cycles", "naive util", "library cycles",
              "library util", "searched cycles", "searched util", "searched vs library",
              "bound cycles (limit)", "bound util", "library / bound", "searched / bound",
              "search s", "measured", "emulator == NumPy", "steps of the best schedule"]
    lines = [
        "# Gemmini schedule search",
        "",
        f"Command: `.venv/bin/python benchmarks/gemmini_search.py --budget {args.budget} "
        f"--depth {args.depth} --seconds {args.seconds:g} --transfer-budget "
        f"{args.transfer_budget} --seed {args.seed} --suite {args.suite}"
        f"{' --cycle-model ' + args.cycle_model if args.cycle_model else ''}"
        f"{' --only ' + ' '.join(args.only) if args.only else ''}` "
        f"(Python {platform.python_version()}, {platform.machine()}).",
        f"Cycles from tensflo's Gemmini cycle model (docs/gemmini.md"
        f"{'; with ' + args.cycle_model if args.cycle_model else ''}), not hardware. Beam width 3, "
        f"depth {args.depth}, 3 options per candidate, 2 variants per option, menu dropout 0.2; "
        f"search time limit {args.seconds:g} s (no new schedule is measured after it); "
        "candidates are not run on the emulator during the search, the library and the best "
        "schedule of each workload are, afterwards, on seeded random inputs (column "
        "`emulator == NumPy`).",
        "Library schedule: `tiled_matmul_auto`'s tile sizes (gemmini-rocc-tests include/gemmini.h "
        "at 0015b1af) and the instructions its per-tile `gemmini_loop_ws` unrolls to in "
        "Gemmini's LoopMatmul (mvins of up to 4 blocks, the last of a row shorter; weights "
        "reused over i; alternating scratchpad and accumulator halves; one fence at the end), "
        "issued in program order with the block order j, k, i of the header's explicit loop "
        "(the unroller runs k, j, i with a decoupled store unit); see docs/gemmini.md, "
        "\"Baselines\".",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        f"Geomean speedup of searched over library: **{geomean(speedups):.2f}x** "
        f"(goal: 2x). Utilisation on the compute-bound GEMMs: "
        f"{', '.join(f'{u:.1f}%' for u in bound_util)} (goal: >= 70%).",
        "",
        "Bound: the fewest cycles any schedule can take in the model (`bound.lower_bound`), the "
        "largest of MACs / 256, input bytes / 16 and output bytes / 16 (the load and store "
        "queues each move 16 B per cycle and overlap), and the execute queue's preloads and "
        "computes (`max(rows, 4)` cycles per compute, at least 4 per preload, one real preload "
        "per weight block); `bound util` is the utilisation it allows. `library / bound` is the "
        "largest speedup over the library any schedule could give: geomean "
        f"**{geomean(headroom):.2f}x**, so the 2x goal is "
        f"{'within' if geomean(headroom) >= 2 else 'out of'} reach in this model. Searched "
        f"schedules take {min(gaps):.3f}-{max(gaps):.3f} times the bound "
        f"(geomean {geomean(gaps):.3f}).",
        "",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
