"""Batch compilation of whole codebases: discovery, a local process pool or an Apache Beam
pipeline, an on-disk cache, and reports."""
