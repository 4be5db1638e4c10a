"""Parse TensIR text (terms and `def` modules) into typed terms.

The lark grammar yields an untyped tree; elaboration looks ops up in the op table, gives lambda
parameters their types from the op's rule, and builds `App`s (which type-check themselves). Errors
carry line:col and a caret under the offending text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from .opdef import OPS, OpDef
from .terms import App, Arg, Lambda, Lit, Term, Var
from .types import BOOL, FLOAT, INT, TensIRTypeError, TensorType, parse_type

if TYPE_CHECKING:
    import lark


class TensIRSyntaxError(ValueError):
    """Malformed or ill-typed TensIR text, with its position."""

    def __init__(self, message: str, line: int, column: int, context: str, source: str) -> None:
        self.message, self.line, self.column, self.context, self.source = (
            message, line, column, context, source)
        super().__init__(f"{source}:{line}:{column}: {message}\n{context}".rstrip())


@dataclass(frozen=True)
class Function:
    """A named TensIR function: typed parameters and a body term (a `.tensir` file holds several)."""

    name: str
    params: tuple[Var, ...]
    body: Term

    @property
    def result(self) -> TensorType:
        return self.body.type

    def __str__(self) -> str:
        from .printer import print_term

        params = ", ".join(f"{p.name}: {p.type}" for p in self.params)
        return f"def {self.name}({params}) -> {self.result} =\n    {print_term(self.body)}\n"


@cache
def _parser(start: str) -> lark.Lark:
    import lark  # on first parse: a compile that parses no TensIR text does not load lark

    grammar = files(__package__).joinpath("tensir.lark").read_text()
    return lark.Lark(grammar, start=start, parser="lalr", propagate_positions=True,
                     maybe_placeholders=True)


def parse(text: str, env: Mapping[str, TensorType] | None = None, source: str = "<tensir>") -> Term:
    """Parse one term; `env` gives the types of its free variables."""
    tree = _run(text, "term", source)
    return _Elaborator(text, source).term(tree.children[0], dict(env or {}))


def parse_fragment(text: str, start: str, env: Mapping[str, TensorType],
                   lambda_params: tuple[TensorType, ...] | None = None,
                   source: str = "<tensir>") -> Arg:
    """Parse a piece of a term from the grammar rule `start` (`lambda_`, `term` or an operand
    rule); a lambda's parameters take the types `lambda_params`."""
    tree = _run(text, start, source)
    elab = _Elaborator(text, source)
    if start == "lambda_":
        return elab.arg(tree, dict(env), lambda_params)
    return elab.term(tree, dict(env))


def parse_module(text: str, source: str = "<tensir>") -> list[Function]:
    """Parse a `.tensir` module: `def name(x: vec[int], n: int) -> int = <term>` definitions."""
    tree = _run(text, "module", source)
    elab = _Elaborator(text, source)
    out: list[Function] = []
    seen: set[str] = set()
    for fndef in tree.children:
        fn = elab.function(fndef)
        if fn.name in seen:
            raise elab.error(f"function {fn.name} is defined twice", fndef)
        seen.add(fn.name)
        out.append(fn)
    return out


def _run(text: str, start: str, source: str) -> lark.Tree:
    import lark

    try:
        return _parser(start).parse(text)
    except lark.exceptions.UnexpectedInput as e:
        if isinstance(e, lark.exceptions.UnexpectedToken):
            got = "end of input" if e.token.type == "$END" else repr(str(e.token))
            expected = sorted(_describe(t) for t in e.accepts or e.expected)
            msg = f"unexpected {got}; expected {', '.join(expected[:8])}"
        elif isinstance(e, lark.exceptions.UnexpectedCharacters):
            msg = f"unexpected character {text[e.pos_in_stream or 0]!r}"
        else:
            msg = "unexpected end of input"
        line = getattr(e, "line", 0) or 1
        column = getattr(e, "column", 0) or 1
        if isinstance(e, lark.exceptions.UnexpectedToken) and e.token.type == "$END":
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        raise TensIRSyntaxError(msg, line, column, _caret(text, line, column), source) from None


_TOKEN_NAMES = {
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "COLON": "':'",
    "EQUAL": "'='", "NAME": "a name", "INT": "an integer", "FLOAT": "a float", "MINUS": "'-'",
    "ADDOP": "'+' or '-'", "MULOP": "'*', '/' or '%'", "CMP": "a comparison", "$END": "end of input",
    "LAMBDA": "'lambda'", "TRUE": "'true'", "FALSE": "'false'", "NOT": "'not'", "AND": "'and'",
    "OR": "'or'", "DEF": "'def'", "RARROW": "'->'", "__ANON_0": "'->'",
}


def _describe(token: str) -> str:
    return _TOKEN_NAMES.get(token, token.lower())


def _caret(text: str, line: int, column: int) -> str:
    lines = text.splitlines() or [""]
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"  {src}\n  {' ' * (column - 1)}^"


