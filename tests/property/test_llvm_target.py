"""The llvm target computes each op's reference semantics, in one loop nest without temporaries.

For every op and signature, random applications (negative and zero divisors included) are compiled
in one module and run; results must equal `evaluate`, with int64/float64 buffers and again with
int32/float32 buffers (values are small, so both hold them exactly). Outside an op's domain the
compiled code raises `DomainError` instead of reading out of bounds.
"""

from __future__ import annotations

import io
import re
import zlib

import numpy as np
import pytest

from tensflo.ir.tensir import OPS, DomainError, Function, evaluate, parse_module
from tensflo.ir.tensir.sampling import sample_application
from tensflo.ir.tensir.signatures import signatures
from tensflo.targets.llvm import LlvmTarget, runtime, streaming
from tensflo.tests.support.values import params_of, same_value

TARGET = LlvmTarget()
NOT_RENDERED = ["ipow"]
"""Ops the llvm target refuses: `ipow` raises past int64 or the float range, inside a loop where
the target has no error path; a program with one is refused with the op's name."""
CASES = [(op.name, sig) for op in OPS for sig in signatures(op) if op.name not in NOT_RENDERED]
SAMPLES = 5
NARROW = {"int": "int32", "float": "float32", "bool": "bool"}

pytestmark = pytest.mark.skipif(not TARGET.available()[0], reason="llvmlite cannot JIT here")


@pytest.mark.parametrize(("name", "sig"), CASES, ids=[f"{n}-{'-'.join(map(str, s))}" for n, s in CASES])
def test_generated_code_matches_reference(name: str, sig) -> None:
    rng = np.random.default_rng(zlib.crc32(f"llvm{name}{sig}".encode()))
    scalar = all(t is None or t.rank == 0 for t in sig)  # cheap to compile: more samples
    samples = [sample_application(OPS[name], sig, rng) for _ in range(SAMPLES * (4 if scalar else 1))]
    fns = []
    for k, s in enumerate(samples):
        params = params_of(s.term)
        fns.append(Function(f"kernel{k}", params, s.term))
    wide = TARGET.compile(fns)
    narrow = {}
    for elem in {f.result.elem for f in fns}:  # one module per result type (lambdas vary it)
        group = [f for f in fns if f.result.elem == elem]
        types = {p.name: NARROW[p.type.elem] for f in group for p in f.params}
        narrow |= TARGET.compile(group, types | {"return": NARROW[elem]})
    for f, s in zip(fns, samples, strict=True):
        args = [s.env[p.name] for p in f.params]
        got = wide[f.name](*args)
        assert same_value(got, s.expected), f"{s.term} on {s.env}: {got!r} != {s.expected!r}"
        got = narrow[f.name](*args)
        assert np.asarray(got).dtype == np.dtype(NARROW[f.result.elem])
        assert same_value(got, s.expected, narrow=True), f"{s.term} (32-bit) on {s.env}: {got!r}"


def test_every_op_but_ipow_has_an_llvm_rendering() -> None:
    assert sorted(op.name for op in OPS if TARGET.rendering(op) is None) == NOT_RENDERED


def test_ipow_is_refused_naming_the_op() -> None:
    (fn,) = parse_module("def f(x: float, k: int) -> float = ipow(x, k)")
    with pytest.raises(Exception, match="cannot render op ipow"):
        TARGET.compile([fn])


def test_division_and_remainder_follow_c_and_python() -> None:
    (f,) = parse_module("def f(a: vec[int], b: vec[int]) -> vec[int] = "
                        "vec_elemwise_add(vec_scalar_mul(vec_elemwise_div(a, b), 1000), "
                        "selection_two_args(a, b, lambda x, y: x % y))")
    (g,) = parse_module("def g(a: vec[int], b: vec[int]) -> vec[int] = "
                        "selection_two_args(a, b, lambda x, y: floordiv(x, y) * 1000 + floormod(x, y))")
    code = TARGET.compile([f, g])
    imin = np.iinfo(np.int64).min
    a = np.array([7, -7, 7, -7, 0, 5, -5, imin, imin, 9])
    b = np.array([2, 2, -2, -2, 3, 0, 0, -1, 0, -1])
    # C: 7/2=3, -7/2=-3, 7%-2=1, -7%2=-1; x/0=0, x%0=x; INT_MIN/-1 wraps (no trap)
    assert code["f"](a, b).tolist()[:7] == [3001, -3001, -2999, 2999, 0, 5, -5]
    assert code["f"](a, b).tolist() == evaluate(f.body, {"a": a, "b": b}).tolist()
    # Python: -7//2=-4, -7%2=1, 7//-2=-4, 7%-2=-1, -7//-2=3, -7%-2=-1; x//0=0, x%0=x
    assert code["g"](a[:7], b[:7]).tolist() == [3001, -3999, -4001, 2999, 0, 5, -5]
    c = np.arange(-20, 21)
    d = np.array([3, -3, 7, -7, 1, -1, 0] * 6)[: len(c)]
    assert code["g"](c, d).tolist() == evaluate(g.body, {"a": c, "b": d}).tolist()


