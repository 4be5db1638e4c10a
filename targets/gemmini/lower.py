"""From TensIR to a Gemmini workload: which terms the target runs, and with which shapes.

TensIR types carry no sizes, so the caller gives each tensor parameter's shape (`{"a": (64, 32),
"b": (32, 16)}`). Recognised terms (`a`, `b`, `d` parameters; any names):

    matmul(a, b)                                  C = A @ B, int32 (exact)
    matrix_vec_mul(m, v)                          the same with one column
    matrix_elemwise_add(matmul(a, b), d)          bias; vec_elemwise_add for matrix_vec_mul
    matrix_map(X, lambda e: min(max(e, -128), 127))   saturate X (one of the above) to int8
    matrix_map(X, lambda e: min(max(e, 0), 127))      ReLU and saturate
    matrix_elemwise_add(a, b), vec_elemwise_add(a, b) elementwise add, int32 (exact)
    matrix_selection_two_args(a, b, lambda x, y: min(max(x + y, -128), 127))  saturating add
    (and the same clamps written with max/min swapped, or through matrix_map over an add)

Operands may be prefix slices of parameters (`a[:m]`, `take(a, m)`, `col_slice(b, 0, n)`, as
lifted loops produce); the bounds are literals or scalar parameters whose values come with the
shapes (`--shapes a=64x64,b=64x64,m=32`), and the program reads the used prefix as a contiguous
matrix. Matrix operands of products and adds hold int8 values; biases int32. ReLU needs the int8
output path (the hardware applies activations when it narrows), so `max(e, 0)` alone is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tensflo.ir.tensir import App, Function, Lambda, Lit, Term, Var, free_vars
from tensflo.ir.tensir.ops import (
    BROADCAST,
    ELEMWISE,
    MATH_OPS,
    RECURRENCE_OPS,
    SCAN_OPS,
    SEARCH_OPS,
)
from tensflo.plugins.errors import UsageError

from ..optable import UNSUPPORTED, Unsupported
from .workload import Add, Gemm, Workload

_RECOGNISED = {
    "matmul": "C = A @ B",
    "matrix_vec_mul": "C = A @ v (one column)",
    "matrix_elemwise_add": "a bias added to a product, or an elementwise add",
    "vec_elemwise_add": "a bias added to a matrix-vector product, or an elementwise add",
    "matrix_map": "saturation or ReLU of the result, applied by mvout",
    "vec_map": "saturation or ReLU of the result, applied by mvout",
    "matrix_selection_two_args": "a saturating add",
    "selection_two_args": "a saturating add",
    "min": "a clamp bound in a saturation lambda",
    "max": "a clamp bound in a saturation lambda",
    "add": "the sum of a saturating add",
    "slice": "a prefix of an operand",
    "take": "a prefix of an operand",
    "col_slice": "the leading columns of an operand",
}
ROLES: dict[str, str | Unsupported] = {
    **{name: UNSUPPORTED for name in (
        "sub", "mul", "div", "mod", "floordiv", "floormod", "lt", "le", "gt", "ge", "eq", "ne",
        "and", "or", "not", "neg", "abs", "ite", "index", "tail", "stride", "reshape_rows", "append", "len",
        "stride_update", "flatten_rows", "full", "iota",
        "isnan", "isinf",
        "transpose",
        "reduce_sum", "reduce_mul", "reduce_max", "matrix_row_sum", "outer")},
    **{op.name: UNSUPPORTED for op in (*ELEMWISE.values(), *BROADCAST.values())},
    **{name: UNSUPPORTED for name in MATH_OPS},  # libm and conversions: no Gemmini instruction
    **{name: UNSUPPORTED for name in SEARCH_OPS},  # searches and arg-extremes: none either
    **{name: UNSUPPORTED for name in SCAN_OPS},  # scans: no Gemmini instruction
    **{name: UNSUPPORTED for name in RECURRENCE_OPS},  # sequential folds: no instruction
    **_RECOGNISED,
}
"""What each op can be in a term the target lowers (see the module docstring); the target renders
no op on its own. `UNSUPPORTED`: no term containing the op lowers."""


@dataclass(frozen=True)
class Lowered:
    """A workload plus how the TensIR parameters feed its buffers."""

    workload: Workload
    bindings: tuple[tuple[str, str, tuple[int, ...]], ...]
    """(Gemmini buffer, TensIR parameter, the shape of the prefix of it that is used)."""
    vector_out: bool = False
    """The TensIR result is a vector (the single column or row of C)."""

    def inputs(self, args: Mapping[str, object]) -> dict[str, np.ndarray]:
        """Gemmini buffers from TensIR argument values (vectors become one row or column)."""
        w = self.workload
        if isinstance(w, Gemm):
            shapes = {"A": (w.m, w.k), "B": (w.k, w.n), "D": (w.m, w.n)}
        else:
            shapes = {"A": (w.m, w.n), "B": (w.m, w.n)}
        out = {}
        for buf, param, used in self.bindings:
            value = np.asarray(args[param])
            value = value[tuple(slice(0, n) for n in used)]
            out[buf] = np.ascontiguousarray(value).reshape(shapes[buf])
        return out

    def result(self, outputs: Mapping[str, np.ndarray]) -> np.ndarray:
        c = outputs["C"]
        return c.reshape(-1) if self.vector_out else c


def _name(op: App) -> str:
    return op.op.name


def _param(t: Term, what: str) -> str:
    if isinstance(t, Var):
        return t.name
    raise UsageError(f"gemmini: {what} must be a parameter, got `{t}`")


@dataclass(frozen=True)
class _Operand:
    param: str
    shape: tuple[int, ...]
    """The shape used: the parameter's, cut by prefix slices."""


