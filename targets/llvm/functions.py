"""The generated functions around a lowered body: buffers, the shape function and the compute
function, one LLVM module for a list of TensIR functions.

Generated functions (for a function `f` and buffer dtypes fixed at compile time):

- `i32 f_shape(inputs..., i64* dims)`: checks every domain condition and writes the output dims;
- `i32 f(inputs..., out, i64 lo, i64 hi)`: writes rows lo..hi of the output (its outermost loop),
  or for a scalar result the result (a partial one over lo..hi of a splittable int reduction);
- for a matrix-vector product of a column-major matrix (`LoweredFunction.ksplit`, built when asked),
  `i32 f_ksplit(inputs..., out, i64 lo, i64 hi)`: the whole output, each element summed over the
  columns k in [lo, hi) only (a partial sum: the runtime adds two of them); `f_shape` then also
  writes the number of columns after the output dims;
- for a tensor result with scalar subterms that loop over a tensor (built when asked, `prologue`):
  `i32 f_prologue(inputs..., i64* dims, i64* scratch)`, `f_shape` that also stores those values
  into `scratch`, and `i32 f_hoisted(inputs..., i64* scratch, out, i64 lo, i64 hi)`, `f` that
  loads them from `scratch` instead of computing them.

Inputs are, per parameter, a pointer and one i64 per axis for tensors, an i64 / double / i8 for
scalars. The return value is 0, or 1 + the index of the violated domain condition in `errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from llvmlite import ir

from tensflo.ir.tensir import OPS, App, Function

from . import streaming
from .codegen import (
    COMPUTE,
    F32,
    F64,
    I8,
    I32,
    I64,
    WRAP32,
    Lowering,
    LoweringError,
    View,
    entry_of,
)
from .demand import arg_demand, carries
from .int32_proofs import NOTHING, Int32Proofs
from .narrow import narrow
from .ops import SCALAR, Value
from .prologue import (
    HOISTED_SUFFIX,
    PART_SUFFIX,
    PROLOGUE_SUFFIX,
    Slot,
    form_of,
    hoistable,
    load_hoisted,
    splittable,
    store_hoisted,
)
from .scans import row_loop, row_path_scans

STORAGE = {"int32": I32, "int64": I64, "float32": F32, "float64": F64, "bool": I8}
"""Buffer element types by NumPy dtype name."""
STORAGE_BYTES = {name: np.dtype(name).itemsize for name in STORAGE}
"""Their sizes in bytes."""
DEFAULT_DTYPE = {"int": "int64", "float": "float64", "bool": "bool"}
ALLOWED = {"int": ("int32", "int64"), "float": ("float32", "float64"), "bool": ("bool",)}


def _load(g: Lowering, elem: str, storage: str, ptr: Value) -> Value:
    v = g.b.load(ptr)
    if elem == WRAP32:  # only the low 32 bits are demanded: no sign extension
        return v if storage == "int32" else g.b.trunc(v, I32)
    if storage == "int32":
        return g.b.sext(v, I64)
    if storage == "float32":
        return g.b.fpext(v, F64)
    if storage == "bool":
        return g.b.icmp_unsigned("!=", v, ir.Constant(I8, 0))
    return v


def _to_storage(g: Lowering, storage: str, v: Value) -> Value:
    if storage == "int32" and v.type != I32:
        return g.b.trunc(v, I32)
    if storage == "float32":
        return g.b.fptrunc(v, F32)
    if storage == "bool":
        return g.b.zext(v, I8)
    return v


def _flat(g: Lowering, dims: Sequence[Value], idx: Sequence[Value]) -> Value:
    """Row-major offset of `idx` in a contiguous buffer of shape `dims`."""
    off = idx[0]
    for d, i in zip(dims[1:], idx[1:], strict=True):
        off = g.b.add(g.b.mul(off, d, flags=["nsw"]), i, flags=["nsw"])
    return off


def buffer_view(g: Lowering, elem: str, storage: str, ptr: Value, dims: tuple[Value, ...]) -> View:
    return View(elem, dims, lambda idx: _load(
        g, elem, storage, g.b.gep(ptr, [_flat(g, dims, idx)], inbounds=True)))


@dataclass(frozen=True)
class Signature:
    """The buffer dtypes a function is compiled for: one per parameter, and the result's."""

    params: tuple[str, ...]
    result: str

    @staticmethod
    def of(fn: Function, dtypes: Mapping[str, str] | None = None) -> Signature:
        dtypes = dtypes or {}

        def pick(name: str, elem: str) -> str:
            d = str(dtypes.get(name) or DEFAULT_DTYPE[elem])
            if d not in ALLOWED[elem]:
                raise LoweringError(f"{name}: dtype {d} cannot hold {elem} (use {ALLOWED[elem]})")
            return d

        return Signature(tuple(pick(p.name, p.type.elem) for p in fn.params),
                         pick("return", fn.result.elem))