def test_float_division_by_zero_is_zero() -> None:
    (f,) = parse_module("def f(a: vec[float], b: vec[float]) -> vec[float] = vec_elemwise_div(a, b)")
    got = TARGET.compile([f])["f"]([1.0, -2.0, 3.0], [0.0, 4.0, -0.0])
    assert got.tolist() == [0.0, -0.5, 0.0]


@pytest.mark.parametrize(("text", "args", "message"), [
    ("def f(x: vec[int], i: int) -> int = x[i]", ([1, 2, 3], 3), "index out of range"),
    ("def f(x: vec[int], i: int) -> int = x[i]", ([1, 2, 3], -1), "index out of range"),
    ("def f(x: mat[int], i: int) -> vec[int] = x[i]", (np.ones((2, 3), int), 2), "index out of range"),
    ("def f(x: vec[int], y: vec[int]) -> vec[int] = vec_elemwise_add(x, y)", ([1, 2], [1]), "shapes"),
    ("def f(x: vec[int], n: int) -> int = reduce_max(x[:n])", ([1, 2], 0), "empty"),
    ("def f(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)",
     (np.ones((2, 3), int), np.ones((2, 3), int)), "matmul"),
    ("def f(a: mat[int], v: vec[int]) -> vec[int] = matrix_vec_mul(a, v)",
     (np.ones((2, 3), int), [1, 2]), "matrix_vec_mul"),
    ("def f(a: mat[int], v: vec[int]) -> mat[int] = append(a, v)", (np.ones((2, 3), int), [1, 2]), "append"),
    ("def f(x: mat[int], y: mat[int]) -> mat[int] = matrix_selection_two_args(x, y, lambda a, b: a + b)",
     (np.ones((2, 3), int), np.ones((2, 2), int)), "shapes"),
])
def test_domain_errors_raise(text: str, args, message: str) -> None:
    (f,) = parse_module(text)
    with pytest.raises(DomainError):
        evaluate(f.body, dict(zip([p.name for p in f.params], args, strict=True)))
    with pytest.raises(DomainError, match=message):
        TARGET.compile([f])["f"](*args)


def _ir(text: str) -> str:
    out = io.StringIO()
    TARGET.emit(parse_module(text), out)
    return out.getvalue()


def _function_body(ir_text: str, name: str) -> str:
    match = re.search(rf'define i32 @"{name}"\(.*?\n}}', ir_text, re.S)
    assert match is not None, f"{name} not in the module"
    return match.group(0)


def _loop_headers(body: str) -> list[str]:
    return re.findall(r'^"?((?:nest|fold)\.head\.\d+)"?:', body, re.M)


CHAIN = ("def chain(x: vec[int], y: vec[int], n: int) -> int = reduce_sum(vec_map("
         "selection_two_args(x[:n], y[:n], lambda a, b: a * b + 1), lambda e: e / 3))")
BLEND = ("def blend(base: mat[int], active: mat[int], m: int, n: int) -> mat[int] = "
         "matrix_selection_two_args(col_slice(base[:m], 0, n), col_slice(active[:m], 0, n), "
         "lambda e1, e2: 255 - (255 - e1) * (255 - e2) / 255)")


