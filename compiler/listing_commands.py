"""`tensflo targets` and `tensflo plugins`: what the loaded plugins provide, and from where."""

from __future__ import annotations

import argparse
from typing import IO, Any

from tensflo.plugins.components import target_available
from tensflo.plugins.errors import ExitCode
from tensflo.plugins.hookspecs import AddCommand
from tensflo.plugins.manager import DISABLE_AUTOLOAD_ENV, Registry

from .console import write_json
from .table import table


def add_commands(command: AddCommand) -> None:
    targets = command("targets", "list the code generators and whether each works here",
                      "tensflo targets", run_targets)
    targets.add_argument("--json", action="store_true", help="print a JSON list")

    plugins = command("plugins", "list the loaded plugins, what they provide, where they came from",
                      "tensflo plugins", run_plugins)
    plugins.add_argument("--json", action="store_true", help="print a JSON list")


def run_targets(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    items: list[dict[str, Any]] = []
    for reg in registry.all("target"):
        ok, why = target_available(reg.component)
        items.append({
            "name": reg.name,
            "available": ok,
            "reason": why,
            "description": getattr(reg.component, "description", ""),
            "plugin": reg.plugin.name,
            "distribution": reg.plugin.distribution,
        })
    if args.json:
        write_json(items, out)
        return ExitCode.OK
    rows = [
        [i["name"], "yes" if i["available"] else f"no: {i['reason'] or 'unavailable'}",
         i["description"], f"{i['plugin']} ({i['distribution']})"]
        for i in items
    ]
    out.write(table(["TARGET", "AVAILABLE", "DESCRIPTION", "PLUGIN"], rows))
    for name, hint in sorted(registry.not_installed.items()):
        out.write(f"plugin {name!r} is not loaded: {hint}\n")
    return ExitCode.OK


def run_plugins(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    items: list[dict[str, Any]] = []
    for info in registry.plugins.values():
        provides: dict[str, list[str]] = {}
        ops = registry.ops_of(info.name)
        if ops:
            provides["op"] = ops
        for reg in registry.provided_by(info.name):
            provides.setdefault(reg.kind, []).append(reg.name)
        items.append({
            "name": info.name,
            "module": info.module,
            "distribution": info.dist_name,
            "version": info.dist_version,
            "entry_point": info.entry_point,
            "provides": provides,
            "hooks": registry.hooks_of(info.name),
        })
    if args.json:
        write_json(items, out)
        return ExitCode.OK
    rows = []
    for item in items:
        what = "; ".join(
            f"{kind}{'s' if len(names) > 1 else ''} {', '.join(names)}"
            for kind, names in item["provides"].items()
        ) or "hooks " + ", ".join(item["hooks"])
        where = item["distribution"] and f"{item['distribution']} {item['version']}"
        source = f"{where}, entry point {item['entry_point']}" if where else item["module"]
        rows.append([item["name"], what, source])
    out.write(table(["PLUGIN", "PROVIDES", "FROM"], rows))
    if not registry.autoload:
        out.write(f"\n{DISABLE_AUTOLOAD_ENV} is set: only tensflo's own plugins are loaded.\n")
    return ExitCode.OK
