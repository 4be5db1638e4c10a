"""Symbolic execution of loop IR into TensIR, with loop summaries read from the loop's shape.

A function body is executed over TensIR terms: parameters are variables, straight-line code builds
terms, helper calls are inlined, `if` merges into `ite`. A counted loop is executed once with its
counter and the variables it changes as fresh variables; each changed variable's update is then read
by general rules about loop shapes (DESIGN §3, "idiom lifting"), never about named kernels:

- `v.push_back(e(i))` from an empty `v`               -> the map of `e` over slices (`vectorize`)
- `v = v + e(i)` (also `v * e`, `max`, `min`, and
  conditional forms `if (c) v += e`)                 -> `v0 + reduce_sum(map of e)`, ...
- `out[i] = ...` into a pre-sized `out` written at the counter -> the same as a push
- a row built by an inner loop and pushed             -> the matrix form of the row's ops

Each summary `S(b)` is a function of the loop bound, so the template invariant of DESIGN §3 is
`v == S(i)`, and the loop's verification conditions (initiation, preservation, postcondition) are
collected as `Obligation`s for the verifier. Reads `x[i + c]` give the precondition `hi + c <=
len(x)` (and `lo + c >= 0`) when the loop runs; it is part of the result. Anything the rules do not
cover raises `NotLiftable` with the location and the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.nodes import Loc
from tensflo.ir.tensir import OPS, App, Lambda, Lit, Term, Var, free_vars, lit, rewrite, subterms
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE, MAPPERS
from tensflo.ir.tensir.types import BOOL, INT, TensIRTypeError, TensorType


class NotLiftable(Exception):
    """The loop shapes rules cannot read this code; `loc` says where and `reason` why."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(f"{loc}: {reason}")
        self.loc = loc
        self.reason = reason


@dataclass(frozen=True)
class Empty:
    """A vector known to be empty (`vector<int> v;`, `v = []`)."""

    type: TensorType


@dataclass(frozen=True)
class Presized:
    """`vector<int> v(n, fill)` not yet written: becomes a push loop if written at the counter."""

    type: TensorType
    length: L.Expr
    fill: L.Expr | None
    length_term: Term


Sym = Term | Empty | Presized


@dataclass(frozen=True)
class Obligation:
    """One verification condition: under `assume` and the `hyps` equalities, each `goal` holds.

    `kind` is initiation / preservation / postcondition / precondition; terms are TensIR.
    """

    kind: str
    loc: Loc
    assume: tuple[Term, ...]
    hyps: tuple[tuple[Term, Term], ...]
    goals: tuple[tuple[Term, Term], ...]
    domain_of: Term | None = None
    """When set, the goal is that this term is inside the domain of all its ops."""


@dataclass
class LiftResult:
    """The program, its precondition and the obligations that prove them equivalent."""

    program: Term
    params: tuple[Var, ...]
    requires: list[Term]
    obligations: list[Obligation]
    proof_complete: bool = True
    """False when the obligations do not cover the equivalence (the program can only be tested)."""
    found_by: str | None = None
    """Who proposed the program when a synthesizer wants to say more than its name (`llm+enum`)."""


def mk(name: str, *args: Term | Lambda) -> Term:
    return rewrite.fold(OPS[name](*args))


ZERO, ONE = lit(0), lit(1)


@dataclass
class _Context:
    """Assumptions that hold where code runs: enclosing loop ranges and the function precondition."""

    assume: tuple[Term, ...] = ()
    counters: tuple[Var, ...] = ()
    runs: tuple[Term, ...] = ()
    """`lo < hi` of each enclosing loop."""