@pytest.mark.parametrize(("text", "name", "loops", "stores"), [
    (CHAIN, "chain", 1, 1),  # one reduction loop, one store of the result
    (BLEND, "blend", 2, 1),  # rows x columns, one store per element
])
def test_fused_code_has_one_loop_nest_and_no_temporaries(text, name, loops, stores,
                                                         monkeypatch) -> None:
    monkeypatch.setattr(streaming, "supported", lambda: False)  # the plain nest only (see below)
    body = _function_body(_ir(text), name)
    assert len(_loop_headers(body)) == loops
    assert len(re.findall(r"^\s*store ", body, re.M)) == stores
    assert re.search(r"\b(alloca|call|malloc|invoke)\b", body) is None
    # the only memory written is the output argument's
    into_out = set(re.findall(r'(%"[^"]+") = getelementptr inbounds [^,]+, [^,]+ %"out"', body))
    written = re.findall(r"store [^\n]*, [^,]*\* (%\"[^\"]+\")", body)
    assert written and all(w in into_out or w == '%"out"' for w in written)
    # nested loops: the column loop's header comes after the row loop's, inside it (no sibling)
    if loops == 2:
        rows, cols = _loop_headers(body)
        assert body.index(rows) < body.index(cols)


@pytest.mark.skipif(not streaming.supported(), reason="x86-64 only")
def test_the_streamed_nest_adds_only_a_fixed_stage_and_a_fence() -> None:
    """The nest that can stream a large output (`streaming`) allocates one 4 KB stack stage,
    calls only `sfence`, and stores into the output or the stage."""
    body = _function_body(_ir(BLEND), "blend")
    stages = re.findall(r'(%"[^"]+") = alloca \[(\d+) x i64\]', body)
    assert len(stages) == 1 and int(stages[0][1]) * 8 == streaming.CHUNK_BYTES
    assert re.findall(r'call \w+ @"?([\w.]+)', body) == ["llvm.x86.sse.sfence"]
    assert re.search(r"\b(malloc|invoke)\b", body) is None
    assert len(re.findall(r"!nontemporal", body)) == 1
    # every store goes through a pointer derived from %"out" or from the stage
    derived = {'%"out"', stages[0][0]}
    for line in body.splitlines():
        m = re.match(r'\s*(%"[^"]+") = (?:getelementptr(?: inbounds)? [^,]+, [^,]+|bitcast .*?) '
                     r'(%"[^"]+")', line)
        if m and m.group(2) in derived:
            derived.add(m.group(1))
        m = re.match(r'\s*(%"[^"]+") = select\s+i1 [^,]+, [^,]* (%"[^"]+"), [^,]* (%"[^"]+")', line)
        if m and {m.group(2), m.group(3)} <= derived:  # the stage or the output, per piece
            derived.add(m.group(1))
    written = re.findall(r"store [^\n]*, [^,]*\* (%\"[^\"]+\")", body)
    assert written and all(w in derived for w in written), set(written) - derived


def test_emitted_module_parses_and_verifies() -> None:
    from tensflo.targets.llvm.jit import optimize

    optimize(_ir(CHAIN + "\n" + BLEND).split("\n", 1)[1])


@pytest.mark.parametrize("text", [
    CHAIN, BLEND,
    "def f(x: vec[int], n: int) -> int = reduce_max(append(take(tail(x, 1), n - 1), x[0]))",
    "def f(x: vec[int]) -> int = reduce_mul(vec_map(x, lambda e: ite(e == 0, 1, e % 3 + 2)))",
    "def f(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)",
    "def f(a: mat[float], b: mat[float]) -> mat[float] = matmul(a, b)",
    "def f(x: vec[float], y: vec[float]) -> float = reduce_sum(vec_elemwise_mul(x, y))",
    "def f(a: mat[int], x: vec[int]) -> vec[int] = matrix_vec_mul(transpose(a), x)",
    "def f(a: mat[float], x: vec[float]) -> vec[float] = matrix_vec_mul(transpose(a), x)",
])
def test_two_threads_give_the_single_thread_result(text: str) -> None:
    (f,) = parse_module(text)
    kernel = TARGET.compile([f])[f.name]
    rng = np.random.default_rng(1)
    big = 400 if any(p.type.rank == 2 for p in f.params) else 300_000
    args = []
    for p in f.params:
        if p.type.rank == 2:
            args.append(rng.integers(-300, 300, (400, 400)).astype(
                float if p.type.elem == "float" else np.int64))
        elif p.type.rank == 1:
            args.append(rng.integers(-300, 300, big).astype(float if p.type.elem == "float" else np.int64))
        else:
            args.append(big - 7)
    prepared = kernel.prepare(args)
    assert prepared.work > runtime.PARALLEL_THRESHOLD
    kernel.threads = 1
    single = kernel.run(prepared)
    kernel.threads = 2
    double = kernel.run(prepared)
    assert np.array_equal(single, double)
    want = evaluate(f.body, dict(zip([p.name for p in f.params], args, strict=True)))
    if np.asarray(want).dtype.kind == "f":
        assert np.allclose(double, want, rtol=1e-9)
    else:
        assert np.array_equal(double, want)


