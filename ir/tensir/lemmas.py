"""Prefix lemmas as SMT queries: `op(xs[:i+1], ...) == step(op(xs[:i], ...), args, i)`.

Every op with a `prefix_step` states its lemma once; this module builds, for a signature of the
op, a solver-neutral query whose `unsat` answer proves the lemma for all lengths and all unbounded
values. Lambda arguments become uninterpreted functions, so a map's lemma holds for every lambda.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .opdef import OpDef
from .ops import SCALAR_OPS, SLICE
from .smt import SORTS, Encoder, SVal
from .terms import App, Arg, Lambda, Lit, Term, Var
from .types import INT, TensorType


@dataclass(frozen=True)
class LemmaQuery:
    """The instantiated lemma (as TensIR terms) and its SMT-LIB2 script in one dialect."""

    op: OpDef
    lhs: Term
    rhs: Term
    script: str


def uninterpreted(name: str, params: Sequence[TensorType], result: TensorType) -> OpDef:
    """An op standing for an arbitrary scalar function (an uninterpreted function in SMT)."""

    def smt(enc: Encoder, *args: SVal) -> SVal:
        enc.declare_fun(name, [SORTS[p.elem] for p in params], SORTS[result.elem])
        if not args:
            return enc.scalar(name, result.elem)
        exprs = [a.expr for a in args if a.expr is not None]
        assert len(exprs) == len(args), "an uninterpreted function takes scalars"
        return enc.scalar(f"({name} {' '.join(exprs)})", result.elem)

    def numpy(*args):
        raise NotImplementedError(f"{name} is uninterpreted")

    return OpDef(name=name, arity=len(params), infer=lambda *ts: result, numpy=numpy, smt=smt,
                 doc="uninterpreted scalar function")


def generic_args(op: OpDef, types: Sequence[TensorType | None]) -> tuple[Arg, ...]:
    """Fresh variables for plain arguments and `p -> g(p)` lambdas with uninterpreted `g`."""
    plain = tuple(types)
    args: list[Arg] = []
    for pos, t in enumerate(types):
        if pos in op.lambdas:
            ptypes = op.lambdas[pos](*plain)
            params = tuple(Var(f"p{j}", pt) for j, pt in enumerate(ptypes))
            result = TensorType(_first_tensor_elem(plain))
            g = uninterpreted(f"g{pos}", ptypes, result)
            args.append(Lambda(params, App(g, params)))
        else:
            assert t is not None
            args.append(Var(f"x{pos}", t))
    return tuple(args)


def _first_tensor_elem(plain) -> str:
    """Lambdas of lemma instances return the element type of the first tensor argument."""
    first = next(t for t in plain if t is not None and t.rank > 0)
    return first.elem


def lemma_query(
    op: OpDef, types: Sequence[TensorType | None], dialect: str, abstract_nonlinear: bool = False
) -> LemmaQuery:
    """The prefix lemma of `op` at one signature, as a script that is `unsat` iff it holds.

    With `abstract_nonlinear`, `unsat` still proves the lemma (see `Encoder`), but `sat` does not
    refute it."""
    if op.prefix_step is None:
        raise ValueError(f"{op.name} has no prefix lemma")
    args = generic_args(op, types)
    i = Var("i", INT)
    one = Lit(1, INT)
    zero = Lit(0, INT)

    def prefix(bound: Term) -> tuple[Arg, ...]:
        return tuple(
            SLICE(a, zero, bound) if pos in op.prefix_args else a for pos, a in enumerate(args)
        )

    lhs = op(*prefix(SCALAR_OPS["add"](i, one)))
    rhs = op.prefix_step(op(*prefix(i)), args, i)

    enc = Encoder(dialect, abstract_nonlinear)
    lhs_val = enc.encode(lhs)
    hyps = list(enc.domain)  # the left side is well-defined: assume its domain
    rhs_val = enc.encode(rhs)
    ival = enc.encode(i).expr
    for pos in op.prefix_args:
        arg = args[pos]
        assert isinstance(arg, Term), "a prefix argument is a tensor, never a lambda"
        x = enc.encode(arg)
        hyps.append(f"(and (<= 0 {ival}) (< {ival} {x.dims[0]}))")
    script = enc.script([*hyps, f"(not {enc.equal(lhs_val, rhs_val)})"])
    return LemmaQuery(op, lhs, rhs, script)
