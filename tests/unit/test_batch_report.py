"""The batch HTML report's structure: the summary before any row, failures listed first with their
diagnostics, the common path prefix dropped, TensIR in a wrapping block, every value escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from tensflo.compiler.batch.jobs import Entry
from tensflo.compiler.batch.report import Counters, Report
from tensflo.compiler.batch.report_html import common_prefix, failures_first

LONG = "sum(map(zip(a[:n], b[:n]), lambda e: e[0] * e[1] + " + "e[0] - " * 60 + "0))"


def entries() -> list[Entry]:
    bad = ({"severity": "error", "message": "`f` was not lifted", "file": "/src/k/cpp/h.cc",
            "line": 3, "col": 5},
           {"severity": "note", "message": "a write through <p> is not supported",
            "file": "/src/k/cpp/h.cc", "line": 7, "col": 9})
    return [
        Entry("/src/k/cpp/a.cc", "dot", 1, "lifted", proof="unbounded", tensir=LONG, seconds=0.4),
        Entry("/src/k/cpp/h.cc", "histogram", 3, "not_lifted", diagnostics=bad, seconds=39.3),
        Entry("/src/k/python/m.py", "mean", 1, "lifted", proof="bounded", arithmetic="real",
              tensir="div(sum(x[:n]), n)", seconds=0.2),
        Entry("/src/k/python/z.py", None, 1, "error", diagnostics=(
            {"severity": "error", "message": "invalid syntax", "file": "/src/k/python/z.py",
             "line": 1, "col": 4},), seconds=0.0),
    ]


class Outline(HTMLParser):
    """Ids of sections, row cells and text, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []
        self.classes: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.events.append(("section", a["id"]))
        if tag == "tr":
            self.events.append(("row", ""))
        if a.get("class"):
            self.classes.setdefault(tag, []).append(a["class"])

    def handle_data(self, data):
        if data.strip():
            self.events.append(("text", data.strip()))


def page() -> tuple[str, Outline]:
    report = Report.of("numpy", entries(), Counters(lifted_now=4, wall_seconds=83.4))
    html = report.html()
    outline = Outline()
    outline.feed(html)
    return html, outline


def test_the_summary_comes_before_any_row_and_counts_what_matters():
    html, outline = page()
    order = [e for e in outline.events if e[0] in ("section", "row")]
    assert order[0] == ("section", "summary")
    assert order.index(("section", "failures")) < order.index(("section", "functions"))
    assert order.index(("section", "functions")) < order.index(("row", ""))
    summary = html[html.index('id="summary"'):html.index("</section>")]
    texts = " ".join(t for t in summary.split(">") if t)
    assert "2/4</b>lifted" in summary and "1 min 23 s" in summary
    assert "1 not lifted, 1 errors" in texts
    assert "<b>1</b>unbounded" in summary and "<b>1</b>bounded" in summary


def test_failures_come_first_with_their_diagnostics_and_short_paths():
    html, outline = page()
    failures = html[html.index('id="failures"'):html.index('id="functions"')]
    assert failures.index("z.py:1") < failures.index("h.cc:3")  # errors, then not lifted
    assert "cpp/h.cc:3:5: error: `f` was not lifted" in failures
    assert "cpp/h.cc:7:9: note: a write through &lt;p&gt; is not supported" in failures
    assert "<p>" not in failures  # escaped
    table = html[html.index('id="functions"'):]
    statuses = [c for c in outline.classes["td"] if c in ("lifted", "not_lifted", "error")]
    assert statuses == ["error", "not_lifted", "lifted", "lifted"]
    assert "/src/k/" not in table and "cpp/a.cc:1" in table and "python/m.py:1" in table
    assert "under <code>/src/k/</code>" in html  # the prefix is named once
    assert "bounded (real)" in table


def test_tensir_wraps_in_its_column_instead_of_being_clipped():
    html, _ = page()
    assert f'<code class="tensir">{LONG}</code>' in html
    css = html[html.index("<style>"):html.index("</style>")]
    rule = css[css.index("code.tensir"):]
    rule = rule[:rule.index("}")]
    assert "white-space: pre-wrap" in rule and "overflow-wrap: anywhere" in rule
    assert "table-layout: fixed" in css and "overflow: hidden" not in css


def test_prefix_and_order_helpers():
    assert common_prefix(["/a/b/x.c", "/a/b/c/y.c"]) == "/a/b/"
    assert common_prefix(["x.c", "y.c"]) == ""
    assert common_prefix(["/x.c", "/y/z.c"]) == ""
    assert [(e.status, e.function) for e in failures_first(entries())] == [
        ("error", None), ("not_lifted", "histogram"), ("lifted", "dot"), ("lifted", "mean")]
