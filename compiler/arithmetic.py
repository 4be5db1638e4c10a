"""The arithmetic of a result: `integer` when every value the function computes is an int or a
bool (proofs are exact), `real` when a float appears anywhere (proofs treat floats as real numbers;
rounding and summation order may differ from the source, and so may the C compiler)."""

from __future__ import annotations

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops as loop_ops
from tensflo.ir.tensir import Lambda, Term, subterms

ARITHMETICS = ("integer", "real")


def arithmetic(module: L.Module, fn: L.Function, program: Term | None = None) -> str:
    """`real` if `fn`, a helper it calls, or the lifted `program` has a float anywhere."""
    floats = _source_floats(module, fn, set())
    if program is not None:
        floats = floats or any(
            any(p.type.elem == "float" for p in t.params) if isinstance(t, Lambda)
            else t.type.elem == "float" for t in subterms(program))
    return "real" if floats else "integer"


def _source_floats(module: L.Module, fn: L.Function, seen: set[str]) -> bool:
    seen.add(fn.name)
    if any(p.type.elem == "float" for p in fn.params) or (fn.result is not None and fn.result.elem == "float"):
        return True
    for s in L.walk_stmts(fn.body):
        if isinstance(s, L.Decl) and s.type.elem == "float":
            return True
        for top in L.stmt_exprs(s):
            for e in L.sub_exprs(top):
                if isinstance(e, L.Const) and isinstance(e.value, float):
                    return True
                if isinstance(e, L.NewVec) and e.type.elem == "float":
                    return True
                if isinstance(e, L.Call) and e.func not in seen:
                    helper = module.function(e.func)
                    if helper is not None and _source_floats(module, helper, seen):
                        return True
                    builtin = loop_ops.CALLS.get(e.func)
                    if builtin is not None and builtin.result is not None \
                            and builtin.result.elem == "float":
                        return True
    return False
