"""Searches, early exits and arg-max/arg-min: the ops' semantics, lifted proofs, the generated code
against the original (g++ for C++, CPython for Python) with ties and not-found inputs, and wrong
candidates refused."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensflo.compiler.differential import check_compiled, load_module, original_outputs
from tensflo.compiler.pipeline import Options, compile_file, read_module
from tensflo.compiler.verify import obligation_script
from tensflo.ir.lifting import check_candidate, lift_function
from tensflo.ir.lifting.inputs import Case
from tensflo.ir.loop import Interpreter
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import OPS, Var, evaluate, parse
from tensflo.ir.tensir.smt import Encoder
from tensflo.ir.tensir.types import INT, TensorType
from tensflo.plugins.manager import load_registry

CPP = """#include <vector>
int linear_search(const std::vector<int>& a, int n, int key) {
    for (int i = 0; i < n; i++) {
        if (a[i] == key) return i;
    }
    return -1;
}
int last_index_of(const std::vector<int>& a, int n, int key) {
    for (int i = n - 1; i >= 0; i--)
        if (a[i] == key) return i;
    return -1;
}
int first_mismatch(const std::vector<int>& a, const std::vector<int>& b, int n) {
    int r = n;
    for (int i = 0; i < n; i++) {
        if (a[i] != b[i]) { r = i; break; }
    }
    return r;
}
int is_sorted(const std::vector<int>& a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}
int first_above_while(const std::vector<int>& a, int t) {
    int i = 0;
    while (i < (int)a.size()) {
        if (a[i] > t) break;
        i++;
    }
    return i;
}
int find_or_end(const std::vector<int>& a, int n, int k) {
    int i = 0;
    while (i < n) {
        if (a[i] == k) return i;
        i++;
    }
    return i;
}
int last_positive(const std::vector<int>& x) {
    int r = -1;
    for (int i = 0; i < (int)x.size(); i++) {
        if (x[i] > 0) r = i;
    }
    return r;
}
int first_negative(const std::vector<int>& x, int n) {
    int i;
    for (i = 0; i < n; ++i) {
        if (x[i] < 0) break;
    }
    return i;
}
int last_negative_c89(const std::vector<int>& x, int n) {
    int i;
    for (i = n - 1; i >= 0; i--)
        if (x[i] < 0) break;
    return i;
}
int argmax(const std::vector<int>& x, int n) {
    int max_i = 0;
    int max_p = x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] > max_p) { max_i = i; max_p = x[i]; }
    }
    return max_i;
}
int argmax_last(const std::vector<int>& x) {
    int best = 0;
    for (int i = 1; i < (int)x.size(); i++) {
        if (x[i] >= x[best]) best = i;
    }
    return best;
}
int argmin_seeded(const std::vector<int>& x, int n) {
    int m = 2147483647, mi = -1;
    for (int i = 0; i < n; i++) {
        if (m > x[i]) { m = x[i]; mi = i; }
    }
    return mi;
}
int argmin_sentinel(const std::vector<float>& x, int n) {
    int i, imin = -1;
    float vmin = 3.0e38f;
    for (i = 0; i < n; i++) {
        if (x[i] < vmin || imin < 0) { vmin = x[i]; imin = i; }
    }
    return imin;
}
int argmin_abs_last(const std::vector<float>& x) {
    int k = 0;
    for (int i = 1; i < (int)x.size(); i++) {
        if (x[i] * x[i] <= x[k] * x[k]) k = i;
    }
    return k;
}
"""

PY = """
def index_of(xs: list[int], t: int) -> int:
    for i in range(len(xs)):
        if xs[i] == t:
            return i
    return -1


def last_occurrence(xs: list[int], t: int) -> int:
    for i in range(len(xs) - 1, -1, -1):
        if xs[i] == t:
            return i
    return -1


def has_negative(xs: list[float]) -> bool:
    found = False
    for i in range(len(xs)):
        if xs[i] < 0:
            found = True
            break
    return found


def argmax(xs: list[float]) -> int:
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best


def contains(xs: list[int], t: int) -> bool:
    for x in xs:
        if x == t:
            return True
    return False


def argmin_last(xs: list[int]) -> int:
    m = xs[0]
    k = 0
    for i in range(1, len(xs)):
        if xs[i] <= m:
            m = xs[i]
            k = i
    return k
