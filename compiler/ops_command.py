"""`tensflo ops`: the TensIR op table, as a table, in detail, as JSON or as the reference page."""

from __future__ import annotations

import argparse
import fnmatch
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from tensflo.plugins.components import RendersOps
from tensflo.plugins.errors import ExitCode, UsageError
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import Registry

from .console import write_json
from .table import table

if TYPE_CHECKING:
    from tensflo.ir.tensir import OpDef


def add_command(command: AddCommand) -> None:
    ops = command("ops", "list the TensIR ops: how each is written, its types and meaning",
                  "tensflo ops 'reduce_*'", run)
    ops.add_argument("names", nargs="*", metavar="NAME",
                     help="show only these ops, in detail (shell-style patterns allowed)")
    ops_format = ops.add_mutually_exclusive_group()
    ops_format.add_argument("--json", action="store_true", help="print a JSON list")
    ops_format.add_argument("--markdown", action="store_true",
                            help="print the reference page (docs/ops.md)")


def rendering_targets(registry: Registry) -> Callable[[OpDef], list[str]]:
    """For an op, the registered targets that render it: those whose `rendering(op)` is not None
    (a target without `rendering` reports no op)."""
    reports = [(reg.name, reg.component) for reg in registry.all("target")
               if isinstance(reg.component, RendersOps)]

    def targets_of(op: OpDef) -> list[str]:
        return sorted(name for name, target in reports if target.rendering(op) is not None)

    return targets_of


def run(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.tensir import OPS
    from tensflo.ir.tensir.reference import op_info, printed_form, render_ops_markdown

    targets_of = rendering_targets(registry)
    ops = list(OPS)
    if args.names:
        ops = [op for op in ops if any(fnmatch.fnmatchcase(op.name, p) for p in args.names)]
        if not ops:
            raise UsageError(f"no op matches {' '.join(args.names)} (see `tensflo ops`)")
    if args.markdown:
        out.write(render_ops_markdown(ops, targets=targets_of))
        return ExitCode.OK
    if args.json:
        write_json([op_info(op, targets_of(op)) for op in ops], out)
        return ExitCode.OK
    if args.names:
        for op in ops:
            info = op_info(op, targets_of(op))
            out.write(f"{info['name']}\n")
            fields = [
                ("written", info["written"]),
                ("types", "\n".join(info["types"]) or "(not enumerated)"),
                ("meaning", info["doc"]),
                ("requires", info["domain"]),
                ("family", info["family"] or ""),
                ("lemma", "yes" if info["prefix_lemma"] else "no"),
                ("targets", ", ".join(info["targets"])),
                ("from", info["origin"]),
            ]
            for key, value in fields:
                if value:
                    value = value.replace("\n", "\n" + " " * 12)
                    out.write(f"  {key + ':':<10}{value}\n")
        return ExitCode.OK
    rows = []
    plugin_ops = any(OPS.origin(op.name) != "tensflo" for op in ops)
    for op in ops:
        row = [op.name, printed_form(op), op.doc]
        if plugin_ops:
            origin = OPS.origin(op.name)
            row.append(registry.ops[op.name].name if op.name in registry.ops else origin)
        rows.append(row)
    headers = ["NAME", "WRITTEN", "MEANING"] + (["FROM"] if plugin_ops else [])
    out.write(table(headers, rows))
    out.write(f"\n{len(ops)} ops; `tensflo ops NAME` shows types and details.\n")
    return ExitCode.OK
