"""Run a C function natively, numbers and pointers: the `gcc -O2` side of differential tests of C
code (and of C++ functions over pointers, scalars and `std::vector`s of floats, with `g++ -O2`).

The function's C signature is read with libclang (`c_family.function_signature`: typedefs
resolved), so the driver declares each argument with the function's own types: a scalar parameter
as its type, a pointer parameter as an array of its element type (`float`, `unsigned char`, ...)
holding the case's list. The driver calls the function and writes, for each case, the return
value (none for `void`) and then every pointer argument's array after the call (written arrays are
results; read-only ones must come back unchanged). Integers travel as decimal, floats as `%.17g`
(read back exactly; `nan`, `inf` included). Each case's line is flushed, so a crash loses only that
case (see `native.NativeProgram`).

Floats of the C program are rounded to its types (`float`: 24-bit mantissa), so they are compared
with `single_close`: a tolerance scaled to the number of terms and to the magnitude of the values.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tensflo.plugins.c_family import (
    CParameter,
    CSignature,
    clang_flags,
    function_signature,
    language_of,
)

from .native import NativeError, NativeRunError, build_driver, describe_exit, include_source

C_FLAGS: dict[str, tuple[str, ...]] = {"c": ("-x", "c", "-std=gnu11", "-O2"),
                                       "c++": ("-x", "c++", "-std=gnu++17", "-O2")}
"""How the driver (which includes the source) is compiled, by the source's language."""
COMPILERS = {"c": "gcc", "c++": "g++"}
SINGLE_EPS = 2.0**-24
"""The unit roundoff of a C `float`."""


@dataclass(frozen=True)
class COutcome:
    """What one call did: the return value (None for `void`) and each pointer argument after it."""

    result: int | float | list[Any] | None
    """A `std::vector` result is a list."""
    arrays: dict[str, list[Any]]


def _reader(p: CParameter) -> str:
    return f"({p.ctype})tf_real()" if p.floating else f"({p.ctype})tf_int()"


def _writer(p: CParameter, value: str) -> str:
    if p.floating:
        return f'fprintf(out, " %.17g", (double)({value}));'
    return f'fprintf(out, " %lld", (long long)({value}));'


_HELPERS = r"""
#include <stdio.h>
#include <stdlib.h>

static void tf_fail(void) {
    fprintf(stderr, "tensflo native driver: malformed input\n");
    exit(3);
}

static long long tf_int(void) {
    long long v;
    if (scanf("%lld", &v) != 1) tf_fail();
    return v;
}

static double tf_real(void) {
    char buf[80];
    if (scanf("%79s", buf) != 1) tf_fail();
    return strtod(buf, NULL);
}
"""


_LIBM_FLOAT = ("sqrtf", "expf", "logf", "powf", "fabsf", "floorf", "ceilf", "roundf", "fminf",
               "fmaxf", "tanhf", "sinf", "cosf", "tanf", "log2f", "log10f", "exp2f", "fmodf",
               "truncf", "atanf", "atan2f", "erff", "log1pf", "expm1f", "cbrtf", "hypotf")
_SYSTEM_HEADERS = {"c": ("math.h", "float.h", "stdlib.h", "stdio.h", "string.h", "stdint.h",
                         "stddef.h", "limits.h", "stdbool.h"),
                   "c++": ("cmath", "cfloat", "cstdlib", "cstdio", "cstring", "cstdint",
                           "cstddef", "climits", "vector", "algorithm", "limits", "numeric")}


def double_twin(language: str) -> str:
    """Lines that make the source compute in double precision: the system headers first (their
    `float` declarations stay), then `float` and libm's `f` functions as their double forms."""
    return ("".join(f"#include <{h}>\n" for h in _SYSTEM_HEADERS[language]) +
            "#define float double\n" +
            "".join(f"#define {f} {f[:-1]}\n" for f in _LIBM_FLOAT))