@dataclass
class Lifter:
    """Lifts one loop-IR function (with the module's other functions available for inlining)."""

    module: L.Module
    function: L.Function
    obligations: list[Obligation] = field(default_factory=list)
    requires: list[Term] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    depth: int = 0
    loop_vars: set[Var] = field(default_factory=set)
    """Counters and loop-state variables: a precondition may not mention them."""
    reads: list = field(default_factory=list)
    """(location, in-range condition, context) of every element read of the source."""
    override: tuple[str, Term] | None = None
    """(variable, program): use `program` (its loop bound replaced) as that variable's summary
    in the top-level loop that changes it, instead of the loop-shape rules (a candidate to check)."""
    bound_mode: str = "auto"
    """How `override`'s summary finds the loop bound: see `replace_bound`."""
    observe: bool = False
    """Record per-iteration updates in `observed` and go on past loops the rules cannot read."""
    observed: list[tuple[Term, Var]] = field(default_factory=list)
    _pending: list[tuple[Term, Term, Term]] = field(default_factory=list)
    """Reads `x[i + c]` of the loop being summarized: (x, lo + c, c)."""
    owner: dict[Var, list] = field(default_factory=dict)
    """The entry-check list of the loop that changes each loop-state variable."""
    entry_checks: list[tuple[Term, Term]] | None = None
    """Equalities the innermost enclosing loop's invariant must imply at the start of its body."""

    def lift(self) -> LiftResult:
        fn = self.function
        params = tuple(Var(p.name, p.type) for p in fn.params)
        self.names = {p.name for p in fn.params}
        env: dict[str, Sym] = {p.name: p for p in params}
        result = self.run_body(fn.body, env, _Context(), fn.loc)
        if not isinstance(result, Term):
            raise NotLiftable(fn.loc, "the function returns a vector that stays empty")
        result = rewrite.simplify(result)
        if result.type != fn.result:
            raise NotLiftable(fn.loc, f"the lifted value has type {result.type}, not {fn.result}")
        self.read_obligations()
        stray = free_vars(result) - set(params)
        if stray:
            raise NotLiftable(fn.loc, f"the result depends on {', '.join(sorted(v.name for v in stray))}")
        return LiftResult(result, params, self.requires, self.obligations)

    def route(self, cond: Term, ctx: _Context) -> bool:
        """A condition on loop-state values is checked by the invariant of the loop changing them."""
        owners = [self.owner[v] for v in sorted(free_vars(cond), key=lambda v: v.name) if v in self.owner]
        if not owners:
            return False
        owners[0].append((rewrite.simplify(mk("or", mk("not", _conj(ctx.assume)), cond)), lit(True)))
        return True

    def read_obligations(self) -> None:
        """Every read of the source is in range: by the precondition, or provably from it."""
        for loc, cond, ctx in self.reads:
            cond = rewrite.simplify(cond)
            if cond == lit(True):
                continue
            guard = rewrite.simplify(_conj(ctx.runs))
            if not (free_vars(cond) | free_vars(guard)) & self.loop_vars:
                full = rewrite.simplify(mk("or", mk("not", guard), cond))
                if full not in self.requires and full != lit(True):
                    self.requires.append(full)
            else:
                self.obligations.append(Obligation(
                    "in-range read", loc, ctx.assume, (), ((cond, lit(True)),)))
        for k, ob in enumerate(self.obligations):
            if ob.kind == "in-range read":
                self.obligations[k] = replace(ob, assume=ob.assume + tuple(self.requires))

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
    def run_body(self, body: Sequence[L.Stmt], env: dict[str, Sym], ctx: _Context, loc: Loc) -> Sym:
        """Execute a function body; returns the value of its `return`."""
        out = self.block(body, env, ctx)
        if out is None:
            raise NotLiftable(loc, "the function does not end in a `return`")
        return out

    def block(self, body: Sequence[L.Stmt], env: dict[str, Sym], ctx: _Context) -> Sym | None:
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
            self.stmt(s, env, ctx)
            k += 1
        return None

    def branch_return(self, s: L.If, then: list[L.Stmt], rest: list[L.Stmt],
                      env: dict[str, Sym], ctx: _Context) -> Term:
        c = self.scalar(s.cond, env, ctx)
        a = self.block(then, dict(env), ctx)
        b = self.block(rest, dict(env), ctx)
        if not (isinstance(a, Term) and isinstance(b, Term) and a.type.is_scalar and a.type == b.type):
            raise NotLiftable(s.loc, "an early `return` of a vector (only scalars can be selected)")
        return mk("ite", c, a, b)

    def stmt(self, s: L.Stmt, env: dict[str, Sym], ctx: _Context) -> None:
        match s:
            case L.Decl(name, type_, None):
                env[name] = Var(f"uninitialised {name}", type_)
            case L.Decl(name, type_, init):
                env[name] = self.value(init, env, ctx, type_)
            case L.Assign(L.Name(name), value):
                old = env.get(name)
                t = old.type if old is not None else None
                env[name] = self.value(value, env, ctx, t)
            case L.Assign(L.Index(), _):
                raise NotLiftable(s.loc, "an element assignment that is not `out[i] = ...` at the "
                                         "counter of a loop over a pre-sized `out`")
            case L.Push(L.Name(name), value):
                cur = env.get(name)
                if isinstance(cur, Empty | Presized):
                    raise NotLiftable(s.loc, f"a push to {name} outside a loop")
                assert isinstance(cur, Term)
                env[name] = mk("append", cur, self.value(value, env, ctx))
            case L.Push():
                raise NotLiftable(s.loc, "a push to an element of a vector")
            case L.If(cond, then, orelse):
                self.if_(s, cond, then, orelse, env, ctx)
            case L.For():
                self.for_(s, env, ctx)
            case L.While():
                self.for_(self.while_to_for(s, env), env, ctx)
            case _:
                raise NotLiftable(s.loc, f"the statement {type(s).__name__}")

    def if_(self, s: L.If, cond: L.Expr, then: tuple, orelse: tuple, env: dict[str, Sym],
            ctx: _Context) -> None:
        c = self.scalar(cond, env, ctx)
        e1, e2 = dict(env), dict(env)
        if self.block(then, e1, ctx) is not None or self.block(orelse, e2, ctx) is not None:
            raise NotLiftable(s.loc, "a `return` inside a loop or a branch that does not end the function")
        both = [n for n in e1 if n in e2 and n not in env]
        for name in [*env, *both]:
            a, b = e1.get(name), e2.get(name)
            if a == b:
                env[name] = a  # type: ignore[assignment]
                continue
            env[name] = self.merge(s.loc, name, c, a, b)

    def merge(self, loc: Loc, name: str, c: Term, a: Sym | None, b: Sym | None) -> Term:
        if isinstance(a, Term) and isinstance(b, Term):
            if a.type.is_scalar:
                return mk("ite", c, a, b)
            # both branches push one entry: append(v, x) / append(v, y) -> append(v, ite(c, x, y))
            if (isinstance(a, App) and isinstance(b, App) and a.op.name == b.op.name == "append"
                    and a.args[0] == b.args[0] and a.args[1].type.is_scalar):  # type: ignore[union-attr]
                return mk("append", a.args[0], mk("ite", c, a.args[1], b.args[1]))  # type: ignore[arg-type]
        raise NotLiftable(loc, f"{name} changes differently in the two branches in a way TensIR "
                               "cannot express (e.g. a push in only one branch filters)")

    def while_to_for(self, s: L.While, env: dict[str, Sym]) -> L.For:
        """`while (i < n) { ...; i++; }` is the counted loop `for (i = <current>; i < n; i++)`."""
        cond, body = s.cond, list(s.body)
        if not (isinstance(cond, L.Binary) and cond.op in ("<", "<=")
                and isinstance(cond.left, L.Name) and body):
            raise NotLiftable(s.loc, "a `while` loop that is not `while (i < bound) { ...; i++; }`")
        var = cond.left.id
        last = body[-1]
        step = None
        if isinstance(last, L.Assign) and last.target == L.Name(var) and isinstance(last.value, L.Binary) \
                and last.value.op == "+" and last.value.left == L.Name(var) \
                and isinstance(last.value.right, L.Const) and isinstance(last.value.right.value, int) \
                and last.value.right.value > 0:
            step = last.value.right.value
        if step is None or var in L.assigned_vars(tuple(body[:-1])) or var not in env:
            raise NotLiftable(s.loc, f"a `while` loop whose counter {var} is not incremented once "
                                     "at the end of the body")
        start = env[var]
        stop = cond.right if cond.op == "<" else L.Binary("+", cond.right, L.Const(1))
        if not isinstance(start, Term):
            raise NotLiftable(s.loc, f"the counter {var} has no value before the loop")
        env[f"while start {var}"] = start
        return L.For(var, L.Name(f"while start {var}", s.loc), stop, tuple(body[:-1]), step, s.loc)

    # -- expressions ----------------------------------------------------------------------------
    def scalar(self, e: L.Expr, env: dict[str, Sym], ctx: _Context) -> Term:
        v = self.value(e, env, ctx)
        if not isinstance(v, Term) or not v.type.is_scalar:
            raise NotLiftable(e.loc, "a scalar is needed here")
        return v

    def value(self, e: L.Expr, env: dict[str, Sym], ctx: _Context,
              want: TensorType | None = None) -> Sym:
        lang = self.function.lang
        match e:
            case L.Const(v):
                t = lit(v)
                if want is not None and want.elem == "float" and isinstance(v, int) and want.is_scalar:
                    t = lit(float(v))
                return t
            case L.Name(name):
                if name not in env:
                    raise NotLiftable(e.loc, f"{name} has no value here")
                v = env[name]
                if isinstance(v, Var) and v.name.startswith("uninitialised "):
                    raise NotLiftable(e.loc, f"{name} may be read before it is assigned")
                return v
            case L.Index(base, index):
                b = self.value(base, env, ctx)
                if not isinstance(b, Term):
                    raise NotLiftable(e.loc, "reading an element of a vector being built")
                idx = self.scalar(index, env, ctx)
                read = mk("index", b, idx)
                in_range = mk("and", mk("le", ZERO, idx), mk("lt", idx, mk("len", b)))
                if not self.route(in_range, ctx):
                    self.reads.append((e.loc, in_range, ctx))
                return read
            case L.Binary(op, left, right):
                a, b = self.scalar(left, env, ctx), self.scalar(right, env, ctx)
                a, b = _unify_numeric(a, b)
                name = _BINARY[op]
                if op == "/" and lang == "python" and a.type.elem == "int":
                    name = "floordiv"
                if op == "%" and lang == "python":
                    name = "floormod"
                try:
                    return mk(name, a, b)
                except TypeError as err:
                    raise NotLiftable(e.loc, str(err)) from None
            case L.Unary("-", operand):
                return mk("neg", self.scalar(operand, env, ctx))
            case L.Unary("not", operand):
                return mk("not", _as_bool(self.scalar(operand, env, ctx)))
            case L.Cond(c, a, b):
                ta, tb = _unify_numeric(self.scalar(a, env, ctx), self.scalar(b, env, ctx))
                return mk("ite", _as_bool(self.scalar(c, env, ctx)), ta, tb)
            case L.Call("min" | "max" | "abs" as fname, args):
                vals = _unify_numeric(*(self.scalar(a, env, ctx) for a in args))
                return mk(fname, *vals)
            case L.Call("resize", (vec, n)):
                v = self.value(vec, env, ctx)
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
            case L.NewVec(type_, None, _):
                return Empty(type_)
            case L.NewVec(type_, length, fill):
                return Presized(type_, length, fill, self.scalar(length, env, ctx))
        raise NotLiftable(e.loc, f"the expression {type(e).__name__}")

    def inline(self, e: L.Call, fname: str, args: Sequence[L.Expr], env: dict[str, Sym],
               ctx: _Context) -> Term:
        callee = self.module.function(fname)
        if callee is None:
            raise NotLiftable(e.loc, f"call of {fname}, which is not defined in this file")
        if self.depth > 20:
            raise NotLiftable(e.loc, f"recursion through {fname}")
        inner: dict[str, Sym] = {}
        for p, a in zip(callee.params, args, strict=True):
            v = self.value(a, env, ctx, p.type)
            if isinstance(v, Term):
                v = _coerce(v, p.type)
            inner[p.name] = v
        self.depth += 1
        try:
            out = self.run_body(callee.body, inner, ctx, callee.loc)
        finally:
            self.depth -= 1
        if not isinstance(out, Term):
            raise NotLiftable(e.loc, f"{fname} returns an empty vector")
        return _coerce(out, callee.result)

    # -- loops ----------------------------------------------------------------------------------
    def for_(self, s: L.For, env: dict[str, Sym], ctx: _Context) -> None:
        if s.step != 1:
            raise NotLiftable(s.loc, "a loop with a step other than 1")
        lo = self.scalar(s.start, env, ctx)
        hi = self.scalar(s.stop, env, ctx)
        body = s.body
        changed = [v for v in L.assigned_vars(body) if v in env and v != s.var]
        facts: list[Term] = []
        # pre-sized vectors written at the counter become push loops
        for name in changed:
            cur = env[name]
            if not _written_at_counter(body, name, s.var):
                continue
            if isinstance(cur, Presized):
                body = self.presized_to_push(s, name, cur, body, lo, hi, env, ctx)
                env[name] = Empty(cur.type)
                continue
            if not (isinstance(cur, Term) and cur.type.rank >= 1 and lo == ZERO):
                continue
            whole = hi == rewrite.simplify(mk("len", cur))
            if not (whole or (cur in self.loop_vars and self.entry_checks is not None)):
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
            body = self.presized_to_push(s, name, pre, body, lo, hi, env, ctx)
            env[name] = Empty(cur.type)
        state = {name: self.fresh(name, env[name].type) for name in changed}
        outer_checks, self.entry_checks = self.entry_checks, []
        for v in state.values():
            self.owner[v] = self.entry_checks
        counter = self.fresh(s.var, INT)
        loop_vars = set(state.values()) | {counter}
        self.loop_vars |= loop_vars
        inner_ctx = _Context(
            ctx.assume + tuple(facts) + (mk("le", lo, counter), mk("lt", counter, hi)),
            ctx.counters + (counter,),
            ctx.runs + (mk("lt", lo, hi),))
        body_env: dict[str, Sym] = dict(env)
        body_env.update(state)
        body_env[s.var] = counter
        if self.block(body, body_env, inner_ctx) is not None:
            raise NotLiftable(s.loc, "a `return` inside a loop")
        summaries: dict[str, Callable[[Term], Term]] = {}
        for name, var in state.items():
            new = body_env[name]
            if not isinstance(new, Term):
                raise NotLiftable(s.loc, f"{name} is not a value after the loop body")
            new = rewrite.simplify(new)
            init = env[name]
            if self.observe:
                self.observed.append((new, counter))
            if self.override is not None and self.override[0] == name and not ctx.counters:
                program = self.override[1]
                summaries[name] = lambda b, p=program: replace_bound(p, hi, b, self.bound_mode)
                # the precondition still comes from the reads: x[i + c] needs hi + c <= len(x)
                leaves: dict[Term, Term] = {}
                _collect_leaves(new, counter, leaves)
                for read in leaves.values():
                    try:
                        self.leaf_slice(s.loc, read, counter, lo, lo, record=True)
                    except NotLiftable:
                        pass
                continue
            try:
                summaries[name] = self.summarize(s, name, var, init, new, counter, lo, loop_vars, ctx)
            except NotLiftable:
                if not self.observe:
                    raise
                opaque = self.fresh(name, var.type)
                summaries[name] = lambda b, v=opaque: v
        if self.observe:
            for name in state:
                env[name] = summaries[name](hi)
            env.pop(s.var, None)
            self._pending = []
            return
        # verification conditions with the template invariant v == S_v(i)
        checks, self.entry_checks = self.entry_checks, outer_checks
        self.loop_obligations(s, state, summaries, body_env, env, counter, lo, hi, ctx, checks, facts)
        for name in state:
            env[name] = rewrite.simplify(summaries[name](hi))
        env.pop(s.var, None)

    def presized_to_push(self, s: L.For, name: str, cur: Presized, body: tuple, lo: Term,
                         hi: Term, env: dict[str, Sym], ctx: _Context) -> tuple:
        """`out(n); for (i = 0; i < n; i++) { ... out[i] ... }` reads out[i] as a fresh cell."""
        if not (hi == cur.length_term and lo == ZERO):
            raise NotLiftable(s.loc, f"{name} has length {_show(cur.length)} but the loop runs "
                                     f"{_show(s.start)} .. {_show(s.stop)}")
        at = L.Index(L.Name(name), L.Name(s.var))
        for st in L.walk_stmts(body):
            for e in L.stmt_exprs(st):
                for sub in L.sub_exprs(e):
                    if isinstance(sub, L.Index) and sub.base == L.Name(name) and sub != at:
                        raise NotLiftable(sub.loc, f"{name} is accessed other than at the counter "
                                                   f"({name}[{s.var}])")
                    if isinstance(sub, L.Name) and sub.id == name and not _inside_at(e, at, sub):
                        raise NotLiftable(sub.loc, f"{name} is used whole inside the loop")
        if cur.fill is None:
            raise NotLiftable(s.loc, f"{name} has no initial entries")
        if not (isinstance(cur.length_term, App) and cur.length_term.op.name == "len"):
            self.requires.append(rewrite.simplify(mk("le", ZERO, cur.length_term)))
        cell = f"{name}[{s.var}]"
        elem = TensorType(cur.type.elem, cur.type.rank - 1)
        new_body = (L.Decl(cell, elem, cur.fill, s.loc), *_replace_at(body, at, L.Name(cell, s.loc)),
                    L.Push(L.Name(name), L.Name(cell), s.loc))
        return new_body

    def summarize(self, s: L.For, name: str, var: Var, init: Sym, new: Term, i: Var, lo: Term,
                  loop_vars: set[Var], ctx: _Context) -> Callable[[Term], Term]:
        others = loop_vars - {i}
        loc = s.loc
        if new == var:
            return lambda b: init  # type: ignore[return-value]
        # push: v' = append(v, e)
        if isinstance(new, App) and new.op.name == "append" and new.args[0] == var:
            e = new.args[1]
            assert isinstance(e, Term)
            if free_vars(e) & others:
                raise NotLiftable(loc, f"the entry pushed to {name} depends on values the loop "
                                       "changes (a scan, not a map)")
            if not isinstance(init, Empty):
                raise NotLiftable(loc, f"{name} is not empty before the loop that pushes to it")
            self.vectorize(loc, e, i, lo, lo, ctx, record=True)  # check; note preconditions
            return lambda b: self.vectorize(loc, e, i, lo, b, ctx)
        if var.type.rank == 1 and isinstance(init, Term | Presized):
            rest = _vector_accumulated(new, var)
            if rest is not None:
                if free_vars(rest) & others:
                    raise NotLiftable(loc, f"the update of {name} depends on other values the loop changes")
                total = self.vector_sum(loc, rest, i, lo, ctx)
                if isinstance(init, Presized):
                    if init.fill is not None and not (isinstance(init.fill, L.Const) and init.fill.value == 0):
                        raise NotLiftable(loc, f"{name} starts with entries other than 0")
                    return total
                return lambda b: mk("vec_elemwise_add", init, total(b))
        if not isinstance(init, Term):
            raise NotLiftable(loc, f"{name} is a vector being built, updated other than by a push")
        if not var.type.is_scalar:
            raise NotLiftable(loc, f"the vector {name} is updated in a way TensIR cannot express")
        for kind in ("add", "mul", "max", "min"):
            rest = _accumulated(new, var, kind)
            if rest is None:
                continue
            if free_vars(rest) & others:
                raise NotLiftable(loc, f"the update of {name} depends on other values the loop changes")
            return self.reduction(loc, kind, init, rest, i, lo, ctx)
        raise NotLiftable(loc, f"the update of {name} is not a map, a push or a reduction "
                               f"(got {name} = {rewrite.show(new)})")

    def vector_sum(self, loc: Loc, rest: Term, i: Var, lo: Term, ctx: _Context) -> Callable[[Term], Term]:
        """sum over i in [lo, b) of the vector rest(i), as a function of b."""
        if isinstance(rest, App) and rest.op.name == "vec_scalar_mul" and i in free_vars(rest.args[1]):  # type: ignore[arg-type]
            # sum_i s(i) * r(i) = transpose(rows r) @ (s over i)
            r, sc = rest.args
            self.vectorize(loc, r, i, lo, lo, ctx, record=True)  # type: ignore[arg-type]
            self.vectorize(loc, sc, i, lo, lo, ctx, record=True)  # type: ignore[arg-type]
            return lambda b: mk("matrix_vec_mul", mk("transpose", self.vectorize(loc, r, i, lo, b, ctx)),  # type: ignore[arg-type]
                                self.vectorize(loc, sc, i, lo, b, ctx))  # type: ignore[arg-type]
        self.vectorize(loc, rest, i, lo, lo, ctx, record=True)
        return lambda b: mk("matrix_row_sum", mk("transpose", self.vectorize(loc, rest, i, lo, b, ctx)))

    def reduction(self, loc: Loc, kind: str, init: Term, rest: Term, i: Var, lo: Term,
                  ctx: _Context) -> Callable[[Term], Term]:
        if i not in free_vars(rest):
            count = lambda b: mk("max", mk("sub", b, lo), ZERO)  # noqa: E731
            if kind == "add":
                return lambda b: mk("add", init, mk("mul", _coerce(count(b), rest.type), rest))
            if kind in ("max", "min"):
                return lambda b: mk("ite", mk("lt", lo, b), mk(kind, init, rest), init)
            raise NotLiftable(loc, "a product of a loop-invariant value (a power)")
        self.vectorize(loc, rest, i, lo, lo, ctx, record=True)
        if kind == "add":
            return lambda b: mk("add", init, mk("reduce_sum", self.vectorize(loc, rest, i, lo, b, ctx)))
        if kind == "mul":
            return lambda b: mk("mul", init, mk("reduce_mul", self.vectorize(loc, rest, i, lo, b, ctx)))
        if kind == "max":
            return lambda b: mk("reduce_max", mk("append", self.vectorize(loc, rest, i, lo, b, ctx), init))
        negated = mk("neg", rest)
        return lambda b: mk("neg", mk("reduce_max", mk(
            "append", self.vectorize(loc, negated, i, lo, b, ctx), mk("neg", init))))

    # -- vectorization: a per-iteration value as a tensor over the iterations -----------------------
    def vectorize(self, loc: Loc, e: Term, i: Var, lo: Term, b: Term, ctx: _Context,
                  record: bool = False) -> Term:
        """The vector (or matrix, for rows) of `e` for i in [lo, b); `record` notes preconditions."""
        leaves: dict[Term, Term] = {}
        _collect_leaves(e, i, leaves)
        if not leaves:
            raise NotLiftable(loc, f"{rewrite.show(e)} does not read any input at the counter")
        sliced: dict[Term, Term] = {}
        for leaf, read in leaves.items():
            sliced[leaf] = self.leaf_slice(loc, read, i, lo, b, record=record)
        params = {}
        taken = {v.name for v in free_vars(e)} | self.names
        for k, leaf in enumerate(leaves):
            base = "e" if len(leaves) == 1 else f"e{k + 1}"
            nm = base
            while nm in taken:
                nm += "_"
            taken.add(nm)
            params[leaf] = Var(nm, leaf.type)
        body = _replace_terms(e, params)
        if i in free_vars(body):
            raise NotLiftable(loc, f"{rewrite.show(e)} uses the counter {i.name} other than as an "
                                   "index (TensIR has no iota)")
        rows = {params[leaf]: sliced[leaf] for leaf in leaves if not leaf.type.is_scalar}
        if rows and e.type.is_scalar:
            # per-row scalars (a row's dot product, ...) become vectors over the rows
            scalars = {params[leaf] for leaf in leaves if leaf.type.is_scalar}
            for k, sub in enumerate(_scalar_parts(body, set(rows), scalars, innermost=True)):
                var = Var(f"r{k + 1}", sub.type)
                while var.name in taken:
                    var = Var(var.name + "_", sub.type)
                taken.add(var.name)
                lifted = rewrite.simplify(_lift_rows(loc, sub, rows))
                body = _replace_terms(body, {sub: var})
                params[var] = var
                sliced[var] = lifted
            for leaf in [k for k in params if not k.type.is_scalar]:
                del params[leaf]
                del sliced[leaf]
            if free_vars(body) & set(rows):
                raise NotLiftable(loc, f"{rewrite.show(e)} mixes rows and single elements")
            rows = {}
        if not rows:
            if not e.type.is_scalar:
                raise NotLiftable(loc, "a vector entry built from single elements")
            return self.map_over(loc, body, params, sliced)
        scalars = {params[leaf] for leaf in leaves if leaf.type.is_scalar}
        if scalars:
            # a per-row scalar (x[i] * alpha) scaling a vector the same for every row: its values
            # over the rows are a vector; _lift_rows turns `v * s` into outer(s over rows, v)
            pieces = _scalar_parts(body, scalars, set(rows))
            for k, sub in enumerate(pieces):
                var = Var(f"s{k + 1}", sub.type)
                while var.name in taken:
                    var = Var(var.name + "_", sub.type)
                taken.add(var.name)
                used = {p: q for p, q in params.items() if q in free_vars(sub)}
                rows[var] = self.map_over(loc, sub, used, {p: sliced[p] for p in used})
                body = _replace_terms(body, {sub: var})
            if free_vars(body) & scalars:
                raise NotLiftable(loc, "a row built from whole rows and single elements")
        return rewrite.simplify(_lift_rows(loc, body, rows))

    def map_over(self, loc: Loc, body: Term, params: dict[Term, Var],
                 sliced: dict[Term, Term]) -> Term:
        leaves = list(params)
        wide = [v.name for v in free_vars(body) if not v.type.is_scalar]
        if wide:
            vectors = {params[leaf]: sliced[leaf] for leaf in leaves}
            algebra = _vector_algebra(body, vectors)
            if algebra is None:
                raise NotLiftable(loc, f"the per-entry value {rewrite.show(body)} uses the whole "
                                       f"vector {wide[0]} in a way the elementwise ops cannot say")
            return rewrite.simplify(algebra)
        if len(leaves) == 1:
            (leaf,) = leaves
            return rewrite.simplify(mk("vec_map", sliced[leaf], Lambda((params[leaf],), body)))
        if len(leaves) == 2:
            a, b = leaves
            return rewrite.simplify(mk("selection_two_args", sliced[a], sliced[b],
                                       Lambda((params[a], params[b]), body)))
        # three or more inputs: combine two of them first when a subterm uses only those two
        for a, b in itertools.combinations(leaves, 2):
            pair = {params[a], params[b]}
            for sub in subterms(body):
                if isinstance(sub, App) and sub.type.is_scalar and free_vars(sub) & set(params.values()) == pair \
                        and len(free_vars(sub) & set(params.values())) == 2:
                    inner = rewrite.simplify(mk("selection_two_args", sliced[a], sliced[b],
                                                Lambda((params[a], params[b]), sub)))
                    tmp = Var(params[a].name, sub.type)
                    new_body = _replace_terms(body, {sub: tmp})
                    if free_vars(new_body) & pair - {tmp}:
                        continue
                    rest = {k: v for k, v in params.items() if k not in (a, b)}
                    rest_sliced = {k: v for k, v in sliced.items() if k not in (a, b)}
                    rest[tmp] = tmp
                    rest_sliced[tmp] = inner
                    return self.map_over(loc, new_body, rest, rest_sliced)
        raise NotLiftable(loc, f"an entry combining {len(leaves)} inputs that do not pair up")

    def leaf_slice(self, loc: Loc, leaf: Term, i: Var, lo: Term, b: Term, record: bool) -> Term:
        """`x[i + c]` over i in [lo, b) is `x[lo + c : b + c]` (columns come as rows of a transpose)."""
        assert isinstance(leaf, App) and leaf.op.name == "index"
        x, idx = leaf.args
        assert isinstance(x, Term) and isinstance(idx, Term)
        c = _offset(idx, i)
        if c is None:
            raise NotLiftable(loc, f"the index {rewrite.show(idx)} is not the counter plus a "
                                   "loop-invariant offset")
        assert i not in free_vars(x), "column reads arrive as rows of a transpose (_collect_leaves)"
        start = rewrite.simplify(mk("add", lo, c))
        stop = rewrite.simplify(mk("add", b, c))
        if record:
            # reading x[lo + c .. hi + c) needs 0 <= lo + c and hi + c <= len(x) when the loop
            # runs; `loop_obligations` states it with the loop's `hi`
            self._pending.append((x, start, c))
        if start == ZERO:
            return rewrite.simplify(mk("slice", x, ZERO, stop))
        # x[lo + c : b + c] as (x[lo + c:])[:b - lo]: the same entries when lo + c >= 0 (the
        # precondition when the loop runs), and its length is a plain prefix length for proofs
        return rewrite.simplify(mk("take", mk("tail", x, start), mk("sub", b, lo)))

    def loop_obligations(self, s: L.For, state: dict[str, Var], summaries: dict[str, Callable],
                         body_env: dict[str, Sym], env: dict[str, Sym], i: Var, lo: Term, hi: Term,
                         ctx: _Context, checks: Sequence[tuple[Term, Term]] = (),
                         facts: Sequence[Term] = ()) -> None:
        pending, self._pending = self._pending, []
        runs = mk("lt", lo, hi)
        for x, start, c in pending:
            length = rewrite.simplify(mk("len", x))
            cond = mk("or", mk("not", runs), mk("and", mk("le", ZERO, start),
                                                  mk("le", rewrite.simplify(mk("add", hi, c)), length)))
            cond = rewrite.simplify(cond)
            if self.route(cond, _Context(ctx.assume + (mk("le", lo, i), mk("lt", i, hi)))):
                continue
            if free_vars(cond) & self.loop_vars:
                # a condition on enclosing counters: it must follow from the enclosing loops
                self.obligations.append(Obligation("precondition", s.loc, ctx.assume + tuple(self.requires), (), (
                    (cond, lit(True)),)))
            elif cond != lit(True) and cond not in self.requires:
                self.requires.append(cond)
        pre = ctx.assume + tuple(facts) + tuple(self.requires)
        inv = tuple((state[n], summaries[n](i)) for n in state)
        # initiation: the state before the loop is S(lo)
        init_goals = []
        for n in state:
            before = env[n]
            if isinstance(before, Empty):
                init_goals.append((mk("len", summaries[n](lo)), ZERO))
            elif isinstance(before, Presized):
                # a pre-sized vector: the right length, every entry the fill value
                start = summaries[n](lo)
                fill = self.scalar(before.fill, env, ctx) if before.fill is not None else ZERO
                init_goals.append((mk("len", start), before.length_term))
                if start.type.rank == 1:
                    init_goals.append((start, mk("vec_map", start, Lambda((Var("e", start.type.scalar),), fill))))
            else:
                init_goals.append((before, summaries[n](lo)))  # type: ignore[arg-type]
        self.obligations.append(Obligation("initiation", s.loc, pre, (), tuple(init_goals)))
        # preservation: one more iteration keeps v == S(i)
        step = tuple((body_env[n], summaries[n](mk("add", i, ONE))) for n in state) + tuple(checks)
        self.obligations.append(Obligation(
            "preservation", s.loc, pre + (mk("le", lo, i), mk("lt", i, hi)), inv, step))  # type: ignore[arg-type]
        # postcondition: when the loop stops, v == S(hi)
        stop = mk("and", mk("le", lo, i), mk("or", mk("le", i, hi), mk("eq", i, lo)))
        post = tuple((summaries[n](i), summaries[n](hi)) for n in state)
        self.obligations.append(Obligation(
            "postcondition", s.loc, pre + (stop, mk("not", mk("lt", i, hi))), inv, post))


