"""A drop-in object file or shared library for a lifted C function: the original C signature.

The exported function `f` does what the C does:

1. finds, per pointer parameter, the length the lifted programs read it with: the largest lower
   bound `E <= len(p)` in the precondition (evaluated at the arguments; a few rounds, as a bound
   may read another pointer's length), 0 without one;
2. checks every precondition at those lengths, and that the address ranges `[p, p + len(p))` of
   each pair that must not overlap are disjoint (O(1) each);
3. if one fails, or a program's own domain check fails, runs `f__scalar`, the loop IR translated
   as written (`scalar_loop`), and returns what it returns;
4. else computes every output (each a TensIR function compiled by `functions.lower_function`)
   into temporaries before any write, copies them into the written arrays (`p[:n]`, or `p[0]`)
   and returns the return value in the C result type.

Precision: when the C signature has `float` values or elements and no `double`, the lifted
programs compute in single precision, as the C does (`single_precision`: the lowering computes
floats in double; in a `DropInModule` those functions are emitted with `float` instead, their
constants rounded to float). The proof is over real numbers either way (`arithmetic: real`).

Only `f` is exported; the helpers are internal. C types read: `int`, `long`, `long long`,
`float`, `double` (values and pointed-to elements); others are refused.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llvmlite import ir

from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import App, Function, Lambda, Lit, Term, Var, free_vars, subterms
from tensflo.plugins.errors import UsageError

from .functions import STORAGE, Signature, lower_function
from .int32_proofs import NOTHING, Int32Proofs
from .scalar_loop import (
    C_TYPES,
    F32,
    F64,
    I8,
    I32,
    I64,
    UNSIGNED,
    abort_unless,
    libc,
    scalar_function,
)

DTYPES = {"int": "int32", "long": "int64", "long long": "int64", "float": "float32",
          "double": "float64", "_Bool": "bool", "bool": "bool"}
"""The buffer dtype of each C type read."""
MAX_I64 = 2**63 - 1


@dataclass(frozen=True)
class DropInSpec:
    """What the drop-in of one function computes."""

    fn: L.Function
    c_params: Mapping[str, str]
    """Per parameter, its canonical C type (a pointer's element type)."""
    c_result: str | None
    outputs: tuple[tuple[str, Term], ...]
    """Per output (`return` or a written pointer), its program over `variables`."""
    extents: Mapping[str, str | None]
    """Per written pointer, the parameter holding the number of elements written (None: `p[0]`)."""
    requires: tuple[Term, ...]
    disjoint: tuple[tuple[str, str], ...]
    variables: tuple[Var, ...]


def length_bounds(requires: Sequence[Term], p: Var) -> list[Term]:
    """The terms `E` of every atom `E <= len(p)` or `len(p) >= E` (also `==`) in `requires`."""
    out: list[Term] = []
    for t in requires:
        for s in subterms(t):
            if not isinstance(s, App) or s.op.name not in ("le", "ge", "eq", "lt", "gt"):
                continue
            a, b = s.term(0), s.term(1)
            is_len = [isinstance(x, App) and x.op.name == "len" and x.args[0] == p for x in (a, b)]
            if s.op.name in ("ge", "gt") and is_len[0] and p not in _vars(b):
                out.append(b)
            elif s.op.name in ("le", "lt") and is_len[1] and p not in _vars(a):
                out.append(a)
            elif s.op.name == "eq" and any(is_len):
                other = b if is_len[0] else a
                if p not in _vars(other):
                    out.append(other)
    return [t for i, t in enumerate(out) if t not in out[:i]]


def _vars(t: Any) -> set[Var]:
    return {s for s in subterms(t) if isinstance(s, Var)}


class DropInModule(ir.Module):
    """An LLVM module of drop-ins; `single` names the functions emitted in single precision."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name=name)
        self.single: set[str] = set()


def computes_in_single(spec: DropInSpec) -> bool:
    """Whether the C function computes in `float`: a float value or element, no double."""
    ctypes = {*spec.c_params.values(), spec.c_result}
    return "float" in ctypes and "double" not in ctypes


_DEFINE = re.compile(r'^define [^@]*@"?([^"(]+)"?\(')
_HEX = re.compile(r"\b0x([0-9A-Fa-f]{1,16})\b")


def _float_hex(m: re.Match[str]) -> str:
    """A double constant rounded to the nearest float (LLVM writes float constants as doubles)."""
    (value,) = struct.unpack(">d", int(m.group(1), 16).to_bytes(8, "big"))
    (rounded,) = struct.unpack(">f", struct.pack(">f", value))  # OverflowError beyond float's range
    return "0x" + struct.pack(">d", rounded).hex().upper()


def _single_line(line: str) -> str:
    line = re.sub(r"fpext float (\S+) to double", r"bitcast float \1 to float", line)
    line = re.sub(r"fptrunc double (\S+) to float", r"bitcast float \1 to float", line)
    line = re.sub(r'@"?llvm\.(\w+)\.f64"?', r'@"llvm.\1.f32"', line)
    line = re.sub(r"\bdouble\b", "float", line)
    return _HEX.sub(_float_hex, line)


def single_precision(text: str, names: set[str]) -> str:
    """`text` (a module) with the functions `names` computing in `float` where they computed in
    `double`: every double value becomes a float (loads of float buffers are no longer widened,
    stores no longer narrowed; constants rounded, libm intrinsics in their f32 form). A function
    with a constant beyond float's range is left as it is (and so are its callers' calls: all
    of `names` or none)."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        m = _DEFINE.match(line)
        if m:
            blocks.append((m.group(1), []))
        blocks[-1][1].append(line)
        if line == "}":
            blocks.append((None, []))
    try:
        out = [[_single_line(x) for x in lines] if name in names else lines
               for name, lines in blocks]
    except OverflowError:
        return text
    return "\n".join(x for lines in out for x in lines)