def c_driver_source(source_path: str | os.PathLike[str], sig: CSignature,
                    double: str | None = None) -> str:
    """The driver calling `sig.function` from `source_path` (valid C and C++); with `double` (the
    language), the source's `float`s computed as `double` (`double_twin`)."""
    lines = []
    for i, p in enumerate(sig.params):
        if p.vector:
            lines += [f"        long long n{i} = tf_int();",
                      f"        if (n{i} < 0) tf_fail();",
                      f"        std::vector<{p.ctype}> a{i}((size_t)n{i});",
                      f"        for (long long i = 0; i < n{i}; i++) a{i}[i] = {_reader(p)};"]
        elif p.pointer:
            lines += [f"        long long n{i} = tf_int();",
                      f"        if (n{i} < 0) tf_fail();",
                      f"        {p.ctype} *a{i} = ({p.ctype} *)malloc(sizeof({p.ctype}) * (size_t)(n{i} + 1));",
                      f"        for (long long i = 0; i < n{i}; i++) a{i}[i] = {_reader(p)};"]
        else:
            lines.append(f"        {p.ctype} a{i} = {_reader(p)};")
    args = ", ".join(f"a{i}" for i in range(len(sig.params)))
    if sig.result is None:
        lines += [f"        {sig.function}({args});", '        fputs("=", out);']
    elif sig.result.vector:
        lines += [f"        std::vector<{sig.result.ctype}> r = {sig.function}({args});",
                  '        fprintf(out, "= %zu", r.size());',
                  f"        for (size_t i = 0; i < r.size(); i++) {_writer(sig.result, 'r[i]')}"]
    else:
        lines += [f"        {sig.result.ctype} r = {sig.function}({args});",
                  '        fputs("=", out);', "        " + _writer(sig.result, "r")]
    for i, p in enumerate(sig.params):
        if p.pointer:
            lines += [f'        fprintf(out, " | %lld", n{i});',
                      f"        for (long long i = 0; i < n{i}; i++) {_writer(p, f'a{i}[i]')}",
                      f"        free(a{i});"]
    body = "\n".join(lines)
    vectors = any(p.vector for p in (*sig.params, sig.result) if p is not None)
    return ((double_twin(double) if double else "") + include_source(source_path) +
            ("#include <vector>\n" if vectors else "") + _HELPERS +
            "int main(int argc, char **argv) {\n"
            "    if (argc != 2) { fprintf(stderr, \"usage: driver OUTPUT < INPUT\\n\"); return 2; }\n"
            "    FILE *out = fopen(argv[1], \"w\");\n"
            "    if (!out) { perror(argv[1]); return 2; }\n"
            "    long long cases = tf_int();\n"
            "    for (long long c = 0; c < cases; c++) {\n"
            f"{body}\n"
            "        fputc('\\n', out);\n"
            "        fflush(out);\n"
            "    }\n"
            "    return fclose(out) == 0 ? 0 : 2;\n"
            "}\n")


def _number(x: Any, p: CParameter, where: str) -> str:
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool):
        x = int(x)
    if p.floating:
        if not isinstance(x, int | float):
            raise NativeError(f"{where}: expected a number, got {type(x).__name__} {x!r}")
        return repr(float(x))
    if not isinstance(x, int) and not (isinstance(x, float) and x.is_integer()):
        raise NativeError(f"{where}: expected an int, got {type(x).__name__} {x!r}")
    return str(int(x))


def format_case(sig: CSignature, args: Sequence[Any], index: int = 0) -> str:
    """One case's arguments in the driver's input format."""
    if len(args) != len(sig.params):
        raise NativeError(f"case {index}: {sig.function} takes {len(sig.params)} arguments, "
                          f"got {len(args)}")
    out = []
    for p, a in zip(sig.params, args, strict=True):
        where = f"case {index}, {p.name}"
        if p.pointer or p.vector:
            if isinstance(a, str | bytes) or not hasattr(a, "__len__"):
                raise NativeError(f"{where}: expected a list for the pointer, got {a!r}")
            values = list(a)
            out += [str(len(values)), *(_number(v, p, f"{where}[{k}]") for k, v in enumerate(values))]
        else:
            out.append(_number(a, p, where))
    return " ".join(out)