_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "<": "lt", "<=": "le",
           ">": "gt", ">=": "ge", "==": "eq", "!=": "ne", "and": "and", "or": "or"}


def _conj(ts: Sequence[Term]) -> Term:
    out: Term = lit(True)
    for t in ts:
        out = mk("and", out, t)
    return out


def _returns(body: Sequence[L.Stmt]) -> bool:
    return bool(body) and isinstance(body[-1], L.Return)


def _show(e: L.Expr) -> str:
    match e:
        case L.Const(v):
            return str(v)
        case L.Name(n):
            return n
        case L.Binary(op, a, b):
            return f"{_show(a)} {op} {_show(b)}"
        case L.Len(x):
            return f"len({_show(x)})"
    return type(e).__name__


def _as_bool(t: Term) -> Term:
    if t.type == BOOL:
        return t
    return mk("ne", t, lit(0) if t.type.elem == "int" else lit(0.0))


def _coerce(t: Term, want: TensorType) -> Term:
    if t.type == want:
        return t
    if want == BOOL and t.type.is_scalar:
        return _as_bool(t)
    if t.type == BOOL and want.is_scalar and want.elem == "int":
        return mk("ite", t, ONE, ZERO)
    if isinstance(t, Lit) and want.elem == "float" and t.type.elem == "int":
        return lit(float(t.value))
    raise NotLiftable(L.NOWHERE, f"a conversion from {t.type} to {want}")


