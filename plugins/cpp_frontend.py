"""The `cpp` frontend: reads C++ functions over `std::vector` and `int` into loop IR with libclang.

The file is parsed as C++17 with the system's C++ headers (found by asking `g++` for its include
path when it is installed), so `#include <vector>` works, and with the `-I`, `-D` and `-std` the
frontend was configured with (`c_family`). The `c` frontend uses the same reader in C mode. Only
functions defined in the file
itself are read. Types: `int`/`long`/`short` (as `int`), `float`/`double` (as `float`), `bool`,
`std::vector` of those and vectors of vectors (by value or reference); unsigned and narrow
integer types as `int` where C does not wrap (`c_unsigned`). C pointer and array parameters are read as vectors (`c_pointers`). Anything
else (pointer arithmetic, `goto`, `break`, `switch`, unsigned arithmetic, calls of
unknown functions, ...) is a `LoopIRError` at its line and column, and a file that does not
compile is reported with clang's first error.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops
from tensflo.ir.loop.early_return import VOID, is_void_return, loop_returns, lower_early_returns
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import BOOL, FLOAT, INT, TensorType
from tensflo.plugins import c_fits, header_cache
from tensflo.plugins.c_exprs import EffectReader, is_effect
from tensflo.plugins.c_family import ClangOptions, clang_flags, language_of, same_file
from tensflo.plugins.c_loops import LoopReader, check_reused_counters
from tensflo.plugins.c_pointers import PointerReader, is_pointer
from tensflo.plugins.c_shifts import SHIFTS
from tensflo.plugins.c_unsigned import param_guards
from tensflo.plugins.clang_eval import evaluate, float_literal
from tensflo.plugins.hookspecs import hookimpl

_INT_KINDS = ("INT", "LONG", "SHORT", "LONGLONG", "CHAR_S", "SCHAR")
_UNSIGNED_KINDS = ("UINT", "ULONG", "ULONGLONG", "USHORT", "UCHAR", "CHAR_U")
_FLOAT_KINDS = ("FLOAT", "DOUBLE")
_BINARY = {op.cpp: op.symbol for op in ops.BINARY.values()}
_UNARY = {op.cpp: op.symbol for op in ops.UNARY.values()}
_COMPOUND = {f"{op.cpp}=": op.symbol for op in ops.BINARY.values() if op.kind == "arithmetic"}
"""`s += e` and the like, read as `s = s + e`."""
_FUNCTIONS = {name: b for b in ops.CALLS.values() if not b.method
              for name in (b.cpp, *b.c_names) if name is not None}
"""Builtins C++ calls as functions (`std::min(a, b)`, `sqrtf(x)`)."""


@functools.cache
def _clang() -> Any:
    import clang.cindex as ci

    lib = ci.conf.lib
    lib.clang_getCursorBinaryOperatorKind.argtypes = [ci.Cursor]
    lib.clang_getCursorBinaryOperatorKind.restype = ctypes.c_int
    lib.clang_getBinaryOperatorKindSpelling.argtypes = [ctypes.c_int]
    lib.clang_getBinaryOperatorKindSpelling.restype = ci._CXString
    lib.clang_getCursorUnaryOperatorKind.argtypes = [ci.Cursor]
    lib.clang_getCursorUnaryOperatorKind.restype = ctypes.c_int
    lib.clang_getUnaryOperatorKindSpelling.argtypes = [ctypes.c_int]
    lib.clang_getUnaryOperatorKindSpelling.restype = ci._CXString
    return ci


def _binary_op(c: Any) -> str:
    lib = _clang().conf.lib
    return _clang()._CXString.from_result(
        lib.clang_getBinaryOperatorKindSpelling(lib.clang_getCursorBinaryOperatorKind(c)))


def _unary_op(c: Any) -> str:
    lib = _clang().conf.lib
    return _clang()._CXString.from_result(
        lib.clang_getUnaryOperatorKindSpelling(lib.clang_getCursorUnaryOperatorKind(c)))


def parse_cpp(path: str, text: str, flags: Sequence[str] | None = None,
              language: str = "c++", functions_of: str | None = None) -> L.Module:
    """Read every function defined in a C++ (or C) file; unreadable ones are listed as rejected.

    `flags` are libclang's arguments (`c_family.clang_flags`: the language, its standard, `-I`,
    `-D`, the system include directories), by default those of `language` alone. With
    `functions_of` (a header `path` includes), the functions read are those defined in that file,
    parsed as part of `path`'s translation unit; the module is then `functions_of`'s."""
    ci = _clang()
    args = list(flags) if flags is not None else list(clang_flags(language))
    index = ci.Index.create()
    try:
        tu = header_cache.parse(index, path, text, args) or index.parse(
            path, args=args, unsaved_files=[(path, text)])
    except ci.TranslationUnitLoadError as e:
        raise LoopIRError(Loc(path, 0, 0), f"clang could not parse the file: {e}") from None
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Error:
            loc = d.location
            where = Loc(loc.file.name if loc.file else path, loc.line, loc.column)
            raise LoopIRError(where, f"does not compile: {d.spelling}")
    defs = [
        c for c in tu.cursor.get_children()
        if c.kind == ci.CursorKind.FUNCTION_DECL and c.is_definition()
        and c.location.file is not None
        and (c.location.file.name == path if functions_of is None
             else same_file(c.location.file.name, functions_of))
    ]
    if functions_of is not None:
        path = functions_of
    signatures = {c.spelling: c for c in defs}
    functions: list[L.Function] = []
    rejected: list[L.Rejected] = []
    try:
        for c in defs:
            reader = _FunctionReader(path, c, signatures, language)
            try:
                functions.append(reader.read())
            except LoopIRError as e:
                rejected.append(L.Rejected(c.spelling, e.loc, e.message))
            except Exception as e:  # a bug of the reader loses this function only, not the file
                rejected.append(L.Rejected(
                    c.spelling, reader.at or reader.loc(c),
                    f"the {language.upper()} reader failed on {c.spelling}: "
                    f"{type(e).__name__}: {e}", internal=True))
    finally:
        c_fits.forget(tu)
    return L.Module(path, "cpp", tuple(functions), tuple(rejected))


def _cpp_type(t: Any, loc: Loc, what: str, counter: bool = False) -> TensorType:
    """The TensIR type of a C++ type (references and const stripped)."""
    ci = _clang()
    t = t.get_canonical()
    if t.kind in (ci.TypeKind.LVALUEREFERENCE, ci.TypeKind.RVALUEREFERENCE):
        t = t.get_pointee().get_canonical()
    kind = t.kind.name
    if kind in _INT_KINDS or kind in _UNSIGNED_KINDS:
        return INT  # exact where C does not wrap: c_unsigned checks each statement
    if kind in _FLOAT_KINDS:
        return FLOAT
    if kind == "BOOL":
        return BOOL
    if kind == "POINTER":
        raise LoopIRError(loc, f"unsupported: pointer type {t.spelling} for {what}")
    spelling = t.spelling.replace("const ", "")
    if re.match(r"(std::)?vector<", spelling) and t.get_num_template_arguments() >= 1:
        inner = _cpp_type(t.get_template_argument_type(0), loc, what)
        if inner.rank >= 3:
            raise LoopIRError(loc, f"unsupported: more than three nested vectors for {what}")
        return TensorType(inner.elem, inner.rank + 1)
    raise LoopIRError(loc, f"unsupported: type {t.spelling} for {what}")


def _numeric(t: Any) -> str | None:
    """`int` or `float` for a C++ arithmetic type (bool and the rest: None)."""
    kind = t.get_canonical().kind.name
    if kind in _INT_KINDS or kind in _UNSIGNED_KINDS:
        return "int"
    return "float" if kind in _FLOAT_KINDS else None


def _conversion(c: Any, kids: list[Any]) -> tuple[ops.Builtin, Any] | None:
    """For an implicit conversion or a cast between int and float: its builtin and operand."""
    K = _clang().CursorKind
    if c.kind == K.UNEXPOSED_EXPR and len(kids) == 1:
        inner = kids[0]
    elif c.kind in (K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR) and kids:
        inner = kids[-1]
    else:
        return None
    to, frm = _numeric(c.type), _numeric(inner.type)
    if to is None or frm is None or to == frm:
        return None
    return (ops.TO_FLOAT if to == "float" else ops.TO_INT), inner


def _refusal(problems: list[LoopIRError]) -> LoopIRError:
    """The first problem of a function, with the other constructs refused listed after it (not
    the uses of a name whose declaration was refused)."""
    first, *rest = problems
    others: list[str] = []
    seen = {first.message}
    for p in rest:
        if p.message.startswith("unsupported: the name ") or p.message in seen:
            continue
        seen.add(p.message)
        others.append(f"{p.loc.line}:{p.loc.col} {p.message.removeprefix('unsupported: ')}")
    if not others:
        return first
    shown = "; ".join(others[:4]) + ("; ..." if len(others) > 4 else "")
    return LoopIRError(first.loc, f"{first.message} (also refused: {shown})")


@dataclass
class _FunctionReader(LoopReader, PointerReader, EffectReader):
    path: str
    fn: Any
    signatures: dict[str, Any]
    language: str = "c++"
    """`c++` or `c`: both read into loop IR of language `cpp` (C's `/` and `%` truncate too)."""
    at: Loc | None = None
    """The statement or expression being read (where a failure of the reader happened)."""
    problems: list[LoopIRError] = field(default_factory=list)
    """What was refused so far: reading goes on past a refused statement, to list the others."""
    reused_counters: dict[str, Loc] = field(default_factory=dict)
    pointers: dict[str, bool] = field(default_factory=dict)
    views: dict[str, tuple[str, str]] = field(default_factory=dict)
    final_return: Loc | None = None
    """Where the `return;` that ends a `void` function is (the only `return;` read)."""

    def loc(self, c: Any) -> Loc:
        loc = c.location
        return Loc(loc.file.name if loc.file else self.path, loc.line, loc.column)

    def unsupported(self, c: Any, what: str) -> LoopIRError:
        return LoopIRError(self.loc(c), f"unsupported: {what}")

    def counter_type(self, t: Any, loc: Loc, what: str) -> TensorType:
        return _cpp_type(t, loc, what, counter=True)

    def scalar_type(self, t: Any, loc: Loc, what: str) -> TensorType:
        return _cpp_type(t, loc, what)

    def read(self) -> L.Function:
        ci = _clang()
        fn = self.fn
        self.types: dict[str, TensorType] = {}
        params = []
        for p in fn.get_arguments():
            try:
                pointer = self.pointer_param(p)
                t = pointer or _cpp_type(p.type, self.loc(p), f"parameter {p.spelling}")
                if p.type.get_canonical().kind == ci.TypeKind.LVALUEREFERENCE \
                        and not p.type.get_pointee().is_const_qualified():
                    raise self.unsupported(p, f"parameter {p.spelling} is a non-const reference "
                                              "(an output parameter); return the result instead")
            except LoopIRError as e:
                self.problems.append(e)
                continue
            self.types[p.spelling] = t
            params.append(L.Param(p.spelling, t, self.loc(p), pointer=pointer is not None))
        result: TensorType | None = None
        try:
            if fn.result_type.get_canonical().kind != ci.TypeKind.VOID:
                result = _cpp_type(fn.result_type, self.loc(fn), f"the result of {fn.spelling}")
        except LoopIRError as e:
            self.problems.append(e)
        body = next((c for c in fn.get_children() if c.kind == ci.CursorKind.COMPOUND_STMT), None)
        if body is None:
            raise self.unsupported(fn, f"{fn.spelling} has no body")
        last = list(body.get_children())[-1:]
        if last and last[0].kind == ci.CursorKind.RETURN_STMT and not list(last[0].get_children()):
            self.final_return = self.loc(last[0])
        stmts = self.stepped_parameters(body) + self.block(body)
        try:
            check_reused_counters(tuple(stmts), self.reused_counters)
        except LoopIRError as e:
            self.problems.append(e)
        if self.problems:
            raise _refusal(self.problems)
        read = lower_early_returns(L.Function(fn.spelling, tuple(params), result, tuple(stmts),
                                              "cpp", self.loc(fn), guards=param_guards(fn, self.loc)))
        inside = [r for r in loop_returns(read) if is_void_return(r)]
        if inside:
            raise LoopIRError(inside[0].loc, "unsupported: an early `return;` inside a loop of a "
                                             "void function (only returns outside loops are read)")
        return read

    # -- statements ---------------------------------------------------------------------------
    def block(self, c: Any) -> list[L.Stmt]:
        ci = _clang()
        scope, views = dict(self.types), dict(self.views)
        try:
            if c.kind == ci.CursorKind.COMPOUND_STMT:
                out: list[L.Stmt] = []
                for s in c.get_children():
                    try:
                        out.extend(self.sequenced(s))
                    except LoopIRError as e:  # the function is refused; go on to find the others
                        self.problems.append(e)
                return out
            return self.sequenced(c)
        finally:
            self.types, self.views = scope, views

    def stmt(self, c: Any) -> list[L.Stmt]:
        ci = _clang()
        K = ci.CursorKind
        loc = self.at = self.loc(c)
        kind = c.kind
        kids = list(c.get_children())
        if kind == K.COMPOUND_STMT:
            return self.block(c)
        if kind == K.NULL_STMT:
            return []
        if kind == K.DECL_STMT:
            return [self.var_decl(d) for d in kids]
        if kind == K.RETURN_STMT:
            if not kids and loc == self.final_return:
                return []
            if not kids:
                return [L.Return(VOID, loc)]  # lower_early_returns removes it outside loops
            return [L.Return(self.expr(kids[0]), loc)]
        if kind == K.IF_STMT:
            if len(kids) not in (2, 3) or kids[0].kind == K.DECL_STMT:
                raise self.unsupported(c, "this form of `if`")
            orelse = self.block(kids[2]) if len(kids) == 3 else []
            return [L.If(self.expr(kids[0]), tuple(self.block(kids[1])), tuple(orelse), loc)]
        if kind == K.WHILE_STMT:
            return [self.while_loop(kids, loc)]
        if kind == K.FOR_STMT:
            return self.for_(c, kids)
        if kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR,
                    K.CALL_EXPR, K.UNEXPOSED_EXPR, K.PAREN_EXPR):
            return self.expr_stmt(c)
        if kind == K.BREAK_STMT:
            return [L.Break(loc)]
        if kind == K.CONTINUE_STMT:
            return self.continue_(c, loc)
        names = {K.GOTO_STMT: "`goto`", K.LABEL_STMT: "labels and `goto`", K.BREAK_STMT: "`break`",
                 K.CONTINUE_STMT: "`continue`", K.SWITCH_STMT: "`switch`", K.DO_STMT: "`do ... while`"}
        raise self.unsupported(c, names.get(kind, f"the statement {kind.name.lower()}"))

    def var_decl(self, d: Any) -> L.Stmt:
        ci = _clang()
        K = ci.CursorKind
        loc = self.loc(d)
        if d.kind != K.VAR_DECL:
            raise self.unsupported(d, f"the declaration {d.kind.name.lower()}")
        if d.type.get_canonical().kind == ci.TypeKind.POINTER:
            return self.pointer_local(d)
        if d.spelling in self.types or d.spelling in self.views:
            raise self.unsupported(d, f"redeclaring {d.spelling} (shadowing)")
        t = _cpp_type(d.type, loc, f"variable {d.spelling}")
        if d.type.get_canonical().kind == ci.TypeKind.LVALUEREFERENCE:
            raise self.unsupported(d, f"reference variable {d.spelling}")
        inits = [k for k in d.get_children() if k.kind not in (K.TEMPLATE_REF, K.TYPE_REF,
                                                                K.NAMESPACE_REF)]
        if not inits:
            init: L.Expr | None = None if t.rank == 0 else L.NewVec(t, None, None, loc)
        else:
            init = self.init_expr(inits[-1], t)
        self.types[d.spelling] = t
        return L.Decl(d.spelling, t, init, loc)

    def init_expr(self, c: Any, t: TensorType) -> L.Expr:
        """An initializer; vector constructors `(n)`, `(n, v)` and `{}` become `NewVec`."""
        ci = _clang()
        K = ci.CursorKind
        c = self.strip(c)
        if t.rank and c.kind in (K.CALL_EXPR, K.INIT_LIST_EXPR) and c.spelling in ("vector", ""):
            args = [self.strip(a) for a in c.get_children()
                    if a.kind not in (K.TEMPLATE_REF, K.TYPE_REF, K.NAMESPACE_REF)
                    and a.location.line != 0]  # implicit default arguments (the allocator)
            if c.kind == K.INIT_LIST_EXPR and args:
                raise self.unsupported(c, "vector initializer lists with elements")
            if not args:
                return L.NewVec(t, None, None, self.loc(c))
            if len(args) == 1 and _cpp_type(args[0].type, self.loc(c), "a vector").rank == t.rank:
                return self.expr(args[0])  # a copy
            length = self.expr(args[0])
            fill: L.Expr
            if len(args) == 1:
                fill = L.NewVec(TensorType(t.elem, t.rank - 1), None, None, self.loc(c)) \
                    if t.rank > 1 else L.Const(0 if t.elem == "int" else 0.0, self.loc(c))
            else:
                fill = self.init_expr(args[1], TensorType(t.elem, t.rank - 1))
            return L.NewVec(t, length, fill, self.loc(c))
        return self.expr(c)

    def expr_stmt(self, c: Any) -> list[L.Stmt]:
        ci = _clang()
        K = ci.CursorKind
        c = self.strip(c)
        loc = self.loc(c)
        kids = [self.strip(k) for k in c.get_children()]
        stepped = self.pointer_step(c, kids)
        if stepped is not None:
            return stepped
        if c.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR):
            self.refuse_pointer_operands(c, kids, _binary_op(c) if c.kind == K.BINARY_OPERATOR
                                         else "")
        if c.kind == K.BINARY_OPERATOR and _binary_op(c) == "=":
            return [L.Assign(self.target(kids[0]), self.expr(kids[1]), loc)]
        if c.kind == K.COMPOUND_ASSIGNMENT_OPERATOR:
            op = _binary_op(c)
            if op not in _COMPOUND:
                raise self.unsupported(c, f"the operator {op}")
            target = self.target(kids[0])
            return [L.Assign(target, L.Binary(_COMPOUND[op], target, self.expr(kids[1]), loc), loc)]
        if c.kind == K.UNARY_OPERATOR:
            op = _unary_op(c)
            if op in ("++", "--"):
                target = self.target(kids[0])
                step = L.Binary("+" if op == "++" else "-", target, L.Const(1, loc), loc)
                return [L.Assign(target, step, loc)]
        if c.kind == K.CALL_EXPR and c.spelling == "operator=" and len(kids) == 3:
            return [L.Assign(self.target(kids[0]), self.expr(kids[2]), loc)]
        compound = c.spelling.removeprefix("operator") if c.spelling.startswith("operator") else ""
        if c.kind == K.CALL_EXPR and compound in _COMPOUND and len(kids) == 3:
            target = self.target(kids[0])
            return [L.Assign(target, L.Binary(_COMPOUND[compound], target, self.expr(kids[2]), loc),
                             loc)]
        if c.kind == K.CALL_EXPR and c.spelling == ops.RESIZE.cpp and len(kids) == 2 \
                and kids[0].kind == K.MEMBER_REF_EXPR:
            obj = [self.strip(k) for k in kids[0].get_children()]
            target = self.target(obj[0])
            return [L.Assign(target, L.Call(ops.RESIZE.name, (target, self.expr(kids[1])), loc),
                             loc)]
        if c.kind == K.CALL_EXPR and c.spelling in ("push_back", "emplace_back"):
            member = kids[0]
            obj = [self.strip(k) for k in member.get_children()]
            if member.kind != K.MEMBER_REF_EXPR or len(obj) != 1 or len(kids) != 2:
                raise self.unsupported(c, f"this call of {c.spelling}")
            return [L.Push(self.target(obj[0]), self.expr(kids[1]), loc)]
        raise self.unsupported(c, f"the expression statement {' '.join(t.spelling for t in c.get_tokens())!r}")

    def target(self, c: Any) -> L.Name | L.Index:
        e = self.expr(c)
        if not isinstance(e, L.Name | L.Index):
            raise self.unsupported(c, "assignment to something that is not a variable or element")
        base: L.Expr = e
        while isinstance(base, L.Index):
            base = base.base
        if not isinstance(base, L.Name):
            raise self.unsupported(c, "assignment through a computed vector")
        return e

    # -- expressions --------------------------------------------------------------------------
    def strip(self, c: Any) -> Any:
        """Skip implicit conversions, parentheses and no-op casts; stop at a conversion between
        int and float (implicit or a cast), which `expr` reads as `to_float` / `to_int`."""
        ci = _clang()
        K = ci.CursorKind
        while True:
            kids = list(c.get_children())
            if _conversion(c, kids) is not None:
                return c
            if c.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR) and len(kids) == 1:
                c = kids[0]
            elif c.kind in (K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR) \
                    and kids:
                inner = kids[-1]
                to = _cpp_type(c.type, self.loc(c), "a cast", counter=True)
                frm = _cpp_type(inner.type, self.loc(c), "a cast", counter=True)
                if to != frm:
                    raise self.unsupported(c, f"a conversion from {frm} to {to}")
                c = inner
            else:
                return c

    def expr(self, c: Any) -> L.Expr:
        ci = _clang()
        K = ci.CursorKind
        c = self.strip(c)
        loc = self.at = self.loc(c)
        conversion = _conversion(c, list(c.get_children()))
        if conversion is not None:
            return self.convert(c, *conversion, loc)
        kids = [self.strip(k) for k in c.get_children()]
        kind = c.kind
        if is_effect(c):
            return self.effect(c, kids)
        if kind in (K.INTEGER_LITERAL, K.FLOATING_LITERAL, K.CXX_BOOL_LITERAL_EXPR):
            return self.literal(c, loc)
        if kind == K.DECL_REF_EXPR:
            if c.spelling in self.pointers or c.spelling in self.views:
                raise self.pointer_value(c)
            if c.spelling not in self.types:
                raise self.unsupported(c, f"the name {c.spelling} (not a parameter or local variable)")
            return L.Name(c.spelling, loc)
        if kind == K.BINARY_OPERATOR:
            op = _binary_op(c)
            self.refuse_pointer_operands(c, kids, op)
            if op in SHIFTS:
                return self.shift(c, loc)
            if op not in _BINARY:
                raise self.unsupported(c, f"the operator {op}")
            return L.Binary(_BINARY[op], self.expr(kids[0]), self.expr(kids[1]), loc)
        if kind == K.UNARY_OPERATOR:
            op = _unary_op(c)
            if op == "+":
                return self.expr(kids[0])
            if op == "*" and is_pointer(kids[0].type):
                return self.dereference(c, kids[0])
            self.refuse_pointer_operands(c, kids, op)
            if op not in _UNARY:
                raise self.unsupported(c, f"the operator {op or 'this unary operator'} inside an expression")
            inner = self.expr(kids[0])
            if op == ops.NEG.cpp and isinstance(inner, L.Const) and not isinstance(inner.value, bool):
                return L.Const(-inner.value, loc)  # a negative literal
            return L.Unary(_UNARY[op], inner, loc)
        if kind == K.CONDITIONAL_OPERATOR:
            return L.Cond(self.expr(kids[0]), self.expr(kids[1]), self.expr(kids[2]), loc)
        if kind == K.ARRAY_SUBSCRIPT_EXPR:
            return self.subscript(c, kids)
        if kind == K.CALL_EXPR:
            return self.call(c, kids, loc)
        if kind == K.MEMBER_REF_EXPR:
            raise self.unsupported(c, f"the member {c.spelling}")
        raise self.unsupported(c, f"the expression {' '.join(t.spelling for t in c.get_tokens())!r}")

    def convert(self, c: Any, builtin: ops.Builtin, inner: Any, loc: Loc) -> L.Expr:
        """An int <-> float conversion: `(float)i`, `static_cast<int>(x)`, and the implicit ones
        of mixed arithmetic (`sum / n`) and of libm calls on ints. An implicit conversion of a
        literal stays the literal (the lifter and the interpreter convert it)."""
        value = self.expr(inner)
        if isinstance(value, L.Const) and not isinstance(value.value, bool):
            if c.kind == _clang().CursorKind.UNEXPOSED_EXPR:
                return value
            return L.Const(builtin.evaluate(value.value), loc)
        return L.Call(builtin.name, (value,), loc)

    def literal(self, c: Any, loc: Loc) -> L.Const:
        """A literal's value as clang evaluates it: one from a macro (`INT_MAX`, `-FLT_MAX`, a
        `#define` of the file) has no tokens of its own."""
        K = _clang().CursorKind
        type_kind = c.type.get_canonical().kind.name
        if type_kind in _UNSIGNED_KINDS:
            raise self.unsupported(c, "unsigned literals")
        if c.kind == K.FLOATING_LITERAL:
            value: int | float | None = float_literal(c, single=type_kind == "FLOAT")
        else:
            value = evaluate(c)
        if value is None:
            raise self.unsupported(c, "a literal clang cannot evaluate")
        if c.kind == K.CXX_BOOL_LITERAL_EXPR or type_kind == "BOOL":
            return L.Const(bool(value), loc)
        return L.Const(float(value) if c.kind == K.FLOATING_LITERAL else int(value), loc)

    def call(self, c: Any, kids: list[Any], loc: Loc) -> L.Expr:
        ci = _clang()
        K = ci.CursorKind
        name = c.spelling
        if name == "operator[]" and len(kids) == 3:
            return L.Index(self.expr(kids[0]), self.expr(kids[2]), loc)
        if name == ops.LEN.cpp and kids and kids[0].kind == K.MEMBER_REF_EXPR:
            obj = [self.strip(k) for k in kids[0].get_children()]
            return L.Len(self.expr(obj[0]), loc)
        if name in ("push_back", "emplace_back"):
            raise self.unsupported(c, f"{name} inside an expression")
        args = kids[1:]
        callee = kids[0] if kids else None
        if callee is not None and callee.kind == K.DECL_REF_EXPR and name in _FUNCTIONS:
            values = [self.expr(a) for a in args]
            if len(values) == _FUNCTIONS[name].arity:
                return L.Call(_FUNCTIONS[name].name, tuple(values), loc)
        if name in self.signatures and callee is not None and callee.kind == K.DECL_REF_EXPR:
            return L.Call(name, self.call_arguments(self.signatures[name], args), loc)
        if name == "vector" and len(kids) == 1:
            return self.expr(kids[0])  # a copy
        if name == "vector":
            raise self.unsupported(c, "constructing a vector inside an expression")
        return self.special_call(c, name, args, loc)


@dataclass(frozen=True)
class CppFrontend(ClangOptions):
    """Reads C++ with libclang (pip `libclang`), using the system's C++ headers; `configure`
    takes `-I`, `-D` and `-std` (`c_family.ClangOptions`). `.h` headers are the `c` frontend's."""

    name: ClassVar[str] = "cpp"
    description: ClassVar[str] = "C++ functions over std::vector and int (libclang)"
    extensions: ClassVar[tuple[str, ...]] = (".cc", ".cpp", ".cxx", ".c++", ".C", ".hpp", ".hh")

    def parse(self, path: str, text: str) -> L.Module:
        tu, tu_text, header = self.translation_unit(path, text)
        language = language_of(tu) if header else "c++"
        return parse_cpp(tu, tu_text, self.flags(language), language, functions_of=header)


@hookimpl
def tensflo_register_frontends() -> list[object]:
    return [CppFrontend()]
