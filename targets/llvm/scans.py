"""Scans and recurrence traces on the llvm target: a running state carried along the output
rows, or a buffer computed once.

A vector scan (`scan_sum`, `scan_max`, `linear_recurrence_scan`) is a `Scan`: a state before entry
0 and a step giving the state after entry `i`, which is that entry. Its view is placed where the
lowering meets it (`place`):

- *running*, when every occurrence of the scan's term is on the output's row path (the root, or a
  tensor argument of an element-wise, broadcast or map op on that path: the entry the nest writes
  is the scan's entry at the same row). The output nest carries the state (`row_loop`): rows
  `lo..hi` start from the fold of entries `[0, lo)`, computed first in index order, so two threads
  each run their half (the second also reads the first half once) and the result is the
  sequential one (floats too, unless float sums may be reassociated: then the seed fold adds in
  lanes);
- *materialized* anywhere else: the scan is computed once, in order, into a heap buffer (`malloc`,
  freed at every return of the generated function), and read from it. Each generated function
  (the shape function and each thread's call) computes it again.

A matrix `scan_sum` (down the first axis) is always materialized.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llvmlite import ir

from tensflo.ir.tensir import App, Lambda, Term
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS, SCAN_OPS

if TYPE_CHECKING:
    from .codegen import Lowering, View

Value = Any
I8, I64 = ir.IntType(8), ir.IntType(64)
SCANS = frozenset((*SCAN_OPS, "linear_recurrence_scan"))
"""Ops whose llvm entry returns a `Scan` view (placed by `place`)."""
POINTWISE = frozenset(op.name for ops in (ELEMWISE, BROADCAST, MAPPERS) for op in ops.values())
"""Ops whose entry at an index reads their tensor arguments at that same index."""
LANE_BYTES = 64
"""The width of the blocks a running sum is scanned in (a 512-bit vector)."""
MAX_ENTRIES = 2**59
"""A materialized scan longer than this is refused (its byte size would overflow)."""


@dataclass(frozen=True)
class Scan:
    """A vector scan as a running state: entry `i` is the state after `step(state, i)`."""

    elem: str
    length: Value
    init: Value
    """The state before entry 0 (computed before any loop)."""
    step: Callable[[Value, Value], Value]
    seed_step: Callable[[Value, Value], Value] | None = None
    """The same step, allowed to be reassociated (float sums), for the fold of the rows before
    a thread's range; None: `step`."""
    summand: Callable[[Value], Value] | None = None
    """For a sum whose additions may be regrouped (ints, floats when reassociation is allowed):
    the element added at `i`, so that the nest may scan `LANE_BYTES` at a time (`_lane_rows`)."""


@dataclass
class Running:
    """A scan carried by the output nest: its state at the nest's current row while it is emitted."""

    scan: Scan
    row: Value | None = None
    value: Value | None = None


def row_path_scans(body: Term) -> frozenset[Term]:
    """The vector scan subterms of `body` whose every occurrence is on the row path (see the
    module docstring): these run in the output nest."""
    on_path: set[Term] = set()
    elsewhere: set[Term] = set()
    seen: set[tuple[int, bool]] = set()
    stack: list[tuple[Term | Lambda, bool]] = [(body, True)]
    while stack:
        t, path = stack.pop()
        if (id(t), path) in seen:
            continue
        seen.add((id(t), path))
        if isinstance(t, Lambda):
            stack.append((t.body, False))
            continue
        (on_path if path else elsewhere).add(t)
        if isinstance(t, App):
            keep = path and t.op.name in POINTWISE
            stack.extend((a, keep and isinstance(a, Term) and a.type.rank == t.type.rank)
                         for a in t.args)
    return frozenset(t for t in on_path - elsewhere
                     if isinstance(t, App) and t.op.name in SCANS and t.type.rank == 1)


def place(g: Lowering, term: App, scan: Scan) -> View:
    """The view of a vector scan: running in the output nest when `term` is on its row path
    only, else materialized."""
    if term in g.row_path:
        running = Running(scan)
        g.running.append(running)
        return g.tensor(scan.elem, (scan.length,), lambda idx: _running_at(running, idx))
    return materialize(g, scan)


