"""Findings as ``file:line:col: CODE severity message`` lines, coloured on a terminal."""

from __future__ import annotations

import os
import sys
from typing import IO, Iterable

from claude_preflight.files.checking import FileResult
from claude_preflight.output import Counts, OutputOptions, new_counts, printable, summary, tally
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
        text = printable(text)
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(text, style=style or ""))
        else:
            self.stream.write(text + "\n")

    def results(self, results: Iterable[FileResult], *, quiet: bool = False) -> Counts:
        counts = new_counts()
        for result in results:
            tally(counts, result)
            for problem in result.problems:
                self.write(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}", "bold magenta")
            for finding in result.findings:
                self.write(line_of(finding), _STYLE.get(finding.severity))
        if not quiet:
            self.write(summary(counts), "bold" if counts["error"] or counts["problems"] else "green")
        return counts


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    return TextWriter(options.stream).results(results, quiet=options.quiet)


__all__ = ["TextWriter", "line_of", "summary", "wants_colour", "write_results"]
