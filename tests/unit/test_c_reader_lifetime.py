"""Reading a C file keeps no libclang object past the read: a compile that proves a narrow
conversion (c_fits) exits without libclang's 'Exception ignored' tracebacks at shutdown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SOURCE = """
#include <stdint.h>
void clamp16(const int *a, int16_t *out, int n) {
    for (int i = 0; i < n; i++) {
        int s = a[i];
        if (s > 32767) s = 32767;
        if (s < -32768) s = -32768;
        out[i] = (int16_t) s;
    }
}
"""


def test_a_c_compile_with_a_proven_conversion_exits_quietly(tmp_path: Path) -> None:
    src = tmp_path / "clamp16.c"
    src.write_text(SOURCE)
    run = subprocess.run([sys.executable, "-m", "tensflo", "compile", str(src), "--target", "numpy",
                          "-o", str(tmp_path / "out.py")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "lifted" in run.stdout + run.stderr
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr, run.stderr
