"""Solver-neutral SMT-LIB2 encoding of TensIR: a tensor is an index function plus its lengths.

A vector is `(f, n)`: `f` an SMT array (z3) or function (cvc5, logic HO_ALL) from Int to the element
sort and `n` an Int; a matrix is a function of two indices with two lengths. A slice `x[:i]` only
changes the length. Reductions are recursive functions on the length
(`sum(f, n) = ite(n <= 0, 0, sum(f, n-1) + f(n-1))`), so a prefix lemma is one unfolding.

Op semantics are written once against `Encoder` (see `ops/`); the two dialects differ only in how
an index function is sorted and applied. The encoder produces SMT-LIB2 text that the verifier plugins
hand to their solver.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .opdef import OPS, Reduction
from .sexpr import lift, parse_sexpr, show
from .terms import App, Lambda, Lit, Term, Var
from .types import TensorType

SORTS = {"int": "Int", "float": "Real", "bool": "Bool"}
ZERO = {"int": "0", "float": "0.0"}


@dataclass(frozen=True)
class Dialect:
    """How one solver spells index functions."""

    name: str
    logic: str | None

    def fn_sort(self, nidx: int, elem: str) -> str:
        ints = " ".join(["Int"] * nidx)
        if self.name == "z3":
            return f"(Array {ints} {SORTS[elem]})"
        return f"(-> {ints} {SORTS[elem]})"

    def apply(self, f: str, idx: Sequence[str]) -> str:
        if self.name == "z3":
            return f"(select {f} {' '.join(idx)})"
        return f"({f} {' '.join(idx)})"


Z3 = Dialect("z3", None)
CVC5 = Dialect("cvc5", "HO_ALL")
DIALECTS = {"z3": Z3, "cvc5": CVC5}


@dataclass(frozen=True)
class SVal:
    """An encoded TensIR value: a scalar expression, or an index function with lengths `dims`."""

    elem: str
    dims: tuple[str, ...] = ()
    expr: str | None = None
    """The expression of a scalar."""
    at: Callable[[tuple[str, ...]], str] | None = None
    """Element at an index tuple (a Python closure, so elementwise ops nest without lambdas)."""
    fn: str | None = None
    """A first-class SMT function/array equal to `at`, when one exists (a declared name)."""
    appended: tuple[SVal, str] | None = None
    """For `append(x, e)` of a vector: `x` and `e`, so a reduction of it is one step of x's."""

    @property
    def rank(self) -> int:
        return len(self.dims)


SFn = Callable[..., str]
"""A scalar function on expressions: scalar expressions in, scalar expression out."""


@dataclass(frozen=True)
class SLambda:
    """An encoded TensIR lambda: call it on argument expressions; `elem` is its result type."""

    fn: SFn
    elem: str

    def __call__(self, *exprs: str) -> str:
        return self.fn(*exprs)


