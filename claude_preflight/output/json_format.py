"""Machine-readable JSON output of a check run."""

from __future__ import annotations

import json
from typing import IO, Any, Iterable

from claude_preflight import __version__
from claude_preflight.files.checking import FileResult
from claude_preflight.output import Counts, OutputOptions, new_counts, tally


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    return write(results, options.stream)


def write(results: Iterable[FileResult], stream: IO[str]) -> Counts:
    counts = new_counts()
    files: list[dict[str, Any]] = []
    for result in results:
        tally(counts, result)
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
