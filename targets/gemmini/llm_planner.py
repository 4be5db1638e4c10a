"""The Gemmini planner `llm`: Autocomp's two-phase prompting inside the target's beam search.

Plan: the model sees the candidate's program (its text form, or the schedule and an excerpt when
the text is long), its cycle profile (cycles, per-queue busy time, utilisation, the model's lower
bound) and the optimization menu after dropout (generated from `search.MENU`), and answers one
option as a last line `OPTION: name`. Implement: the model sees the chosen option and the program
and answers the whole rewritten program in the program IR's text form, in one fenced code block.

A model is a proposer, never an oracle. A plan naming no offered option is rejected; a program
answer is parsed with `text.parse_program` (Python's `ast`, nothing is executed or eval-ed), its
loops are bounded statically (`event_bound`), and the search then runs it on the emulator against
the NumPy reference on its seeded inputs and measures it with the cycle model; a wrong program
never enters the beam. Endpoint failures (`LLMError`) become `PlannerError`, on which the search
falls back to the symbolic planner for that candidate.

The planner gets its endpoint from `configure(base_url=, model=, ...)` (the `tensflo gemmini
compile --planner llm --llm-base-url URL --llm-model M` options) or an `LLMClient` given to it.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np

from tensflo.plugins.errors import UsageError
from tensflo.plugins.llm.client import LLMClient, LLMError, default_cache_dir
from tensflo.targets.gemmini.bound import lower_bound
from tensflo.targets.gemmini.cycles import Report
from tensflo.targets.gemmini.expr import BinOp, Const, Expr, Var
from tensflo.targets.gemmini.menu import Option
from tensflo.targets.gemmini.planners import PlannerError, PlanState
from tensflo.targets.gemmini.program import INSTRUCTIONS, Dram, If, Loop, LoopWs, Program, Stmt
from tensflo.targets.gemmini.text import ProgramSyntaxError, parse_program, print_program
from tensflo.targets.gemmini.workload import describe

MAX_PROGRAM_CHARS = 12_000
"""Program text shown in full up to this length; longer: the schedule and the first lines."""
MAX_ANSWER_CHARS = 200_000
"""Longer answers are rejected unread."""
MAX_EVENTS = 1_000_000
"""Most instructions (and loop iterations) a written program may run, bounded statically (or 4x
the current program's bound, if more)."""
MAX_CONST = 1 << 40
"""Largest constant magnitude in a written program (addresses are 32 bits)."""
MAX_DEPTH = 48
"""Deepest index expression of a written program (the generator's are under 15 deep)."""

PLAN_SYSTEM = """\
You optimize programs for Gemmini, a 16x16 int8 systolic array with a 256 KiB scratchpad and a
64 KiB int32 accumulator, fed by load, execute and store queues that run in parallel. Each step
you choose ONE optimization from a menu for the program you are shown. You may reason briefly;
the last line of your answer must be exactly `OPTION: <name>` with a name from the menu."""

IMPLEMENT_SYSTEM = """\
You rewrite programs for Gemmini, a 16x16 int8 systolic array, to run in fewer cycles while
computing exactly the same result. Programs are written in a Python-syntax IR: one `def` whose
parameters are the DRAM buffers, a body of instructions (keyword operands only), `for VAR in
range(start, stop[, step]):` loops and `if` statements over integer index expressions (+ - * //
% << | &, min, max, comparisons, and/or). Nothing else is allowed: no other calls, assignments or
imports. Keep the function's parameters exactly as they are. Answer with the complete program in
one fenced code block (```python ... ```) and nothing else."""


class AnswerError(ValueError):
    """An unusable answer; `kind` names why (`unknown_option`, `malformed_plan`, `parse_error`,
    `too_large`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# -------------------------------------------------------------------------------------------------
# prompts
# -------------------------------------------------------------------------------------------------
def menu_text(menu: list[Option]) -> str:
    """One line per option offered: `- name: description` (from `search.MENU`)."""
    return "\n".join(f"- {o.name}: {o.description}" for o in menu)


def instruction_reference() -> str:
    """The instructions and their operands (from `program.INSTRUCTIONS`)."""
    lines = []
    for name, cls in INSTRUCTIONS.items():
        operands = ", ".join(f.name for f in fields(cls))
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        lines.append(f"- {name}({operands}): {doc}")
    return "\n".join(lines)


def profile_text(state: PlanState) -> str:
    """The candidate's cycle report: cycles, utilisation, queue occupancy, the lower bound."""
    r: Report = state.report
    cycles = max(r.cycles, 1)
    busy = ", ".join(f"{q} {r.busy.get(q, 0)} ({r.busy.get(q, 0) / cycles:.0%})"
                     for q in ("ld", "ex", "st"))
    bound = lower_bound(state.workload)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(r.instructions.items()))
    return (f"cycles: {r.cycles}\n"
            f"utilisation: {r.utilisation:.1%} of 256 MACs/cycle ({r.macs} MACs)\n"
            f"queue busy cycles: {busy}\n"
            f"bytes loaded: {r.bytes_loaded}, stored: {r.bytes_stored}\n"
            f"instructions run: {counts}\n"
            f"lower bound in this model: {bound.cycles} cycles (limited by {bound.limit})")