def int_lit(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"


def real_lit(value: float | Fraction) -> str:
    q = Fraction(value)
    num = f"{abs(q.numerator)}.0"
    text = num if q.denominator == 1 else f"(/ {num} {q.denominator}.0)"
    return f"(- {text})" if q < 0 else text


class Encoder:
    """Builds SMT-LIB2 text for TensIR terms in one dialect.

    Declarations, helper definitions and assumptions accumulate on the encoder; `script()` returns
    them with the asserted formulas. Domain conditions of the encoded ops are collected in
    `domain` (they are preconditions, not facts).
    """

    def __init__(self, dialect: Dialect | str = "z3", abstract_nonlinear: bool = False) -> None:
        self.dialect = DIALECTS[dialect] if isinstance(dialect, str) else dialect
        self.abstract_nonlinear = abstract_nonlinear
        """Encode products and quotients of two non-constants as uninterpreted functions.

        The abstraction has more models than the exact encoding, so `unsat` under it is still a
        proof; solvers answer such queries by congruence instead of nonlinear arithmetic."""
        self.decls: dict[str, str] = {}
        self.defs: dict[str, str] = {}
        self.assumptions: list[str] = []
        self.domain: list[str] = []
        self.vars: dict[Var, SVal] = {}
        self._depth = 0
        self._tensor_symbols: set[str] = set()

    # -- names and declarations -------------------------------------------------------------
    def declare(self, name: str, sort: str) -> str:
        self.decls.setdefault(name, f"(declare-const {name} {sort})")
        return name

    def define(self, name: str, text: str) -> str:
        self.defs.setdefault(name, text)
        return name

    def declare_fun(self, name: str, params: Sequence[str], result: str) -> str:
        self.decls.setdefault(name, f"(declare-fun {name} ({' '.join(params)}) {result})")
        return name

    def uninterpreted(self, name: str, arity: int, fact: Callable[..., str] | None = None) -> str:
        """A function from `arity` Reals to a Real that proofs know only by `fact`, declared once.

        `fact(enc, y, *xs)` is a formula true of `y = name(xs)` for the real function wherever it
        is defined (`sqrt`: `x >= 0 => y >= 0 and y * y == x`); it is asserted for every
        application, as an axiom whose pattern is the application (so it adds no new terms).
        """
        if name not in self.decls:
            self.declare_fun(name, ["Real"] * arity, "Real")
            if fact is not None:
                xs = [f"x!{j}" for j in range(arity)]
                app = f"({name} {' '.join(xs)})"
                binders = " ".join(f"({x} Real)" for x in xs)
                self.assumptions.append(
                    f"(forall ({binders}) (! {fact(self, app, *xs)} :pattern ({app})))")
        return name

    def require(self, cond: str) -> None:
        """Record a domain condition of an op application."""
        if cond != "true":
            self.domain.append(cond)

    # -- values -----------------------------------------------------------------------------
    def scalar(self, expr: str, elem: str) -> SVal:
        return SVal(elem, expr=expr)

    def tensor(self, elem: str, dims: Sequence[str], at: Callable[[tuple[str, ...]], str]) -> SVal:
        return SVal(elem, tuple(dims), at=at)

    def from_function(self, fn: str, elem: str, dims: Sequence[str]) -> SVal:
        """A tensor whose elements are a first-class SMT function/array `fn`."""
        apply = self.dialect.apply
        self._tensor_symbols.add(fn)
        return SVal(elem, tuple(dims), at=lambda idx: apply(fn, idx), fn=fn)

    def variable(self, var: Var) -> SVal:
        """A free TensIR variable: a constant, or a function symbol plus length constants >= 0."""
        if var in self.vars:
            return self.vars[var]
        t = var.type
        name = smt_name(var.name)
        if t.rank == 0:
            val = SVal(t.elem, expr=self.declare(name, SORTS[t.elem]))
        else:
            self.declare(name, self.dialect.fn_sort(t.rank, t.elem))
            dims = []
            for d in range(t.rank):
                dn = self.declare(smt_name(f"{var.name}_len{d}"), "Int")
                self.assumptions.append(f"(<= 0 {dn})")
                dims.append(dn)
            val = self.from_function(name, t.elem, dims)
        self.vars[var] = val
        return val

    def pin(self, var: Var, value: object) -> list[str]:
        """Bind a variable to a concrete NumPy value; returns the formulas fixing its elements.

        The variable is declared as usual, but its lengths become numerals, so reductions over it
        unroll (see `fold`) and the query is quantifier-free.
        """
        import numpy as np

        arr = np.asarray(value)
        if var.type.rank == 0:
            val = self.variable(var)
            return [f"(= {val.expr} {self._literal(arr.item(), var.type.elem)})"]
        name = self.declare(smt_name(var.name), self.dialect.fn_sort(var.type.rank, var.type.elem))
        val = self.from_function(name, var.type.elem, [str(n) for n in arr.shape])
        self.vars[var] = val
        assert val.at is not None
        return [
            f"(= {val.at(tuple(str(p) for p in pos))} {self._literal(arr[pos].item(), var.type.elem)})"
            for pos in np.ndindex(arr.shape)
        ]

    @staticmethod
    def _literal(value: int | float | bool, elem: str) -> str:
        if elem == "bool":
            return "true" if value else "false"
        return int_lit(int(value)) if elem == "int" else real_lit(float(value))

    def constant(self, value: object, type_: TensorType) -> SVal:
        """A concrete NumPy value (scalar or array) as an SMT value, for semantics tests."""
        import numpy as np

        arr = np.asarray(value)

        def enc(v: int | float | bool) -> str:
            return self._literal(v, type_.elem)

        if type_.rank == 0:
            return SVal(type_.elem, expr=enc(arr.item()))
        default = {"int": "0", "float": "0.0", "bool": "false"}[type_.elem]

        def at(idx: tuple[str, ...]) -> str:
            expr = default
            for pos in np.ndindex(arr.shape):
                cond = " ".join(f"(= {i} {p})" for i, p in zip(idx, pos, strict=True))
                cond = f"(and {cond})" if len(pos) > 1 else cond
                expr = f"(ite {cond} {enc(arr[pos].item())} {expr})"
            return expr

        return SVal(type_.elem, tuple(str(s) for s in arr.shape), at=at)

    # -- building blocks for op semantics ---------------------------------------------------
    def bound(self, n: int) -> tuple[str, ...]:
        """Names for `n` binders at the current depth (alpha-equivalent lambdas print alike)."""
        return tuple(f"k!{self._depth + j}" for j in range(n))

    def materialize(self, val: SVal) -> str:
        """A first-class SMT function/array for a tensor (a lambda unless one exists)."""
        if val.fn is not None:
            return val.fn
        assert val.at is not None
        names = self.bound(val.rank)
        self._depth += val.rank
        try:
            body = val.at(names)
        finally:
            self._depth -= val.rank
        binders = " ".join(f"({n} Int)" for n in names)
        return f"(lambda ({binders}) {body})"

    def pointwise(self, fn: SFn, *vals: SVal, elem: str | None = None) -> SVal:
        """Apply a scalar function at every index of same-shaped tensors (shape of the first)."""
        first = vals[0]
        for other in vals[1:]:
            for d1, d2 in zip(first.dims, other.dims, strict=True):
                self.require(f"(= {d1} {d2})")
        ats = [v.at for v in vals]
        return SVal(elem or first.elem, first.dims,
                    at=lambda idx: fn(*(_element(a, idx) for a in ats)))

    def broadcast(self, fn: SFn, tensor: SVal, scalar: SVal, scalar_first: bool = False) -> SVal:
        s = scalar.expr
        at = tensor.at
        assert at is not None and s is not None
        if scalar_first:
            return SVal(tensor.elem, tensor.dims, at=lambda idx: fn(s, at(idx)))
        return SVal(tensor.elem, tensor.dims, at=lambda idx: fn(at(idx), s))

    UNROLL = 64
    """Reductions over a numeral length up to this many elements are unrolled (quantifier-free)."""

    def fold(self, kind: str, vec: SVal) -> str:
        """A reduction of a vector by a recursive function on its length.

        `kind` names the reduction (`Reduction.kind` of an op: `sum`, `prod`, `max`). The vector's
        index function is lambda-lifted (see `sexpr.lift`): `sum_k a[r][k]` becomes
        `tf_sum_Int_1(lambda (k c) a[c][k], r, n)`, so reductions over equal rows are equal terms.
        A numeral length unrolls the same recursion instead.
        """
        r = OPS.reduction(kind)
        n = vec.dims[0]
        assert vec.at is not None
        if vec.appended is not None and not (n.isdigit() and int(n) <= self.UNROLL):
            # the definition unfolded once: fold(append(x, e)) = step(fold(x), e)
            base, e = vec.appended
            step = r.smt(self, vec.elem, self.fold(kind, base), e)
            return f"(ite (<= {base.dims[0]} 0) {e} {step})" if r.identity is None else step
        if n.isdigit() and int(n) <= self.UNROLL:
            xs = [vec.at((str(j),)) for j in range(max(int(n), 1))]
            return self._unrolled(r, vec.elem, xs[: int(n)], first=xs[0])
        if vec.fn is not None:
            return f"({self._fold_fn(kind, vec.elem, 0)} {vec.fn} {n})"
        (k,) = self.bound(1)
        self._depth += 1
        try:
            body = vec.at((k,))
        finally:
            self._depth -= 1
        tree, lifted = lift(parse_sexpr(body), frozenset([k]), self._int_positions,
                            lambda j: f"c!{j}")
        binders = " ".join(f"({b} Int)" for b in [k, *(f"c!{j}" for j in range(len(lifted)))])
        lam = f"(lambda ({binders}) {show(tree)})"
        name = self._fold_fn(kind, vec.elem, len(lifted))
        return f"({name} {lam} {' '.join([*lifted, n])})"

    @staticmethod
    def _identity(r: Reduction, elem: str) -> str:
        assert r.identity is not None
        return int_lit(r.identity) if elem == "int" else real_lit(r.identity)

    def _unrolled(self, r: Reduction, elem: str, xs: list[str], first: str) -> str:
        if r.identity is None:  # starts from the first element
            if len(xs) <= 1:
                return first
            acc, rest = xs[0], xs[1:]
        else:
            acc, rest = self._identity(r, elem), xs
        for x in rest:
            acc = r.smt(self, elem, acc, x)
        return acc

    def _fold_fn(self, kind: str, elem: str, nctx: int) -> str:
        r = OPS.reduction(kind)
        sort = SORTS[elem]
        name = f"tf_{kind}_{sort}" + (f"_{nctx}" if nctx else "")
        ctx = [f"c{j}" for j in range(nctx)]
        fsort = self.dialect.fn_sort(1 + nctx, elem)
        rec = " ".join(["f", *ctx])
        last = self.dialect.apply("f", ["(- n 1)", *ctx])
        prev = f"({name} {rec} (- n 1))"
        if r.identity is None:
            first = self.dialect.apply("f", ["0", *ctx])
            body = f"(ite (<= n 1) {first} {r.smt(self, elem, prev, last)})"
        else:
            body = f"(ite (<= n 0) {self._identity(r, elem)} {r.smt(self, elem, prev, last)})"
        params = " ".join([f"(f {fsort})", *(f"({c} Int)" for c in ctx), "(n Int)"])
        self.define(name, f"(define-fun-rec {name} ({params}) {SORTS[elem]} {body})")
        return name

    def _int_positions(self, node: list[object]) -> range | None:
        """Integer argument positions of an S-expression node: tensor indices, fold arguments."""
        head = node[0]
        if not isinstance(head, str):
            return None
        if head == "select":
            return range(2, len(node))
        if head.startswith("tf_") and OPS.is_reduction(head.split("_")[1]):
            return range(2, len(node))
        if head in self._tensor_symbols:
            return range(1, len(node))
        return None

    def mul(self, elem: str, a: str, b: str, numerals_exact: bool = True) -> str:
        """a * b, or its uninterpreted abstraction when both are non-constants (see above)."""
        linear = numerals_exact and (_numeral(a) or _numeral(b))
        if self._element_read(a) and self._element_read(b):  # one spelling of a product of
            a, b = sorted((a, b))  # two elements (`x[k] * w[k]`, `w[k] * x[k]`) whatever the indices
        if self.abstract_nonlinear and not linear:
            sort = SORTS[elem]
            name = self.declare_fun(f"tf_mul_{sort}", [sort, sort], sort)
            return f"({name} {a} {b})"
        return f"(* {a} {b})"

    def _element_read(self, e: str) -> bool:
        """Whether `e` reads an element of a tensor symbol (`(select x i)`, `(x i)`)."""
        head = e[1:].split(" ", 1)[0] if e.startswith("(") else ""
        return head == "select" or head in self._tensor_symbols

    def clamp(self, v: str, lo: str, hi: str) -> str:
        self.define(
            "tf_clamp",
            "(define-fun tf_clamp ((v Int) (lo Int) (hi Int)) Int (ite (< v lo) lo (ite (> v hi) hi v)))",
        )
        return f"(tf_clamp {v} {lo} {hi})"

    def cdiv(self) -> str:
        """C division on Int: truncates toward zero; x / 0 = 0."""
        if self.abstract_nonlinear:
            return self.declare_fun("tf_cdiv", ["Int", "Int"], "Int")
        return self.define(
            "tf_cdiv",
            "(define-fun tf_cdiv ((a Int) (b Int)) Int (ite (= b 0) 0 "
            "(ite (= (< a 0) (< b 0)) (div (abs a) (abs b)) (- (div (abs a) (abs b))))))",
        )

    def cmod(self) -> str:
        """C remainder on Int: sign of the dividend; x % 0 = x."""
        if self.abstract_nonlinear:
            return self.declare_fun("tf_cmod", ["Int", "Int"], "Int")
        self.cdiv()
        return self.define(
            "tf_cmod",
            "(define-fun tf_cmod ((a Int) (b Int)) Int (- a (* b (tf_cdiv a b))))",
        )

    def floordiv(self) -> str:
        """Python floor division on Int; x // 0 = 0. SMT `div` is floor division for b > 0."""
        if self.abstract_nonlinear:
            return self.declare_fun("tf_fdiv", ["Int", "Int"], "Int")
        return self.define(
            "tf_fdiv",
            "(define-fun tf_fdiv ((a Int) (b Int)) Int "
            "(ite (= b 0) 0 (ite (> b 0) (div a b) (div (- a) (- b)))))",
        )

    def floormod(self) -> str:
        """Python remainder on Int: sign of the divisor; x % 0 = x."""
        if self.abstract_nonlinear:
            return self.declare_fun("tf_fmod", ["Int", "Int"], "Int")
        self.floordiv()
        return self.define(
            "tf_fmod", "(define-fun tf_fmod ((a Int) (b Int)) Int (- a (* b (tf_fdiv a b))))"
        )

    def rdiv(self) -> str:
        """Division on Real; x / 0 = 0 as for Int."""
        if self.abstract_nonlinear:
            return self.declare_fun("tf_rdiv", ["Real", "Real"], "Real")
        return self.define(
            "tf_rdiv",
            "(define-fun tf_rdiv ((a Real) (b Real)) Real (ite (= b 0.0) 0.0 (/ a b)))",
        )

    # -- terms ------------------------------------------------------------------------------
    def encode(self, term: Term, env: dict[Var, SVal] | None = None) -> SVal:
        """Encode a term; `env` binds variables (free variables are declared)."""
        env = env or {}
        if isinstance(term, Var):
            return env[term] if term in env else self.variable(term)
        if isinstance(term, Lit):
            return self.constant(term.value, term.type)
        if isinstance(term, App):
            args = [
                self.encode_lambda(a, env) if isinstance(a, Lambda) else self.encode(a, env)
                for a in term.args
            ]
            return term.op.smt(self, *args)
        raise TypeError(f"cannot encode {term!r}")

    def encode_lambda(self, lam: Lambda, env: dict[Var, SVal]) -> SLambda:
        def fn(*exprs: str) -> str:
            inner = dict(env)
            for p, e in zip(lam.params, exprs, strict=True):
                inner[p] = SVal(p.type.elem, expr=e)
            out = self.encode(lam.body, inner)
            assert out.expr is not None
            return out.expr

        return SLambda(fn, lam.type.result.elem)

    def equal(self, a: SVal, b: SVal) -> str:
        """Extensional equality: same lengths and the same element at every index."""
        if a.rank == 0:
            return f"(= {a.expr} {b.expr})"
        pair = a.appended or b.appended
        if a.rank == 1 and pair is not None:
            # append(x, e) == b: x == b below len(x), and e == b[len(x)] outside the quantifier
            # (the solvers do not rewrite under binders, so an element compared at a bound index
            # equal to len(x) is not matched with one computed at len(x))
            (x, e), other = pair, (b if a.appended else a)
            assert other.at is not None
            n = x.dims[0]
            head = SVal(other.elem, x.dims, at=other.at)
            return (f"(and (= {a.dims[0]} {b.dims[0]}) {self.equal(x, head)} "
                    f"(=> (<= 0 {n}) (= {e} {other.at((n,))})))")
        names = tuple(f"e!{j}" for j in range(a.rank))
        dims = " ".join(f"(= {x} {y})" for x, y in zip(a.dims, b.dims, strict=True))
        in_range = " ".join(f"(<= 0 {n}) (< {n} {d})" for n, d in zip(names, a.dims, strict=True))
        binders = " ".join(f"({n} Int)" for n in names)
        assert a.at is not None and b.at is not None
        elems = f"(forall ({binders}) (=> (and {in_range}) (= {a.at(names)} {b.at(names)})))"
        return f"(and {dims} {elems})"

    def script(self, asserts: Sequence[str] = ()) -> str:
        """The SMT-LIB2 script: logic, declarations, definitions, assumptions and `asserts`."""
        lines = [f"(set-logic {self.dialect.logic})"] if self.dialect.logic else []
        lines += self.decls.values()
        lines += self.defs.values()
        lines += [f"(assert {a})" for a in self.assumptions]
        lines += [f"(assert {a})" for a in asserts]
        return "\n".join(lines) + "\n"


def _element(at: Callable[[tuple[str, ...]], str] | None, idx: tuple[str, ...]) -> str:
    """The element of a tensor at `idx` (`at` is None only for scalars, which have none)."""
    if at is None:
        raise TypeError("an elementwise op was given a scalar where a tensor belongs")
    return at(idx)


def _numeral(expr: str) -> bool:
    return bool(re.fullmatch(r"\(?-? ?[0-9.]+\)?|\(/ [0-9.]+ [0-9.]+\)|\(- \(/ [0-9.]+ [0-9.]+\)\)", expr))


def smt_name(name: str) -> str:
    """An SMT symbol for a TensIR variable name (quoted if needed)."""
    return name if name.isidentifier() else f"|{name}|"
