"""The stablehlo target: modules parse back (StableHLO's parser, to a portable artifact) and, run by
XLA on the CPU, equal the NumPy reference on random inputs; missing shapes and programs it cannot
express are refused with a message."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # before jax loads: no probing for accelerators
pytest.importorskip("jax")

from tensflo.compiler.cli import main  # noqa: E402
from tensflo.ir.tensir import Function, evaluate, parse_module  # noqa: E402
from tensflo.plugins.errors import UsageError  # noqa: E402
from tensflo.targets.stablehlo import (  # noqa: E402
    StableHloTarget,
    cpu_function,
    portable_artifact,
    run_on_cpu,
    split_modules,
)

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = """
def c_div_mod(a: vec[int], b: vec[int]) -> vec[int] =
    selection_two_args(a, b, lambda p, q: (p / q) * 1000 + p % q)

def py_div_mod(a: vec[int], d: int) -> vec[int] =
    vec_map(a, lambda e: floordiv(e, d) * 1000 + floormod(e, d))

def softish(x: vec[float], n: int) -> float =
    reduce_sum(vec_map(x[:n], lambda e: exp(e) / (1.0 + e * e)))

def gemv(m: mat[float], v: vec[float]) -> vec[float] =
    matrix_vec_mul(m, v)

def clamp_count(x: vec[int], lo: int, hi: int) -> int =
    reduce_sum(vec_map(x, lambda e: ite(e >= lo and e <= hi, 1, 0)))

def grow(x: vec[int], y: vec[int]) -> vec[int] =
    x[:reduce_sum(y)]