class _Builder:
    """Emits the exported function of a `DropInSpec` (see the module docstring)."""

    def __init__(self, module: ir.Module, spec: DropInSpec, reassociate: bool,
                 int32: Int32Proofs = NOTHING) -> None:
        self.module, self.spec, self.reassociate = module, spec, reassociate
        self.int32 = int32
        self.count = 0
        self.names: set[str] = set()

    def tensir(self, name: str, body: Term, result_dtype: str, aliased: bool = False
               ) -> tuple[ir.Function, ir.Function]:
        """Compile `body` over the variables; its shape and compute functions (internal).
        `aliased`: the output may be an input's own memory (no `noalias`); its domain checks
        all return before the loop nest writes anything (`Lowering.require`), so a failing
        check leaves the output as it was."""
        spec = self.spec
        fn = Function(f"{spec.fn.name}__{name}", spec.variables, body)
        dtypes = {v.name: DTYPES[spec.c_params[v.name]] for v in spec.variables
                  if v.type.rank and v.name in spec.c_params}
        dtypes["return"] = result_dtype
        lower_function(self.module, fn, Signature.of(fn, dtypes),  # domain errors: rc != 0
                       reassociate=self.reassociate,
                       proofs=self.int32 if name == "out_return" else NOTHING)
        self.names |= {fn.name, f"{fn.name}_shape"}
        shape, main = self.module.get_global(f"{fn.name}_shape"), self.module.get_global(fn.name)
        if aliased:
            for a in main.args:
                a.attributes.discard("noalias")
        for f in (shape, main):
            f.linkage = "internal"
        return shape, main


