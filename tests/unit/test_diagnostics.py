"""clang-style diagnostics: `FILE:LINE:COL: error: message`, the source line, a caret under the
column, for every kind of input; follow-up lines as `note:`."""

from __future__ import annotations

import pytest

from tensflo.compiler.console import format_error

CASES = {
    "cpp": ("bad.cc", b"#include <vector>\nint f(int n) { return n + foo; }\n",
            ["compile", "{path}", "--target", "numpy", "-q"],
            ["{path}:2:27: error: does not compile: use of undeclared identifier 'foo'",
             "int f(int n) { return n + foo; }",
             "                          ^"]),
    "python": ("bad.py", b"def f(x, n):\n    for i in range(n)\n        x[i] = 0\n",
               ["compile", "{path}", "--target", "numpy", "-q"],
               ["{path}:2:22: error: syntax error: expected ':'",
                "    for i in range(n)",
                "                     ^"]),
    "tensir": ("bad.tensir", b"def f(a: vec[int]) -> int =\n    reduce_sum(a))\n",
               ["render", "{path}", "--target", "numpy"],
               ["{path}:2:18: error: unexpected ')'; expected 'def', end of input",
                "    reduce_sum(a))",
                "                 ^"]),
    "flo": ("graph.py", b"from tensflo.ir.flo import Graph\ngraph = Graph(\n",
            ["flo", "check", "{path}"],
            ["{path}:2:14: error: '(' was never closed",
             "graph = Graph(",
             "             ^"]),
    "undecodable": ("latin1.cc", b"int f(int n) {\n  return n; // caf\xe9\n}\n",
                    ["compile", "{path}", "--target", "numpy", "-q"],
                    ["{path}:2:19: error: not UTF-8: byte 0xe9 cannot be decoded",
                     "  return n; // caf\ufffd",
                     "                  ^"]),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_input_kind_gets_the_three_lines(kind, tmp_path, cli):
    name, data, argv, expected = CASES[kind]
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = cli(*(a.format(path=path) for a in argv))
    assert code == 2 and out == ""
    assert err.splitlines() == [line.replace("{path}", str(path)) for line in expected]


def test_follow_up_lines_are_notes_and_tabs_keep_the_caret_aligned(tmp_path):
    src = tmp_path / "t.cc"
    src.write_text("int f() {\n\treturn x;\n}\n")
    text = format_error(f"{src}:2:9: use of undeclared identifier 'x'\nwhile lifting f")
    assert text.splitlines() == [f"{src}:2:9: error: use of undeclared identifier 'x'",
                                 "\treturn x;", "\t       ^", "note: while lifting f"]


def test_messages_without_a_place_and_unreadable_files():
    assert format_error("unknown target 'nope'") == "tensflo: error: unknown target 'nope'\n"
    assert format_error("a\nb") == "tensflo: error: a\nnote: b\n"
    assert format_error("/no/such/file.cc:3:1: gone") == "/no/such/file.cc:3:1: error: gone\n"
