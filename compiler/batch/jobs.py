"""One job of a batch (one function of one source file), its cache key, and its outcome (`Entry`).

`run_job` is what a worker process runs for a job, whichever executor (the local pool or a Beam
DoFn) sent it. An `Entry` is JSON-able so it can cross process boundaries, go into the cache and
the run journal, and be reported. Diagnostics inside a function are kept with their file and line,
and `relocated` moves them when the same function is found at another place (a cache hit after
lines were added above it, or an identical function in another file).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tensflo import __version__
from tensflo.ir.loop import nodes as L
from tensflo.plugins.manager import Registry

from ..pipeline import CompileResult, Options, compile_function

SCHEMA = 3
"""Bumped when the cached entries change shape (3: a function with outputs through pointers has
no `definition`, its `code` is the module with its C-signature entry)."""


@dataclass(frozen=True)
class Job:
    """Lift `function` of `file` (parsed into `module`); `key` names the work for cache and journal."""

    file: str
    function: str
    line: int
    key: str
    module: L.Module = field(repr=False, compare=False)


@dataclass(frozen=True)
class Entry:
    """What happened to one function, or to a file that could not be parsed (`function` None)."""

    file: str
    function: str | None
    line: int
    status: str
    proof: str = "none"
    arithmetic: str = "integer"
    """`real` when the function computes with floats (see `CompileResult.arithmetic`)."""
    tensir: str | None = None
    requires: tuple[str, ...] = ()
    found_by: str | None = None
    diagnostics: tuple[dict[str, Any], ...] = ()
    """`pipeline.Diagnostic` fields: severity, message, file, line, col."""
    seconds: float = 0.0
    code: str | None = None
    definition: str | None = None
    """The lifted function as a TensIR definition (`def f(...) -> T = ...`), to emit a module per file."""

    @property
    def lifted(self) -> bool:
        return self.status == "lifted"

    @property
    def reason(self) -> str:
        """Why the function was not lifted: its first error (with the first note when the error
        only says that it was not lifted); empty when it was lifted."""
        if self.lifted:
            return ""
        errors = [d for d in self.diagnostics if d["severity"] == "error"]
        if not errors:
            return ""
        first = errors[0]["message"]
        notes = [d["message"] for d in self.diagnostics if d["severity"] == "note"]
        if first.endswith("was not lifted") and notes:
            return f"{first} ({notes[0]})"
        return first

    def relocated(self, file: str, line: int) -> Entry:
        """The same outcome for the function found at `file`:`line`."""
        shift = line - self.line
        diags = tuple(
            {**d, "file": file, "line": d["line"] + shift if d.get("line") is not None else None}
            if d.get("file") == self.file else d
            for d in self.diagnostics)
        return dataclasses.replace(self, file=file, line=line, diagnostics=diags)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["requires"] = list(self.requires)
        out["diagnostics"] = [dict(d) for d in self.diagnostics]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        names = {f.name for f in dataclasses.fields(cls)}
        missing = {"file", "function", "line", "status"} - set(data)
        if missing:
            raise ValueError(f"entry without {', '.join(sorted(missing))}")
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["requires"] = tuple(kwargs.get("requires", ()))
        kwargs["diagnostics"] = tuple(dict(d) for d in kwargs.get("diagnostics", ()))
        return cls(**kwargs)

    def report_json(self) -> dict[str, Any]:
        """The entry as the report shows it (no generated code)."""
        return {
            "file": self.file, "function": self.function, "line": self.line,
            "status": self.status, "proof": self.proof, "arithmetic": self.arithmetic,
            "tensir": self.tensir,
            "requires": list(self.requires), "found_by": self.found_by, "reason": self.reason,
            "diagnostics": [_diagnostic_text(d) for d in self.diagnostics],
            "seconds": self.seconds,
        }


def _diagnostic_text(d: dict[str, Any]) -> str:
    where = ":".join(str(d[k]) for k in ("file", "line", "col") if d.get(k) is not None)
    return f"{where + ': ' if where else ''}{d['severity']}: {d['message']}"


def entry_from_result(job: Job, result: CompileResult) -> Entry:
    definition = None
    if result.lifted and result.program is not None and not result.outputs:  # one TensIR function
        from tensflo.ir.tensir import Function

        definition = str(Function(result.function, result.params, result.program))
    return Entry(
        file=job.file, function=job.function, line=job.line, status=result.status,
        proof=result.proof, arithmetic=result.arithmetic, tensir=result.tensir,
        requires=tuple(result.requires),
        found_by=result.found_by,
        diagnostics=tuple(dataclasses.asdict(d) for d in result.diagnostics),
        seconds=round(result.seconds.get("total", 0.0), 3), code=result.code,
        definition=definition)


def failed_entry(job: Job, message: str, seconds: float = 0.0) -> Entry:
    """An `error` entry for a job that did not finish (killed, crashed, raised)."""
    diag = {"severity": "error", "message": message, "file": job.file, "line": job.line or None,
            "col": None}
    return Entry(job.file, job.function, job.line, "error", diagnostics=(diag,),
                 seconds=round(seconds, 3))


def run_job(job: Job, options: Options, registry: Registry) -> dict[str, Any]:
    """Lift one function (in a worker process); the entry as JSON. Never raises for a bad job."""
    try:
        result = compile_function(job.module, job.function, registry, options)
    except Exception as e:  # a bug in a plugin or in the pipeline: this job's error, not the batch's
        return failed_entry(job, f"internal error: {type(e).__name__}: {e}").to_json()
    return entry_from_result(job, result).to_json()


# -------------------------------------------------------------------------------------------------
# cache keys
# -------------------------------------------------------------------------------------------------
def options_fingerprint(options: Options, registry: Registry) -> dict[str, Any]:
    """Everything besides the source that decides a job's outcome: tensflo's version, every
    option but the progress callback, and the loaded plugins with their versions."""
    opts = {f.name: repr(getattr(options, f.name)) for f in dataclasses.fields(options)
            if f.name != "progress"}
    plugins = sorted(f"{p.name}={p.dist_name}:{p.dist_version}:{p.module}"
                     for p in registry.plugins.values())
    return {"schema": SCHEMA, "tensflo": __version__, "options": opts, "plugins": plugins}


def job_key(module: L.Module, name: str, fingerprint: dict[str, Any]) -> str:
    """A hash of the function's loop IR without source positions (so that edits elsewhere in the
    file, comments and formatting do not change it), the functions it calls, and `fingerprint`."""
    rejected = next((r for r in module.rejected if r.name == name), None)
    if rejected is not None:
        source: Any = ["rejected", name, rejected.message]
    else:
        source = [canonical(f) for f in _with_callees(module, name)]
    text = json.dumps({"lang": module.lang, "source": source, **fingerprint}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(node: Any) -> Any:
    """A JSON-able form of a loop IR node with every `loc` left out."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [type(node).__name__, *(canonical(getattr(node, f.name))
                                       for f in dataclasses.fields(node) if f.name != "loc")]
    if isinstance(node, tuple | list):
        return [canonical(x) for x in node]
    if node is None or isinstance(node, str | int | float | bool):
        return node
    return repr(node)


def _with_callees(module: L.Module, name: str) -> list[L.Function]:
    """The function and every function of the module it calls, directly or not, in module order."""
    by_name = {f.name: f for f in module.functions}
    seen: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        if n in seen or n not in by_name:
            continue
        seen.add(n)
        for s in L.walk_stmts(by_name[n].body):
            for e in L.stmt_exprs(s):
                for sub in L.sub_exprs(e):
                    if isinstance(sub, L.Call) and sub.func in by_name:
                        todo.append(sub.func)
    return [f for f in module.functions if f.name in seen]
