"""The program IR: expressions, printing, parsing, C precedence."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensflo.targets.gemmini.expr import BinOp, Const, E, Var, binop, emin, evaluate, show, show_c
from tensflo.targets.gemmini.generator import build
from tensflo.targets.gemmini.schedule import NAIVE, Schedule, library
from tensflo.targets.gemmini.text import ProgramSyntaxError, parse_program, print_program
from tensflo.targets.gemmini.workload import Add, conv2d, gemm

OPS = ["+", "-", "*", "//", "%", "<<", "|", "min", "<", "==", "and", "or"]


def exprs():
    leaves = st.one_of(st.integers(0, 40).map(Const), st.sampled_from(["i", "j"]).map(Var))

    def node(op, a, b):
        if op in ("and", "or"):  # conditions: their operands are comparisons, as in the generator
            a, b = BinOp("!=", a, Const(0)), BinOp("!=", b, Const(0))
        if op == "<<":  # shifts by small constants, as address bits use them
            b = Const(30 if isinstance(b, Const) and b.value % 2 else 4)
        return BinOp(op, a, b)

    def extend(children):
        return st.builds(node, st.sampled_from(OPS), children, children)

    return st.recursive(leaves, extend, max_leaves=8)


def _safe(e, env):
    try:
        v = evaluate(e, env)
    except (ZeroDivisionError, ValueError):
        return None
    return v if abs(v) < 1 << 40 else None


@given(exprs(), st.integers(0, 9), st.integers(0, 9))
@settings(max_examples=200, deadline=None)
def test_printed_expressions_mean_the_same_in_python_and_c_precedence(e, i, j):
    env = {"i": i, "j": j}
    want = _safe(e, env)
    if want is None:
        return
    assert eval(show(e), {"min": min, "max": max}, dict(env)) == want  # noqa: S307
    # the C text, read back with Python's operators: same tree shape (parentheses are the test)
    c = show_c(e).replace("/", "//").replace("&&", " and ").replace("||", " or ")
    c = c.replace("tf_min", "min").replace("tf_max", "max")
    if len(re.findall(r"<(?!<)|==|!=|>", c.replace("<<", ""))) > 1 or ("<<" in c and "<" in c.replace("<<", "")):
        return  # Python chains comparisons and ranks them below <<, C does not
    assert eval(c, {"min": min, "max": max}, dict(env)) == want  # noqa: S307


def test_folding_rewrites():
    i = Var("i")
    assert i * 1 is i and (i + 0) is i and (0 * i) == Const(0) and i // 1 is i
    assert binop("and", 1, i) is i and binop("or", 0, i) is i and binop("and", 0, i) == Const(0)
    assert E(3) * 4 + 1 == Const(13)
    assert show_c(binop("|", 0x80000000, i * 16)) == "0x80000000u | (i * 16)"
    assert show(emin(16, 40 - i * 16)) == "min(16, 40 - i * 16)"
    assert show((i + 1) * 2) == "(i + 1) * 2" and show(i - (i - 1)) == "i - (i - 1)"


@pytest.mark.parametrize("workload", [gemm(40, 24, 33, bias="matrix", out_dtype="int8", relu=True),
                                      conv2d(1, 6, 32, 16), Add("add", 20, 40)],
                         ids=["gemm", "conv", "add"])
@pytest.mark.parametrize("schedule", [NAIVE, None, Schedule(unroll=2, double_buffer=True, inner="kji")],
                         ids=["naive", "library", "other"])
def test_print_parse_round_trip(workload, schedule):
    p = build(workload, schedule or library(workload))
    text = print_program(p)
    assert parse_program(text) == p
    assert print_program(parse_program(text)) == text


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "exactly one"),
    ("def f(A: int8[4, 4]):\n    bogus(a=1)\n", "unknown instruction 'bogus'"),
    ("def f(A: int8[4, 4]):\n    fence(x=1)\n", "no operand 'x'"),
    ("def f(A: int8[4, 4]):\n    mvin(dram=Q[0], addr=0, cols=1, rows=1)\n", "DRAM address"),
    ("def f(A: int8[4, 4]):\n    config_st(stride=k)\n", "unknown variable 'k'"),
    ("def f(A: int8[4]):\n    fence()\n", "needs a type"),
    ("def f(A: int8[4, 4]):\n    while 1:\n        fence()\n", "line 2: expected an instruction"),
    ("def f(A: int8[4, 4]):\n  fence(\n", "line 2"),
    ("def f(A: int8[4, 4]):\n    mvout(dram=A[0], addr=0, cols=1)\n", "missing 1 required"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(ProgramSyntaxError, match=message):
        parse_program(text)
