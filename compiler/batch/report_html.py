"""The HTML report of a batch, for a person reading it in a browser: the summary first (lifted
n/m, proof levels, failures, wall time), then the functions that failed with their diagnostics,
then every function (failures first). File paths drop the prefix all of them share (named once in
the summary); TensIR wraps inside its column instead of being clipped. jinja2 escapes every value.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tensflo import __version__

from .jobs import Entry

if TYPE_CHECKING:
    from .report import Report


@dataclass(frozen=True)
class Row:
    """One function as the page shows it."""

    entry: Entry
    path: str
    """The file relative to the common prefix, with the line."""
    proof: str
    text: str
    """The TensIR when lifted, else the reason."""
    diagnostics: tuple[str, ...]


def common_prefix(files: Sequence[str]) -> str:
    """The directory every file is under ('' when they share none, or for a single file its
    directory), ending with a separator."""
    dirs = [os.path.dirname(f) for f in files]
    if not dirs:
        return ""
    try:
        prefix = os.path.commonpath(dirs)
    except ValueError:  # absolute and relative paths mixed
        return ""
    return prefix + os.sep if prefix and prefix != os.sep else ""


def failures_first(entries: Sequence[Entry]) -> list[Entry]:
    """Errors, then functions not lifted, then lifted ones; the report's order inside each."""
    rank = {"error": 0, "not_lifted": 1}
    return sorted(entries, key=lambda e: rank.get(e.status, 2))


def _diagnostic(d: dict[str, Any], prefix: str) -> str:
    where = str(d.get("file") or "")
    where = where.removeprefix(prefix) if prefix else where
    if d.get("line") is not None:
        where += f":{d['line']}" + (f":{d['col']}" if d.get("col") is not None else "")
    message = str(d.get("message", ""))
    message = message.removeprefix(prefix) if prefix else message  # a parse error names its file
    return f"{where}: {d.get('severity', 'error')}: {message}".removeprefix(": ")


def _duration(seconds: float) -> str:
    if seconds >= 60:
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1e3:.0f} ms"


def rows(report: Report, prefix: str) -> list[Row]:
    out = []
    for e in failures_first(report.entries):
        proof = (f"{e.proof} (real)" if e.arithmetic == "real" else e.proof) if e.lifted else ""
        out.append(Row(e, f"{e.file.removeprefix(prefix)}:{e.line}", proof,
                       (e.tensir or "") if e.lifted else e.reason.removeprefix(prefix),
                       tuple(_diagnostic(d, prefix) for d in e.diagnostics)))
    return out


def render(report: Report) -> str:
    import jinja2

    prefix = common_prefix([e.file for e in report.entries])
    shown = rows(report, prefix)
    totals = report.totals()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(PAGE).render(
        report=report, totals=totals, version=__version__, prefix=prefix, rows=shown,
        failures=[r for r in shown if not r.entry.lifted], wall=_duration(totals["wall_seconds"]))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tensflo batch compile</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 90em; }
#summary { display: flex; flex-wrap: wrap; gap: 0.8em; margin-bottom: 1em; }
.stat { border: 1px solid #ccc; border-radius: 6px; padding: 0.4em 0.9em; }
.stat b { display: block; font-size: 150%; }
.stat.bad b { color: #b00; } .stat.good b { color: #070; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
td, th { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }
th.file { width: 22%; } th.function { width: 13%; } th.status { width: 7em; }
th.proof { width: 9em; } th.seconds { width: 5em; }
td { overflow-wrap: anywhere; }
td.lifted { background: #dfd; } td.not_lifted { background: #fed; } td.error { background: #fcc; }
td.seconds { text-align: right; font-variant-numeric: tabular-nums; }
code.tensir { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 90%; }
ul.diagnostics { margin: 0.2em 0 0 1.2em; padding: 0; font-family: monospace; font-size: 90%; }
#failures li.failure { margin-bottom: 0.6em; }
</style></head><body>
<h1>tensflo batch compile</h1>
<section id="summary">
<div class="stat {{ 'good' if totals.lifted == totals.functions else 'bad' }}">
<b>{{ totals.lifted }}/{{ totals.functions }}</b>lifted</div>
<div class="stat"><b>{{ totals.unbounded }}</b>unbounded</div>
<div class="stat"><b>{{ totals.bounded }}</b>bounded</div>
<div class="stat"><b>{{ totals.tested }}</b>tested only</div>
<div class="stat {{ 'bad' if failures else 'good' }}"><b>{{ failures | length }}</b>failed
({{ totals.not_lifted }} not lifted, {{ totals.error }} errors)</div>
<div class="stat"><b>{{ wall }}</b>wall time</div>
</section>
<p>Target <code>{{ report.target }}</code>, tensflo {{ version }}; {{ totals.files }} files
{%- if prefix %} under <code>{{ prefix }}</code> (paths below are relative to it){% endif %};
{{ totals.real_arithmetic }} lifted over real numbers (floats); {{ totals.cache_hits }} from the
cache, {{ totals.resumed }} resumed, {{ totals.lifted_now }} run now.</p>
{% if failures %}<section id="failures"><h2>Failures ({{ failures | length }})</h2><ul>
{% for r in failures %}<li class="failure"><b>{{ r.path }}</b> {{ r.entry.function or "(file)" }}:
<span class="{{ r.entry.status }}">{{ r.entry.status }}</span>
{%- if r.diagnostics %}<ul class="diagnostics">{% for d in r.diagnostics %}<li>{{ d }}</li>{% endfor %}</ul>
{%- else %} (no diagnostic){% endif %}</li>
{% endfor %}</ul></section>{% endif %}
<section id="functions"><h2>All functions (failures first)</h2>
<table>
<tr><th class="file">file</th><th class="function">function</th><th class="status">status</th>
<th class="proof">proof</th><th class="seconds">seconds</th><th>TensIR or reason</th></tr>
{% for r in rows %}<tr><td>{{ r.path }}</td><td>{{ r.entry.function or "(file)" }}</td>
<td class="{{ r.entry.status }}">{{ r.entry.status }}</td><td>{{ r.proof }}</td>
<td class="seconds">{{ "%.2f" % r.entry.seconds }}</td>
<td>{% if r.entry.lifted %}<code class="tensir">{{ r.text }}</code>{% else %}{{ r.text }}{% endif %}</td></tr>
{% endfor %}</table></section>
</body></html>
"""
