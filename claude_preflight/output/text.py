"""Findings as text, coloured on a terminal.

``concise``: one ``file:line:col: CODE severity message [pointer] (fix: ...)`` line per finding.
``pretty``: the same line, then the source line with a caret under the offending value (as
ruff and rustc show it). Every finding whose rule has a fix says so: the hint, and ``[--fix]``
or ``[--unsafe-fixes]`` when the tool can apply it. Source lines are redacted like messages.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import IO, TYPE_CHECKING, Iterable, Mapping

from claude_preflight.files.checking import FileResult
from claude_preflight.output import Counts, OutputOptions, fix_note, new_counts, printable, summary, tally
from claude_preflight.redact import redact
from claude_preflight.report import Finding

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SNIPPET_WIDTH = 100  # characters of a long source line shown around the caret


def wants_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()




def line_of(finding: Finding, catalogue: Catalogue | None = None) -> str:
    where = f"{finding.file}:{finding.line}:{finding.column}: " if finding.file else ""
    pointer = f" [{finding.path}]" if finding.path else ""
    return redact(f"{where}{finding.code} {finding.severity} {finding.message}{pointer}{fix_note(finding, catalogue)}")


class Sources:
    """Lines of the checked files, read once per file (texts not on disk come from ``given``)."""

    def __init__(self, given: Mapping[str, str] | None = None) -> None:
        self.given = given if given is not None else {}  # may still be filled while results stream
        self.file: str | None = None
        self.lines: list[str] = []

    def line(self, file: str, number: int) -> str | None:
        if file != self.file:
            self.file, self.lines = file, self._read(file)
        return self.lines[number - 1] if 0 < number <= len(self.lines) else None

    def _read(self, file: str) -> list[str]:
        if file in self.given:
            return self.given[file].split("\n")
        from pathlib import Path

        from claude_preflight.files.documents import read_text

        try:
            text, _ = read_text(Path(file))
        except (OSError, ValueError):
            text = None
        return (text or "").split("\n")


def snippet(text: str, column: int) -> tuple[str, int]:
    """The part of a source line to show and the caret's offset in it (long lines are cut)."""
    text = text.rstrip("\r").expandtabs(1)
    index = max(column - 1, 0)
    if len(text) <= SNIPPET_WIDTH:
        return text, index
    start = max(0, min(index - SNIPPET_WIDTH // 3, len(text) - SNIPPET_WIDTH))
    shown = text[start:start + SNIPPET_WIDTH]
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_WIDTH < len(text) else ""
    return prefix + shown + suffix, index - start + len(prefix)


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

    def results(self, results: Iterable[FileResult], *, quiet: bool = False, context: bool = False,
                catalogue: Catalogue | None = None, sources: Mapping[str, str] | None = None,
                show_fixes: bool = False) -> Counts:
        counts = new_counts()
        lines = Sources(sources)
        fixable: Counter[str] = Counter()
        for result in results:
            tally(counts, result)
            for problem in result.problems:
                self.write(redact(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}"), "bold magenta")
            for finding in result.findings:
                self.write(line_of(finding, catalogue), _STYLE.get(finding.severity))
                if finding.edits:
                    fixable["unsafe" if finding.fix_safety == "unsafe" else "safe"] += 1
                if context and finding.file and finding.line:
                    self._context(finding, lines)
        if show_fixes and fixable:
            self.write(f"{fixable['safe']} finding(s) fixable with --fix, {fixable['unsafe']} more with --unsafe-fixes.")
        if not quiet:
            self.write(summary(counts), "bold" if counts["error"] or counts["problems"] else "green")
        return counts

    def _context(self, finding: Finding, sources: Sources) -> None:
        assert finding.file is not None and finding.line is not None
        text = sources.line(finding.file, finding.line)
        if text is None or not text.strip():
            return
        shown, offset = snippet(redact(text), finding.column or 1)
        gutter = " " * len(str(finding.line))
        self.write(f"{gutter} |")
        self.write(f"{finding.line} | {shown}")
        self.write(f"{gutter} | {' ' * offset}^", _STYLE.get(finding.severity))
        self.write("")


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    """The ``pretty`` format through the registry (``output.writer``)."""
    return write_report(results, options, context=True)


def write_report(results: Iterable[FileResult], options: OutputOptions, *, context: bool = True,
                 sources: Mapping[str, str] | None = None, show_fixes: bool = False) -> Counts:
    return TextWriter(options.stream).results(results, quiet=options.quiet, context=context, catalogue=options.catalogue,
                                              sources=sources, show_fixes=show_fixes)


def write_statistics(results: Iterable[FileResult], options: OutputOptions, *, as_json: bool = False) -> Counts:
    """``--statistics``: the number of findings per rule, most frequent first."""
    counts = new_counts()
    per_code: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: dict[str, str] = {}
    problems = []
    for result in results:
        tally(counts, result)
        problems.extend(result.problems)
        for finding in result.findings:
            per_code[finding.code] += 1
            names[finding.code] = finding.name
            if finding.edits:
                fixable[finding.code] = finding.fix_safety or "safe"
    rows = sorted(per_code.items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        data = [{"code": code, "name": names[code], "count": count, "fix": fixable.get(code)} for code, count in rows]
        json.dump(data, options.stream, indent=2)
        options.stream.write("\n")
        return counts
    out = TextWriter(options.stream)
    for problem in problems:
        out.write(redact(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}"), "bold magenta")
    width = max((len(str(count)) for _, count in rows), default=1)
    for code, count in rows:
        mark = {"safe": " [--fix]", "unsafe": " [--unsafe-fixes]"}.get(fixable.get(code, ""), "")
        out.write(f"{count:>{width}}  {code}  {names[code]}{mark}")
    if not options.quiet:
        out.write(summary(counts), "bold" if counts["error"] or counts["problems"] else "green")
    return counts


__all__ = ["TextWriter", "fix_note", "line_of", "snippet", "summary", "wants_colour", "write_report", "write_results", "write_statistics"]
