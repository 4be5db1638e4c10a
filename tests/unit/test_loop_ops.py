"""The loop-IR op table: each operator means in Python what CPython computes for the `ast` node it
is read from, and what its TensIR op computes; every TensIR op it names exists."""

from __future__ import annotations

import ast
import random

import numpy as np
import pytest

from tensflo.ir.loop import nodes, ops
from tensflo.ir.tensir.opdef import OPS
from tensflo.ir.tensir.ops import KERNELS

INTS = [(a, b) for a in (-7, -6, -1, 0, 1, 5, 7) for b in (-3, -2, -1, 1, 2, 3)]
FLOATS = [(random.Random(i).uniform(-9, 9), random.Random(-i).uniform(0.5, 9)) for i in range(20)]


def test_every_tensir_op_the_table_names_exists() -> None:
    named = {m.tensir_int for op in ops.BINARY.values() for m in op.meaning.values()}
    named |= {m.tensir_other for op in ops.BINARY.values() for m in op.meaning.values()}
    named |= {op.tensir for op in ops.UNARY.values()}
    named |= {b.tensir for b in ops.BUILTINS.values() if b.tensir is not None}
    assert named <= {op.name for op in OPS}


def test_nodes_take_their_lists_from_the_table() -> None:
    assert nodes.BINARY_OPS == tuple(ops.BINARY)
    assert nodes.BUILTINS == ("min", "max", "abs", "resize", "sqrt", "exp", "log", "pow", "floor",
                              "isnan", "isinf", "to_float", "to_int", "ipow")
    assert all(set(op.meaning) == set(ops.LANGS) for op in ops.BINARY.values())


def _cpython(node: type[ast.AST], a: object, b: object) -> object:
    x, y = ast.Name("a"), ast.Name("b")
    if issubclass(node, ast.cmpop):
        tree: ast.expr = ast.Compare(x, [node()], [y])
    elif issubclass(node, ast.boolop):
        tree = ast.BoolOp(node(), [x, y])
    else:
        tree = ast.BinOp(x, node(), y)
    return eval(ast.unparse(tree), {"a": a, "b": b})


@pytest.mark.parametrize("op", ops.BINARY.values(), ids=lambda op: op.symbol)
def test_python_meaning_is_cpython(op: ops.BinaryOp) -> None:
    for node in op.python:
        # `/` is read from ast.Div only with a float operand, and from ast.FloorDiv on ints
        cases = FLOATS if node is ast.Div else INTS
        for a, b in cases:
            want = _cpython(node, a, b)
            if op.kind == "logical":
                want = bool(want)
            assert op.evaluate("python", a, b) == want, (node.__name__, a, b)


@pytest.mark.parametrize("op", ops.BINARY.values(), ids=lambda op: op.symbol)
def test_meaning_is_the_tensir_ops_on_ints(op: ops.BinaryOp) -> None:
    for lang in ops.LANGS:
        kernel = KERNELS.get(op.tensir_op(lang, "int"))
        if kernel is None:  # `and`, `or`: not a scalar kernel
            continue
        for a, b in INTS:
            assert op.evaluate(lang, a, b) == kernel.numpy(np.int64(a), np.int64(b)), (lang, a, b)


def test_cpp_division_truncates_and_python_floors() -> None:
    assert ops.DIV.evaluate("cpp", -7, 2) == -3 and ops.MOD.evaluate("cpp", -7, 2) == -1
    assert ops.DIV.evaluate("python", -7, 2) == -4 and ops.MOD.evaluate("python", -7, 2) == 1
    assert ops.MOD.evaluate("cpp", -7.5, 2.0) == -1.5 and ops.MOD.evaluate("python", -7.5, 2.0) == 0.5
    assert ops.DIV.tensir_op("cpp", "int") == "div" and ops.DIV.tensir_op("python", "int") == "floordiv"
    assert ops.DIV.tensir_op("python", "float") == "div"
    assert ops.MOD.tensir_op("python", "float") == "floormod"


def test_builtins() -> None:
    assert ops.RESIZE.evaluate([1, 2, 3], 2) == [1, 2] and ops.RESIZE.evaluate([1], 3) == [1, 0, 0]
    assert ops.RESIZE.evaluate([[1]], 2) == [[1], []]
    with pytest.raises(ops.OutsideDomain, match="negative length -1"):
        ops.RESIZE.evaluate([1], -1)
    assert list(ops.CALLS) == ["min", "max", "abs", "resize", "sqrt", "exp", "log", "pow", "floor",
                               "isnan", "isinf", "to_float", "to_int", "ipow"]
    assert ops.IPOW.evaluate(10, 30) == 10**30 and ops.IPOW.evaluate(1.5, 2) == 2.25
    with pytest.raises(ops.OutsideDomain, match="negative exponent"):
        ops.IPOW.evaluate(2, -1)
    assert ops.LEN.call is False and ops.LEN.python == "len" and ops.LEN.cpp == "size"


LIBM_ARGS = [(0.0,), (0.25,), (2.0,), (7.5,), (-3.75,), (-0.5,), (1e-3,), (40.0,)]


@pytest.mark.parametrize("b", [ops.SQRT, ops.EXP, ops.LOG, ops.FLOOR, ops.TO_INT, ops.POW],
                         ids=lambda b: b.name)
def test_libm_builtins_are_their_tensir_ops_inside_the_domain(b: ops.Builtin) -> None:
    """On every argument where Python's `math` is defined, the builtin is its TensIR op; outside,
    it raises `OutsideDomain` (the interpreter's undefined input) where NumPy gives NaN."""
    op = OPS[b.tensir]
    inside = outside = 0
    for args in (LIBM_ARGS if b.arity == 1 else [(x, y) for (x,) in LIBM_ARGS for (y,) in LIBM_ARGS]):
        try:
            want = b.evaluate(*args)
        except ops.OutsideDomain:
            outside += 1
            with np.errstate(all="ignore"):
                got = op.numpy(*(np.float64(a) for a in args))
            assert not np.isfinite(got), (b.name, args, got)
            continue
        inside += 1
        with np.errstate(all="ignore"):
            got = op.numpy(*(np.float64(a) for a in args))
        assert np.isclose(got, want, rtol=1e-12, atol=0), (b.name, args, got, want)
    assert inside and (outside or b.name in ("exp", "floor", "to_int"))


def test_libm_spellings() -> None:
    assert ops.SQRT.c_names == ("sqrtf",) and ops.SQRT.cpp == "sqrt" and ops.SQRT.py_names == ("math.sqrt",)
    assert "fabsf" in ops.ABS.c_names and "fminf" in ops.MIN.c_names and "fmaxf" in ops.MAX.c_names
    assert ops.FLOOR.python_result == ops.TO_INT.name  # math.floor returns an int
    assert ops.TO_INT.evaluate(-2.7) == -2 and ops.TO_INT.evaluate(2.7) == 2  # toward zero
    assert ops.FLOOR.evaluate(-2.5) == -3.0 and isinstance(ops.FLOOR.evaluate(2.5), float)
    for b, args in [(ops.SQRT, (-1.0,)), (ops.LOG, (0.0,)), (ops.POW, (-8.0, 1 / 3)),
                    (ops.POW, (0.0, -1.0)), (ops.EXP, (1000.0,)), (ops.TO_INT, (float("nan"),))]:
        with pytest.raises(ops.OutsideDomain, match="outside its domain"):
            b.evaluate(*args)
