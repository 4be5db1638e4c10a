"""The command-line options a plugin adds, recorded as data so that a later run can put them on
the parser without importing the plugin.

`record` describes the options one `tensflo_add_options` call added (their flags, group, help,
default, ...) or returns None when one of them cannot be described exactly (an action class of
the plugin's own, a default that is not plain data, a string default converted by a `type`, a
mutually exclusive group).
`add_stand_ins` adds options that parse the same flags and give the same defaults but keep
every given value as the raw text (no `type`); `given` tells which stand-ins a command line
used, and for those the caller imports the plugin and parses again with its real options. So a
stand-in can change neither a value nor an error message, only `--help` and the defaults, and
those `record` copies from the plugin itself.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from typing import Any

Spec = dict[str, Any]
"""One option: `flags`, `action` (a name of `_ACTIONS`), `group` ([title, description] or
None), and the keyword arguments of `add_argument` that are plain data."""

_NAMES = ("store", "store_const", "store_true", "store_false", "append", "append_const",
          "count", "extend")
_KEYS = ("dest", "nargs", "const", "default", "choices", "required", "help", "metavar")


def _actions() -> dict[type, str]:
    """Each argparse action class by the name `add_argument(action=...)` takes."""
    probe = argparse.ArgumentParser(add_help=False)
    found: dict[type, str] = {argparse.BooleanOptionalAction: "boolean_optional"}
    for k, name in enumerate(_NAMES):
        found[type(probe.add_argument(f"--probe{k}", action=name))] = name
    return found


_ACTIONS: dict[type, str] = {}


def _plain(value: Any) -> bool:
    """True for values that survive a JSON round trip unchanged (lists of such included)."""
    if value is None or isinstance(value, bool | int | str) or type(value) is float:
        return type(value) is not float or value == value  # NaN is not equal to itself
    if type(value) is list:
        return all(_plain(v) for v in value)
    return False


def record(parser: argparse.ArgumentParser, actions: Sequence[argparse.Action]) -> list[Spec] | None:
    """The specs of `actions` (added to `parser`), or None when one cannot be recorded exactly."""
    if not _ACTIONS:
        _ACTIONS.update(_actions())
    groups = {id(a): g for g in parser._action_groups for a in g._group_actions}
    exclusive = {id(a) for g in parser._mutually_exclusive_groups for a in g._group_actions}
    specs = []
    for action in actions:
        name = _ACTIONS.get(type(action))
        if name is None or not action.option_strings or id(action) in exclusive:
            return None
        flags = list(action.option_strings)
        if name == "boolean_optional":  # argparse adds the --no- forms itself
            flags = [f for f in flags if f"--no-{f[2:]}" in flags or not f.startswith("--no-")]
        spec: Spec = {"flags": flags, "action": name}
        for key in _KEYS:
            value = getattr(action, key)
            if isinstance(value, tuple) and key in ("choices", "metavar"):
                value = list(value)
            if not _plain(value):
                return None
            spec[key] = value
        if action.type is not None:
            if isinstance(action.default, str):  # argparse would convert it
                return None
            spec["choices"] = None  # checked on the converted value: by the real option
        if name == "boolean_optional":
            spec.pop("nargs")
            spec.pop("const")
        elif name in ("store_true", "store_false", "store_const", "append_const", "count"):
            spec.pop("nargs")
            spec.pop("metavar")
            spec.pop("choices")
            if name != "store_const" and name != "append_const":
                spec.pop("const")
        group = groups.get(id(action))
        if group is not None and group not in (parser._optionals, parser._positionals):
            spec["group"] = [group.title, group.description]
        else:
            spec["group"] = None
        specs.append(spec)
    return specs


def add_stand_ins(parser: argparse.ArgumentParser, specs: Iterable[Spec]) -> list[Spec]:
    """Add a stand-in for each spec to `parser` (in groups as recorded); returns the specs."""
    groups: dict[tuple[str, str | None], Any] = {}
    added = []
    for spec in specs:
        kwargs = {k: argparse.SUPPRESS if spec[k] == argparse.SUPPRESS else spec[k]
                  for k in _KEYS if k in spec}  # argparse tests SUPPRESS by identity
        if isinstance(kwargs.get("metavar"), list):
            kwargs["metavar"] = tuple(kwargs["metavar"])
        action = argparse.BooleanOptionalAction if spec["action"] == "boolean_optional" \
            else spec["action"]
        target: Any = parser
        if spec["group"] is not None:
            title, description = spec["group"]
            target = groups.get((title, description))
            if target is None:
                target = groups[title, description] = parser.add_argument_group(title, description)
        target.add_argument(*spec["flags"], action=action, **kwargs)
        added.append(spec)
    return added


def given(namespace: argparse.Namespace, specs: Iterable[Spec]) -> bool:
    """Whether the parsed command line set one of the stand-ins to other than its default."""
    missing = object()
    return any(hasattr(namespace, s["dest"]) if s["default"] == argparse.SUPPRESS
               else getattr(namespace, s["dest"], missing) != s["default"] for s in specs)


def same(a: list[Spec] | None, b: list[Spec] | None) -> bool:
    """Whether two recordings describe the same options."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
