"""Symbolic execution of a loop-IR function over TensIR terms.

Parameters are variables, straight-line code builds terms, helper calls are inlined, `if` merges
into `ite`. A counted loop is executed once with its counter and the variables it changes as fresh
variables; each changed variable's update is then read by the loop-shape rules (`loop_rules`) into
a summary `S(b)`, and the loop's verification conditions under the template invariant `v == S(i)`
are collected (`conditions`). Anything the rules do not cover raises `NotLiftable` with the
location and the reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop import ops as loop_ops
from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import App, Term, Var, free_vars, lit, rewrite
from tensflo.ir.tensir.entry import EntryGuard
from tensflo.ir.tensir.types import INT, TensorType

from .affine_writes import affine_writes
from .argext import arg_extremes
from .build import ZERO, as_bool, coerce, mk, term_arg, unify_numeric
from .conditions import Check, Conditions, Context
from .dp_table import carried_table, previous_entry_loop
from .earlier_vectors import generalize_vectors
from .early_exit import leaves_early, returns_inside, search_loop
from .element_writes import element_write
from .guards import assume_guards
from .infinite_seeds import seed_term, without_seeds
from .late_checks import late_check
from .loop_order import count_up
from .loop_rewrite import presized_to_push, while_to_for, written_at_counter
from .loop_rules import Summary, summarize
from .previous_cell import previous_cell_loop
from .recurrences import semiring_states
from .results import Empty, LiftResult, NotLiftable, Presized, Sym
from .scan import running_scans
from .sequence import LastValue, earlier_results, generalize_invariants, length_of, plain_lengths
from .stepped_loops import names_of, unit_step
from .template import replace_bound
from .trace_split import split_traces
from .vectorize import collect_leaves, leaf_slice


@dataclass
class Lifter:
    """Lifts one loop-IR function (with the module's other functions available for inlining)."""

    module: L.Module
    function: L.Function
    conditions: Conditions = field(default_factory=Conditions)
    names: set[str] = field(default_factory=set)
    depth: int = 0
    override: tuple[str, Term] | None = None
    """(variable, program): use `program` (its loop bound replaced) as that variable's summary
    in the top-level loop that changes it, instead of the loop-shape rules (a candidate to check)."""
    bound_mode: str = "auto"
    """How `override`'s summary finds the loop bound: see `replace_bound`."""
    observe: bool = False
    """Record per-iteration updates in `observed` and go on past loops the rules cannot read."""
    observed: list[tuple[Term, Var]] = field(default_factory=list)
    entry_checks: list[Check] | None = None
    """Equalities the innermost enclosing loop's invariant must imply at the start of its body."""
    in_loop: bool = False
    """Whether the statements being executed are in a loop body of the function being run (a
    helper inlined in a loop starts outside one)."""
    late: list[EntryGuard] = field(default_factory=list)
    """The checks after the computation started, as entry guards (`late_checks`)."""

    def lift(self) -> LiftResult:
        fn = self.function
        params = tuple(Var(p.name, p.type) for p in fn.params)
        self.names = {p.name for p in fn.params}
        env: dict[str, Sym] = {p.name: p for p in params}
        assume_guards(fn, self.conditions, lambda e: self.scalar(e, env, Context()))
        result = self.run_body(fn.body, env, Context(), fn.loc)
        if not isinstance(result, Term):
            raise NotLiftable(fn.loc, "the function returns a vector that stays empty")
        result = without_seeds(fn, rewrite.simplify(result), self.conditions.requires)
        if result.type != fn.result:
            raise NotLiftable(fn.loc, f"the lifted value has type {result.type}, not {fn.result}")
        self.conditions.program_reads(result, fn.loc)
        self.conditions.read_obligations()
        stray = free_vars(result) - set(params)
        if stray:
            raise NotLiftable(fn.loc, f"the result depends on {', '.join(sorted(v.name for v in stray))}")
        requires = [r for r in map(plain_lengths, self.conditions.requires) if r != lit(True)]
        return LiftResult(result, params, requires, self.conditions.obligations)

    def fresh(self, base: str, type_: TensorType) -> Var:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in base).strip("_") or "v"
        name = base
        for k in itertools.count(1):
            if name not in self.names:
                break
            name = f"{base}_{k}"
        self.names.add(name)
        return Var(name, type_)

    # -- statements -----------------------------------------------------------------------------
    def run_body(self, body: Sequence[L.Stmt], env: dict[str, Sym], ctx: Context, loc: Loc) -> Sym:
        """Execute a function body; returns the value of its `return`."""
        out = self.block(body, env, ctx)
        if out is None:
            raise NotLiftable(loc, "the function does not end in a `return`")
        return out

    def block(self, body: Sequence[L.Stmt], env: dict[str, Sym], ctx: Context) -> Sym | None:
        """Execute statements; returns the returned value if the block returns on every path."""
        body = list(body)
        k = 0
        while k < len(body):
            s = body[k]
            if isinstance(s, L.Return):
                if k != len(body) - 1:
                    raise NotLiftable(s.loc, "code after `return`")
                return self.value(s.value, env, ctx)
            if isinstance(s, L.If) and _returns(s.then) and not _returns(s.orelse):
                # if (c) { ...; return a; } rest  ->  ite(c, a, rest)
                rest = [*s.orelse, *body[k + 1:]]
                return self.branch_return(s, list(s.then), rest, env, ctx)
            if isinstance(s, L.If) and _returns(s.then) and _returns(s.orelse):
                return self.branch_return(s, list(s.then), list(s.orelse), env, ctx)
            if isinstance(s, L.For | L.While) and returns_inside(s):
                # a loop that may return: a search, the code after it its not-found case
                return search_loop(self, s, body[k + 1:], env, ctx)
            self.stmt(s, env, ctx)
            k += 1
        return None

    def branch_return(self, s: L.If, then: list[L.Stmt], rest: list[L.Stmt],
                      env: dict[str, Sym], ctx: Context) -> Term:
        c = self.scalar(s.cond, env, ctx)
        a = self.block(then, dict(env), ctx)
        b = self.block(rest, dict(env), ctx)
        if a is None or b is None:
            ret = next((r for r in L.walk_stmts(tuple(then)) if isinstance(r, L.Return)), s)
            if self.in_loop:
                raise NotLiftable(ret.loc, "an early `return` inside a loop (an early exit, as in "
                                           "a search: only loops that run to their end are read)")
            raise NotLiftable(ret.loc, "a `return` in a branch, and no `return` after it")
        if not (isinstance(a, Term) and isinstance(b, Term)) or not a.type.is_scalar \
                or not b.type.is_scalar:
            raise NotLiftable(s.loc, "an early `return` of a vector (only scalars can be selected)")
        if a.type != b.type:
            raise NotLiftable(s.loc, f"an early `return` of {a.type} where the other returns "
                                     f"give {b.type}")
        return mk("ite", c, a, b)

    def stmt(self, s: L.Stmt, env: dict[str, Sym], ctx: Context) -> None:
        match s:
            case L.Decl(name, type_, init):
                env[name] = Var(f"uninitialised {name}", type_) if init is None \
                    else self.value(init, env, ctx, type_)
            case L.Assign(L.Name(name), value):
                old = env.get(name)
                t = old.type if old is not None else None
                env[name] = self.value(value, env, ctx, t)
            case L.Assign(L.Index(), _) if element_write(self, s, env, ctx):
                pass
            case L.Assign(L.Index(), _):
                raise NotLiftable(s.loc, "an element assignment that is not `out[i] = ...` at the "
                                         "counter of a loop over a pre-sized `out`")
            case L.Push(L.Name(name), value):
                cur = env.get(name)
                if isinstance(cur, Empty | Presized):
                    raise NotLiftable(s.loc, f"a push to {name} outside a loop")
                assert isinstance(cur, Term)
                env[name] = mk("append", cur, self.term(value, env, ctx))
            case L.Push():
                raise NotLiftable(s.loc, "a push to an element of a vector")
            case L.If(cond, then, orelse):
                self.if_(s, cond, then, orelse, env, ctx)
            case L.For() | L.While() if leaves_early(s):
                search_loop(self, s, None, env, ctx)
            case L.For() if previous_cell_loop(self, s, env, ctx):
                pass  # a table filled from the entry written before, at affine positions
            case L.For() if previous_entry_loop(s, env):
                self.for_(s, env, ctx)  # a DP table updated in place: carried_table reads it
            case L.For():
                loop, finish = affine_writes(self, s, env, ctx)
                self.for_(loop, env, ctx)
                for done in finish:
                    done(env)
            case L.While():
                self.for_(while_to_for(s, env), env, ctx)
            case L.Check():
                late_check(self, s, env, ctx)
            case _:
                raise NotLiftable(s.loc, f"the statement {type(s).__name__}")

    def if_(self, s: L.If, cond: L.Expr, then: tuple[L.Stmt, ...], orelse: tuple[L.Stmt, ...],
            env: dict[str, Sym], ctx: Context) -> None:
        c = self.scalar(cond, env, ctx)
        e1, e2 = dict(env), dict(env)
        # a branch runs only under its condition: its reads need to be in range only then
        then_ctx, else_ctx = _taken(ctx, c), _taken(ctx, mk("not", c))
        if (self.block(then, e1, then_ctx) is not None
                or self.block(orelse, e2, else_ctx) is not None):
            raise NotLiftable(s.loc, "a `return` inside a loop or a branch that does not end the function")
        both = [n for n in e1 if n in e2 and n not in env]
        for name in [*env, *both]:
            a, b = e1.get(name), e2.get(name)
            if a is None and b is None:
                env.pop(name, None)  # a loop counter both branches ended
            elif a == b and a is not None:
                env[name] = a
            else:
                env[name] = self.merge(s.loc, name, c, a, b)

    def merge(self, loc: Loc, name: str, c: Term, a: Sym | None, b: Sym | None) -> Term:
        if isinstance(a, Term) and isinstance(b, Term):
            if a.type.is_scalar:
                return mk("ite", c, a, b)
            # both branches push one entry: append(v, x) / append(v, y) -> append(v, ite(c, x, y))
            if (isinstance(a, App) and isinstance(b, App) and a.op.name == b.op.name == "append"
                    and a.args[0] == b.args[0] and term_arg(a.args[1]).type.is_scalar):
                return mk("append", a.args[0], mk("ite", c, a.args[1], b.args[1]))
        raise NotLiftable(loc, f"{name} changes differently in the two branches in a way TensIR "
                               "cannot express (e.g. a push in only one branch filters)")

    # -- expressions ----------------------------------------------------------------------------
    def scalar(self, e: L.Expr, env: dict[str, Sym], ctx: Context) -> Term:
        v = self.value(e, env, ctx)
        if not isinstance(v, Term) or not v.type.is_scalar:
            raise NotLiftable(e.loc, "a scalar is needed here")
        return v

    def term(self, e: L.Expr, env: dict[str, Sym], ctx: Context) -> Term:
        v = self.value(e, env, ctx)
        if not isinstance(v, Term):
            raise NotLiftable(e.loc, "a vector that is still empty or not yet written, used as a value")
        return v

    def value(self, e: L.Expr, env: dict[str, Sym], ctx: Context,
              want: TensorType | None = None) -> Sym:
        match e:
            case L.Const(number) if isinstance(number, float) and math.isinf(number):
                return seed_term(number, want)  # a seed of a fold, or refused (infinite_seeds)
            case L.Const(number):
                if want is not None and want.elem == "float" and isinstance(number, int) and want.is_scalar:
                    return lit(float(number))
                return lit(number)
            case L.Name(name):
                if name not in env:
                    raise NotLiftable(e.loc, f"{name} has no value here")
                known = env[name]
                if isinstance(known, Var) and known.name.startswith("uninitialised "):
                    raise NotLiftable(e.loc, f"{name} may be read before it is assigned")
                if isinstance(known, Var) and known.name.startswith(_LAST_VALUE):
                    raise NotLiftable(e.loc, f"{name} is read after a loop that overwrites it in "
                                             "every iteration with a read at the counter (its last "
                                             "value is not modelled)")
                if isinstance(known, Var) and known.name.startswith(_AFTER_LOOP):
                    raise NotLiftable(e.loc, f"{name} is read after the loop it counts: its final "
                                             "value is not modelled")
                return known
            case L.Index(base, index):
                vec = self.value(base, env, ctx)
                if not isinstance(vec, Term):
                    raise NotLiftable(e.loc, "reading an element of a vector being built")
                idx = self.scalar(index, env, ctx)
                read = mk("index", vec, idx)
                in_range = mk("and", mk("le", ZERO, idx), mk("lt", idx, mk("len", vec)))
                if not self.conditions.route(in_range, ctx):
                    self.conditions.reads.append((e.loc, in_range, ctx))
                return read
            case L.Binary(op, left, right):
                x = self.scalar(left, env, ctx)
                if (stops := loop_ops.BINARY[op].short_circuit) is not None:
                    # the right side runs only where the left one does not decide
                    y = self.scalar(right, env, _taken(ctx, as_bool(x) if not stops
                                                       else mk("not", as_bool(x))))
                else:
                    y = self.scalar(right, env, ctx)
                if loop_ops.BINARY[op].kind == "logical" and self.function.lang == "cpp":
                    x, y = as_bool(x), as_bool(y)  # C's `a || b` of numbers is 0 or 1
                x, y = unify_numeric(x, y)
                if loop_ops.BINARY[op].partial and self.function.lang == "python":
                    # Python raises ZeroDivisionError where TensIR's x / 0 is 0: outside the domain
                    nonzero = mk("ne", y, lit(0.0 if y.type.elem == "float" else 0))
                    if not self.conditions.route(nonzero, ctx):
                        self.conditions.reads.append((e.loc, nonzero, ctx))
                try:
                    return mk(loop_ops.BINARY[op].tensir_op(self.function.lang, x.type.elem), x, y)
                except TypeError as err:
                    raise NotLiftable(e.loc, str(err)) from None
            case L.Unary(op, operand) if op in loop_ops.UNARY:
                unary = loop_ops.UNARY[op]
                x = self.scalar(operand, env, ctx)
                return mk(unary.tensir, as_bool(x) if unary.kind == "logical" else x)
            case L.Cond(c, a, b):
                cond = as_bool(self.scalar(c, env, ctx))  # each branch runs only under its side
                ta, tb = unify_numeric(self.scalar(a, env, _taken(ctx, cond)),
                                       self.scalar(b, env, _taken(ctx, mk("not", cond))))
                return mk("ite", cond, ta, tb)
            case L.Call(fname, args) if (builtin := loop_ops.CALLS.get(fname)) and builtin.tensir:
                vals = unify_numeric(*(self.scalar(a, env, ctx) for a in args))
                if builtin.operand == "float":  # libm on an int: converted first, as C does
                    vals = tuple(mk("to_float", v) if v.type.elem == "int" else v for v in vals)
                if builtin is loop_ops.IPOW:  # Python's x ** -k is a float: outside the domain
                    natural = mk("le", ZERO, vals[1])
                    if not self.conditions.route(natural, ctx):
                        self.conditions.reads.append((e.loc, natural, ctx))
                try:
                    return mk(builtin.tensir, *vals)
                except TypeError as err:
                    raise NotLiftable(e.loc, str(err)) from None
            case L.Call("resize", (vector, n)):
                v = self.value(vector, env, ctx)
                if not isinstance(v, Empty):
                    raise NotLiftable(e.loc, "resizing a vector that is not empty")
                fill = L.Const(0, e.loc) if v.type.rank == 1 else L.NewVec(v.type.with_rank(v.type.rank - 1))
                return Presized(v.type, n, fill, self.scalar(n, env, ctx))
            case L.Call(fname, args):
                return self.inline(e, fname, args, env, ctx)
            case L.Len(operand):
                v = self.value(operand, env, ctx)
                if isinstance(v, Presized):
                    return v.length_term
                if isinstance(v, Empty):
                    return ZERO
                return mk("len", v)
            case L.NewVec(type_, length, fill):
                if length is None:
                    return Empty(type_)
                return Presized(type_, length, fill, self.scalar(length, env, ctx))
        raise NotLiftable(e.loc, f"the expression {type(e).__name__}")

    def inline(self, e: L.Call, fname: str, args: Sequence[L.Expr], env: dict[str, Sym],
               ctx: Context) -> Term:
        callee = self.module.function(fname)
        rejected = next((r for r in self.module.rejected if r.name == fname), None)
        if callee is None and rejected is not None:
            where = rejected.loc if rejected.loc.file != e.loc.file \
                else f"{rejected.loc.line}:{rejected.loc.col}"
            raise NotLiftable(e.loc, f"call of {fname}, a helper that was rejected "
                                     f"(at {where}: {rejected.message})")
        if callee is None:
            raise NotLiftable(e.loc, f"call of {fname}, which is not defined in this file")
        if self.depth > 20:
            raise NotLiftable(e.loc, f"recursion through {fname}")
        if callee.guards:
            raise NotLiftable(e.loc, f"call of {fname}, which checks its input (at "
                                     f"{callee.guards[0].loc.line}:{callee.guards[0].loc.col}): only "
                                     f"the checks of the function being lifted are read")
        inner: dict[str, Sym] = {}
        for p, a in zip(callee.params, args, strict=True):
            v = self.value(a, env, ctx, p.type)
            inner[p.name] = coerce(v, p.type) if isinstance(v, Term) else v
        self.depth += 1
        in_loop, self.in_loop = self.in_loop, False
        try:
            out = self.run_body(callee.body, inner, ctx, callee.loc)
        finally:
            self.depth -= 1
            self.in_loop = in_loop
        if not isinstance(out, Term):
            raise NotLiftable(e.loc, f"{fname} returns an empty vector")
        return coerce(out, callee.returns)

    # -- loops ----------------------------------------------------------------------------------
    def unit_step_for(self, s: L.For, env: dict[str, Sym], ctx: Context) -> None:
        """`s` (a step other than 1) run as `i = start + step * t` over a counter `t` of step 1,
        the iterations in their order."""
        had = env.pop(s.var, None)
        self.stmt(unit_step(s, names_of(self.function)), env, ctx)  # its writes at i: affine
        if had is not None:  # declared before the loop: no value after it, as for step 1
            env[s.var] = Var(f"{_AFTER_LOOP}{s.var}", INT)

    def for_(self, s: L.For, env: dict[str, Sym], ctx: Context) -> None:
        if s.step < 0 and s.step != -1 or s.step >= 2:
            return self.unit_step_for(s, env, ctx)
        if s.step < 0:
            try:
                s = count_up(s)
            except NotLiftable as unordered:  # iterations that may not commute: in their order
                try:
                    return self.unit_step_for(s, env, ctx)
                except NotLiftable:
                    raise unordered from None  # it names the source's own statement
        if s.step != 1:
            raise NotLiftable(s.loc, "a loop with a step other than 1")
        lo = self.scalar(s.start, env, ctx)
        hi = self.scalar(s.stop, env, ctx)
        table = carried_table(s, env, lo, hi)
        if table is not None:  # a DP table read at its previous entry: that entry carried
            stmts, needs = table
            if needs is not None and not self.conditions.route(needs, ctx):
                self.conditions.reads.append((s.loc, needs, ctx))
            for st in stmts:
                self.stmt(st, env, ctx)
            return
        changed = [v for v in L.assigned_vars(s.body) if v in env and v != s.var]
        body, facts = self.writes_at_counter(s, changed, env, lo, hi)
        state = {name: self.fresh(name, env[name].type) for name in changed}
        outer_checks, self.entry_checks = self.entry_checks, []
        for v in state.values():
            self.conditions.owner[v] = self.entry_checks
        counter = self.fresh(s.var, INT)
        loop_vars = set(state.values()) | {counter}
        self.conditions.loop_vars |= loop_vars
        inner_ctx = Context(
            ctx.assume + tuple(facts) + (mk("le", lo, counter), mk("lt", counter, hi)),
            ctx.counters + (counter,),
            ctx.runs + (mk("lt", lo, hi),))
        body_env: dict[str, Sym] = dict(env)
        body_env.update(state)
        body_env[s.var] = counter
        in_loop, self.in_loop = self.in_loop, True
        try:
            returned = self.block(body, body_env, inner_ctx)
        finally:
            self.in_loop = in_loop
        if returned is not None:
            raise NotLiftable(s.loc, "a `return` inside a loop")
        summaries: dict[str, Summary] = {}
        after: dict[str, Term] = {}
        scans = running_scans(s, state, env, {n: t for n, t in body_env.items()
                                              if n in state and isinstance(t, Term)},
                              counter, lo, self.names, self.conditions.pending)
        scans |= semiring_states(s, state, env, {n: t for n, t in body_env.items()
                                                 if n in state and isinstance(t, Term)},
                                 counter, lo, self.names, self.conditions.pending)
        joint = arg_extremes(s, state, env, {n: t for n, t in body_env.items()
                                             if n in state and isinstance(t, Term)},
                             counter, lo, self.names, self.conditions)
        for name, var in state.items():
            new = body_env[name]
            if not isinstance(new, Term):
                raise NotLiftable(s.loc, f"{name} is not a value after the loop body")
            after[name] = new
            new = rewrite.simplify(new)
            if self.observe:
                self.observed.append((new, counter))
            if self.override is not None and self.override[0] == name and not ctx.counters:
                summaries[name] = _bound_summary(self.override[1], hi, self.bound_mode)
                # the precondition still comes from the reads: x[i + c] needs hi + c <= len(x)
                leaves: dict[Term, Term] = {}
                collect_leaves(new, counter, leaves)
                for read in leaves.values():
                    try:
                        leaf_slice(s.loc, read, counter, lo, lo, self.conditions.pending)
                    except NotLiftable:
                        pass
                continue
            if name in joint:
                summaries[name] = joint[name]
                continue
            if name in scans:
                summaries[name] = scans[name]
                continue
            try:
                summaries[name] = summarize(s, name, var, env[name], new, counter, lo, loop_vars,
                                            self.names, self.conditions.pending)
            except NotLiftable:
                if not self.observe:
                    raise
                summaries[name] = _constant(self.fresh(name, var.type))
        if self.observe:
            for name in state:
                env[name] = summaries[name](hi)
            _end_counter(s, env)
            self.conditions.pending = []
            return
        # verification conditions with the template invariant v == S_v(i)
        checks, self.entry_checks = self.entry_checks, outer_checks
        obligations = self.conditions.obligations
        known = len(obligations)
        self.conditions.loop_obligations(s, state, summaries, after, env, counter, lo, hi, ctx,
                                         lambda e: self.scalar(e, env, ctx), checks, facts)
        params = frozenset(Var(p.name, p.type) for p in self.function.params)
        given = earlier_results((v for n, v in env.items() if n not in state and isinstance(v, Term)),
                                params)
        obligations[known:] = [generalize_vectors(generalize_invariants(ob, given), params)
                               for ob in split_traces(obligations[known:], summaries, counter)]
        for name in state:
            env[name] = rewrite.simplify(summaries[name](hi))
            summary = summaries[name]
            if isinstance(summary, LastValue) and summary.reads:
                env[name] = Var(f"{_LAST_VALUE}{name}", env[name].type)
        _end_counter(s, env)

    def writes_at_counter(self, s: L.For, changed: list[str], env: dict[str, Sym], lo: Term,
                          hi: Term) -> tuple[tuple[L.Stmt, ...], list[Term]]:
        """The loop body with the `changed` vectors written at the counter as vectors pushed to (a
        pre-sized one, or `x[i] = f(x[i])` over every `i` of `x`), and the facts this assumes."""
        body = s.body
        facts: list[Term] = []
        for name in changed:
            cur = env[name]
            if not written_at_counter(body, name, s.var):
                continue
            if isinstance(cur, Presized):
                body = presized_to_push(s, name, cur, body, lo, hi, self.conditions.requires)
                env[name] = Empty(cur.type)
                continue
            if not (isinstance(cur, Term) and cur.type.rank >= 1 and lo == ZERO):
                continue
            whole = hi in (rewrite.simplify(mk("len", cur)), length_of(cur))
            if not (whole or (cur in self.conditions.loop_vars and self.entry_checks is not None)):
                continue
            if not whole:
                # the enclosing loop's invariant must give len(cur) == hi here; this loop may
                # then assume it
                assert self.entry_checks is not None
                self.entry_checks.append((mk("len", cur), hi))
                facts.append(mk("eq", mk("len", cur), hi))
            # x[i] = f(x[i]) for every i of x: a map of the old x
            old = f"{name} before {s.loc.line}:{s.loc.col}"
            env[old] = cur
            fill = L.Index(L.Name(old, s.loc), L.Name(s.var, s.loc), s.loc)
            pre = Presized(cur.type, s.stop, fill, hi)
            body = presized_to_push(s, name, pre, body, lo, hi, self.conditions.requires)
            env[name] = Empty(cur.type)
        return body, facts


_AFTER_LOOP = "after its loop "
_LAST_VALUE = "last value after its loop "


def _taken(ctx: Context, cond: Term) -> Context:
    """`ctx` narrowed to where a branch under `cond` runs."""
    return replace(ctx, assume=ctx.assume + (cond,))


def _end_counter(s: L.For, env: dict[str, Sym]) -> None:
    """A counter declared before its loop (C89, a `while` counter) stays declared after it, with no
    value that can be read: the loop IR does not keep a counter's final value."""
    if s.var in env:
        env[s.var] = Var(f"{_AFTER_LOOP}{s.var}", INT)


def _bound_summary(program: Term, hi: Term, mode: str) -> Summary:
    return lambda b: replace_bound(program, hi, b, mode)


def _constant(value: Term) -> Summary:
    return lambda b: value


def _returns(body: Sequence[L.Stmt]) -> bool:
    return bool(body) and isinstance(body[-1], L.Return)
