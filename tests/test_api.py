"""The public API: validate() and check(), their arguments, and the report."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from claude_preflight import PreflightError, check, validate
from conftest import minimal


def test_clean_request_is_ok() -> None:
    report = validate(minimal(), as_of="2026-11-24")
    assert report.ok
    assert report.errors == ()
    assert report.model == "claude-sonnet-4-6"
    assert report.surface == "anthropic"
    assert report.api_version == "2023-06-01"


def test_check_raises_with_report() -> None:
    body = minimal("claude-opus-4-8", temperature=0.5)
    with pytest.raises(PreflightError) as info:
        check(body, as_of="2026-11-24")
    assert "SP002" in info.value.report.codes()
    assert "SP002" in str(info.value)


def test_check_returns_report_when_ok() -> None:
    assert check(minimal(), as_of="2026-11-24").ok


def test_finding_fields() -> None:
    report = validate(minimal("claude-opus-4-8", temperature=0.5), as_of="2026-11-24")
    finding = next(f for f in report.findings if f.code == "SP002")
    assert finding.name == "sampling-rejected-by-model"
    assert finding.severity == "error"
    assert finding.path == "/temperature"
    assert finding.fix == "remove 'temperature'"
    assert "claude-opus-4-8" in finding.message


@pytest.mark.parametrize(
    "as_of",
    ["2026-11-24", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00+05:00", date(2026, 11, 24), datetime(2026, 11, 24, 10)],
)
def test_as_of_forms(as_of: object) -> None:
    assert validate(minimal(), as_of=as_of).as_of is not None


@pytest.mark.parametrize(("as_of", "error"), [("yesterday", ValueError), ("2026-13-01", ValueError), (12, TypeError), ([], TypeError)])
def test_invalid_as_of_raises_at_the_call(as_of: object, error: type) -> None:
    with pytest.raises(error, match="as_of"):
        validate(minimal(), as_of=as_of)


def test_invalid_api_version_argument_raises() -> None:
    with pytest.raises(ValueError, match="2099-01-01"):
        validate(minimal(), api_version="2099-01-01")
    with pytest.raises(TypeError):
        validate(minimal(), api_version=20231001)  # type: ignore[arg-type]


def test_default_as_of_is_now() -> None:
    report = validate(minimal())
    moment = datetime.fromisoformat(report.as_of or "")
    assert abs(moment - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_headers_are_case_insensitive() -> None:
    body = minimal(temperature=0.3)
    report = validate(body, headers={"Anthropic-Version": "2026-10-21"}, as_of="2026-11-24")
    assert report.api_version == "2026-10-21"
    assert "SP001" in report.codes()


def test_header_version_wins_over_argument() -> None:
    body = minimal(temperature=0.3)
    report = validate(body, headers={"anthropic-version": "2023-06-01"}, api_version="2026-10-21", as_of="2026-11-24")
    assert report.api_version == "2023-06-01"
    assert "SP001" not in report.codes()


def test_api_version_argument_used_for_bare_bodies() -> None:
    report = validate(minimal(temperature=0.3), api_version="2026-10-21", as_of="2026-11-24")
    assert "SP001" in report.codes()


def test_headers_as_pairs_and_repeated_beta() -> None:
    body = minimal(context_management={"edits": []})
    headers = [("anthropic-version", "2023-06-01"), ("anthropic-beta", "files-api-2025-04-14"), ("anthropic-beta", "context-management-2025-06-27")]
    assert "SH007" not in validate(body, headers=headers, as_of="2026-11-24").codes()


def test_endpoint_accepts_urls_and_methods() -> None:
    for endpoint in ("https://api.anthropic.com/v1/messages?beta=true", "POST /v1/messages", "/v1/messages/"):
        report = validate(minimal(), endpoint=endpoint, as_of="2026-11-24")
        assert report.ok, endpoint
        assert report.endpoint == "/v1/messages"


def test_findings_sorted_by_position() -> None:
    body = minimal("claude-opus-4-8", top_p=0.5, temperature=0.5)
    paths = [f.path for f in validate(body, as_of="2026-11-24").findings]
    assert paths == sorted(paths)


def test_thread_safety_same_results() -> None:
    bodies = [minimal("claude-opus-4-8", temperature=0.1 * i) for i in range(8)] + [minimal()]
    expected = [validate(b, as_of="2026-11-24").codes() for b in bodies]
    results: list[list[list[str]]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append([validate(b, as_of="2026-11-24").codes() for b in bodies])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r == expected for r in results)


def test_report_to_dict_round_trip() -> None:
    report = validate(minimal("claude-opus-4-8", temperature=0.5), as_of="2026-11-24")
    data = report.to_dict()
    assert data["ok"] is False
    assert data["findings"][0]["code"] == "SP002"


def test_import_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, claude_preflight; print(sorted(m for m in ('yaml', 'jsonschema', 'rich', 'pydantic', 'anthropic', 'ruamel') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
