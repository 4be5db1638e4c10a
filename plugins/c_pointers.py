"""C pointer and array parameters as the libclang reader reads them into loop IR.

A parameter `T *p`, `const T *p`, `T *restrict p`, `T p[]` or `T p[N]` (T an int-like or
float-like scalar) is read as `vec[T]` with `L.Param.pointer` set: `p[i]` is an element, `*p` is
`p[0]`. What the vector model cannot express is refused, naming it: pointer arithmetic (`p + k`,
`p++`, `p += k`), comparing or assigning pointers, taking an address (`&x`), a pointer used as a
value (`if (p)`), a pointer to pointers, and passing a pointer to a helper that may write through
it (helpers take vectors by value in loop IR, so the caller would not see the writes).

Pointer parameters are only read as vectors: C cannot observe their length, so the driver decides
the extent of a written one (`ir.loop.outputs`) and states the lengths and the non-overlap of the
arrays as preconditions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import TensorType

POINTER_KINDS = ("POINTER", "INCOMPLETEARRAY", "CONSTANTARRAY", "VARIABLEARRAY", "DECAYEDPOINTER")
"""libclang type kinds of a pointer parameter (array parameters are pointers in C)."""


def pointee(t: Any) -> Any | None:
    """The element type of a pointer or array type (None for any other type)."""
    t = t.get_canonical()
    kind = t.kind.name
    if kind not in POINTER_KINDS:
        return None
    return t.get_pointee() if kind in ("POINTER", "DECAYEDPOINTER") else t.element_type


def is_pointer(t: Any) -> bool:
    return pointee(t) is not None


class PointerReader:
    """Pointer parameters, subscripts and dereferences (mixed into the C/C++ reader)."""

    pointers: dict[str, bool]
    """The pointer parameters of the function being read, each with whether its elements are
    `const` (read-only)."""

    if TYPE_CHECKING:
        def loc(self, c: Any) -> Loc: ...
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def strip(self, c: Any) -> Any: ...
        def expr(self, c: Any) -> L.Expr: ...
        def scalar_type(self, t: Any, loc: Loc, what: str) -> TensorType: ...

    def pointer_param(self, p: Any) -> TensorType | None:
        """`vec[T]` for a pointer or array parameter (recorded in `pointers`), None for another
        parameter; a pointer to something other than an int-like or float-like scalar is refused."""
        inner = pointee(p.type)
        if inner is None:
            return None
        loc = self.loc(p)
        what = f"the pointer parameter {p.spelling} ({p.type.spelling})"
        if is_pointer(inner):
            raise LoopIRError(loc, f"unsupported: {what}: a pointer to pointers or to arrays "
                                   "(only pointers to int-like or float-like scalars)")
        elem = self.scalar_type(inner, loc, what)
        if elem.rank or elem.elem == "bool":
            raise LoopIRError(loc, f"unsupported: {what}: only pointers to int-like or "
                                   "float-like scalars")
        self.pointers[p.spelling] = inner.is_const_qualified()
        return TensorType(elem.elem, 1)

    def pointer_name(self, c: Any, use: str) -> L.Name:
        """The pointer parameter that `c` names, for `use` (`p[i]`, `*p`); anything else that
        has a pointer type is refused, naming the construct."""
        base = self.strip(c)
        K = type(base.kind)
        if base.kind == K.DECL_REF_EXPR and base.spelling in self.pointers:
            return L.Name(base.spelling, self.loc(base))
        if base.kind == K.DECL_REF_EXPR or not is_pointer(base.type):
            raise self.unsupported(base, f"{use} of {_text(base)!r}, which is not a pointer "
                                         "parameter (local arrays and pointers are not read)")
        raise self.unsupported(base, f"pointer arithmetic ({use} of {_text(base)!r})")

    def subscript(self, c: Any, kids: list[Any]) -> L.Index:
        """`p[i]` of a pointer parameter."""
        base, index = kids
        return L.Index(self.pointer_name(base, "indexing"), self.expr(index), self.loc(c))

    def dereference(self, c: Any, operand: Any) -> L.Index:
        """`*p`: `p[0]`."""
        return L.Index(self.pointer_name(operand, "`*`"), L.Const(0, self.loc(c)), self.loc(c))

    def refuse_pointer_operands(self, c: Any, operands: list[Any], op: str) -> None:
        """Refuse an operator applied to a pointer (`p + k`, `p < q`, `p = q`, `p++`)."""
        if not any(is_pointer(k.type) for k in operands):
            return
        what = "pointer comparison" if op in ("<", "<=", ">", ">=", "==", "!=") else \
            "assigning a pointer" if op == "=" else "pointer arithmetic"
        raise self.unsupported(c, f"{what} ({_text(c)!r})")

    def pointer_value(self, c: Any) -> LoopIRError:
        """The error for a pointer used as a value (`if (p)`, `q = p`, `return p`)."""
        return self.unsupported(c, f"the pointer {c.spelling} used as a value (only `{c.spelling}"
                                   f"[i]` and `*{c.spelling}` are read)")

    def call_arguments(self, callee: Any, args: list[Any]) -> tuple[L.Expr, ...]:
        """The arguments of a call of a helper of the file: a pointer parameter of the helper
        takes a pointer parameter of the caller, and only when its elements are `const` (a
        helper that may write through it is refused: loop IR passes vectors by value)."""
        params = list(callee.get_arguments())
        out: list[L.Expr] = []
        for i, arg in enumerate(args):
            inner = pointee(params[i].type) if i < len(params) else None
            if inner is None:
                out.append(self.expr(arg))
                continue
            if not inner.is_const_qualified():
                raise self.unsupported(arg, f"passing {_text(arg)!r} to {callee.spelling}, which "
                                            "may write through it (its parameter "
                                            f"{params[i].spelling} is not `const`)")
            out.append(self.pointer_name(arg, "passing"))
        return tuple(out)


def _text(c: Any) -> str:
    return " ".join(t.spelling for t in c.get_tokens()) or c.spelling