def _running_at(running: Running, idx: tuple[Value, ...]) -> Value:
    if running.row is None or idx[0] is not running.row:
        from .codegen import LoweringError

        raise LoweringError("a running scan read off the output nest's current row")
    return running.value


def row_loop(g: Lowering, start: Value, stop: Value, level: Callable[[tuple[Value, ...]], None],
             ) -> None:
    """The output nest's outer loop over rows `start..stop`, carrying the running scans' states,
    each seeded with the fold of its entries `[0, start)`."""
    running = list(g.running)
    if not running:
        g.loop(start, stop, lambda i: level((i,)), "nest")
        return
    seeds = []
    for r in running:
        seeds.append(_seed(g, r.scan, start))

    def row(i: Value, states: tuple[Value, ...]) -> tuple[Value, ...]:
        new = tuple(r.scan.step(s, i) for r, s in zip(running, states, strict=True))
        _emit_row(running, i, new, level)
        return new

    if all(r.scan.summand is not None for r in running):
        start, seeds = _lane_rows(g, running, start, stop, seeds, level)
    g.loop(start, stop, lambda i: None, "nest", seeds, row)


def _seed(g: Lowering, scan: Scan, start: Value) -> Value:
    """The scan's state after entries `[0, start)`."""
    step = scan.seed_step or scan.step

    def fold(i: Value, acc: tuple[Value, ...]) -> tuple[Value, ...]:
        return (step(acc[0], i),)

    (seed,) = g.loop(g.i64(0), start, lambda i: None, "scan.seed", [scan.init], fold)
    return seed


def _emit_row(running: list[Running], i: Value, values: Sequence[Value],
              level: Callable[[tuple[Value, ...]], None]) -> None:
    """The output row `i`, the running scans' entries there being `values`."""
    for r, v in zip(running, values, strict=True):
        r.row, r.value = i, v
    level((i,))
    for r in running:
        r.row = r.value = None


def _lane_rows(g: Lowering, running: list[Running], start: Value, stop: Value,
               seeds: Sequence[Value], level: Callable[[tuple[Value, ...]], None],
               ) -> tuple[Value, list[Value]]:
    """Rows `start..` in whole blocks of `w` lanes, for sums: each block's summands are scanned
    in the vector (log2(w) shifted adds), then the running total (in every lane) is added and
    its last lane broadcast for the next block, so the dependence between blocks is one add and
    one shuffle. The rows are still written one by one (the vectorizers merge them). Returns
    the first row left and the totals there."""
    b = g.b
    w = LANE_BYTES // max(_bytes(seed.type) for seed in seeds)
    blocks = b.sdiv(g.smax(b.sub(stop, start), g.i64(0)), g.i64(w))
    end = b.add(start, b.mul(blocks, g.i64(w)))

    def splat(v: Value) -> Value:
        vec = ir.VectorType(v.type, w)
        one = b.insert_element(ir.Constant(vec, None), v, g.i64(0))
        return b.shuffle_vector(one, ir.Constant(vec, None), _mask([0] * w))

    def block(k: Value, totals: tuple[Value, ...]) -> tuple[Value, ...]:
        base = b.add(start, b.mul(k, g.i64(w)))
        rows = [b.add(base, g.i64(j)) for j in range(w)]
        sums = []
        for r, total in zip(running, totals, strict=True):
            summand = r.scan.summand
            assert summand is not None
            v = ir.Constant(total.type, None)
            for j, i in enumerate(rows):
                v = b.insert_element(v, summand(i), g.i64(j))
            shift = 1
            while shift < w:
                zero = ir.Constant(total.type, [_zero(total.type.element)] * w)
                mask = [j - shift if j >= shift else w for j in range(w)]
                v = _add(g, v, b.shuffle_vector(v, zero, _mask(mask)))
                shift *= 2
            sums.append(_add(g, v, total))
        for j, i in enumerate(rows):
            _emit_row(running, i, [b.extract_element(v, g.i64(j)) for v in sums], level)
        return tuple(b.shuffle_vector(v, v, _mask([w - 1] * w)) for v in sums)

    totals = g.loop(g.i64(0), blocks, lambda k: None, "nest.lanes", [splat(s) for s in seeds], block)
    return end, [b.extract_element(t, g.i64(0)) for t in totals]


def _mask(lanes: list[int]) -> Value:
    return ir.Constant(ir.VectorType(ir.IntType(32), len(lanes)), lanes)


