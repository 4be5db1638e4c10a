"""Loop IR: the imperative functions that frontends produce from C++ and Python source."""

from .interp import Interpreter, StepLimit, Undefined, run
from .nodes import Function, Loc, LoopIRError, Module, Rejected

__all__ = [
    "Interpreter", "StepLimit", "Undefined", "run", "Function", "Loc", "LoopIRError", "Module",
    "Rejected",
]
