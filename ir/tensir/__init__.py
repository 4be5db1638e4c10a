"""TensIR: a small typed tensor IR with an op table as the single source of truth.

Importing this package registers the built-in ops (`tensflo.ir.tensir.ops`).
"""

from . import ops as _builtin_ops  # noqa: F401  (registers the built-in ops)
from .evaluate import evaluate
from .opdef import OPS, DomainError, OpDef, OpTable
from .parser import Function, TensIRSyntaxError, parse, parse_module
from .printer import print_term
from .terms import App, Lambda, Lit, Term, Var, free_vars, lit, size, substitute, subterms
from .types import (
    BOOL,
    FLOAT,
    INT,
    FnType,
    TensIRTypeError,
    TensorType,
    mat,
    parse_type,
    tensor3d,
    vec,
)

__all__ = [
    "OPS", "OpDef", "OpTable", "DomainError", "Function", "TensIRSyntaxError", "TensIRTypeError",
    "parse", "parse_module", "print_term", "evaluate", "App", "Lambda", "Lit", "Term", "Var",
    "free_vars", "lit", "size", "subterms", "substitute", "TensorType", "FnType", "INT", "FLOAT",
    "BOOL", "vec", "mat", "tensor3d", "parse_type",
]
