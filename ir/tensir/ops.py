"""The built-in TensIR ops, each declared once.

Scalar ops are declared from a `Kernel` (the scalar meaning: NumPy function, SMT function, rendering);
the elementwise (`vec_elemwise_add`, ...) and broadcast (`vec_scalar_add`, `scalar_vec_sub`, ...)
families are derived from the same kernel, so a scalar op and its tensor forms cannot disagree.

Integer semantics: `div` truncates toward zero and `mod` takes the sign of the dividend (C/C++);
`x / 0 == 0` and `x % 0 == x`, for ints and floats alike. Proofs treat `int` as mathematical integers
and `float` as reals (overflow and rounding are not modelled; see docs/semantics.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from . import cnum
from .opdef import DomainError, OpDef, register
from .render import ATOM, PREC, Template, call, infix, prefix
from .smt import ZERO, Encoder, SVal
from .terms import App, Lambda, Lit, Term, free_vars, substitute
from .types import BOOL, INT, TensIRTypeError, TensorType

RANK_PREFIX = {1: "vec", 2: "matrix", 3: "tensor3d"}
NUMERIC = ("int", "float")
DTYPES = {"int": np.int64, "float": np.float64, "bool": np.bool_}
DTYPE_NAMES = {"int": "np.int64", "float": "np.float64", "bool": "np.bool_"}
"""How generated NumPy code spells each element type's dtype."""
FRAMEWORKS = {"torch": "torch", "jax": "jnp", "mlx": "mx"}
"""The array-framework targets beside numpy, each with the name its generated code imports."""
TARGET_DTYPES = {
    "numpy": DTYPE_NAMES,
    **{t: {"int": f"{ns}.int64", "float": f"{ns}.float64", "bool": f"{ns}.bool_"}
       for t, ns in FRAMEWORKS.items()},
}
TARGET_DTYPES["torch"] = {**TARGET_DTYPES["torch"], "bool": "torch.bool"}
"""How each Python-based target's generated code spells each element type's dtype."""


def each_framework(make: Callable[[str], Any]) -> dict[str, Any]:
    """Rendering entries for the framework targets from their namespace (`torch`, `jnp`, `mx`)."""
    return {t: make(ns) for t, ns in FRAMEWORKS.items()}


def every_framework(entry: Any) -> dict[str, Any]:
    """One rendering entry that reads the same on every framework target (`a + b`, `c_div(a, b)`)."""
    return each_framework(lambda ns: entry)


def framework_call(name: str, arity: int) -> dict[str, Template]:
    """`torch.name(...)`, `jnp.name(...)`, `mx.name(...)`: a function of each framework."""
    return each_framework(lambda ns: call(f"{ns}.{name}", arity))


def namespaced(name: str, arity: int) -> dict[str, Template]:
    """`np.name(...)` on numpy and the same function of each framework."""
    return {"numpy": call(f"np.{name}", arity), **framework_call(name, arity)}


def as_value(x, t: TensorType):
    """Coerce a NumPy result to the canonical value of type `t` (dtype; 0-d arrays to scalars)."""
    arr = np.asarray(x, dtype=DTYPES[t.elem])
    return arr[()] if t.rank == 0 else arr


# --------------------------------------------------------------------------------------------
# type rules
# --------------------------------------------------------------------------------------------
def _fail(msg: str) -> TensIRTypeError:
    return TensIRTypeError(msg)


def _same_elem(name: str, elems: tuple[str, ...], *ts: TensorType) -> str:
    elem = ts[0].elem
    if any(t.elem != elem for t in ts) or elem not in elems:
        shown = ", ".join(map(str, ts))
        raise _fail(f"{name} needs operands of one element type among {'/'.join(elems)}; got {shown}")
    return elem


def _expect_rank(name: str, t: TensorType, rank: int, what: str) -> None:
    if t.rank != rank:
        want = str(TensorType(t.elem, rank)) if rank else "a scalar"
        raise _fail(f"{name}: {what} must be {want}, got {t}")


# --------------------------------------------------------------------------------------------
# scalar kernels and the families derived from them
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kernel:
    """The scalar meaning of an op, shared by its scalar form and its tensor families."""

    name: str
    arity: int
    numpy: Callable
    smt: Callable[..., str]
    """`smt(enc, elem, *exprs)` -> expression; `elem` is the operands' element type."""
    py: Template
    """Python/NumPy rendering; vectorized, so the same text serves scalars and arrays."""
    frameworks: Mapping[str, Template]
    """The torch, jax and mlx renderings (vectorized too)."""
    doc: str
    """What the op computes, as a noun phrase ("division")."""
    note: str = ""
    """Semantic fine print shown with every op derived from the kernel."""
    elems: tuple[str, ...] = NUMERIC
    result: str | None = None
    """Result element type; None = the operands'."""
    symbol: str | None = None
    prec: int = ATOM
    form: str = "call"
    assoc: str = "left"
    commutative: bool = False
    llvm: Callable | None = None
    """LLVM IR of the scalar op: `(g, elem, *values) -> value` (see the llvm entries above)."""

    @property
    def render(self) -> dict[str, Template]:
        """Every target's rendering, for the scalar op and the families derived from the kernel."""
        return {"numpy": self.py, **self.frameworks}

    def result_type(self, *ts: TensorType) -> TensorType:
        elem = _same_elem(self.name, self.elems, *ts)
        return TensorType(self.result or elem)


# llvm entries (targets/llvm), like the SMT semantics over views built by the target's lowering
# context `g` (`g.b` is an llvmlite IRBuilder; ints are i64, floats double, bools i1). A kernel's
# entry `(g, elem, *values) -> value` gives the scalar op and, through the families, its tensor ops.
def _llvm_arith(int_op: str, float_op: str) -> Callable:
    return lambda g, t, a, b: getattr(g.b, float_op if t == "float" else int_op)(a, b)