def build(spec: DropInSpec, count_fallbacks: bool = False, module: ir.Module | None = None,
          symbol: str | None = None, reassociate: bool = False,
          int32: Int32Proofs = NOTHING) -> ir.Module:
    """The LLVM module of the drop-in (see the module docstring), added to `module` when given
    (several functions in one object), exported as `symbol` (a C++ function's mangled name;
    default the function's name); `count_fallbacks`: it also exports `long <f>__fallbacks`,
    incremented on each call that runs the scalar translation; `reassociate`: float sums and
    products of the lifted programs may add in any order (vectorized; default: the source's);
    `int32`: the subterms of the returned program proven to be source `int` values."""
    fn = spec.fn
    for p in fn.params:
        c = spec.c_params.get(p.name)
        if c not in C_TYPES and (p.pointer or c not in UNSIGNED):
            raise UsageError(f"{fn.name}: parameter {p.name} has C type {c}"
                             f"{' (pointed to)' if p.pointer else ''}: the llvm drop-in reads int, "
                             "long, float, double, pointers to them and unsigned int and long "
                             "values (not finished for others)")
    if spec.c_result is not None and spec.c_result not in C_TYPES:
        raise UsageError(f"{fn.name}: the result type {spec.c_result} is not read by the llvm "
                         "drop-in (int, long, float, double)")
    if module is None:
        module = DropInModule(name=fn.name)
    scalar = scalar_function(module, fn, spec.c_params, spec.c_result, f"{fn.name}__scalar")
    scalar.linkage = "internal"
    g = _Builder(module, spec, reassociate, int32)
    vars_ = {v.name: v for v in spec.variables}
    pointers = [p for p in fn.params if p.pointer]
    bounds = {p.name: [g.tensir(f"len_{p.name}_{k}", t, "int64") for k, t in
                       enumerate(length_bounds(spec.requires, vars_[p.name]))] for p in pointers}
    checks = [g.tensir(f"requires{k}", t, "bool") for k, t in enumerate(spec.requires)]
    direct = _direct_output(spec)
    outs = []
    for name, term in sorted(spec.outputs, key=lambda o: o[0] == direct):  # the direct one last
        c = spec.c_result if name == "return" else spec.c_params[name]
        assert c is not None
        outs.append((name, g.tensir(f"out_{name}", term, DTYPES[c], aliased=name == direct)))

    params = list(scalar.function_type.args)
    f = ir.Function(module, ir.FunctionType(scalar.function_type.return_type, params),
                    symbol or fn.name)
    b = ir.IRBuilder(f.append_basic_block("entry"))
    fallback = f.append_basic_block("fallback")
    for p, a in zip(fn.params, f.args, strict=True):
        a.name = p.name
    for p, a in zip(fn.params, f.args, strict=True):
        if spec.c_params[p.name] in UNSIGNED and a.type == I64:
            abort_unless(module, b, f, b.icmp_signed(">=", a, ir.Constant(I64, 0)),
                          f"{fn.name} (tensflo drop-in): {p.name} >= 2^63 is not handled\n")
    lens = {p.name: b.alloca(I64, name=f"len_{p.name}") for p in pointers}
    for a in lens.values():
        b.store(ir.Constant(I64, 0), a)
    temps = [b.alloca(ir.PointerType(I8), name=f"tmp_{n}") for n, _ in outs]
    for t in temps:
        b.store(ir.Constant(ir.PointerType(I8), None), t)
    dims = b.alloca(I64, 4, name="dims")
    arg = dict(zip([p.name for p in fn.params], f.args, strict=True))

    def call_args() -> list[ir.Value]:
        out: list[ir.Value] = []
        for v in spec.variables:
            a, c = arg[v.name], spec.c_params[v.name]
            if v.type.rank:
                out += [b.bitcast(a, ir.PointerType(STORAGE[DTYPES[c]])), b.load(lens[v.name])]
            elif v.type.elem == "float":
                out.append(b.fpext(a, F64) if a.type == F32 else a)
            elif v.type.elem == "bool":
                out.append(b.zext(b.icmp_unsigned("!=", a, ir.Constant(a.type, 0)), I8))
            elif a.type != I64:
                out.append(b.zext(a, I64) if c in UNSIGNED else b.sext(a, I64))
            else:
                out.append(a)
        return out

    def ok_or_fallback(rc: ir.Value) -> None:
        nxt = f.append_basic_block("ok")
        b.cbranch(b.icmp_signed("!=", rc, ir.Constant(I32, 0)), fallback, nxt)
        b.position_at_end(nxt)

    def run(pair: tuple[ir.Function, ir.Function], out: ir.Value) -> None:
        shape, main = pair
        ok_or_fallback(b.call(shape, [*call_args(), dims]))
        ok_or_fallback(b.call(main, [*call_args(), out, ir.Constant(I64, 0),
                                     ir.Constant(I64, MAX_I64)]))

    # 1. lengths: rounds of the largest lower bound (a bound may read another length)
    scalar_out = b.alloca(I64, name="bound")
    for _ in range(len(pointers) + 1 if any(bounds.values()) else 0):
        for p in pointers:
            for pair in bounds[p.name]:
                run(pair, scalar_out)
                v, cur = b.load(scalar_out), b.load(lens[p.name])
                b.store(b.select(b.icmp_signed(">", v, cur), v, cur), lens[p.name])
    # 2. preconditions, then the address ranges
    flag = b.alloca(I8, name="holds")
    for pair in checks:
        run(pair, flag)
        ok_or_fallback(b.zext(b.icmp_unsigned("==", b.load(flag), ir.Constant(I8, 0)), I32))
    for x, y in spec.disjoint:
        ranges = []
        for name in (x, y):
            start = b.ptrtoint(arg[name], I64)
            size = ir.Constant(I64, _size(spec.c_params[name]))
            ranges.append((start, b.add(start, b.mul(b.load(lens[name]), size))))
        (xs, xe), (ys, ye) = ranges
        apart = b.or_(b.icmp_unsigned("<=", xe, ys), b.icmp_unsigned("<=", ye, xs))
        empty = b.or_(b.icmp_unsigned("==", xs, xe), b.icmp_unsigned("==", ys, ye))
        ok_or_fallback(b.zext(b.not_(b.or_(apart, empty)), I32))
    # 3. every output from the original contents, before any write
    malloc = libc(module, "malloc", ir.FunctionType(ir.PointerType(I8), [I64]))
    free = libc(module, "free", ir.FunctionType(ir.VoidType(), [ir.PointerType(I8)]))
    memcpy = libc(module, "memcpy", ir.FunctionType(ir.PointerType(I8),
                                                     [ir.PointerType(I8)] * 2 + [I64]))
    results: dict[str, tuple[ir.Value, ir.Value | None]] = {}
    for (name, pair), tmp in zip(outs, temps, strict=True):
        c = spec.c_result if name == "return" else spec.c_params[name]
        assert c is not None
        elem_t = STORAGE[DTYPES[c]]
        if name == "return" or spec.extents.get(name) is None:
            slot = b.alloca(elem_t, name=f"out_{name}")
            run(pair, slot)
            results[name] = (slot, None)
            continue
        extent = arg[spec.extents[name] or ""]
        widen = b.zext if spec.c_params[spec.extents[name] or ""] in UNSIGNED else b.sext
        count = widen(extent, I64) if extent.type != I64 else extent
        ok_or_fallback(b.call(pair[0], [*call_args(), dims]))
        same = b.icmp_signed("==", b.load(dims), count)
        ok_or_fallback(b.zext(b.not_(same), I32))
        if name == direct:  # last; element i from inputs at i; a failing check writes nothing
            ok_or_fallback(b.call(pair[1], [*call_args(), b.bitcast(arg[name], ir.PointerType(elem_t)),
                                            ir.Constant(I64, 0), ir.Constant(I64, MAX_I64)]))
            continue
        nbytes = b.mul(count, ir.Constant(I64, _size(c)))
        buf = b.call(malloc, [b.add(nbytes, ir.Constant(I64, 1))])
        b.store(buf, tmp)
        ok_or_fallback(b.zext(b.icmp_unsigned("==", b.ptrtoint(buf, I64), ir.Constant(I64, 0)), I32))
        ok_or_fallback(b.call(pair[1], [*call_args(), b.bitcast(buf, ir.PointerType(elem_t)),
                                        ir.Constant(I64, 0), ir.Constant(I64, MAX_I64)]))
        results[name] = (buf, nbytes)
    # 4. the writes, then the return value
    for name, (where, nbytes) in results.items():
        if name == "return":
            continue
        if nbytes is None:
            b.store(b.load(where), arg[name])
        else:
            b.call(memcpy, [b.bitcast(arg[name], ir.PointerType(I8)), where, nbytes])
    for t in temps:
        b.call(free, [b.load(t)])
    ret_t = f.function_type.return_type
    if "return" in results:
        v = b.load(results["return"][0])
        b.ret(_cast(b, v, ret_t))
    else:
        b.ret_void()
    # the fallback: free what was allocated, run the loops as written
    b.position_at_end(fallback)
    if count_fallbacks:
        counter = ir.GlobalVariable(module, I64, f"{fn.name}__fallbacks")
        counter.initializer = ir.Constant(I64, 0)
        b.store(b.add(b.load(counter), ir.Constant(I64, 1)), counter)
    for t in temps:
        b.call(free, [b.load(t)])
    r = b.call(scalar, list(f.args))
    if isinstance(ret_t, ir.VoidType):
        b.ret_void()
    else:
        b.ret(r)
    if isinstance(module, DropInModule) and computes_in_single(spec):
        module.single |= g.names | {f.name}
        for intrinsic in [x for x in module.functions if x.name.startswith("llvm.")
                          and x.name.endswith(".f64")]:
            module.declare_intrinsic(intrinsic.name[: -len(".f64")], [F32])
    return module


