"""Checking one request document of a file: the shared step of every file front end.

``check_document`` validates a :class:`~claude_preflight.files.documents.Document` with the
engine and places its findings at file positions; :class:`Options` and :class:`FileResult` are
what the file front ends (``files.checking``, ``files.batch``, ``fixing.files``, ``source``)
pass around.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from claude_preflight.api import run_request
from claude_preflight.catalogue import Catalogue
from claude_preflight.rendering import render
from claude_preflight.config import Config
from claude_preflight.dates import now_utc, parse_moment
from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.report import Finding


@dataclass(frozen=True)
class Options:
    """Defaults for requests whose envelope does not say otherwise."""

    catalogue: Catalogue
    as_of: datetime | None = None
    surface: str | None = None
    api_version: str | None = None
    config: Config = field(default_factory=Config)


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
    return place_findings(doc, report.findings, input_findings(doc, options.catalogue))


def place_findings(doc: Document, findings: tuple[Finding, ...], located: list[Finding]) -> list[Finding]:
    """Append the engine's ``findings`` on ``doc``, placed at their file positions, to ``located``."""
    if findings:
        doc.locate_only(f.path for f in findings)
    for finding in findings:
        header = _header_of(doc, finding)
        if header is not None:
            line, column = doc.root_position(header)
            located.append(replace(finding, path=header, file=doc.file, line=line, column=column))
            continue
        line, column = doc.position(finding.path)
        located.append(replace(finding, path=doc.base + finding.path, file=doc.file, line=line, column=column))
    return located


def _header_of(doc: Document, finding: Finding) -> str | None:
    """The envelope pointer of the header a whole-request finding is about (``/headers/anthropic-beta``),
    when the fixture's envelope has that header and the message names it; else None."""
    if finding.path or finding.edits or doc.base != "/body" or not isinstance(doc.headers, dict):
        return None
    from claude_preflight.files import pointer

    message = finding.message.lower()
    for name in doc.headers:
        if isinstance(name, str) and len(name) > 3 and name.lower() in message:
            return pointer.join("/headers", name)
    return None


def input_findings(doc: Document, catalogue: Catalogue) -> list[Finding]:
    """Findings of the file reader itself (IN001 duplicate key, IN002 NaN/Infinity) at their positions."""
    found = []
    for note in doc.notes:
        rule = catalogue.rule_by_code.get(note.code)
        if rule is not None:
            message = render(rule.message, note.args)
            found.append(Finding(rule.code, rule.name, rule.severity, message, note.path, file=doc.file, line=note.line, column=note.column))  # type: ignore[arg-type]
    return found


def at_root(doc: Document, finding: Finding) -> Finding:
    """Place a finding whose pointer is relative to the document root, not to its body."""
    line, column = doc.root_position(finding.path) if hasattr(doc, "root_position") else (doc.record or 1, 1)
    return replace(finding, file=doc.file, line=line, column=column)
