"""Run a C++ function natively: the `g++ -O3` side of differential tests and benchmarks.

`run_native` (or `compile_native` followed by `NativeProgram.run`) generates a small C++ driver that
`#include`s the source file, reads a batch of test cases from stdin, calls the function on each and
writes each result to a file, one line per case. The binary is compiled once and cached under a hash
of the source, the driver and the compiler command, so later runs only execute it.

Types are TensIR type strings (or `TensorType`s): `int` is a C++ `int`, `vec[int]` a
`std::vector<int>`, `mat[int]` a `std::vector<std::vector<int>>`; the function may take each by value
or by (const) reference. Python values are `int`, `list[int]` and `list[list[int]]` (any sequence of
ints is accepted as input; matrices must be rectangular, ints must fit in a C++ `int`).

Text format (whitespace-separated decimal integers), shared by the driver's input and output:

- `int`: the value, e.g. `-3`
- `vec[int]`: the length, then the entries: `[4, -1]` is `2 4 -1`, `[]` is `0`
- `mat[int]`: rows, columns, then the entries row by row: `[[1, 2], [3, 4]]` is `2 2 1 2 3 4`;
  `[]` is `0 0`, `[[], []]` is `2 0`

The driver's stdin is the number of cases, then for each case its arguments in parameter order. It
writes one line per case, the result in the same format, or `!` and a reason when the case threw a C++
exception or returned a ragged matrix. Each line is flushed, so when a case crashes (a signal, an exit,
a timeout) the results before it are kept, that case is reported, and the cases after it run in a new
process: one bad case never loses the others.
"""

from __future__ import annotations

import hashlib
import operator
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias, TypeGuard

from tensflo.ir.tensir.types import TensorType, parse_type

Value: TypeAlias = int | list[int] | list[list[int]]
"""A Python value of a native parameter or result."""

DEFAULT_FLAGS: tuple[str, ...] = ("-std=c++17", "-O3")
"""Flags the driver is compiled with unless the caller gives others."""

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""The range of a C++ `int` on every platform g++ targets here."""

CPP_TYPES: dict[int, str] = {0: "int", 1: "std::vector<int>", 2: "std::vector<std::vector<int>>"}
"""The C++ type of an `int` TensIR type of each rank."""

_FUNCTION_NAME = re.compile(r"[A-Za-z_]\w*(::[A-Za-z_]\w*)*")


class NativeError(Exception):
    """Anything that stops a native run: bad arguments or inputs, a compile error, failed cases."""


class NativeCompileError(NativeError):
    """g++ rejected the driver (which includes the source); `stderr` holds g++'s messages."""

    def __init__(self, message: str, command: list[str], stderr: str) -> None:
        super().__init__(message)
        self.command = command
        """The g++ command line that failed."""
        self.stderr = stderr
        """g++'s diagnostics, verbatim."""


class NativeRunError(NativeError):
    """Some cases failed (crash, timeout, C++ exception, ragged result); the others still ran.

    `results[i]` is the result of case `i`, or None when it is one of `failures`.
    """

    def __init__(self, message: str, results: list[Value | None], failures: dict[int, str]) -> None:
        super().__init__(message)
        self.results = results
        """One entry per case: its result, or None for a failed case."""
        self.failures = failures
        """Case index -> why it failed (e.g. `killed by SIGSEGV (Segmentation fault)`)."""


# ---------------------------------------------------------------------------------------------------
# Types and the text format
# ---------------------------------------------------------------------------------------------------


def native_type(t: str | TensorType) -> TensorType:
    """The TensIR type `t` if the native runner supports it (`int`, `vec[int]`, `mat[int]`)."""
    try:
        parsed = parse_type(t) if isinstance(t, str) else t
    except TypeError as e:
        raise NativeError(f"bad type {t!r}: {e}") from None
    if not isinstance(parsed, TensorType) or parsed.elem != "int" or parsed.rank not in CPP_TYPES:
        raise NativeError(f"unsupported type {str(t)!r}: the native runner takes int, vec[int], "
                          "mat[int]")
    return parsed


