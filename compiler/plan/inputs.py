"""Reading the planner's files: the device catalogue and the workload (TOML), and profiles (the
JSON of `tensflo bench --json`, or a TOML or CSV table). Every problem is a `UsageError` naming the
file and the line and column (TOML syntax) or the offending key (schema)."""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tensflo.plugins.errors import UsageError, read_input

from .model import DEFAULT_MAX_UTIL, Demand, DeviceType, Point, Profile

CATALOGUE_KEYS = {"price_per_hour", "count", "runners", "max_util", "description"}
DEMAND_KEYS = {"kernel", "rate", "size", "slo_ms"}
POINT_KEYS = {"kernel", "runner", "size", "latency_ms", "throughput"}


def _toml(path: str) -> dict[str, Any]:
    text = read_input(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: malformed TOML: {e}") from None


def _unknown(path: str, where: str, table: dict[str, Any], allowed: Iterable[str]) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        key = f"{where}.{extra[0]}" if where else extra[0]
        raise UsageError(f"{path}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _number(path: str, key: str, value: Any, *, positive: bool = True,
            integer: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer and value != int(value):
        ok = False
    if ok and positive and value <= 0:
        ok = False
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise UsageError(f"{path}: {key} must be {kind}{' > 0' if positive else ''}, "
                         f"not {value!r}")
    return value


def _section(path: str, doc: dict[str, Any], name: str) -> dict[str, Any]:
    table = doc.get(name)
    if not isinstance(table, dict) or not table:
        raise UsageError(f"{path}: no [{name}.NAME] tables (see docs/plan.md)")
    for key, value in table.items():
        if not isinstance(value, dict):
            raise UsageError(f"{path}: {name}.{key} must be a table ([{name}.{key}])")
    return table


def _util(path: str, key: str, value: Any) -> float:
    v = _number(path, key, value)
    if v > 1:
        raise UsageError(f"{path}: {key} must be in (0, 1], not {value!r}")
    return v


def load_catalogue(path: str) -> tuple[DeviceType, ...]:
    """`[devices.NAME]` tables with `price_per_hour`, optional `count`, `runners`, `max_util`."""
    doc = _toml(path)
    _unknown(path, "", doc, {"devices", "max_util"})
    default_util = _util(path, "max_util", doc.get("max_util", DEFAULT_MAX_UTIL))
    out = []
    for name, t in _section(path, doc, "devices").items():
        where = f"devices.{name}"
        _unknown(path, where, t, CATALOGUE_KEYS)
        if "price_per_hour" not in t:
            raise UsageError(f"{path}: {where}.price_per_hour is missing")
        price = _number(path, f"{where}.price_per_hour", t["price_per_hour"])
        count = t.get("count")
        if count is not None:
            count = int(_number(path, f"{where}.count", count, positive=False, integer=True))
            if count < 0:
                raise UsageError(f"{path}: {where}.count must be >= 0, not {count}")
        runners = t.get("runners", [name])
        if (not isinstance(runners, list) or not runners
                or not all(isinstance(r, str) and r for r in runners)):
            raise UsageError(f"{path}: {where}.runners must be a non-empty list of names, "
                             f"not {runners!r}")
        util = _util(path, f"{where}.max_util", t.get("max_util", default_util))
        out.append(DeviceType(name, float(price), count, tuple(runners), util))
    return tuple(out)


def load_workload(path: str, slo_ms: float | None = None) -> tuple[Demand, ...]:
    """`[kernels.NAME]` tables with `rate` (requests/s), `size` (entries), optional `kernel` (the
    profile's kernel name; default NAME) and `slo_ms`; a top-level `slo_ms` applies to the rest.
    `slo_ms` given here (the command's --slo-ms) replaces every SLO of the file."""
    doc = _toml(path)
    _unknown(path, "", doc, {"kernels", "slo_ms"})
    default = doc.get("slo_ms")
    if default is not None:
        default = _number(path, "slo_ms", default)
    out = []
    for name, t in _section(path, doc, "kernels").items():
        where = f"kernels.{name}"
        _unknown(path, where, t, DEMAND_KEYS)
        for key in ("rate", "size"):
            if key not in t:
                raise UsageError(f"{path}: {where}.{key} is missing")
        rate = _number(path, f"{where}.rate", t["rate"])
        size = _number(path, f"{where}.size", t["size"], integer=True)
        kernel = t.get("kernel", name)
        if not isinstance(kernel, str) or not kernel:
            raise UsageError(f"{path}: {where}.kernel must be a name, not {kernel!r}")
        slo = t.get("slo_ms", default)
        if slo is not None:
            slo = _number(path, f"{where}.slo_ms", slo)
        if slo_ms is not None:
            slo = slo_ms
        if slo is None:
            raise UsageError(f"{path}: {where} has no SLO: give slo_ms in it or at the top of the "
                             "file, or --slo-ms")
        out.append(Demand(name, kernel, float(rate), int(size), float(slo)))
    return tuple(out)


def load_profile(paths: Sequence[str]) -> Profile:
    """Measurements from every file (by extension: .json bench output, .toml or .csv table); the
    same (kernel, runner, size) measured twice is an error naming both files."""
    seen: dict[tuple[str, str, int], Point] = {}
    for path in paths:
        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            points = _bench_points(path)
        elif suffix == ".toml":
            points = _table_points(path, _toml_rows(path))
        elif suffix == ".csv":
            points = _table_points(path, _csv_rows(path))
        else:
            raise UsageError(f"{path}: a profile must be .json (tensflo bench --json), .toml or "
                             ".csv")
        for p in points:
            key = (p.kernel, p.runner, p.size)
            if key in seen:
                raise UsageError(f"{path}: {p.kernel} on {p.runner} at size {p.size} is measured "
                                 f"twice (also in {seen[key].source})")
            seen[key] = p
    return Profile(seen.values())


def _bench_points(path: str) -> list[Point]:
    """Rows of one `tensflo bench --json` object (or a list of them): the median time of one call
    of each runner whose output agreed with the original (the original itself included)."""
    try:
        doc = json.loads(read_input(path))
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: malformed JSON: {e.msg} (at line {e.lineno}, column {e.colno})"
                         ) from None
    reports = doc if isinstance(doc, list) else [doc]
    out = []
    for n, rep in enumerate(reports):
        where = f"report {n}" if isinstance(doc, list) else "the report"
        if not (isinstance(rep, dict) and isinstance(rep.get("function"), str)
                and isinstance(rep.get("rows"), list)):
            raise UsageError(f"{path}: {where} is not `tensflo bench --json` output (it needs "
                             "\"function\" and \"rows\")")
        for k, row in enumerate(rep["rows"]):
            try:
                if row.get("error") or row.get("agrees") is False or not row.get("time"):
                    continue
                seconds = float(row["time"]["median_s"])
                runner, size = str(row["runner"]), int(row["elements"])
            except (AttributeError, KeyError, TypeError, ValueError):
                raise UsageError(f"{path}: {where}, rows[{k}]: expected runner, elements and "
                                 "time.median_s") from None
            if seconds <= 0 or size <= 0:
                raise UsageError(f"{path}: {where}, rows[{k}]: time and elements must be > 0")
            out.append(Point(rep["function"], runner, size, seconds * 1e3, 1.0 / seconds, path))
    return out


def _toml_rows(path: str) -> list[tuple[str, dict[str, Any]]]:
    doc = _toml(path)
    _unknown(path, "", doc, {"measurement"})
    rows = doc.get("measurement")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise UsageError(f"{path}: no [[measurement]] tables (see docs/plan.md)")
    return [(f"measurement[{k}]", r) for k, r in enumerate(rows)]


def _csv_rows(path: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a CSV table (a header line, then one measurement a line; `#` lines are comments)."""
    numbered = [(n, line) for n, line in enumerate(read_input(path).splitlines(), 1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise UsageError(f"{path}: no measurements")
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in numbered))))
    header = [h.strip() for h in rows[0]]
    missing = [k for k in ("kernel", "runner", "size", "latency_ms") if k not in header]
    if missing:
        raise UsageError(f"{path}: line {numbered[0][0]}: the header lacks column {missing[0]!r} "
                         "(columns: kernel, runner, size, latency_ms[, throughput])")
    out = []
    for (line, _), row in zip(numbered[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise UsageError(f"{path}: line {line}: expected {len(header)} columns, not {len(row)}")
        values: dict[str, Any] = {}
        for key, text in zip(header, row, strict=True):
            text = text.strip()
            if key in ("kernel", "runner"):
                values[key] = text
            elif text:
                try:
                    values[key] = float(text) if key != "size" else int(float(text))
                except ValueError:
                    raise UsageError(f"{path}: line {line}: {key} {text!r} is not a number"
                                     ) from None
        out.append((f"line {line}", values))
    if not out:
        raise UsageError(f"{path}: no measurements")
    return out


def _table_points(path: str, rows: list[tuple[str, dict[str, Any]]]) -> list[Point]:
    out = []
    for where, r in rows:
        _unknown(path, where, r, POINT_KEYS)
        for key in ("kernel", "runner", "size", "latency_ms"):
            if key not in r or r[key] == "":
                raise UsageError(f"{path}: {where}: {key} is missing")
        for key in ("kernel", "runner"):
            if not isinstance(r[key], str):
                raise UsageError(f"{path}: {where}.{key} must be a name, not {r[key]!r}")
        size = int(_number(path, f"{where}.size", r["size"], integer=True))
        latency = _number(path, f"{where}.latency_ms", r["latency_ms"])
        throughput = r.get("throughput", 1e3 / latency)
        throughput = _number(path, f"{where}.throughput", throughput)
        out.append(Point(r["kernel"], r["runner"], size, float(latency), float(throughput), path))
    return out
