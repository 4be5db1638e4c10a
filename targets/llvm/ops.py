"""The llvm target's entry for every op: the LLVM IR of its value, built over the lowering context.

Like the SMT semantics over the encoder, an entry `(g, *args) -> value or view` builds the op's
result from its arguments' (scalars are llvmlite values, tensors `View`s) through the primitives of
`codegen.Lowering` `g` (`g.b` is an llvmlite IRBuilder; ints are i64, floats double, bools i1). A
scalar op's entry `(g, elem, *values) -> value` (`SCALAR`) also gives, through the families, its
elementwise and broadcast ops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from tensflo.ir.tensir import OpDef
from tensflo.ir.tensir.ops import (
    BROADCAST,
    COL_SLICE,
    ELEMWISE,
    KERNELS,
    MAPPERS,
    SLICE,
    TAIL,
    TAKE,
)

from ..optable import Unsupported
from .narrow import both
from .scans import Scan, materialize_rows
from .search import SEARCH_ENTRIES

if TYPE_CHECKING:
    from .codegen import Lowering, View

Value: TypeAlias = Any
"""An llvmlite IR value (llvmlite ships no type information)."""
LlvmEntry = Callable[..., Any]
"""`(g, *args) -> Value | View`: an op's result from its arguments' values, views and closures."""


def _arith(int_op: str, float_op: str) -> Callable[[Lowering, str, Value, Value], Value]:
    return lambda g, t, a, b: getattr(g.b, float_op if t == "float" else int_op)(a, b)


def _cmp(sym: str, float_cmp: str = "fcmp_ordered") -> Callable[[Lowering, str, Value, Value], Value]:
    def entry(g: Lowering, t: str, a: Value, b: Value) -> Value:
        if t == "float":
            return getattr(g.b, float_cmp)(sym, a, b)
        if t == "bool":
            return g.b.icmp_unsigned(sym, a, b)
        return g.b.icmp_signed(sym, *(both(a, b) or (a, b)))

    return entry


def _pick(sym: str) -> Callable[[Lowering, str, Value, Value], Value]:
    """min/max as `ite(a <= b, a, b)` / `ite(a >= b, a, b)`, the SMT definition."""
    return lambda g, t, a, b: _select(g, _cmp(sym)(g, t, a, b), a, b)


def _select(g: Lowering, c: Value, a: Value, b: Value) -> Value:
    """`c ? a : b`; of two narrow ints, in i32 (the result is narrow)."""
    pair = both(a, b)
    if pair is None:
        return g.b.select(c, a, b)
    return g.b.sext(g.b.select(c, *pair), a.type)


def _neg(g: Lowering, t: str, a: Value) -> Value:
    return g.b.fneg(a) if t == "float" else g.b.neg(a)


def _intrinsic(name: str) -> Callable[..., Value]:
    """A libm function as the LLVM intrinsic on doubles (`llvm.sqrt.f64`): NaN outside its domain."""
    def entry(g: Lowering, t: str, *args: Value) -> Value:
        fn = g.b.module.declare_intrinsic(name, [args[0].type])
        return g.b.call(fn, list(args))

    return entry


SCALAR: dict[str, Callable[..., Value]] = {
    "add": _arith("add", "fadd"),
    "sub": _arith("sub", "fsub"),
    "mul": _arith("mul", "fmul"),
    "div": lambda g, t, a, b: g.f_div(a, b) if t == "float" else g.c_div(a, b),
    "mod": lambda g, t, a, b: g.c_mod(a, b),
    "floordiv": lambda g, t, a, b: g.py_div(a, b),
    "floormod": lambda g, t, a, b: g.py_mod(a, b),
    "min": _pick("<="),
    "max": _pick(">="),
    "lt": _cmp("<"), "le": _cmp("<="), "gt": _cmp(">"), "ge": _cmp(">="), "eq": _cmp("=="),
    "ne": _cmp("!=", "fcmp_unordered"),  # NaN != NaN as in NumPy
    "and": lambda g, t, a, b: g.b.and_(a, b),
    "or": lambda g, t, a, b: g.b.or_(a, b),
    "not": lambda g, t, a: g.b.not_(a),
    "neg": _neg,
    "abs": lambda g, t, a: g.b.select(_cmp("<")(g, t, a, g.zero(t)), _neg(g, t, a), a),
    "sqrt": _intrinsic("llvm.sqrt"),
    "exp": _intrinsic("llvm.exp"),
    "log": _intrinsic("llvm.log"),
    "pow": _intrinsic("llvm.pow"),
    "floor": _intrinsic("llvm.floor"),
    "isnan": lambda g, t, a: g.b.fcmp_unordered("uno", a, a),
    "isinf": lambda g, t, a: g.b.fcmp_ordered("==", _intrinsic("llvm.fabs")(g, t, a),
                                              g.const("float", float("inf"))),
    "to_float": lambda g, t, a: g.b.sitofp(a, g.zero("float").type),
    "to_int": lambda g, t, a: g.b.fptosi(a, g.i64(0).type),  # truncates toward zero
}
"""Each scalar op's IR on values of element type `elem`: `(g, elem, *values) -> value`."""