CORPUS = [  # TensIR of lifted corpus kernels (benchmarks/results/lift_corpus.md)
    ("def f(x: vec[int], n: int) -> int = "
     "reduce_max(append(vec_map(x[:n], lambda e: ite(e < 0, -e, e)), 0))"),
    ("def f(x: vec[int], n: int) -> vec[int] = vec_scalar_sub(x[:n], ite(n > 0, reduce_sum(x[:n]) / n, 0))"),
    ("def f(a: mat[int], x: vec[int], m: int, n: int) -> vec[int] = "
     "matrix_vec_mul(transpose(col_slice(a[:m], 0, n)), x[:m])"),
    ("def f(y: vec[int], a: mat[int], x: vec[int], alpha: int, beta: int, m: int, n: int) -> vec[int] = "
     "selection_two_args(y[:m], matrix_vec_mul(col_slice(a[:m], 0, n), x[:n]), "
     "lambda e2, r1: alpha * r1 + beta * e2)"),
    ("def f(a: mat[int], x: vec[int], y: vec[int], alpha: int, m: int, n: int) -> mat[int] = "
     "matrix_elemwise_add(col_slice(a[:m], 0, n), outer(vec_scalar_mul(x[:m], alpha), y[:n]))"),
    ("def f(matrix: mat[int], m: int, n: int) -> vec[int] = matrix_row_sum(col_slice(transpose(matrix)[:n], 0, m))"),
    ("def f(base: mat[int], active: mat[int]) -> mat[int] = matrix_selection_two_args(col_slice(base, 0, "
     "len(transpose(base))), col_slice(active[:len(base)], 0, len(transpose(base))), "
     "lambda e1, e2: floordiv(e1 * e2, 255))"),
    ("def f(a: mat[int], b: mat[int], m: int, k: int, n: int) -> mat[int] = "
     "matmul(col_slice(a[:m], 0, k), col_slice(b[:k], 0, n))"),
    ("def f(x: vec[int], n: int) -> vec[int] = vec_elemwise_sub(take(tail(x, 1), n - 1), x[:n - 1])"),
    ("def f(x: vec[int], start: int, len: int) -> int = reduce_sum(vec_map(take(tail(x, start), len), lambda e: e * e))"),
]


@pytest.mark.parametrize("text", CORPUS)
@pytest.mark.parametrize("narrow", [False, True])
def test_lifted_corpus_programs_match_numpy_target(text: str, narrow: bool) -> None:
    """Large random inputs, also shapes with 0 rows or columns; out-of-domain ones must raise."""
    from tensflo.targets.numpy import NumpyTarget

    (f,) = parse_module(text)
    dtypes = {p.name: "int32" for p in f.params if p.type.rank} | ({"return": "int32"} if narrow else {})
    kernel = TARGET.compile([f], dtypes if narrow else None)[f.name]
    reference = NumpyTarget().compile([f])[f.name]
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    shapes = [(300, 257), (3, 0), (0, 5)] + ([] if "outer" in text else [(1, 200_001)])
    for rows, cols in shapes:
        args = []
        for p in f.params:
            if p.type.rank == 2:
                args.append(rng.integers(0, 256, (rows, cols)))
            elif p.type.rank == 1:
                args.append(rng.integers(-1000, 1000, max(rows, cols)))
            else:
                args.append(int(rng.integers(-2, max(rows, cols) + 3)))
        env = dict(zip([p.name for p in f.params], args, strict=True))
        try:
            evaluate(f.body, env)
        except DomainError:  # outside the domain: an error, never garbage
            with pytest.raises(DomainError):
                kernel(*args)
            continue
        want = reference(*args)
        got = kernel(*args)
        assert np.array_equal(np.asarray(got), np.asarray(want).astype(np.asarray(got).dtype))


