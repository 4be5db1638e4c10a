"""Run a C++ function of vectors and scalars (int or double/float) compiled by g++ -O2 on inputs,
and compare its outputs with generated code within the float tolerance: the native runner of the
driver takes ints only."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tensflo.compiler.differential import load_module
from tensflo.ir.lifting import draw_cases
from tensflo.ir.lifting.float_inputs import largest_error, scale_of
from tensflo.ir.lifting.inputs import same

CONVERT = """struct Vec { std::vector<double> v;
  template <class T> operator std::vector<T>() const { return std::vector<T>(v.begin(), v.end()); } };
struct Num { double d; template <class T> operator T() const { return (T)d; } };
"""
"""Inputs read as doubles, converted to each parameter's own element type (int, float, double)."""


def gxx_outputs(source: Path, fn: Any, cases: list, tmp: Path) -> list[Any]:
    """The outputs of `fn` of the C++ file `source` on each case (floats printed in full)."""
    params = [p.type for p in fn.params]
    reads = []
    for j, t in enumerate(params):
        if t.rank == 1:
            reads.append(f"Vec p{j}; {{ long n; std::cin >> n; p{j}.v.resize(n); "
                         f"for (auto &v : p{j}.v) std::cin >> v; }}")
        else:
            reads.append(f"Num p{j}; std::cin >> p{j}.d;")
    vec_out = fn.result.rank == 1
    show = ("std::cout << r.size(); for (auto v : r) std::cout << ' ' << (double)v;" if vec_out
            else "std::cout << (double)r;")
    main = (f"{source.read_text()}\n#include <iostream>\n#include <iomanip>\n{CONVERT}int main() {{ long k; "
            f"std::cin >> k; std::cout << std::setprecision(17); while (k--) {{ {' '.join(reads)} "
            f"auto r = {fn.name}({', '.join(f'p{j}' for j in range(len(params)))}); {show} "
            "std::cout << '\\n'; } }\n")
    src, exe = tmp / f"{fn.name}_main.cc", tmp / f"{fn.name}_main"
    src.write_text(main)
    subprocess.run(["g++", "-O2", "-o", str(exe), str(src)], check=True)
    text = [str(len(cases))]
    for c in cases:
        for t, v in zip(params, c.args, strict=True):
            text.append(f"{len(v)} {' '.join(repr(float(x)) for x in v)}" if t.rank == 1 else repr(v))
    lines = subprocess.run([str(exe)], input="\n".join(text), capture_output=True, text=True,
                           check=True).stdout.splitlines()
    conv = int if fn.result.elem == "int" else float
    return [[conv(float(x)) for x in line.split()[1:]] if vec_out else conv(float(line))
            for line in lines]


def gxx_differential(source: Path, module: Any, result: Any, tmp: Path, count: int = 60
                     ) -> tuple[int, float]:
    """(inputs run, largest float error) of the generated code of `result` against g++ -O2;
    asserts agreement on every input."""
    fn = module.function(result.function)
    cases = draw_cases(fn, module, result.precondition, count, seed=1)
    original = gxx_outputs(source, fn, cases, tmp)
    generated = getattr(load_module(result.code, fn.name), fn.name)
    largest = 0.0
    for case, want in zip(cases, original, strict=True):
        got = generated(*case.args)
        assert same(want, got, scale_of(case.arrays, want)), (fn.name, case.args, want, got)
        largest = max(largest, largest_error(want, got))
    return len(cases), largest


def lift_and_diff(root: Path, sources: list[tuple[str, str, list[str]]]
                  ) -> dict[str, tuple[Path, Any, tuple[int, float] | None]]:
    """Lift the named functions of each (file name, text, names) under `root`; per
    `"<suffix>:<function>"` its path, compile result and (inputs, largest float error) of its
    differential test against CPython (`.py`) or g++ -O2 (C++, when g++ is installed)."""
    import shutil

    from tensflo.compiler.differential import check_compiled
    from tensflo.compiler.pipeline import Options, compile_file, read_module
    from tensflo.plugins.manager import load_registry

    out: dict[str, tuple[Path, Any, tuple[int, float] | None]] = {}
    with load_registry() as registry:
        for name, text, names in sources:
            path = root / name
            path.write_text(text)
            module = read_module(str(path), registry)
            for r in compile_file(str(path), names, registry, Options(timeout=60)):
                diff = None
                if r.lifted and name.endswith(".py"):
                    report = check_compiled(str(path), r, registry, count=60)
                    assert report.ok, (r.function, report.failures[:3])
                    diff = (report.cases, report.largest_error)
                elif r.lifted and shutil.which("g++"):
                    diff = gxx_differential(path, module, r, root)
                out[f"{path.suffix[1:]}:{r.function}"] = (path, r, diff)
    return out