def program_text(state: PlanState, limit: int = MAX_PROGRAM_CHARS) -> str:
    """The candidate's program text; past `limit` characters, its schedule and the first lines
    that fit, with the number of lines left out."""
    text = print_program(state.current())
    if len(text) <= limit:
        return text
    lines, kept, size = text.splitlines(), [], 0
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    origin = ("rewritten from the schedule" if state.program is not None else "built from the "
              "schedule")
    return (f"# {origin}: {state.schedule}\n" + "\n".join(kept)
            + f"\n# ... {len(lines) - len(kept)} more lines not shown\n")


def plan_messages(state: PlanState, menu: list[Option],
                  limit: int = MAX_PROGRAM_CHARS) -> list[dict[str, str]]:
    """The planning prompt: program, cycle profile, menu; asks for one option."""
    history = ", ".join(state.history) or "none"
    user = (f"## Workload\n{describe(state.workload)}\n\n"
            f"## Current program\n```python\n{program_text(state, limit)}```\n\n"
            f"## Cycle profile\n{profile_text(state)}\n\n"
            f"## Optimizations applied so far\n{history}\n\n"
            f"## Optimization menu\n{menu_text(menu)}\n\n"
            "Choose the one optimization from the menu that will most reduce the cycles of this "
            "program. End your answer with one line: OPTION: <name>")
    return [{"role": "system", "content": PLAN_SYSTEM}, {"role": "user", "content": user}]


def implement_messages(state: PlanState, option: Option,
                       limit: int = MAX_PROGRAM_CHARS) -> list[dict[str, str]]:
    """The implementation prompt: the chosen option and the program; asks for the new program."""
    user = (f"## Workload\n{describe(state.workload)}\n\n"
            f"## Instructions\n{instruction_reference()}\n\n"
            f"## Current program ({state.report.cycles} cycles)\n"
            f"```python\n{program_text(state, limit)}```\n\n"
            f"## Rewrite\nApply the optimization `{option.name}` ({option.description}) to this "
            "program. Reply with the whole rewritten program in one ```python code block.")
    return [{"role": "system", "content": IMPLEMENT_SYSTEM}, {"role": "user", "content": user}]