def _int(x: Any, where: str) -> int:
    try:
        v = operator.index(x)
    except TypeError:
        raise NativeError(f"{where}: expected an int, got {type(x).__name__} {x!r}") from None
    if not INT_MIN <= v <= INT_MAX:
        raise NativeError(f"{where}: {v} does not fit in a C++ int")
    return v


def _is_list(x: object) -> TypeGuard[Iterable[object]]:
    """A list, tuple, NumPy array or similar sized iterable (not a string)."""
    return hasattr(x, "__len__") and hasattr(x, "__iter__") and not isinstance(x, str | bytes)


def _row(x: object, where: str) -> list[int]:
    if not _is_list(x):
        raise NativeError(f"{where}: expected a list of ints, got {type(x).__name__} {x!r}")
    return [_int(e, f"{where}[{i}]") for i, e in enumerate(x)]


def format_value(value: object, t: str | TensorType, where: str = "value") -> str:
    """`value` of type `t` in the text format (see the module docstring); checks the value."""
    t = native_type(t)
    if t.rank == 0:
        return str(_int(value, where))
    if t.rank == 1:
        row = _row(value, where)
        return " ".join(map(str, [len(row), *row]))
    if not _is_list(value):
        raise NativeError(f"{where}: expected a list of lists of ints, got {value!r}")
    rows = [_row(r, f"{where}[{i}]") for i, r in enumerate(value)]
    cols = len(rows[0]) if rows else 0
    for i, r in enumerate(rows):
        if len(r) != cols:
            raise NativeError(f"{where}: ragged matrix: row {i} has {len(r)} entries, row 0 has "
                              f"{cols}")
    return " ".join(map(str, [len(rows), cols, *(e for r in rows for e in r)]))


def _take(tokens: list[int], pos: int, count: int, what: str) -> list[int]:
    if count < 0 or pos + count > len(tokens):
        raise NativeError(f"malformed {what}: needs {count} more numbers at position {pos}, "
                          f"{len(tokens) - pos} left")
    return tokens[pos:pos + count]


def _parse_at(tokens: list[int], pos: int, t: TensorType) -> tuple[Value, int]:
    if t.rank == 0:
        return _take(tokens, pos, 1, "int")[0], pos + 1
    if t.rank == 1:
        (n,) = _take(tokens, pos, 1, "vector length")
        return _take(tokens, pos + 1, n, "vector"), pos + 1 + n
    rows, cols = _take(tokens, pos, 2, "matrix shape")
    if rows < 0 or cols < 0:
        raise NativeError(f"malformed matrix shape {rows} x {cols}")
    flat = _take(tokens, pos + 2, rows * cols, "matrix")
    return [flat[i * cols:(i + 1) * cols] for i in range(rows)], pos + 2 + rows * cols


def parse_value(text: str, t: str | TensorType) -> Value:
    """The value of type `t` written in `text` (the text format); the inverse of `format_value`."""
    try:
        tokens = [int(tok) for tok in text.split()]
    except ValueError as e:
        raise NativeError(f"malformed value text {text!r}: {e}") from None
    value, end = _parse_at(tokens, 0, native_type(t))
    if end != len(tokens):
        raise NativeError(f"malformed value text {text!r}: {len(tokens) - end} extra numbers")
    return value


# ---------------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------------

