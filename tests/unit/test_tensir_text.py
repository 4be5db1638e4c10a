"""The TensIR text form: precedence, literals, lambdas, modules and error positions."""

from __future__ import annotations

import pytest

from tensflo.ir.tensir import (
    INT,
    OPS,
    TensIRSyntaxError,
    TensIRTypeError,
    Var,
    lit,
    mat,
    parse,
    parse_module,
    print_term,
    vec,
)

ENV = {"a": vec("int"), "b": vec("int"), "m": mat("int"), "n": INT, "x": INT, "y": INT,
       "f": vec("float")}


@pytest.mark.parametrize("text", [
    "1 - (2 - 3)", "1 - 2 - 3", "x * (y + 1)", "-(5) * -5", "not x < y and true",
    "(x < y) == (y < x)", "a[1:n][0]", "a[:n]", "transpose(m)[0][x:y]",
    "selection_two_args(a, b, lambda p, q: ite(p > q, p, q))", "vec_map(f, lambda v: v * 2.5 + -1e-07)",
    "reduce_sum(vec_elemwise_mul(a[:n], b[:n]))", "x / y % 3",
])
def test_canonical_text_round_trips(text: str) -> None:
    term = parse(text, ENV)
    assert print_term(term) == text
    assert parse(print_term(term), ENV) == term


def test_precedence_and_associativity_from_the_op_table() -> None:
    add, sub, mul = OPS["add"], OPS["sub"], OPS["mul"]
    x, y = Var("x", INT), Var("y", INT)
    assert parse("x - y - 1", ENV) == sub(sub(x, y), lit(1))
    assert parse("x + y * 2", ENV) == add(x, mul(y, lit(2)))
    assert print_term(sub(x, sub(y, lit(1)))) == "x - (y - 1)"


def test_negative_literal_and_negation_differ() -> None:
    assert parse("-5", {}) == lit(-5)
    assert parse("-(5)", {}) == OPS["neg"](lit(5))


def test_modules_declare_typed_functions() -> None:
    (dot,) = parse_module("# a comment\ndef dot(a: vec[int], b: vec[int], n: int) -> int =\n"
                          "    reduce_sum(vec_elemwise_mul(a[:n], b[:n]))\n")
    assert dot.name == "dot" and [p.name for p in dot.params] == ["a", "b", "n"]
    assert dot.result == INT
    assert parse_module(str(dot))[0] == dot


@pytest.mark.parametrize(("text", "line", "col", "words"), [
    ("reduce_sum(a", 1, 13, "expected"),
    ("vec_elemwise_add(1, a)", 1, 1, "vec_elemwise_add: the first operand must be vec[int], got int"),
    ("a +* b", 1, 4, "unexpected '*'"),
    ("frobnicate(a)", 1, 1, "unknown op frobnicate"),
    ("q + 1", 1, 1, "unknown variable q"),
    ("vec_map(a, lambda p, q: p)", 1, 12, "must take 1 parameter"),
    ("x < y < 3", 1, 7, "unexpected '<'"),
    ("a $ b", 1, 3, "unexpected character '$'"),
])
def test_errors_point_at_line_and_column(text: str, line: int, col: int, words: str) -> None:
    with pytest.raises(TensIRSyntaxError) as info:
        parse(text, ENV, source="t.tensir")
    err = info.value
    assert (err.line, err.column) == (line, col), str(err)
    assert words in err.message
    src, caret = str(err).splitlines()[1:3]
    assert caret.index("^") - 2 == col - 1 and src.strip() == text
    assert str(err).startswith(f"t.tensir:{line}:{col}: ")


def test_module_errors_name_the_line() -> None:
    with pytest.raises(TensIRSyntaxError) as info:
        parse_module("def f(a: vec[int]) -> int =\n  reduce_sum(a)\n"
                     "def g(a: vec[int]) -> vec[int] =\n  reduce_sum(a)\n", source="m.tensir")
    assert info.value.line == 3 and "declared to return vec[int]" in info.value.message


def test_ill_typed_terms_cannot_be_built() -> None:
    with pytest.raises(TensIRTypeError):
        OPS["vec_elemwise_add"](lit(1), Var("a", vec("int")))
    with pytest.raises(TensIRTypeError):
        OPS["matmul"](Var("a", vec("int")), Var("m", mat("int")))
