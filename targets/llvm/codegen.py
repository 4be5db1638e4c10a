"""Lowering a TensIR function to one fused LLVM loop nest.

Every tensor-valued term becomes a `View`: its dims (i64 values computed once, before any loop) and
an index function that emits the IR for one element. Each op's entry in the target's table
(`ops.RENDER`) builds its view or scalar from its arguments', in the style of the SMT encoding,
through the primitives of `Lowering` (`tensor`, `pointwise`, `fold`, `require`, ...). Only the
output is written to memory, by one loop nest over its dims; scalar reductions are loops.

Every scalar subterm outside a lambda depends on the function's parameters only (lambdas are the
only binders and their bodies only see scalars), so it is computed once before the nest, as are the
parameter-independent subterms of lambda bodies (loop-invariant hoisting). TensIR is strict, so
computing such terms unconditionally matches the reference, domain errors included.

Generated functions (for a function `f` and buffer dtypes fixed at compile time):

- `i32 f_shape(inputs..., i64* dims)`: checks every domain condition and writes the output dims;
- `i32 f(inputs..., out, i64 lo, i64 hi)`: writes rows lo..hi of the output (its outermost loop),
  or for a scalar result the result (a partial one over lo..hi of a splittable int reduction).

Inputs are, per parameter, a pointer and one i64 per axis for tensors, an i64 / double / i8 for
scalars. The return value is 0, or 1 + the index of the violated domain condition in `errors`.

Ints are exact (i64), except where the result is stored into an int32 buffer: there every int
value that reaches it only through ring operations is computed in wrapping i32 (element type
`WRAP32`), which gives the same stored bits (`tensflo.targets.llvm.demand`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from llvmlite import ir

from tensflo.ir.tensir import OPS, App, Function, Lambda, Lit, Term, Var, free_vars

from ..optable import Unsupported, lookup
from .demand import arg_demand, carries, occurrences
from .ops import RENDER, SCALAR, LlvmEntry, Value

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
F32, F64 = ir.FloatType(), ir.DoubleType()
WRAP32 = "int mod 2^32"
"""The element type, during lowering, of ints demanded mod 2^32 only: computed in wrapping i32."""
COMPUTE = {"int": I64, "float": F64, "bool": I1, WRAP32: I32}
"""How values of each element type are computed: ints in i64 (or i32 where only their low 32 bits
are stored), floats in double, bools in i1."""
STORAGE = {"int32": I32, "int64": I64, "float32": F32, "float64": F64, "bool": I8}
"""Buffer element types by NumPy dtype name."""
DEFAULT_DTYPE = {"int": "int64", "float": "float64", "bool": "bool"}
ALLOWED = {"int": ("int32", "int64"), "float": ("float32", "float64"), "bool": ("bool",)}


class LoweringError(ValueError):
    """A term the llvm target cannot compile (an op without an llvm entry, an unknown dtype)."""


@dataclass(frozen=True)
class View:
    """A tensor that is never materialised: symbolic dims and an element emitter."""

    elem: str
    dims: tuple[Value, ...]
    at: Callable[[tuple[Value, ...]], Value]
    """Emits the IR computing the element at an index (one i64 per axis) at the builder's position."""
    appended: tuple[View, Value] | None = None
    """For `append(x, e)` on a vector: (x, e), so folds do x then e without a branch per element."""
    product: tuple[View, View] | None = None
    """For a matrix product: its operands, so the output nest can run in i-k-j order."""
    matvec: tuple[View, View] | None = None
    """For a matrix-vector product: its operands, so a column-major matrix is read by columns."""
    column_major: bool = False
    """Whether consecutive first-axis indices are adjacent in memory (a transposed buffer)."""

    @property
    def rank(self) -> int:
        return len(self.dims)


@dataclass(frozen=True)
class Closure:
    """A lambda during lowering: `fn(*element values) -> value`, with its result element type."""

    fn: Callable[..., Value]
    elem: str

    def __call__(self, *values: Value) -> Value:
        return self.fn(*values)


