"""What the op table says about each op, in the forms `tensflo ops` and docs/ops.md show.

Type signatures are found by asking each op's type rule about every combination of argument types,
then folded into patterns over element-type variables (`(vec[T], vec[T]) -> vec[T] for T in int,
float`), so the reference cannot drift from the rules. Which targets render an op is the targets'
knowledge: the caller passes it in (`targets`), gathered from the registered target components.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tensflo.ir.tensir import OPS, FnType, OpDef
from tensflo.ir.tensir.signatures import typed_signatures
from tensflo.ir.tensir.types import ELEMENTS, RANK_NAMES

BUILTIN_ORIGIN = "tensflo"
VARIABLES = ("T", "U", "V")

Sig = tuple[Any, ...]
"""Argument types (TensorType or FnType) followed by the result type."""


# -------------------------------------------------------------------------------------------------
# printed forms
# -------------------------------------------------------------------------------------------------
def printed_form(op: OpDef) -> str:
    """How an application of `op` is written in TensIR text, with placeholder arguments."""
    plain = op.arity - len(op.lambdas)
    names = iter([p for i, p in enumerate(op.params) if i not in op.lambdas] or
                 (["x"] if plain == 1 else ["a", "b", "c", "d", "e", "f", "g", "h"]))
    lambda_arity = _lambda_arities(op)
    args = []
    for i in range(op.arity):
        if i in op.lambdas:
            n = lambda_arity.get(i, 1)
            params = "e" if n == 1 else ", ".join(f"e{j + 1}" for j in range(n))
            args.append(f"lambda {params}: ...")
        else:
            args.append(next(names, f"a{i}"))
    if op.form == "infix":
        return f"{args[0]} {op.symbol} {args[1]}"
    if op.form == "prefix":
        sep = " " if (op.symbol or "")[-1:].isalpha() else ""
        return f"{op.symbol}{sep}{args[0]}"
    if op.form == "index":
        return "x[i]"
    if op.form == "slice":
        return "x[lo:hi]"
    return f"{op.name}({', '.join(args)})"


def _lambda_arities(op: OpDef) -> dict[int, int]:
    for sig in _signatures(op):
        return {i: len(sig[i].params) for i in op.lambdas}
    return {}


# -------------------------------------------------------------------------------------------------
# signatures
# -------------------------------------------------------------------------------------------------
def _signatures(op: OpDef) -> list[Sig]:
    """Every accepted combination of argument types with its result type."""
    return [(*args, result) for args, result in typed_signatures(op)]


def _flatten(sig: Sig) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """A signature's shape (ranks and lambda arities) and the element type at each position."""
    shape: list[Any] = []
    elems: list[str] = []
    for t in sig:
        if isinstance(t, FnType):
            shape.append(("fn", len(t.params)))
            elems.extend(p.elem for p in t.params)
            elems.append(t.result.elem)
        else:
            shape.append(t.rank)
            elems.append(t.elem)
    return tuple(shape), tuple(elems)


@dataclass(frozen=True)
class Pattern:
    """A family of signatures: element types at some positions are variables over a domain."""

    shape: tuple[Any, ...]
    elems: tuple[str, ...]
    """Concrete element types and variable names (`T`, `U`) in position order."""
    domains: tuple[tuple[str, ...], ...]
    """The element types each variable ranges over, in `VARIABLES` order."""

    def text(self) -> str:
        """`(vec[T], int) -> T for T in int, float`."""
        it = iter(self.elems)
        parts = []
        for s in self.shape:
            if isinstance(s, tuple):
                params = ", ".join(_type_text(next(it), 0) for _ in range(s[1]))
                parts.append(f"({params}) -> {_type_text(next(it), 0)}")
            else:
                parts.append(_type_text(next(it), s))
        *args, result = parts
        text = f"({', '.join(args)}) -> {result}"
        if not self.domains:
            return text
        names = VARIABLES[: len(self.domains)]
        if len(set(self.domains)) == 1:
            return f"{text} for {', '.join(names)} in {', '.join(self.domains[0])}"
        where = "; ".join(f"{n} in {', '.join(d)}" for n, d in zip(names, self.domains, strict=True))
        return f"{text} for {where}"


