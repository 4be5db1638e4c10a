"""The llvm drop-in (`--emit obj|so`): linked with a C main compiled by gcc in place of the
original, on random inputs, disjoint and overlapping arrays, it gives what gcc -O2 of the original
gives (ints exactly, floats within a tolerance); the scalar fallback runs exactly on the calls whose
arrays overlap or whose precondition fails."""

from __future__ import annotations

import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from llvmlite import ir

from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.plugins.c_family import clang_flags, function_signature
from tensflo.plugins.manager import load_registry
from tensflo.targets.llvm.dropin import build, spec_of, write
from tensflo.targets.llvm.scalar_loop import scalar_function

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

SOURCE = """#include <math.h>
void saxpy(int n, float a, const float *x, float *y) {
    int i;
    for (i = 0; i < n; i++) y[i] += a * x[i];
}
float sdot(int n, const float *x, const float *y) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}
void iscale(int n, int k, int *v) {
    for (int i = 0; i < n; i++) v[i] = v[i] * k / 3 + v[i] % 5;
}
void vcomb(int n, const int *x, const int *z, int *y) {
    for (int i = 0; i < n; i++) y[i] = x[i] - 2 * z[i] + (x[i] > 0 ? 1 : 0);
}
int argmax(int n, const float *x) {
    int m = 0;
    for (int i = 1; i < n; i++) if (x[i] > x[m]) m = i;
    return m;
}
int find(int n, const int *x, int t) {
    int i;
    for (i = 0; i < n; i++) {
        if (x[i] == t) return i;
    }
    return -1;
}
void pair(int n, const float *x, float *a, float *b) {
    for (int i = 0; i < n; i++) { a[i] = x[i] * 2.0f; b[i] = x[i] + 1.0f; }
}
void stats(int n, const int *x, int *total, int *big) {
    int s = 0, m = 0;
    for (int i = 0; i < n; i++) { s += x[i]; if (x[i] > m) m = x[i]; }
    *total = s;
    *big = m;
}
double dnorm(int n, const double *x) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    return sqrt(s);
}
void dscale(int n, double a, double *x) {
    for (int i = 0; i < n; i++) x[i] = fabs(x[i]) * a;
}
"""
BUF = 600
# name: (buffer element type, call, the scalar `a` is an int, writes)
KERNELS = {
    "saxpy": ("float", "saxpy(n, (float)a, buf + ox, buf + oy)", False),
    "sdot": ("float", "r = sdot(n, buf + ox, buf + oy)", False),
    "iscale": ("int", "iscale(n, (int)a, buf + ox)", True),
    "vcomb": ("int", "vcomb(n, buf + ox, buf + oz, buf + oy)", True),
    "find": ("int", "r = find(n, buf + ox, (int)a)", True),
    "argmax": ("float", "r = argmax(n, buf + ox)", False),
    "pair": ("float", "pair(n, buf + ox, buf + oy, buf + oz)", False),
    "stats": ("int", "stats(n, buf + ox, buf + oy, buf + oz)", True),
    "dnorm": ("double", "r = dnorm(n, buf + ox)", False),
    "dscale": ("double", "dscale(n, a, buf + ox)", False),
}
OVERLAPPING = {"saxpy": "xy", "vcomb": "xy zy", "pair": "xy xz yz", "stats": "xy xz yz"}
"""Kernels with pairs that must not overlap (one array written), by the offsets' names."""
ELEMENT = {"stats": "yz"}
"""Arrays of which only the first element is accessed."""


