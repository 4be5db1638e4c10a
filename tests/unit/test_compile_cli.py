"""`tensflo compile` and `tensflo lift`: the `--json` fields, exit codes and diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

KERNELS = "benchmarks/kernels"
CONTRACT = {"function", "status", "tensir", "proof", "target", "code", "seconds", "diagnostics"}


def test_compile_json_contract_and_the_generated_module(tensflo_cmd, tmp_path: Path) -> None:
    out = tmp_path / "dot.py"
    p = tensflo_cmd("compile", f"{KERNELS}/cpp/dot.cc", "--function", "dot", "--target", "numpy",
                    "--json", "-o", str(out), "--seed", "3")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert CONTRACT <= set(r)
    assert r["status"] == "lifted" and r["proof"] == "unbounded" and r["target"] == "numpy"
    assert r["tensir"] == "reduce_sum(vec_elemwise_mul(x[:n], y[:n]))"
    assert {"total", "frontend", "verification"} <= set(r["seconds"])
    ns: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), ns)  # noqa: S102 (our own generated module)
    assert ns["dot"](np.array([1, -2, 3]), np.array([4, 5, -6]), 3) == 1 * 4 - 2 * 5 - 3 * 6
    assert ns["dot"]([1, 2], [3, 4], 1) == 3
    assert r["code"] == out.read_text()


def test_lift_reports_proof_level_and_precondition(tensflo_cmd) -> None:
    p = tensflo_cmd("lift", f"{KERNELS}/cpp/softmax_part1.cc")
    assert p.returncode == 0, p.stderr
    assert "softmax_part1: lifted, proof unbounded" in p.stdout
    assert "requires:" in p.stdout and "0 < len(input)" in p.stdout
    assert "\r" not in p.stderr  # no progress line when stderr is not a terminal


def test_without_function_every_function_is_lifted(tensflo_cmd, tmp_path: Path) -> None:
    src = tmp_path / "two.py"
    src.write_text("def total(a: list[int], n: int) -> int:\n    s = 0\n    for i in range(n):\n"
                   "        s += a[i]\n    return s\n\n"
                   "def run(a: list[int]) -> list[int]:\n    out = []\n    for i in range(len(a)):\n"
                   "        out.append(a[i] - (a[i] // 3))\n    return out\n")
    p = tensflo_cmd("compile", str(src), "--json")
    assert p.returncode == 0, p.stderr
    results = json.loads(p.stdout)
    assert [r["function"] for r in results] == ["total", "run"]
    assert all(r["status"] == "lifted" and r["proof"] == "unbounded" for r in results)
    assert "floordiv" in results[1]["tensir"]


def test_not_lifted_is_exit_1_with_the_reason(tensflo_cmd) -> None:
    p = tensflo_cmd("compile", f"{KERNELS}/cpp/histogram.cc", "--synth", "none", "--json")
    assert p.returncode == 1
    r = json.loads(p.stdout)
    assert r["status"] == "not_lifted" and r["code"] is None and r["proof"] == "none"
    notes = [d for d in r["diagnostics"] if "element assignment" in d["message"]]
    assert notes and notes[0]["file"].endswith("histogram.cc") and notes[0]["line"] == 11


def test_unsupported_construct_points_at_file_line_col(tensflo_cmd, tmp_path: Path) -> None:
    src = tmp_path / "g.cc"
    src.write_text("#include <vector>\nint f(std::vector<int> a, int n) {\n  int s = 0; int i = 0;\n"
                   "again:\n  s += a[i]; i++;\n  if (i < n) goto again;\n  return s;\n}\n"
                   "int h(int (*cb)(int), int x) { return cb(x); }\n")
    p = tensflo_cmd("lift", str(src))
    assert p.returncode == 1
    assert f"{src}:4:1: error: unsupported: labels and `goto`" in p.stdout
    assert f"{src}:9:" in p.stdout and "pointer" in p.stdout
    assert "Traceback" not in p.stderr + p.stdout


def test_input_errors_are_exit_2_without_traceback(tensflo_cmd, tmp_path: Path) -> None:
    truncated = tmp_path / "t.cc"
    truncated.write_text("#include <vector>\nint f(std::vector<int> a) {\n  return a[0]\n")
    cases = [
        (("compile", str(truncated)), "t.cc:3:"),
        (("compile", str(tmp_path / "missing.cc")), "no such file"),
        (("compile", f"{KERNELS}/cpp/dot.cc", "--function", "nope"), "defines no function 'nope'"),
        (("compile", f"{KERNELS}/cpp/dot.cc", "--verifier", "yices"), "unknown verifier"),
        (("compile", f"{KERNELS}/cpp/dot.cc", "--target", "fortran"), "unknown target"),
        (("compile", f"{KERNELS}/cpp/dot.cc", "--timeout", "-1"), "must be positive"),
        (("lift", str(tmp_path / "x.f90")), "no such file"),
    ]
    for args, words in cases:
        p = tensflo_cmd(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert words in p.stderr, (args, p.stderr)
        assert "Traceback" not in p.stderr


def test_a_timeout_too_short_to_prove_is_not_lifted(tensflo_cmd) -> None:
    p = tensflo_cmd("compile", f"{KERNELS}/cpp/gemm.cc", "-f", "gemm", "--timeout", "0.01", "--json")
    assert p.returncode == 1, p.stderr
    r = json.loads(p.stdout)
    assert r["status"] == "not_lifted" and r["code"] is None
    assert any("time budget" in d["message"] or "not proven" in d["message"] for d in r["diagnostics"])
    assert "Traceback" not in p.stderr


def test_verifier_choices(tensflo_cmd) -> None:
    for verifier in ("cvc5", "portfolio"):
        p = tensflo_cmd("lift", f"{KERNELS}/cpp/darken_blend_8.cc", "--verifier", verifier, "--json")
        assert p.returncode == 0, p.stderr
        r = json.loads(p.stdout)
        assert r["proof"] == "unbounded"
        assert {ob["solver"] for ob in r["obligations"]} <= {"z3", "cvc5"}


def test_help_explains_compile(tensflo_cmd) -> None:
    p = tensflo_cmd("compile", "--help")
    assert p.returncode == 0
    for flag in ("--function", "--target", "--json", "--timeout", "--verifier", "--seed",
                 "--require-proof", "--quiet"):
        assert flag in p.stdout


def test_compile_for_gemmini_reports_cycles(tensflo_cmd, tmp_path: Path) -> None:
    src = tmp_path / "mm.cc"
    src.write_text(
        "#include <vector>\nusing namespace std;\n"
        "vector<vector<int>> mm(const vector<vector<int>>& a, const vector<vector<int>>& b,\n"
        "                       int m, int n, int k) {\n"
        "    vector<vector<int>> c;\n    for (int i = 0; i < m; i++) {\n        vector<int> row;\n"
        "        for (int j = 0; j < n; j++) {\n            int s = 0;\n"
        "            for (int p = 0; p < k; p++) s += a[i][p] * b[p][j];\n"
        "            row.push_back(s);\n        }\n        c.push_back(row);\n    }\n    return c;\n}\n")
    shapes = "a=32x32,b=32x32,m=32,n=32,k=32"
    p = tensflo_cmd("compile", str(src), "--target", "gemmini", "--shapes", shapes, "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["proof"] == "unbounded" and r["target"] == "gemmini"
    rep = r["target_report"]
    assert rep["checked_on_emulator"] is True and rep["cycles"] > 0 and 0 < rep["utilisation"] <= 1
    assert rep["cycles"] < rep["baselines"]["naive"]["cycles"]
    assert "gemmini_" in r["code"] and "void mm(" in r["code"]
    assert any("int8" in d["message"] for d in r["diagnostics"])
    missing = tensflo_cmd("compile", str(src), "--target", "gemmini")
    assert missing.returncode == 1 and "needs tensor shapes" in missing.stderr
    wrong = tensflo_cmd("compile", str(src), "--target", "numpy", "--shapes", shapes)
    assert wrong.returncode == 2 and "takes no --shapes" in wrong.stderr


def test_a_target_that_fails_gives_a_diagnostic_not_a_traceback(monkeypatch, repo) -> None:
    import tensflo
    from tensflo.targets.numpy import NumpyTarget

    def broken(self, functions, out):
        raise RuntimeError("no entry for this op")

    monkeypatch.setattr(NumpyTarget, "emit", broken)
    result = tensflo.compile(str(repo / "benchmarks/kernels/cpp/dot.cc"), "dot", target="numpy",
                             synth="none", timeout=30)
    assert result.status == "not_lifted" and result.code is None
    assert any("the numpy target failed on this program: RuntimeError: no entry for this op"
               in d.message for d in result.diagnostics)
