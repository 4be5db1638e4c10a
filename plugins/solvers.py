"""Built-in verifier plugins: z3 and cvc5, both fed SMT-LIB2 text from the TensIR encoder.

Solver modules are imported when a check runs, so loading the plugins costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .components import CheckResult
from .hookspecs import hookimpl


@dataclass(frozen=True)
class Z3Verifier:
    """z3 (pip `z3-solver`): vectors as `(Array Int Int)`, lambdas as arrays."""

    name: ClassVar[str] = "z3"
    description: ClassVar[str] = "z3 SMT solver (arrays + lambdas + recursive functions)"
    dialect: ClassVar[str] = "z3"

    def check(self, script: str, timeout: float = 10.0) -> CheckResult:
        import z3

        start = time.perf_counter()
        ctx = z3.Context()  # recursive definitions are per context: one context per script
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.from_string(script)
        answer = solver.check()
        seconds = time.perf_counter() - start
        if answer == z3.unsat:
            return CheckResult("unsat", seconds, self.name)
        if answer == z3.sat:
            return CheckResult("sat", seconds, self.name)
        reason = solver.reason_unknown()
        status = "timeout" if "timeout" in reason or "canceled" in reason else "unknown"
        return CheckResult(status, seconds, self.name, reason)

    def model(self, script: str, variables: Sequence[tuple[str, int]], timeout: float = 10.0,
              max_len: int = 16) -> dict[str, Any] | None:
        """Values of the named variables in a model of `script` (None when there is none).

        `variables` are (SMT name, rank): a scalar is an int, a vector a list of its first
        `<name>_len0` entries, a matrix a list of rows; None also when a length exceeds `max_len`.
        """
        import z3

        ctx = z3.Context()
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.from_string(script)
        if solver.check() != z3.sat:
            return None
        m = solver.model()
        ints = z3.IntSort(ctx)

        def num(e: Any) -> int:
            return m.eval(e, model_completion=True).as_long()

        out: dict[str, Any] = {}
        for name, rank in variables:
            if rank == 0:
                out[name] = num(z3.Int(name, ctx))
                continue
            dims = [num(z3.Int(f"{name}_len{d}", ctx)) for d in range(rank)]
            if any(d < 0 or d > max_len for d in dims):
                return None
            arr = z3.Const(name, z3.ArraySort(*([ints] * rank), ints))
            if rank == 1:
                out[name] = [num(z3.Select(arr, z3.IntVal(k, ctx))) for k in range(dims[0])]
            else:
                out[name] = [[num(z3.Select(arr, z3.IntVal(r, ctx), z3.IntVal(c, ctx)))
                              for c in range(dims[1])] for r in range(dims[0])]
        return out


@dataclass(frozen=True)
class Cvc5Verifier:
    """cvc5 (pip `cvc5`): vectors as functions `(-> Int Int)`, logic HO_ALL."""

    name: ClassVar[str] = "cvc5"
    description: ClassVar[str] = "cvc5 SMT solver (higher-order logic HO_ALL)"
    dialect: ClassVar[str] = "cvc5"

    def available(self) -> tuple[bool, str]:
        """Whether the cvc5 package is installed (found without importing it)."""
        import importlib.util

        if importlib.util.find_spec("cvc5") is None:
            return False, "cvc5 is not installed: pip install 'tensflo[cvc5]'"
        return True, ""

    def check(self, script: str, timeout: float = 10.0) -> CheckResult:
        import cvc5

        start = time.perf_counter()
        solver = cvc5.Solver()
        solver.setOption("tlimit-per", str(max(1, int(timeout * 1000))))
        symbols = cvc5.SymbolManager(solver)
        parser = cvc5.InputParser(solver, symbols)
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, script, "tensflo")
        while True:
            command = parser.nextCommand()
            if command.isNull():
                break
            command.invoke(solver, symbols)
        answer = solver.checkSat()
        seconds = time.perf_counter() - start
        if answer.isUnsat():
            return CheckResult("unsat", seconds, self.name)
        if answer.isSat():
            return CheckResult("sat", seconds, self.name)
        reason = str(answer.getUnknownExplanation())
        status = "timeout" if "TIMEOUT" in reason else "unknown"
        return CheckResult(status, seconds, self.name, reason)


@hookimpl
def tensflo_register_verifiers() -> list:
    return [Z3Verifier(), Cvc5Verifier()]