"""

OPS_USED = {
    "cc:linear_search": "find_first", "cc:last_index_of": "find_last",
    "cc:first_mismatch": "find_first", "cc:is_sorted": "find_first",
    "cc:first_above_while": "find_first", "cc:find_or_end": "find_first",
    "cc:last_positive": "find_last", "cc:first_negative": "find_first",
    "cc:last_negative_c89": "find_last",
    "cc:argmax": "argmax_from",
    "cc:argmax_last": "argmax_last_from", "cc:argmin_seeded": "argmin_from",
    "cc:argmin_abs_last": "argmin_last_from", "cc:argmin_sentinel": "argmin",
    "py:index_of": "find_first",
    "py:last_occurrence": "find_last", "py:has_negative": "find_first", "py:argmax": "argmax_from",
    "py:argmin_last": "argmin_last_from", "py:contains": "find_first",
}


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    root = tmp_path_factory.mktemp("search")
    out: dict[str, tuple[Path, Any]] = {}
    with load_registry() as registry:
        for name, text in (("k.cc", CPP), ("k.py", PY)):
            path = root / name
            path.write_text(text)
            for r in compile_file(str(path), None, registry, Options(timeout=60, synth=())):
                out[f"{path.suffix[1:]}:{r.function}"] = (path, r)
    return out


@pytest.mark.parametrize("key", sorted(OPS_USED))
def test_searches_and_arg_extremes_lift_with_an_unbounded_proof(lifted, key: str) -> None:
    _, r = lifted[key]
    assert r.status == "lifted" and r.proof == "unbounded", [str(d) for d in r.diagnostics]
    assert r.found_by == "rules"
    assert f"{OPS_USED[key]}(" in r.tensir


def test_the_precondition_covers_the_whole_search_range(lifted) -> None:
    _, r = lifted["cc:linear_search"]
    assert r.to_json()["requires"] == ["n <= 0 or n <= len(a)"]
    _, r = lifted["cc:argmax_last"]  # the seed x[best] is read before the loop
    assert r.to_json()["requires"] == ["0 < len(x)"]


def _draw(key: str, rng: random.Random) -> list[Any]:
    """Inputs with many ties and keys often missing: small values, short vectors."""
    n = rng.randint(0, 6)
    xs = [rng.randint(-2, 2) for _ in range(n)]
    name = key.split(":")[1]
    if name in ("first_negative", "last_negative_c89"):
        return [xs, rng.randint(0, n)]
    if name in ("linear_search", "last_index_of", "find_or_end"):
        return [xs, rng.randint(0, n), rng.randint(-3, 3)]
    if name == "first_mismatch":
        ys = [x if rng.random() < 0.7 else x + 1 for x in xs]
        return [xs, ys, rng.randint(0, n)]
    if name == "is_sorted":
        return [sorted(xs) if rng.random() < 0.5 else xs, rng.randint(0, n)]
    if name == "first_above_while":
        return [xs, rng.randint(-3, 3)]
    if name in ("argmax", "argmin_seeded"):
        return [xs or [0], rng.randint(0, max(n, 1))] if key.startswith("cc") else [
            [float(x) for x in xs or [0]]]
    if name == "argmin_sentinel":
        return [[float(x) for x in xs], rng.randint(0, n)]
    if name == "argmin_abs_last":
        return [[float(x) / 2 for x in xs or [0]]]
    if name in ("index_of", "last_occurrence", "contains"):
        return [xs, rng.randint(-3, 3)]
    if name == "has_negative":
        return [[float(x) + 0.5 for x in xs]]
    return [xs or [0]]


def _ties_and_misses(key: str) -> list[list[Any]]:
    rng = random.Random(7)
    return [_draw(key, rng) for _ in range(60)]


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("key", sorted(k for k in OPS_USED
                                       if k not in ("cc:argmin_abs_last", "cc:argmin_sentinel")))
def test_generated_code_agrees_with_the_original_on_ties_and_misses(lifted, key: str) -> None:
    """g++ -O3 (C++) or CPython (Python) and the interpreter against the generated NumPy code, on
    inputs drawn so that ties of the extreme and keys that are not found are common."""
    path, r = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
    fn = module.function(r.function)
    assert fn is not None
    interp = Interpreter(module)
    cases = [Case(tuple(a), {}, interp.run(fn, a)) for a in _ties_and_misses(key)]
    original = original_outputs(str(path), fn, cases)
    generated = getattr(load_module(r.code, fn.name), fn.name)
    outcomes = set()
    for case, want in zip(cases, original, strict=True):
        got = generated(*case.args)
        assert want == case.expected == got, (case.args, want, case.expected, got)
        outcomes.add(int(want))
    assert len(outcomes) >= 2  # found and not found (or the seed kept), at several places


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("key", ["cc:argmin_abs_last", "cc:argmin_sentinel", "py:argmax",
                                 "py:has_negative"])
def test_generated_code_agrees_with_the_original_on_random_inputs(lifted, key: str) -> None:
    path, r = lifted[key]
    with load_registry() as registry:
        report = check_compiled(str(path), r, registry, count=100)
    print(f"{key}: largest error {report.largest_error:.3g}")
    assert report.ok and report.cases >= 50, report.failures[:3]


def test_ties_are_broken_as_the_source_breaks_them(lifted) -> None:
    first = load_module(lifted["cc:argmax"][1].code, "argmax").argmax
    last = load_module(lifted["cc:argmax_last"][1].code, "argmax_last").argmax_last
    seeded = load_module(lifted["cc:argmin_seeded"][1].code, "argmin_seeded").argmin_seeded
    assert first([1, 5, 5, 2], 4) == 1 and last([1, 5, 5, 2]) == 2
    assert first([5, 5], 2) == 0 and last([5, 5]) == 1
    assert seeded([3, 1, 1], 3) == 1 and seeded([], 0) == -1


@pytest.mark.parametrize(("key", "wrong"), [
    ("cc:argmax", "ite(0 <= argmax_last_from(take(tail(x, 1), n - 1), x[0]), "
                  "1 + argmax_last_from(take(tail(x, 1), n - 1), x[0]), 0)"),
    ("cc:linear_search", "ite(0 <= find_last(vec_map(a[:n], lambda e: ite(e == key, 1, 0))), "
                         "find_last(vec_map(a[:n], lambda e: ite(e == key, 1, 0))), -1)"),
])
def test_a_wrong_tie_or_direction_is_refuted(lifted, key: str, wrong: str) -> None:
    """The last maximum for the first, the last match for the first: the quick check finds an
    input where they differ, and the program is not the loop's template invariant."""
    path, r = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
    fn = module.function(r.function)
    assert fn is not None
    program = parse(wrong, {p.name: p.type for p in fn.params})
    checked = check_candidate(module, fn, program)
    assert checked is None or _refuted(checked.obligations)  # a search has no template to check
    interp = Interpreter(module)
    rng = random.Random(3)
    differs = 0
    for _ in range(80):
        args = _draw(key, rng)
        env = {p.name: np.asarray(a) if isinstance(a, list) else a
               for p, a in zip(fn.params, args, strict=True)}
        if int(evaluate(program, env)) != interp.run(fn, args):
            differs += 1
    assert differs > 0