def elem_of(v: Value) -> str:
    """The element type of a value during lowering (a view's, or from the LLVM type)."""
    if hasattr(v, "elem"):
        return str(v.elem)
    text = str(v.type)
    return "float" if text == "double" else "bool" if text == "i1" else "int"


def _scalar(name: str) -> LlvmEntry:
    return lambda g, *vs: SCALAR[name](g, elem_of(vs[0]), *vs)


def _elementwise(op: OpDef) -> LlvmEntry:
    assert op.family is not None
    k, step = KERNELS[op.family], SCALAR[op.family]
    return lambda g, a, b: g.pointwise(lambda x, y: step(g, a.elem, x, y), a, b,
                                       elem=k.result or a.elem, name=op.name)


def _broadcast(op: OpDef, scalar_first: bool) -> LlvmEntry:
    assert op.family is not None
    k, step = KERNELS[op.family], SCALAR[op.family]
    tpos, spos = (1, 0) if scalar_first else (0, 1)
    return lambda g, *args: g.broadcast(
        lambda x, y: step(g, args[tpos].elem, x, y), args[tpos], args[spos],
        scalar_first=scalar_first, elem=k.result or args[tpos].elem)


def _index(g: Lowering, x: View, i: Value) -> Value | View:
    g.require(g.b.icmp_unsigned("<", i, x.dims[0]), "index out of range")
    if x.rank == 1:
        return x.at((i,))
    return g.tensor(x.elem, x.dims[1:], lambda idx: x.at((i, *idx)))


def _slicing(op: OpDef) -> LlvmEntry:
    """`x[lo:hi]` on the op's axis (bounds clamped), a view of `x` without a copy."""
    s = op.slicing
    assert s is not None

    def entry(g: Lowering, x: View, *args: Value) -> View:
        n = x.dims[s.axis]
        start = g.clamp(g.i64(0) if s.lo is None else args[s.lo - 1], g.i64(0), n)
        stop = g.clamp(n if s.hi is None else args[s.hi - 1], start, n)
        dims = list(x.dims)
        dims[s.axis] = g.b.sub(stop, start)

        def at(idx: tuple[Value, ...]) -> Value:
            moved = list(idx)
            moved[s.axis] = g.b.add(idx[s.axis], start)
            return x.at(tuple(moved))

        return g.tensor(x.elem, dims, at, column_major=x.column_major)

    return entry


def _stride(g: Lowering, x: View, start: Value, step: Value, count: Value) -> View:
    """`x[start + step * j]` for j < count: a view; both ends checked inside `x` when not empty."""
    count = g.smax(count, g.i64(0))
    last = g.b.add(start, g.b.mul(step, g.b.sub(count, g.i64(1))))
    inside = g.b.and_(g.b.icmp_unsigned("<", start, x.dims[0]),
                      g.b.icmp_unsigned("<", last, x.dims[0]))
    g.require(g.b.or_(g.b.icmp_signed("==", count, g.i64(0)), inside), "stride out of range")
    return g.tensor(x.elem, (count, *x.dims[1:]), lambda idx: x.at(
        (g.b.add(start, g.b.mul(step, idx[0])), *idx[1:])))


def _reshape_rows(g: Lowering, x: View, rows: Value, cols: Value) -> View:
    """`x[r * cols + c]`: a row-major view, empty for rows <= 0; the entries checked inside `x`."""
    rows, width = g.smax(rows, g.i64(0)), g.smax(cols, g.i64(0))
    fits = g.b.icmp_signed("<=", g.b.mul(rows, width), x.dims[0])
    ok = g.b.and_(g.b.icmp_signed("==", width, cols), fits)
    g.require(g.b.or_(g.b.icmp_signed("==", rows, g.i64(0)), ok), "reshape_rows out of range")
    return g.tensor(x.elem, (rows, width), lambda idx: x.at(
        (g.b.add(g.b.mul(idx[0], width), idx[1]),)))


