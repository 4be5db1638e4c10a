"""What a model's answer may be: TensIR text, parsed by the TensIR grammar and type-checked.

An answer is never executed. Its text after the `program:` (or `fill:`) key is handed to the lark
grammar; anything else (Python, SMT-LIB, prose) is a parse error that goes back to the model.

AST-node infilling works on paths: a path is the sequence of argument positions from the root of
a term to one node. `masked` prints a term with one whole node replaced by `??`; `parse_fill`
parses a completion with the grammar's start symbol set to the node's syntactic kind (the rule it
derives from where it stands: a lambda, any expression, or an operand at its operator's binding
strength), so a fill is always one complete node of that kind (never a fragment), and then checks
its type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tensflo.ir.tensir import App, Lambda, TensIRSyntaxError, TensIRTypeError, Term, Var
from tensflo.ir.tensir.parser import parse_fragment
from tensflo.ir.tensir.precedence import ATOM, PREC
from tensflo.ir.tensir.printer import print_term
from tensflo.ir.tensir.terms import Arg
from tensflo.ir.tensir.types import TensorType

HOLE = "??"
Path = tuple[int, ...]

_LEVELS = ((PREC["or"], "or_"), (PREC["and"], "and_"), (PREC["not"], "not_"), (PREC["cmp"], "cmp"),
           (PREC["add"], "sum"), (PREC["mul"], "product"), (PREC["unary"], "unary"))
"""Grammar rules by the binding strength of what they derive (weakest first); stronger: postfix."""
KIND_NAMES = {"lambda_": "a lambda (`lambda e: ...`)",
              "or_": "an expression (any, but not a lambda)",
              "and_": "an expression without a top-level `or`",
              "not_": "an expression without a top-level `and`/`or`",
              "cmp": "a comparison or anything binding tighter (no `not`, `and`, `or` at the top)",
              "sum": "a sum, difference or anything binding tighter (parenthesize a comparison)",
              "product": "a product, quotient or anything binding tighter (parenthesize a sum)",
              "unary": "a negation, an op call, an index or slice, a variable or a literal",
              "postfix": "an op call, an index or slice, a variable, a literal or a parenthesized "
                         "expression"}
"""Grammar start symbols a hole can have, as the prompt names them."""


class AnswerError(ValueError):
    """The answer is not usable: no answer line, a syntax error or a type error (message for the
    model, one paragraph)."""


@dataclass(frozen=True)
class Hole:
    """One masked node of a candidate: where it is, its grammar kind and its type."""

    path: Path
    kind: str
    type: TensorType | None
    """The type of a term hole (None for a lambda)."""
    lambda_params: tuple[TensorType, ...] | None = None
    """The parameter types of a lambda hole, from its op's rule."""


# -------------------------------------------------------------------------------------------------
# extracting and parsing answers
# -------------------------------------------------------------------------------------------------
def extract(text: str, key: str) -> str:
    """The text after the last `key:` line of an answer (code fences and backticks removed)."""
    lines = [ln for ln in text.replace("\r", "").split("\n") if not ln.strip().startswith("```")]
    pattern = re.compile(rf"^\s*\**{re.escape(key)}\**\s*:\s*(.*)$", re.IGNORECASE)
    found = None
    for k, line in enumerate(lines):
        m = pattern.match(line)
        if m:
            found = k, m.group(1)
    if found is None:
        raise AnswerError(f"the answer has no `{key}:` line")
    k, first = found
    body = [first]
    for line in lines[k + 1:]:  # a term may continue on the following lines, up to a blank one
        if not line.strip() or re.match(r"^\s*\w+\s*:", line) and not line.strip().startswith("lambda"):
            break
        body.append(line)
    out = " ".join(s.strip() for s in body).strip().strip("`").strip()
    if not out:
        raise AnswerError(f"the `{key}:` line is empty")
    return out


def parse_program(text: str, params: tuple[Var, ...], result: TensorType) -> Term:
    """The `program:` of an answer as a typed term over `params` of type `result`."""
    source = extract(text, "program")
    env = {p.name: p.type for p in params}
    try:
        from tensflo.ir.tensir import parse

        term = parse(source, env, source="answer")
    except TensIRSyntaxError as e:
        raise AnswerError(_syntax_message(e)) from None
    except TensIRTypeError as e:
        raise AnswerError(f"type error: {e}") from None
    if term.type != result:
        raise AnswerError(f"the program has type {term.type}, but the function returns {result}")
    return term