_DRIVER_HELPERS = r"""
namespace tensflo_native {

static void fail_input() {
    std::fprintf(stderr, "tensflo native driver: malformed input\n");
    std::exit(3);
}

static int read_int() {
    int v;
    if (std::scanf("%d", &v) != 1) fail_input();
    return v;
}

static std::vector<int> read_vec() {
    int n = read_int();
    if (n < 0) fail_input();
    std::vector<int> v(n);
    for (int i = 0; i < n; i++) v[i] = read_int();
    return v;
}

static std::vector<std::vector<int>> read_mat() {
    int rows = read_int(), cols = read_int();
    if (rows < 0 || cols < 0) fail_input();
    std::vector<std::vector<int>> m(rows, std::vector<int>(cols));
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) m[i][j] = read_int();
    return m;
}

static void put(std::string& out, int v) { out += std::to_string(v); }

static void put(std::string& out, const std::vector<int>& v) {
    out += std::to_string(v.size());
    for (int e : v) { out += ' '; out += std::to_string(e); }
}

static void put(std::string& out, const std::vector<std::vector<int>>& m) {
    std::size_t cols = m.empty() ? 0 : m[0].size();
    for (std::size_t i = 0; i < m.size(); i++) {
        if (m[i].size() != cols) {
            out = "! ragged matrix result: row " + std::to_string(i) + " has " +
                  std::to_string(m[i].size()) + " entries, row 0 has " + std::to_string(cols);
            return;
        }
    }
    out += std::to_string(m.size()) + ' ' + std::to_string(cols);
    for (const auto& row : m)
        for (int e : row) { out += ' '; out += std::to_string(e); }
}

static void emit(std::FILE* f, const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    std::fflush(f);
}

}  // namespace tensflo_native
"""

_READERS = {0: "read_int", 1: "read_vec", 2: "read_mat"}


def _cpp_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def include_source(source_path: str | os.PathLike[str]) -> str:
    """The lines of a driver that `#include` the source (its own `main`, if any, renamed)."""
    return ("#define main tensflo_native_source_main  // a main() of the source's own is not called\n"
            f"#include {_cpp_string(str(Path(source_path).resolve()))}\n"
            "#undef main\n\n")


def driver_source(source_path: str | os.PathLike[str], function: str,
                  param_types: Sequence[TensorType], return_type: TensorType) -> str:
    """The C++ driver calling `function` from `source_path` (the file is `#include`d by path)."""
    reads = "".join(f"        {CPP_TYPES[t.rank]} arg{i} = tensflo_native::{_READERS[t.rank]}();\n"
                    for i, t in enumerate(param_types))
    args = ", ".join(f"arg{i}" for i in range(len(param_types)))
    return (
        include_source(source_path) +
        "#include <cstdio>\n#include <cstdlib>\n#include <exception>\n#include <string>\n"
        "#include <vector>\n"
        f"{_DRIVER_HELPERS}\n"
        "int main(int argc, char** argv) {\n"
        "    if (argc != 2) { std::fprintf(stderr, \"usage: driver OUTPUT < INPUT\\n\"); return 2; }\n"
        "    std::FILE* out = std::fopen(argv[1], \"w\");\n"
        "    if (!out) { std::perror(argv[1]); return 2; }\n"
        "    int cases = tensflo_native::read_int();\n"
        "    for (int c = 0; c < cases; c++) {\n"
        f"{reads}"
        "        std::string line;\n"
        "        try {\n"
        f"            {CPP_TYPES[return_type.rank]} result = {function}({args});\n"
        "            tensflo_native::put(line, result);\n"
        "        } catch (const std::exception& e) {\n"
        "            line = std::string(\"! C++ exception: \") + e.what();\n"
        "        } catch (...) {\n"
        "            line = \"! C++ exception of a non-standard type\";\n"
        "        }\n"
        "        tensflo_native::emit(out, line);\n"
        "    }\n"
        "    return std::fclose(out) == 0 ? 0 : 2;\n"
        "}\n"
    )


# ---------------------------------------------------------------------------------------------------
# Compiling (cached) and running
# ---------------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/tensflo/native`, or `~/.cache/tensflo/native`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tensflo" / "native"


@cache
def _compiler_identity(cxx: str) -> str:
    path = shutil.which(cxx)
    if path is None:
        raise NativeError(f"C++ compiler {cxx!r} not found on PATH")
    try:
        version = subprocess.run([path, "-dumpfullversion", "-dumpversion"], capture_output=True,
                                 text=True, timeout=30, stdin=subprocess.DEVNULL).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        raise NativeError(f"cannot run C++ compiler {path}: {e}") from None
    return f"{os.path.realpath(path)} {version}"


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"killed by signal {-returncode}"
        return f"killed by {sig.name} ({signal.strsignal(sig) or sig.name})"
    return f"the program exited with status {returncode} during this case"


