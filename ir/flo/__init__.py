"""Flo: an IR for streaming dataflow (bounded/unbounded streams, nest/defer cycles) and its checker.

Build a graph with `Graph`, check it with `typecheck`, run it with `run` (the reference
interpreter, under a scheduler), and check streaming progress and eager execution with `check`.
`tensflo.targets.beam` runs the same graph on Apache Beam. See docs/flo.md.
"""

from __future__ import annotations

from .checker import typecheck
from .graph import Graph, Nest, Stream
from .interpreter import FloRuntimeError, RunResult, Runtime, ScheduleDependenceError, run
from .lattices import Flat, FlatLattice, Lattice, MapLattice, MaxLattice, PairLattice, SetLattice
from .ops import BUILTIN_OPS, Op, Window
from .properties import CheckResult, Counterexample, check
from .schedulers import Event, Exhaustive, InOrder, RandomSchedules, Schedule, Scheduler
from .semantics import OpState, impl
from .types import (
    SEQ,
    SET,
    ZSET,
    Collection,
    FloTypeError,
    Location,
    StreamType,
    Watermark,
    bounded,
    cluster,
    lattice,
    process,
    unbounded,
)
from .zsets import zset

__all__ = [
    "BUILTIN_OPS", "SEQ", "SET", "ZSET", "CheckResult", "Collection", "Counterexample", "Event",
    "Exhaustive", "Flat", "FlatLattice", "FloRuntimeError", "FloTypeError", "Graph", "InOrder",
    "Lattice", "Location", "MapLattice", "MaxLattice", "Nest", "Op", "OpState", "PairLattice",
    "RandomSchedules", "RunResult", "Runtime", "Schedule", "ScheduleDependenceError", "Scheduler",
    "SetLattice", "Stream",
    "StreamType", "Watermark", "Window", "bounded", "check", "cluster", "impl", "lattice",
    "process", "run", "typecheck", "unbounded", "zset",
]