def parse_fill(text: str, hole: Hole, params: tuple[Var, ...]) -> Arg:
    """The `fill:` of an answer, parsed with the hole's kind as the grammar's start symbol."""
    source = extract(text, "fill")
    env: dict[str, TensorType] = {p.name: p.type for p in params}
    try:
        node = parse_fragment(source, hole.kind, env, hole.lambda_params, "fill")
    except TensIRSyntaxError as e:
        raise AnswerError(f"the fill must be {KIND_NAMES[hole.kind]}: {_syntax_message(e)}") from None
    except TensIRTypeError as e:
        raise AnswerError(f"type error in the fill: {e}") from None
    if hole.type is not None and node.type != hole.type:
        raise AnswerError(f"the fill has type {node.type}, but the masked node has type {hole.type}")
    return node


def _syntax_message(e: TensIRSyntaxError) -> str:
    return f"syntax error at {e.line}:{e.column}: {e.message}\n{e.context}"


# -------------------------------------------------------------------------------------------------
# paths, kinds, masking
# -------------------------------------------------------------------------------------------------
def at(term: Arg, path: Path) -> Arg:
    for i in path:
        assert isinstance(term, App)
        term = term.args[i]
    return term


def replace_at(term: Arg, path: Path, new: Arg) -> Arg:
    """`term` with the node at `path` replaced (the result is type-checked again)."""
    if not path:
        return new
    assert isinstance(term, App)
    i, rest = path[0], path[1:]
    args = list(term.args)
    args[i] = replace_at(args[i], rest, new)
    return App(term.op, tuple(args))


def positions(term: Term) -> Iterator[Path]:
    """Paths of the proper subterms outside lambda bodies, and of the lambdas (pre-order)."""
    def walk(t: Arg, path: Path) -> Iterator[Path]:
        if path:
            yield path
        if isinstance(t, App):
            for i, a in enumerate(t.args):
                if isinstance(a, Lambda):
                    yield (*path, i)
                else:
                    yield from walk(a, (*path, i))
    return walk(term, ())


def kind_at(term: Term, path: Path) -> str:
    """The grammar rule a node at `path` must derive from to stand there without changing the
    parse: a lambda; any expression as an op's argument or an index; an operand of an infix or
    prefix operator at that operator's binding strength (the same rules the printer follows)."""
    node = at(term, path)
    if isinstance(node, Lambda):
        return "lambda_"
    if not path:
        return "or_"
    parent = at(term, path[:-1])
    assert isinstance(parent, App)
    i, op = path[-1], parent.op
    if op.form == "infix":
        need = op.prec + (1 if i == 1 or op.assoc != "left" else 0)
    elif op.form == "prefix":
        need = op.prec
    elif op.form in ("index", "slice") and i == 0:
        need = ATOM
    else:
        need = 0
    return next((rule for prec, rule in _LEVELS if need <= prec), "postfix")


def hole_at(term: Term, path: Path) -> Hole:
    node = at(term, path)
    if isinstance(node, Lambda):
        parent = at(term, path[:-1])
        assert isinstance(parent, App)
        plain = tuple(None if isinstance(a, Lambda) else a.type for a in parent.args)
        return Hole(path, "lambda_", None, tuple(parent.op.lambdas[path[-1]](*plain)))
    return Hole(path, kind_at(term, path), node.type)


def masked(term: Term, path: Path) -> str:
    """The text of `term` with the node at `path` shown as `??`."""
    node = at(term, path)
    marker = "HOLE_MARKER_"
    if isinstance(node, Lambda):
        stand_in: Arg = Lambda(node.params, Var(marker, node.body.type))
        text = print_term(replace_at(term, path, stand_in))
        return re.sub(r"\(lambda [^:]*: " + marker + r"\)|lambda [^:]*: " + marker, HOLE, text)
    text = print_term(replace_at(term, path, Var(marker, node.type)))
    return text.replace(marker, HOLE)


def node_text(term: Term, path: Path) -> str:
    return print_term(at(term, path))


def mapping_env(params: tuple[Var, ...]) -> Mapping[str, TensorType]:
    return {p.name: p.type for p in params}