def _type_text(elem: str, rank: int) -> str:
    return elem if rank == 0 else f"{RANK_NAMES[rank]}[{elem}]"


def signature_patterns(op: OpDef) -> list[Pattern]:
    """The op's accepted signatures, folded into as few patterns as a greedy cover finds."""
    groups: dict[tuple[Any, ...], list[tuple[str, ...]]] = {}
    for sig in _signatures(op):
        shape, elems = _flatten(sig)
        groups.setdefault(shape, []).append(elems)
    out: list[Pattern] = []
    for shape, vectors in groups.items():
        out.extend(_cover(shape, vectors))
    return out


def _cover(shape: tuple[Any, ...], vectors: list[tuple[str, ...]]) -> list[Pattern]:
    accepted = set(vectors)
    candidates: dict[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], set] = {}
    for v in vectors:
        distinct = list(dict.fromkeys(v))
        for k in range(min(len(VARIABLES), len(distinct)) + 1):
            for chosen in itertools.combinations(distinct, k):
                pattern = tuple(VARIABLES[chosen.index(e)] if e in chosen else e for e in v)
                domains, covered = _best_domains(pattern, k, accepted)
                if covered:
                    candidates.setdefault((pattern, domains), covered)
    left = set(accepted)
    out: list[Pattern] = []
    while left:
        (pattern, domains), covered = max(
            candidates.items(),
            key=lambda kv: (len(kv[1] & left), -len(kv[0][1]), _order(kv[0][0], vectors)),
        )
        left -= covered
        out.append(_simplify(shape, pattern, domains))
    return out


def _order(pattern: tuple[str, ...], vectors: list[tuple[str, ...]]) -> int:
    """Prefer the pattern matching the earliest enumerated signature (stable output)."""
    for n, v in enumerate(vectors):
        if all(p == e or p in VARIABLES for p, e in zip(pattern, v, strict=True)):
            return -n
    return -len(vectors)


