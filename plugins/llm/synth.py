"""The `llm` synthesizer: a model proposes the TensIR program; tensflo parses, tests and proves it.

Each round asks the endpoint for k samples (k adapts to goodput, see `sampling`). Every sample is
parsed with the TensIR grammar and type-checked (`answers`), then quick-checked against the loop-IR
interpreter on random inputs inside the source's domain. The first sample that passes is returned
to the pipeline, which proves it like any other candidate. What went wrong goes back to the model
in the next round: the parse or type error, or an input on which the program differs from the
source (from the quick check, or from the solver when a proof fails).

A wrong program whose failure one node explains (`blame`) is *close*. Then, with `enum` in the
portfolio, the enumerative search fills that node (a sketch with one hole); with infilling on, the
next prompt shows the program with that whole node masked and asks for the node alone, parsed with
the node's grammar kind as the start symbol (`answers.parse_fill`).

The model's text is data: it is never executed or evaluated, only parsed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tensflo.ir.lifting import (
    Case,
    LiftResult,
    NotLiftable,
    candidate_proofs,
    draw_cases,
    first_mismatch,
)
from tensflo.ir.loop import nodes as L
from tensflo.ir.tensir import Lambda, TensIRTypeError, Term, print_term, rewrite
from tensflo.plugins.errors import UsageError

from . import prompts
from .answers import AnswerError, Hole, hole_at, parse_fill, parse_program, replace_at
from .blame import blame
from .client import BudgetExhausted, LLMClient, LLMError, default_cache_dir
from .sampling import GoodputSampler, shared_sampler

KEEP_EXCHANGES = 3
"""Feedback exchanges kept in the conversation (older ones are dropped to bound the prompt)."""
INFILL_ROUNDS = 2
"""Rounds an infill question is asked before going back to whole-program prompts."""


@dataclass
class _Infill:
    base: Term
    hole: Hole
    messages: list[dict[str, str]]
    rounds: int = 0


@dataclass
class _Conversation:
    """What the synthesizer remembers about one function across the pipeline's calls."""

    messages: list[dict[str, str]]
    exchanges: list[tuple[str, str]] = field(default_factory=list)
    """(answer, feedback) pairs, most recent last."""
    pending: Term | None = None
    """The candidate returned last (the pipeline is proving it)."""
    infill: _Infill | None = None
    tried: set[Term] = field(default_factory=set)
    stats: dict[str, Any] = field(default_factory=lambda: {
        "rounds": 0, "samples": 0, "parse_errors": 0, "type_errors": 0, "wrong": 0,
        "infill_rounds": 0, "sketch_fills": 0, "k": []})

    def prompt(self) -> list[dict[str, str]]:
        out = list(self.messages)
        for answer, feedback in self.exchanges[-KEEP_EXCHANGES:]:
            out += [{"role": "assistant", "content": answer}, {"role": "user", "content": feedback}]
        return out


