"""The built-in TensIR ops, each declared once, by family (imported in the order docs/ops.md lists
them): scalar ops and `ite` (`scalar`), indexing and slicing (`structural`), reductions and products
(`linalg`), maps and selections (`maps`), then the elementwise and broadcast forms of `+ - * /`
(`families`), derived from the scalar kernels, then libm and the int <-> float conversions
(`math`).

Integer semantics: `div` truncates toward zero and `mod` takes the sign of the dividend (C/C++);
`x / 0 == 0` and `x % 0 == x`, for ints and floats alike. Proofs treat `int` as mathematical integers
and `float` as reals (overflow and rounding are not modelled; see docs/semantics.md).
"""

from __future__ import annotations

from . import families, math, search
from .classify import CLASSIFY_OPS
from .families import BROADCAST, ELEMWISE
from .iota import IOTA
from .linalg import (
    MATMUL,
    MATRIX_ROW_SUM,
    MATRIX_VEC_MUL,
    MAX,
    OUTER,
    PROD,
    REDUCE_MAX,
    REDUCE_MUL,
    REDUCE_SUM,
    SUM,
)
from .maps import MAPPERS, MATRIX_MAP, MATRIX_SELECTION_TWO_ARGS, SELECTION_TWO_ARGS, VEC_MAP, beta
from .math import MATH_OPS
from .recurrence import LINEAR_RECURRENCE, RECURRENCE_OPS
from .reshape import RESHAPE_ROWS
from .rules import DTYPES, NUMERIC, RANK_PREFIX, as_value
from .scalar import ITE, KERNELS, SCALAR_OPS, Kernel
from .scan import SCAN_MAX, SCAN_OPS, SCAN_SUM
from .search import SEARCH_OPS
from .strided import STRIDE
from .structural import APPEND, COL_SLICE, INDEX, LEN, SLICE, TAIL, TAKE, TRANSPOSE
from .updates import FLATTEN_ROWS, FULL, STRIDE_UPDATE

families.declare()
math.declare()
search.declare()

__all__ = [
    "SEARCH_OPS",
    "IOTA",
    "SCAN_MAX", "SCAN_OPS", "SCAN_SUM",
    "LINEAR_RECURRENCE", "RECURRENCE_OPS",
    "APPEND", "BROADCAST", "CLASSIFY_OPS", "COL_SLICE", "DTYPES", "ELEMWISE", "INDEX", "ITE", "KERNELS", "Kernel",
    "LEN", "MAPPERS", "MATH_OPS", "MATMUL", "MATRIX_MAP", "MATRIX_ROW_SUM", "MATRIX_SELECTION_TWO_ARGS",
    "MATRIX_VEC_MUL", "MAX", "NUMERIC", "OUTER", "PROD", "RANK_PREFIX", "REDUCE_MAX", "REDUCE_MUL",
    "REDUCE_SUM", "RESHAPE_ROWS", "SCALAR_OPS", "SELECTION_TWO_ARGS", "SLICE", "STRIDE", "SUM", "TAIL", "TAKE",
    "TRANSPOSE", "FLATTEN_ROWS", "FULL", "STRIDE_UPDATE",
    "VEC_MAP", "as_value", "beta",
]
