"""Golden text of the code generators: what each target's `emit` writes for the functions of every
`examples/*.tensir` module (the text `tensflo render FILE --target NAME` prints), in
`tests/golden/<target>/<example>.<ext>`.

In LLVM IR the lines that may name the machine (target triple, data layout, CPU name and features)
are replaced by `<host>` before comparing, so the files hold on every machine.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tensflo.ir.tensir import parse_module
from tensflo.plugins.manager import Registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.tensir"))
TARGETS = {"numpy": ".py", "torch": ".py", "jax": ".py", "mlx": ".py", "llvm": ".ll"}
"""Each target with the file extension of its golden files."""

MACHINE = [
    (re.compile(r'^target triple = ".*"$', re.M), 'target triple = "<host>"'),
    (re.compile(r'^target datalayout = ".*"$', re.M), 'target datalayout = "<host>"'),
    (re.compile(r'"target-cpu"="[^"]*"'), '"target-cpu"="<host>"'),
    (re.compile(r'"target-features"="[^"]*"'), '"target-features"="<host>"'),
    (re.compile(r'^(@"tensflo_stream_bytes" = (?:weak )?global i64) \d+$', re.M), r'\1 <host>'),
]
"""What LLVM IR may say about the machine it was generated on, and its stand-in."""


def machine_independent(text: str) -> str:
    for pattern, stand_in in MACHINE:
        text = pattern.sub(stand_in, text)
    return text


def rendered(registry: Registry, target: str, path: Path) -> str:
    """What `tensflo render PATH --target TARGET` prints."""
    functions = parse_module(path.read_text(), source=str(path.relative_to(REPO)))
    out = io.StringIO()
    registry.registration("target", target).component.emit(functions, out)
    return out.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("target", list(TARGETS))
def test_generated_text(target: str, path: Path, registry: Registry, golden) -> None:
    text = rendered(registry, target, path)
    if target == "llvm":
        text = machine_independent(text)
    golden(f"{target}/{path.stem}{TARGETS[target]}", text)


def test_machine_lines_are_normalized() -> None:
    ir = ('target triple = "x86_64-unknown-linux-gnu"\ntarget datalayout = "e-m:e-i64:64"\n'
          'attributes #0 = { "target-cpu"="znver3" "target-features"="+avx2,+fma" }\n'
          '@"tensflo_stream_bytes" = global i64 20971520\n')
    assert machine_independent(ir) == (
        'target triple = "<host>"\ntarget datalayout = "<host>"\n'
        'attributes #0 = { "target-cpu"="<host>" "target-features"="<host>" }\n'
        '@"tensflo_stream_bytes" = global i64 <host>\n')