_INT_BITS = {"char": 8, "short": 16, "int": 32, "long": 64, "long long": 64, "_Bool": 1,
             "bool": 1}


def stored(x: Any, p: CParameter) -> Any:
    """`x` as the C parameter `p` holds it: rounded to `float`, or wrapped into a narrow or
    unsigned integer type (`unsigned char` holds 300 as 44; x86's `char` is signed)."""
    if isinstance(x, np.generic):
        x = x.item()
    if p.floating:
        return float(np.float32(x)) if p.ctype == "float" else float(x)
    words = p.ctype.split()
    unsigned = words[0] == "unsigned"
    bits = _INT_BITS.get(" ".join(w for w in words if w not in ("unsigned", "signed")), 32)
    if bits == 1:
        return int(bool(x))
    value = int(x) % (1 << bits)
    return value - (1 << bits) if not unsigned and value >= 1 << (bits - 1) else value


def c_view(sig: CSignature, args: Sequence[Any]) -> list[Any]:
    """The arguments as the C function sees them (`stored`), so both sides compute on the values
    the C types can hold."""
    return [[stored(v, p) for v in a] if p.pointer or p.vector else stored(a, p)
            for p, a in zip(sig.params, args, strict=True)]


def _value(text: str, p: CParameter) -> int | float:
    return float(text) if p.floating else int(text)


def parse_outcome(line: str, sig: CSignature) -> COutcome:
    """A result line of the driver (`= R | n a0 a1 ... | n ...`)."""
    if not line.startswith("="):
        raise NativeError(f"malformed result line {line!r}")
    parts = line[1:].split("|")
    result: Any = None
    if sig.result is not None and sig.result.vector:
        n, *entries = parts[0].split()
        if int(n) != len(entries):
            raise NativeError(f"malformed vector result in {line!r}")
        result = [_value(v, sig.result) for v in entries]
    elif sig.result is not None:
        result = _value(parts[0].strip(), sig.result)
    pointers = [p for p in sig.params if p.pointer]
    if len(parts) != 1 + len(pointers):
        raise NativeError(f"malformed result line {line!r}: expected {len(pointers)} arrays")
    arrays = {}
    for p, part in zip(pointers, parts[1:], strict=True):
        n, *values = part.split()
        if int(n) != len(values):
            raise NativeError(f"malformed array {p.name} in {line!r}")
        arrays[p.name] = [_value(v, p) for v in values]
    return COutcome(result, arrays)


@dataclass(frozen=True)
class CProgram:
    """A compiled driver for one C function; `run` executes a batch of cases."""

    source_path: Path
    signature: CSignature
    binary: Path

    def run(self, inputs: Sequence[Sequence[Any]], timeout: float = 60.0) -> list[COutcome]:
        """The outcome of each case; `NativeRunError` (with the others' outcomes) when some crash."""
        texts = [format_case(self.signature, args, i) for i, args in enumerate(inputs)]
        results: list[Any] = [None] * len(texts)
        failures: dict[int, str] = {}
        start = 0
        with tempfile.TemporaryDirectory(prefix="tensflo-native-c-") as tmp:
            out_path = Path(tmp) / "out.txt"
            while start < len(texts):
                lines, problem = self._run_from(texts, start, out_path, timeout)
                for offset, line in enumerate(lines):
                    try:
                        results[start + offset] = parse_outcome(line, self.signature)
                    except (NativeError, ValueError) as e:
                        failures[start + offset] = str(e)
                start += len(lines)
                if problem is not None:
                    failures[start] = problem
                    start += 1
        if failures:
            first = min(failures)
            raise NativeRunError(f"{self.signature.function} ({self.source_path}): "
                                 f"{len(failures)} of {len(texts)} cases failed; case {first}: "
                                 f"{failures[first]}", results, failures)
        return results

    def _run_from(self, texts: list[str], start: int, out_path: Path,
                  timeout: float) -> tuple[list[str], str | None]:
        stdin = f"{len(texts) - start}\n" + "\n".join(texts[start:]) + "\n"
        out_path.unlink(missing_ok=True)
        problem = None
        try:
            proc = subprocess.run([str(self.binary), str(out_path)], input=stdin, text=True,
                                  capture_output=True, timeout=timeout)
            if proc.returncode != 0:
                problem = describe_exit(proc.returncode)
        except subprocess.TimeoutExpired:
            problem = f"timed out after {timeout:g} s"
        except OSError as e:
            raise NativeError(f"cannot run {self.binary}: {e}") from None
        text = out_path.read_text() if out_path.exists() else ""
        lines = text.split("\n")[:-1]
        if len(lines) >= len(texts) - start:
            return lines, None
        return lines, problem or "the program exited during this case"