@dataclass(frozen=True)
class LoweredFunction:
    """What the runtime needs to know about one generated function."""

    name: str
    signature: Signature
    rank: int
    errors: tuple[str, ...]
    split: str | None
    """For a scalar result: the reduction whose range the runtime may split (int only)."""
    ksplit: bool = False
    """`f_ksplit` exists (see the module docstring)."""
    hoisted: int = 0
    """The number of values `f_prologue` computes for `f_hoisted` (none: no such functions)."""
    parts: tuple[tuple[Function, LoweredFunction], ...] = ()
    """The functions computing the first `len(parts)` of them, each a scalar int reduction that
    the runtime may split (`prologue.splittable`), before `f_prologue`, which loads them."""
    seeded: bool = False
    """The output nest carries running scans (`scans.row_loop`): a row range not starting at 0
    first folds the rows before it, so the runtime gives the first range more rows."""


def _params(fn: Function, sig: Signature) -> list[ir.Type]:
    out: list[ir.Type] = []
    for p, d in zip(fn.params, sig.params, strict=True):
        if p.type.rank:
            out += [ir.PointerType(STORAGE[d])] + [I64] * p.type.rank
        else:
            out.append(I8 if p.type.elem == "bool" else COMPUTE[p.type.elem])
    return out


def _bind(g: Lowering, fn: Function, sig: Signature, args: Sequence[ir.Argument]) -> None:
    pos = 0
    for p, d in zip(fn.params, sig.params, strict=True):
        if p.type.rank:
            ptr, dims = args[pos], tuple(args[pos + 1 : pos + 1 + p.type.rank])
            ptr.add_attribute("noalias")
            g.env[p] = buffer_view(g, p.type.elem, d, ptr, dims)
            if p.type.elem == "int":
                g.narrow_env[p] = buffer_view(g, WRAP32, d, ptr, dims)
            pos += 1 + p.type.rank
        else:
            v = args[pos]
            g.env[p] = g.b.icmp_unsigned("!=", v, ir.Constant(I8, 0)) if p.type.elem == "bool" else v
            pos += 1


KSPLIT_SUFFIX = "_ksplit"


