"""The loop headers of C as people write it: a counter declared before its loop (C89, also reused by
several loops), `<=` bounds, loops counting down, steps other than 1. Each kernel is lifted with an
unbounded proof and compared with g++ on random inputs, or refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import check_compiled
from tensflo.ir.loop import run
from tensflo.plugins.cpp_frontend import parse_cpp
from tensflo.plugins.manager import load_registry

HEADER = "#include <vector>\n#include <algorithm>\nusing namespace std;\n"

LIFTED = {
    "after_loop": ("int after_loop(const vector<int>& x, int n) {\n    int i, s = 0;\n"
                   "    for (i = 0; i < n; i++) s += x[i];\n    return s + i;\n}\n",
                   None),  # the counter's value after its loop: max(n, 0)
    "down_scan": ("int down_scan(const vector<int>& x, int n) {\n    int s = 0;\n"
                  "    for (int i = n - 1; i >= 0; i--) s = 2 * s + x[i];\n    return s;\n}\n",
                  "linear_recurrence(full(max(n, 0), 2), stride(x, n - 1, -1, n), 0)"),
    "c89_sum": ("int c89_sum(const vector<int>& x, int n) {\n"
                "    int i; int s = 0;\n    for (i = 0; i < n; ++i) s += x[i];\n    return s;\n}\n",
                "reduce_sum(x[:n])"),
    "c89_two_loops": ("int c89_two_loops(const vector<int>& x, const vector<int>& y, int n) {\n"
                      "    int i, s = 0, t = 0;\n    for (i = 0; i < n; i++) s += x[i];\n"
                      "    for (i = 0; i < n; i++) t += y[i] * 2;\n    return s - t;\n}\n",
                      "reduce_sum(x[:n]) - reduce_sum(vec_scalar_mul(y[:n], 2))"),
    "le_bound": ("int le_bound(const vector<int>& x, int n) {\n"
                 "    int i, s = 0;\n    for (i = 0; i <= n - 1; i++) s += x[i];\n    return s;\n}\n",
                 "reduce_sum(x[:n])"),
    "c89_in_branch": ("int c89_in_branch(const vector<int>& x, int n, int c) {\n"
                      "    int i, s = 0;\n    if (c > 0) {\n        for (i = 0; i < n; i++) s += x[i];\n"
                      "    }\n    return s;\n}\n", "ite(c > 0, reduce_sum(x[:n]), 0)"),
    "down_sum": ("int down_sum(const vector<int>& x, int n) {\n"
                 "    int i, s = 0;\n    for (i = n - 1; i >= 0; i--) s += x[i];\n    return s;\n}\n",
                 "reduce_sum(x[:n])"),
    "down_shifted": ("int down_shifted(const vector<int>& x, int n) {\n    int s = 0;\n"
                     "    for (int i = n; i > 0; --i) s -= x[i - 1];\n    return s;\n}\n", None),
    "down_max": ("int down_max(const vector<int>& x, int n) {\n    int m = 0;\n"
                 "    for (int i = n - 1; 0 <= i; i--) m = max(m, x[i]);\n    return m;\n}\n",
                 "reduce_max(append(x[:n], 0))"),
    "down_count_pos": ("int down_count_pos(const vector<int>& x) {\n    int c = 0;\n"
                       "    for (int i = (int)x.size() - 1; i >= 0; i--) { if (x[i] > 0) c += 1; }\n"
                       "    return c;\n}\n", None),
    "down_scale": ("vector<int> down_scale(vector<int> y, int a) {\n"
                   "    for (int i = (int)y.size() - 1; i >= 0; i--) y[i] = a * y[i];\n"
                   "    return y;\n}\n", "vec_scalar_mul(y, a)"),
    "down_by_two": ("int down_by_two(const vector<int>& x, int n) {\n    int s = 0;\n"
                    "    for (int i = n - 1; i >= 0; i -= 2) s += x[i];\n    return s;\n}\n",
                    "reduce_sum(stride(x, n - 1, -2, (n + 1) / 2))"),
    "up_by_two": ("int up_by_two(const vector<int>& x, int n) {\n    int s = 0;\n"
                  "    for (int i = 0; i < n; i += 2) s += x[i];\n    return s;\n}\n",
                  "reduce_sum(stride(x, 0, 2, (n + 1) / 2))"),
    "down_push": ("vector<int> down_push(const vector<int>& x) {\n    vector<int> out;\n"
                  "    for (int i = (int)x.size() - 1; i >= 0; i--) out.push_back(x[i]);\n"
                  "    return out;\n}\n", None),
}

REFUSED = {  # (source, where the first diagnostic points, its reason; lines in it count the header)
    "read_in_outer": ("int read_in_outer(const vector<int>& x, int n) {\n    int i = 0, s = 0;\n"
                      "    for (int j = 0; j < n; j++) {\n        s += i;\n"
                      "        for (i = 0; i < n; i++) s += x[i];\n    }\n    return s;\n}\n",
                      "4:14", "the loop counter i, declared before its loop (at 8:9), is read "
                      "after a loop over it"),
    "while_after": ("int while_after(const vector<int>& x, int n) {\n    int i = 0, s = 0;\n"
                    "    while (i < n) { s += x[i]; i++; }\n    return s + i;\n}\n",
                    "4:16", "i is read after the loop it counts: its final value is not modelled"),
    "nested_same": ("int nested_same(int n) {\n    int i, s = 0;\n"
                    "    for (i = 0; i < n; i++) { for (i = 0; i < 2; i++) s++; }\n    return s;\n}\n",
                    "3:29", "the loop body assigns its counter i"),
}


def _write(tmp_path: Path, name: str, body: str) -> Path:
    src = tmp_path / f"{name}.cc"
    src.write_text(HEADER + body)
    return src


def _at(loc: str) -> str:
    line, col = loc.split(":")
    return f"{int(line) + 3}:{col}"  # the header's lines


@pytest.mark.parametrize("name", sorted(LIFTED))
def test_lifted_with_a_proof_and_equal_to_gpp(name: str, tmp_path: Path, native_cache: str) -> None:
    body, tensir = LIFTED[name]
    src = _write(tmp_path, name, body)
    result = tensflo.compile(str(src), name, target="numpy", synth="none", timeout=60)
    assert result.status == "lifted", [str(d) for d in result.diagnostics]
    assert result.proof == "unbounded"
    if tensir is not None:
        assert result.tensir == tensir
    with load_registry() as registry:
        report = check_compiled(str(src), result, registry, count=100, cache_dir=native_cache)
    assert report.cases >= 60 and report.ok, report.failures[:3]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_the_reason(name: str, tmp_path: Path) -> None:
    body, at, reason = REFUSED[name]
    src = _write(tmp_path, name, body)
    result = tensflo.compile(str(src), name, synth="none", timeout=30)
    assert result.status == "not_lifted" and result.code is None
    first = result.diagnostics[0]
    assert f"{first.line}:{first.col}" == _at(at), str(first)
    assert reason in first.message, first.message


def test_a_loop_counting_down_runs_in_its_order_in_the_reference_interpreter() -> None:
    module = parse_cpp("k.cc", HEADER + """
vector<int> order(int n) {
    vector<int> out;
    for (int i = n - 1; i >= 0; i--) out.push_back(i);
    for (int i = 10; i > 3; i -= 3) out.push_back(i);
    return out;
}""")
    assert run(module, "order", [3]) == [2, 1, 0, 10, 7, 4]
    assert run(module, "order", [0]) == [10, 7, 4]
