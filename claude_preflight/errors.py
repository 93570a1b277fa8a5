"""Exceptions raised by claude-preflight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_preflight.redact import redact

if TYPE_CHECKING:
    from claude_preflight.report import Report


class PreflightError(Exception):
    """A request would be rejected; raised by :func:`claude_preflight.check`."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(redact(report.summary_text()))


class CatalogueError(Exception):
    """A catalogue file is unreadable, malformed or inconsistent.

    ``problems`` holds one ``file:line:col: message`` string per problem.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = [redact(p) for p in problems]
        super().__init__("invalid catalogue:\n  " + "\n  ".join(self.problems))