class _Elaborator:
    def __init__(self, text: str, source: str) -> None:
        self.text, self.source = text, source

    def error(self, message: str, node: lark.Tree | lark.Token) -> TensIRSyntaxError:
        import lark

        meta = node if isinstance(node, lark.Token) else node.meta
        line = getattr(meta, "line", 1) or 1
        column = getattr(meta, "column", 1) or 1
        return TensIRSyntaxError(message, line, column, _caret(self.text, line, column), self.source)

    def type_(self, node: lark.Tree) -> TensorType:
        text = "".join(str(c) for c in node.children if c is not None)
        if len([c for c in node.children if c is not None]) == 2:
            text = f"{node.children[0]}[{node.children[1]}]"
        try:
            return parse_type(text)
        except TensIRTypeError as e:
            raise self.error(str(e), node) from None

    def function(self, node: lark.Tree) -> Function:
        name, *params, ret, body_node = node.children
        env: dict[str, TensorType] = {}
        pvars = []
        for p in params:
            if p is None:
                continue
            pname, ptype = p.children
            if str(pname) in env:
                raise self.error(f"parameter {pname} is declared twice", p)
            env[str(pname)] = self.type_(ptype)
            pvars.append(Var(str(pname), env[str(pname)]))
        body = self.term(body_node, env)
        if ret is not None and self.type_(ret) != body.type:
            raise self.error(
                f"{name} is declared to return {self.type_(ret)} but its body is {body.type}", ret)
        return Function(str(name), tuple(pvars), body)

    def term(self, node: lark.Tree | lark.Token, env: dict[str, TensorType]) -> Term:
        out = self.arg(node, env, None)
        if isinstance(out, Lambda):
            raise self.error("a lambda can only be the argument of a map or selection op", node)
        return out

    def arg(self, node, env: dict[str, TensorType], params: tuple[TensorType, ...] | None) -> Arg:
        kind = node.data
        ch = node.children
        if kind == "lambda_":
            *names, body = ch
            if params is None:
                raise self.error("a lambda can only be the argument of a map or selection op", node)
            if len(names) != len(params):
                raise self.error(f"this lambda must take {len(params)} parameter(s), it takes "
                                 f"{len(names)}", node)
            pvars = tuple(Var(str(n), t) for n, t in zip(names, params, strict=True))
            inner = {**env, **{v.name: v.type for v in pvars}}
            try:
                return Lambda(pvars, self.term(body, inner))
            except TensIRTypeError as e:
                raise self.error(str(e), node) from None
        if params is not None:
            raise self.error(f"expected a lambda taking ({', '.join(map(str, params))})", node)
        if kind == "paren":
            return self.term(ch[0], env)
        if kind == "var":
            name = str(ch[0])
            if name not in env:
                raise self.error(f"unknown variable {name}", node)
            return Var(name, env[name])
        if kind == "int":
            return Lit(int(ch[0]), INT)
        if kind == "float":
            return Lit(float(ch[0]), FLOAT)
        if kind in ("true", "false"):
            return Lit(kind == "true", BOOL)
        if kind == "prefix":
            sym, operand = ch
            if str(sym) == "-" and operand.data in ("int", "float"):
                lit = self.term(operand, env)
                assert isinstance(lit, Lit)
                return Lit(-lit.value, lit.type)
            return self.apply(self.op_for(str(sym), "prefix", node), [operand], env, node)
        if kind == "infix":
            left, sym, right = ch
            return self.apply(self.op_for(str(sym), "infix", node), [left, right], env, node)
        if kind == "index":
            return self.apply(OPS["index"], list(ch), env, node)
        if kind == "slice":
            x, lo, hi = ch
            args = [x, lo if lo is not None else Lit(0, INT), hi]
            return self.apply(OPS["slice"], args, env, node)
        if kind == "call":
            name, *args = ch
            op = OPS.get(str(name))
            if op is None:
                raise self.error(f"unknown op {name} (see `tensflo ops`)", node)
            return self.apply(op, [a for a in args if a is not None], env, node)
        raise self.error(f"unsupported syntax {kind}", node)

    def op_for(self, symbol: str, form: str, node) -> OpDef:
        op = OPS.by_symbol(symbol, form)
        if op is None:
            raise self.error(f"no op is declared for {form} {symbol!r}", node)
        return op

    def apply(self, op: OpDef, args: list, env: dict[str, TensorType], node) -> App:
        if len(args) != op.arity:
            raise self.error(f"{op.name} takes {op.arity} argument(s), got {len(args)}", node)
        built: list[Arg | None] = [None] * len(args)
        for i, a in enumerate(args):
            if i not in op.lambdas:
                built[i] = a if isinstance(a, Term) else self.term(a, env)
        plain = tuple(None if b is None else b.type for b in built)
        for i in op.lambdas:
            try:
                params = tuple(op.lambdas[i](*plain))
            except TensIRTypeError as e:
                raise self.error(str(e), node) from None
            built[i] = self.arg(args[i], env, params)
        done = tuple(b for b in built if b is not None)
        assert len(done) == len(built)
        try:
            return App(op, done)
        except TensIRTypeError as e:
            raise self.error(str(e), node) from None