def _unify_numeric(*ts: Term) -> tuple[Term, ...]:
    """Booleans used as numbers become 0/1; int literals next to floats become floats."""
    out = [mk("ite", t, ONE, ZERO) if t.type == BOOL and any(u.type != BOOL for u in ts) else t
           for t in ts]
    if any(t.type.elem == "float" for t in out):
        out = [lit(float(t.value)) if isinstance(t, Lit) and t.type.elem == "int" else t for t in out]
    return tuple(out)


def _accumulated(new: Term, v: Var, kind: str) -> Term | None:
    """`rest` such that new == v <kind> rest (conditional updates give an `ite` rest)."""
    unit = {"add": ZERO, "mul": ONE}.get(kind)
    if isinstance(new, App) and new.op.name == "ite" and v in free_vars(new.args[0]):  # type: ignore[arg-type]
        # max/min written as a comparison: ite(e > v, e, v) and friends
        if kind in ("max", "min"):
            c, a, b = new.args
            assert isinstance(c, App)
            return _compare_select(c, a, b, v, kind)  # type: ignore[arg-type]
        return None
    if isinstance(new, App) and new.op.name == "ite":
        # an unchanged branch contributes the unit (max/min have none: then no reduction)
        c, a, b = new.args
        ra = unit if a == v else _accumulated(a, v, kind)  # type: ignore[arg-type]
        rb = unit if b == v else _accumulated(b, v, kind)  # type: ignore[arg-type]
        if ra is None or rb is None:
            return None
        return mk("ite", c, ra, rb)  # type: ignore[arg-type]
    if kind == "add":
        terms = rewrite.sum_terms(new)
        hits = [k for k, (sign, t) in enumerate(terms) if t == v]
        if len(hits) != 1 or terms[hits[0]][0] != 1:
            return None
        rest = [st for k, st in enumerate(terms) if k != hits[0]]
        if any(v in free_vars(t) for _, t in rest):
            return None
        return rewrite.from_sum_terms(rest, v.type)
    if isinstance(new, App) and new.op.name == kind:
        a, b = new.args
        if a == v and v not in free_vars(b):  # type: ignore[arg-type]
            return b  # type: ignore[return-value]
        if b == v and v not in free_vars(a):  # type: ignore[arg-type]
            return a  # type: ignore[return-value]
    return None