def _bound(t: Term, shapes: Mapping[str, tuple[int, ...]]) -> int:
    if isinstance(t, Lit) and type(t.value) is int:
        return t.value
    if isinstance(t, Var) and t.type.rank == 0:
        if t.name not in shapes or len(shapes[t.name]) != 1:
            raise UsageError(f"gemmini: give the value of {t.name} (e.g. --shapes {t.name}=64)")
        return int(shapes[t.name][0])
    raise UsageError(f"gemmini: slice bound `{t}` must be a literal or a scalar parameter")


def _operand(t: Term, shapes: Mapping[str, tuple[int, ...]], what: str) -> _Operand:
    """A parameter, or a prefix of one: `x[:n]`, `take(x, n)`, `col_slice(m, 0, n)` (clamped):
    an op whose `slicing` has an upper bound."""
    if isinstance(t, Var):
        return _Operand(t.name, _shape(shapes, t.name, t.type.rank))
    cut = t.op.slicing if isinstance(t, App) else None
    if isinstance(t, App) and cut is not None and cut.hi is not None:
        hi = t.term(cut.hi)
        lo = Lit(0, hi.type) if cut.lo is None else t.term(cut.lo)
        if not (isinstance(lo, Lit) and lo.value == 0):
            raise UsageError(f"gemmini: only prefix slices (from 0) can feed an operand, got `{t}`")
        inner = _operand(t.term(0), shapes, what)
        axis = cut.axis
        shape = list(inner.shape)
        shape[axis] = max(0, min(shape[axis], _bound(hi, shapes)))
        if shape[axis] == 0:
            raise UsageError(f"gemmini: `{t}` is empty")
        return _Operand(inner.param, tuple(shape))
    raise UsageError(f"gemmini: {what} must be a parameter or a prefix slice of one, got `{t}`")


def _clamp_bounds(body: Term, x: Term) -> tuple[int, int] | None:
    """(lo, hi) if `body` is min(max(x, lo), hi) or max(min(x, hi), lo)."""
    if not (isinstance(body, App) and _name(body) in ("min", "max")):
        return None
    outer = _name(body)
    inner_name = "max" if outer == "min" else "min"
    for inner, bound in ((body.args[0], body.args[1]), (body.args[1], body.args[0])):
        if isinstance(inner, App) and _name(inner) == inner_name and isinstance(bound, Lit):
            for arg, other in ((inner.args[0], inner.args[1]), (inner.args[1], inner.args[0])):
                if arg == x and isinstance(other, Lit):
                    lo, hi = (other.value, bound.value) if outer == "min" else (bound.value, other.value)
                    return int(lo), int(hi)
    return None


def _activation(lam: Lambda) -> bool:
    """True for ReLU + saturation, False for saturation; raises for other lambdas."""
    (e,) = lam.params
    bounds = _clamp_bounds(lam.body, e)
    if bounds == (-128, 127):
        return False
    if bounds == (0, 127):
        return True
    raise UsageError(
        f"gemmini: cannot map `lambda {e.name}: {lam.body}` onto mvout; use "
        f"min(max({e.name}, -128), 127) (saturate) or min(max({e.name}, 0), 127) (ReLU)")


def _shape(shapes: Mapping[str, tuple[int, ...]], name: str, rank: int) -> tuple[int, ...]:
    if name not in shapes:
        raise UsageError(f"gemmini: give the shape of {name} (e.g. --shapes {name}="
                         f"{'x'.join(['64'] * rank)})")
    shape = tuple(int(d) for d in shapes[name])
    if len(shape) != rank or min(shape) < 1:
        raise UsageError(f"gemmini: {name} is a rank-{rank} tensor, its shape {shape} is not")
    return shape


