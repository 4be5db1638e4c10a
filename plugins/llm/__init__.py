"""LLM-backed components: an OpenAI-compatible endpoint client, the `llm` synthesizer, and the
Gemmini `llm` planner."""