@dataclass
class Lowering:
    """The state of lowering one function body; passed as `g` to the ops' llvm entries."""

    b: ir.IRBuilder
    env: dict[Var, Value | View]
    errors: list[str]
    cache: dict[tuple[Term, bool], Value | View] = field(default_factory=dict)
    """Lowered closed terms, by (term, demanded mod 2^32)."""
    narrow_env: dict[Var, View] = field(default_factory=dict)
    """Int tensor parameters read as i32 (no sign extension), for demanded positions."""
    in_loop: int = 0
    fold_range: tuple[Value, Value] | None = None
    """The (lo, hi) range of the root reduction, consumed by the first `fold` of the root's entry."""
    split: str | None = None
    """The kind of the root fold that ran over `fold_range` (`sum`, `prod`, `max`), if any."""
    split_value: Value | None = None
    split_len: Value | None = None
    _names: int = 0

    # -- constants and small helpers ---------------------------------------------------------
    def i64(self, n: int) -> Value:
        return ir.Constant(I64, n)

    def const(self, elem: str, value: int | float | bool) -> Value:
        if elem == WRAP32:
            value = (int(value) + 2**31) % 2**32 - 2**31
        return ir.Constant(COMPUTE[elem], int(value) if elem == "bool" else value)

    def zero(self, elem: str) -> Value:
        return self.const(elem, 0.0 if elem == "float" else 0)

    def block(self, name: str) -> ir.Block:
        self._names += 1
        return self.b.function.append_basic_block(f"{name}.{self._names}")

    def smax(self, a: Value, b: Value) -> Value:
        return self.b.select(self.b.icmp_signed(">=", a, b), a, b)

    def smin(self, a: Value, b: Value) -> Value:
        return self.b.select(self.b.icmp_signed("<=", a, b), a, b)

    def clamp(self, v: Value, lo: Value, hi: Value) -> Value:
        """min(max(v, lo), hi), for slice bounds."""
        return self.smin(self.smax(v, lo), hi)

    # -- integer and float division with TensIR's total semantics ----------------------------
    def _safe(self, b: Value) -> tuple[Value, Value]:
        """(b == 0, divisor never 0 or -1): sdiv/srem by 0 or of INT_MIN by -1 is undefined."""
        zero = self.b.icmp_signed("==", b, self.i64(0))
        minus = self.b.icmp_signed("==", b, self.i64(-1))
        return zero, self.b.select(self.b.or_(zero, minus), self.i64(1), b)

    def c_div(self, a: Value, b: Value) -> Value:
        """C division: truncates toward zero; x / 0 == 0; x / -1 == -x (wrapping)."""
        zero, safe = self._safe(b)
        minus = self.b.icmp_signed("==", b, self.i64(-1))
        q = self.b.select(minus, self.b.neg(a), self.b.sdiv(a, safe))
        return self.b.select(zero, self.i64(0), q)

    def c_mod(self, a: Value, b: Value) -> Value:
        """C remainder: the sign of the dividend; x % 0 == x."""
        zero, safe = self._safe(b)
        return self.b.select(zero, a, self.b.srem(a, safe))

    def _floor_adjust(self, r: Value, b: Value) -> Value:
        """Whether C's truncated quotient is one above the floor: r != 0, signs of r and b differ
        (never for b == 0, where r == a)."""
        signs = self.b.icmp_signed("!=", self.b.icmp_signed("<", r, self.i64(0)),
                                   self.b.icmp_signed("<", b, self.i64(0)))
        nonzero = self.b.and_(self.b.icmp_signed("!=", r, self.i64(0)),
                              self.b.icmp_signed("!=", b, self.i64(0)))
        return self.b.and_(nonzero, signs)

    def py_div(self, a: Value, b: Value) -> Value:
        """Python floor division; x // 0 == 0."""
        adjust = self._floor_adjust(self.c_mod(a, b), b)
        return self.b.sub(self.c_div(a, b), self.b.zext(adjust, I64))

    def py_mod(self, a: Value, b: Value) -> Value:
        """Python remainder: the sign of the divisor; x % 0 == x."""
        r = self.c_mod(a, b)
        return self.b.select(self._floor_adjust(r, b), self.b.add(r, b), r)

    def f_div(self, a: Value, b: Value) -> Value:
        """Float division with x / 0.0 == 0.0."""
        zero = self.b.fcmp_ordered("==", b, ir.Constant(F64, 0.0))
        return self.b.select(zero, ir.Constant(F64, 0.0), self.b.fdiv(a, b))

    # -- views ---------------------------------------------------------------------------------
    def tensor(self, elem: str, dims: Sequence[Value], at: Callable[[tuple[Value, ...]], Value],
               **extra) -> View:
        return View(elem, tuple(dims), at, **extra)

    def require(self, ok: Value, message: str) -> None:
        """Return error code `1 + index of message` unless `ok` holds (before any loop only)."""
        if self.in_loop:
            raise LoweringError(f"a domain check inside a loop: {message}")
        if isinstance(ok, ir.Constant) and ok.constant == 1:
            return
        self.errors.append(message)
        fail, cont = self.block("fail"), self.block("ok")
        self.b.cbranch(ok, cont, fail)
        self.b.position_at_end(fail)
        self.b.ret(ir.Constant(I32, len(self.errors)))
        self.b.position_at_end(cont)

    def same_dims(self, name: str, views: Sequence[View]) -> tuple[Value, ...]:
        first = views[0].dims
        for v in views[1:]:
            for d1, d2 in zip(first, v.dims, strict=True):
                self.require(self.b.icmp_signed("==", d1, d2), f"{name}: operand shapes differ")
        return first

    def pointwise(self, fn: Callable[..., Value], *views: View, elem: str, name: str = "") -> View:
        """Elementwise combination of tensors of equal shape."""
        dims = self.same_dims(name or "elementwise op", views)
        return self.tensor(elem, dims, lambda idx: fn(*(v.at(idx) for v in views)))

    def broadcast(self, fn: Callable[[Value, Value], Value], t: View, s: Value, *,
                  scalar_first: bool, elem: str) -> View:
        if scalar_first:
            return self.tensor(elem, t.dims, lambda idx: fn(s, t.at(idx)))
        return self.tensor(elem, t.dims, lambda idx: fn(t.at(idx), s))

    def branch(self, cond: Value, then: Callable[[], Value], other: Callable[[], Value]) -> Value:
        """cond ? then() : other(), evaluating only the taken side (for guarded loads)."""
        t_block, e_block, join = self.block("then"), self.block("else"), self.block("join")
        self.b.cbranch(cond, t_block, e_block)
        self.b.position_at_end(t_block)
        tv = then()
        t_end = self.b.block
        self.b.branch(join)
        self.b.position_at_end(e_block)
        ev = other()
        e_end = self.b.block
        self.b.branch(join)
        self.b.position_at_end(join)
        phi = self.b.phi(tv.type)
        phi.add_incoming(tv, t_end)
        phi.add_incoming(ev, e_end)
        return phi

    # -- loops -----------------------------------------------------------------------------------
    def loop(self, lo: Value, hi: Value, body: Callable[[Value], None], name: str = "loop",
             carried: Sequence[Value] = (),
             step: Callable[[Value, tuple[Value, ...]], tuple[Value, ...]] | None = None,
             ) -> tuple[Value, ...]:
        """for i in [lo, hi): body(i); with loop-carried values updated by `step(i, values)`."""
        pre = self.b.block
        head, body_block, exit_block = self.block(f"{name}.head"), self.block(f"{name}.body"), \
            self.block(f"{name}.exit")
        self.b.branch(head)
        self.b.position_at_end(head)
        i = self.b.phi(I64, name="i")
        i.add_incoming(lo, pre)
        accs = []
        for c in carried:
            phi = self.b.phi(c.type)
            phi.add_incoming(c, pre)
            accs.append(phi)
        self.b.cbranch(self.b.icmp_signed("<", i, hi), body_block, exit_block)
        self.b.position_at_end(body_block)
        self.in_loop += 1
        body(i)
        new = step(i, tuple(accs)) if step else ()
        self.in_loop -= 1
        latch = self.b.block
        i.add_incoming(self.b.add(i, self.i64(1), flags=["nsw"]), latch)
        for phi, v in zip(accs, new, strict=True):
            phi.add_incoming(v, latch)
        self.b.branch(head)
        self.b.position_at_end(exit_block)
        return tuple(accs)

    def fold(self, kind: str, x: View) -> Value:
        """Sequential reduction of a vector view in index order; `kind` names an op's reduction
        (`sum`, `prod`, `max`: `OPS.reduction`), whose step is its scalar op's IR.

        A reduction without identity (`max`) starts from element 0 (or from the appended entry):
        emptiness is checked by the op's entry, and float results keep NumPy/C order exactness.
        """
        r = OPS.reduction(kind)
        step = SCALAR[r.step]
        lo, hi = self.i64(0), x.dims[0]
        split = self.fold_range
        self.fold_range = None
        if x.appended is not None:
            inner, e = x.appended
            lo, hi = self.i64(0), inner.dims[0]
            if split is not None:
                lo, hi = self.clamp(split[0], lo, hi), self.clamp(split[1], lo, hi)
            first = self.b.icmp_signed("==", lo, self.i64(0))
            init = e if r.identity is None else self.b.select(first, e, self._identity(r.identity, x.elem))
            (acc,) = self.loop(lo, hi, lambda i: None, "fold", [init],
                               lambda i, a: (step(self, x.elem, a[0], inner.at((i,))),))
            return self._split_result(split, kind, acc, inner.dims[0])
        if split is not None:
            lo, hi = self.clamp(split[0], lo, hi), self.clamp(split[1], lo, hi)
        if r.identity is None:
            init = x.at((lo,))  # non-empty: checked by reduce_max, and split ranges are non-empty
            lo = self.b.add(lo, self.i64(1))
        else:
            init = self._identity(r.identity, x.elem)
        (acc,) = self.loop(lo, hi, lambda i: None, "fold", [init],
                           lambda i, a: (step(self, x.elem, a[0], x.at((i,))),))
        return self._split_result(split, kind, acc, x.dims[0])

    def _split_result(self, split: object, kind: str, acc: Value, length: Value) -> Value:
        if split is not None:
            self.split, self.split_value, self.split_len = kind, acc, length
        return acc

    def _identity(self, identity: int, elem: str) -> Value:
        return self.const(elem, identity * (1.0 if elem == "float" else 1))

    # -- terms ---------------------------------------------------------------------------------
    def lower(self, term: Term | Lambda, local: Mapping[Var, Value] | None = None,
              demanded: bool = False):
        """The value (scalar) or view (tensor) of a term; `local` binds lambda parameters.

        `demanded`: only the low 32 bits of this int term reach the output (through ring ops into
        an int32 buffer), so it is computed in wrapping i32; see `demand`.
        """
        if isinstance(term, Lambda):
            return self.closure(term, demanded)
        demanded = demanded and term.type.elem == "int"
        if isinstance(term, Var):
            if local and term in local:
                value = local[term]
            elif demanded and term in self.narrow_env:
                return self.narrow_env[term]
            else:
                value = self.env[term]
            if demanded:
                return self.truncate(value)
            if _is_narrow(value):
                raise LoweringError(f"{term.name}: a 32-bit value used where all bits matter")
            return value
        if isinstance(term, Lit):
            return self.const(WRAP32 if demanded else term.type.elem, term.value)
        assert isinstance(term, App)
        closed = not local or not (free_vars(term) & local.keys())
        key = (term, demanded)
        if closed and key in self.cache:
            return self.cache[key]
        if demanded and not carries(term):  # a non-ring op: computed exactly, then its low bits
            value = self.truncate(self.lower(term, local))
        else:
            entry = _entry(term)
            args = [self.lower(a, None if closed else local, d)
                    for a, d in zip(term.args, arg_demand(term, demanded), strict=True)]
            value = entry(self, *args)
        if closed and not self.in_loop:
            self.cache[key] = value
        return value

    def truncate(self, value: Value | View) -> Value | View:
        """The low 32 bits of an int value or of every element of an int view."""
        if isinstance(value, View):
            if value.elem == WRAP32:
                return value
            return View(WRAP32, value.dims, lambda idx: self.truncate(value.at(idx)),
                        column_major=value.column_major)
        return value if value.type == I32 else self.b.trunc(value, I32)

    def closure(self, lam: Lambda, demanded: bool = False) -> Closure:
        """A lambda; its parameter-independent subterms are computed here, once."""
        params = set(lam.params)
        for sub, d in occurrences(lam.body, demanded):
            if isinstance(sub, App) and not (free_vars(sub) & params):
                self.lower(sub, demanded=d)
        demanded = demanded and lam.body.type.elem == "int"
        return Closure(lambda *vals: self.lower(lam.body, dict(zip(lam.params, vals, strict=True)),
                                                demanded),
                       WRAP32 if demanded else lam.body.type.elem)