def _refuted(obligations: list[Any]) -> bool:
    """Whether z3 finds a model of some obligation's negation (a counterexample)."""
    import z3

    for ob in obligations:
        solver = z3.Solver(ctx=z3.Context())
        solver.set("timeout", 10000)
        solver.from_string(obligation_script(ob, "z3", False))
        if solver.check() == z3.sat:
            return True
    return False


def test_an_exit_reading_the_input_at_its_index_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "k.cc"
    src.write_text("""#include <vector>
int first_big(const std::vector<int>& a, int t) {
    for (int i = 0; i < (int)a.size(); i++) {
        if (a[i] > t) return a[i];
    }
    return 0;
}
""")
    with load_registry() as registry:
        module = read_module(str(src), registry)
    fn = module.function("first_big")
    assert fn is not None
    with pytest.raises(Exception, match=r"reads an input at the exit's index"):
        lift_function(module, fn)


def test_break_leaves_the_innermost_loop_in_the_interpreter() -> None:
    i, n = L.Name("i"), L.Name("n")
    body = (L.Decl("s", TensorType("int", 0), L.Const(0)),
            L.For("i", L.Const(0), n, (L.If(L.Binary(">", i, L.Const(2)), (L.Break(),)),
                                       L.Assign(L.Name("s"), L.Binary("+", L.Name("s"), i)))),
            L.Return(L.Name("s")))
    fn = L.Function("f", (L.Param("n", INT),), INT, body, "cpp")
    interp = Interpreter(L.Module("m", "cpp", (fn,)))
    assert [interp.run(fn, [n]) for n in (0, 2, 3, 10)] == [0, 1, 3, 3]


@pytest.mark.parametrize("name", sorted({"find_first", "find_last", "argmax_from",
                                         "argmax_last_from", "argmin_from", "argmin_last_from",
                                         "argmax", "argmax_last", "argmin", "argmin_last"}))
