"""Python tuple returns as several outputs (`ir/loop/outputs.py` `tuple_types`, `item_output`;
`compiler/multi_output.py`; `targets/entry.py`): each item is lifted on its own, the generated
function returns the tuple, and it agrees with CPython on random inputs (ints exactly, also
beyond 64 bits; floats within the tolerance)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tensflo
from tensflo.compiler.differential import differential_check, load_module
from tensflo.compiler.pipeline import read_module
from tensflo.ir.loop import nodes as L
from tensflo.ir.loop.outputs import derive_outputs, tuple_types, with_packs
from tensflo.ir.tensir.types import FLOAT, INT
from tensflo.plugins.manager import load_registry
from tensflo.plugins.python_frontend import parse_python

SOURCE = '''
def min_max(xs: list[int]) -> tuple[int, int]:
    lo = xs[0]
    hi = xs[0]
    for x in xs:
        if x < lo:
            lo = x
        if x > hi:
            hi = x
    return lo, hi


def sum_and_squares(xs: list[float]) -> tuple[float, float]:
    s = 0.0
    q = 0.0
    for x in xs:
        s += x
        q += x * x
    return s, q


def product_and_size(xs: list[int]) -> tuple[int, int]:
    p = 1
    for x in xs:
        p *= x
    return p, len(xs)


def sum_and_max(xs: list[int]) -> tuple[int, int]:
    if len(xs) == 0:
        return 0, 0
    s = 0
    m = xs[0]
    for x in xs:
        s += x
        m = max(m, x)
    return s, m


def mixed(xs: list[int]) -> int:
    if len(xs) == 0:
        return 0
    return xs[0], 1
'''


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "t.py"
    path.write_text(SOURCE)
    return path


def test_items_are_outputs_with_their_types(source: Path) -> None:
    module = parse_python(str(source), source.read_text())
    fn = module.function("product_and_size")
    assert fn is not None and tuple_types(fn) == (INT, INT)
    outs = derive_outputs(fn)
    assert [(o.name, o.item, o.function.result) for o in outs] == [("item0", 0, INT),
                                                                  ("item1", 1, INT)]
    assert outs[1].function.body[-1] == L.Return(L.Len(L.Name("xs")))
    floats = module.function("sum_and_squares")
    assert floats is not None and tuple_types(floats) == (FLOAT, FLOAT)
    from tensflo.ir.loop import Interpreter
    assert Interpreter(with_packs(module)).run(fn, [[2, 3, 4]]) == [24, 3]


def test_a_tuple_and_a_value_returned_by_one_function_are_refused(source: Path) -> None:
    result = tensflo.compile(str(source), "mixed", synth="none")
    assert result.status == "not_lifted"
    assert any("returns tuples of different shapes, or a tuple and a single value" in d.message
               for d in result.diagnostics), result.diagnostics


@pytest.mark.parametrize("name", ["min_max", "sum_and_squares", "product_and_size",
                                  "sum_and_max"])
def test_tuple_returns_lift_and_agree_with_cpython(source: Path, name: str) -> None:
    result = tensflo.compile(str(source), name, synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    assert [o["name"] for o in result.outputs] == ["item0", "item1"]
    assert result.int_policy == "exact"
    assert result.code is not None
    with load_registry() as registry:
        module = with_packs(read_module(str(source), registry))
    fn = module.function(name)
    assert fn is not None
    report = differential_check(str(source), module, fn, result.code, result.precondition,
                                count=100)
    assert report.ok and report.cases == 100, report.failures[:2]
    print(f"{name}: largest error {report.largest_error:.3g} over {report.cases} cases")
    entry = getattr(load_module(result.code, name), name)
    got = entry([3, 1, 2])
    assert isinstance(got, tuple) and len(got) == 2


def test_a_product_beyond_64_bits_is_exact_or_refused(source: Path) -> None:
    result = tensflo.compile(str(source), "product_and_size", synth="none")
    assert result.code is not None
    entry = load_module(result.code, "product_and_size").product_and_size
    try:
        got = entry([1000] * 10)
    except OverflowError:
        return
    assert got == (10**30, 10) and isinstance(got[0], int)


def test_the_input_checks_raise_as_the_source_does(tmp_path: Path) -> None:
    path = tmp_path / "g.py"
    path.write_text("def lo_hi(xs: list[int]) -> tuple[int, int]:\n"
                    "    if len(xs) == 0:\n        raise IndexError('empty')\n"
                    "    lo = xs[0]\n    hi = xs[0]\n    for x in xs:\n"
                    "        lo = min(lo, x)\n        hi = max(hi, x)\n    return lo, hi\n")
    result = tensflo.compile(str(path), "lo_hi", synth="none")
    assert (result.status, result.proof) == ("lifted", "unbounded"), result.diagnostics
    assert result.code is not None
    entry = load_module(result.code, "lo_hi").lo_hi
    assert entry([3, -7, 2**70]) == (-7, 2**70)
    with pytest.raises(IndexError, match="empty"):
        entry([])
    with pytest.raises(TypeError):
        entry([1.5, 2.0])