def lower_function(module: ir.Module, fn: Function, sig: Signature,
                   reassociate: bool = False, proofs: Int32Proofs = NOTHING,
                   ksplit: bool = False, hoist: bool = False) -> LoweredFunction:
    """Add `fn_shape` and `fn` (see the module docstring) to `module`; `reassociate`: float sums
    and products may be reordered (`Lowering.reassociate`); `proofs`: subterms proven to be
    source `int` values (`int32_proofs`), computed in 32 bits; `ksplit`: also `fn_ksplit` when
    the output is a column-major matrix-vector product whose partial sums may be added (ints,
    whose stored bits are those of the sum modulo 2^32 or 2^64, or floats when `reassociate`);
    `hoist`: also `fn_prologue` and `fn_hoisted` when a tensor result has scalar subterms that
    loop over a tensor (`prologue`)."""
    errors: list[str] = []
    rank = fn.result.rank
    demanded = fn.result.elem == "int" and sig.result == "int32"  # only 32 bits are stored
    by_k, hoisted = _shape(module, fn, sig, f"{fn.name}_shape", errors, proofs, demanded,
                           ksplit, reassociate)
    slots: list[Slot] = []
    parts: list[tuple[Function, LoweredFunction]] = []
    if hoist and rank and hoisted:
        preloaded = []
        for key, form in filter(splittable, hoisted):
            part = Function(f"{fn.name}{PART_SUFFIX}{len(parts)}", fn.params, key[0])
            part_sig = Signature(sig.params, "int32" if form == "i32" else "int64")
            if lower_function(ir.Module(), part, part_sig, reassociate, proofs).split:
                parts.append((part, lower_function(module, part, part_sig, reassociate, proofs)))
                preloaded.append((key, form))
        _, slots = _shape(module, fn, sig, fn.name + PROLOGUE_SUFFIX, errors, proofs, demanded,
                          by_k, reassociate, scratch=True, preloaded=preloaded)

    # the compute function: the same checks (cheap), then one loop nest over rows lo..hi
    def nest(g: Lowering, root: Value | View, out: Value, lo: Value, hi: Value) -> None:
        if isinstance(root, View):
            _write_nest(g, root, out, sig.result, lo, hi)
        else:
            g.b.store(_to_storage(g, sig.result, root), out)

    split, seeded = _compute(module, fn, sig, fn.name, errors, reassociate, proofs, demanded,
                             nest)
    if slots:
        _compute(module, fn, sig, fn.name + HOISTED_SUFFIX, errors, reassociate, proofs,
                 demanded, nest, slots)
    if by_k:
        _compute(module, fn, sig, fn.name + KSPLIT_SUFFIX, errors, reassociate, proofs, demanded,
                 lambda g, root, out, lo, hi: _write_ksplit(g, root, out, sig.result, lo, hi))
    return LoweredFunction(fn.name, sig, rank, tuple(errors), split, by_k, len(slots),
                           tuple(parts), seeded)


JOIN_SUFFIX = "_join"


def add_join(module: ir.Module, lowered: LoweredFunction) -> None:
    """Add `i32 <f>_join(i64* slots, i8* out, i64 lo, i64 hi)` (the native pool's task signature;
    only `out` is read) for a split scalar result: the partial results of its two halves, stored
    at `out` as two elements of the result's buffer type, joined into the first by the split
    reduction's step (its `SCALAR` entry) and stored as each half was, so the stored bits are those
    of the sequential result (the split reductions are int sums, products and maxima of values
    the storage holds exactly)."""
    assert lowered.split is not None
    storage = lowered.signature.result
    join = ir.Function(module, ir.FunctionType(I32, [ir.PointerType(I64), ir.PointerType(I8),
                                                     I64, I64]), lowered.name + JOIN_SUFFIX)
    g = Lowering(ir.IRBuilder(join.append_basic_block("entry")), {}, [])
    out = g.b.bitcast(join.args[1], ir.PointerType(STORAGE[storage]))
    a = _load(g, "int", storage, out)
    b = _load(g, "int", storage, g.b.gep(out, [g.i64(1)], inbounds=True))
    step = SCALAR[OPS.reduction(lowered.split).step]
    g.b.store(_to_storage(g, storage, step(g, "int", a, b)), out)
    g.b.ret(ir.Constant(I32, 0))