def lower(fn: Function | Term, shapes: Mapping[str, tuple[int, ...]]) -> Lowered:
    """Map a TensIR function (or term) with parameter shapes onto a Gemmini workload."""
    term = fn.body if isinstance(fn, Function) else fn
    name = fn.name if isinstance(fn, Function) else "kernel"
    params = {v.name: v.type for v in (fn.params if isinstance(fn, Function) else free_vars(term))}
    for p, t in params.items():
        if t.elem != "int":
            raise UsageError(f"gemmini: parameter {p} is {t}; the target computes on int8/int32")
    unknown = set(shapes) - set(params)
    if unknown:
        raise UsageError(f"gemmini: {name} has no parameter {sorted(unknown)[0]!r}")

    out_dtype, relu = "int32", False
    if isinstance(term, App) and _name(term) in ("matrix_map", "vec_map"):
        lam = term.args[1]
        assert isinstance(lam, Lambda)
        relu = _activation(lam)
        out_dtype, term = "int8", term.term(0)
    if isinstance(term, App) and _name(term) in ("matrix_selection_two_args", "selection_two_args"):
        lam = term.args[2]
        assert isinstance(lam, Lambda)
        x, y = lam.params
        inner = lam.body
        add = _find_add(inner, x, y)
        bounds = _clamp_bounds(inner, add) if add else None
        if out_dtype != "int32" or bounds != (-128, 127):
            raise UsageError(f"gemmini: the only two-argument lambda supported is the saturating "
                             f"add min(max({x.name} + {y.name}, -128), 127), got `{inner}`")
        return _add(name, term.term(0), term.term(1), shapes, "int8")
    if not isinstance(term, App):
        raise UsageError(f"gemmini: `{term}` is not a matrix product or elementwise add")
    op = _name(term)
    if op in ("matmul", "matrix_vec_mul"):
        return _gemm(name, term, None, shapes, out_dtype, relu)
    if op in ("matrix_elemwise_add", "vec_elemwise_add"):
        a, b = term.term(0), term.term(1)
        for prod, bias in ((a, b), (b, a)):
            if isinstance(prod, App) and _name(prod) in ("matmul", "matrix_vec_mul"):
                return _gemm(name, prod, bias, shapes, out_dtype, relu)
        if relu:
            raise UsageError("gemmini: ReLU over an elementwise add is not supported")
        return _add(name, a, b, shapes, out_dtype)
    raise UsageError(f"gemmini: cannot lower {op} (supported: matmul, matrix_vec_mul, bias add, "
                     "ReLU/saturation maps, elementwise add)")


def _find_add(body: Term, x: Var, y: Var) -> Term | None:
    if not isinstance(body, App) or _name(body) not in ("min", "max"):
        return None
    for arg in body.args:
        if isinstance(arg, App) and _name(arg) in ("min", "max"):
            for inner in arg.args:
                if isinstance(inner, App) and _name(inner) == "add" and set(inner.args) == {x, y}:
                    return inner
    return None


def _gemm(name: str, prod: App, bias: Term | None, shapes: Mapping[str, tuple[int, ...]],
          out_dtype: str, relu: bool) -> Lowered:
    a = _operand(prod.term(0), shapes, "the left operand of a product")
    b = _operand(prod.term(1), shapes, "the right operand of a product")
    m, k = a.shape
    vector = _name(prod) == "matrix_vec_mul"
    if vector:
        (kb,), n = b.shape, 1
    else:
        kb, n = b.shape
    if kb != k:
        raise UsageError(f"gemmini: {a.param} is {m}x{k} but {b.param} has {kb} rows")
    bindings = [("A", a.param, a.shape), ("B", b.param, b.shape)]
    kind = "none"
    if bias is not None:
        d = _operand(bias, shapes, "a bias")
        if d.shape != ((m,) if vector else (m, n)):
            raise UsageError(f"gemmini: bias {d.param} has shape {d.shape}, the product is {m}x{n}")
        kind = "matrix"
        bindings.append(("D", d.param, d.shape))
    w = Gemm(name, m, n, k, bias=kind, out_dtype=out_dtype, relu=relu)
    return Lowered(w, tuple(bindings), vector)


def _add(name: str, a: Term, b: Term, shapes: Mapping[str, tuple[int, ...]],
         out_dtype: str) -> Lowered:
    pa, pb = _operand(a, shapes, "an add operand"), _operand(b, shapes, "an add operand")
    if pa.shape != pb.shape:
        raise UsageError(f"gemmini: {pa.param} is {pa.shape} but {pb.param} is {pb.shape}")
    m, n = (1, pa.shape[0]) if len(pa.shape) == 1 else pa.shape
    return Lowered(Add(name, m, n, out_dtype), (("A", pa.param, pa.shape), ("B", pb.param, pb.shape)),
                   len(pa.shape) == 1)


def parse_shapes(text: str) -> dict[str, tuple[int, ...]]:
    """`a=64x32,b=32x16,v=32` -> {"a": (64, 32), "b": (32, 16), "v": (32,)}."""
    out: dict[str, tuple[int, ...]] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, dims = item.partition("=")
        try:
            if not sep or not name:
                raise ValueError
            out[name.strip()] = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            raise UsageError(f"bad shape {item!r}: write NAME=ROWSxCOLS or NAME=LEN") from None
    return out