def compile_c(source_path: str | os.PathLike[str], function: str, *,
              flags: Sequence[str] = (), cache_dir: str | os.PathLike[str] | None = None,
              double: bool = False) -> CProgram:
    """Compile (or take from the cache) a driver for `function` of a C (`.c`, `.h`: gcc) or C++
    file (g++); `flags` are extra `-I`/`-D` flags for both libclang and the compiler. `double`:
    the twin that computes the source's `float`s in double precision (to tell a difference due to
    single precision, e.g. an underflow to 0, from a wrong program)."""
    language = language_of(str(source_path))
    sig = function_signature(str(source_path), function,
                             (*clang_flags(language)[:3], *flags, *clang_flags(language)[3:]))
    if sig.result is not None and sig.result.pointer:
        raise NativeError(f"{function} returns a pointer: the native harness takes numbers")
    source = Path(source_path).resolve()
    driver = c_driver_source(source, sig, language if double else None)
    binary, _ = build_driver(source, function, driver, cache_dir=cache_dir,
                             cxx=COMPILERS[language], flags=(*C_FLAGS[language], *flags),
                             suffix=".c" if language == "c" else ".cc", libraries=("-lm",))
    return CProgram(source, sig, binary)


def run_c(source_path: str | os.PathLike[str], function: str, inputs: Sequence[Sequence[Any]],
          *, flags: Sequence[str] = (), cache_dir: str | os.PathLike[str] | None = None,
          timeout: float = 60.0, double: bool = False) -> tuple[CSignature, list[COutcome]]:
    """The outcome of the C `function` on each argument list of `inputs` (pointers as lists);
    `double`: computed by the double-precision twin (`compile_c`)."""
    program = compile_c(source_path, function, flags=flags, cache_dir=cache_dir, double=double)
    return program.signature, program.run(inputs, timeout=timeout)


def single_close(a: float, b: float, scale: float, terms: int) -> bool:
    """Whether `a` (the C program's float) and `b` agree within single-precision rounding of a
    computation over `terms` values of magnitude `scale`: `|a - b| <= 8 (terms + 8) 2^-24 M`,
    M the largest of `scale`, |a| and |b|. NaN equals NaN only;
    an infinity equals only itself, or a value beyond `float`'s range."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b or (math.isinf(a) and abs(b) > 3.4e38 and (a > 0) == (b > 0))
    m = max(scale, abs(a), abs(b))
    return abs(a - b) <= 8 * (terms + 8) * SINGLE_EPS * m


def values_close(want: Any, got: Any, scale: float, terms: int, floating: bool) -> bool:
    """`want` (the C program's value or array) and `got` (a scalar, list or array) agree:
    exactly for ints, within `single_close` for floats."""
    if isinstance(got, np.ndarray):
        got = got.tolist()
    elif isinstance(got, np.generic):
        got = got.item()
    if isinstance(want, list):
        return (isinstance(got, list) and len(got) == len(want) and
                all(values_close(w, g, scale, terms, floating) for w, g in zip(want, got, strict=True)))
    if isinstance(got, list | tuple) or got is None or want is None:
        return want is None and got is None
    if floating:
        return single_close(float(want), float(got), scale, terms)
    return bool(want == got)