def test_numpy_and_smt_semantics_agree_with_the_loop_they_stand_for(name: str) -> None:
    import z3

    rng = random.Random(5)
    x, s = Var("x", TensorType("int", 1)), Var("s", INT)
    seeded = name in ("find_first", "argmax_from", "argmax_last_from", "argmin_from",
                      "argmin_last_from")
    term = OPS[name](x, s) if seeded else OPS[name](x)
    cmp = {"argmax": int.__gt__, "argmax_last": int.__ge__, "argmin": int.__lt__,
           "argmin_last": int.__le__}
    for _ in range(25):
        xs = [rng.randint(-2, 2) if name.startswith("arg") else rng.randint(0, 1)
              for _ in range(rng.randint(0, 5))]
        sv = rng.randint(-3, 3) if name.startswith("arg") else rng.randint(-1, 5)
        beats = cmp.get(name.removesuffix("_from"))
        if beats is not None:  # the loop: keep the element that beats the best (or the seed)
            best, want = sv, -1
            for k, v in enumerate(xs):
                if beats(v, best) or (want < 0 and not seeded):
                    best, want = v, k
        elif name == "find_first":
            want = next((k for k in range(max(sv, 0), len(xs)) if xs[k]), -1)
        else:
            want = max((k for k in range(len(xs)) if xs[k]), default=-1)
        args = (np.array(xs, dtype=np.int64),) + ((sv,) if seeded else ())
        assert int(OPS[name].numpy(*args)) == want, (name, xs, sv)
        enc = Encoder("z3")
        facts = enc.pin(x, np.array(xs, dtype=np.int64)) + enc.pin(s, sv)
        solver = z3.Solver(ctx=z3.Context())
        solver.from_string(enc.script([*facts, f"(not (= {enc.encode(term).expr} {want}))"]))
        assert solver.check() == z3.unsat, (name, xs, sv)


@pytest.mark.parametrize("key", ["cc:linear_search", "cc:last_index_of", "cc:argmax_last",
                                 "py:argmax", "py:has_negative"])
def test_search_programs_run_alike_on_every_runnable_target(lifted, key: str) -> None:
    """numpy, torch, jax, mlx and llvm run the lifted program like the source (the interpreter's
    outputs) on inputs with ties and missing keys."""
    from tensflo.compiler.bench import runnable_targets
    from tensflo.ir.tensir import Function

    path, r = lifted[key]
    with load_registry() as registry:
        module = read_module(str(path), registry)
        targets = [(n, t) for n, t, _ in runnable_targets(registry, None) if t is not None]
    fn = module.function(r.function)
    assert fn is not None, module.rejected
    assert {"numpy", "llvm"} <= {n for n, _ in targets}, targets
    interp = Interpreter(module)
    inputs = _ties_and_misses(key)[:10]
    tfn = Function(fn.name, r.params, r.program)
    for name, target in targets:
        ex = target.executable(tfn, {})
        for args in inputs:
            want = interp.run(fn, args)
            arrays = [np.asarray(a, dtype=np.float64 if p.type.elem == "float" else np.int64)
                      if isinstance(a, list) else a for p, a in zip(fn.params, args, strict=True)]
            got = ex.fetch(ex.run(ex.prepare(arrays)))
            assert int(got) == int(want), f"{name}: {fn.name}{args}: source {want}, {name} {got}"


@pytest.mark.parametrize("name, cmp", [("argmax", ">"), ("argmax_last", ">="), ("argmin", "<"),
                                       ("argmin_last", "<=")])
def test_arg_extremes_with_a_nan_follow_the_loop(name: str, cmp: str) -> None:
    """With a NaN, max/min say nothing; the op still gives what the C loop gives (a comparison
    with NaN is false), seeded by the first element or by `s`."""
    import operator

    from tensflo.ir.tensir import OPS

    beats = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}[cmp]
    rng = np.random.default_rng(5)
    for _ in range(300):
        x = rng.integers(-2, 3, size=int(rng.integers(1, 6))).astype(float)
        x[rng.random(x.size) < 0.3] = np.nan
        best, at = x[0], 0
        for i in range(1, x.size):
            if beats(x[i], best):
                best, at = x[i], i
        assert OPS[name].numpy(x) == at, x
        s = float(rng.integers(-2, 3))
        best, at = s, -1
        for i in range(x.size):
            if beats(x[i], best):
                best, at = x[i], i
        assert OPS[f"{name}_from"].numpy(x, s) == at, (x, s)
