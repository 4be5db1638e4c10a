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

Matrix operands of products and adds hold int8 values; biases int32. ReLU needs the int8
output path (the hardware applies activations when it narrows), so `max(e, 0)` alone is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tensflo.compiler.errors import UsageError
from tensflo.ir.tensir import App, Function, Lambda, Lit, Term, Var, free_vars

from .workload import Add, Gemm, Workload


@dataclass(frozen=True)
class Lowered:
    """A workload plus how the TensIR parameters feed its buffers."""

    workload: Workload
    bindings: tuple[tuple[str, str], ...]
    """(Gemmini buffer, TensIR parameter) pairs."""
    vector_out: bool = False
    """The TensIR result is a vector (the single column or row of C)."""

    def inputs(self, args: Mapping[str, object]) -> dict[str, np.ndarray]:
        """Gemmini buffers from TensIR argument values (vectors become one row or column)."""
        w = self.workload
        if isinstance(w, Gemm):
            shapes = {"A": (w.m, w.k), "B": (w.k, w.n), "D": (w.m, w.n)}
        else:
            shapes = {"A": (w.m, w.n), "B": (w.m, w.n)}
        return {buf: np.asarray(args[param]).reshape(shapes[buf]) for buf, param in self.bindings}

    def result(self, outputs: Mapping[str, np.ndarray]) -> np.ndarray:
        c = outputs["C"]
        return c.reshape(-1) if self.vector_out else c


def _name(op: App) -> str:
    return op.op.name


def _param(t: Term, what: str) -> str:
    if isinstance(t, Var):
        return t.name
    raise UsageError(f"gemmini: {what} must be a parameter, got `{t}`")


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
        relu = _activation(term.args[1])  # type: ignore[arg-type]
        out_dtype, term = "int8", term.args[0]  # type: ignore[assignment]
    if isinstance(term, App) and _name(term) in ("matrix_selection_two_args", "selection_two_args"):
        lam = term.args[2]
        assert isinstance(lam, Lambda)
        x, y = lam.params
        inner = lam.body
        bounds = _clamp_bounds(inner, _find_add(inner, x, y)) if _find_add(inner, x, y) else None
        if out_dtype != "int32" or bounds != (-128, 127):
            raise UsageError(f"gemmini: the only two-argument lambda supported is the saturating "
                             f"add min(max({x.name} + {y.name}, -128), 127), got `{inner}`")
        return _add(name, term.args[0], term.args[1], shapes, "int8")
    if not isinstance(term, App):
        raise UsageError(f"gemmini: `{term}` is not a matrix product or elementwise add")
    op = _name(term)
    if op in ("matmul", "matrix_vec_mul"):
        return _gemm(name, term, None, shapes, out_dtype, relu)
    if op in ("matrix_elemwise_add", "vec_elemwise_add"):
        a, b = term.args
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
    a = _param(prod.args[0], "the left operand of a product")
    b = _param(prod.args[1], "the right operand of a product")
    m, k = _shape(shapes, a, 2)
    vector = _name(prod) == "matrix_vec_mul"
    if vector:
        (kb,), n = _shape(shapes, b, 1), 1
    else:
        kb, n = _shape(shapes, b, 2)
    if kb != k:
        raise UsageError(f"gemmini: {a} is {m}x{k} but {b} has {kb} rows")
    bindings = [("A", a), ("B", b)]
    kind = "none"
    if bias is not None:
        d = _param(bias, "a bias")
        shape = _shape(shapes, d, 1 if vector else 2)
        if shape != ((m,) if vector else (m, n)):
            raise UsageError(f"gemmini: bias {d} has shape {shape}, the product is {m}x{n}")
        kind = "matrix"
        bindings.append(("D", d))
    w = Gemm(name, m, n, k, bias=kind, out_dtype=out_dtype, relu=relu)
    return Lowered(w, tuple(bindings), vector)


def _add(name: str, a: Term, b: Term, shapes: Mapping[str, tuple[int, ...]],
         out_dtype: str) -> Lowered:
    pa, pb = _param(a, "an add operand"), _param(b, "an add operand")
    rank = a.type.rank
    sa, sb = _shape(shapes, pa, rank), _shape(shapes, pb, rank)
    if sa != sb:
        raise UsageError(f"gemmini: {pa} is {sa} but {pb} is {sb}")
    m, n = (1, sa[0]) if rank == 1 else sa
    return Lowered(Add(name, m, n, out_dtype), (("A", pa), ("B", pb)), rank == 1)


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
