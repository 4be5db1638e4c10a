"""docs/flo.md: its Python examples run and print what they say; every operator is documented."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from tensflo.ir.flo import BUILTIN_OPS

DOC = Path(__file__).resolve().parents[2] / "docs" / "flo.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_examples_run_and_print_what_the_page_shows():
    # the Beam and Hypothesis snippets use names defined by the reader: see test_beam.py and
    # test_properties.py
    blocks = [b for b in _python_blocks() if "run_beam(" not in b and "@given" not in b]
    assert len(blocks) >= 3
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(DOC), "exec"), {"__name__": "flo_doc"})
        shown = [line[2:] for line in block.splitlines()[1:] if line.startswith("# ")]
        if "print(" in block:
            assert " ".join(out.getvalue().split()) == " ".join(" ".join(shown).split())


def test_every_builtin_operator_is_in_the_table():
    text = DOC.read_text()
    for op in BUILTIN_OPS:
        assert f"\n| {op.name} |" in text, op.name