def driver(name: str, counted: bool) -> str:
    elem, call, _ = KERNELS[name]
    fmt = "%d" if elem == "int" else "%.17g"
    read = "%d" if elem == "int" else "%lf"
    load = "int v; scanf(\"%d\", &v); buf[k] = v;" if elem == "int" else \
        f"double v; scanf(\"{read}\", &v); buf[k] = ({elem})v;"
    count = f"extern long {name}__fallbacks;" if counted else ""
    shown = f"{name}__fallbacks" if counted else "-1L"
    return f"""#include <stdio.h>
{count}
{_prototype(name)};
int main(void) {{
    int cases; if (scanf("%d", &cases) != 1) return 1;
    static {elem} buf[{BUF}];
    for (int c = 0; c < cases; c++) {{
        int n, ox, oy, oz; double a; double r = 0;
        scanf("%d %d %d %d %lf", &n, &ox, &oy, &oz, &a);
        for (int k = 0; k < {BUF}; k++) {{ {load} }}
        {call};
        printf("%.17g", r);
        for (int k = 0; k < {BUF}; k++) printf(" {fmt}", {'buf[k]' if elem == 'int' else '(double)buf[k]'});
        printf("\\n");
    }}
    printf("fallbacks %ld\\n", {shown});
    return 0;
}}
"""


def _prototype(name: str) -> str:
    line = next(s for s in SOURCE.splitlines() if f" {name}(" in s)
    return line.rstrip(" {")


