"""Observer hooks: plugins see each candidate that passed the quick check, and each result."""

from __future__ import annotations

from pathlib import Path

from tensflo.compiler.pipeline import Options, compile_file
from tensflo.plugins.hookspecs import hookimpl
from tensflo.plugins.manager import load_registry

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    def __init__(self) -> None:
        self.candidates: list[tuple[str, str, str]] = []
        self.results: list[tuple[str, str]] = []

    @hookimpl
    def tensflo_candidate_found(self, function, candidate, found_by) -> None:
        self.candidates.append((function, str(candidate), found_by))

    @hookimpl
    def tensflo_result(self, result) -> None:
        self.results.append((result.function, result.status))


def test_observers_see_candidates_and_results() -> None:
    rec = Recorder()
    path = str(ROOT / "benchmarks" / "kernels" / "cpp" / "dot.cc")
    with load_registry(extra=[("recorder", rec)]) as registry:
        (r,) = compile_file(path, ["dot"], registry, Options(synth=()))
    assert r.lifted
    assert rec.candidates == [("dot", r.tensir, "rules")]
    assert rec.results == [("dot", "lifted")]