def _is_narrow(value: Value | View) -> bool:
    return value.elem == WRAP32 if isinstance(value, View) else value.type == I32


def _entry(term: App) -> LlvmEntry:
    entry = lookup(RENDER, term.op, "llvm")
    if entry is None or isinstance(entry, Unsupported):
        raise LoweringError(f"the llvm target cannot render op {term.op.name}")
    return entry


# ------------------------------------------------------------------------------------------------
# buffers and the generated functions
# ------------------------------------------------------------------------------------------------
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


def lower_function(module: ir.Module, fn: Function, sig: Signature) -> LoweredFunction:
    """Add `fn_shape` and `fn` (see the module docstring) to `module`."""
    errors: list[str] = []
    rank = fn.result.rank
    params = _params(fn, sig)

    # the shape function: every check, then the dims
    shape = ir.Function(module, ir.FunctionType(I32, [*params, ir.PointerType(I64)]), f"{fn.name}_shape")
    g = Lowering(ir.IRBuilder(shape.append_basic_block("entry")), {}, errors)
    _bind(g, fn, sig, shape.args)
    demanded = fn.result.elem == "int" and sig.result == "int32"  # only 32 bits are stored
    root, _, length = _lower_root(g, fn, g.i64(0), g.i64(2**63 - 1), demanded)
    for k, d in enumerate(root.dims if isinstance(root, View) else (length,)):
        g.b.store(d, g.b.gep(shape.args[-1], [g.i64(k)], inbounds=True))
    g.b.ret(ir.Constant(I32, 0))

    # the compute function: the same checks (cheap), then one loop nest over rows lo..hi
    out_type = STORAGE[sig.result]
    main = ir.Function(module, ir.FunctionType(I32, [*params, ir.PointerType(out_type), I64, I64]),
                       fn.name)
    *_, out, lo, hi = main.args
    out.add_attribute("noalias")
    lo.name, hi.name, out.name = "lo", "hi", "out"
    g = Lowering(ir.IRBuilder(main.append_basic_block("entry")), {}, list(errors))
    _bind(g, fn, sig, main.args)
    root, split, _ = _lower_root(g, fn, lo, hi, demanded)
    if isinstance(root, View):
        _write_nest(g, root, out, sig.result, lo, hi)
    else:
        g.b.store(_to_storage(g, sig.result, root), out)
    g.b.ret(ir.Constant(I32, 0))
    return LoweredFunction(fn.name, sig, rank, tuple(errors), split)


