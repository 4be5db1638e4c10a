"""Lowering a TensIR function to one fused LLVM loop nest.

Every tensor-valued term becomes a `View`: its dims (i64 values computed once, before any loop) and
an index function that emits the IR for one element. Each op's entry in the target's table
(`ops.RENDER`) builds its view or scalar from its arguments', in the style of the SMT encoding,
through the primitives of `Lowering` (`tensor`, `pointwise`, `fold`, `require`, ...). Only the
output is written to memory, by one loop nest over its dims; scalar reductions are loops.

Every scalar subterm outside a lambda depends on the function's parameters only (lambdas are the
only binders and their bodies only see scalars), so it is computed once before the nest, as are the
parameter-independent subterms of lambda bodies (loop-invariant hoisting). TensIR is strict, so
computing such terms unconditionally matches the reference, domain errors included. The functions
around the nest (buffers, shape and compute functions) are built by `functions`.

Ints are exact (i64), except where the result is stored into an int32 buffer: there every int
value that reaches it only through ring operations is computed in wrapping i32 (element type
`WRAP32`), which gives the same stored bits (`tensflo.targets.llvm.demand`). An i64 value that is
the sign extension of an i32 (an int32 load, a literal, a subterm proven to be a source `int`
value by `int32_proofs`) is *narrow*: comparisons, min/max, `ite`, division and remainder of
narrow values, and maxima over them, are computed in i32 (`narrow`), which is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from llvmlite import ir

from tensflo.ir.tensir import OPS, App, Lambda, Lit, Term, Var, free_vars

from ..optable import Unsupported, lookup
from .demand import arg_demand, carries, occurrences
from .int32_proofs import Int32Proofs
from .int_div import quotient32, remainder32
from .narrow import narrow
from .ops import RENDER, SCALAR, LlvmEntry, Value
from .scans import Running, Scan, place
from .scans import release as free_buffers

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
F32, F64 = ir.FloatType(), ir.DoubleType()
WRAP32 = "int mod 2^32"
"""The element type, during lowering, of ints demanded mod 2^32 only: computed in wrapping i32."""
COMPUTE = {"int": I64, "float": F64, "bool": I1, WRAP32: I32}
"""How values of each element type are computed: ints in i64 (or i32 where only their low 32 bits
are stored), floats in double, bools in i1."""


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
    scan: Scan | None = None
    """For a vector scan's entry: the scan, whose view `scans.place` builds (its `at` is unused)."""

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
    int32: frozenset[Term] = frozenset()
    """Scalar int subterms proven equal to values the source computes in 32-bit `int`
    (`int32_proofs`): computed in i32, exact on every input where the source is defined."""
    in_loop: int = 0
    fold_range: tuple[Value, Value] | None = None
    """The (lo, hi) range of the root reduction, consumed by the first `fold` of the root's entry."""
    split: str | None = None
    """The kind of the root fold that ran over `fold_range` (`sum`, `prod`, `max`), if any."""
    split_value: Value | None = None
    split_len: Value | None = None
    reassociate: bool = False
    """Float sums and products may add in any order (`reassoc`: the loop vectorizer splits them
    into lanes); False keeps the source's order (`--fp strict`)."""
    row_path: frozenset[Term] = frozenset()
    """The vector scans that run in the output nest (`scans.row_path_scans` of the root)."""
    running: list[Running] = field(default_factory=list)
    """The running scans the output nest carries (`scans.row_loop`)."""
    temps: list[Value] = field(default_factory=list)
    """Heap buffers of materialized scans, freed before every return (`release`)."""
    input_bytes: Value | None = None
    """The bytes of the function's array arguments (for `streaming`'s working set)."""
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

    def assume_int32(self, params: Sequence[Var], storages: Sequence[str], proofs: Int32Proofs,
                     ) -> None:
        """Compute the subterms `proofs` proves to be source `int` values in 32 bits, when every
        int tensor parameter is an int32 buffer (any of its values is a C `int`); each proven
        scalar parameter is checked once to be in the `int` range (a domain error otherwise)."""
        if any(p.type.rank and p.type.elem == "int" and d != "int32"
               for p, d in zip(params, storages, strict=True)):
            return
        self.int32 = proofs.terms
        for p in params:
            if p.name in proofs.params and p.type.rank == 0 and p.type.elem == "int":
                v = self.env[p]
                wide = self.b.sext(self.b.trunc(v, I32), I64)
                self.require(self.b.icmp_signed("==", wide, v),
                             f"{p.name}: outside the range of the source's int")
                self.env[p] = wide

    # -- integer and float division with TensIR's total semantics ----------------------------
    def _safe(self, b: Value) -> tuple[Value, Value]:
        """(b == 0, divisor never 0 or -1): sdiv/srem by 0 or of INT_MIN by -1 is undefined."""
        zero = self.b.icmp_signed("==", b, ir.Constant(b.type, 0))
        minus = self.b.icmp_signed("==", b, ir.Constant(b.type, -1))
        return zero, self.b.select(self.b.or_(zero, minus), ir.Constant(b.type, 1), b)

    def c_div(self, a: Value, b: Value) -> Value:
        """C division: truncates toward zero; x / 0 == 0; x / -1 == -x (wrapping).

        Of narrow operands, in i32 (by a divisor that is not a constant, through double:
        `int_div`); the quotient is narrow too unless the divisor may be -1 (-INT_MIN is 2^31):
        then x / -1 is negated in i64."""
        a32, b32 = narrow(a), narrow(b)
        if a32 is not None and b32 is not None and a.type == I64:
            zero, safe = self._safe(b32)
            constant = isinstance(b32, ir.Constant)  # sdiv by a constant: a multiply-high
            q = self.b.sdiv(a32, safe) if constant else quotient32(self.b, a32, safe)
            q = self.b.select(zero, ir.Constant(I32, 0), q)
            if constant:
                return self.b.neg(a) if b32.constant == -1 else self.b.sext(q, I64)
            minus = self.b.icmp_signed("==", b32, ir.Constant(I32, -1))
            return self.b.select(minus, self.b.neg(a), self.b.sext(q, I64))
        zero, safe = self._safe(b)
        minus = self.b.icmp_signed("==", b, ir.Constant(b.type, -1))
        q = self.b.select(minus, self.b.neg(a), self.b.sdiv(a, safe))
        return self.b.select(zero, ir.Constant(a.type, 0), q)

    def c_mod(self, a: Value, b: Value) -> Value:
        """C remainder: the sign of the dividend; x % 0 == x (of narrow operands, in i32)."""
        a32, b32 = narrow(a), narrow(b)
        if a32 is not None and b32 is not None and a.type == I64:
            return self.b.sext(self.c_mod(a32, b32), I64)
        zero, safe = self._safe(b)
        if b.type == I32 and not isinstance(b, ir.Constant):
            return self.b.select(zero, a, remainder32(self.b, a, safe))
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
        """Return error code `1 + index of message` in `errors` unless `ok` holds (before any
        loop only)."""
        if self.in_loop:
            raise LoweringError(f"a domain check inside a loop: {message}")
        if isinstance(ok, ir.Constant) and ok.constant == 1:
            return
        if message not in self.errors:  # the compute function reuses the shape function's codes
            self.errors.append(message)
        fail, cont = self.block("fail"), self.block("ok")
        self.b.cbranch(ok, cont, fail)
        self.b.position_at_end(fail)
        self.release()
        self.b.ret(ir.Constant(I32, self.errors.index(message) + 1))
        self.b.position_at_end(cont)

    def release(self) -> None:
        """Free the buffers of the scans materialized so far (before a return)."""
        if self.temps:
            free_buffers(self)

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
        step = self._reassociated(SCALAR[r.step]) if self.reassociate and x.elem == "float" \
            and r.step in ("add", "mul") else SCALAR[r.step]
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
            acc = self._fold_loop(lo, hi, init, inner, step, x.elem, r.identity is None)
            return self._split_result(split, kind, acc, inner.dims[0])
        if split is not None:
            lo, hi = self.clamp(split[0], lo, hi), self.clamp(split[1], lo, hi)
        if r.identity is None:
            init = x.at((lo,))  # non-empty: checked by reduce_max, and split ranges are non-empty
            lo = self.b.add(lo, self.i64(1))
        else:
            init = self._identity(r.identity, x.elem)
        acc = self._fold_loop(lo, hi, init, x, step, x.elem, r.identity is None)
        return self._split_result(split, kind, acc, x.dims[0])

    def _fold_loop(self, lo: Value, hi: Value, init: Value, x: View,
                   step: Callable[..., Value], elem: str, selecting: bool) -> Value:
        """The fold's loop; a selecting fold (max) of narrow ints accumulates in i32."""
        if selecting and elem == "int" and narrow(init) is not None and self._narrow_elements(x):
            def step32(i: Value, a: tuple[Value, ...]) -> tuple[Value, ...]:
                v = narrow(x.at((i,)))
                if v is None:
                    raise LoweringError("an element of a narrow view is not narrow")
                return (narrow(step(self, elem, self.b.sext(a[0], I64), self.b.sext(v, I64))),)

            (acc32,) = self.loop(lo, hi, lambda i: None, "fold", [narrow(init)], step32)
            return self.b.sext(acc32, I64)
        (acc,) = self.loop(lo, hi, lambda i: None, "fold", [init],
                           lambda i, a: (step(self, elem, a[0], x.at((i,))),))
        return acc

    def _narrow_elements(self, x: View) -> bool:
        """Whether the view's elements are narrow: its element IR, emitted once in an
        unreachable block, ends in a sign extension from i32."""
        here = self.b.block
        probe = self.block("probe")
        self.b.position_at_end(probe)
        self.in_loop += 1
        try:
            ok = narrow(x.at((self.i64(0),))) is not None
        except LoweringError:
            ok = False
        finally:
            self.in_loop -= 1
        self.b.unreachable()
        self.b.position_at_end(here)
        return ok

    @staticmethod
    def _reassociated(step: Callable[..., Value]) -> Callable[..., Value]:
        """`step` (a float `fadd` or `fmul`) flagged `reassoc`: it may be reordered."""
        def flagged(g: Lowering, elem: str, a: Value, b: Value) -> Value:
            v = step(g, elem, a, b)
            v.flags.append("reassoc")
            return v

        return flagged

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
        elif not demanded and term in self.int32 and term.type.rank == 0:
            value = self._proven32(term, local, closed)
        elif not demanded and term in self.int32 and carries(term):  # every element proven
            low = self._apply(term, local, closed, True)  # a ring op: exact low 32 bits
            assert isinstance(low, View)
            value = View("int", low.dims, lambda idx: self.b.sext(low.at(idx), I64),
                         column_major=low.column_major)
        else:
            value = self._apply(term, local, closed, demanded)
        if closed and not self.in_loop:
            self.cache[key] = value
        return value

    def _apply(self, term: App, local: Mapping[Var, Value] | None, closed: bool,
               demanded: bool) -> Value | View:
        entry = entry_of(term)
        args = [self.lower(a, None if closed else local, d)
                for a, d in zip(term.args, arg_demand(term, demanded), strict=True)]
        value = entry(self, *args)
        if isinstance(value, View) and value.scan is not None:
            return place(self, term, value.scan)
        return value

    def _proven32(self, term: App, local: Mapping[Var, Value] | None, closed: bool) -> Value:
        """A term whose value fits in 32 bits (`int32`), as a narrow value: a ring op from its
        operands' low 32 bits (exact, as the result fits), any other op as it comes, then its
        low 32 bits."""
        if carries(term):
            return self.b.sext(self._apply(term, local, closed, True), I64)
        value = self._apply(term, local, closed, False)
        return value if narrow(value) is not None else self.b.sext(self.truncate(value), I64)

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


def entry_of(term: App) -> LlvmEntry:
    """The target's entry for the op of `term`; a `LoweringError` when it has none."""
    entry = lookup(RENDER, term.op, "llvm")
    if entry is None or isinstance(entry, Unsupported):
        why = f" ({entry.why})" if isinstance(entry, Unsupported) and entry.why else ""
        raise LoweringError(f"the llvm target cannot render op {term.op.name}{why}")
    return entry


__all__ = ["WRAP32", "COMPUTE", "View", "Closure", "Lowering", "LoweringError"]
