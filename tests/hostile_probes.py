"""A check that always raises, for the test that a failing check is an error (PF900)."""

from __future__ import annotations

from typing import Any, Iterator

from claude_preflight.checks.base import Hit, check


@check
def raising_probe(ctx: Any, params: Any) -> Iterator[Hit]:
    raise KeyError("a check that breaks")
