"""Check request files: read documents, validate each, place findings at file positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from claude_preflight.api import run_request
from claude_preflight.catalogue import Catalogue
from claude_preflight.dates import now_utc, parse_moment
from claude_preflight.files.documents import Document, FileProblem, discover, read_file
from claude_preflight.report import Finding


@dataclass(frozen=True)
class Options:
    """Defaults for requests whose envelope does not say otherwise."""

    catalogue: Catalogue
    as_of: datetime | None = None
    surface: str | None = None
    api_version: str | None = None


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    requests: int = 0


def check_document(doc: Document, options: Options) -> list[Finding] | FileProblem:
    """Validate one document; envelope values override the options."""
    try:
        moment = parse_moment(doc.as_of, what="as_of") if doc.as_of else (options.as_of or now_utc())
    except (TypeError, ValueError) as exc:
        line, column = doc.position("/as_of") if doc.base else (1, 1)
        return FileProblem(doc.file, line, column, f"envelope: {exc}")
    version = doc.api_version or options.api_version
    if version is not None and version not in options.catalogue.api_versions:
        return FileProblem(doc.file, 1, 1, f"unknown api_version {version!r}")
    report = run_request(
        options.catalogue,
        doc.body,
        endpoint=doc.endpoint or "/v1/messages",
        headers=doc.headers,
        surface=doc.surface or options.surface,
        as_of=moment,
        api_version=version,
        in_batch=doc.in_batch,
    )
    located = []
    for finding in report.findings:
        line, column = doc.position(finding.path)
        path = doc.base + finding.path
        located.append(Finding(**{**finding.__dict__, "path": path, "file": doc.file, "line": line, "column": column}))
    return located


def check_file(path: Path, options: Options) -> FileResult:
    result = FileResult(str(path))
    for item in read_file(path):
        if isinstance(item, FileProblem):
            result.problems.append(item)
            continue
        result.requests += 1
        outcome = check_document(item, options)
        if isinstance(outcome, FileProblem):
            result.problems.append(outcome)
        else:
            result.findings.extend(outcome)
    return result


def check_paths(paths: Iterable[str], options: Options) -> Iterator[FileResult]:
    for item in discover(list(paths)):
        if isinstance(item, FileProblem):
            yield FileResult(item.file, problems=[item])
        else:
            yield check_file(item, options)