def _llvm_cmp(sym: str, float_cmp: str = "fcmp_ordered") -> Callable:
    def entry(g, t, a, b):
        if t == "float":
            return getattr(g.b, float_cmp)(sym, a, b)
        return (g.b.icmp_unsigned if t == "bool" else g.b.icmp_signed)(sym, a, b)

    return entry


def _llvm_pick(sym: str) -> Callable:
    """min/max as `ite(a <= b, a, b)` / `ite(a >= b, a, b)`, the SMT definition."""
    return lambda g, t, a, b: g.b.select(_llvm_cmp(sym)(g, t, a, b), a, b)


def _llvm_neg(g, t, a):
    return g.b.fneg(a) if t == "float" else g.b.neg(a)


def llvm_mul(g, t, a, b):
    """The llvm entry of `mul` (also used by products and by the target's matrix kernels)."""
    return _llvm_arith("mul", "fmul")(g, t, a, b)


def elem_of(v) -> str:
    """The element type of a value during llvm lowering (a view's, or from the LLVM type)."""
    if hasattr(v, "elem"):
        return v.elem
    text = str(v.type)
    return "float" if text == "double" else "bool" if text == "i1" else "int"


KERNELS: dict[str, Kernel] = {}


def _kernel(k: Kernel) -> Kernel:
    KERNELS[k.name] = k
    return k


_A = PREC["add"]
_M = PREC["mul"]
_C = PREC["cmp"]

ADD = _kernel(Kernel("add", 2, np.add, lambda e, t, a, b: f"(+ {a} {b})", infix("+", _A),
                     every_framework(infix("+", _A)), "addition", symbol="+", prec=_A, form="infix", commutative=True, llvm=_llvm_arith("add", "fadd")))
SUB = _kernel(Kernel("sub", 2, np.subtract, lambda e, t, a, b: f"(- {a} {b})", infix("-", _A),
                     every_framework(infix("-", _A)), "subtraction", symbol="-", prec=_A, form="infix", llvm=_llvm_arith("sub", "fsub")))
MUL = _kernel(Kernel("mul", 2, np.multiply, lambda e, t, a, b: e.mul(t, a, b), infix("*", _M),
                     every_framework(infix("*", _M)), "multiplication", symbol="*", prec=_M, form="infix", commutative=True, llvm=llvm_mul))
DIV = _kernel(Kernel(
    "div", 2, cnum.c_div,
    lambda e, t, a, b: f"({e.cdiv() if t == 'int' else e.rdiv()} {a} {b})",
    call("c_div", 2), every_framework(call("c_div", 2)), "division", note="int truncates toward zero as in C; x / 0 == 0",
    symbol="/", prec=_M, form="infix", llvm=lambda g, t, a, b: g.f_div(a, b) if t == "float" else g.c_div(a, b),
))
MOD = _kernel(Kernel(
    "mod", 2, cnum.c_mod, lambda e, t, a, b: f"({e.cmod()} {a} {b})", call("c_mod", 2),
    every_framework(call("c_mod", 2)), "remainder", note="sign of the dividend as in C; x % 0 == x", elems=("int",),
    symbol="%", prec=_M, form="infix", llvm=lambda g, t, a, b: g.c_mod(a, b),
))
FLOORDIV = _kernel(Kernel(
    "floordiv", 2, cnum.py_div, lambda e, t, a, b: f"({e.floordiv()} {a} {b})",
    call("py_div", 2), every_framework(call("py_div", 2)), "floor division", note="rounds toward negative infinity as in Python; x // 0 == 0",
    elems=("int",), llvm=lambda g, t, a, b: g.py_div(a, b),
))
FLOORMOD = _kernel(Kernel(
    "floormod", 2, cnum.py_mod, lambda e, t, a, b: f"({e.floormod()} {a} {b})", call("py_mod", 2),
    every_framework(call("py_mod", 2)), "floor remainder", note="sign of the divisor as in Python; x % 0 == x", elems=("int",), llvm=lambda g, t, a, b: g.py_mod(a, b),
))
MIN = _kernel(Kernel("min", 2, np.minimum, lambda e, t, a, b: f"(ite (<= {a} {b}) {a} {b})",
                     call("np.minimum", 2), framework_call("minimum", 2), "smaller of two scalars", commutative=True, llvm=_llvm_pick("<=")))
MAX = _kernel(Kernel("max", 2, np.maximum, lambda e, t, a, b: f"(ite (>= {a} {b}) {a} {b})",
                     call("np.maximum", 2), framework_call("maximum", 2), "larger of two scalars", commutative=True, llvm=_llvm_pick(">=")))
for _name, _sym, _smt, _np in [
    ("lt", "<", "<", np.less), ("le", "<=", "<=", np.less_equal), ("gt", ">", ">", np.greater),
    ("ge", ">=", ">=", np.greater_equal),
]:
    _kernel(Kernel(_name, 2, _np, lambda e, t, a, b, s=_smt: f"({s} {a} {b})",
                   infix(_sym, _C, "none"), every_framework(infix(_sym, _C, "none")), f"comparison {_sym}", result="bool",
                   symbol=_sym, prec=_C, form="infix", assoc="none", llvm=_llvm_cmp(_sym)))
_kernel(Kernel("eq", 2, np.equal, lambda e, t, a, b: f"(= {a} {b})", infix("==", _C, "none"),
               every_framework(infix("==", _C, "none")), "equality", elems=("int", "float", "bool"), result="bool", symbol="==", prec=_C,
               form="infix", assoc="none", commutative=True, llvm=_llvm_cmp("==")))
