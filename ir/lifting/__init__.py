"""Lifting analyses over loop IR: symbolic execution into TensIR, loop-shape rules, verification
conditions, candidate checking and random inputs inside a function's domain.

The names below are the package's API, for the driver and for synthesizers; the modules behind
them (`executor`, `loop_rules`, `vectorize`, `conditions`, ...) are its implementation.
"""

from .candidates import (
    abstract_reads,
    candidate_proofs,
    check_candidate,
    entry_guards,
    iteration_updates,
    lift_function,
    loop_bounds,
)
from .float_inputs import FLOAT_KINDS
from .guards import entry_function
from .inputs import Case, case_in_domain, draw_cases, first_mismatch, float_kinds, holds, same
from .results import LiftResult, NotLiftable, Obligation
from .template import replace_bound

__all__ = [
    "LiftResult", "NotLiftable", "Obligation",
    "lift_function", "check_candidate", "candidate_proofs", "replace_bound",
    "entry_guards", "entry_function",
    "iteration_updates", "loop_bounds", "abstract_reads",
    "Case", "draw_cases", "case_in_domain", "first_mismatch", "holds", "same",
    "FLOAT_KINDS", "float_kinds",
]