def cases(name: str, rng: random.Random, count: int) -> tuple[str, list[bool]]:
    """Input text for the driver and, per case, whether the fast path's checks must fail."""
    elem, _, int_scalar = KERNELS[name]
    lines, fails = [str(count)], []
    for c in range(count):
        n = rng.choice([0, 1, 2, 7, 33, 150]) if c % 7 else -1
        ox, oy, oz = 0, 200, 400
        if c % 3 == 1 and name in OVERLAPPING and n > 1:
            if c % 2:
                oy = rng.choice([ox + 1, ox + n // 2, ox + 3])
            else:
                oz = rng.choice([oy - 1, oy, oy + 1, ox + n - 1])
        a = rng.randint(-4, 4) if int_scalar else round(rng.uniform(-3, 3), 3)
        if name == "find":
            a = rng.randint(-3, 3)
        vals = [rng.randint(-40, 40) if elem == "int" else
                rng.choice([rng.uniform(-2, 2), rng.randint(-9, 9), 1e-3 * rng.random()])
                for _ in range(BUF)]
        lines.append(f"{n} {ox} {oy} {oz} {a} " + " ".join(map(repr, vals)))
        at = {"x": ox, "y": oy, "z": oz}
        size = {k: 1 if k in ELEMENT.get(name, "") else max(n, 0) for k in at}
        overlaps = any(size[p] and size[q] and at[p] < at[q] + size[q] and at[q] < at[p] + size[p]
                       for p, q in OVERLAPPING.get(name, "").split())
        fails.append(overlaps or (n < 0 and name in ("saxpy", "iscale", "vcomb", "dscale", "pair"))
                     or (n <= 0 and name == "argmax"))
    return "\n".join(lines) + "\n", fails


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per kernel, the drop-in object (with its fallback counter)."""
    d = tmp_path_factory.mktemp("dropin")
    src = d / "k.c"
    src.write_text(SOURCE)
    registry = load_registry()
    results = compile_file(str(src), list(KERNELS), registry, Options(target=None, timeout=60))
    module = read_module(str(src), registry)
    objects = {}
    for r in results:
        objects[f"{r.function}_scalar"] = d / f"{r.function}_scalar.o"
        scalar = ir.Module(name=r.function)
        sig = function_signature(str(src), r.function, clang_flags("c"))
        scalar_function(scalar, module.function(r.function), {p.name: p.ctype for p in sig.params},
                        None if sig.result is None else sig.result.ctype, r.function)
        write(scalar, "obj", str(objects[f"{r.function}_scalar"]))
        assert r.lifted, (r.function, [str(x) for x in r.diagnostics])
        sig = function_signature(str(src), r.function, clang_flags("c"))
        spec = spec_of(r, module.function(r.function), {p.name: p.ctype for p in sig.params},
                       None if sig.result is None else sig.result.ctype)
        objects[r.function] = d / f"{r.function}.o"
        write(build(spec, count_fallbacks=True), "obj", str(objects[r.function]))
    objects["source"] = src
    return objects


def run(exe: Path, text: str) -> tuple[list[list[float]], int]:
    out = subprocess.run([str(exe)], input=text, capture_output=True, text=True, check=True).stdout
    *rows, last = out.strip().splitlines()
    return [[float(v) for v in row.split()] for row in rows], int(last.split()[1])


def link(d: Path, name: str, main: str, obj: str, flags: tuple[str, ...] = ()) -> Path:
    (d / f"{name}_main.c").write_text(main)
    exe = d / f"{name}_{Path(obj).stem}"
    subprocess.run(["gcc", "-O2", *flags, "-o", str(exe), str(d / f"{name}_main.c"), obj, "-lm"],
                   check=True, capture_output=True, text=True)
    return exe


@pytest.mark.parametrize("name", list(KERNELS))
@pytest.mark.parametrize("part", ["dropin", "scalar"])
def test_dropin_agrees_with_gcc(name: str, part: str, built: dict[str, Path]) -> None:
    """The drop-in, and its scalar translation alone (the fallback on every input)."""
    d = built["source"].parent
    original = d / f"{name}_orig.o"
    subprocess.run(["gcc", "-O2", "-c", "-o", str(original), str(built["source"])], check=True)
    want_exe = link(d, name, driver(name, False), str(original))
    obj = built[name] if part == "dropin" else built[f"{name}_scalar"]
    got_exe = link(d, f"{name}_{part}", driver(name, part == "dropin"), str(obj))
    text, fails = cases(name, random.Random(sum(map(ord, name))), 40)
    want, _ = run(want_exe, text)
    got, fallbacks = run(got_exe, text)
    elem = KERNELS[name][0]
    worst = 0.0
    for k, (w, g) in enumerate(zip(want, got, strict=True)):
        if elem == "int":
            assert w == g, f"{name}: case {k} differs (fallback expected: {fails[k]})"
        for x, y in zip(w, g, strict=True):
            if x == y or (math.isnan(x) and math.isnan(y)):
                continue
            err = abs(x - y) / max(1.0, abs(x))
            worst = max(worst, err)
            assert err <= 1e-4, f"{name}: case {k}: {y} instead of {x} (fallback: {fails[k]})"
    print(f"{name} ({part}): largest relative error {worst:.3g}, fallbacks {fallbacks}/{len(want)}")
    if part == "dropin":
        assert fallbacks == sum(fails), (fallbacks, sum(fails))


def test_cli_writes_a_shared_library(tmp_path: Path) -> None:
    """`tensflo compile --target llvm --emit so` of the whole file exports every function with
    its C signature."""
    import ctypes

    src = tmp_path / "k.c"
    src.write_text(SOURCE)
    so = tmp_path / "saxpy.so"
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "--target", "llvm",
                           "--emit", "so", "-o", str(so), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lib = ctypes.CDLL(str(so))
    assert all(hasattr(lib, name) for name in KERNELS)
    lib.find.argtypes, lib.find.restype = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int], ctypes.c_int
    ints = (ctypes.c_int * 5)(4, 8, 15, 16, 23)
    assert [lib.find(5, ints, t) for t in (15, 23, 7)] == [2, 4, -1]
    fn = lib.saxpy
    fn.argtypes = [ctypes.c_int, ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p]
    fn.restype = None
    buf = (ctypes.c_float * 8)(*range(8))
    fn(4, 2.0, ctypes.addressof(buf), ctypes.addressof(buf) + 16)  # disjoint: y = buf[4:8]
    assert list(buf) == [0, 1, 2, 3, 4, 7, 10, 13]
    buf = (ctypes.c_float * 8)(*range(8))
    fn(4, 2.0, ctypes.addressof(buf), ctypes.addressof(buf) + 4)  # y = x + 1: as the C loop does
    want = list(range(8))
    for i in range(4):
        want[i + 1] += 2.0 * want[i]
    assert list(buf) == want


def test_unlowerable_construct_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "k.c"
    src.write_text("void f(int n, unsigned char *p) { for (int i = 0; i < n; i++) p[i] = 1; }\n")
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "-f", "f", "--target", "llvm",
                           "--emit", "obj", "-o", str(tmp_path / "f.o"), "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 2, done
    assert not (tmp_path / "f.o").exists()
    assert "p has C type unsigned char" in done.stderr and "Traceback" not in done.stderr


def test_pointwise_outputs_only_are_written_in_place() -> None:
    """Only a program whose element i reads the written array at i (or its length) is computed
    straight into it; a shift or a reduction over it goes through a temporary."""
    from tensflo.ir.tensir import INT, Var, parse
    from tensflo.ir.tensir.types import vec
    from tensflo.targets.llvm.dropin import length_bounds, pointwise_in

    env = {"y": vec("float"), "x": vec("float"), "n": INT}
    y = Var("y", vec("float"))
    for text, want in [("vec_map(y[:n], lambda e: e * 2.0)", True),
                       ("selection_two_args(y[:n], x[:len(y[:n])], lambda e1, e2: e1 + e2)", True),
                       ("vec_scalar_mul(x[:n], 2.0)", True),
                       ("vec_map(tail(y, 1), lambda e: e)", False),
                       ("vec_scalar_mul(y[:n], reduce_sum(y[:n]))", False),
                       ("vec_map(y[1:n], lambda e: e)", False)]:
        assert pointwise_in(parse(text, env), y) is want, text
    requires = [parse(t, env) for t in ("n >= 0", "len(y) >= n", "len(y[:n]) <= 0 or len(y[:n]) <= len(x)")]
    assert [str(t) for t in length_bounds(requires, y)] == ["n"]
    assert len(length_bounds(requires, Var("x", vec("float")))) == 1


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_cpp_source_exports_the_mangled_name(tmp_path: Path) -> None:
    """From a C++ file the drop-in exports the C++ linkage name: a g++ main links it as is."""
    src = tmp_path / "k.cc"
    src.write_text(SOURCE)
    obj = tmp_path / "saxpy.o"
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "-f", "saxpy", "--target", "llvm",
                           "--emit", "obj", "-o", str(obj), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    main = tmp_path / "main.cc"
    main.write_text("#include <cstdio>\nvoid saxpy(int n, float a, const float *x, float *y);\n"
                    "int main() { float b[6] = {1, 2, 3, 10, 20, 30};\n"
                    "  saxpy(3, 2.0f, b, b + 3); saxpy(3, 1.0f, b, b + 1);\n"
                    "  for (float v : b) std::printf(\"%g \", v); return 0; }\n")
    exe = tmp_path / "main"
    subprocess.run(["g++", "-O2", "-o", str(exe), str(main), str(obj), "-lm"], check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    b = [1.0, 2, 3, 10, 20, 30]
    for a, y in ((2.0, 3), (1.0, 1)):  # the second call overlaps: the loop as written
        for i in range(3):
            b[y + i] += a * b[i]
    assert [float(v) for v in got] == b


def test_unsigned_scalars_and_the_abort_outside_the_domain(tmp_path: Path) -> None:
    """`size_t` and `unsigned int` parameters: read exactly below 2^63; a `size_t` at or above
    2^63 (which neither path reads exactly) stops the program with a message, never a number."""
    src = tmp_path / "u.c"
    src.write_text("#include <stddef.h>\n"
                   "float usdot(size_t n, const float *x, const float *y) {\n"
                   "    float s = 0.0f;\n"
                   "    for (size_t i = 0; i < n; i++) s += x[i] * y[i];\n"
                   "    return s;\n}\n"
                   "long ucount(unsigned int n, const int *x) {\n"
                   "    long c = 0;\n"
                   "    for (unsigned int i = 0; i < n; i++) c += x[i] > 0;\n"
                   "    return c;\n}\n"
                   "void uscale(unsigned int n, float a, float *y) {\n"
                   "    for (unsigned int i = 0; i < n; i++) y[i] = y[i] * a;\n}\n")
    obj = tmp_path / "u.o"
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "--target", "llvm", "--emit", "obj",
                           "-o", str(obj), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    main = tmp_path / "main.c"
    main.write_text("#include <stdio.h>\n#include <stddef.h>\n"
                    "float usdot(size_t n, const float *x, const float *y);\n"
                    "long ucount(unsigned int n, const int *x);\n"
                    "void uscale(unsigned int n, float a, float *y);\n"
                    "int main(int argc, char **argv) {\n"
                    "  float x[4] = {1, 2, 3, 4}; int v[5] = {1, -2, 3, 0, 5};\n"
                    "  printf(\"%g %ld %ld\\n\", usdot(4, x, x), ucount(5, v), ucount(0, v));\n"
                    "  uscale(3, 2.0f, x); uscale(2, 3.0f, x + 1);\n"
                    "  printf(\"%g %g %g %g\\n\", x[0], x[1], x[2], x[3]);\n"
                    "  fflush(stdout);\n"
                    "  if (argc > 1) printf(\"%g\\n\", usdot((size_t)-1, x, x));\n"
                    "  return 0;\n}\n")
    exe = tmp_path / "main"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(main), str(obj), "-lm"], check=True)
    scaled = ["2", "12", "18", "4"]  # y[:3] *= 2, then (y + 1)[:2] *= 3
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout.split() == \
        ["30", "3", "0", *scaled]
    big = subprocess.run([str(exe), "big"], capture_output=True, text=True)
    assert big.returncode != 0 and big.stdout.split() == ["30", "3", "0", *scaled]
    assert "n >= 2^63 is not handled" in big.stderr


def test_a_running_sum_compiles_to_a_dropin(tmp_path: Path) -> None:
    """A scan (once refused by the llvm target) is written as an object file."""
    src = tmp_path / "k.c"
    src.write_text("void prefix(int n, const int *x, int *y) {\n    int s = 0;\n"
                   "    for (int i = 0; i < n; i++) { s += x[i]; y[i] = s; }\n}\n")
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "--target", "llvm", "--emit", "obj",
                           "-o", str(tmp_path / "k.o"), "-q"], capture_output=True, text=True)
    if done.returncode == 1:
        pytest.skip("the running sum is not lifted (nothing to lower)")
    assert done.returncode == 0 and (tmp_path / "k.o").exists(), done.stderr


def test_float_kernels_compute_in_single_precision(tmp_path: Path) -> None:
    """A C function on `float` computes in float: sdot's drop-in adds in the C's order and
    precision, so it equals a float32 loop exactly where a double sum rounded once differs."""
    import ctypes

    import numpy as np

    src = tmp_path / "k.c"
    src.write_text(SOURCE)
    so = tmp_path / "sdot.so"
    tensflo = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tensflo"
    done = subprocess.run([str(tensflo), "compile", str(src), "-f", "sdot", "--target", "llvm",
                           "--emit", "so", "-o", str(so), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fn = ctypes.CDLL(str(so)).sdot
    fn.argtypes, fn.restype = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_float
    rng = np.random.default_rng(3)
    x, y = (rng.uniform(-1, 1, 2_000).astype(np.float32) for _ in range(2))
    single = np.float32(0)
    for a, b in zip(x, y, strict=True):
        single = np.float32(single + np.float32(a * b))
    double = np.float32(np.dot(x.astype(np.float64), y.astype(np.float64)))
    assert single != double  # the inputs tell the two precisions apart
    assert fn(2_000, x.ctypes.data, y.ctypes.data) == single


def test_single_precision_rounds_constants_and_keeps_out_of_range_ones() -> None:
    from tensflo.targets.llvm.dropin import single_precision

    text = ('define internal i32 @"f__out"(float* %".1", double %".2") {\n'
            '  %".3" = load float, float* %".1"\n  %".4" = fpext float %".3" to double\n'
            '  %".5" = fmul double %".4", 0x3fb999999999999a\n'
            '  %".6" = call double @"llvm.sqrt.f64"(double %".5")\n'
            '  %".7" = fptrunc double %".6" to float\n  ret i32 0\n}\n'
            'define float @"g"(double %".1") {\n  ret float 0x0\n}')
    got = single_precision(text, {"f__out"})
    assert "bitcast float %\".3\" to float" in got and "fmul float %\".4\", 0x3FB99999A0000000" in got
    assert "@\"llvm.sqrt.f32\"(float" in got and "bitcast float %\".6\" to float" in got
    assert got.endswith('define float @"g"(double %".1") {\n  ret float 0x0\n}')  # not named
    huge = text.replace("0x3fb999999999999a", "0x7fefffffffffffff")  # beyond float's range
    assert single_precision(huge, {"f__out"}) == huge
