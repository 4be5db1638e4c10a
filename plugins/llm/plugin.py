"""The `llm` plugin: the `llm` synthesizer and its `--llm-*` options (on the commands that lift)."""

from __future__ import annotations

import argparse

from tensflo.plugins.argtypes import positive_float, positive_int
from tensflo.plugins.hookspecs import hookimpl

from .synth import LLMSynthesizer


@hookimpl
def tensflo_register_synthesizers() -> list[object]:
    return [LLMSynthesizer()]


@hookimpl
def tensflo_add_options(parser: argparse.ArgumentParser, lifts: bool) -> None:
    if lifts:
        add_options(parser)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The `--llm-*` options, for the commands that lift and for others that ask a model (the
    Gemmini planner's `tensflo gemmini`)."""
    g = parser.add_argument_group(
        "language model (--synth llm, or llm,enum for the portfolio)",
        "Any OpenAI-compatible chat-completions endpoint. The API key is read from "
        "TENSFLO_LLM_API_KEY (or OPENAI_API_KEY) and is never written anywhere.")
    g.add_argument("--llm-base-url", metavar="URL",
                   help="endpoint base URL, e.g. http://127.0.0.1:8000/v1 "
                        "(default: $TENSFLO_LLM_BASE_URL)")
    g.add_argument("--llm-model", metavar="NAME", help="model name (default: $TENSFLO_LLM_MODEL)")
    g.add_argument("--llm-rounds", type=positive_int, metavar="N",
                   help="feedback rounds per function (default 10)")
    g.add_argument("--llm-samples", type=positive_int, metavar="K",
                   help="most samples per round (default 8; the number asked adapts to goodput)")
    g.add_argument("--llm-adaptive", action=argparse.BooleanOptionalAction, default=None,
                   help="adapt the samples per round to measured goodput (default on); "
                        "--no-llm-adaptive asks for --llm-samples every round")
    g.add_argument("--llm-infill", action=argparse.BooleanOptionalAction, default=None,
                   help="when one node of a wrong program is to blame, ask for that node only "
                        "(default on)")
    g.add_argument("--llm-cache", metavar="DIR",
                   help="response cache directory (default ~/.cache/tensflo/llm); re-runs with "
                        "the same requests send none")
    g.add_argument("--no-llm-cache", dest="llm_no_cache", action="store_true", default=None,
                   help="neither read nor write the response cache")
    g.add_argument("--llm-timeout", type=positive_float, metavar="S",
                   help="seconds per request before it is retried (default 60)")
    g.add_argument("--llm-max-requests", type=positive_int, metavar="N",
                   help="requests per function, retries included (default 40)")
    g.add_argument("--llm-max-tokens", type=positive_int, metavar="N",
                   help="prompt + completion tokens per function (default 200000)")
    g.add_argument("--llm-temperature", type=float, metavar="T", help="sampling temperature (default 0.8)")

