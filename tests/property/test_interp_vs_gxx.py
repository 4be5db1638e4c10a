"""The loop-IR interpreter agrees with g++ -O3 on random programs from a small generator."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tensflo.compiler.native import run_native
from tensflo.ir.loop import StepLimit, Undefined, run
from tensflo.plugins.cpp_frontend import parse_cpp

LEAVES = ["x", "y", "k", "acc", "i"]


@st.composite
def exprs(draw, depth: int = 3) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return draw(st.sampled_from(LEAVES))
        return str(draw(st.integers(-6, 6)))
    kind = draw(st.sampled_from(["bin", "bin", "div", "mod", "cond", "minmax", "neg"]))
    a = draw(exprs(depth - 1))
    b = draw(exprs(depth - 1))
    if kind == "bin":
        return f"({a} {draw(st.sampled_from(['+', '-', '*']))} {b})"
    if kind in ("div", "mod"):
        op = "/" if kind == "div" else "%"
        return f"({a} {op} ({b} == 0 ? 3 : {b}))"
    if kind == "cond":
        c = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"({a} {c} {b} ? {a} : {b})"
    if kind == "minmax":
        return f"std::{draw(st.sampled_from(['min', 'max']))}({a}, {b})"
    return f"(-({a}))"


TEMPLATE = """#include <vector>
#include <algorithm>
std::vector<int> prog(std::vector<int> a, std::vector<int> b, int n, int k) {{
    std::vector<int> out;
    int acc = 0;
    for (int i = 0; i < n; i++) {{
        int x = a[i];
        int y = b[i];
        int t = {e1};
        if ({e2} > {e3}) acc += t; else acc -= {e3};
        out.push_back(t);
    }}
    out.push_back(acc);
    return out;
}}
"""


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exprs(), exprs(2), exprs(2), st.integers(0, 2**31 - 1))
def test_interpreter_matches_gxx(tmp_path_factory, e1: str, e2: str, e3: str, seed: int) -> None:
    src = TEMPLATE.format(e1=e1, e2=e2, e3=e3)
    path = tmp_path_factory.mktemp("prog") / "prog.cc"
    path.write_text(src)
    module = parse_cpp(str(path), src)
    assert not module.rejected, module.rejected
    rng = random.Random(seed)
    inputs, expected = [], []
    for _ in range(25):
        n = rng.randint(0, 6)
        args = [[rng.randint(-20, 20) for _ in range(n)], [rng.randint(-20, 20) for _ in range(n)],
                n, rng.randint(-9, 9)]
        try:
            expected.append(run(module, "prog", args))
        except (Undefined, StepLimit):
            continue  # undefined in C++ too (overflow): not a valid input
        inputs.append(args)
    got = run_native(str(path), "prog", ["vec[int]", "vec[int]", "int", "int"], "vec[int]", inputs,
                     cache_dir=str(tmp_path_factory.getbasetemp() / "native"))
    assert got == expected, src
