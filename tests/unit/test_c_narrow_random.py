"""Soundness of the path-sensitive proofs of `plugins/c_fits.py` on random kernels: whatever the C
reader accepts computes gcc's values; whatever it refuses is refused at the conversion."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensflo.compiler.differential import c_differential
from tensflo.ir.loop.interp import Interpreter
from tensflo.plugins.c_frontend import CFrontend

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


_TYPES = {"uint8_t": (0, 255), "int8_t": (-128, 127), "uint16_t": (0, 65535),
          "int16_t": (-32768, 32767)}


def _random_kernel(rng: np.random.Generator, k: int) -> tuple[str, str, str]:
    """A clamp-then-convert kernel with random types and constants: it may fit or wrap."""
    src, dst = (str(rng.choice(list(_TYPES))) for _ in range(2))
    lo, hi = _TYPES[dst]
    c1 = int(rng.integers(-3, 4))
    top = int(rng.choice([hi, hi + int(rng.integers(1, 300)), hi - int(rng.integers(0, 50))]))
    bottom = int(rng.choice([lo, lo - int(rng.integers(1, 300)), lo + int(rng.integers(0, 50))]))
    d = int(rng.choice([1, 1, 2, 3]))
    shape = int(rng.integers(0, 3))
    if shape == 0:  # two clamps, each setting the bound it tests
        body = (f"int s = a[i] + b[i] * {c1};\n        if (s > {top}) s = {top};\n"
                f"        if (s < {bottom}) s = {bottom};\n        out[i] = ({dst})(s / {d});")
    elif shape == 1:  # a ?: clamp
        body = (f"int s = a[i] - b[i] * {c1};\n        out[i] = ({dst})((s > {top} ? {top} : "
                f"s < {bottom} ? {bottom} : s) / {d});")
    else:  # an early continue-free else-if chain, stored without a cast
        body = (f"int s = a[i] * {c1} + b[i];\n        if (s > {top}) s = {top};\n"
                f"        else if (s < {bottom}) s = {bottom};\n        out[i] = s / {d};")
    name = f"k{k}"
    code = (f"void {name}(const {src} *a, const {src} *b, {dst} *out, int n) {{\n"
            f"    for (int i = 0; i < n; i++) {{\n        {body}\n    }}\n}}\n")
    return name, src, code


def test_random_clamps_are_read_only_where_gcc_agrees_with_the_exact_value(
        tmp_path: Path) -> None:
    """Soundness: of 24 random clamp-and-convert kernels, each one the reader accepts computes
    gcc's values (the loop IR run on inputs at the corners of the source type and random ones),
    each one it refuses is refused at its conversion; both kinds occur."""
    rng = np.random.default_rng(2026)
    kernels = [_random_kernel(rng, k) for k in range(24)]
    path = tmp_path / "random.c"
    text = "#include <stdint.h>\n" + "".join(code for _, _, code in kernels)
    path.write_text(text)
    module = CFrontend().parse(str(path), text)
    refused = {r.name: r.message for r in module.rejected}
    interp = Interpreter(module)
    accepted = 0
    for name, src, _ in kernels:
        if name in refused:
            assert "may not fit" in refused[name], refused[name]
            continue
        accepted += 1
        lo, hi = _TYPES[src]
        corners = [lo, hi, 0, lo + 1, hi - 1]
        a = np.array([x for x in corners for _ in corners] + list(rng.integers(lo, hi + 1, 20)))
        b = np.array([y for _ in corners for y in corners] + list(rng.integers(lo, hi + 1, 20)))
        n = len(a)

        def run(a: Any, b: Any, out: Any, n: int, name: str = name) -> None:
            _, final = interp.run_in_place(name, [a.tolist(), b.tolist(), out.tolist(), n])
            out[:] = final[2]

        report = c_differential(str(path), name, run, [[a, b, np.zeros(n), n]],
                                cache_dir=str(tmp_path / "c"))
        assert report.ok, (name, report.failures[:1])
    assert 4 <= accepted <= 20, (accepted, refused)