def test_automatic_threads_time_one_call_per_size_class_and_keep_results(monkeypatch) -> None:
    (f,) = parse_module("def f(x: vec[int], y: vec[int]) -> vec[int] = "
                        "selection_two_args(x, y, lambda a, b: ite(a > b, a - b, b * 2))")
    kernel = TARGET.compile([f])[f.name]
    rng = np.random.default_rng(3)
    x, y = rng.integers(-300, 300, 200_000), rng.integers(-300, 300, 200_000)
    prepared = kernel.prepare([x, y])
    want = np.where(x > y, x - y, y * 2)
    for handoff, calls in ((1.0, runtime.TRIALS), (1e-9, 2 * runtime.TRIALS)):
        # a slow hand-off never pays (decided after the single-thread trials); with a free one
        # the two-thread trials run too and the faster way is kept
        monkeypatch.setattr(runtime, "handoff_seconds", lambda h=handoff: h)
        kernel._split.clear()
        kernel._times.clear()
        assert kernel.threads is None
        for _ in range(calls):
            assert not kernel._split
            assert np.array_equal(kernel.run(prepared), want)  # a timed trial call
        assert list(kernel._split.values()) in ([False], [True] if handoff < 1 else [False])
        assert np.array_equal(kernel.run(prepared), want)
    small = kernel.prepare([x[:100], y[:100]])
    assert np.array_equal(kernel.run(small), want[:100])
    assert len(kernel._split) == 1  # small calls never split, so they are not timed


# -- exact 32-bit arithmetic where the output is stored as int32 (targets/llvm/demand.py) ----------
RING_ONLY = [
    "def f(x: vec[int], y: vec[int], n: int) -> int = reduce_sum(vec_elemwise_mul(x[:n], y[:n]))",
    "def f(x: vec[int]) -> int = reduce_sum(vec_map(x, lambda e: e * e))",
    "def f(x: vec[int]) -> int = reduce_mul(vec_scalar_add(x, 3))",
    "def f(a: mat[int], x: vec[int]) -> vec[int] = matrix_vec_mul(a, x)",
    "def f(a: mat[int], x: vec[int]) -> vec[int] = matrix_vec_mul(transpose(a), x)",
    "def f(a: mat[int], b: mat[int]) -> mat[int] = matmul(a, b)",
    "def f(a: mat[int], x: vec[int], y: vec[int]) -> mat[int] = matrix_elemwise_sub(a, outer(x, y))",
    "def f(m: mat[int]) -> vec[int] = matrix_row_sum(m)",
    ("def f(x: vec[int], y: vec[int], alpha: int) -> vec[int] = "
     "selection_two_args(x, y, lambda a, b: alpha * a + b)"),
    ("def f(x: vec[int], y: vec[int]) -> vec[int] = "
     "selection_two_args(x, y, lambda a, b: ite(a > b, a * b - 7, -b * b))"),
    "def f(x: vec[int], i: int) -> int = x[i] * x[i] + len(x) * 1000000007",
]
NON_RING = [  # a non-ring op between the ring part and the output: computed exactly, then stored
    "def f(x: vec[int]) -> vec[int] = vec_map(x, lambda e: (e * e) / 3)",
    "def f(x: vec[int], y: vec[int]) -> int = reduce_max(vec_elemwise_mul(x, y))",
    "def f(x: vec[int]) -> int = ite(reduce_sum(x) > 0, reduce_sum(x) * 3, 0 - reduce_sum(x))",
    "def f(x: vec[int]) -> int = reduce_sum(vec_map(x, lambda e: ite(e * e > 1000, e * 3, e)))",
    "def f(x: vec[int], y: vec[int]) -> vec[int] = selection_two_args(x, y, lambda a, b: floormod(a * b, 1000))",
    "def f(a: mat[int], x: vec[int]) -> vec[int] = vec_map(matrix_vec_mul(a, x), lambda e: max(e, 0))",
]