@dataclass(frozen=True)
class NativeProgram:
    """A compiled driver for one function; `run` executes a batch of cases."""

    source_path: Path
    """The C++ source file (absolute)."""
    function: str
    """The function the driver calls."""
    param_types: tuple[TensorType, ...]
    """Parameter types, in order."""
    return_type: TensorType
    """Type of the result."""
    binary: Path
    """The cached executable."""
    compiled: bool = field(default=False, compare=False)
    """True when this `compile_native` call ran g++; False when the binary came from the cache."""

    def format_case(self, args: Sequence[object], index: int = 0) -> str:
        """One case's arguments in the text format (checks the count, types and int ranges)."""
        if not _is_list(args) or len(args) != len(self.param_types):
            raise NativeError(f"case {index}: expected {len(self.param_types)} arguments "
                              f"({', '.join(map(str, self.param_types))}), got {args!r}")
        return " ".join(format_value(a, t, f"case {index}, argument {i}")
                        for i, (a, t) in enumerate(zip(args, self.param_types, strict=True)))

    def run(self, inputs: Sequence[Sequence[object]], timeout: float = 60.0) -> list[Value]:
        """The result of the function on each case of `inputs` (a list of argument lists).

        Raises `NativeError` for a malformed case before anything runs, and `NativeRunError` (with
        every other case's result) when some cases crash, time out (`timeout` seconds for one process
        run), throw, or return a ragged matrix.
        """
        texts = [self.format_case(args, i) for i, args in enumerate(inputs)]
        results: list[Value | None] = [None] * len(texts)
        failures: dict[int, str] = {}
        start = 0
        with tempfile.TemporaryDirectory(prefix="tensflo-native-") as tmp:
            out_path = Path(tmp) / "out.txt"
            while start < len(texts):
                lines, problem = self._run_from(texts, start, out_path, timeout)
                for offset, line in enumerate(lines):
                    case = start + offset
                    if line.startswith("!"):
                        failures[case] = line[1:].strip()
                    else:
                        try:
                            results[case] = parse_value(line, self.return_type)
                        except NativeError as e:
                            failures[case] = f"unreadable result line {line!r}: {e}"
                start += len(lines)
                if problem is not None:
                    failures[start] = problem
                    start += 1
        if failures:
            first = min(failures)
            raise NativeRunError(
                f"{self.function} ({self.source_path}): {len(failures)} of {len(texts)} cases "
                f"failed; case {first}: {failures[first]}; its input: {texts[first]}",
                results, failures)
        return [r for r in results if r is not None]  # no case failed: every one has a result

    def _run_from(self, texts: list[str], start: int, out_path: Path,
                  timeout: float) -> tuple[list[str], str | None]:
        """Run cases `start..`; the complete result lines and, if the run stopped early, why."""
        stdin = f"{len(texts) - start}\n" + "\n".join(texts[start:]) + "\n"
        out_path.unlink(missing_ok=True)
        problem: str | None = None
        try:
            proc = subprocess.run([str(self.binary), str(out_path)], input=stdin, text=True,
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            problem = f"timed out after {timeout:g} s"
            stderr = ""
        except OSError as e:
            raise NativeError(f"cannot run {self.binary}: {e}") from None
        else:
            stderr = proc.stderr
            if proc.returncode != 0:
                problem = describe_exit(proc.returncode)
        text = out_path.read_text() if out_path.exists() else ""
        lines = text.split("\n")[:-1]  # a line without its newline was not finished
        if len(lines) >= len(texts) - start:
            return lines, None  # every case finished; a failure while exiting does not matter
        if problem is None:
            problem = "the program exited with status 0 during this case"
        if problem is not None and stderr.strip():
            problem += "; stderr: " + stderr.strip()[-2000:]
        return lines, problem


def compile_native(source_path: str | os.PathLike[str], function: str,
                   param_types: Sequence[str | TensorType], return_type: str | TensorType, *,
                   cache_dir: str | os.PathLike[str] | None = None, cxx: str = "g++",
                   flags: Sequence[str] = DEFAULT_FLAGS) -> NativeProgram:
    """Compile (or fetch from the cache) a driver calling `function` defined in `source_path`.

    The cache key hashes the source text, the driver, the compiler's path and version and `flags`;
    headers the source includes are not part of it. `cache_dir` defaults to `default_cache_dir()`.
    Raises `NativeCompileError` with g++'s messages when the driver does not compile (e.g. the
    function does not exist or its signature does not match the types).
    """
    params = tuple(native_type(t) for t in param_types)
    result = native_type(return_type)
    source = Path(source_path).resolve()
    driver = driver_source(source, function, params, result)
    binary, compiled = build_driver(source_path, function, driver, cache_dir=cache_dir, cxx=cxx,
                                    flags=flags)
    return NativeProgram(source, function, params, result, binary, compiled=compiled)


def build_driver(source_path: str | os.PathLike[str], function: str, driver: str, *,
                 cache_dir: str | os.PathLike[str] | None = None, cxx: str = "g++",
                 flags: Sequence[str] = DEFAULT_FLAGS, suffix: str = ".cc",
                 libraries: Sequence[str] = ()) -> tuple[Path, bool]:
    """Compile (or fetch from the cache) a driver `#include`-ing `source_path`.

    Returns the binary and whether the compiler ran. The driver is written with `suffix` (`.c`
    for a C driver) and linked with `libraries` (`-lm`) after it. The cache key hashes the source
    text, the driver, the compiler's path and version, `flags` and `libraries`.
    """
    if not _FUNCTION_NAME.fullmatch(function):
        raise NativeError(f"not a C++ function name: {function!r}")
    try:
        source_text = Path(source_path).read_bytes()
    except OSError as e:
        raise NativeError(f"cannot read {source_path}: {e}") from None
    identity = _compiler_identity(cxx)
    key = hashlib.sha256(b"\0".join([source_text, driver.encode(), identity.encode(),
                                     "\0".join([*flags, *libraries]).encode()])).hexdigest()[:24]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    stem = re.sub(r"\W", "_", function)
    binary = cache / f"{stem}-{key}"
    if binary.exists():
        return binary, False
    cache.mkdir(parents=True, exist_ok=True)
    # Private names while compiling, then atomic renames: concurrent compilers of one key both win.
    partial = cache / f"{stem}-{key}.{os.getpid()}.tmp"
    driver_path = cache / f"{stem}-{key}.{os.getpid()}{suffix}"
    driver_path.write_text(driver)
    command = [cxx, *flags, "-o", str(partial), str(driver_path), *libraries]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        raise NativeError(f"cannot run {' '.join(command)}: {e}") from None
    finally:
        os.replace(driver_path, cache / f"{stem}-{key}{suffix}")  # kept for reading messages
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise NativeCompileError(
            f"{cxx} could not compile the driver for {function} in {source_path}:\n{proc.stderr}",
            command, proc.stderr)
    os.replace(partial, binary)
    return binary, True


def run_native(source_path: str | os.PathLike[str], function: str,
               param_types: Sequence[str | TensorType], return_type: str | TensorType,
               inputs: Sequence[Sequence[object]], *,
               cache_dir: str | os.PathLike[str] | None = None, timeout: float = 60.0,
               cxx: str = "g++", flags: Sequence[str] = DEFAULT_FLAGS) -> list[Value]:
    """The results of the C++ `function` in `source_path` on each argument list in `inputs`.

    Example: `run_native("dot.cc", "dot", ["vec[int]", "vec[int]", "int"], "int",
    [[[1, 2], [3, 4], 2]])` returns `[11]`. See `compile_native` and `NativeProgram.run` for the
    errors raised.
    """
    program = compile_native(source_path, function, param_types, return_type,
                             cache_dir=cache_dir, cxx=cxx, flags=flags)
    return program.run(inputs, timeout=timeout)
