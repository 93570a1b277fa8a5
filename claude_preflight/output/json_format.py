"""Machine-readable JSON output of a check run."""

from __future__ import annotations

import json
from typing import IO, Any, Iterable

from claude_preflight import __version__
from claude_preflight.files.checking import FileResult


def write(results: Iterable[FileResult], stream: IO[str]) -> dict[str, int]:
    counts = {"files": 0, "requests": 0, "error": 0, "warning": 0, "info": 0, "problems": 0}
    files: list[dict[str, Any]] = []
    for result in results:
        counts["files"] += 1
        counts["requests"] += result.requests
        counts["problems"] += len(result.problems)
        for finding in result.findings:
            counts[finding.severity] += 1
        files.append(
            {
                "path": result.path,
                "requests": result.requests,
                "findings": [f.to_dict() for f in result.findings],
                "problems": [p.__dict__ for p in result.problems],
            }
        )
    json.dump({"tool": "claude-preflight", "version": __version__, "files": files, "summary": counts}, stream, indent=2)
    stream.write("\n")
    return counts