def _shape(module: ir.Module, fn: Function, sig: Signature, name: str, errors: list[str],
           proofs: Int32Proofs, demanded: bool, ksplit: bool, reassociate: bool,
           scratch: bool = False, preloaded: Sequence[Slot] = ()) -> tuple[bool, list[Slot]]:
    """Add `i32 name(inputs..., i64* dims)`: every check, then the dims (and the column count
    when the output is split by columns); with `scratch`, a further `i64* scratch` argument
    from whose first slots the `preloaded` values are loaded and into whose next slots the
    other hoistable values are stored. Whether the output is split by columns, and the slots
    of the hoistable values (without `scratch`: the slots they would have)."""
    extra = [ir.PointerType(I64)] * (2 if scratch else 1)
    shape = ir.Function(module, ir.FunctionType(I32, [*_params(fn, sig), *extra]), name)
    g = Lowering(ir.IRBuilder(shape.append_basic_block("entry")), {}, errors)
    _bind(g, fn, sig, shape.args)
    g.assume_int32(fn.params, sig.params, proofs)
    if preloaded:
        load_hoisted(g, preloaded, shape.args[-1])
    root, _, length = _lower_root(g, fn, g.i64(0), g.i64(2**63 - 1), demanded)
    dims = list(root.dims if isinstance(root, View) else (length,))
    by_k = ksplit and isinstance(root, View) and _k_splittable(root, sig.result, reassociate)
    if by_k:
        assert isinstance(root, View) and root.matvec is not None
        dims.append(root.matvec[0].dims[1])
    dims_arg = shape.args[-2] if scratch else shape.args[-1]
    for k, d in enumerate(dims):
        g.b.store(d, g.b.gep(dims_arg, [g.i64(k)], inbounds=True))
    done = {key for key, _ in preloaded}
    values = [(key, v) for key, v in hoistable(g.cache) if key not in done]
    slots = [*preloaded, *store_hoisted(g, values, shape.args[-1], len(preloaded))] if scratch \
        else [(key, form_of(key, v)) for key, v in values]
    g.release()
    g.b.ret(ir.Constant(I32, 0))
    return by_k, slots


def _compute(module: ir.Module, fn: Function, sig: Signature, name: str, errors: list[str],
             reassociate: bool, proofs: Int32Proofs, demanded: bool,
             write: Callable[[Lowering, Value | View, Value, Value, Value], None],
             slots: Sequence[Slot] = ()) -> tuple[str | None, bool]:
    """Add `i32 name(inputs..., out, i64 lo, i64 hi)`: the checks, then `write(g, root, out, lo,
    hi)`; with `slots`, `i32 name(inputs..., i64* scratch, out, i64 lo, i64 hi)`, whose hoisted
    values are loaded from `scratch` (`prologue`). The kind of the root reduction split over
    lo..hi, if any, and whether the nest carries running scans (seeded from the rows before lo)."""
    scratch = [ir.PointerType(I64)] if slots else []
    main = ir.Function(module, ir.FunctionType(
        I32, [*_params(fn, sig), *scratch, ir.PointerType(STORAGE[sig.result]), I64, I64]), name)
    *_, out, lo, hi = main.args
    out.add_attribute("noalias")
    lo.name, hi.name, out.name = "lo", "hi", "out"
    g = Lowering(ir.IRBuilder(main.append_basic_block("entry")), {}, list(errors),
                 reassociate=reassociate)
    _bind(g, fn, sig, main.args)
    g.input_bytes = _array_bytes(g, fn, sig)
    if slots:
        load_hoisted(g, slots, main.args[-4])
    g.assume_int32(fn.params, sig.params, proofs)
    root, split, _ = _lower_root(g, fn, lo, hi, demanded)
    write(g, root, out, lo, hi)
    g.release()
    g.b.ret(ir.Constant(I32, 0))
    return split, bool(g.running)


def _array_bytes(g: Lowering, fn: Function, sig: Signature) -> Value:
    """The bytes of the function's bound array arguments."""
    total: Value = g.i64(0)
    for p, d in zip(fn.params, sig.params, strict=True):
        view = g.env[p]
        if isinstance(view, View):
            size: Value = g.i64(STORAGE_BYTES[d])
            for n in view.dims:
                size = g.b.mul(size, n)
            total = g.b.add(total, size)
    return total