@dataclass(frozen=True)
class LLMSynthesizer:
    """LLMLift-style lifting with an OpenAI-compatible endpoint (configure it with `--llm-*`)."""

    name: ClassVar[str] = "llm"
    description: ClassVar[str] = ("a language model proposes TensIR programs (any OpenAI-compatible "
                                  "endpoint; --llm-base-url), checked and proven like enum's")
    base_url: str | None = None
    model: str | None = None
    rounds: int = 10
    samples: int = 8
    """Most samples per round (the adaptive k stays within 1..samples)."""
    adaptive: bool = True
    infill: bool = True
    cache: str | None = None
    timeout: float = 60.0
    max_requests: int = 40
    max_tokens: int = 200_000
    temperature: float = 0.8
    tests: int = 32
    partners: tuple[str, ...] = ()
    """The other synthesizers of the portfolio (`enum` among them: close programs become sketches)."""
    _state: dict[str | tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    def configure(self, base_url: str | None = None, model: str | None = None,
                  rounds: int | None = None, samples: int | None = None,
                  adaptive: bool | None = None, infill: bool | None = None,
                  cache: str | None = None, no_cache: bool = False, timeout: float | None = None,
                  max_requests: int | None = None, max_tokens: int | None = None,
                  temperature: float | None = None, partners: tuple[str, ...] = (),
                  **_ignored: Any) -> LLMSynthesizer:
        """A synthesizer with these options and fresh state (one per compiled function)."""
        def pick(value: Any, default: Any) -> Any:
            return default if value is None else value

        url = pick(base_url, os.environ.get("TENSFLO_LLM_BASE_URL") or self.base_url)
        name = pick(model, os.environ.get("TENSFLO_LLM_MODEL") or self.model)
        if not url or not name:
            raise UsageError("the llm synthesizer needs an endpoint: --llm-base-url URL and "
                             "--llm-model NAME (or TENSFLO_LLM_BASE_URL and TENSFLO_LLM_MODEL)")
        import importlib.util

        if importlib.util.find_spec("httpx") is None:
            raise UsageError("the llm synthesizer needs httpx, which is not installed: "
                             "pip install 'tensflo[llm]'")
        return LLMSynthesizer(
            base_url=url, model=name,
            rounds=pick(rounds, self.rounds), samples=pick(samples, self.samples),
            adaptive=pick(adaptive, self.adaptive), infill=pick(infill, self.infill),
            cache=None if no_cache else pick(cache, self.cache or default_cache_dir()),
            timeout=pick(timeout, self.timeout), max_requests=pick(max_requests, self.max_requests),
            max_tokens=pick(max_tokens, self.max_tokens),
            temperature=pick(temperature, self.temperature), tests=self.tests,
            partners=tuple(p for p in partners if p != self.name))

    # -- state ------------------------------------------------------------------------------------
    def _client(self) -> LLMClient:
        if "client" not in self._state:
            assert self.base_url and self.model
            self._state["client"] = LLMClient(
                self.base_url, self.model, timeout=self.timeout, cache_dir=self.cache,
                max_requests=self.max_requests, max_tokens_total=self.max_tokens,
                temperature=self.temperature)
        return self._state["client"]

    def _sampler(self) -> GoodputSampler:
        if "sampler" not in self._state:
            self._state["sampler"] = shared_sampler(self.base_url or "", self.model or "",
                                                    self.samples)
        return self._state["sampler"]

    def close(self) -> None:
        client = self._state.pop("client", None)
        if client is not None:
            client.close()
            self._state["closed_client"] = client

    def stats(self, function: str) -> dict[str, Any]:
        """The cost of lifting `function` so far: requests, tokens, seconds, rounds, samples."""
        conv = self._state.get(("conv", function))
        client = self._state.get("client") or self._state.get("closed_client")
        out: dict[str, Any] = dict(conv.stats) if conv else {}
        if client is not None:
            u = client.usage
            out.update(requests=u.requests, cache_hits=u.cache_hits, retries=u.retries,
                       prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                       tokens=u.prompt_tokens + u.completion_tokens,
                       endpoint_seconds=round(u.seconds, 4))
        return out

    # -- the search -------------------------------------------------------------------------------
    def synthesize(self, module: L.Module, fn: L.Function, deadline: float, seed: int = 0,
                   exclude: frozenset[Term] = frozenset(),
                   examples: tuple[Case, ...] = ()) -> list[LiftResult]:
        if not self.base_url or not self.model:
            raise NotLiftable(fn.loc, "no endpoint: pass --llm-base-url and --llm-model (or set "
                                      "TENSFLO_LLM_BASE_URL and TENSFLO_LLM_MODEL)")
        key = ("conv", fn.name)
        if key not in self._state:
            self._state[key] = _Conversation(prompts.lift_messages(module, fn))
        conv: _Conversation = self._state[key]
        params = prompts.params_of(fn)
        sampler = self._sampler()
        if conv.pending is not None:  # the pipeline refuted what we returned last time
            sampler.observe_candidate(False, 0.0)
            conv.tried.add(conv.pending)
            reason = prompts.rejected("the verifier could not prove it equal to the source for "
                                      "all input lengths")
            bad = first_mismatch(conv.pending, list(examples)) if examples else None
            if bad is not None:
                reason = prompts.counterexample(fn, conv.pending, *bad)
            conv.exchanges.append((f"program: {print_term(conv.pending)}", reason))
            conv.pending = None
        sources = draw_cases(fn, module, (), self.tests, seed=seed + 11)
        drawn: dict[tuple[Term, ...], list[Case]] = {}
        last_reason = "no round ran"
        while conv.stats["rounds"] < self.rounds:
            if time.perf_counter() >= deadline:
                last_reason = "the time budget ran out"
                break
            conv.stats["rounds"] += 1
            k = min(self.samples, sampler.next_k()) if self.adaptive else self.samples
            conv.stats["k"].append(k)
            infill = conv.infill
            messages = infill.messages if infill else conv.prompt()
            try:
                reply = self._client().chat(messages, n=k, seed=seed + conv.stats["rounds"])
            except BudgetExhausted as e:
                raise NotLiftable(fn.loc, str(e)) from None
            except LLMError as e:
                raise NotLiftable(fn.loc, str(e)) from None
            if not reply.cached:
                sampler.observe_request(k, reply.seconds)
            conv.stats["samples"] += len(reply.texts)
            if infill:
                conv.stats["infill_rounds"] += 1
                infill.rounds += 1
            first_error: tuple[str, str] | None = None
            wrong: list[tuple[str, Term, list[Case], tuple[Case, Any]]] = []
            for text in reply.texts:
                t0 = time.perf_counter()
                try:
                    program = self._read(text, infill, params, fn)
                except AnswerError as e:
                    conv.stats["type_errors" if "type" in str(e) else "parse_errors"] += 1
                    sampler.observe_candidate(False, time.perf_counter() - t0)
                    first_error = first_error or (text, prompts.rejected(str(e)))
                    continue
                if program in conv.tried or rewrite.simplify(program) in exclude:
                    sampler.observe_candidate(False, time.perf_counter() - t0)
                    first_error = first_error or (text, prompts.rejected(
                        f"`{print_term(program)}` was already refuted"))
                    continue
                proofs = _lift_results(module, fn, program, params, self.name)
                requires = tuple(proofs[0].requires)
                if requires not in drawn:  # samples of a round mostly share their precondition
                    drawn[requires] = draw_cases(fn, module, requires, self.tests, seed=seed)
                cases = [*examples, *drawn[requires]]
                bad = first_mismatch(program, cases)
                sampler.observe_candidate(bad is None, time.perf_counter() - t0)
                if bad is None:
                    conv.pending = program
                    conv.infill = None
                    return proofs
                conv.stats["wrong"] += 1
                conv.tried.add(program)
                wrong.append((text, program, cases, bad))
            if wrong:
                text, program, cases, bad = wrong[0]
                fixed = self._repair(module, fn, program, cases + sources, bad, deadline, conv)
                if fixed:
                    return fixed
                last_reason = f"the last candidate was wrong: {print_term(program)}"
                conv.exchanges.append((text, prompts.counterexample(fn, program, *bad)))
            elif first_error is not None:
                last_reason = first_error[1].splitlines()[0]
                if infill is None:
                    conv.exchanges.append(first_error)
            if infill is not None and conv.infill is infill and infill.rounds >= INFILL_ROUNDS:
                conv.infill = None
        raise NotLiftable(fn.loc, f"no candidate passed in {conv.stats['rounds']} rounds "
                                  f"({last_reason})")

    def _read(self, text: str, infill: _Infill | None, params: tuple, fn: L.Function) -> Term:
        if infill is None:
            return parse_program(text, params, fn.returns)
        node = parse_fill(text, infill.hole, params)
        try:
            program = replace_at(infill.base, infill.hole.path, node)
        except TensIRTypeError as e:
            raise AnswerError(f"type error: {e}") from None
        assert isinstance(program, Term)
        return program

    def _repair(self, module: L.Module, fn: L.Function, program: Term, cases: list[Case],
                bad: tuple[Case, Any], deadline: float, conv: _Conversation) -> list[LiftResult]:
        """For a close program: a sketch filled by enum, or the next prompt asks for one node."""
        if "enum" not in self.partners and not self.infill:
            return []
        from tensflo.plugins.enum_synth import fill_hole, lambdas_of, leaves_of

        leaves, lambdas = leaves_of(module, fn), lambdas_of(module, fn)
        found = blame(program, cases, leaves, lambdas)
        if found is None:
            return []
        hole = hole_at(program, found.path)
        if "enum" in self.partners:
            hole_type = hole.type if hole.type is not None else _lambda_type(program, found.path)
            filled = fill_hole(module, fn, program, _plug(program, found.path), hole_type, cases,
                               min(deadline, time.perf_counter() + 5.0))
            if filled is not None and filled not in conv.tried:
                conv.stats["sketch_fills"] += 1
                if first_mismatch(filled, cases) is None:
                    conv.pending = filled
                    return _lift_results(module, fn, filled, prompts.params_of(fn), "llm+enum")
        if self.infill:
            case, got = bad
            conv.infill = _Infill(program, hole,
                                  prompts.infill_messages(module, fn, program, hole, case, got))
        return []


def _plug(program: Term, path: tuple[int, ...]) -> Callable[[Term | Lambda], Term]:
    """The program with a node in place of the one at `path` (a program stays a term)."""

    def plug(node: Term | Lambda) -> Term:
        out = replace_at(program, path, node)
        assert isinstance(out, Term)
        return out

    return plug


def _lambda_type(program: Term, path: tuple[int, ...]) -> Any:
    from .answers import at

    return at(program, path).type


def _lift_results(module: L.Module, fn: L.Function, program: Term, params: tuple,
                  found_by: str) -> list[LiftResult]:
    """The program with the obligations of each invariant template that fits (tried in order by
    the pipeline), or with none (then it can only be tested)."""
    out = candidate_proofs(module, fn, program) or [
        LiftResult(program, params, [], [], proof_complete=False)]
    for r in out:
        r.found_by = found_by
    return out