def _stride_update(g: Lowering, x: View, start: Value, step: Value, vals: View) -> View:
    """`x` with `vals[j]` at `start + step * j`: entry `p` is `vals[(p - start) / step]` where
    `p - start` is a multiple of the step in range, else `x[p]`; the positions checked distinct
    and inside `x` when `vals` is not empty."""
    b, n, count = g.b, x.dims[0], vals.dims[0]
    one = g.i64(1)
    moves = b.icmp_signed("!=", step, g.i64(0))
    last = b.add(start, b.mul(step, b.sub(count, one)))
    inside = b.and_(b.icmp_unsigned("<", start, n), b.icmp_unsigned("<", last, n))
    distinct = b.or_(moves, b.icmp_signed("<=", count, one))
    g.require(b.or_(b.icmp_signed("<=", count, g.i64(0)), b.and_(distinct, inside)),
              "stride_update out of range")
    safe = b.select(moves, step, one)

    def at(idx: tuple[Value, ...]) -> Value:
        d = b.sub(idx[0], start)
        j = b.sdiv(d, safe)
        hit = b.and_(b.icmp_signed("==", b.mul(j, safe), d),
                     b.and_(b.icmp_signed(">=", j, g.i64(0)), b.icmp_signed("<", j, count)))
        return g.branch(hit, lambda: vals.at((j,)), lambda: x.at(idx))

    return g.tensor(x.elem, (n,), at)


def _flatten_rows(g: Lowering, m: View) -> View:
    """Entry `k` is `m[k / cols][k % cols]`: the rows one after the other."""
    rows, cols = m.dims
    safe = g.b.select(g.b.icmp_signed(">", cols, g.i64(0)), cols, g.i64(1))
    return g.tensor(m.elem, (g.b.mul(rows, cols),), lambda idx: m.at(
        (g.b.sdiv(idx[0], safe), g.b.srem(idx[0], safe))))


def _append(g: Lowering, x: View, e: Value | View) -> View:
    n = x.dims[0]
    if x.rank == 1:
        return g.tensor(x.elem, (g.b.add(n, g.i64(1)),), lambda idx: g.branch(
            g.b.icmp_signed("==", idx[0], n), lambda: e, lambda: x.at(idx)), appended=(x, e))
    empty = g.b.icmp_signed("==", n, g.i64(0))
    for d1, d2 in zip(x.dims[1:], e.dims, strict=True):
        g.require(g.b.or_(empty, g.b.icmp_signed("==", d1, d2)), "append: entry shape differs")
    return g.tensor(x.elem, (g.b.add(n, g.i64(1)), *e.dims), lambda idx: g.branch(
        g.b.icmp_signed("==", idx[0], n), lambda: e.at(idx[1:]), lambda: x.at(idx)))


def _reduce_max(g: Lowering, x: View) -> Value:
    if x.appended is None:
        g.require(g.b.icmp_signed(">", x.dims[0], g.i64(0)), "reduce_max of an empty vector")
    return g.fold("max", x)


def _dot(g: Lowering, elem: str, n: Value, left: Callable[[Value], Value],
         right: Callable[[Value], Value]) -> Value:
    """sum over k < n of left(k) * right(k), in k order (floats: any order when `g.reassociate`)."""
    return g.fold("sum", g.tensor(elem, (n,), lambda k: SCALAR["mul"](g, elem, left(k[0]),
                                                                         right(k[0]))))


def _matrix_vec_mul(g: Lowering, m: View, v: View) -> View:
    g.require(g.b.icmp_signed("==", m.dims[1], v.dims[0]), "matrix_vec_mul: shapes do not match")
    return g.tensor(v.elem, (m.dims[0],), lambda idx: _dot(
        g, v.elem, m.dims[1], lambda k: m.at((idx[0], k)), lambda k: v.at((k,))), matvec=(m, v))


def _matrix_row_sum(g: Lowering, m: View) -> View:
    """Row sums, each in column order; as a product with a vector of ones (`matvec`), so that a
    column-major matrix (a transpose: column sums) is read by columns (the multiplications by 1
    fold away)."""
    ones = g.tensor(m.elem, (m.dims[1],), lambda k: g.const(m.elem, 1))
    return g.tensor(m.elem, (m.dims[0],), lambda idx: g.fold(
        "sum", g.tensor(m.elem, (m.dims[1],), lambda k: m.at((idx[0], k[0])))), matvec=(m, ones))


def _matmul(g: Lowering, a: View, b: View) -> View:
    g.require(g.b.icmp_signed("==", a.dims[1], b.dims[0]), "matmul: shapes do not match")
    return g.tensor(a.elem, (a.dims[0], b.dims[1]), lambda idx: _dot(
        g, a.elem, a.dims[1], lambda k: a.at((idx[0], k)), lambda k: b.at((k, idx[1]))),
        product=(a, b))


def _mapper(name: str) -> LlvmEntry:
    def entry(g: Lowering, *args: Any) -> View:
        """`args`: the tensors' views, then the lambda's `Closure`."""
        *tensors, fn = args
        return g.pointwise(fn, *tensors, elem=fn.elem, name=name)

    return entry


