"""libclang calls its Python bindings lack: the values of constant expressions (through
`clang_Cursor_Evaluate`) and the spelling of an operator cursor's operator.

A literal's tokens do not always hold its value: a literal from a compiler built-in macro
(`FLT_MAX`, `INT_MAX` expand to `__FLT_MAX__`, `__INT_MAX__`) has no tokens at all, and one from
a macro of the file has the tokens of the macro's definition. Clang's own evaluation of the cursor
gives the value in every case.
"""

from __future__ import annotations

import ctypes
import functools
import struct
from typing import Any

_CXEVAL_INT = 1
_CXEVAL_FLOAT = 2


@functools.cache
def _lib() -> Any:
    import clang.cindex as ci

    lib = ci.conf.lib
    lib.clang_Cursor_Evaluate.argtypes = [ci.Cursor]
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    for name, restype in (("getKind", ctypes.c_int), ("isUnsignedInt", ctypes.c_uint),
                          ("getAsLongLong", ctypes.c_longlong),
                          ("getAsUnsigned", ctypes.c_ulonglong), ("getAsDouble", ctypes.c_double)):
        f = getattr(lib, f"clang_EvalResult_{name}")
        f.argtypes = [ctypes.c_void_p]
        f.restype = restype
    lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_dispose.restype = None
    for which in ("Binary", "Unary"):
        kind = getattr(lib, f"clang_getCursor{which}OperatorKind")
        kind.argtypes = [ci.Cursor]
        kind.restype = ctypes.c_int
        spelling = getattr(lib, f"clang_get{which}OperatorKindSpelling")
        spelling.argtypes = [ctypes.c_int]
        spelling.restype = ci._CXString
    return lib


def operator(cursor: Any) -> str:
    """The operator of a binary or unary operator cursor (`+`, `<=`, `+=`, `++`; `` for other
    cursors)."""
    import clang.cindex as ci

    lib = _lib()
    which = "Unary" if cursor.kind == ci.CursorKind.UNARY_OPERATOR else "Binary"
    kind = getattr(lib, f"clang_getCursor{which}OperatorKind")(cursor)
    return str(ci._CXString.from_result(getattr(lib, f"clang_get{which}OperatorKindSpelling")(kind)))


def unary_kind(cursor: Any) -> int:
    """libclang's `CXUnaryOperatorKind` of a unary operator cursor (1 and 2: postfix `++`/`--`,
    3 and 4: prefix)."""
    return int(_lib().clang_getCursorUnaryOperatorKind(cursor))


def evaluate(cursor: Any) -> int | float | None:
    """The value clang computes for a constant expression; None when it is not one."""
    lib = _lib()
    res = lib.clang_Cursor_Evaluate(cursor)
    if not res:
        return None
    try:
        kind = lib.clang_EvalResult_getKind(res)
        if kind == _CXEVAL_INT:
            if lib.clang_EvalResult_isUnsignedInt(res):
                return int(lib.clang_EvalResult_getAsUnsigned(res))
            return int(lib.clang_EvalResult_getAsLongLong(res))
        if kind == _CXEVAL_FLOAT:
            return float(lib.clang_EvalResult_getAsDouble(res))
        return None
    finally:
        lib.clang_EvalResult_dispose(res)


def float_literal(cursor: Any, single: bool) -> float | None:
    """A floating literal's value: its decimal as written when that is this literal's (so `0.1f`
    stays 0.1, as the source says), else clang's value (a macro, a hexadecimal literal); None when
    clang cannot evaluate it. `single`: the literal is a `float` (rounded to 32 bits)."""
    value = evaluate(cursor)
    if value is None:
        return None
    tok = next(iter(cursor.get_tokens()), None)
    try:
        written = float(tok.spelling.rstrip("fFlL")) if tok is not None else None
    except ValueError:
        written = None
    if written is not None:
        try:
            rounded = struct.unpack("f", struct.pack("f", written))[0] if single else written
        except OverflowError:  # beyond the range of a float: not this literal's decimal
            rounded = None
        if rounded == value:
            return written
    return float(value)
