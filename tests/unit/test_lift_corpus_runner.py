"""benchmarks/lift_corpus.py: the C and python_real suites, their tags and doctests, the reasons
grouped without names, a C kernel checked against gcc -O2."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import lift_corpus  # noqa: E402


def test_every_suite_is_found_with_its_files() -> None:
    files = lift_corpus.kernel_files(["c", "python_real"])
    suites = {s for s, _ in files}
    assert suites == {"c", "python_real"}
    assert sum(s == "c" for s, _ in files) >= 40
    assert all(f.suffix == (".c" if s == "c" else ".py") for s, f in files)


def test_tags_and_requires_of_a_c_kernel() -> None:
    text = (ROOT / "benchmarks/kernels/c/saxpy.c").read_text()
    tags, requires = lift_corpus.comment_tags(text)
    assert "stride" in tags and "inplace" in tags and requires == "incx > 0, incy > 0"


def test_reasons_are_grouped_without_names() -> None:
    a = lift_corpus.reason_key("k.c:3:4: unsupported: type struct pwork for the pointer parameter w "
                               "(pwork *) (also refused: 5:6 the member n)")
    b = lift_corpus.reason_key("j.c:9:1: unsupported: type struct cone for the pointer parameter c "
                               "(cone *)")
    assert a == b == "unsupported: type struct … for the pointer parameter … (T *)"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_c_kernel_and_a_python_real_kernel_run_end_to_end() -> None:
    (c_row,) = lift_corpus.run_file("c", ROOT / "benchmarks/kernels/c/scale_inplace.c", None,
                                    60.0, "z3", 30)
    assert (c_row["status"], c_row["proof"], c_row["arithmetic"]) == ("lifted", "unbounded", "real")
    assert c_row["differential"]["cases"] == 30 and c_row["differential"]["failed"] == 0
    assert "inplace" in c_row["tags"]
    (py_row,) = lift_corpus.run_file("python_real", ROOT / "benchmarks/kernels/python_real/dot.py",
                                     None, 60.0, "z3", 30)
    assert py_row["doctests"]["attempted"] > 0 and py_row["doctests"]["failed"] == 0
