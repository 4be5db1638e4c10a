"""`tensflo plan`: choose devices for lifted kernels (registered through `tensflo_register_commands`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from tensflo.plugins.errors import ExitCode, UsageError
from tensflo.plugins.hookspecs import AddCommand, hookimpl
from tensflo.plugins.manager import Registry

HELP = ("choose the cheapest set of devices and the assignment of kernels to them that meets "
        "the latency SLO (Mélange-style)")
EXAMPLE = ("tensflo plan --catalogue examples/plan/devices.toml --workload "
           "examples/plan/workload.toml --profile examples/plan/gpus.csv "
           "--profile examples/plan/bench/gemm.json")


@hookimpl
def tensflo_register_commands(add_command: AddCommand) -> None:
    cmd = add_command("plan", HELP, EXAMPLE, _cmd_plan)
    cmd.add_argument("--catalogue", required=True, metavar="DEVICES.toml",
                     help="device types: price per hour, optional count limit and runners")
    cmd.add_argument("--workload", required=True, metavar="WORKLOAD.toml",
                     help="kernels: request rate, input size, optional SLO")
    cmd.add_argument("--profile", action="append", required=True, metavar="FILE",
                     help="measured latency (and throughput) per kernel, runner and size: "
                          "`tensflo bench --json` output (.json) or a table (.toml, .csv); "
                          "repeatable")
    cmd.add_argument("--slo-ms", type=_positive, metavar="X",
                     help="latency SLO in ms for every kernel (replaces the workload's SLOs)")
    cmd.add_argument("--method", choices=("auto", "exact", "greedy"), default="auto",
                     help="exact: integer program (HiGHS); greedy; auto: exact within the time "
                          "limit, greedy if it finds nothing or better (default: %(default)s)")
    cmd.add_argument("--time-limit", type=_positive, default=10.0, metavar="S",
                     help="seconds for each exact solve (default: %(default)s)")
    cmd.add_argument("--slices", type=int, default=1, metavar="N",
                     help="a kernel's traffic may be divided among device types in N equal "
                          "slices (default %(default)s: one device type per kernel)")
    cmd.add_argument("--json", action="store_true", help="print the plan as JSON")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number > 0")
    return value


def _cmd_plan(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from .inputs import load_catalogue, load_profile, load_workload
    from .planner import plan, to_json
    from .render import render

    if not 1 <= args.slices <= 64:
        raise UsageError(f"--slices must be between 1 and 64, not {args.slices}")
    devices = load_catalogue(args.catalogue)
    demands = load_workload(args.workload, args.slo_ms)
    profile = load_profile(args.profile)
    unknown = [d for d in demands if d.kernel not in profile.kernels]
    if unknown:
        known = ", ".join(sorted(profile.kernels)) or "none"
        raise UsageError(f"{args.workload}: kernels.{unknown[0].name}: no profile measures kernel "
                         f"{unknown[0].kernel!r} (measured: {known})")
    report = plan(devices, demands, profile, slices=args.slices, method=args.method,
                  time_limit=args.time_limit)
    if args.json:
        json.dump(to_json(report), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(render(report))
    if report.best.feasible:
        return ExitCode.OK
    names = ", ".join(name for name, _ in report.best.infeasible) or report.best.note
    print(f"tensflo plan: no plan meets the SLOs: {names}", file=sys.stderr)
    return ExitCode.NOT_LIFTED