def _bytes(ty: ir.Type) -> int:
    return 8 if isinstance(ty, ir.DoubleType) else ty.width // 8


def _zero(ty: ir.Type) -> float | int:
    return 0.0 if isinstance(ty, ir.DoubleType) else 0


def _add(g: Lowering, a: Value, c: Value) -> Value:
    if isinstance(a.type.element, ir.DoubleType):
        v = g.b.fadd(a, c)
        v.flags.append("reassoc")
        return v
    return g.b.add(a, c)


def _buffer(g: Lowering, elem: str, count: Value, what: str) -> Value:
    """A heap buffer of `count` values of the compute type of `elem`, freed at every return."""
    from .codegen import COMPUTE, LoweringError

    if g.in_loop:
        raise LoweringError(f"{what}: a scan computed inside a loop (its buffer would be "
                            "allocated per element)")
    ty = COMPUTE[elem]
    g.require(g.b.icmp_unsigned("<=", count, g.i64(MAX_ENTRIES)), f"{what}: too many entries")
    size = g.b.mul(count, g.i64(4 if ty == ir.IntType(32) else 8))
    raw = g.b.call(_libc(g, "malloc", ir.FunctionType(I8.as_pointer(), [I64])), [size])
    g.temps.append(raw)  # free(NULL) does nothing
    g.require(g.b.or_(g.b.icmp_signed("==", count, g.i64(0)),
                      g.b.icmp_unsigned("!=", raw, ir.Constant(I8.as_pointer(), None))),
              f"{what}: out of memory")
    return g.b.bitcast(raw, ty.as_pointer())


def _libc(g: Lowering, name: str, ty: ir.FunctionType) -> Any:
    module = g.b.module
    found = module.globals.get(name)
    return found if found is not None else ir.Function(module, ty, name)


def release(g: Lowering) -> None:
    """Free the materialized scans' buffers (before a return)."""
    free = _libc(g, "free", ir.FunctionType(ir.VoidType(), [I8.as_pointer()]))
    for raw in g.temps:
        g.b.call(free, [raw])


def materialize(g: Lowering, scan: Scan) -> View:
    """The scan computed once, in order, into a buffer; its view reads the buffer."""
    n = scan.length
    buf = _buffer(g, scan.elem, n, "scan")

    def store(i: Value, acc: tuple[Value, ...]) -> tuple[Value, ...]:
        value = scan.step(acc[0], i)
        g.b.store(value, g.b.gep(buf, [i], inbounds=True))
        return (value,)

    g.loop(g.i64(0), n, lambda i: None, "scan", [scan.init], store)
    return g.tensor(scan.elem, (n,), lambda idx: g.b.load(g.b.gep(buf, [idx[0]], inbounds=True)))


def materialize_rows(g: Lowering, m: View, add: Callable[[Value, Value], Value], first: Value,
                     ) -> View:
    """Row `r` of a matrix's scan down the first axis: `first + m[0] + ... + m[r]` per column, in
    row order, computed once into a buffer (`first`: the sum's identity)."""
    rows, cols = m.dims
    b = g.b
    safe = b.select(b.icmp_signed("==", cols, g.i64(0)), g.i64(1), cols)
    g.require(b.icmp_unsigned("<=", rows, b.udiv(g.i64(MAX_ENTRIES), safe)), "scan_sum: too many entries")
    buf = _buffer(g, m.elem, b.mul(rows, cols), "scan_sum")

    def at(r: Value, c: Value) -> Value:
        return b.gep(buf, [b.add(b.mul(r, cols), c)], inbounds=True)

    def row(r: Value) -> None:
        def entry(c: Value) -> None:
            above = g.branch(b.icmp_signed("==", r, g.i64(0)), lambda: first,
                             lambda: b.load(at(b.sub(r, g.i64(1)), c)))
            b.store(add(above, m.at((r, c))), at(r, c))

        g.loop(g.i64(0), cols, entry, "scan.col")

    g.loop(g.i64(0), rows, row, "scan")
    return g.tensor(m.elem, (rows, cols), lambda idx: b.load(at(idx[0], idx[1])))


__all__ = ["SCANS", "Scan", "Running", "row_path_scans", "place", "row_loop", "materialize",
           "materialize_rows", "release"]