POINTWISE = ("vec_map", "selection_two_args")
"""Ops whose element i reads their vector arguments at i only (besides the elementwise and
broadcast families: `OpDef.family` with a vector result)."""


def pointwise_in(t: Any, p: Var) -> bool:
    """Whether element i of the vector `t` reads `p` at most at index i: `p` appears only as
    `p[:E]` (E free of `p`) under pointwise ops, never in a lambda or a scalar."""
    if not reads_contents(t, p):
        return True
    if not isinstance(t, App):
        return False
    if t.op.name == "slice":
        start = t.args[1]
        return t.args[0] == p and isinstance(start, Lit) and start.value == 0 and \
            not reads_contents(t.args[2], p)
    if t.type.rank != 1 or not (t.op.name in POINTWISE or t.op.family is not None):
        return False
    return all(pointwise_in(a, p) if not isinstance(a, Lambda) else p not in free_vars(a)
               for a in t.args)


def reads_contents(t: Any, p: Var) -> bool:
    """Whether `t` reads elements of `p` (not only its length, `len(p[:E])`)."""
    if isinstance(t, Lambda):
        return p in free_vars(t)
    if isinstance(t, App):
        if t.op.name == "len":
            return False
        return any(reads_contents(a, p) for a in t.args)
    return t == p


