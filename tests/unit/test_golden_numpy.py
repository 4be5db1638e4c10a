"""The golden NumPy modules (`tests/golden/numpy/`, checked by test_golden_targets.py) run like the
reference evaluator on random inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tensflo.ir.tensir import evaluate, parse_module
from tensflo.ir.tensir.sampling import random_value

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.tensir"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_golden_module_agrees_with_reference(path) -> None:
    functions = parse_module(path.read_text(), source=str(path))
    namespace: dict = {}
    golden_text = (REPO / "tests" / "golden" / "numpy" / f"{path.stem}.py").read_text()
    exec(compile(golden_text, path.stem, "exec"), namespace)
    rng = np.random.default_rng(7)
    for fn in functions:
        for _ in range(20):
            n = int(rng.integers(0, 7))
            env = {p.name: random_value(p.type, [n] * p.type.rank, rng) if p.type.rank else
                   int(rng.integers(-2, 9)) for p in fn.params}
            try:
                want = evaluate(fn.body, env)
            except ValueError:
                continue  # outside the domain: the generated code owes nothing
            got = namespace[fn.name](*(env[p.name] for p in fn.params))
            np.testing.assert_array_equal(got, want)
