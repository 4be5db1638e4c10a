"""`continue` in the body of a C `for` or `while` loop, read as the branches it makes.

The loop IR has no `continue`. A `continue` ends the body's run, so where it is taken the rest of
the body is skipped: `if (c) { A; continue; } R` is `if (c) { A } else { R }`. In general each
`if` holding a `continue` (not inside a loop nested in the body, whose own `continue` it is) gets
the statements after it appended to both its branches, which are read the same way; statements
after a `continue`, `break` or `return` in one list are never run and are dropped. For a `for`
loop this is exact because the increment is not part of the body (it runs after the rewritten
body on every path, as C runs it after a `continue`).

Refused, naming the `continue`: a `while` loop whose test reads a variable that a skipped
statement assigns (a `continue` there skips the step that the test depends on, e.g. the counter's
increment at the end of the body), a branch declaring a name the skipped statements use, and a
`continue` outside a `for` or `while` loop (in a `do ... while` or `switch`, which are refused as
a whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc, LoopIRError


@dataclass(frozen=True, slots=True)
class Continue(L.Break):
    """A `continue` while its loop's body is read (`without_continue` removes every one before
    the loop is built)."""


def _continues(stmts: tuple[L.Stmt, ...]) -> Continue | None:
    """The first `continue` of `stmts` outside nested loops."""
    for s in stmts:
        if isinstance(s, Continue):
            return s
        if isinstance(s, L.If):
            found = _continues(s.then) or _continues(s.orelse)
            if found is not None:
                return found
    return None


def _used(stmts: tuple[L.Stmt, ...]) -> set[str]:
    """Every name read, assigned or declared in `stmts`."""
    names = {x.id for s in L.walk_stmts(stmts) for e in L.stmt_exprs(s) for x in L.sub_exprs(e)
             if isinstance(x, L.Name)}
    return names | set(L.assigned_vars(stmts)) | {
        s.name for s in L.walk_stmts(stmts) if isinstance(s, L.Decl)}


def _declared(stmts: tuple[L.Stmt, ...]) -> set[str]:
    return {s.name for s in L.walk_stmts(stmts) if isinstance(s, L.Decl)}


@dataclass
class _Rewrite:
    skipped: set[str]
    """Variables assigned by statements that a `continue` may skip."""
    collision: tuple[Continue, str] | None = None

    def body(self, stmts: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
        out: list[L.Stmt] = []
        for i, s in enumerate(stmts):
            if isinstance(s, Continue):
                return tuple(out)
            if isinstance(s, L.Break | L.Return):
                return (*out, s)
            found = _continues((s,)) if isinstance(s, L.If) else None
            if isinstance(s, L.If) and found is not None:
                rest = stmts[i + 1:]
                self.skipped |= set(L.assigned_vars(rest))
                clash = (_declared(s.then) | _declared(s.orelse)) & _used(rest)
                if clash and self.collision is None:
                    self.collision = found, sorted(clash)[0]
                return (*out, L.If(s.cond, self.body(s.then + rest), self.body(s.orelse + rest),
                                   s.loc))
            out.append(s)
        return tuple(out)


class ContinueReader:
    """`continue` statements of loop bodies (mixed into the reader)."""

    continuable: int = 0
    """How many `for` or `while` loops enclose the statement being read."""

    if TYPE_CHECKING:
        def unsupported(self, c: Any, what: str) -> LoopIRError: ...
        def expr(self, c: Any) -> L.Expr: ...
        def block(self, c: Any) -> list[L.Stmt]: ...

    def continue_(self, c: Any, loc: Loc) -> list[L.Stmt]:
        if not self.continuable:
            raise self.unsupported(c, "`continue` outside a `for` or `while` loop")
        return [Continue(loc)]

    def body_without_continue(self, body: Any, test: L.Expr | None = None) -> list[L.Stmt]:
        """A loop body read with its `continue`s as branches; `test`: a `while` loop's test."""
        self.continuable += 1
        try:
            stmts = tuple(self.block(body))
        finally:
            self.continuable -= 1
        first = _continues(stmts)
        if first is None:
            return list(stmts)
        rewrite = _Rewrite(set())
        out = rewrite.body(stmts)
        if rewrite.collision is not None:
            at, name = rewrite.collision
            raise LoopIRError(at.loc, f"unsupported: `continue` skipping statements that use "
                                      f"{name}, which a branch before it declares")
        tested = {x.id for x in L.sub_exprs(test) if isinstance(x, L.Name)} if test else set()
        if tested & rewrite.skipped:
            name = sorted(tested & rewrite.skipped)[0]
            raise LoopIRError(first.loc, f"unsupported: `continue` in a `while` loop skipping "
                                         f"an assignment of {name}, which the loop's test reads")
        return list(out)

    def while_loop(self, kids: list[Any], loc: Loc) -> L.While:
        test = self.expr(kids[0])
        return L.While(test, tuple(self.body_without_continue(kids[1], test)), loc)