def _subsets(items: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [c for k in range(len(items), 0, -1) for c in itertools.combinations(items, k)]


def _best_domains(pattern: tuple[str, ...], k: int, accepted: set) -> tuple[tuple, set]:
    """The largest product of variable domains whose every instance is accepted."""
    full = (ELEMENTS,) * k
    covered = _instances(pattern, full, accepted)
    if covered is not None:
        return full, covered
    best: tuple[tuple, set] = ((), set())
    for domains in itertools.product(_subsets(ELEMENTS), repeat=k):
        covered = _instances(pattern, domains, accepted)
        if covered is not None and len(covered) > len(best[1]):
            best = (domains, covered)
    return best


def _instances(pattern: tuple[str, ...], domains: tuple, accepted: set) -> set | None:
    """All instances of the pattern over the domains, or None if one is not accepted."""
    covered = set()
    for values in itertools.product(*domains):
        inst = tuple(values[VARIABLES.index(p)] if p in VARIABLES else p for p in pattern)
        if inst not in accepted:
            return None
        covered.add(inst)
    return covered


def _simplify(shape, pattern: tuple[str, ...], domains: tuple) -> Pattern:
    """Replace variables that range over one element type by that type."""
    elems = list(pattern)
    kept = []
    for name, domain in zip(VARIABLES, domains, strict=False):
        if len(domain) == 1:
            elems = [domain[0] if e == name else e for e in elems]
        else:
            kept.append((name, domain))
    rename = {old: VARIABLES[i] for i, (old, _) in enumerate(kept)}
    elems = [rename.get(e, e) for e in elems]
    return Pattern(shape, tuple(elems), tuple(d for _, d in kept))


# -------------------------------------------------------------------------------------------------
# rows for `tensflo ops` and docs/ops.md
# -------------------------------------------------------------------------------------------------
TargetsOf = Callable[[OpDef], Sequence[str]]
"""The names of the targets that render an op."""


def op_info(op: OpDef, targets: Sequence[str] = ()) -> dict[str, Any]:
    """Everything `tensflo ops --json` reports about one op; `targets`: those that render it (the
    targets know, not the op table: see `compiler.ops_command`)."""
    return {
        "name": op.name,
        "written": printed_form(op),
        "form": op.form,
        "arity": op.arity,
        "types": [p.text() for p in signature_patterns(op)],
        "doc": op.doc,
        "domain": op.domain,
        "family": op.family,
        "prefix_lemma": op.prefix_step is not None,
        "commutative": op.commutative,
        "targets": sorted(targets),
        "origin": OPS.origin(op.name),
    }


def builtin_ops() -> list[OpDef]:
    return [op for op in OPS if OPS.origin(op.name) == BUILTIN_ORIGIN]


def render_ops_markdown(ops: Iterable[OpDef] | None = None, *, targets: TargetsOf) -> str:
    """docs/ops.md: the reference of the built-in ops (or of `ops`), generated from the op table."""
    ops = builtin_ops() if ops is None else list(ops)
    infos = [op_info(op, targets(op)) for op in ops]
    plugin_ops = sum(1 for info in infos if info["origin"] != BUILTIN_ORIGIN)
    if plugin_ops:
        intro = (f"{len(infos)} TensIR ops: {len(infos) - plugin_ops} built-in ones, declared in "
                 f"`ir/tensir/ops/`, and {plugin_ops} from plugins (see the **from** column).")
    else:
        intro = f"The {len(infos)} built-in ops of TensIR, declared in `ir/tensir/ops/`."
    lines = [
        "# TensIR ops",
        "",
        "<!-- Generated from the op table; do not edit. Regenerate with",
        "     TENSFLO_DISABLE_PLUGIN_AUTOLOAD=1 tensflo ops --markdown > docs/ops.md -->",
        "",
        f"{intro} `tensflo ops` lists the ops of the installed plugins too, and "
        "`tensflo ops NAME` shows one op in detail.",
        "",
        "- **written**: the op's TensIR text form (`a`, `b`, ... stand for arguments).",
        "- **types**: every argument-type combination the type rule accepts; `T`, `U` and `V` "
        "range over the element types listed after `for`.",
        "- **requires**: the domain; outside it the NumPy semantics raise `DomainError` and the SMT "
        "encoding records a side condition.",
        "- **lemma**: whether the op has a prefix lemma `op(x[:i+1]) == step(op(x[:i]), x[i])`, "
        "the unfolding that loop invariants use.",
        "- **targets**: the targets with a rendering entry for the op.",
        "",
        "Integer and float semantics (C division, `x / 0 == 0`, clamped slices, what proofs assume) "
        "are described in [semantics.md](semantics.md).",
        "",
    ]
    headers = ["op", "written", "types", "meaning", "requires", "lemma", "targets"]
    if plugin_ops:
        headers.append("from")
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + " --- |" * len(headers))
    for info in infos:
        types = "<br>".join(f"`{t}`" for t in info["types"]) or "(not enumerated)"
        cells = [
            f"`{info['name']}`",
            f"`{info['written']}`",
            types,
            info["doc"],
            info["domain"],
            "yes" if info["prefix_lemma"] else "",
            ", ".join(info["targets"]),
        ]
        if plugin_ops:
            cells.append(info["origin"])
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    families: dict[str, list[str]] = {}
    for info in infos:
        if info["family"]:
            families.setdefault(info["family"], []).append(info["name"])
    if families:
        lines += [
            "",
            "## Families",
            "",
            "Elementwise and broadcast ops are derived from one scalar op, so a scalar op and its "
            "tensor forms cannot disagree.",
            "",
            "| scalar op | derived ops |",
            "| --- | --- |",
        ]
        for family, names in families.items():
            lines.append(f"| `{family}` | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
