"""The per-op entries of the array targets (numpy, torch, jax, mlx), written once over the array
library's namespace (`np`, `torch`, `jnp`, `mx`).

`array_entries(ns)` is NumPy's table spelled in `ns`; `framework_entries(ns)` derives what the
frameworks write differently (slice bounds through `int()`, `outer`, constant maps); each target
module merges the result with its own entries (`RENDER = {**framework_entries("mx"), ...}`).
Integer `/` and `%` go through the runtime helpers every target defines (`c_div`, `c_mod`, ...).
"""

from __future__ import annotations

from functools import partial

from tensflo.ir.tensir import App, Lambda, Lit, Term, free_vars
from tensflo.ir.tensir.ops import BROADCAST, ELEMWISE
from tensflo.ir.tensir.precedence import ATOM, PREC

from .pyexpr import PyEntry, PyRenderer, Template, call, infix, prefix
from .search_ops import search_entries

_A, _M, _C = PREC["add"], PREC["mul"], PREC["cmp"]


def scalar_entries(ns: str) -> dict[str, PyEntry]:
    """The scalar ops; vectorized, so the same text serves their elementwise and broadcast forms."""
    return {
        "add": infix("+", _A), "sub": infix("-", _A), "mul": infix("*", _M),
        "div": call("c_div", 2), "mod": call("c_mod", 2),
        "floordiv": call("py_div", 2), "floormod": call("py_mod", 2),
        "min": call(f"{ns}.minimum", 2), "max": call(f"{ns}.maximum", 2),
        "lt": infix("<", _C, "none"), "le": infix("<=", _C, "none"),
        "gt": infix(">", _C, "none"), "ge": infix(">=", _C, "none"),
        "eq": infix("==", _C, "none"), "ne": infix("!=", _C, "none"),
        "and": call(f"{ns}.logical_and", 2), "or": call(f"{ns}.logical_or", 2),
        "not": call(f"{ns}.logical_not", 1), "neg": prefix("-", PREC["unary"]),
        "abs": call(f"{ns}.abs", 1),
        **math_entries(ns),
    }


def math_entries(ns: str) -> dict[str, PyEntry]:
    """libm and the conversions: NaN outside libm's domain as in C; `to_int` truncates."""
    return {
        "sqrt": call(f"{ns}.sqrt", 1), "exp": call(f"{ns}.exp", 1), "log": call(f"{ns}.log", 1),
        "pow": call(f"{ns}.power", 2), "floor": call(f"{ns}.floor", 1),
        "isnan": call(f"{ns}.isnan", 1), "isinf": call(f"{ns}.isinf", 1),
        "to_float": Template(f"{ns}.asarray({{0}}, dtype={ns}.float64)"),
        "to_int": Template(f"{ns}.trunc({{0}}).astype({ns}.int64)"),
    }


def family_entries(scalar: dict[str, PyEntry]) -> dict[str, PyEntry]:
    """Each elementwise and broadcast op as its scalar op: the code is vectorized."""
    ops = [*ELEMWISE.values(), *BROADCAST.values()]
    return {op.name: scalar[op.family] for op in ops if op.family is not None}


def _bound(r: PyRenderer, b: Term, wrap: str) -> str:
    """A slice bound in Python: literal >= 0 as is, anything else (through `wrap`) clamped at 0."""
    if isinstance(b, Lit) and b.value >= 0:
        return str(b.value)
    return f"max({wrap.format(r.expr(b, 0))}, 0)"


def _lower(r: PyRenderer, lo: Term, wrap: str) -> str:
    return "" if isinstance(lo, Lit) and lo.value == 0 else _bound(r, lo, wrap)


