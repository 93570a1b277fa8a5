"""GitHub Actions workflow commands: one annotation per finding, then a summary line.

``::error file=fixtures/a.json,line=4,col=18,title=SP002 sampling-rejected-by-model::fixtures/a.json:4:18: …``

Severities map to ``error``, ``warning`` and ``notice``. Files that cannot be read are
``error`` annotations titled ``unreadable file``. As in ruff's GitHub format, the message
repeats the location, so the log line stays useful where the annotation is not shown:
GitHub displays only 10 annotations of each kind per step (50 per job), so the summary
says so, and points to SARIF upload, when more were emitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Iterable

from claude_preflight.files.checking import FileResult
from claude_preflight.output import Counts, OutputOptions, fix_note, new_counts, printable, relative_path, summary, tally

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
LIMIT_PER_KIND = 10  # annotations GitHub shows per step for each of error, warning, notice


def escape_data(text: str) -> str:
    """Escape a command's message (after ``::``) as the workflow-command rules require
    (``%``, CR and LF percent-encoded, so a newline in a key or file name can never start
    a command line of its own); other control characters (ESC, BEL, ...) are escaped
    by :func:`printable`."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a property value: the data escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, file: str | None = None, line: int | None = None,
            column: int | None = None, title: str | None = None) -> str:
    """One workflow command line, e.g. ``::warning file=a.json,line=1,col=2,title=X::message``."""
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if isinstance(line, int) and line >= 1:
            props.append(f"line={line}")
            if isinstance(column, int) and column >= 1:
                props.append(f"col={column}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{escape_data(message)}"


def _where(path: str | None, line: int | None, column: int | None) -> str:
    if not path:
        return ""
    if line is None:
        return f"{path}: "
    return f"{path}:{line}:{column}: " if column is not None else f"{path}:{line}: "


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    counts = new_counts()
    emitted = {"error": 0, "warning": 0, "notice": 0}
    out: IO[str] = options.stream
    for result in results:
        tally(counts, result)
        for problem in result.problems:
            path = _path(problem.file, options.root)
            out.write(command("error", _where(path, problem.line, problem.column) + problem.message,
                              file=path, line=problem.line, column=problem.column, title="unreadable file") + "\n")
            emitted["error"] += 1
        for finding in result.findings:
            kind = COMMANDS.get(finding.severity, "warning")
            path = _path(finding.file, options.root)
            pointer = f" [{finding.path}]" if finding.path else ""
            message = _where(path, finding.line, finding.column) + finding.message + pointer + fix_note(finding, options.catalogue)
            out.write(command(kind, message, file=path, line=finding.line, column=finding.column,
                              title=f"{finding.code} {finding.name}") + "\n")
            emitted[kind] += 1
    if not options.quiet:
        out.write(printable(summary_line(counts, emitted)) + "\n")
    return counts


def summary_line(counts: Counts, emitted: dict[str, int]) -> str:
    text = f"claude-preflight: {summary(counts)}"
    over = [f"{n} {kind}s" for kind, n in emitted.items() if n > LIMIT_PER_KIND]
    if over:
        text += (
            f". GitHub shows only {LIMIT_PER_KIND} annotations of each kind per step and {', '.join(over)} were emitted: "
            "all are in this log; upload SARIF (claude-preflight check --format sarif) to code scanning to see every finding"
        )
    return text


def _path(file: str | None, root: Path) -> str | None:
    if not file:
        return None
    return relative_path(file, root)[0]
