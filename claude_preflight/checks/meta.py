"""Rules reported by the front ends rather than by request checks (configuration, suppressions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Hit, check

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context


@check
def reported_by_front_end(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Never fires on a request: these findings come from the file checker."""
    return iter(())