def _slice(r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    x, lo, hi = t.term(0), t.term(1), t.term(2)
    return f"{r.expr(x, ATOM)}[{_lower(r, lo, wrap)}:{_bound(r, hi, wrap)}]", ATOM


def _col_slice(r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    m, lo, hi = t.term(0), t.term(1), t.term(2)
    return f"{r.expr(m, ATOM)}[:, {_lower(r, lo, wrap)}:{_bound(r, hi, wrap)}]", ATOM


def _take(r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    return f"{r.expr(t.term(0), ATOM)}[:{_bound(r, t.term(1), wrap)}]", ATOM


def _tail(r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    return f"{r.expr(t.term(0), ATOM)}[{_bound(r, t.term(1), wrap)}:]", ATOM


def _stride(ns: str, r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    """`x[start + step * arange(count)]`: the entries a strided loop reads (any step, 0 too)."""
    x, start, step = r.atom(t.term(0)), r.expr(t.term(1), _A), r.expr(t.term(2), _M)
    return f"{x}[{start} + {step} * {ns}.arange({_bound(r, t.term(3), wrap)})]", ATOM


def _reshape_rows(r: PyRenderer, t: App, wrap: str = "{}") -> tuple[str, int]:
    """`x[:rows * cols].reshape(rows, cols)`: a flat row-major matrix (empty for rows <= 0)."""
    rows, cols = _bound(r, t.term(1), wrap), _bound(r, t.term(2), wrap)
    return f"{r.atom(t.term(0))}[:{rows} * {cols}].reshape({rows}, {cols})", ATOM


def _full(ns: str, r: PyRenderer, t: App) -> tuple[str, int]:
    """`ns.full((max(n, 0),), v)` in the element type's dtype."""
    n, v = r.expr(t.term(0), 0), r.expr(t.term(1), 0)
    return f"{ns}.full((max(int({n}), 0),), {v}, dtype={r.dtypes[t.type.elem]})", ATOM


def _iota(ns: str, r: PyRenderer, t: App) -> tuple[str, int]:
    """`ns.arange(max(n, 0))` in the int dtype (Python ints on the exact path)."""
    return f"{ns}.arange(max(int({r.expr(t.term(0), 0)}), 0), dtype={r.dtypes['int']})", ATOM


def slicing_entries(wrap: str, ns: str = "np") -> dict[str, PyEntry]:
    """`x[lo:hi]` and friends; `wrap` turns a computed bound into a Python int (`int({})`), so
    that slices never depend on tensor values (0-d tensors; Python ints under jax.jit)."""
    return {"slice": partial(_slice, wrap=wrap), "col_slice": partial(_col_slice, wrap=wrap),
            "take": partial(_take, wrap=wrap), "tail": partial(_tail, wrap=wrap),
            "stride": partial(_stride, ns, wrap=wrap),
            "reshape_rows": partial(_reshape_rows, wrap=wrap)}


def map_entries(full: str) -> dict[str, PyEntry]:
    """Maps and selections: the lambda's body over the tensors' names; a constant body still yields
    a tensor, `full` (with `{x}` the first tensor, `{body}` and `{dtype}`)."""

    def render(r: PyRenderer, t: App) -> tuple[str, int]:
        *tensors, lam = t.args
        assert isinstance(lam, Lambda)
        names = [r.atom(x) for x in tensors if not isinstance(x, Lambda)]
        body, prec = r.lambda_body(lam, names)
        if not set(lam.params) & free_vars(lam.body):
            return full.format(x=names[0], body=body, dtype=r.dtypes[t.type.elem]), ATOM
        return body, prec

    return {name: render for name in
            ("vec_map", "matrix_map", "selection_two_args", "matrix_selection_two_args")}


def array_entries(ns: str) -> dict[str, PyEntry]:
    """Every built-in op as NumPy writes it, in namespace `ns`."""
    scalar = scalar_entries(ns)
    return {
        **scalar,
        "ite": call(f"{ns}.where", 3),
        "index": Template("{0}[{1}]", ATOM, (ATOM,)),
        **slicing_entries("{}", ns),
        "append": call("append_rows", 2),
        "stride_update": call("stride_update", 4),
        "flatten_rows": Template("{0}.reshape(-1)", ATOM, (ATOM,)),
        "full": partial(_full, ns),
        "iota": partial(_iota, ns),
        "len": call("len", 1),
        "transpose": Template("{0}.T", ATOM, (ATOM,)),
        "reduce_sum": call(f"{ns}.sum", 1),
        "reduce_mul": call(f"{ns}.prod", 1),
        "reduce_max": call(f"{ns}.max", 1),
        "scan_sum": Template(f"{ns}.cumsum({{0}}, axis=0)"),
        "scan_max": Template(f"{ns}.maximum.accumulate({{0}})"),
        "linear_recurrence": call("linear_recurrence", 3),
        "linear_recurrence_scan": call("linear_recurrence_scan", 3),
        "ipow": call("ipow", 2),
        "matrix_row_sum": Template(f"{ns}.sum({{0}}, axis=1)", ATOM, (0,)),
        "outer": Template(f"{ns}.multiply.outer({{0}}, {{1}})", ATOM),
        "matrix_vec_mul": infix("@", _M),
        "matmul": infix("@", _M),
        **map_entries(f"{ns}.full({ns}.shape({{x}}), {{body}}, dtype={{dtype}})"),
        **family_entries(scalar),
        **search_entries(ns),
    }


def framework_entries(ns: str) -> dict[str, PyEntry]:
    """NumPy's entries as an array framework writes them: bounds (0-d tensors, or Python ints under
    jax.jit) through `int()`, `ns.outer`, and constant maps over `x.shape`."""
    return {
        **array_entries(ns),
        **slicing_entries("int({})", ns),
        "outer": call(f"{ns}.outer", 2),
        "scan_max": Template(f"{ns}.cummax({{0}}, axis=0)"),
        **map_entries(f"{ns}.full({{x}}.shape, {{body}}, dtype={{dtype}})"),
    }
