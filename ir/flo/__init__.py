"""Flo: an IR for streaming dataflow (bounded/unbounded streams, nest/defer cycles) and its checker."""
