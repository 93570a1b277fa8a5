"""Machine-readable JSON output of a check run."""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any, Iterable

from claude_preflight import __version__
from claude_preflight.files.checking import FileResult
from claude_preflight.output import Counts, OutputOptions, new_counts, tally
from claude_preflight.report import Finding

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    return write(results, options.stream, options.catalogue)


def _finding(finding: Finding, catalogue: Catalogue | None) -> dict[str, Any]:
    """A finding as JSON; one whose rule has a fix says so even when the check gave no hint."""
    data = finding.to_dict()
    if catalogue is not None and "fix" not in data:
        rule = catalogue.rule_by_code.get(finding.code)
        if rule is not None and rule.fix:
            data["fix"] = rule.fix.get("description")
    data["fixable"] = bool(finding.edits)
    return data


def write(results: Iterable[FileResult], stream: IO[str], catalogue: Catalogue | None = None) -> Counts:
    counts = new_counts()
    files: list[dict[str, Any]] = []
    for result in results:
        tally(counts, result)
        files.append(
            {
                "path": result.path,
                "requests": result.requests,
                "findings": [_finding(f, catalogue) for f in result.findings],
                "problems": [p.__dict__ for p in result.problems],
            }
        )
    json.dump({"tool": "claude-preflight", "version": __version__, "files": files, "summary": counts}, stream, indent=2)
    stream.write("\n")
    return counts
