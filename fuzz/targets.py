"""What every fuzz input must satisfy. Each target raises ``AssertionError`` (or lets an
unexpected exception escape) when an invariant is broken; Hypothesis then shrinks the
input to a minimal example.

* **engine** - ``validate()`` returns a report for any body and context: it never raises,
  no check fails internally (``PF900``), every finding has a JSON Pointer path and a
  known severity, the report serialises, and the body is not modified.
* **reader** - reading any bytes as a ``.json``/``.yaml``/``.jsonl`` file yields documents
  or problems, never an exception; every position is 1-based; every document is then
  checked by the engine as above.
* **catalogue** - any text given as a user catalogue file is either loaded or refused with
  a ``CatalogueError`` naming the file, line and column; nothing is ever constructed from
  a YAML tag.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

INTERNAL = "PF900"
SEVERITIES = ("error", "warning", "info")
_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): ")
# Catalogue problems that are about the merged whole rather than a place in one file.
_UNPLACED = re.compile(r"^(model id .* is claimed by|settings\.)")


def _fingerprint(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=False, default=repr, allow_nan=True)
    except (ValueError, TypeError, RecursionError):
        return repr(type(value))


def check_report(report: Any) -> None:
    from claude_preflight.report import Report

    assert isinstance(report, Report)
    for finding in report.findings:
        assert finding.code != INTERNAL, f"a check failed internally: {finding.message}"
        assert finding.severity in SEVERITIES, finding
        assert finding.path == "" or finding.path.startswith("/"), finding
        assert isinstance(finding.message, str) and finding.message, finding
    json.dumps(report.to_dict(), default=repr)


def engine(body: Any, **kwargs: Any) -> Any:
    """Validate one request; assert the engine's invariants. Returns the report."""
    from claude_preflight import validate

    kwargs.setdefault("as_of", "2026-11-24")
    before = _fingerprint(body)
    report = validate(body, **kwargs)
    check_report(report)
    assert _fingerprint(body) == before, "validate() modified the request body"
    return report


def reader(suffix: str, content: bytes, *, run_engine: bool = True) -> list[Any]:
    """Read bytes as a fixture file of the given suffix; assert the reader's invariants."""
    from claude_preflight.files.documents import Document, FileProblem, read_data

    name = f"fuzz{suffix}"
    items = list(read_data(name, content, suffix))
    assert items, "a file must give at least one document or problem"
    for item in items:
        assert isinstance(item, (Document, FileProblem)), item
        if isinstance(item, FileProblem):
            assert item.file == name and item.line >= 1 and item.column >= 1 and item.message, item
            continue
        for note in item.notes:
            assert note.line >= 1 and note.column >= 1 and (note.path == "" or note.path.startswith("/")), note
        for probe in ("", "/model", "/messages/0/content/0", "/nowhere/9"):
            line, column = item.position(probe)
            assert line >= 1 and column >= 1
        if run_engine:
            report = engine(item.body, endpoint=item.endpoint or "/v1/messages", headers=item.headers,
                            surface=item.surface if isinstance(item.surface, str) else None)
            for finding in report.findings:
                line, column = item.position(finding.path)
                assert line >= 1 and column >= 1
    return items


def catalogue_text(text: str, folder: Path | None = None) -> None:
    """Parse ``text`` as a catalogue file; with ``folder``, also load it as a user catalogue."""
    from claude_preflight.files import yaml_source

    try:
        yaml_source.load(text)
    except yaml_source.YamlProblem as problem:
        assert problem.line is None or (problem.line >= 1 and (problem.column or 1) >= 1), problem
    if folder is None:
        return
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.catalogue.loader import read_and_merge
    from claude_preflight.errors import CatalogueError

    path = folder / "user-catalogue.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        Catalogue(read_and_merge([path]))  # bypasses the per-path cache: each input is new
    except CatalogueError as exc:
        for problem in exc.problems:
            match = _WHERE.match(problem)
            if match is None and _UNPLACED.match(problem):
                continue
            assert match is not None, f"problem without file:line:col: {problem!r}"
            assert int(match["line"]) >= 1 and int(match["col"]) >= 1, problem
