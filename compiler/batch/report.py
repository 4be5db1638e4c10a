"""The report of a batch: per function its file, status, proof level, TensIR, time and the reason
when not lifted, plus totals; as JSON, Markdown, HTML (`report_html`) or a plain text summary.

Rows are sorted by file, then function (a file that failed to parse comes first in its file).
Only `seconds` (per function) and `wall_seconds` (totals) depend on the machine; the counters
`cache_hits`, `resumed` and `lifted_now` say how this run got its results. Everything else is the
same for the same sources and options, whichever executor ran the jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tensflo import __version__

from .jobs import Entry

TIMING_FIELDS = ("seconds", "wall_seconds")
RUN_COUNTERS = ("cache_hits", "resumed", "lifted_now")


@dataclass(frozen=True)
class Counters:
    """How the results of this run were obtained."""

    cache_hits: int = 0
    resumed: int = 0
    """Taken from the journal of the interrupted run (`--resume`)."""
    lifted_now: int = 0
    """Jobs a worker ran in this run (lifting work done, whatever its outcome)."""
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Report:
    target: str | None
    entries: tuple[Entry, ...]
    counters: Counters

    @classmethod
    def of(cls, target: str | None, entries: Sequence[Entry], counters: Counters) -> Report:
        ordered = sorted(entries, key=lambda e: (e.file, e.function is not None, e.function or ""))
        return cls(target, tuple(ordered), counters)

    @property
    def all_lifted(self) -> bool:
        return all(e.lifted for e in self.entries)

    def totals(self) -> dict[str, Any]:
        by_status = {s: sum(e.status == s for e in self.entries)
                     for s in ("lifted", "not_lifted", "error")}
        by_proof = {p: sum(e.lifted and e.proof == p for e in self.entries)
                    for p in ("unbounded", "bounded", "tested")}
        by_proof["real_arithmetic"] = sum(e.lifted and e.arithmetic == "real" for e in self.entries)
        c = self.counters
        return {
            "files": len({e.file for e in self.entries}), "functions": len(self.entries),
            **by_status, **by_proof,
            "cache_hits": c.cache_hits, "resumed": c.resumed, "lifted_now": c.lifted_now,
            "wall_seconds": round(c.wall_seconds, 3),
        }

    def to_json(self) -> dict[str, Any]:
        return {"tensflo": __version__, "target": self.target,
                "functions": [e.report_json() for e in self.entries], "totals": self.totals()}

    def markdown(self) -> str:
        lines = ["# tensflo batch compile", "",
                 f"Target: `{self.target}`, tensflo {__version__}.", "",
                 "| file | function | status | proof | seconds | TensIR or reason |",
                 "|---|---|---|---|---|---|"]
        for e in self.entries:
            what = f"`{_cell(e.tensir)}`" if e.lifted and e.tensir else _cell(e.reason)
            lines.append(f"| {_cell(e.file)} | {_cell(e.function or '(file)')} | {e.status} | "
                         f"{_proof(e)} | {e.seconds:.2f} | {what} |")
        lines += ["", "Totals: " + ", ".join(f"{k} {v}" for k, v in self.totals().items()), ""]
        return "\n".join(lines)

    def html(self) -> str:
        """The page for a browser (`report_html`): summary, failures, then every function."""
        from .report_html import render

        return render(self)

    def text(self) -> str:
        """The summary printed on stdout: one line per function, then the totals."""
        rows = [(e.status, _proof(e) if e.lifted else "",
                 f"{e.file}:{e.line}" + (f" {e.function}" if e.function else ""),
                 (e.tensir or "") if e.lifted else e.reason) for e in self.entries]
        widths = [max((len(r[i]) for r in rows), default=0) for i in range(3)]
        out = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
               for a, b, c, d in rows]
        t = self.totals()
        out.append(f"{t['functions']} functions in {t['files']} files: {t['lifted']} lifted, "
                   f"{t['not_lifted']} not lifted, {t['error']} errors ({t['cache_hits']} from "
                   f"the cache, {t['resumed']} resumed, {t['lifted_now']} run now, "
                   f"{t['wall_seconds']:.1f} s)")
        return "\n".join(out) + "\n"


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report with the machine-dependent fields removed, for comparisons."""
    return {**report,
            "functions": [{k: v for k, v in f.items() if k not in TIMING_FIELDS}
                          for f in report["functions"]],
            "totals": {k: v for k, v in report["totals"].items() if k not in TIMING_FIELDS}}


def _proof(e: Entry) -> str:
    """The proof level, with `(real)` when floats were treated as real numbers."""
    return f"{e.proof} (real)" if e.arithmetic == "real" else e.proof


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")