def _lower_root(g: Lowering, fn: Function, lo: Value, hi: Value, demanded: bool):
    """The root's view or value; for a scalar root that is itself an int reduction, that
    reduction runs over [lo, hi) only (the runtime may split it): (value, kind, its length).
    `demanded`: the result is stored into an int32 buffer (only its low 32 bits matter)."""
    body = fn.body
    if not (isinstance(body, App) and fn.result.rank == 0 and fn.result.elem == "int"):
        return g.lower(body, demanded=demanded and carries(body)), None, g.i64(0)
    entry = _entry(body)
    args = [g.lower(a, demanded=d) for a, d in zip(body.args, arg_demand(body, demanded), strict=True)]
    g.fold_range = (lo, hi)
    value = entry(g, *args)
    g.fold_range = None
    if g.split is None or g.split_value is not value:
        return value, None, g.i64(0)  # not a reduction at the root: the runtime passes all rows
    if demanded and not OPS[OPS.reduction(g.split).step].modular_args:
        # the halves' maxima would be combined after truncation to 32 bits, which does not
        # commute with max: one range (the runtime passes all rows)
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
        m, v = view.matvec
        elem = view.elem
        g.loop(start, stop, lambda i: store((i,), g.zero(elem)), "nest")

        def column(k: Value) -> None:
            vk = v.at((k,))

            def update(i: Value) -> None:
                ptr = g.b.gep(out, [i], inbounds=True)
                acc = _load(g, elem, storage, ptr)
                term = SCALAR["mul"](g, elem, m.at((i, k)), vk)
                g.b.store(_to_storage(g, storage, SCALAR["add"](g, elem, acc, term)), ptr)

            g.loop(start, stop, update, "nest")

        g.loop(g.i64(0), m.dims[1], column, "nest")
        return

    def level(idx: tuple[Value, ...]) -> None:
        if len(idx) == len(dims):
            store(idx, view.at(idx))
            return
        g.loop(g.i64(0), dims[len(idx)], lambda i: level((*idx, i)), "nest")

    g.loop(start, stop, lambda i: level((i,)), "nest")


def build_module(functions: Sequence[Function], dtypes: Mapping[str, str] | None = None,
                 name: str = "tensflo") -> tuple[ir.Module, list[LoweredFunction]]:
    """One LLVM module holding the shape and compute functions of every function."""
    module = ir.Module(name=name)
    lowered = [lower_function(module, f, Signature.of(f, dtypes)) for f in functions]
    return module, lowered


__all__ = ["WRAP32", "View", "Closure", "Lowering", "LoweringError", "Signature", "LoweredFunction",
           "build_module", "lower_function"]