def _lower_root(g: Lowering, fn: Function, lo: Value, hi: Value, demanded: bool):
    """The root's view or value; for a scalar root that is itself an int reduction, that
    reduction runs over [lo, hi) only (the runtime may split it): (value, kind, its length).
    `demanded`: the result is stored into an int32 buffer (only its low 32 bits matter)."""
    body = fn.body
    g.row_path = row_path_scans(body)
    if not (isinstance(body, App) and fn.result.rank == 0 and fn.result.elem == "int"):
        return g.lower(body, demanded=demanded and carries(body)), None, g.i64(0)
    entry = entry_of(body)
    args = [g.lower(a, demanded=d) for a, d in zip(body.args, arg_demand(body, demanded), strict=True)]
    g.fold_range = (lo, hi)
    value = entry(g, *args)
    g.fold_range = None
    if g.split is None or g.split_value is not value:
        return value, None, g.i64(0)  # not a reduction at the root: the runtime passes all rows
    if demanded and not OPS[OPS.reduction(g.split).step].modular_args and narrow(value) is None:
        # the halves' maxima would be combined after truncation to 32 bits, which does not
        # commute with max: one range (the runtime passes all rows); a narrow value (the
        # sign extension of an i32) is unchanged by that truncation, so it may be split
        return value, None, g.i64(0)
    assert g.split_len is not None
    return value, g.split, g.split_len


def _write_nest(g: Lowering, view: View, out: Value, storage: str, lo: Value, hi: Value) -> None:
    """The one loop nest writing the output: rows lo..hi of the outermost axis."""
    dims = view.dims
    start, stop = g.clamp(lo, g.i64(0), dims[0]), g.clamp(hi, g.i64(0), dims[0])

    def store(idx: tuple[Value, ...], v: Value) -> None:
        g.b.store(_to_storage(g, storage, v), g.b.gep(out, [_flat(g, dims, idx)], inbounds=True))

    if view.product is not None and storage != "float32":
        # out[i, :] = 0; for k: out[i, :] += a[i, k] * b[k, :]  (each element still sums in k order)
        a, b = view.product
        elem = view.elem
        add, mul = SCALAR["add"], SCALAR["mul"]

        def row(i: Value) -> None:
            g.loop(g.i64(0), dims[1], lambda j: store((i, j), g.zero(elem)), "nest")

            def k_step(k: Value) -> None:
                aik = a.at((i, k))

                def j_step(j: Value) -> None:
                    ptr = g.b.gep(out, [_flat(g, dims, (i, j))], inbounds=True)
                    acc = _load(g, elem, storage, ptr)
                    term = mul(g, elem, aik, b.at((k, j)))
                    g.b.store(_to_storage(g, storage, add(g, elem, acc, term)), ptr)

                g.loop(g.i64(0), dims[1], j_step, "nest")

            g.loop(g.i64(0), a.dims[1], k_step, "nest")

        g.loop(start, stop, row, "nest")
        return

    if view.matvec is not None and view.matvec[0].column_major and storage != "float32":
        # out[lo:hi] = 0; for k: out[lo:hi] += m[lo:hi, k] * v[k]  (still k order per element)
        _column_nest(g, view, out, storage, (start, stop), (g.i64(0), view.matvec[0].dims[1]))
        return

    def level(idx: tuple[Value, ...]) -> None:
        if len(idx) == len(dims):
            store(idx, view.at(idx))
            return
        g.loop(g.i64(0), dims[len(idx)], lambda i: level((*idx, i)), "nest")

    if g.running or not streaming.supported():  # running scans keep the plain nest
        row_loop(g, start, stop, level)
        return
    assert g.input_bytes is not None
    streaming.write_nest(g, dims, out, STORAGE_BYTES[storage], g.input_bytes, start, stop,
                         lambda idx, ptr: g.b.store(_to_storage(g, storage, view.at(idx)), ptr),
                         lambda idx: _flat(g, dims, idx))