def _vector_accumulated(new: Term, v: Var) -> Term | None:
    """r such that new == v + r elementwise (v possibly sliced to its own length)."""
    if not (isinstance(new, App) and new.op.name == "vec_elemwise_add"):
        return None
    a, b = new.args

    def is_v(t: object) -> bool:
        return t == v or (isinstance(t, App) and t.op.name == "slice" and t.args[0] == v
                          and t.args[1] == ZERO)

    if is_v(a) and v not in free_vars(b):  # type: ignore[arg-type]
        return b  # type: ignore[return-value]
    if is_v(b) and v not in free_vars(a):  # type: ignore[arg-type]
        return a  # type: ignore[return-value]
    return None


def _compare_select(c: App, a: Term, b: Term, v: Var, kind: str) -> Term | None:
    """ite(e > v, e, v) -> e for max; ite(e < v, e, v) -> e for min (and the mirrored forms)."""
    if c.op.name not in ("lt", "le", "gt", "ge"):
        return None
    x, y = c.args
    # normalise to "x greater than y"
    if c.op.name in ("lt", "le"):
        x, y = y, x
    greater_first = (a, b) == (x, y)
    smaller_first = (a, b) == (y, x)
    if kind == "max" and greater_first and v in (x, y):
        e = x if y == v else y
        return e if v not in free_vars(e) else None  # type: ignore[arg-type, return-value]
    if kind == "min" and smaller_first and v in (x, y):
        e = y if x == v else x
        return e if v not in free_vars(e) else None  # type: ignore[arg-type, return-value]
    return None


