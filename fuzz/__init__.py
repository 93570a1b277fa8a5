"""Fuzzing harness for claude-preflight's file readers, catalogue loader and engine.

Run it with ``python -m fuzz`` (see :mod:`fuzz.run` and docs/robustness.md).
"""