_kernel(Kernel("ne", 2, np.not_equal, lambda e, t, a, b: f"(not (= {a} {b}))",
               infix("!=", _C, "none"), every_framework(infix("!=", _C, "none")), "inequality", elems=("int", "float", "bool"),
               result="bool", symbol="!=", prec=_C, form="infix", assoc="none",
               commutative=True, llvm=_llvm_cmp("!=", "fcmp_unordered")))  # NaN != NaN as in NumPy
_kernel(Kernel("and", 2, np.logical_and, lambda e, t, a, b: f"(and {a} {b})",
               call("np.logical_and", 2), framework_call("logical_and", 2), "logical and", elems=("bool",), symbol="and",
               prec=PREC["and"], form="infix", commutative=True, llvm=lambda g, t, a, b: g.b.and_(a, b)))
_kernel(Kernel("or", 2, np.logical_or, lambda e, t, a, b: f"(or {a} {b})",
               call("np.logical_or", 2), framework_call("logical_or", 2), "logical or", elems=("bool",), symbol="or",
               prec=PREC["or"], form="infix", commutative=True, llvm=lambda g, t, a, b: g.b.or_(a, b)))
_kernel(Kernel("not", 1, np.logical_not, lambda e, t, a: f"(not {a})", call("np.logical_not", 1),
               framework_call("logical_not", 1), "logical negation", elems=("bool",), symbol="not", prec=PREC["not"],
               form="prefix", llvm=lambda g, t, a: g.b.not_(a)))
_kernel(Kernel("neg", 1, np.negative, lambda e, t, a: f"(- {a})",
               prefix("-", PREC["unary"]), every_framework(prefix("-", PREC["unary"])),
               "arithmetic negation", symbol="-",
               prec=PREC["unary"], form="prefix", llvm=_llvm_neg))
_kernel(Kernel("abs", 1, np.abs, lambda e, t, a: f"(ite (< {a} {ZERO[t]}) (- {a}) {a})",
               call("np.abs", 1), framework_call("abs", 1), "absolute value",
               llvm=lambda g, t, a: g.b.select(_llvm_cmp("<")(g, t, a, g.zero(t)), _llvm_neg(g, t, a), a)))


PLURAL = {1: "vectors", 2: "matrices", 3: "3-d tensors"}
NOUN = {1: "vector", 2: "matrix", 3: "3-d tensor"}


def _with_note(doc: str, k: Kernel) -> str:
    return f"{doc} ({k.note})" if k.note else doc


def _scalar_op(k: Kernel) -> OpDef:
    def infer(*ts: TensorType) -> TensorType:
        for t in ts:
            _expect_rank(k.name, t, 0, "each operand")
        return k.result_type(*ts)

    def smt(enc: Encoder, *args: SVal) -> SVal:
        out = k.result or args[0].elem
        return enc.scalar(k.smt(enc, args[0].elem, *(a.expr for a in args)), out)

    return register(OpDef(
        name=k.name, arity=k.arity, infer=infer, numpy=k.numpy, smt=smt, doc=_with_note(k.doc, k),
        form=k.form, params=("a", "b")[: k.arity] if k.arity == 2 else ("x",),
        symbol=k.symbol, prec=k.prec, assoc=k.assoc, commutative=k.commutative,
        render={**k.render, "llvm": lambda g, *vs: k.llvm(g, elem_of(vs[0]), *vs)},
    ))


SCALAR_OPS = {name: _scalar_op(k) for name, k in KERNELS.items()}


def _ite_infer(c: TensorType, a: TensorType, b: TensorType) -> TensorType:
    if c != BOOL:
        raise _fail(f"ite: the condition must be bool, got {c}")
    if not (a.is_scalar and a == b):
        raise _fail(f"ite: both branches must be the same scalar type, got {a} and {b}")
    return a


ITE = register(OpDef(
    name="ite", params=("cond", "then", "else"), arity=3, infer=_ite_infer,
    numpy=lambda c, a, b: np.where(c, a, b)[()],
    smt=lambda enc, c, a, b: enc.scalar(f"(ite {c.expr} {a.expr} {b.expr})", a.elem),
    doc="if-then-else on scalars",
    render={**namespaced("where", 3), "llvm": lambda g, c, a, b: g.b.select(c, a, b)},
))


def _lower(family: Callable[[int], OpDef | None], k: Kernel, rank: int) -> OpDef:
    """The op of the same family one rank down (the scalar op below rank 1)."""
    if rank == 1:
        return SCALAR_OPS[k.name]
    op = family(rank - 1)
    assert op is not None
    return op


ELEMWISE: dict[tuple[str, int], OpDef] = {}
BROADCAST: dict[tuple[str, int, bool], OpDef] = {}


def _elemwise(k: Kernel, rank: int) -> OpDef:
    name = f"{RANK_PREFIX[rank]}_elemwise_{k.name}"

    def infer(a: TensorType, b: TensorType) -> TensorType:
        _expect_rank(name, a, rank, "the first operand")
        _expect_rank(name, b, rank, "the second operand")
        return k.result_type(a.scalar, b.scalar).with_rank(rank)

    def numpy(a, b):
        if np.shape(a) != np.shape(b):
            raise DomainError(f"{name}: shapes differ {np.shape(a)} vs {np.shape(b)}")
        return k.numpy(a, b)

    def smt(enc: Encoder, a: SVal, b: SVal) -> SVal:
        return enc.pointwise(lambda x, y: k.smt(enc, a.elem, x, y), a, b)

    def step(prev: Term, args: tuple, i: Term) -> Term:
        x, y = args
        lower = _lower(lambda r: ELEMWISE.get((k.name, r)), k, rank)
        return APPEND(prev, lower(INDEX(x, i), INDEX(y, i)))

    op = register(OpDef(
        name=name, arity=2, infer=infer, numpy=numpy, smt=smt,
        doc=_with_note(f"elementwise {k.doc} of two {PLURAL[rank]} of equal shape", k),
        params=("a", "b"),
        prefix_args=(0, 1), prefix_step=step, domain="operands have equal shapes",
        family=k.name, commutative=k.commutative,
        render={**k.render, "llvm": lambda g, a, b: g.pointwise(
            lambda x, y: k.llvm(g, a.elem, x, y), a, b, elem=k.result or a.elem, name=name)},
    ))
    ELEMWISE[(k.name, rank)] = op
    return op