def _offset(idx: Term, i: Var) -> Term | None:
    """c when idx == i + c with c free of i."""
    terms = rewrite.sum_terms(idx)
    hits = [k for k, (_, t) in enumerate(terms) if t == i]
    if len(hits) != 1 or terms[hits[0]][0] != 1:
        return None
    rest = [st for k, st in enumerate(terms) if k != hits[0]]
    if any(i in free_vars(t) for _, t in rest):
        return None
    return rewrite.from_sum_terms(rest, INT)


def _collect_leaves(e: Term | Lambda, i: Var, leaves: dict[Term, Term]) -> None:
    """Maximal reads that depend on the counter: x[i + c] (scalars or rows) and x[r][i + c]."""
    if isinstance(e, Lambda):
        _collect_leaves(e.body, i, leaves)
        return
    if i not in free_vars(e):
        return
    if isinstance(e, App) and e.op.name == "index":
        x, idx = e.args
        if i in free_vars(idx) and i not in free_vars(x):  # type: ignore[arg-type]
            leaves[e] = e
            return
        if (isinstance(x, App) and x.op.name == "index" and i in free_vars(x.args[1])  # type: ignore[arg-type]
                and i not in free_vars(idx) and i not in free_vars(x.args[0])):  # type: ignore[arg-type]
            # m[i + c][g]: column g of m, read down the rows -> transpose(m)[g][i + c]
            col = mk("index", mk("index", mk("transpose", x.args[0]), idx), x.args[1])  # type: ignore[arg-type]
            leaves[e] = col
            return
    if isinstance(e, App):
        for a in e.args:
            _collect_leaves(a, i, leaves)