# -------------------------------------------------------------------------------------------------
# answers
# -------------------------------------------------------------------------------------------------
_OPTION_LINE = re.compile(r"OPTION:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*")
_CODE_BLOCK = re.compile(r"^```[ \t]*[A-Za-z0-9_+-]*[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def parse_plan(text: str, menu: list[Option]) -> str:
    """The option of a planning answer: its last non-empty line must be `OPTION: name`, with a
    name the menu offered."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    match = _OPTION_LINE.fullmatch(lines[-1]) if lines else None
    if match is None:
        raise AnswerError("malformed_plan", "the last line is not `OPTION: <name>`")
    name = match.group(1)
    if name not in {o.name for o in menu}:
        raise AnswerError("unknown_option", f"{name!r} is not an option of the menu")
    return name


def parse_program_answer(text: str, max_events: int = MAX_EVENTS) -> Program:
    """The program of an implementation answer: the one fenced code block (or the whole answer
    if it has none), parsed as data by `parse_program` and bounded by `event_bound`."""
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError("too_large", f"the answer has {len(text)} characters")
    blocks = _CODE_BLOCK.findall(text)
    if len(blocks) > 1:
        raise AnswerError("parse_error", f"{len(blocks)} code blocks, expected one")
    source = blocks[0] if blocks else text
    try:
        program = parse_program(source)
        _no_extras(source)
    except ProgramSyntaxError as e:
        raise AnswerError("parse_error", str(e)) from None
    except Exception as e:  # absurd nesting or literals: untrusted text must not stop the search
        raise AnswerError("parse_error", f"{type(e).__name__}: {e}") from None
    event_bound(program, max_events)
    return program


def _no_extras(source: str) -> None:
    """Refuse what `parse_program` skips over: decorators, default values, a return annotation,
    other kinds of parameters (never executed either way, but an answer holding them is not a
    program of the IR)."""
    fn = ast.parse(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    if (fn.decorator_list or fn.returns is not None or a.defaults or a.kw_defaults
            or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg
            or getattr(fn, "type_params", None)):
        raise ProgramSyntaxError(f"line {fn.lineno}: `def` takes only the buffers: no decorators, "
                                 "defaults, return annotation or other parameters")


Interval = tuple[int, int]


def _interval(e: Expr, env: dict[str, Interval], depth: int = 0) -> Interval:
    """Bounds of an index expression's value over the loop variables' ranges."""
    if depth > MAX_DEPTH:
        raise AnswerError("too_large", f"an index expression nested deeper than {MAX_DEPTH}")
    if isinstance(e, Const):
        if abs(e.value) > MAX_CONST:
            raise AnswerError("too_large", f"constant {e.value} is too large")
        return e.value, e.value
    if isinstance(e, Var):
        if e.name not in env:
            raise AnswerError("parse_error", f"unknown variable {e.name!r}")
        return env[e.name]
    assert isinstance(e, BinOp)
    (a0, a1), (b0, b1) = _interval(e.a, env, depth + 1), _interval(e.b, env, depth + 1)
    wide = max(abs(a0), abs(a1), abs(b0), abs(b1))
    op = e.op
    if op == "+":
        out = a0 + b0, a1 + b1
    elif op == "-":
        out = a0 - b1, a1 - b0
    elif op == "*":
        corners = (a0 * b0, a0 * b1, a1 * b0, a1 * b1)
        out = min(corners), max(corners)
    elif op == "//":
        if b0 <= 0 <= b1:
            out = -wide - 1, wide + 1
        else:
            corners = (a0 // b0, a0 // b1, a1 // b0, a1 // b1)
            out = min(corners), max(corners)
    elif op == "%":
        out = (0, b1 - 1) if b0 > 0 else (b0 + 1, 0) if b1 < 0 else (-wide, wide)
    elif op == "<<":
        if b0 < 0 or b1 > 62:
            raise AnswerError("too_large", "a shift by more than 62 bits or a negative one")
        corners = (a0 << b0, a0 << b1, a1 << b0, a1 << b1)
        out = min(corners), max(corners)
    elif op in ("|", "&"):
        top = 1 << wide.bit_length()
        out = (0, top - 1) if a0 >= 0 and b0 >= 0 else (-top, top - 1)
    elif op == "min":
        out = min(a0, b0), min(a1, b1)
    elif op == "max":
        out = max(a0, b0), max(a1, b1)
    else:  # comparisons, and, or
        out = 0, 1
    if max(abs(out[0]), abs(out[1])) > 1 << 62:
        raise AnswerError("too_large", "an index expression can exceed 2^62")
    return out


def _events(body: tuple[Stmt, ...], env: dict[str, Interval], limit: int,
            depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        raise AnswerError("too_large", f"statements nested deeper than {MAX_DEPTH}")
    total = 0
    for s in body:
        if isinstance(s, Loop):
            lo, hi = _interval(s.start, env)[0], _interval(s.stop, env)[1]
            trips = max(0, -(-(hi - lo) // s.step))
            if trips:
                inner = _events(s.body, {**env, s.var: (lo, hi - 1)}, limit, depth + 1)
                total += trips * (1 + inner)
        elif isinstance(s, If):
            _interval(s.cond, env)
            total += 1 + max(_events(s.then, env, limit, depth + 1),
                             _events(s.orelse, env, limit, depth + 1))
        else:
            for f in fields(s):  # operands: no huge constants or shifts
                v = getattr(s, f.name)
                if isinstance(v, Expr | Dram):
                    _interval(v.offset if isinstance(v, Dram) else v, env)
            if isinstance(s, LoopWs):  # its expansion: at most a few instructions per block
                i, j, k = (max(0, _interval(x, env)[1]) for x in (s.i, s.j, s.k))
                total += 8 * (i + 1) * (j + 1) * (k + 1)
            else:
                total += 1
        if total > limit:
            raise AnswerError("too_large", f"the program may run more than {limit} instructions")
    return total


def event_bound(program: Program, limit: int = MAX_EVENTS) -> int:
    """An upper bound on the instructions and loop iterations `program` runs, from interval
    bounds of its loops; `AnswerError("too_large")` past `limit`, for huge constants or shifts."""
    return _events(program.body, {}, limit)


# -------------------------------------------------------------------------------------------------
# the planner
# -------------------------------------------------------------------------------------------------
@dataclass
class PlannerStats:
    """What one planner asked and got: requests and tokens (from the client), answers by outcome."""

    calls: int = 0
    """`chat` calls (each may be several HTTP requests or a cache hit)."""
    requests: int = 0
    """HTTP requests sent, retries included."""
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    plans: int = 0
    """Planning answers whose option was accepted."""
    unknown_option: int = 0
    malformed_plan: int = 0
    programs: int = 0
    """Implementation answers that parsed (the search then checks them on the emulator)."""
    parse_error: int = 0
    too_large: int = 0
    endpoint_failures: int = 0
    failures: list[str] = field(default_factory=list)
    """The endpoint's failure messages (at most 20 kept)."""

    def as_dict(self) -> dict:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


CLIENT_OPTIONS = {"cache": "cache_dir", "max_requests": "max_requests",
                  "max_tokens": "max_tokens_total", "timeout": "timeout", "retries": "retries",
                  "temperature": "temperature"}
"""`configure` keywords passed on to `LLMClient` (as named there)."""


@dataclass(frozen=True)
class LLMPlanner:
    """Plans and implements Gemmini optimizations with a chat model (see the module docstring).

    `client` is an `LLMClient` (or anything with its `chat` and `usage`); without one, planning
    raises `PlannerError` and the search uses the symbolic planner."""

    name: ClassVar[str] = "llm"
    client: Any = None
    max_program_chars: int = MAX_PROGRAM_CHARS
    max_events: int = MAX_EVENTS
    plan_tokens: int = 1024
    """`max_tokens` of a planning answer."""
    program_tokens: int = 8192
    """`max_tokens` of an implementation answer."""
    stats: PlannerStats = field(default_factory=PlannerStats, compare=False)

    def configure(self, base_url: str | None = None, model: str | None = None,
                  no_cache: bool | None = False, **options: Any) -> LLMPlanner:
        """This planner with a client of `base_url` / `model` (the `--llm-*` options, else
        `$TENSFLO_LLM_BASE_URL` / `$TENSFLO_LLM_MODEL`) and fresh statistics. The keywords of
        `CLIENT_OPTIONS` go to `LLMClient`; answers are cached in the llm client's default cache
        directory unless `cache` names another or `no_cache`; other keywords are ignored (they
        configure other LLM components)."""
        base_url = base_url or os.environ.get("TENSFLO_LLM_BASE_URL")
        model = model or os.environ.get("TENSFLO_LLM_MODEL")
        if not base_url or not model:
            raise UsageError("the llm planner needs an endpoint: --llm-base-url URL and "
                             "--llm-model NAME (or TENSFLO_LLM_BASE_URL and TENSFLO_LLM_MODEL)")
        kwargs = {CLIENT_OPTIONS[k]: v for k, v in options.items()
                  if k in CLIENT_OPTIONS and v is not None}
        kwargs["cache_dir"] = None if no_cache else kwargs.get("cache_dir") or default_cache_dir()
        return replace(self, client=LLMClient(base_url, model, **kwargs), stats=PlannerStats())

    def _chat(self, messages: list[dict[str, str]], n: int, max_tokens: int,
              rng: np.random.Generator) -> tuple[str, ...]:
        if self.client is None:
            raise PlannerError("no LLM endpoint configured (--llm-base-url, --llm-model)")
        usage = getattr(self.client, "usage", None)
        before = (usage.requests, usage.cache_hits) if usage is not None else (0, 0)
        self.stats.calls += 1
        try:
            done = self.client.chat(messages, n=n, max_tokens=max_tokens,
                                    seed=int(rng.integers(1 << 31)))
        except LLMError as e:
            self.stats.endpoint_failures += 1
            if len(self.stats.failures) < 20:
                self.stats.failures.append(str(e))
            raise PlannerError(str(e)) from None
        finally:
            if usage is not None:
                self.stats.requests += usage.requests - before[0]
                self.stats.cache_hits += usage.cache_hits - before[1]
        self.stats.prompt_tokens += done.prompt_tokens
        self.stats.completion_tokens += done.completion_tokens
        self.stats.seconds += done.seconds
        return done.texts

    def plan(self, state: PlanState, menu: list[Option], samples: int,
             rng: np.random.Generator) -> list[str]:
        """Ask for `samples` plans in one request; the distinct offered options, in order."""
        texts = self._chat(plan_messages(state, menu, self.max_program_chars), samples,
                           self.plan_tokens, rng)
        names: list[str] = []
        for text in texts:
            try:
                name = parse_plan(text, menu)
            except AnswerError as e:
                setattr(self.stats, e.kind, getattr(self.stats, e.kind) + 1)
                continue
            self.stats.plans += 1
            if name not in names:
                names.append(name)
        return names[:samples]

    def implement(self, state: PlanState, option: Option, n: int,
                  rng: np.random.Generator) -> list[Program]:
        """Ask for `n` rewritten programs; those that parse and are bounded (unchecked: the search
        runs them on the emulator)."""
        texts = self._chat(implement_messages(state, option, self.max_program_chars), n,
                           self.program_tokens, rng)
        # a rewrite may run up to 4x the current program's instructions (at least max_events)
        limit = max(self.max_events, 4 * event_bound(state.current(), 1 << 62))
        programs: list[Program] = []
        for text in texts:
            try:
                programs.append(parse_program_answer(text, limit))
            except AnswerError as e:
                setattr(self.stats, e.kind, getattr(self.stats, e.kind) + 1)
                continue
            self.stats.programs += 1
        return programs

    def summary(self) -> dict:
        """Requests, tokens, seconds and answers by outcome so far (`SearchResult.planner`)."""
        return self.stats.as_dict()


def planners() -> list[LLMPlanner]:
    """The planners of the `tensflo_gemmini_planners` hook: `llm`, unconfigured (the CLI
    configures it from the `--llm-*` options)."""
    return [LLMPlanner()]


__all__ = ["LLMPlanner", "PlannerStats", "AnswerError", "plan_messages", "implement_messages",
           "parse_plan", "parse_program_answer", "event_bound", "planners"]