def _k_splittable(view: View, storage: str, reassociate: bool) -> bool:
    """Whether `view` is written by `_column_nest` and two partial sums over halves of its
    columns, added, give the stored result: ints (wrapping: the same bits modulo 2^32 or 2^64),
    floats only when sums may be reordered."""
    return view.matvec is not None and view.matvec[0].column_major and storage != "float32" \
        and (view.elem != "float" or reassociate)


COLUMN_BLOCK = 4
"""Columns added per pass over the output in `_column_nest`."""


def _column_nest(g: Lowering, view: View, out: Value, storage: str, rows: tuple[Value, Value],
                 cols: tuple[Value, Value]) -> None:
    """out[i] = sum over k in cols of m[i, k] * v[k] for i in rows, k outermost (a column-major
    `m` is read with unit stride; each element still adds its terms in k order), `COLUMN_BLOCK`
    columns per pass: each pass loads out[i] once and adds that many terms to it in order, so
    the output is read and written a quarter as often."""
    assert view.matvec is not None
    m, v = view.matvec
    elem = view.elem
    g.loop(*rows, lambda i: g.b.store(_to_storage(g, storage, g.zero(elem)),
                                      g.b.gep(out, [i], inbounds=True)), "nest")

    def columns(ks: list[Value]) -> None:
        vks = [v.at((k,)) for k in ks]

        def update(i: Value) -> None:
            ptr = g.b.gep(out, [i], inbounds=True)
            acc = _load(g, elem, storage, ptr)
            for k, vk in zip(ks, vks, strict=True):
                acc = SCALAR["add"](g, elem, acc, SCALAR["mul"](g, elem, m.at((i, k)), vk))
            g.b.store(_to_storage(g, storage, acc), ptr)

        g.loop(*rows, update, "nest")

    lo, hi = cols
    blocks = g.b.sdiv(g.smax(g.b.sub(hi, lo), g.i64(0)), g.i64(COLUMN_BLOCK))
    g.loop(g.i64(0), blocks, lambda b: columns([g.b.add(g.b.add(lo, g.b.mul(b, g.i64(
        COLUMN_BLOCK))), g.i64(j)) for j in range(COLUMN_BLOCK)]), "nest")
    rest = g.b.add(lo, g.b.mul(blocks, g.i64(COLUMN_BLOCK)))
    g.loop(rest, hi, lambda k: columns([k]), "nest")


def _write_ksplit(g: Lowering, view: Value | View, out: Value, storage: str, lo: Value,
                  hi: Value) -> None:
    """`f_ksplit`'s nest: every output element, summed over the columns k in [lo, hi) only."""
    assert isinstance(view, View) and view.matvec is not None
    cols = view.matvec[0].dims[1]
    _column_nest(g, view, out, storage, (g.i64(0), view.dims[0]),
                 (g.clamp(lo, g.i64(0), cols), g.clamp(hi, g.i64(0), cols)))


def build_module(functions: Sequence[Function], dtypes: Mapping[str, str] | None = None,
                 name: str = "tensflo", reassociate: bool = False,
                 proofs: Mapping[str, Int32Proofs] | None = None, ksplit: bool = False,
                 hoist: bool = False) -> tuple[ir.Module, list[LoweredFunction]]:
    """One LLVM module holding the shape and compute functions of every function (`proofs` by
    function name; `ksplit`, `hoist`: with `f_ksplit`, `f_prologue` and `f_hoisted` where they
    apply)."""
    module = ir.Module(name=name)
    lowered = [lower_function(module, f, Signature.of(f, dtypes), reassociate,
                              (proofs or {}).get(f.name, NOTHING), ksplit, hoist)
               for f in functions]
    return module, lowered


__all__ = ["KSPLIT_SUFFIX", "Signature", "LoweredFunction", "build_module", "lower_function", "buffer_view"]
