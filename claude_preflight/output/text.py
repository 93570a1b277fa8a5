"""Findings as ``file:line:col: CODE severity message`` lines, coloured on a terminal."""

from __future__ import annotations

import os
import sys
from typing import IO, Iterable

from claude_preflight.files.checking import FileResult
from claude_preflight.report import Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def wants_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def line_of(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}:{finding.column}: " if finding.file else ""
    pointer = f" [{finding.path}]" if finding.path else ""
    fix = f" (fix: {finding.fix})" if finding.fix else ""
    return f"{where}{finding.code} {finding.severity} {finding.message}{pointer}{fix}"


class TextWriter:
    """Writes findings and problems; uses rich only when colour is wanted."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.console = None
        if wants_colour(self.stream):
            from rich.console import Console

            self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def write(self, text: str, style: str | None = None) -> None:
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(text, style=style or ""))
        else:
            self.stream.write(text + "\n")

    def results(self, results: Iterable[FileResult], *, quiet: bool = False) -> dict[str, int]:
        counts = {"files": 0, "requests": 0, "error": 0, "warning": 0, "info": 0, "problems": 0}
        for result in results:
            counts["files"] += 1
            counts["requests"] += result.requests
            for problem in result.problems:
                counts["problems"] += 1
                self.write(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}", "bold magenta")
            for finding in result.findings:
                counts[finding.severity] += 1
                self.write(line_of(finding), _STYLE.get(finding.severity))
        if not quiet:
            self.write(summary(counts), "bold" if counts["error"] or counts["problems"] else "green")
        return counts


def summary(counts: dict[str, int]) -> str:
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['info']} info"]
    if counts["problems"]:
        parts.append(f"{counts['problems']} unreadable")
    return f"{', '.join(parts)} in {counts['requests']} request(s) from {counts['files']} file(s)"
