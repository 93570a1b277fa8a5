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
* **python** - any Python value (cycles, shared references, tuples, mappings whose methods
  raise, control characters in keys) gives a report in bounded time: a cycle is an
  ``IN004`` error, never an exception; ``fix()`` never raises either; the human output
  formats carry no raw control character.
* **secrets** - a fake key hidden in any textual place of a request (object key, value,
  header name or value, endpoint query, surface, base64 data, tool result) is reported,
  and appears in no finding, path, message or output format.
* **overlay** - a rule overlay with params its check cannot use is refused at load time
  with ``file:line:col``; one that loads never makes a check pass silently.
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


def python_value(body: Any, **kwargs: Any) -> Any:
    """Validate and fix any Python value; assert neither raises and no check fails internally."""
    from claude_preflight import validate
    from claude_preflight.fixing import fix

    kwargs.setdefault("as_of", "2026-11-24")
    report = validate(body, **kwargs)
    check_report(report)
    result = fix(body, **kwargs)
    check_report(result.remaining)
    _human_output_is_clean(report)
    return report


def _human_output_is_clean(report: Any) -> None:
    from claude_preflight.files.checking import FileResult
    from claude_preflight.output import OutputOptions, writer

    findings = [f.located("dir\n\x1b[2Jname.json", 1, 1) for f in report.findings]
    for name in ("pretty", "github"):
        import io

        stream = io.StringIO()
        writer(name)([FileResult("fuzz.json", findings=findings, requests=1)], OutputOptions(stream=stream))
        text = stream.getvalue()
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", text), (name, text)
        for line in text.splitlines():
            assert name != "github" or line.startswith("::") or line.startswith("claude-preflight:"), line


def secrets(place: str, arguments: dict[str, Any], key: str) -> None:
    """The key hidden at ``place`` is found, and never echoed."""
    from claude_preflight import validate

    body = arguments.pop("body")
    report = validate(body, as_of="2026-11-24", **arguments)
    check_report(report)
    codes = {f.code for f in report.findings}
    assert codes & {"SC001", "SC002"}, f"a key in the {place} was not reported"
    shown = json.dumps(report.to_dict(), ensure_ascii=False) + report.summary_text()
    assert key not in shown and key[13:30] not in shown, f"a key in the {place} is echoed"


def overlay(code: str, params: str, folder: Path) -> None:
    """An overlay with hostile params: refused with file:line:col, or loaded and never silent."""
    from claude_preflight import validate
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.catalogue.loader import read_and_merge
    from claude_preflight.errors import CatalogueError

    path = folder / "overlay.yaml"
    path.write_text(f"rules:\n  - code: {code}\n    params:\n      {params}\n", encoding="utf-8")
    try:
        catalogue = Catalogue(read_and_merge([path]))
    except CatalogueError as exc:
        for problem in exc.problems:
            assert problem.startswith(f"{path}:"), problem
            match = _WHERE.match(problem)
            assert match is not None and int(match["line"]) >= 1, problem
        return
    body = {"model": "claude-sonnet-4-6", "max_tokens": 64, "metadata": {"user_id": "sk-ant-api03-" + "Fz9" * 12},
            "messages": [{"role": "user", "content": "hi"}]}
    report = validate(body, as_of="2026-11-24", catalogue=catalogue)
    failed = [f for f in report.findings if f.code == INTERNAL]
    assert all(f.severity == "error" for f in failed), failed
    assert failed or "SC001" in {f.code for f in report.findings} or code != "SC001", "the overlay silenced SC001"