def _overflowing(f: Function, rng: np.random.Generator, dtype: str) -> list:
    """Random inputs, half of them within 2^10 of +-2^31 (their sums and products overflow i32)."""
    big = 2**31 if dtype == "int32" else 2**40
    args = []
    for p in f.params:
        if p.type.rank == 0:
            args.append(0 if p.name == "i" else 40 if p.name == "n" else int(rng.integers(-big, big)))
            continue
        shape = (40,) if p.type.rank == 1 else (40, 40)
        near = np.where(rng.random(shape) < 0.5, big - 1, -big) - rng.integers(-1024, 1024, shape)
        near = np.clip(near, -big, big - 1)
        args.append(np.where(rng.random(shape) < 0.5, near, rng.integers(-big, big, shape)).astype(dtype))
    return args


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("text", RING_ONLY + NON_RING)
def test_int32_results_are_the_exact_results_wrapped(text: str, dtype: str) -> None:
    """Computing ring-only values in 32 bits stores the bits of the exact value; non-ring ops
    (comparisons, division, max, ...) still see exact values."""
    (f,) = parse_module(text)
    kernel = TARGET.compile([f], {p.name: dtype for p in f.params} | {"return": "int32"})[f.name]
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    for _ in range(3):
        args = _overflowing(f, rng, dtype)
        with np.errstate(over="ignore"):
            want = evaluate(f.body, dict(zip([p.name for p in f.params], args, strict=True)))
        got = kernel(*args)
        assert np.asarray(got).dtype == np.int32
        assert np.array_equal(got, np.asarray(want).astype(np.int64).astype(np.int32)), f"{args}"


def test_analysis_stops_at_non_ring_ops() -> None:
    from tensflo.targets.llvm.demand import demanded_terms

    def narrowed(text: str) -> set[str]:
        (f,) = parse_module(text)
        return {t.name for t in demanded_terms(f.body) if hasattr(t, "name")}

    assert narrowed("def f(x: vec[int], y: vec[int]) -> int = reduce_sum(vec_elemwise_mul(x, y))") == {"x", "y"}
    assert narrowed("def f(x: vec[int]) -> vec[int] = vec_map(x, lambda e: e * e + 1)") == {"x", "e"}
    assert narrowed("def f(x: vec[int]) -> vec[int] = vec_map(x, lambda e: (e * e) / 3)") == set()
    # e feeds a comparison, so x is read exactly; the branch e * 3 truncates e
    assert narrowed("def f(x: vec[int]) -> vec[int] = vec_map(x, lambda e: ite(e > 0, e * 3, 1))") == {"e"}
    assert narrowed("def f(x: vec[int], n: int, k: int) -> int = reduce_sum(x[:n]) * k") == {"x", "k"}


def test_split_int32_max_of_overflowing_products_is_exact() -> None:
    (f,) = parse_module("def f(x: vec[int], y: vec[int]) -> int = reduce_max(vec_elemwise_mul(x, y))")
    kernel = TARGET.compile([f], {"x": "int32", "y": "int32", "return": "int32"})["f"]
    x = np.full(100_000, 3, np.int32)
    y = np.full(100_000, 5, np.int32)
    x[:10], y[:10] = 2**31 - 1, 2**31 - 1  # product 2^62 - 2^32 + 1: low 32 bits are 1
    x[-1], y[-1] = 1, 2                    # the largest product of the second half is 15
    kernel.threads = 2
    assert kernel(x, y) == np.int32(1)


DOT = "def dot(x: vec[int], y: vec[int]) -> int = reduce_sum(vec_elemwise_mul(x, y))"


@pytest.mark.parametrize(("result", "width"), [("int32", "i32"), ("int64", "i64")])
def test_int32_dot_computes_in_32_bits(result: str, width: str) -> None:
    out = io.StringIO()
    TARGET.emit(parse_module(DOT), out, {"x": "int32", "y": "int32", "return": result})
    body = _function_body(out.getvalue(), "dot")
    match = re.search(r'^"?fold\.body\.\d+"?:\n(.*?)^"?fold\.exit', body, re.M | re.S)
    assert match is not None
    loop = match.group(1)
    arith = re.findall(r"= (mul|add) (?:nsw )?(i\d+) ", loop)
    assert ("mul", width) in arith
    assert ("add", width) in arith  # the accumulator (and the index, in i64)
    assert [w for op, w in arith if op == "mul"] == [width]
    assert ("sext" in loop) == (width == "i64")  # int32 loads are not widened when narrowed