def _vector_algebra(t: Term, vectors: dict[Var, Term]) -> Term | None:
    """A scalar formula over per-entry variables as elementwise/broadcast ops on their vectors."""
    if t in vectors:
        return vectors[t]  # type: ignore[index]
    if not free_vars(t) & set(vectors):
        return t
    if not (isinstance(t, App) and t.op.name in ("add", "sub", "mul", "div")):
        if isinstance(t, App) and t.op.name == "neg":
            inner = _vector_algebra(t.args[0], vectors)  # type: ignore[arg-type]
            return None if inner is None else mk(BROADCAST[("mul", 1, False)].name, inner, lit(-1))
        return None
    a, b = t.args
    va = _vector_algebra(a, vectors)  # type: ignore[arg-type]
    vb = _vector_algebra(b, vectors)  # type: ignore[arg-type]
    if va is None or vb is None:
        return None
    k = t.op.name
    if not va.type.is_scalar and not vb.type.is_scalar:
        return mk(ELEMWISE[(k, 1)].name, va, vb)
    if not va.type.is_scalar:
        return mk(BROADCAST[(k, 1, False)].name, va, vb)
    if k in ("add", "mul"):
        return mk(BROADCAST[(k, 1, False)].name, vb, va)
    return mk(BROADCAST[(k, 1, True)].name, va, vb)


def _scalar_parts(body: Term, use: set[Var], avoid: set[Var], innermost: bool = False) -> list[Term]:
    """Scalar subterms that use some of `use` and none of `avoid`: the largest ones, or with
    `innermost` the smallest (none of their scalar arguments uses `use`)."""
    out: list[Term] = []

    def visit(t: Term | Lambda) -> None:
        if isinstance(t, Lambda):
            return
        fv = free_vars(t)
        if t.type.is_scalar and fv & use and not fv & avoid and not (innermost and (
                not isinstance(t, App) or any(isinstance(a, Term) and a.type.is_scalar
                                              and free_vars(a) & use for a in t.args))):
            if t not in out:
                out.append(t)
            return
        if isinstance(t, App):
            for a in t.args:
                visit(a)

    visit(body)
    return out


def _replace_terms(e: Term, mapping: dict[Term, Term]) -> Term:
    if e in mapping:
        return mapping[e]
    if isinstance(e, App):
        args = tuple(
            Lambda(a.params, _replace_terms(a.body, mapping)) if isinstance(a, Lambda)
            else _replace_terms(a, mapping) for a in e.args)
        return App(e.op, args)
    return e


def _lift_rows(loc: Loc, t: Term, rows: dict[Var, Term]) -> Term:
    """A per-row vector (or scalar) term over row variables -> the matrix (or vector) of all rows."""
    if isinstance(t, Var) and t in rows:
        return rows[t]
    if not (free_vars(t) & set(rows)):
        raise NotLiftable(loc, f"{rewrite.show(t)} is the same for every row")
    if not isinstance(t, App):
        raise NotLiftable(loc, f"cannot lift {rewrite.show(t)} to rows")
    name, args = t.op.name, t.args
    uses = [bool(isinstance(a, Term) and free_vars(a) & set(rows)) for a in args]
    if t.type.rank == 1:
        if name == "slice" and uses == [True, False, False]:
            return mk("col_slice", _lift_rows(loc, args[0], rows), args[1], args[2])  # type: ignore[arg-type]
        if name == "take" and uses == [True, False]:
            inner, n = args
            if isinstance(inner, App) and inner.op.name == "tail" and not (
                    free_vars(inner.args[1]) & set(rows)):  # type: ignore[arg-type]
                # row[s:][:n] -> columns s .. s + n of every row
                start = inner.args[1]
                return mk("col_slice", _lift_rows(loc, inner.args[0], rows), start,  # type: ignore[arg-type]
                          rewrite.simplify(mk("add", start, n)))  # type: ignore[arg-type]
            return mk("col_slice", _lift_rows(loc, inner, rows), ZERO, n)  # type: ignore[arg-type]
        for (kname, rank), op in ELEMWISE.items():
            if op.name == name and rank == 1:
                return mk(ELEMWISE[(kname, 2)].name, *[
                    _lift_rows(loc, a, rows) if u else _broadcast_row(loc, a) for a, u in zip(args, uses, strict=True)])  # type: ignore[arg-type]
        if name == "vec_scalar_mul" and uses == [False, True] and args[1] in rows \
                and rows[args[1]].type.rank == 1:  # type: ignore[index]
            # row_r = v * s_r for every r  ->  outer(s, v)
            return mk("outer", rows[args[1]], args[0])  # type: ignore[index, arg-type]
        for (kname, rank, first), op in BROADCAST.items():
            if op.name == name and rank == 1:
                tensor_pos = 1 if first else 0
                if uses[1 - tensor_pos]:
                    break
                new = list(args)
                new[tensor_pos] = _lift_rows(loc, args[tensor_pos], rows)  # type: ignore[arg-type]
                return mk(BROADCAST[(kname, 2, first)].name, *new)
        for (nargs, rank), op in MAPPERS.items():
            if op.name == name and rank == 1:
                *tensors, lam = args
                return mk(MAPPERS[(nargs, 2)].name, *[_lift_rows(loc, x, rows) for x in tensors], lam)  # type: ignore[arg-type]
        if name == "matrix_vec_mul" and uses == [False, True]:
            # row_r = M @ x_r for every r  ->  X @ M^T
            return mk("matmul", _lift_rows(loc, args[1], rows), mk("transpose", args[0]))  # type: ignore[arg-type]
    if t.type.rank == 0 and name == "reduce_sum":
        inner = args[0]
        if isinstance(inner, App) and inner.op.name == "vec_elemwise_mul":
            a, b = inner.args
            ua = bool(free_vars(a) & set(rows))  # type: ignore[arg-type]
            ub = bool(free_vars(b) & set(rows))  # type: ignore[arg-type]
            if ua and not ub:
                return mk("matrix_vec_mul", _lift_rows(loc, a, rows), b)  # type: ignore[arg-type]
            if ub and not ua:
                return mk("matrix_vec_mul", _lift_rows(loc, b, rows), a)  # type: ignore[arg-type]
        return mk("matrix_row_sum", _lift_rows(loc, inner, rows))  # type: ignore[arg-type]
    raise NotLiftable(loc, f"cannot lift {rewrite.show(t)} from one row to all rows")


