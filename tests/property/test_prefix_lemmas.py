"""Every op's prefix lemma is proven for all lengths and unbounded values, in z3 and in cvc5."""

from __future__ import annotations

import dataclasses

import pytest

from tensflo.compiler.prove import prove
from tensflo.ir.tensir import OPS, Var
from tensflo.ir.tensir.lemmas import lemma_query
from tensflo.ir.tensir.ops import SCALAR_OPS
from tensflo.ir.tensir.signatures import signatures
from tensflo.ir.tensir.smt import Encoder
from tensflo.ir.tensir.types import vec
from tensflo.plugins.solvers import Cvc5Verifier, Z3Verifier

VERIFIERS = [Z3Verifier(), Cvc5Verifier()]
CASES = [(op.name, sig) for op in OPS if op.prefix_step is not None for sig in signatures(op)]


def test_the_lemma_table_is_large() -> None:
    names = {name for name, _ in CASES}
    assert {"reduce_sum", "reduce_mul", "reduce_max", "vec_map", "matrix_vec_mul", "matmul",
            "selection_two_args", "vec_elemwise_div", "matrix_scalar_sub"} <= names


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize(("name", "sig"), CASES,
                         ids=[f"{n}-{'-'.join(map(str, s))}" for n, s in CASES])
def test_prefix_lemma_is_proven(name: str, sig, verifier) -> None:
    op = OPS[name]
    result = prove(lambda abstract: lemma_query(op, sig, verifier.dialect, abstract).script,
                   verifier, timeout=10)
    assert result.status == "unsat", result
    assert result.seconds < 10


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize("wrong", ["first_element", "times"])
def test_a_wrong_lemma_is_not_proven(wrong: str, verifier) -> None:
    """The same machinery refutes (or at least fails to prove) a wrong step."""
    op = OPS["reduce_sum"]
    if wrong == "first_element":
        step = lambda prev, args, i: SCALAR_OPS["add"](prev, OPS["index"](args[0], SCALAR_OPS["sub"](i, i)))  # noqa: E731
    else:
        step = lambda prev, args, i: SCALAR_OPS["mul"](prev, OPS["index"](args[0], i))  # noqa: E731
    bad = dataclasses.replace(op, prefix_step=step)
    for sig in [(vec("int"),), (vec("float"),)]:
        result = prove(lambda abstract, sig=sig: lemma_query(bad, sig, verifier.dialect, abstract).script,
                       verifier, timeout=3)
        assert result.status != "unsat"
    if verifier.name == "z3":  # z3 also finds the counterexample; cvc5 gives up (not a proof)
        exact = verifier.check(lemma_query(bad, (vec("int"),), verifier.dialect).script, 10)
        assert exact.status == "sat"


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize("kind", ["sum", "prod", "max"])
@pytest.mark.parametrize("elem", ["int", "float"])
def test_unrolled_reductions_equal_the_recursive_definition(kind: str, elem: str, verifier) -> None:
    """Numeral lengths unroll; for n = 0..6 the unrolling is the recursive function's value.

    cvc5 unfolds the recursive product (an uninterpreted multiplication under the abstraction)
    only up to n = 3 within the budget; the formulas are the same in both dialects, so z3 covers
    the longer products.
    """
    t = vec(elem)
    longest = 3 if (verifier.name == "cvc5" and kind == "prod") else 6
    for n in range(longest + 1):
        def build(abstract: bool, n: int = n) -> str:
            enc = Encoder(verifier.dialect, abstract)
            x = enc.variable(Var("x", t))
            assert x.at is not None and x.fn is not None
            recursive = f"({enc._fold_fn(kind, elem, 0)} {x.fn} {n})"
            unrolled = enc.fold(kind, dataclasses.replace(x, dims=(str(n),)))
            assert "tf_" not in unrolled or kind == "prod" and abstract
            return enc.script([f"(not (= {recursive} {unrolled}))"])

        result = prove(build, verifier, timeout=10)
        assert result.status == "unsat", (kind, elem, n, result)


