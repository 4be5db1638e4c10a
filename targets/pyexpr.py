"""Rendering TensIR terms to Python expressions, shared by the Python-based targets.

A target's table maps op names to entries: a `Template` (text with `{0}`, `{1}`, ... placeholders,
the precedence of the result and the precedence each argument needs) or a function
`(renderer, term) -> (text, prec)` for ops whose code depends on more than their arguments' text
(lambdas, literals). This module walks the term, parenthesizes by precedence (Python's) and names
shared subterms.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tensflo.ir.tensir import App, Lambda, Lit, Term, Var
from tensflo.ir.tensir.precedence import ATOM, PREC
from tensflo.ir.tensir.printer import format_literal

from .optable import Unsupported, lookup


class RenderError(ValueError):
    """A target cannot render a term (an op without an entry for it, say)."""


@dataclass(frozen=True)
class Template:
    """Code for one op application: `text` with numbered placeholders."""

    text: str
    prec: int = ATOM
    needs: tuple[int, ...] = ()
    """Minimum precedence of each argument (missing ones: 0, e.g. inside a call's parentheses)."""

    def need(self, i: int) -> int:
        return self.needs[i] if i < len(self.needs) else 0


def infix(symbol: str, prec: int, assoc: str = "left") -> Template:
    """`{0} symbol {1}`; left-associative operators need a tighter right operand."""
    left = prec if assoc == "left" else prec + 1
    return Template(f"{{0}} {symbol} {{1}}", prec, (left, prec + 1))


def prefix(symbol: str, prec: int) -> Template:
    sep = " " if symbol[-1].isalpha() else ""
    return Template(f"{symbol}{sep}{{0}}", prec, (prec,))


def call(name: str, arity: int) -> Template:
    return Template(f"{name}({', '.join(f'{{{i}}}' for i in range(arity))})")


PyEntry = Template | Callable[["PyRenderer", App], tuple[str, int]]
"""How a Python-based target writes one op."""
PyTable = Mapping[str, PyEntry | Unsupported]
"""A Python-based target's entries, by op name."""


@dataclass
class PyRenderer:
    """Renders one function body: expressions, plus `name = expr` lines for shared subterms."""

    target: str
    table: PyTable
    names: dict[Var, str]
    reserved: frozenset[str] = frozenset()
    literals: Mapping[str, str] = field(default_factory=dict)
    """Format of a literal per element type (`torch.tensor({})`); missing: a plain Python literal."""
    dtypes: Mapping[str, str] = field(default_factory=dict)
    """How the target's code spells each element type's dtype (`np.int64`)."""
    lines: list[str] = field(default_factory=list)
    _count: int = 0
    _shared: dict[Term, str | None] = field(default_factory=dict)
    """Applications occurring more than once: computed once into a local (None until then)."""

    def share(self, term: Term) -> None:
        """Note the repeated applications of `term` (outside lambdas) so each is computed once."""
        seen: set[Term] = set()
        stack: list[Term] = [term]
        while stack:
            t = stack.pop()
            if not isinstance(t, App):
                continue
            if t in seen:
                self._shared.setdefault(t, None)
                continue
            seen.add(t)
            stack.extend(a for a in t.args if not isinstance(a, Lambda))

    def expr(self, term: Term, need: int = 0) -> str:
        if term in self._shared:
            name = self._shared[term]
            if name is None:
                text, _ = self.render(term)
                name = self._shared[term] = self.bind(text)
            return name
        text, prec = self.render(term)
        return f"({text})" if prec < need else text

    def render(self, term: Term) -> tuple[str, int]:
        if isinstance(term, Var):
            return self.names[term], ATOM
        if isinstance(term, Lit):
            return self.literal(term)
        if isinstance(term, App):
            entry = lookup(self.table, term.op, self.target)
            if entry is None or isinstance(entry, Unsupported):
                raise RenderError(f"the {self.target} target cannot render op {term.op.name}")
            if isinstance(entry, Template):
                return self.render_template(entry, term)
            return entry(self, term)
        raise RenderError(f"cannot render {term!r}")

    def render_template(self, entry: Template, term: App) -> tuple[str, int]:
        args = [self.expr(term.term(i), entry.need(i)) for i in range(len(term.args))]
        return entry.text.format(*args), entry.prec

    def literal(self, lit: Lit) -> tuple[str, int]:
        text = ("True" if lit.value else "False") if isinstance(lit.value, bool) else (
            format_literal(lit.value))
        typed = self.literals.get(lit.type.elem)
        if typed is not None:
            return typed.format(text), ATOM
        return text, PREC["unary"] if text.startswith("-") else ATOM

    def atom(self, term: Term) -> str:
        """A name for the term's value: a variable itself, or a fresh local bound to it."""
        if isinstance(term, Var):
            return self.names[term]
        text = self.expr(term)
        return text if text.isidentifier() else self.bind(text)

    def bind(self, text: str) -> str:
        self._count += 1
        name = f"t{self._count}"
        while name in self.reserved:
            self._count += 1
            name = f"t{self._count}"
        self.lines.append(f"{name} = {text}")
        return name

    def lambda_body(self, lam: Lambda, args: Sequence[str]) -> tuple[str, int]:
        """The lambda's body with its parameters replaced by the given names."""
        saved = dict(self.names)
        self.names.update(zip(lam.params, args, strict=True))
        try:
            return self.render(lam.body)
        finally:
            self.names = saved


def python_name(name: str, taken: set[str]) -> str:
    """A valid, unused Python identifier for a source-level name."""
    base = name if name.isidentifier() and not keyword.iskeyword(name) else f"{name}_"
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in base)
    out = base
    while out in taken:
        out += "_"
    taken.add(out)
    return out
