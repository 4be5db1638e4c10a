"""Lattice laws, Z-set algebra (DBSP's D and I are inverses), and what importing Flo pulls in."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tensflo.ir.flo import (
    SEQ,
    Flat,
    FlatLattice,
    Graph,
    MapLattice,
    MaxLattice,
    PairLattice,
    SetLattice,
    run,
    unbounded,
    zset,
)
from tensflo.ir.flo.zsets import zset_distinct, zset_join, zset_minus, zset_plus

FLAT = FlatLattice()
flat_values = st.sampled_from([Flat.BOTTOM, Flat.TOP, True, False])
LATTICES = [
    (MaxLattice(), st.integers(-5, 5)),
    (SetLattice(), st.frozensets(st.integers(0, 4), max_size=3)),
    (FLAT, flat_values),
    (PairLattice(FLAT, FLAT), st.tuples(flat_values, flat_values)),
    (MapLattice(MaxLattice()), st.dictionaries(st.sampled_from("abc"), st.integers(0, 5),
                                               max_size=3)),
]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_lattices_satisfy_the_join_laws(data):
    for lat, values in LATTICES:
        a, b, c = data.draw(values), data.draw(values), data.draw(values)
        n = lat.normalize
        assert n(lat.join(a, b)) == n(lat.join(b, a))
        assert n(lat.join(lat.join(a, b), c)) == n(lat.join(a, lat.join(b, c)))
        assert n(lat.join(a, a)) == n(a)
        assert n(lat.join(lat.bottom, a)) == n(a)
        assert lat.leq(a, lat.join(a, b)) and lat.leq(b, lat.join(a, b))
        assert lat.leq(a, b) == (n(lat.join(a, b)) == n(b))


def test_tops():
    assert FLAT.join(True, False) is Flat.TOP and FLAT.is_top(Flat.TOP)
    assert PairLattice(FLAT, FLAT).is_top((Flat.TOP, True))
    assert not PairLattice(FLAT, FLAT).is_top((True, Flat.BOTTOM))


weighted = st.lists(st.tuples(st.sampled_from("abcd"), st.integers(-2, 2)), max_size=5)


@settings(max_examples=40, deadline=None)
@given(st.lists(weighted, max_size=4))
def test_differentiate_undoes_integrate(steps):
    g = Graph()
    x = g.input("x", unbounded(SEQ))
    g.output("sums", x.integrate())
    g.output("back", x.integrate().differentiate())
    values = [zset(s) for s in steps]
    out = run(g, {"x": values}).outputs
    assert out["back"] == tuple(values)
    total = frozenset()
    for value, running in zip(values, out["sums"], strict=True):
        total = zset_plus(total, value)
        assert running == total


def test_zset_algebra():
    a = zset([("x", 2), ("y", -1), ("x", -2)])
    assert a == {("y", -1)}
    assert zset_minus(a, a) == frozenset() and zset_plus(a, zset([("y", 1)])) == frozenset()
    assert zset_distinct(zset([("p", 3), ("q", -1)])) == {("p", 1)}
    joined = zset_join(zset([((1, "a"), 2)]), zset([((1, "b"), -3), ((2, "c"), 1)]))
    assert joined == {((1, ("a", "b")), -6)}


def test_importing_flo_pulls_in_no_engine():
    probe = ("import sys, tensflo.ir.flo, tensflo.compiler.flo_commands\n"
             "print(sorted(m for m in ('apache_beam', 'hypothesis', 'z3', 'cvc5')"
             " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
