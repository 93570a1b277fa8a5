"""Output formats for a check run, keyed by name.

Every format module exposes ``write_results(results, options) -> counts``; :func:`writer`
imports the module only when its format is used, so the command stays cheap to start.

- ``pretty``: ``file:line:col: CODE severity message`` lines, coloured on a terminal
- ``json``: one JSON document (files, findings, problems, summary)
- ``sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers
- ``github``: GitHub Actions workflow commands (annotations), chosen automatically in Actions
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Iterable, Mapping, Protocol

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.files.checking import FileResult
    from claude_preflight.report import Finding

Counts = dict[str, int]

FORMATS: dict[str, str] = {
    "pretty": "claude_preflight.output.text",
    "json": "claude_preflight.output.json_format",
    "sarif": "claude_preflight.output.sarif",
    "github": "claude_preflight.output.github",
}

# Results of files that cannot be read are reported under this identifier where a format
# needs a rule (SARIF); it cannot collide with catalogue codes (two letters and three digits).
PROBLEM_RULE_ID = "unreadable-file"
PROJECT_URL = "https://github.com/claude-preflight/claude-preflight"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
CI_DOC_URL = f"{PROJECT_URL}/blob/main/docs/ci.md"


@dataclass
class OutputOptions:
    """What a writer needs besides the results."""

    stream: IO[str]
    catalogue: Catalogue | None = None
    quiet: bool = False
    root: Path = field(default_factory=Path.cwd)  # paths are shown relative to this folder


class WriteResults(Protocol):
    """The interface of every format: write the report, return the counts for the exit status."""

    def __call__(self, results: Iterable[FileResult], options: OutputOptions, /) -> Counts: ...


def writer(name: str) -> WriteResults:
    """The ``write_results`` function of format ``name`` (``KeyError`` for an unknown name)."""
    module = importlib.import_module(FORMATS[name])
    return module.write_results  # type: ignore[no-any-return]


def default_format(environ: Mapping[str, str] | None = None) -> str:
    """``github`` inside GitHub Actions (``GITHUB_ACTIONS=true``), else ``pretty``."""
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "pretty"


def new_counts() -> Counts:
    return {"files": 0, "requests": 0, "error": 0, "warning": 0, "info": 0, "problems": 0}


def tally(counts: Counts, result: FileResult) -> None:
    counts["files"] += 1 if result.path else 0  # a run-level result (CF003) is in no file
    counts["requests"] += result.requests
    counts["problems"] += len(result.problems)
    for finding in result.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1


def summary(counts: Mapping[str, int]) -> str:
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['info']} info"]
    if counts["problems"]:
        parts.append(f"{counts['problems']} unreadable")
    return f"{', '.join(parts)} in {counts['requests']} request(s) from {counts['files']} file(s)"


_LABELLED = re.compile(r"^(?P<path>.+?) \[[^\]]*\]$")


def artifact_path(file: str) -> str:
    """The file a finding is in: strips a trailing label such as ``pyproject.toml [tool.claude-preflight]``."""
    match = _LABELLED.match(file)
    if match and not Path(file).exists() and Path(match.group("path")).exists():
        return match.group("path")
    return file


def relative_path(file: str, root: Path) -> tuple[str, bool]:
    """``(posix path, inside root)``: relative to ``root`` when the file is under it, else absolute."""
    path = Path(artifact_path(file))
    absolute = Path(os.path.abspath(path if path.is_absolute() else root / path))
    try:
        return PurePosixPath(absolute.relative_to(os.path.abspath(root))).as_posix(), True
    except ValueError:
        return absolute.as_posix(), False


# Characters that must never reach a terminal or a CI log raw: C0 controls but tab (newlines split a
# finding into lines a CI runner may read as commands; ESC starts terminal sequences), DEL,
# C1 controls, the Unicode line and paragraph separators, and the bidirectional overrides
# and isolates that reorder what is shown ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on one line: control and bidirectional characters shown as
    ``\\xNN``/``\\uNNNN`` escapes, lone surrogates (possible in JSON keys and strings) as
    ``\\udXXX``, so a file name, key or value can neither split a line, drive the terminal,
    nor fail a UTF-8 stream. Every human format writes through it."""
    if _CONTROL.search(text) is not None:
        text = _CONTROL.sub(_escape, text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def fix_note(finding: Finding, catalogue: Catalogue | None = None) -> str:
    """`` (fix: hint) [--fix]``: the hint of the finding, else of its rule, and how to apply it."""
    hint = finding.fix
    if hint is None and catalogue is not None:
        rule = catalogue.rule_by_code.get(finding.code)
        if rule is not None and rule.fix:
            hint = str(rule.fix.get("description") or "") or None
    note = f" (fix: {hint})" if hint else ""
    if finding.edits:
        note += " [--unsafe-fixes]" if finding.fix_safety == "unsafe" else " [--fix]"
    return note