def _broadcast_row(loc: Loc, a: Term) -> Term:
    raise NotLiftable(loc, f"{rewrite.show(a)} is the same vector for every row (no broadcast op)")


def _written_at_counter(body: tuple, name: str, var: str) -> bool:
    """Whether the body assigns x[i] (or x[i][j], ...) or pushes to x[i]."""
    at = L.Index(L.Name(name), L.Name(var))
    for st in L.walk_stmts(body):
        if isinstance(st, L.Assign | L.Push):
            t = st.target
            while isinstance(t, L.Index):
                if t == at:
                    return True
                t = t.base
    return False


def _inside_at(e: L.Expr, at: L.Index, name: L.Name) -> bool:
    """Whether every use of `name` in `e` is inside `at` (the cell out[i])."""
    count_at = sum(1 for s in L.sub_exprs(e) if s == at)
    count_name = sum(1 for s in L.sub_exprs(e) if isinstance(s, L.Name) and s.id == name.id)
    return count_name == count_at


def _replace_at(body: tuple, at: L.Index, cell: L.Name) -> list:
    def ex(e):
        if e is None:
            return None
        if e == at:
            return cell
        match e:
            case L.Index(b, i):
                return replace(e, base=ex(b), index=ex(i))
            case L.Binary(_, a, b):
                return replace(e, left=ex(a), right=ex(b))
            case L.Unary(_, a):
                return replace(e, operand=ex(a))
            case L.Cond(c, a, b):
                return replace(e, cond=ex(c), then=ex(a), orelse=ex(b))
            case L.Call(f, args):
                return replace(e, args=tuple(ex(a) for a in args))
            case L.Len(a):
                return replace(e, operand=ex(a))
            case L.NewVec(_, n, f):
                return replace(e, length=ex(n), fill=ex(f))
        return e

    def st(s):
        match s:
            case L.Decl():
                return replace(s, init=ex(s.init))
            case L.Assign() | L.Push():
                return replace(s, target=ex(s.target), value=ex(s.value))
            case L.For():
                return replace(s, start=ex(s.start), stop=ex(s.stop), body=tuple(map(st, s.body)))
            case L.While():
                return replace(s, cond=ex(s.cond), body=tuple(map(st, s.body)))
            case L.If():
                return replace(s, cond=ex(s.cond), then=tuple(map(st, s.then)),
                               orelse=tuple(map(st, s.orelse)))
            case L.Return():
                return replace(s, value=ex(s.value))
        return s

    return [st(s) for s in body]


def replace_bound(program: Term, hi: Term, b: Term, mode: str = "auto") -> Term:
    """`program` with the loop bound `hi` replaced by `b` where it bounds a slice or a `take`
    (also as `hi - c` or `hi + c`, for loops not starting at 0). When the bound is `len(x)`, a
    whole use of `x` is the slice `x[:len(x)]` and becomes `x[:b]` (not inside `len` or as the
    vector of an index). `mode`: `explicit` (stated bounds only), `whole` (both), `auto` (whole
    uses only when the program states no bound)."""
    if mode == "whole":
        return _replace_bound(program, hi, b, whole=True)
    explicit = _replace_bound(program, hi, b, whole=False)
    if mode == "explicit" or explicit != program:
        return explicit
    return _replace_bound(program, hi, b, whole=True)


def _replace_bound(program: Term, hi: Term, b: Term, whole: bool) -> Term:
    if whole and isinstance(program, Var) and program.type.rank >= 1 \
            and hi == OPS["len"](program):
        return OPS["slice"](program, ZERO, b)
    if isinstance(program, App):
        name = program.op.name
        if name == "len":
            return program
        args = [a if not isinstance(a, Term) or (name == "index" and k == 0)
                else _replace_bound(a, hi, b, whole) for k, a in enumerate(program.args)]
        if name in ("slice", "col_slice"):
            args[2] = _bound(args[2], hi, b)
        elif name == "take":
            args[1] = _bound(args[1], hi, b)
        return App(program.op, tuple(args))
    return program


def _bound(e: Term, hi: Term, b: Term) -> Term:
    if e == hi:
        return b
    if isinstance(e, App) and e.op.name in ("add", "sub") and e.args[0] == hi:
        return App(e.op, (b, e.args[1]))
    return e


def iteration_updates(module: L.Module, function: L.Function) -> list[tuple[Term, Var]]:
    """Each loop's per-iteration update terms (with its counter), for synthesizers to mine."""
    lifter = Lifter(module, function, observe=True)
    try:
        lifter.lift()
    except NotLiftable:
        pass
    return lifter.observed


def check_candidate(module: L.Module, function: L.Function, program: Term,
                    bound_mode: str = "auto") -> LiftResult | None:
    """Obligations for a synthesized program, with the template invariant v == program[hi := i].

    Applies when the function returns a variable changed by a top-level loop; None otherwise (the
    candidate can then only be tested).
    """
    last = function.body[-1] if function.body else None
    if not (isinstance(last, L.Return) and isinstance(last.value, L.Name)):
        return None
    lifter = Lifter(module, function, override=(last.value.id, program), bound_mode=bound_mode)
    try:
        result = lifter.lift()
    except (NotLiftable, TensIRTypeError):
        return None
    return result if result.program == rewrite.simplify(program) else None


def candidate_proofs(module: L.Module, function: L.Function, program: Term) -> list[LiftResult]:
    """`check_candidate` with each way of finding the loop bound in the program (stated bounds
    only, then whole-vector uses too) whose obligations differ: a program may be provable with
    one invariant and not (or not in time) with the other."""
    out: list[LiftResult] = []
    for mode in ("explicit", "whole"):
        r = check_candidate(module, function, program, bound_mode=mode)
        if r is not None and all(r.obligations != o.obligations for o in out):
            out.append(r)
    return out


def lift_function(module: L.Module, function: L.Function) -> LiftResult:
    """Lift one function by symbolic execution and loop-shape rules; raises `NotLiftable`."""
    try:
        return Lifter(module, function).lift()
    except TensIRTypeError as e:
        raise NotLiftable(function.loc, f"the lifted term is ill-typed: {e}") from None
