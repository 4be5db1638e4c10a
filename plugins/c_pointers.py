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

A local pointer declared with its value into a pointer parameter (`const float *row = a + r *
cols;`, `float *o = &out[k];`, also into another such local), or declared without one and given
one by an assignment earlier in the block that uses it or in an enclosing block, is read as a
view of that parameter: its declaration becomes an int local holding the offset (taken when
the declaration runs, as C takes the pointer's value), and `row[c]` / `*row` read `a[offset + c]`.
Moving such a pointer or a pointer parameter by an int (`p++`, `--p`, `p += k`, `p = p + k`, as
a statement) assigns its offset (a parameter stepped anywhere in the body starts at offset 0),
so a pointer walked beside the counter is a second induction variable; `*p++` and `*++p` read
the element and move the pointer after or before the statement (`c_exprs`' effects, with their
checks of C's order). A local pointer used before it has a value, pointed into another array,
moved inside another expression (`*(p + 1)`, `f(p++)`), compared or passed to a helper, is
refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError
from tensflo.ir.tensir.types import TensorType
from tensflo.plugins.c_exprs import Effect
from tensflo.plugins.clang_eval import operator

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
    views: dict[str, tuple[str, str]]
    """The local pointers in scope into a pointer parameter: name -> (parameter, the int local
    holding the offset)."""
    types: dict[str, TensorType]
    effects: list[Effect] | None

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

    def pointer_local(self, d: Any) -> L.Decl:
        """`T *p = q + k;` (q a pointer parameter or a view, also `&q[k]`, `q - k`): the view of
        `q` at offset `k`, declared as an int local holding that offset."""
        K = type(d.kind)
        inits = [k for k in d.get_children() if k.kind != K.TYPE_REF]
        loc = self.loc(d)
        if d.spelling in self.types or d.spelling in self.views or d.spelling in self.pointers:
            raise self.unsupported(d, f"redeclaring {d.spelling} (shadowing)")
        param, offset = self.pointer_offset(inits[-1], d.spelling) if inits else ("", None)
        name = f"{d.spelling}_offset"
        while name in self.types or name in self.views or name in self.pointers:
            name += "_"
        self.types[name] = TensorType("int", 0)
        self.views[d.spelling] = (param, name)  # "": declared without a value, not yet pointing
        return L.Decl(name, TensorType("int", 0), offset, loc)

    def stepped_parameters(self, body: Any) -> list[L.Stmt]:
        """Pointer parameters the body steps (`x++`, `x += k`, `x = x + k`) become views of
        themselves at an offset from 0, declared first."""
        K = type(body.kind)
        stepped: list[str] = []
        for c in body.walk_preorder():
            if c.kind not in (K.UNARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.BINARY_OPERATOR):
                continue
            kids = [self.strip(k) for k in c.get_children()]
            if not kids or kids[0].kind != K.DECL_REF_EXPR or kids[0].spelling not in self.pointers:
                continue
            if operator(c) in ("++", "--", "+=", "-=", "=") and kids[0].spelling not in stepped:
                stepped.append(kids[0].spelling)
        out: list[L.Stmt] = []
        for p in stepped:
            name = f"{p}_offset"
            while name in self.types or name in self.pointers:
                name += "_"
            self.types[name] = TensorType("int", 0)
            self.views[p] = (p, name)
            out.append(L.Decl(name, TensorType("int", 0), L.Const(0, self.loc(body)), self.loc(body)))
        return out

    def pointer_step(self, c: Any, kids: list[Any]) -> list[L.Stmt] | None:
        """A statement moving a view (`p++`, `--p`, `p += k`, `p -= k`, `p = q + k` with `q` into
        the same array) as an assignment of its offset; None for any other statement."""
        K = type(c.kind)
        if c.kind not in (K.UNARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.BINARY_OPERATOR) \
                or not kids or kids[0].kind != K.DECL_REF_EXPR or kids[0].spelling not in self.views:
            return None
        loc = self.loc(c)
        op = operator(c)
        param, at = self.views[kids[0].spelling]
        offset = L.Name(at, loc)
        if op == "=" and not param and len(kids) == 2:
            # the first value of a pointer declared without one: it points into that array from
            # here to the end of the block (a read after the block is refused)
            target, value = self.pointer_offset(kids[1], kids[0].spelling)
            self.views[kids[0].spelling] = (target, at)
            return [L.Assign(offset, value, loc)]
        if not param:
            raise self.not_pointing(kids[0])
        if op in ("++", "--"):
            return [L.Assign(offset, L.Binary(op[0], offset, L.Const(1, loc), loc), loc)]
        if op in ("+=", "-=") and len(kids) == 2 and not is_pointer(kids[1].type):
            return [L.Assign(offset, L.Binary(op[0], offset, self.expr(kids[1]), loc), loc)]
        if op == "=" and len(kids) == 2:
            target, value = self.pointer_offset(kids[1], kids[0].spelling)
            if target != param:
                raise self.unsupported(c, f"pointing {kids[0].spelling} into {target} (it points "
                                          f"into {param})")
            return [L.Assign(offset, value, loc)]
        return None

    def pointer_offset(self, c: Any, local: str) -> tuple[str, L.Expr]:
        """The pointer parameter `c` points into and the offset from its start."""
        c = self.strip(c)
        K = type(c.kind)
        loc = self.loc(c)
        kids = [self.strip(k) for k in c.get_children()]
        if c.kind == K.DECL_REF_EXPR and c.spelling in self.pointers:
            return c.spelling, L.Const(0, loc)
        if c.kind == K.DECL_REF_EXPR and c.spelling in self.views:
            param, local_offset = self.views[c.spelling]
            if not param:
                raise self.not_pointing(c)
            return param, L.Name(local_offset, loc)
        if c.kind == K.BINARY_OPERATOR and len(kids) == 2:
            op = _operator(c, kids)
            left, right = (is_pointer(k.type) for k in kids)
            if op in ("+", "-") and left and not right:
                param, at = self.pointer_offset(kids[0], local)
                return param, L.Binary(op, at, self.expr(kids[1]), loc)
            if op == "+" and right and not left:
                param, at = self.pointer_offset(kids[1], local)
                return param, L.Binary("+", at, self.expr(kids[0]), loc)
        if c.kind == K.UNARY_OPERATOR and len(kids) == 1 and _prefix(c) == "&" \
                and kids[0].kind == K.ARRAY_SUBSCRIPT_EXPR:
            base, index = (self.strip(k) for k in kids[0].get_children())
            param, at = self.pointer_offset(base, local)
            return param, L.Binary("+", at, self.expr(index), loc)
        raise self.unsupported(c, f"the local pointer {local} = {_text(c)!r} (only a pointer "
                                  "parameter plus or minus an int is read)")

    def not_pointing(self, c: Any) -> LoopIRError:
        return self.unsupported(c, f"the local pointer {c.spelling} used where it has no value "
                                   "from an assignment earlier in its block or an enclosing one")

    def pointer_name(self, c: Any, use: str) -> L.Name:
        """The pointer parameter that `c` names, for `use` (`p[i]`, `*p`); anything else that
        has a pointer type is refused, naming the construct."""
        base = self.strip(c)
        K = type(base.kind)
        if base.kind == K.DECL_REF_EXPR and base.spelling in self.pointers:
            return L.Name(base.spelling, self.loc(base))
        if base.kind == K.DECL_REF_EXPR and base.spelling in self.views:
            raise self.unsupported(base, f"{use} of the local pointer {base.spelling} (only "
                                         f"`{base.spelling}[i]` and `*{base.spelling}` are read)")
        if base.kind == K.DECL_REF_EXPR or not is_pointer(base.type):
            raise self.unsupported(base, f"{use} of {_text(base)!r}, which is not a pointer "
                                         "parameter (local arrays and pointers are not read)")
        raise self.unsupported(base, f"pointer arithmetic ({use} of {_text(base)!r})")

    def subscript(self, c: Any, kids: list[Any]) -> L.Index:
        """`p[i]` of a pointer parameter, `a[offset + i]` of a view into `a`."""
        base, index = kids
        view = self.view(base)
        if view is not None:
            loc = self.loc(c)
            return L.Index(view[0], L.Binary("+", view[1], self.expr(index), loc), loc)
        return L.Index(self.pointer_name(base, "indexing"), self.expr(index), self.loc(c))

    def dereference(self, c: Any, operand: Any) -> L.Index:
        """`*p`: `p[0]`; `*p++`, `*++p` (also `--`) of a view read it at its offset and move it
        after or before the statement, as C does."""
        moved = self.strip(operand)
        if moved.kind == type(moved.kind).UNARY_OPERATOR and operator(moved) in ("++", "--"):
            inner = list(moved.get_children())
            view = self.view(inner[0]) if len(inner) == 1 else None
            if view is not None and self.effects is not None:
                loc = self.loc(moved)
                prefix = [t.spelling for t in moved.get_tokens()][:1] == [operator(moved)]
                step = L.Assign(view[1], L.Binary(operator(moved)[0], view[1], L.Const(1, loc),
                                                  loc), loc)
                name = self.strip(inner[0]).spelling
                self.effects.append(Effect(step, not prefix, name, moved))
                return L.Index(view[0], view[1], self.loc(c))
        view = self.view(operand)
        if view is not None:
            return L.Index(view[0], view[1], self.loc(c))
        return L.Index(self.pointer_name(operand, "`*`"), L.Const(0, self.loc(c)), self.loc(c))

    def view(self, c: Any) -> tuple[L.Name, L.Name] | None:
        """The parameter and the offset local of the view `c` names (None if `c` is no view)."""
        base = self.strip(c)
        if base.kind != type(base.kind).DECL_REF_EXPR or base.spelling not in self.views:
            return None
        param, at = self.views[base.spelling]
        if not param:
            raise self.not_pointing(base)
        loc = self.loc(base)
        return L.Name(param, loc), L.Name(at, loc)

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


def _operator(c: Any, kids: list[Any]) -> str:
    """The operator of a binary expression: its first token after the left operand's."""
    skip = len(list(kids[0].get_tokens()))
    tokens = [t.spelling for t in c.get_tokens()]
    return tokens[skip] if len(tokens) > skip else ""


def _prefix(c: Any) -> str:
    tokens = [t.spelling for t in c.get_tokens()]
    return tokens[0] if tokens else ""


def _text(c: Any) -> str:
    return " ".join(t.spelling for t in c.get_tokens()) or c.spelling