def _broadcast(k: Kernel, rank: int, scalar_first: bool) -> OpDef:
    pre = RANK_PREFIX[rank]
    name = f"scalar_{pre}_{k.name}" if scalar_first else f"{pre}_scalar_{k.name}"
    tpos, spos = (1, 0) if scalar_first else (0, 1)

    def infer(*ts: TensorType) -> TensorType:
        _expect_rank(name, ts[tpos], rank, f"argument {tpos + 1}")
        _expect_rank(name, ts[spos], 0, f"argument {spos + 1}")
        return k.result_type(ts[0].scalar, ts[1].scalar).with_rank(rank)

    def smt(enc: Encoder, *args: SVal) -> SVal:
        elem = args[0].elem
        return enc.broadcast(lambda a, b: k.smt(enc, elem, a, b), args[tpos], args[spos],
                             scalar_first=scalar_first)

    def step(prev: Term, args: tuple, i: Term) -> Term:
        lower = _lower(lambda r: BROADCAST.get((k.name, r, scalar_first)), k, rank)
        parts = list(args)
        parts[tpos] = INDEX(args[tpos], i)
        return APPEND(prev, lower(*parts))

    formula = f"s {k.symbol} e" if scalar_first else f"e {k.symbol} s"
    what = f"{k.doc} with a scalar: {formula} for each element e of a {NOUN[rank]}"
    op = register(OpDef(
        name=name, arity=2, infer=infer, numpy=k.numpy, smt=smt,
        doc=_with_note(what, k), prefix_args=(tpos,), prefix_step=step, family=k.name,
        params=("s", "x") if scalar_first else ("x", "s"),
        render={**k.render, "llvm": lambda g, *args: g.broadcast(
            lambda x, y: k.llvm(g, args[tpos].elem, x, y), args[tpos], args[spos],
            scalar_first=scalar_first, elem=k.result or args[tpos].elem)},
    ))
    BROADCAST[(k.name, rank, scalar_first)] = op
    return op


# --------------------------------------------------------------------------------------------
# structural ops: indexing, slicing, append, length, transpose
# --------------------------------------------------------------------------------------------
def _tensor_arg(name: str, t: TensorType, what: str = "the first argument") -> None:
    if t.rank < 1:
        raise _fail(f"{name}: {what} must be a vec, mat or tensor3d, got {t}")


def _int_arg(name: str, t: TensorType, what: str) -> None:
    if t != INT:
        raise _fail(f"{name}: {what} must be int, got {t}")


def _index_infer(x: TensorType, i: TensorType) -> TensorType:
    _tensor_arg("index", x)
    _int_arg("index", i, "the index")
    return x.with_rank(x.rank - 1)


def _index_np(x, i):
    if not 0 <= int(i) < np.shape(x)[0]:
        raise DomainError(f"index {int(i)} out of range for length {np.shape(x)[0]}")
    return x[int(i)]


def _index_smt(enc: Encoder, x: SVal, i: SVal) -> SVal:
    enc.require(f"(and (<= 0 {i.expr}) (< {i.expr} {x.dims[0]}))")
    at = x.at
    assert at is not None
    if x.rank == 1:
        return enc.scalar(at((i.expr,)), x.elem)
    return enc.tensor(x.elem, x.dims[1:], lambda idx: at((i.expr, *idx)))


def _llvm_index(g, x, i):
    g.require(g.b.icmp_unsigned("<", i, x.dims[0]), "index out of range")
    if x.rank == 1:
        return x.at((i,))
    return g.tensor(x.elem, x.dims[1:], lambda idx: x.at((i, *idx)))


INDEX = register(OpDef(
    name="index", params=("x", "i"), arity=2, infer=_index_infer, numpy=_index_np, smt=_index_smt,
    doc="x[i]: element i (a row of a matrix)", form="index",
    domain="0 <= i < len(x)",
    render={"numpy": Template("{0}[{1}]", ATOM, (ATOM,)),
            **every_framework(Template("{0}[{1}]", ATOM, (ATOM,))), "llvm": _llvm_index},
))


