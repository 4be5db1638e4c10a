"""No Python exception reaches the user: literals from macros are read by value, and a failure of a
frontend or of the lifter on one function is that function's result, never the file's."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import tensflo
from tensflo.ir.loop import run
from tensflo.plugins.cpp_frontend import parse_cpp

MACROS = """#include <vector>
#include <cfloat>
#include <climits>
#define MINUS_ONE -1
#define N 4
#define HALF 0.5f
#define SUM (2 + 3)
float lowest() { return -FLT_MAX; }
double tiny() { return DBL_MIN; }
int biggest() { return INT_MAX; }
int smallest() { return INT_MIN; }
int minus_one() { return MINUS_ONE; }
int n() { return N * 10; }
float half() { return HALF; }
int sum() { return SUM; }
int octal() { return 010; }
int hex() { return 0x10; }
float hexfloat() { return 0x1p-2; }
float tenth() { return 0.1f; }
bool yes() { return true; }
"""

EXPECTED: dict[str, Any] = {
    "lowest": -3.4028234663852886e38, "tiny": 2.2250738585072014e-308, "biggest": 2**31 - 1,
    "smallest": -(2**31), "minus_one": -1, "n": 40, "half": 0.5, "sum": 5, "octal": 8, "hex": 16,
    "hexfloat": 0.25, "tenth": 0.1, "yes": True,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_literals_from_macros_are_read_by_their_value(name: str) -> None:
    module = parse_cpp("macros.cc", MACROS)
    assert not module.rejected, module.rejected
    assert run(module, name, []) == EXPECTED[name]


def test_an_unsigned_literal_is_still_refused() -> None:
    module = parse_cpp("u.cc", "#include <climits>\nint f() { return UINT_MAX; }\n")
    (rej,) = module.rejected
    assert "unsigned" in rej.message and "macro" in rej.message and rej.loc.line == 2
    assert "would not fit" in rej.message  # UINT_MAX does not fit the int returned


def test_negated_flt_max_seeds_a_max_reduction_that_lifts(tmp_path: Path) -> None:
    src = tmp_path / "vmax.cc"
    src.write_text("""#include <vector>
#include <cfloat>
float vmax(const std::vector<float>& x) {
    float m = -FLT_MAX;
    for (int i = 0; i < (int)x.size(); i++) m = x[i] > m ? x[i] : m;
    return m;
}
int next(int a) { return a + 1; }
""")
    results = {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}
    assert results["next"].status == "lifted"
    vmax = results["vmax"]
    assert vmax.status in ("lifted", "not_lifted")
    if vmax.tensir is not None:
        assert "3.4028234663852886e+38" in vmax.tensir


TWO = "int bad(int a) { return a + 1; }\nint good(int a, int b) { return a * b; }\n"


def _boom(*_args: Any, **_kw: Any) -> Any:
    raise StopIteration


def test_a_reader_crash_rejects_only_its_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tensflo.plugins.cpp_frontend.evaluate", _boom)  # every literal crashes
    module = parse_cpp("two.cc", TWO)
    assert [f.name for f in module.functions] == ["good"]
    (rej,) = module.rejected
    assert rej.name == "bad" and rej.internal
    assert "StopIteration" in rej.message and "bad" in rej.message
    assert (rej.loc.line, rej.loc.col) == (1, 29)  # the literal being read


def test_a_reader_crash_is_an_error_result_and_the_others_lift(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("tensflo.plugins.cpp_frontend.evaluate", _boom)
    src = tmp_path / "two.cc"
    src.write_text(TWO)
    results = {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}
    bad, good = results["bad"], results["good"]
    assert (bad.status, good.status) == ("error", "lifted")
    (diag,) = bad.diagnostics
    assert diag.severity == "error" and (diag.line, diag.col) == (1, 29)
    assert "failed on bad: StopIteration" in diag.message


def test_a_lifting_crash_is_an_error_result_and_the_others_lift(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tensflo.compiler import pipeline

    real = pipeline.lift_function

    def lift(module: Any, fn: Any) -> Any:
        if fn.name == "bad":
            raise KeyError("no such thing")
        return real(module, fn)

    monkeypatch.setattr(pipeline, "lift_function", lift)
    src = tmp_path / "two.cc"
    src.write_text(TWO)
    bad, good = tensflo.compile_all(str(src), synth="none", timeout=60)
    assert bad.status == "error" and good.status == "lifted" and good.proof == "unbounded"
    (diag,) = bad.diagnostics
    assert diag.message == "internal error while lifting bad: KeyError: 'no such thing'"
    assert (diag.file, diag.line) == (str(src), 1)
    assert bad.to_json()["status"] == "error"


def test_a_python_reader_crash_rejects_only_its_function(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tensflo.plugins import python_frontend

    reader = "tensflo.plugins.python_frontend._FunctionReader.read"
    real = python_frontend.__dict__["_FunctionReader"].read

    def read(self: Any) -> Any:
        if self.fn.name == "bad":
            raise IndexError("list index out of range")
        return real(self)

    monkeypatch.setattr(reader, read)
    src = tmp_path / "two.py"
    src.write_text("def bad(a: int) -> int:\n    return a\n\n\ndef good(a: int) -> int:\n"
                   "    return a * 2\n")
    results = {r.function: r for r in tensflo.compile_all(str(src), synth="none", timeout=60)}
    bad, good = results["bad"], results["good"]
    assert bad.status == "error" and good.status == "lifted"
    assert "the Python reader failed on bad: IndexError" in bad.diagnostics[0].message


def test_a_frontend_crash_on_the_whole_file_is_an_input_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tensflo.plugins.errors import UsageError

    monkeypatch.setattr("tensflo.plugins.cpp_frontend.parse_cpp", _boom)
    src = tmp_path / "two.cc"
    src.write_text(TWO)
    with pytest.raises(UsageError, match=r"the cpp frontend failed: StopIteration"):
        tensflo.compile_all(str(src), synth="none", timeout=60)


def test_float_literals_keep_their_decimal() -> None:
    module = parse_cpp("f.cc", "float f() { return 0.1f + 1e-3f + 2.5; }\n")
    assert math.isclose(run(module, "f", []), 0.1 + 1e-3 + 2.5)