"""
SHAPES = "a=64,b=64,d=7,x=300,n=257,m=24x40,v=40,lo=-3,hi=5,y=4"


def functions() -> dict[str, Function]:
    texts = [PROGRAMS, *((ROOT / "examples" / f).read_text() for f in ("pixels.tensir", "linalg.tensir"))]
    return {f.name: f for t in texts for f in parse_module(t)}


def emit(fn: Function, shapes: str = SHAPES, lang: str | None = None) -> str:
    out = io.StringIO()
    StableHloTarget().configure(shapes=shapes).emit([fn], out, source_lang=lang)
    return out.getvalue()


def random_value(rng: np.random.Generator, elem: str, shape: tuple[int, ...]) -> np.ndarray:
    if elem == "float":
        return rng.normal(0.0, 2.0, shape)
    if elem == "bool":
        return rng.random(shape) < 0.5
    return rng.integers(-300, 300, shape, dtype=np.int64)


CASES = [("c_div_mod", "a=64,b=64"), ("py_div_mod", "a=64"), ("softish", "x=300,n=257"),
         ("gemv", "m=24x40,v=40"), ("clamp_count", "x=300"), ("brighten", "pixels=50,n=30"),
         ("darken_blend", "base=33,active=33"), ("mag_array", "a=40,n=40"),
         ("average", "a=17,b=17"), ("mat_mul", "a=9x5,b=5x7"), ("row_sums", "m=6x4,n=3")]


@pytest.mark.parametrize(("name", "shapes"), CASES)
def test_module_parses_and_equals_numpy_on_xla_cpu(name: str, shapes: str) -> None:
    fn = functions()[name]
    text = emit(fn, shapes)
    assert "stablehlo." in text and f"module @jit_{name}" in text
    assert len(portable_artifact(text)) > 0  # StableHLO's parser and verifier accept it
    given = StableHloTarget().configure(shapes=shapes).shapes
    dims = dict(given)
    rng = np.random.default_rng(7)
    worst = 0.0
    run = cpu_function(text)
    for _ in range(5):
        env: dict[str, object] = {}
        args = []
        for p in fn.params:
            if p.type.rank == 0 and p.name in dims:  # a static int: its value is in the module
                env[p.name] = dims[p.name][0]
                continue
            value = random_value(rng, p.type.elem, dims.get(p.name, ()) if p.type.rank else ())
            if name == "c_div_mod" and p.name == "b":  # zero and negative divisors
                value = rng.integers(-4, 5, value.shape, dtype=np.int64)
            env[p.name] = value
            args.append(value)
        want = np.asarray(evaluate(fn.body, env))
        got = run(args)
        assert got.shape == want.shape
        if fn.result.elem == "float":
            err = float(np.max(np.abs(got - want) / (1.0 + np.abs(want)), initial=0.0))
            worst = max(worst, err)
        else:
            assert np.array_equal(got, want), (name, got, want)
    assert worst < 1e-12, f"{name}: largest relative error {worst:.3g}"


def test_a_wrong_module_does_not_parse() -> None:
    text = emit(functions()["average"], "a=8,b=8")
    with pytest.raises(Exception):  # noqa: B017 - the binding raises its own error type
        portable_artifact(text.replace("stablehlo.add", "stablehlo.addd"))


@pytest.mark.parametrize(("shapes", "message"), [
    ("", "needs shapes"),
    ("x=300", "add n=VALUE"),
    ("n=4", "no shape for tensor parameter 'x'"),
    ("x=3x4,n=4", "does not fit its type"),
])
def test_missing_or_wrong_shapes_are_refused(shapes: str, message: str) -> None:
    target = StableHloTarget().configure(shapes=shapes) if shapes else StableHloTarget()
    with pytest.raises(UsageError, match=message):
        target.emit([functions()["softish"]], io.StringIO())


def test_shapes_outside_the_domain_are_refused() -> None:
    """XLA would broadcast a length-1 vector against a length-5 one, or clamp; TensIR has no value
    there, so the module is not written."""
    (add, top, pick) = parse_module(
        "def add(x: vec[int], y: vec[int]) -> vec[int] = vec_elemwise_add(x, y)\n"
        "def top(x: vec[float]) -> float = reduce_max(x)\n"
        "def pick(x: vec[int], i: int) -> int = x[i]")
    with pytest.raises(UsageError, match="leaves its domain: vec_elemwise_add: shapes differ"):
        emit(add, "x=1,y=5")
    with pytest.raises(UsageError, match="leaves its domain: reduce_max of an empty vector"):
        emit(top, "x=0")
    with pytest.raises(UsageError, match="with every input 0 .index"):
        emit(pick, "x=0")
    report = StableHloTarget().configure(shapes="x=4").emit([pick], io.StringIO())
    assert "positions read by index are in range" in report[0]["assumes"]
    assert "assumes" not in StableHloTarget().configure(shapes="x=1,y=1").emit([add], io.StringIO())[0]


def test_data_dependent_shape_is_refused() -> None:
    with pytest.raises(UsageError, match="data-dependent shape"):
        emit(functions()["grow"], "x=8,y=3")


def test_python_sources_keep_exact_ints() -> None:
    """A sum of Python ints can leave int64, and a module has no call-time check: refused; a count
    of elements cannot, and compiles."""
    with pytest.raises(UsageError, match="exceed int64"):
        emit(functions()["mag_array"], "a=8,n=8", lang="python")
    assert "stablehlo.reduce" in emit(functions()["clamp_count"], "x=8", lang="python")


def test_compile_command_writes_the_module(tmp_path: Path) -> None:
    src = tmp_path / "k.c"
    src.write_text("long dot(const long *a, const long *b, int n) {\n"
                   "  long s = 0;\n  for (int i = 0; i < n; i++) s += a[i] * b[i];\n  return s;\n}\n")
    out = tmp_path / "dot.mlir"
    status = main(["compile", str(src), "--function", "dot", "--target", "stablehlo",
                   "--shapes", "a=32,b=32,n=32", "-o", str(out), "--quiet"])
    assert status == 0
    text = out.read_text()
    rng = np.random.default_rng(1)
    a, b = (rng.integers(-1000, 1000, 32, dtype=np.int64) for _ in range(2))
    assert int(run_on_cpu(text, [a, b])) == int(a @ b)


def test_example_module_runs_the_c_formula() -> None:
    text = (ROOT / "examples" / "stablehlo" / "normal_blend_8.mlir").read_text()
    assert len(portable_artifact(text)) > 0
    run = cpu_function(text)
    rng = np.random.default_rng(3)
    for _ in range(5):
        base, active = (rng.integers(-255, 256, 1024, dtype=np.int64) for _ in range(2))
        opacity = rng.integers(-255, 256, dtype=np.int64)
        num = opacity * active + (255 - opacity) * base
        want = np.sign(num) * (np.abs(num) // 255)  # C: truncation toward zero
        assert np.array_equal(run([base, active, opacity]), want)


def _op_cases() -> list[tuple[str, tuple]]:
    """Every op the jax target renders (it refuses `ipow`: a negative exponent cannot raise
    under jax.jit)."""
    from tensflo.ir.tensir import OPS
    from tensflo.ir.tensir.signatures import signatures
    from tensflo.targets.jax import JaxTarget

    jax = JaxTarget()
    return [(op.name, next(iter(signatures(op)))) for op in OPS if jax.rendering(op) is not None]


@pytest.mark.parametrize(("name", "sig"), _op_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_op_lowers_and_equals_its_reference_on_xla_cpu(name: str, sig: tuple) -> None:
    """Each op (its first signature) applied to random parameters, one module per sample: the
    int parameters that decide a shape and every tensor's dims go into --shapes."""
    import zlib

    from tensflo.ir.tensir import OPS
    from tensflo.ir.tensir.sampling import sample_application
    from tensflo.targets.jax import static_params
    from tensflo.tests.support.values import params_of, same_value

    rng = np.random.default_rng(zlib.crc32(f"stablehlo{name}{sig}".encode()))
    s = sample_application(OPS[name], sig, rng)
    params = params_of(s.term)
    fn = Function("kernel", params, s.term)
    static = static_params(fn)
    if static is None:
        with pytest.raises(UsageError, match="data-dependent shape"):
            emit(fn, "")
        return
    shapes = [f"{p.name}={'x'.join(map(str, np.shape(s.env[p.name])))}" for p in params if p.type.rank]
    shapes += [f"{p.name}={int(s.env[p.name])}" for p in params if p in static]
    try:
        text = emit(fn, ",".join(shapes) or "none=0")
    except UsageError as e:
        pytest.fail(f"{s.term}: {e}")
    assert len(portable_artifact(text)) > 0
    got = run_on_cpu(text, [s.env[p.name] for p in params if p not in static])
    assert same_value(got, s.expected), f"{s.term} on {s.env}: {got!r} != {s.expected!r}"


def test_a_file_of_several_functions_splits_into_modules_xla_runs() -> None:
    fns = functions()
    out = io.StringIO()
    StableHloTarget().configure(shapes="a=6,b=6,base=6,active=6").emit(
        [fns["average"], fns["darken_blend"]], out)
    assert len(portable_artifact(out.getvalue())) > 0  # one file: a module of named modules
    parts = split_modules(out.getvalue())
    assert list(parts) == ["average", "darken_blend"]
    a, b = np.array([7, -7, 3, -3, 0, 9]), np.array([1, 1, 0, 0, 5, -9])
    assert run_on_cpu(parts["average"], [a, b]).tolist() == [4, -3, 1, -1, 2, 0]
    assert run_on_cpu(parts["darken_blend"], [a, b]).tolist() == np.minimum(a, b).tolist()
