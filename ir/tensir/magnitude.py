"""Bounds on the magnitude of every int value a TensIR function computes.

Proofs treat `int` as a mathematical integer; generated code computes in int64. This analysis
bounds `|v|` for every int subterm `v` (every intermediate, also inside lambdas, conditions and
slice bounds) as a function of the inputs' magnitudes (the largest `|x|` of each int parameter)
and lengths (per axis), so that generated code can decide at call time, exactly, whether int64
arithmetic gives the mathematical value.

The bound is a straight-line program (`MagnitudeBound.code`) over Python ints, evaluated by
`run_bound` with every value capped at `CAP` = 2**63 (a value at the cap means "at least 2**63"),
so evaluation is cheap even for `b ** n` with a large `n`. Its last instruction is the largest
bound of all int intermediates: int64 is exact when it is at most `INT64_MAX`.

The rules come from the op table wherever it states them (one source of truth per op):

- reductions (`OpDef.reduction`) by their step: a sum of `n` values bounded by `b` is bounded by
  `n * b`, a product by `b ** n`, a maximum or minimum by `b`;
- ops whose prefix lemma appends one entry per step (`prefix_step` = `append(prev, entry)`: the
  elementwise and broadcast families, maps and selections, `matrix_vec_mul`, `matmul`, `outer`,
  `matrix_row_sum`) by the bound of that entry: `matmul(a, b)` has entries
  `matrix_vec_mul(transpose(b), a[i])`, whose entries are `reduce_sum(b[:, j] * a[i])`, so
  `k * |a| * |b|` with `k` the inner length;
- slicing ops (`OpDef.slicing`), `index`, `append`, `transpose`, `len`, `ite` structurally,
  `iota(n)` by `|n|`, `full(n, v)` by `|v|`, and the searches (`ops.search.SEARCH_OPS`: an index of
  their first argument, or -1);
- `ipow(x, k)` by `max(|x|, 1) ** |k|`, `linear_recurrence(a, b, s0)` over `n` entries by
  `(|s0| + n * |b|) * max(|a|, 1) ** n`;
- scalar kernels by `SCALAR_RULES` (`+ - *`, divisions, remainders, `min`, `max`, `neg`, `abs`).

An op without a rule (a plugin's op, `to_int` of a float) has an unknown bound: the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .opdef import OpDef
from .ops import APPEND, FULL, INDEX, IOTA, ITE, LEN, SCALAR_OPS, TRANSPOSE
from .ops.recurrence import IPOW, LINEAR_RECURRENCE
from .ops.search import SEARCH_OPS
from .parser import Function
from .terms import App, Arg, Lambda, Lit, Term, Var
from .types import INT

CAP = 2**63
"""Bounds are capped here: a bound equal to `CAP` means at least 2**63 (or unknown)."""
INT64_MAX = 2**63 - 1

Instr = tuple[object, ...]
"""One instruction: `("const", v)`, `("mag", p)` (the largest |x| of parameter p), `("dim", p,
axis)` (its length on that axis), `("add", i, j)`, `("mul", i, j)`, `("pow", i, j)` (`v[i] **
v[j]`), `("max", i, ...)`, `("unknown",)`; `i`, `j` index earlier instructions."""

SCALAR_RULES: dict[str, str] = {
    "add": "add", "sub": "add", "mul": "mul",
    "div": "first", "floordiv": "first", "mod": "first",
    "floormod": "add",  # |a % b| < |b| (|a| when b == 0); py_mod computes b * (a // b) on the way
    "min": "max", "max": "max", "neg": "first", "abs": "first",
}
"""Scalar kernels by name -> how their result's bound follows from the operands' bounds: `add`
(the sum), `mul` (the product), `first` (the first operand's: `|a / b| <= |a|`, `|a % b| <= |a|`
for C's remainder), `max` (the larger). Division and remainder helpers compute nothing larger."""

FOLDS: dict[str, str] = {"add": "mul", "mul": "pow", "max": "same", "min": "same"}
"""A reduction's step -> the bound of folding `n` values bounded by `b`: `n * b`, `b ** n`, `b`."""


@dataclass(frozen=True)
class ParamSpec:
    """What the bound reads of one parameter: its element type and rank."""

    name: str
    elem: str
    rank: int


@dataclass(frozen=True)
class MagnitudeBound:
    """The bound of a function's int intermediates as a straight-line program over its inputs."""

    params: tuple[ParamSpec, ...]
    code: tuple[Instr, ...]
    """Instructions; the last is the largest bound over all int intermediates."""
    unknown: tuple[str, ...] = ()
    """Ops whose bound is unknown (no rule): any call takes the exact path or raises."""
    has_ints: bool = False
    """Whether the function computes or takes any int value at all."""

    def evaluate(self, mags: Sequence[int], dims: Sequence[Sequence[int]]) -> int:
        """The bound for inputs with these magnitudes and lengths, capped at `CAP`."""
        return run_bound(self.code, mags, dims)

    def spec(self) -> tuple[tuple[tuple[str, int], ...], tuple[Instr, ...]]:
        """The bound as a literal for generated code: ((elem, rank) per parameter, code)."""
        return tuple((p.elem, p.rank) for p in self.params), self.code


def run_bound(code, mags, dims):
    """Evaluate a bound program (`MagnitudeBound.code`) on the inputs' magnitudes and lengths;
    every value is capped at 2**63. Self-contained: generated modules copy its source."""
    cap = 9223372036854775808
    v = []
    for ins in code:
        k = ins[0]
        if k == "const":
            x = ins[1]
        elif k == "mag":
            x = mags[ins[1]]
        elif k == "dim":
            shape = dims[ins[1]]
            x = shape[ins[2]] if ins[2] < len(shape) else 0
        elif k == "add":
            x = v[ins[1]] + v[ins[2]]
        elif k == "mul":
            x = v[ins[1]] * v[ins[2]]
        elif k == "pow":
            b, n = v[ins[1]], v[ins[2]]
            x = 1 if n == 0 else b if b <= 1 else cap if n >= 64 else b**n
        elif k == "max":
            x = max(v[i] for i in ins[1:])
        else:
            x = cap
        v.append(min(x, cap))
    return v[-1] if v else 0


@dataclass(frozen=True)
class _Info:
    """What the analysis knows of a term: the instruction bounding |element| (None: no int) and
    one bounding each axis's length (None: unknown)."""

    mag: int | None
    dims: tuple[int | None, ...] = ()


@dataclass
class _Builder:
    params: tuple[Var, ...]
    code: list[Instr] = field(default_factory=list)
    index: dict[Instr, int] = field(default_factory=dict)
    ints: list[int] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    memo: dict[tuple[Arg, tuple[tuple[Var, _Info], ...]], _Info] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    """The ops whose prefix steps are being analyzed, outermost first."""

    def emit(self, *ins: object) -> int:
        found = self.index.get(ins)
        if found is None:
            found = self.index[ins] = len(self.code)
            self.code.append(ins)
        return found

    def const(self, v: int) -> int:
        return self.emit("const", v)

    def binary(self, kind: str, a: int | None, b: int | None) -> int:
        if a is None or b is None:
            return self.emit("unknown")
        consts = [self.code[i][1] for i in (a, b) if self.code[i][0] == "const"]
        if len(consts) == 2:
            return self.const(run_bound((("const", consts[0]), ("const", consts[1]),
                                         (kind, 0, 1)), (), ()))
        return self.emit(kind, *sorted((a, b)) if kind != "pow" else (a, b))

    def most(self, *xs: int | None) -> int:
        if any(x is None for x in xs):
            return self.emit("unknown")
        uniq = sorted({x for x in xs if x is not None})
        return uniq[0] if len(uniq) == 1 else self.emit("max", *uniq)

    def unknown_info(self, op: OpDef, t: Term) -> _Info:
        self.unknown.add(op.name)
        mag = self.emit("unknown") if t.type.elem == "int" else None
        return _Info(mag, (None,) * t.type.rank)

    def term(self, t: Term, env: Mapping[Var, _Info]) -> _Info:
        key = (t, tuple(sorted(((v, i) for v, i in env.items()), key=lambda p: p[0].name)))
        found = self.memo.get(key)
        if found is None:
            found = self._term(t, env)
            if t.type.elem == "int":
                mag = found.mag
                if mag is None:  # an int no rule bounds (a previous entry): unknown
                    mag = self.emit("unknown")
                    found = _Info(mag, found.dims)
                self.ints.append(mag)
            self.memo[key] = found
        return found

    def _term(self, t: Term, env: Mapping[Var, _Info]) -> _Info:
        if isinstance(t, Var):
            if t in env:
                return env[t]
            raise ValueError(f"free variable {t.name} is not a parameter")
        if isinstance(t, Lit):
            return _Info(self.const(abs(int(t.value))) if t.type.elem == "int" else None)
        assert isinstance(t, App)
        args = [None if isinstance(a, Lambda) else self.term(a, env) for a in t.args]
        return self.app(t, args, env)

    def app(self, t: App, args: list[_Info | None], env: Mapping[Var, _Info]) -> _Info:
        op = t.op
        is_int = t.type.elem == "int"
        first = args[0]
        if op.reduction is not None and first is not None:
            n = first.dims[0] if first.dims else None
            fold = FOLDS.get(op.reduction.step)
            if not is_int:
                return _Info(None)
            if fold == "same":
                return _Info(first.mag)
            if fold is not None:
                return _Info(self.binary(fold, n if fold == "mul" else first.mag,
                                         first.mag if fold == "mul" else n))
            return self.unknown_info(op, t)
        if op.slicing is not None and first is not None:
            return first
        if op is INDEX and first is not None:
            return _Info(first.mag, first.dims[1:])
        if op is TRANSPOSE and first is not None:
            return _Info(first.mag, tuple(reversed(first.dims)))
        if op in SEARCH_OPS.values() and first is not None:  # an index of x, or -1
            d = first.dims[0] if first.dims else None
            return _Info(self.most(d, self.const(1)) if d is not None else self.emit("unknown"))
        if op is IOTA and first is not None:  # entries 0 .. n - 1, max(n, 0) of them
            return _Info(first.mag, (first.mag,))
        if op is FULL and first is not None and args[1] is not None:  # max(n, 0) copies of v
            return _Info(args[1].mag if is_int else None, (first.mag,))
        if op is IPOW and is_int and first is not None and args[1] is not None:
            # |x ** k| <= max(|x|, 1) ** |k| for k >= 0 (x ** 0 is 1)
            return _Info(self.binary("pow", self.most(first.mag, self.const(1)), args[1].mag))
        if op is LINEAR_RECURRENCE and is_int:
            return self.linear_recurrence(args)
        if op is LEN and first is not None:
            d = first.dims[0] if first.dims else None
            return _Info(d if d is not None else self.emit("unknown"))
        if op is ITE:
            then, other = args[1], args[2]
            assert then is not None and other is not None
            return _Info(self.most(then.mag, other.mag) if is_int else None)
        if op is APPEND and first is not None and args[1] is not None:
            entry = args[1]
            rows = first.dims[0] if first.dims else None
            grown = self.binary("add", rows, self.const(1))
            rest = tuple(None if a is None or b is None else self.most(a, b)
                         for a, b in zip(first.dims[1:], entry.dims, strict=False))
            return _Info(self.most(first.mag, entry.mag) if is_int else None, (grown, *rest))
        if op.name in SCALAR_RULES and SCALAR_OPS.get(op.name) is op:
            if not is_int:
                return _Info(None)
            a = args[0]
            b = args[1] if len(args) > 1 else None
            assert a is not None
            rule = SCALAR_RULES[op.name]
            if rule == "first":
                return _Info(a.mag)
            assert b is not None
            return _Info(self.most(a.mag, b.mag) if rule == "max" else
                         self.binary(rule, a.mag, b.mag))
        if not is_int and not t.type.rank:  # a comparison, a float: its operands are counted
            return _Info(None)
        stepped = self.by_prefix_step(t, args, env)
        if stepped is not None:
            return stepped
        if not is_int:  # no int result; the int operands are counted
            return _Info(None, (None,) * t.type.rank)
        return self.unknown_info(op, t)

    def linear_recurrence(self, args: list[_Info | None]) -> _Info:
        """`s = a[k] * s + b[k]` from `s0` over `n` entries: with `A = max(|a|, 1)`, every `s` and
        every product `a[k] * s` is at most `(|s0| + n * |b|) * A ** n` (induction on `k`)."""
        a, b, s0 = args
        n = b.dims[0] if b is not None and b.dims else None
        if a is None or b is None or s0 is None or n is None:
            return _Info(self.emit("unknown"))
        grow = self.binary("pow", self.most(a.mag, self.const(1)), n)
        return _Info(self.binary("mul", self.binary("add", s0.mag, self.binary("mul", n, b.mag)),
                                 grow))

    def by_prefix_step(self, t: App, args: list[_Info | None], env: Mapping[Var, _Info]
                       ) -> _Info | None:
        """The bound of an op whose prefix lemma appends one entry per step: the entry's."""
        op = t.op
        if op.prefix_step is None or not op.prefix_args:
            return None
        lead = args[op.prefix_args[0]]
        if lead is None or not lead.dims or len(self.steps) > 8:  # nested deeper than any rank
            return None
        self.steps.append(op.name)  # fresh names: a nested step's counter is not the outer one's
        try:
            prev = Var(f"prev·{len(self.steps)}", t.type)
            i = Var(f"i·{len(self.steps)}", INT)
            try:
                step = op.prefix_step(prev, t.args, i)
            except Exception:  # a plugin's lemma that does not build on these arguments
                return None
            if not (isinstance(step, App) and step.op is APPEND and step.args[0] == prev):
                return None
            inner = dict(env)
            inner[i] = _Info(lead.dims[0] if lead.dims[0] is not None else self.emit("unknown"))
            inner[prev] = _Info(self.emit("unknown") if t.type.elem == "int" else None,
                                (None,) * t.type.rank)  # an entry reading earlier ones: no bound
            got = self.term(step.term(1), inner)
        finally:
            self.steps.pop()
        return _Info(got.mag if t.type.elem == "int" else None, (lead.dims[0], *got.dims))


def magnitude_bound(fn: Function) -> MagnitudeBound:
    """The bound of every int intermediate of `fn` from its inputs' magnitudes and lengths."""
    b = _Builder(fn.params)
    env: dict[Var, _Info] = {}
    for k, p in enumerate(fn.params):
        mag = b.emit("mag", k) if p.type.elem == "int" else None
        if mag is not None:
            b.ints.append(mag)
        env[p] = _Info(mag, tuple(b.emit("dim", k, ax) for ax in range(p.type.rank)))
    b.term(fn.body, env)
    has_ints = bool(b.ints)
    total = b.most(*b.ints) if b.ints else b.const(0)
    return MagnitudeBound(
        tuple(ParamSpec(p.name, p.type.elem, p.type.rank) for p in fn.params),
        _live(b.code, total), tuple(sorted(b.unknown)), has_ints)


def _live(code: list[Instr], total: int) -> tuple[Instr, ...]:
    """The instructions `total` depends on, renumbered, with `total` last."""
    operands = {"add", "mul", "pow", "max"}
    live = {total}
    for k in range(total, -1, -1):
        if k in live and code[k][0] in operands:
            live.update(_ref(i) for i in code[k][1:])
    order = sorted(live)
    new = {old: k for k, old in enumerate(order)}
    out = [code[k] if code[k][0] not in operands else
           (code[k][0], *(new[_ref(i)] for i in code[k][1:])) for k in order]
    if order[-1] != total:  # unreachable: total is the largest live index
        out.append(("max", new[total]))
    return tuple(out)


def _ref(i: object) -> int:
    """An operand of an instruction: the index of an earlier one."""
    assert isinstance(i, int)
    return i


def int64_for_int64_inputs(bound: MagnitudeBound) -> bool:
    """Whether every int intermediate fits int64 for all int64 inputs of any length: the bound
    with every magnitude at `INT64_MAX` and every length at 2**62 (more than memory holds)."""
    mags = [INT64_MAX if p.elem == "int" else 0 for p in bound.params]
    dims = [[2**62] * p.rank for p in bound.params]
    return bound.evaluate(mags, dims) <= INT64_MAX


__all__ = ["CAP", "INT64_MAX", "FOLDS", "SCALAR_RULES", "MagnitudeBound", "ParamSpec",
           "int64_for_int64_inputs", "magnitude_bound", "run_bound"]