def _direct_output(spec: DropInSpec) -> str | None:
    """The written pointer whose program may be computed straight into it: pointwise in every
    written pointer (the others are written only after all outputs are computed, so the one
    computed last may read them freely; it is checked apart from the arrays it reads)."""
    by_name = {v.name: v for v in spec.variables}
    for name, term in spec.outputs:
        if name != "return" and spec.extents.get(name) is not None and \
                pointwise_in(term, by_name[name]):
            return name
    return None


def _size(c: str) -> int:
    return {I32: 4, I64: 8, F32: 4, F64: 8, I8: 1}[C_TYPES[c]]


def _cast(b: ir.IRBuilder, v: ir.Value, t: ir.Type) -> ir.Value:
    if v.type == t:
        return v
    if isinstance(t, ir.IntType) and isinstance(v.type, ir.IntType):
        return b.trunc(v, t) if t.width < v.type.width else b.sext(v, t)
    if t == F64:
        return b.fpext(v, t)
    return b.fptrunc(v, t)


def object_code(module: ir.Module) -> bytes:
    """The module optimized at O3 for this host, as a relocatable (PIC) object file."""
    import llvmlite.binding as llvm

    from .jit import target_machine

    target_machine()  # initializes the native target
    tm = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(), opt=3,
        reloc="pic", codemodel="default")
    text = str(module)
    if isinstance(module, DropInModule) and module.single:
        text = single_precision(text, module.single)
    mod = llvm.parse_assembly(text)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = pto.slp_vectorization = pto.loop_unrolling = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return bytes(tm.emit_object(mod))


def write(module: ir.Module, kind: str, path: str) -> None:
    """Write `module` as an object file (`obj`) or a shared library (`so`, linked by `cc`)."""
    code = object_code(module)
    if kind == "obj":
        with open(path, "wb") as f:
            f.write(code)
        return
    with tempfile.TemporaryDirectory() as d:
        obj = os.path.join(d, "dropin.o")
        with open(obj, "wb") as f:
            f.write(code)
        done = subprocess.run(["cc", "-shared", "-o", path, obj, "-lm"], capture_output=True,
                              text=True, check=False)
        if done.returncode:
            raise UsageError(f"cc -shared failed: {done.stderr.strip()}")


def spec_of(result: Any, fn: L.Function, c_params: Mapping[str, str],
            c_result: str | None) -> DropInSpec:
    """The drop-in of a lifted `CompileResult` of `fn` (with outputs or a plain return value)."""
    by_name = {v.name: v for v in result.params}
    variables = tuple(by_name.get(p.name) or Var(p.name, p.type) for p in fn.params)
    if result.output_programs:
        outputs = tuple(result.output_programs)
    elif result.program is not None:
        outputs = (("return", result.program),)
    else:
        raise UsageError(f"{fn.name} has no lifted program")
    extents = {o["name"]: o.get("extent") for o in result.outputs if o["name"] != "return"}
    whole = [o["name"] for o in result.outputs
             if o["name"] != "return" and o.get("extent") is None and "index" not in o]
    if whole:  # an array output without an extent (writes at affine positions): not lowered
        raise UsageError(f"{fn.name}: the drop-in does not write whole arrays yet "
                         f"({', '.join(whole)}: written at affine positions)")
    return DropInSpec(fn, dict(c_params), c_result, outputs, extents, tuple(result.precondition),
                      tuple(result.disjoint), variables)


__all__ = ["DropInModule", "DropInSpec", "build", "computes_in_single", "single_precision", "write", "length_bounds", "object_code", "spec_of"]
