"""A scalar LLVM translation of a C function's loop IR, statement by statement in source order.

It is the drop-in's fallback (`dropin`): what runs when a precondition of the lifted programs
does not hold (overlapping arrays, `n < 0`...). C semantics: `/` and `%` truncate (`sdiv`,
`srem`, `frem`), `&&`, `||` and `?:` evaluate only the operand they need, a `for` counter is a
variable the body may change. Ints are computed in 64 bits (C's signed overflow is undefined, so
every defined run gives the same value) and stored in the C type of their array; floats are
computed in `float_type` (the source's precision: single unless the signature has a `double`).
A construct without a translation here (vectors, helper calls) is a `LoopIRError` at its
position; a guard of the function (`n is a size_t: it cannot be negative`) that fails aborts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from llvmlite import ir

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import LoopIRError

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
F32, F64 = ir.FloatType(), ir.DoubleType()
C_TYPES: dict[str, ir.Type] = {"int": I32, "long": I64, "long long": I64, "float": F32,
                               "double": F64, "_Bool": I8, "bool": I8}
"""The C types a drop-in reads, as LLVM types (canonical spellings)."""
UNSIGNED: dict[str, ir.Type] = {"unsigned int": I32, "unsigned long": I64,
                                "unsigned long long": I64}
"""Unsigned C types read for scalar parameters only (an `unsigned int` is widened with zeros; a
64-bit one must be below 2^63, which the drop-in checks at entry)."""


def scalar_type(c: str) -> ir.Type:
    """The LLVM type of a scalar parameter of C type `c`."""
    return C_TYPES[c] if c in C_TYPES else UNSIGNED[c]

Value: TypeAlias = Any
"""An LLVM value (llvmlite's classes share no typed base)."""


@dataclass
class ScalarLoop:
    """Builds one function from loop IR (see the module docstring)."""

    module: ir.Module
    fn: L.Function
    c_params: Mapping[str, str]
    """Per parameter, its C type (for a pointer, its element's)."""
    float_type: ir.Type
    b: ir.IRBuilder = field(init=False)
    slots: dict[str, tuple[str, ir.AllocaInstr]] = field(default_factory=dict)
    args: dict[str, Value] = field(default_factory=dict)
    exits: list[ir.Block] = field(default_factory=list)

    def refuse(self, loc: L.Loc, what: str) -> LoopIRError:
        return LoopIRError(loc, f"the llvm drop-in cannot translate {what} (not finished)")

    def ctype(self, name: str) -> ir.Type:
        return C_TYPES[self.c_params[name]]

    def compute(self, elem: str) -> ir.Type:
        return {"int": I64, "float": self.float_type, "bool": I1}[elem]

    # -- values -------------------------------------------------------------------------------
    def convert(self, v: Value, elem: str, to: str) -> Value:
        """`v` of loop-IR type `elem` as a value of type `to`, as C converts."""
        b = self.b
        if elem == to:
            return v
        if to == "bool":
            return self.truth(v, elem)
        if elem == "bool":
            v = b.zext(v, I64)
            return v if to == "int" else b.sitofp(v, self.float_type)
        if to == "float":
            return b.sitofp(v, self.float_type)
        return b.fptosi(v, I64)

    def truth(self, v: Value, elem: str) -> Value:
        if elem == "bool":
            return v
        if elem == "int":
            return self.b.icmp_signed("!=", v, ir.Constant(I64, 0))
        return self.b.fcmp_unordered("!=", v, ir.Constant(self.float_type, 0.0))

    def load_elem(self, ptr: Value, ctype: ir.Type, elem: str) -> Value:
        v = self.b.load(ptr)
        if elem == "float":
            return v if ctype == self.float_type else (
                self.b.fpext(v, self.float_type) if ctype == F32 else self.b.fptrunc(v, self.float_type))
        if elem == "bool":
            return self.b.icmp_unsigned("!=", v, ir.Constant(ctype, 0))
        return v if ctype == I64 else self.b.sext(v, I64)

    def to_ctype(self, v: Value, elem: str, ctype: ir.Type) -> Value:
        if elem == "float":
            if ctype == v.type:
                return v
            return self.b.fpext(v, ctype) if ctype == F64 else self.b.fptrunc(v, ctype)
        if elem == "bool":
            return self.b.zext(v, ctype)
        return v if ctype == I64 else self.b.trunc(v, ctype)

    def load_elem_value(self, v: Value, elem: str, unsigned: bool = False) -> Value:
        """A scalar C argument in its compute type (`unsigned`: of an unsigned C type)."""
        if elem == "float":
            return v if v.type == self.float_type else (
                self.b.fpext(v, self.float_type) if v.type == F32 else self.b.fptrunc(v, self.float_type))
        if elem == "bool":
            return self.b.icmp_unsigned("!=", v, ir.Constant(v.type, 0))
        if v.type == I64:
            return v
        return self.b.zext(v, I64) if unsigned else self.b.sext(v, I64)

    def element_ptr(self, e: L.Index) -> tuple[Value, ir.Type, str]:
        if not isinstance(e.base, L.Name) or e.base.id not in self.args or \
                not self._param(e.base.id).pointer:
            raise self.refuse(e.loc, "an index into something other than a pointer parameter")
        idx, ie = self.expr(e.index)
        if ie != "int":
            idx = self.convert(idx, ie, "int")
        name = e.base.id
        return (self.b.gep(self.args[name], [idx]), self.ctype(name), self._param(name).type.elem)

    def _param(self, name: str) -> L.Param:
        return next(p for p in self.fn.params if p.name == name)

    def expr(self, e: L.Expr) -> tuple[Value, str]:
        """The value of `e` and its loop-IR element type."""
        b = self.b
        match e:
            case L.Const(value):
                if isinstance(value, bool):
                    return ir.Constant(I1, int(value)), "bool"
                if isinstance(value, int):
                    return ir.Constant(I64, value), "int"
                return ir.Constant(self.float_type, value), "float"
            case L.Name(name):
                if name in self.slots:
                    elem, slot = self.slots[name]
                    return b.load(slot), elem
                if name in self.args and not self._param(name).pointer:
                    return self.args[name], self._param(name).type.elem
                raise self.refuse(e.loc, f"the use of {name} as a value")
            case L.Index():
                ptr, ctype, elem = self.element_ptr(e)
                return self.load_elem(ptr, ctype, elem), elem
            case L.Binary(op, left, right) if op in ("and", "or"):
                return self.branchy(lambda: self.truth(*self.expr(left)),
                                    (lambda: ir.Constant(I1, 0)) if op == "and" else
                                    (lambda: self.truth(*self.expr(right))),
                                    (lambda: self.truth(*self.expr(right))) if op == "and" else
                                    (lambda: ir.Constant(I1, 1)), "bool", flip=True), "bool"
            case L.Binary(op, left, right):
                return self.binary(op, self.expr(left), self.expr(right), e.loc)
            case L.Unary("-", operand):
                v, elem = self.expr(operand)
                if elem == "float":
                    return b.fneg(v), "float"
                v = self.convert(v, elem, "int")
                return b.sub(ir.Constant(I64, 0), v), "int"
            case L.Unary("not", operand):
                return b.not_(self.truth(*self.expr(operand))), "bool"
            case L.Cond(cond, then, orelse):
                elem = self.elem_of(then, orelse)
                return self.branchy(lambda: self.truth(*self.expr(cond)),
                                    lambda: self.convert(*self.expr(then), elem),
                                    lambda: self.convert(*self.expr(orelse), elem), elem), elem
            case L.Call(name, args):
                return self.call(name, [self.expr(a) for a in args], e.loc)
        raise self.refuse(e.loc, f"the expression {type(e).__name__}")

    def elem_of(self, *es: L.Expr) -> str:
        """The common type of expressions (float if one is, else int if one is)."""
        elems = [self._static(e) for e in es]
        return "float" if "float" in elems else "int" if "int" in elems else "bool"

    def _static(self, e: L.Expr) -> str:
        """The loop-IR element type of `e`, without emitting code."""
        match e:
            case L.Const(value):
                return "bool" if isinstance(value, bool) else "int" if isinstance(value, int) \
                    else "float"
            case L.Name(name) if name in self.slots:
                return self.slots[name][0]
            case L.Name(name) | L.Index(L.Name(name)) if name in self.args:
                return self._param(name).type.elem
            case L.Binary(op, left, right):
                if op not in ("+", "-", "*", "/", "%"):
                    return "bool"
                return "float" if "float" in (self._static(left), self._static(right)) else "int"
            case L.Unary(op, operand):
                return "bool" if op == "not" else \
                    "float" if self._static(operand) == "float" else "int"
            case L.Cond(_, then, orelse):
                return self.elem_of(then, orelse)
            case L.Call(name, args):
                if name in ("isnan", "isinf"):
                    return "bool"
                if name == "to_int":
                    return "int"
                if name in ("min", "max", "abs"):
                    return "float" if "float" in map(self._static, args) else "int"
                return "float"
        raise self.refuse(e.loc, f"the expression {type(e).__name__}")

    def branchy(self, cond: Callable[[], Value], then: Callable[[], Value],
                orelse: Callable[[], Value], elem: str, flip: bool = False) -> Value:
        """`cond ? then : orelse` evaluating one arm only (`flip`: the arms are for false, true)."""
        b = self.b
        c = cond()
        t_block, f_block = b.append_basic_block("then"), b.append_basic_block("else")
        join = b.append_basic_block("join")
        b.cbranch(c, f_block if flip else t_block, t_block if flip else f_block)
        b.position_at_end(t_block)
        tv = then()
        t_end = b.block
        b.branch(join)
        b.position_at_end(f_block)
        fv = orelse()
        f_end = b.block
        b.branch(join)
        b.position_at_end(join)
        phi = b.phi(self.compute(elem))
        phi.add_incoming(tv, t_end)
        phi.add_incoming(fv, f_end)
        return phi

    def binary(self, op: str, lhs: tuple[Value, str], rhs: tuple[Value, str], loc: L.Loc
               ) -> tuple[Value, str]:
        b = self.b
        elem = "float" if "float" in (lhs[1], rhs[1]) else "int"
        x, y = self.convert(*lhs, elem), self.convert(*rhs, elem)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            if elem == "float":
                cmp = b.fcmp_unordered if op == "!=" else b.fcmp_ordered
                return cmp(op, x, y), "bool"
            return b.icmp_signed(op, x, y), "bool"
        table = {"+": (b.add, b.fadd), "-": (b.sub, b.fsub), "*": (b.mul, b.fmul),
                 "/": (b.sdiv, b.fdiv), "%": (b.srem, b.frem)}
        if op not in table:
            raise self.refuse(loc, f"the operator {op}")
        return table[op][elem == "float"](x, y), elem

    def intrinsic(self, name: str, args: list[Value]) -> Value:
        t = self.float_type
        return self.b.call(self.module.declare_intrinsic(name, [t]), args)

    def call(self, name: str, args: list[tuple[Value, str]], loc: L.Loc) -> tuple[Value, str]:
        b = self.b
        if name in ("sqrt", "exp", "log", "floor", "pow", "isnan", "isinf", "to_float"):
            fl = [self.convert(v, e, "float") for v, e in args]
            if name == "isnan":
                return b.fcmp_unordered("uno", fl[0], fl[0]), "bool"
            if name == "isinf":
                inf = ir.Constant(self.float_type, float("inf"))
                return b.fcmp_ordered("==", self.intrinsic("llvm.fabs", fl), inf), "bool"
            if name == "to_float":
                return fl[0], "float"
            return self.intrinsic(f"llvm.{name}", fl), "float"
        if name == "to_int":
            return self.convert(*args[0], "int"), "int"
        if name in ("min", "max") and len(args) == 2:
            elem = "float" if "float" in (args[0][1], args[1][1]) else "int"
            x, y = (self.convert(v, e, elem) for v, e in args)
            smaller = self.binary("<", (y, elem), (x, elem), loc)[0]  # std::min: b < a ? b : a
            if name == "max":
                smaller = self.binary("<", (x, elem), (y, elem), loc)[0]  # std::max: a < b ? b : a
            return b.select(smaller, y, x), elem
        if name == "abs" and len(args) == 1:
            v, elem = args[0]
            if elem == "float":
                return self.intrinsic("llvm.fabs", [v]), "float"
            v = self.convert(v, elem, "int")
            neg = b.icmp_signed("<", v, ir.Constant(I64, 0))
            return b.select(neg, b.sub(ir.Constant(I64, 0), v), v), "int"
        raise self.refuse(loc, f"a call of {name}")

    # -- statements ---------------------------------------------------------------------------
    def slot(self, name: str, elem: str, loc: L.Loc) -> ir.AllocaInstr:
        if name in self.slots:
            if self.slots[name][0] != elem:
                raise self.refuse(loc, f"{name} declared twice with different types")
            return self.slots[name][1]
        entry = self.b.function.entry_basic_block
        with self.b.goto_block(entry):
            self.b.position_at_start(entry)
            a = self.b.alloca(self.compute(elem), name=name)
        self.slots[name] = (elem, a)
        return a

    def block(self, body: tuple[L.Stmt, ...]) -> None:
        for s in body:
            if self.b.block.is_terminated:
                self.b.position_at_end(self.b.append_basic_block("dead"))
            self.stmt(s)

    def stmt(self, s: L.Stmt) -> None:
        b = self.b
        match s:
            case L.Decl(name, type_, init) if type_.rank == 0:
                a = self.slot(name, type_.elem, s.loc)
                if init is not None:
                    b.store(self.convert(*self.expr(init), type_.elem), a)
            case L.Assign(L.Name(name), value) if name in self.slots:
                elem, a = self.slots[name]
                b.store(self.convert(*self.expr(value), elem), a)
            case L.Assign(L.Index() as target, value):
                v, ve = self.expr(value)  # C evaluates both; neither has side effects here
                ptr, ctype, elem = self.element_ptr(target)
                b.store(self.to_ctype(self.convert(v, ve, elem), elem, ctype), ptr)
            case L.For(var, start, stop, body, step):
                a = self.slot(var, "int", s.loc)
                b.store(self.convert(*self.expr(start), "int"), a)
                head, loop, done = (b.append_basic_block(n) for n in ("for", "body", "done"))
                b.branch(head)
                b.position_at_end(head)
                bound = self.convert(*self.expr(stop), "int")
                b.cbranch(b.icmp_signed("<" if step > 0 else ">", b.load(a), bound), loop, done)
                b.position_at_end(loop)
                self.exits.append(done)
                self.block(body)
                self.exits.pop()
                if not b.block.is_terminated:
                    b.store(b.add(b.load(a), ir.Constant(I64, step)), a)
                    b.branch(head)
                b.position_at_end(done)
            case L.While(cond, body):
                head, loop, done = (b.append_basic_block(n) for n in ("while", "body", "done"))
                b.branch(head)
                b.position_at_end(head)
                b.cbranch(self.truth(*self.expr(cond)), loop, done)
                b.position_at_end(loop)
                self.exits.append(done)
                self.block(body)
                self.exits.pop()
                if not b.block.is_terminated:
                    b.branch(head)
                b.position_at_end(done)
            case L.If(cond, then, orelse):
                t, f, join = (b.append_basic_block(n) for n in ("then", "else", "endif"))
                b.cbranch(self.truth(*self.expr(cond)), t, f)
                for block, body in ((t, then), (f, orelse)):
                    b.position_at_end(block)
                    self.block(body)
                    if not b.block.is_terminated:
                        b.branch(join)
                b.position_at_end(join)
            case L.Break() if self.exits:
                b.branch(self.exits[-1])
            case L.Return(value) if self.fn.result is not None:
                ret = b.function.function_type.return_type
                v = self.convert(*self.expr(value), self.fn.result.elem)
                b.ret(self.to_ctype(v, self.fn.result.elem, ret))
            case _:
                raise self.refuse(s.loc, f"the statement {type(s).__name__}")


def libc(module: ir.Module, name: str, type_: ir.FunctionType) -> ir.Function:
    """The declaration of a C library function, added once per module."""
    known = module.globals.get(name)
    if isinstance(known, ir.Function):
        return known
    return ir.Function(module, type_, name)


def abort_unless(module: ir.Module, b: ir.IRBuilder, f: ir.Function, ok: ir.Value,
                  message: str) -> None:
    """Write `message` to stderr and abort unless `ok` (a value neither path reads exactly)."""
    data = bytearray(message.encode())
    text = ir.GlobalVariable(module, ir.ArrayType(I8, len(data)),
                             module.get_unique_name(f"{f.name}.message"))
    text.initializer = ir.Constant(ir.ArrayType(I8, len(data)), data)
    text.global_constant, text.linkage = True, "internal"
    write_ = libc(module, "write", ir.FunctionType(I64, [I32, ir.PointerType(I8), I64]))
    abort = libc(module, "abort", ir.FunctionType(ir.VoidType(), []))
    fail, cont = f.append_basic_block("abort"), f.append_basic_block("args_ok")
    b.cbranch(ok, cont, fail)
    b.position_at_end(fail)
    b.call(write_, [ir.Constant(I32, 2), b.bitcast(text, ir.PointerType(I8)),
                    ir.Constant(I64, len(data))])
    b.call(abort, [])
    b.unreachable()
    b.position_at_end(cont)


def scalar_function(module: ir.Module, fn: L.Function, c_params: Mapping[str, str],
                    c_result: str | None, name: str) -> ir.Function:
    """Add `name`, the C function `fn` translated as it is written (same C signature)."""
    floats = [t for t in (*c_params.values(), c_result) if t in ("float", "double")]
    float_type = F64 if "double" in floats else F32
    params = [ir.PointerType(C_TYPES[c_params[p.name]]) if p.pointer else scalar_type(c_params[p.name])
              for p in fn.params]
    ret = ir.VoidType() if c_result is None else C_TYPES[c_result]
    f = ir.Function(module, ir.FunctionType(ret, params), name)
    g = ScalarLoop(module, fn, c_params, float_type)
    g.b = ir.IRBuilder(f.append_basic_block("entry"))
    for p, a in zip(fn.params, f.args, strict=True):
        a.name = p.name
        if p.pointer:
            g.args[p.name] = a
        else:
            slot = g.slot(p.name, p.type.elem, p.loc)  # C parameters are variables
            g.b.store(g.load_elem_value(a, p.type.elem, c_params[p.name] in UNSIGNED), slot)
            g.args[p.name] = a
    for guard in fn.guards:  # outside the domain (`n is a size_t: it cannot be negative`): abort
        fails = g.truth(*g.expr(guard.fails))
        abort_unless(module, g.b, f, g.b.not_(fails),
                     f"{fn.name} (tensflo drop-in): {guard.message or 'a guard fails'}\n")
    g.block(fn.body)
    if not g.b.block.is_terminated:
        if fn.result is None:
            g.b.ret_void()
        else:
            g.b.unreachable()  # the interpreter calls this undefined: C's missing return
    return f