def _linear_recurrence(g: Lowering, a: View, b: View, s0: Value) -> Value:
    """`s = a[k] * s + b[k]` for k < len(b) from `s0`: one loop carrying `s`, in order (floats
    round step by step, as the source's loop and the op's SMT fold)."""
    elem = elem_of(s0)

    def step(i: Value, acc: tuple[Value, ...]) -> tuple[Value, ...]:
        return (SCALAR["add"](g, elem, SCALAR["mul"](g, elem, a.at((i,)), acc[0]), b.at((i,))),)

    (s,) = g.loop(g.i64(0), b.dims[0], lambda i: None, "linrec", [s0], step)
    return s


def _scan_sum(g: Lowering, x: View) -> View:
    """Prefix sums in index order from -0.0 (the float sum's exact identity) or 0; a matrix's
    down its first axis, materialized (`scans`)."""
    elem = x.elem
    add = SCALAR["add"]
    first = g.const(elem, -0.0 if elem == "float" else 0)
    if x.rank == 2:
        return materialize_rows(g, x, lambda a, b: add(g, elem, a, b), first)
    seed = g._reassociated(add) if g.reassociate and elem == "float" else add
    regroup = elem != "float" or g.reassociate
    return g.tensor(elem, x.dims, lambda idx: x.at(idx), scan=Scan(
        elem, x.dims[0], first, lambda s, i: add(g, elem, s, x.at((i,))),
        lambda s, i: seed(g, elem, s, x.at((i,))), (lambda i: x.at((i,))) if regroup else None))


def _scan_max(g: Lowering, x: View) -> View:
    """Running maxima: the state starts at x[0] (none is read when x is empty), and each step is
    `max(state, x[i])`, the fold's step."""
    elem, n = x.elem, x.dims[0]
    first = g.branch(g.b.icmp_signed(">", n, g.i64(0)), lambda: x.at((g.i64(0),)),
                     lambda: g.zero(elem))
    return g.tensor(elem, x.dims, lambda idx: x.at(idx), scan=Scan(
        elem, n, first, lambda s, i: SCALAR["max"](g, elem, s, x.at((i,)))))


def _linear_recurrence_scan(g: Lowering, a: View, b: View, s0: Value) -> View:
    """The value of `s = a[k] * s + b[k]` after each step from `s0`, in order."""
    g.require(g.b.icmp_signed("==", a.dims[0], b.dims[0]),
              "linear_recurrence_scan: a and b differ in length")
    elem = elem_of(s0)

    def step(s: Value, i: Value) -> Value:
        return SCALAR["add"](g, elem, SCALAR["mul"](g, elem, a.at((i,)), s), b.at((i,)))

    return g.tensor(elem, b.dims, lambda idx: b.at(idx), scan=Scan(elem, b.dims[0], s0, step))


RENDER: Mapping[str, LlvmEntry | Unsupported] = {
    **{name: _scalar(name) for name in SCALAR},
    "ite": _select,
    "index": _index,
    **{op.name: _slicing(op) for op in (SLICE, COL_SLICE, TAKE, TAIL)},
    "stride": _stride,
    "reshape_rows": _reshape_rows,
    "stride_update": _stride_update,
    "flatten_rows": _flatten_rows,
    "full": lambda g, n, v: g.tensor(elem_of(v), (g.smax(n, g.i64(0)),), lambda idx: v),
    "iota": lambda g, n: g.tensor("int", (g.smax(n, g.i64(0)),), lambda idx: idx[0]),
    "append": _append,
    "len": lambda g, x: x.dims[0],
    "transpose": lambda g, m: g.tensor(m.elem, (m.dims[1], m.dims[0]),
                                       lambda idx: m.at((idx[1], idx[0])),
                                       column_major=not m.column_major),
    "reduce_sum": lambda g, x: g.fold("sum", x),
    "reduce_mul": lambda g, x: g.fold("prod", x),
    "reduce_max": _reduce_max,
    "matrix_row_sum": _matrix_row_sum,
    "outer": lambda g, x, y: g.tensor(x.elem, (x.dims[0], y.dims[0]), lambda idx: SCALAR["mul"](
        g, x.elem, x.at((idx[0],)), y.at((idx[1],)))),
    "matrix_vec_mul": _matrix_vec_mul,
    "matmul": _matmul,
    **{op.name: _mapper(op.name) for op in MAPPERS.values()},
    **{op.name: _elementwise(op) for op in ELEMWISE.values()},
    **{op.name: _broadcast(op, first) for (_, _, first), op in BROADCAST.items()},
    **SEARCH_ENTRIES,
    "scan_sum": _scan_sum,
    "scan_max": _scan_max,
    "linear_recurrence_scan": _linear_recurrence_scan,
    "linear_recurrence": _linear_recurrence,
    "ipow": Unsupported("a power that leaves int64 or the float range raises in the reference: "
                        "the llvm target has no error path inside a loop"),
}
"""Every op as LLVM IR, by op name."""