def _slice_infer(x: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    _tensor_arg("slice", x)
    _int_arg("slice", lo, "the lower bound")
    _int_arg("slice", hi, "the upper bound")
    return x


def _slice_smt(enc: Encoder, x: SVal, lo: SVal, hi: SVal, axis: int = 0) -> SVal:
    n = x.dims[axis]
    at = x.at
    assert at is not None and lo.expr is not None and hi.expr is not None
    if lo.expr == "0":  # x[:hi] only changes the length
        dims = list(x.dims)
        dims[axis] = enc.clamp(hi.expr, "0", n)
        return SVal(x.elem, tuple(dims), at=at, fn=x.fn)
    start = enc.clamp(lo.expr, "0", n)
    dims = list(x.dims)
    dims[axis] = f"(- {enc.clamp(hi.expr, start, n)} {start})"

    def shifted(idx: tuple[str, ...]) -> str:
        moved = list(idx)
        moved[axis] = f"(+ {idx[axis]} {start})"
        return at(tuple(moved))

    return enc.tensor(x.elem, dims, shifted)


def _render_bound(ctx, b: Term, wrap: str = "{}") -> str:
    """A slice bound in Python: literal >= 0 as is, anything else (through `wrap`) clamped at 0."""
    if isinstance(b, Lit) and b.value >= 0:
        return str(b.value)
    return f"max({wrap.format(ctx.expr(b, 0))}, 0)"


def _bounded(render: Callable[..., tuple[str, int]]) -> dict[str, Any]:
    """Entries of a slicing op: numpy slices with NumPy ints; the frameworks' bounds (0-d tensors,
    or Python ints under jax.jit) go through `int()`, so slices never depend on tensor values."""
    return {"numpy": render, **every_framework(partial(render, wrap="int({})"))}


def _render_slice(ctx, t: App, wrap: str = "{}") -> tuple[str, int]:
    x, lo, hi = t.args
    lo_text = "" if isinstance(lo, Lit) and lo.value == 0 else _render_bound(ctx, lo, wrap)
    return f"{ctx.expr(x, ATOM)}[{lo_text}:{_render_bound(ctx, hi, wrap)}]", ATOM


def _llvm_slice(g, x, lo, hi, axis: int = 0):
    n = x.dims[axis]
    start = g.clamp(lo, g.i64(0), n)
    stop = g.clamp(hi, start, n)
    dims = list(x.dims)
    dims[axis] = g.b.sub(stop, start)

    def at(idx):
        moved = list(idx)
        moved[axis] = g.b.add(idx[axis], start)
        return x.at(tuple(moved))

    return g.tensor(x.elem, dims, at, column_major=x.column_major)


SLICE = register(OpDef(
    name="slice", params=("x", "lo", "hi"), arity=3, infer=_slice_infer, numpy=cnum.clamp_slice, smt=_slice_smt,
    doc="x[lo:hi] on the first axis; bounds are clamped to [0, len(x)] (no wrap-around)",
    form="slice", render={**_bounded(_render_slice), "llvm": _llvm_slice},
))


def _col_slice_infer(m: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    _expect_rank("col_slice", m, 2, "the first argument")
    _int_arg("col_slice", lo, "the lower bound")
    _int_arg("col_slice", hi, "the upper bound")
    return m


def _render_col_slice(ctx, t: App, wrap: str = "{}") -> tuple[str, int]:
    m, lo, hi = t.args
    lo_text = "" if isinstance(lo, Lit) and lo.value == 0 else _render_bound(ctx, lo, wrap)
    return f"{ctx.expr(m, ATOM)}[:, {lo_text}:{_render_bound(ctx, hi, wrap)}]", ATOM


COL_SLICE = register(OpDef(
    name="col_slice", params=("m", "lo", "hi"), arity=3, infer=_col_slice_infer,
    numpy=lambda m, lo, hi: m[:, max(int(lo), 0) : max(int(hi), 0)],
    smt=lambda enc, m, lo, hi: _slice_smt(enc, m, lo, hi, axis=1),
    doc="columns lo..hi of every row of a matrix, bounds clamped like slice",
    render={**_bounded(_render_col_slice),
            "llvm": lambda g, m, lo, hi: _llvm_slice(g, m, lo, hi, axis=1)},
))


def _count_infer(name: str) -> Callable[[TensorType, TensorType], TensorType]:
    def infer(x: TensorType, n: TensorType) -> TensorType:
        _tensor_arg(name, x)
        _int_arg(name, n, "the count")
        return x

    return infer


TAKE = register(OpDef(
    name="take", params=("x", "n"), arity=2, infer=_count_infer("take"),
    numpy=lambda x, n: cnum.clamp_slice(x, 0, n),
    smt=lambda enc, x, n: _slice_smt(enc, x, SVal("int", expr="0"), n),
    doc="the first n entries: x[:n] (clamped)",
    render={**_bounded(lambda ctx, t, wrap="{}": (
        f"{ctx.expr(t.args[0], ATOM)}[:{_render_bound(ctx, t.args[1], wrap)}]", ATOM)),
        "llvm": lambda g, x, n: _llvm_slice(g, x, g.i64(0), n)},
))
TAIL = register(OpDef(
    name="tail", params=("x", "n"), arity=2, infer=_count_infer("tail"),
    numpy=lambda x, n: cnum.clamp_slice(x, n, np.shape(x)[0]),
    smt=lambda enc, x, n: _slice_smt(enc, x, n, SVal("int", expr=x.dims[0])),
    doc="all but the first n entries: x[n:] (clamped)",
    render={**_bounded(lambda ctx, t, wrap="{}": (
        f"{ctx.expr(t.args[0], ATOM)}[{_render_bound(ctx, t.args[1], wrap)}:]", ATOM)),
        "llvm": lambda g, x, n: _llvm_slice(g, x, n, x.dims[0])},
))


def _append_infer(x: TensorType, e: TensorType) -> TensorType:
    _tensor_arg("append", x)
    if e != x.with_rank(x.rank - 1):
        raise _fail(f"append: the new entry of a {x} must be {x.with_rank(x.rank - 1)}, got {e}")
    return x


def _append_np(x, e):
    if np.ndim(x) > 1 and np.shape(x)[0] > 0 and np.shape(x)[1:] != np.shape(e):
        raise DomainError(f"append: entry shape {np.shape(e)} does not match {np.shape(x)[1:]}")
    return cnum.append_rows(x, e)


def _append_smt(enc: Encoder, x: SVal, e: SVal) -> SVal:
    n = x.dims[0]
    at = x.at
    assert at is not None
    if x.rank == 1:
        assert e.expr is not None
        return SVal(x.elem, (f"(+ {n} 1)",), at=lambda idx: f"(ite (= {idx[0]} {n}) {e.expr} {at(idx)})",
                    appended=(x, e.expr))
    for d1, d2 in zip(x.dims[1:], e.dims, strict=True):
        enc.require(f"(or (= {n} 0) (= {d1} {d2}))")
    eat = e.at
    assert eat is not None
    return enc.tensor(
        x.elem, (f"(+ {n} 1)", *e.dims),
        lambda idx: f"(ite (= {idx[0]} {n}) {eat(idx[1:])} {at(idx)})",
    )


def _llvm_append(g, x, e):
    n = x.dims[0]
    if x.rank == 1:
        return g.tensor(x.elem, (g.b.add(n, g.i64(1)),), lambda idx: g.branch(
            g.b.icmp_signed("==", idx[0], n), lambda: e, lambda: x.at(idx)), appended=(x, e))
    empty = g.b.icmp_signed("==", n, g.i64(0))
    for d1, d2 in zip(x.dims[1:], e.dims, strict=True):
        g.require(g.b.or_(empty, g.b.icmp_signed("==", d1, d2)), "append: entry shape differs")
    return g.tensor(x.elem, (g.b.add(n, g.i64(1)), *e.dims), lambda idx: g.branch(
        g.b.icmp_signed("==", idx[0], n), lambda: e.at(idx[1:]), lambda: x.at(idx)))


APPEND = register(OpDef(
    name="append", params=("x", "e"), arity=2, infer=_append_infer, numpy=_append_np, smt=_append_smt,
    doc="x with one more entry at the end (a scalar for a vec, a row for a matrix)",
    domain="the entry's shape matches the other entries",
    render={"numpy": call("append_rows", 2), **every_framework(call("append_rows", 2)),
            "llvm": _llvm_append},
))


def _len_infer(x: TensorType) -> TensorType:
    _tensor_arg("len", x)
    return INT


LEN = register(OpDef(
    name="len", params=("x",), arity=1, infer=_len_infer, numpy=lambda x: np.int64(np.shape(x)[0]),
    smt=lambda enc, x: enc.scalar(x.dims[0], "int"),
    doc="number of entries on the first axis",
    # a Python int under jax.jit (shapes are static there); a 0-d int64 tensor on torch and mlx,
    # whose functions take no Python scalars (torch) or make them 32-bit (mlx)
    render={"numpy": call("len", 1), "jax": call("len", 1),
            "torch": Template("torch.tensor(len({0}))"),
            "mlx": Template("mx.array(len({0}), dtype=mx.int64)"), "llvm": lambda g, x: x.dims[0]},
))


def _transpose_infer(m: TensorType) -> TensorType:
    _expect_rank("transpose", m, 2, "the argument")
    return m


def _transpose_smt(enc: Encoder, m: SVal) -> SVal:
    at = m.at
    assert at is not None
    return enc.tensor(m.elem, (m.dims[1], m.dims[0]), lambda idx: at((idx[1], idx[0])))


TRANSPOSE = register(OpDef(
    name="transpose", params=("m",), arity=1, infer=_transpose_infer, numpy=lambda m: np.transpose(m),
    smt=_transpose_smt, doc="matrix transpose",
    render={"numpy": Template("{0}.T", ATOM, (ATOM,)), **every_framework(Template("{0}.T", ATOM, (ATOM,))),
            "llvm": lambda g, m: g.tensor(m.elem, (m.dims[1], m.dims[0]), lambda idx: m.at((idx[1], idx[0])),
                                          column_major=not m.column_major)},
))


# --------------------------------------------------------------------------------------------
# reductions and linear algebra
# --------------------------------------------------------------------------------------------
def _reduce_infer(name: str) -> Callable[[TensorType], TensorType]:
    def infer(x: TensorType) -> TensorType:
        _expect_rank(name, x, 1, "the argument")
        _same_elem(name, NUMERIC, x)
        return x.scalar

    return infer


def _reduce_max_np(x):
    if np.shape(x)[0] == 0:
        raise DomainError("reduce_max of an empty vector")
    return np.max(x)


def _llvm_reduce_max(g, x):
    if x.appended is None:
        g.require(g.b.icmp_signed(">", x.dims[0], g.i64(0)), "reduce_max of an empty vector")
    return g.fold("max", x)


REDUCE_SUM = register(OpDef(
    name="reduce_sum", params=("x",), arity=1, infer=_reduce_infer("reduce_sum"), numpy=lambda x: np.sum(x),
    smt=lambda enc, x: enc.scalar(enc.fold("sum", x), x.elem),
    doc="sum of a vector (0 when empty)", prefix_args=(0,),
    prefix_step=lambda prev, args, i: SCALAR_OPS["add"](prev, INDEX(args[0], i)),
    render={**namespaced("sum", 1), "mlx": call("sum_axis", 1), "llvm": lambda g, x: g.fold("sum", x)},
))
REDUCE_MUL = register(OpDef(
    name="reduce_mul", params=("x",), arity=1, infer=_reduce_infer("reduce_mul"), numpy=lambda x: np.prod(x),
    smt=lambda enc, x: enc.scalar(enc.fold("prod", x), x.elem),
    doc="product of a vector (1 when empty)", prefix_args=(0,),
    prefix_step=lambda prev, args, i: SCALAR_OPS["mul"](prev, INDEX(args[0], i)),
    render={**namespaced("prod", 1), "mlx": call("prod_axis", 1),
            "llvm": lambda g, x: g.fold("mul", x)},
))
REDUCE_MAX = register(OpDef(
    name="reduce_max", params=("x",), arity=1, infer=_reduce_infer("reduce_max"), numpy=_reduce_max_np,
    smt=lambda enc, x: enc.scalar(enc.fold("max", x), x.elem),
    doc="largest element of a non-empty vector", prefix_args=(0,),
    prefix_step=lambda prev, args, i: ITE(
        SCALAR_OPS["eq"](i, Lit(0, INT)), INDEX(args[0], i),
        SCALAR_OPS["max"](prev, INDEX(args[0], i)),
    ),
    domain="len(x) >= 1", render={**namespaced("max", 1), "llvm": _llvm_reduce_max},
))


def _row_sum_infer(m: TensorType) -> TensorType:
    _expect_rank("matrix_row_sum", m, 2, "the argument")
    _same_elem("matrix_row_sum", NUMERIC, m)
    return m.with_rank(1)


def _row_sum_smt(enc: Encoder, m: SVal) -> SVal:
    at = m.at
    assert at is not None
    return enc.tensor(m.elem, (m.dims[0],), lambda idx: enc.fold(
        "sum", enc.tensor(m.elem, (m.dims[1],), lambda k: at((idx[0], k[0])))))


MATRIX_ROW_SUM = register(OpDef(
    name="matrix_row_sum", params=("m",), arity=1, infer=_row_sum_infer,
    numpy=lambda m: np.sum(m, axis=1), smt=_row_sum_smt,
    doc="the sum of each row of a matrix: out[i] = reduce_sum(m[i])", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(prev, REDUCE_SUM(INDEX(args[0], i))),
    render={"numpy": Template("np.sum({0}, axis=1)", ATOM, (0,)),
            **each_framework(lambda ns: Template(f"{ns}.sum({{0}}, axis=1)", ATOM, (0,))),
            "mlx": Template("sum_axis({0}, 1)"),
            "llvm": lambda g, m: g.tensor(m.elem, (m.dims[0],), lambda idx: g.fold(
                "sum", g.tensor(m.elem, (m.dims[1],), lambda k: m.at((idx[0], k[0])))))},
))


def _outer_infer(x: TensorType, y: TensorType) -> TensorType:
    _expect_rank("outer", x, 1, "the first argument")
    _expect_rank("outer", y, 1, "the second argument")
    _same_elem("outer", NUMERIC, x, y)
    return x.with_rank(2)


def _outer_smt(enc: Encoder, x: SVal, y: SVal) -> SVal:
    xa, ya = x.at, y.at
    assert xa is not None and ya is not None
    return enc.tensor(x.elem, (x.dims[0], y.dims[0]),
                      lambda idx: enc.mul(x.elem, xa((idx[0],)), ya((idx[1],))))


OUTER = register(OpDef(
    name="outer", params=("x", "y"), arity=2, infer=_outer_infer,
    numpy=lambda x, y: np.multiply.outer(x, y), smt=_outer_smt,
    doc="outer product: out[i][j] = x[i] * y[j]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, BROADCAST[("mul", 1, False)](args[1], INDEX(args[0], i))),
    render={"numpy": Template("np.multiply.outer({0}, {1})", ATOM), **framework_call("outer", 2),
            "llvm": lambda g, x, y: g.tensor(x.elem, (x.dims[0], y.dims[0]), lambda idx: llvm_mul(
                g, x.elem, x.at((idx[0],)), y.at((idx[1],))))},
))


def _product_rules(name: str, right_rank: int):
    """Type rule and NumPy semantics of `matrix @ (vector | matrix)`, the inner lengths equal."""

    def infer(a: TensorType, b: TensorType) -> TensorType:
        _expect_rank(name, a, 2, "the first operand")
        _expect_rank(name, b, right_rank, "the second operand")
        _same_elem(name, NUMERIC, a, b)
        return b if right_rank == 1 else a

    def numpy(a, b):
        if np.shape(a)[1] != np.shape(b)[0]:
            raise DomainError(f"{name}: {np.shape(a)} times {np.shape(b)}")
        return a @ b

    return infer, numpy


_mv_infer, _mv_np = _product_rules("matrix_vec_mul", 1)
_mm_infer, _mm_np = _product_rules("matmul", 2)


def _products(mlx_int: str, llvm: Callable) -> dict[str, Any]:
    """`a @ b`, except on mlx: its matmul takes floats only, so ints multiply and sum
    (`mlx_int`), and floats go through `matmul_or_zeros` (an empty inner length gives zeros)."""
    def mlx(ctx, t: App) -> tuple[str, int]:
        text = mlx_int if t.type.elem == "int" else "matmul_or_zeros({0}, {1})"
        return text.format(*(ctx.expr(a, ATOM) for a in t.args)), ATOM

    return {"numpy": infix("@", _M), "torch": infix("@", _M), "jax": infix("@", _M), "mlx": mlx,
            "llvm": llvm}


def _llvm_dot(g, elem: str, n, left, right):
    """sum over k < n of left(k) * right(k), in k order."""
    return g.fold("sum", g.tensor(elem, (n,), lambda k: llvm_mul(g, elem, left(k[0]), right(k[0]))))


def _llvm_matrix_vec_mul(g, m, v):
    g.require(g.b.icmp_signed("==", m.dims[1], v.dims[0]), "matrix_vec_mul: shapes do not match")
    return g.tensor(v.elem, (m.dims[0],), lambda idx: _llvm_dot(
        g, v.elem, m.dims[1], lambda k: m.at((idx[0], k)), lambda k: v.at((k,))), matvec=(m, v))


def _llvm_matmul(g, a, b):
    g.require(g.b.icmp_signed("==", a.dims[1], b.dims[0]), "matmul: shapes do not match")
    return g.tensor(a.elem, (a.dims[0], b.dims[1]), lambda idx: _llvm_dot(
        g, a.elem, a.dims[1], lambda k: a.at((idx[0], k)), lambda k: b.at((k, idx[1]))),
        product=(a, b))


def _dot(enc: Encoder, elem: str, n: str, left: Callable[[str], str], right: Callable[[str], str]) -> str:
    """sum over k < n of left(k) * right(k), by the shared reduction."""
    terms = enc.tensor(elem, (n,), lambda idx: enc.mul(elem, left(idx[0]), right(idx[0])))
    return enc.fold("sum", terms)


def _mv_smt(enc: Encoder, m: SVal, v: SVal) -> SVal:
    enc.require(f"(= {m.dims[1]} {v.dims[0]})")
    mat, vec = m.at, v.at
    assert mat is not None and vec is not None
    return enc.tensor(
        v.elem, (m.dims[0],),
        lambda idx: _dot(enc, v.elem, m.dims[1], lambda k: vec((k,)), lambda k: mat((idx[0], k))),
    )


MATRIX_VEC_MUL = register(OpDef(
    name="matrix_vec_mul", params=("m", "v"), arity=2, infer=_mv_infer, numpy=_mv_np, smt=_mv_smt,
    doc="matrix times vector: out[i] = sum_k m[i][k] * v[k]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, REDUCE_SUM(ELEMWISE[("mul", 1)](args[1], INDEX(args[0], i)))
    ),
    domain="cols(m) == len(v)", render=_products("sum_axis({0} * {1}, 1)", _llvm_matrix_vec_mul),
))


def _mm_smt(enc: Encoder, a: SVal, b: SVal) -> SVal:
    enc.require(f"(= {a.dims[1]} {b.dims[0]})")
    left, right = a.at, b.at
    assert left is not None and right is not None
    return enc.tensor(
        a.elem, (a.dims[0], b.dims[1]),
        lambda idx: _dot(enc, a.elem, a.dims[1], lambda k: left((idx[0], k)),
                         lambda k: right((k, idx[1]))),
    )


MATMUL = register(OpDef(
    name="matmul", params=("a", "b"), arity=2, infer=_mm_infer, numpy=_mm_np, smt=_mm_smt,
    doc="matrix product: out[i][j] = sum_k a[i][k] * b[k][j]", prefix_args=(0,),
    prefix_step=lambda prev, args, i: APPEND(
        prev, MATRIX_VEC_MUL(TRANSPOSE(args[1]), INDEX(args[0], i))
    ),
    domain="cols(a) == rows(b)",
    render=_products("int_matmul({0}, {1})", _llvm_matmul),
))


# --------------------------------------------------------------------------------------------
# maps and selections: a scalar lambda applied at every index
# --------------------------------------------------------------------------------------------
def beta(lam: Lambda, *args: Term) -> Term:
    """Apply a lambda to argument terms by substitution."""
    return substitute(lam.body, dict(zip(lam.params, args, strict=True)))  # type: ignore[return-value]


def _render_map(ctx, t: App) -> tuple[str, int]:
    *tensors, lam = t.args
    names = [ctx.atom(x) for x in tensors]
    body, prec = ctx.lambda_body(lam, names)
    if not set(lam.params) & free_vars(lam.body):  # a constant body still yields a tensor
        dtype = TARGET_DTYPES[ctx.target][t.type.elem]
        if ctx.target == "numpy":
            return f"np.full(np.shape({names[0]}), {body}, dtype={dtype})", ATOM
        return f"{FRAMEWORKS[ctx.target]}.full({names[0]}.shape, {body}, dtype={dtype})", ATOM
    return body, prec


def _mapper(name: str, rank: int, nargs: int) -> OpDef:
    def lam_params(*ts):
        return tuple(t.scalar for t in ts[:nargs])

    def infer(*ts) -> TensorType:
        *tensors, fn = ts
        for j, t in enumerate(tensors):
            _expect_rank(name, t, rank, f"argument {j + 1}")
        return fn.result.with_rank(rank)

    def numpy(*args):
        *tensors, fn = args
        shape = np.shape(tensors[0])
        if any(np.shape(x) != shape for x in tensors):
            raise DomainError(f"{name}: shapes differ")
        return np.broadcast_to(fn(*tensors), shape)

    def smt(enc: Encoder, *args) -> SVal:
        *tensors, fn = args
        return enc.pointwise(fn, *tensors, elem=fn.elem)

    def step(prev: Term, args: tuple, i: Term) -> Term:
        *tensors, lam = args
        rows = [INDEX(x, i) for x in tensors]
        entry = beta(lam, *rows) if rank == 1 else MAPPERS[(nargs, rank - 1)](*rows, lam)
        return APPEND(prev, entry)

    op = register(OpDef(
        name=name, arity=nargs + 1, infer=infer, numpy=numpy, smt=smt,
        doc=(f"apply a scalar lambda to every element of a {NOUN[rank]}" if nargs == 1 else
             f"combine two {PLURAL[rank]} of equal shape elementwise with a lambda"),
        params=("x", "f") if nargs == 1 else ("x", "y", "f"),
        lambdas={nargs: lam_params}, prefix_args=tuple(range(nargs)), prefix_step=step,
        domain="" if nargs == 1 else "operands have equal shapes",
        render={"numpy": _render_map, **every_framework(_render_map),
                "llvm": lambda g, *args: g.pointwise(args[-1], *args[:-1], elem=args[-1].elem,
                                                     name=name)},
    ))
    MAPPERS[(nargs, rank)] = op
    return op


MAPPERS: dict[tuple[int, int], OpDef] = {}
VEC_MAP = _mapper("vec_map", 1, 1)
MATRIX_MAP = _mapper("matrix_map", 2, 1)
SELECTION_TWO_ARGS = _mapper("selection_two_args", 1, 2)
MATRIX_SELECTION_TWO_ARGS = _mapper("matrix_selection_two_args", 2, 2)

for _k in ("add", "sub", "mul", "div"):
    for _r in (1, 2, 3):
        _elemwise(KERNELS[_k], _r)
    for _r in (1, 2):
        _broadcast(KERNELS[_k], _r, scalar_first=False)
for _k in ("sub", "div"):
    for _r in (1, 2):
        _broadcast(KERNELS[_k], _r, scalar_first=True)


__all__ = ["FRAMEWORKS", "TARGET_DTYPES", "KERNELS", "SCALAR_OPS", "ELEMWISE", "BROADCAST", "MAPPERS",
           "beta", "as_value", "elem_of", "llvm_mul"]
