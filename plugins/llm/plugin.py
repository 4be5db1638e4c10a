"""The `llm` plugin: registers the `llm` synthesizer, its `--llm-*` options and the Gemmini `llm`
planner."""
