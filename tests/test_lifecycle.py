"""Lifecycle dates: the same request before and after each transition."""

from __future__ import annotations

import pytest

from claude_preflight import validate
from conftest import minimal


def codes(model: str, as_of: str, **kwargs: object) -> list[str]:
    return validate(minimal(model), as_of=as_of, **kwargs).codes()


@pytest.mark.parametrize("model", ["claude-sonnet-4-20250514", "claude-opus-4-20250514", "claude-sonnet-4-0", "claude-opus-4-0"])
def test_sonnet_4_and_opus_4_retire_on_2026_06_15(model: str) -> None:
    assert "LC002" not in codes(model, "2026-06-14T23:59:59Z")
    assert "LC003" in codes(model, "2026-06-14T23:59:59Z")  # deprecated, retiring
    assert "LC002" in codes(model, "2026-06-15T00:00:00Z")
    assert "LC002" in codes(model, "2026-11-24")


def test_retired_message_names_replacement() -> None:
    report = validate(minimal("claude-opus-4-20250514"), as_of="2026-07-01")
    finding = next(f for f in report.findings if f.code == "LC002")
    assert "claude-opus-4-8" in finding.message
    assert finding.fix == "replace the model with 'claude-opus-4-8'"


def test_fable_5_disabled_window() -> None:
    assert "LC004" not in codes("claude-fable-5", "2026-06-11")
    assert "LC004" in codes("claude-fable-5", "2026-06-13")
    assert "LC004" in codes("claude-fable-5", "2026-06-30T23:00:00Z")
    assert "LC004" not in codes("claude-fable-5", "2026-07-02")


def test_deprecated_warns_with_date_and_days() -> None:
    report = validate(minimal("claude-sonnet-4-5-20250929"), as_of="2026-11-29")
    finding = next(f for f in report.findings if f.code == "LC003")
    assert finding.severity == "warning"
    assert "2026-11-30" in finding.message and "1 day(s)" in finding.message
    assert report.ok
    after = validate(minimal("claude-sonnet-4-5-20250929"), as_of="2026-11-30")
    assert "LC002" in after.codes() and not after.ok


def test_not_yet_launched() -> None:
    assert "LC005" in codes("claude-fable-5-2", "2026-11-08")
    assert "LC005" not in codes("claude-fable-5-2", "2026-11-10")


def test_unknown_model_suggests_closest() -> None:
    report = validate(minimal("claude-sonnet-4-6-fast"), as_of="2026-11-24")
    finding = next(f for f in report.findings if f.code == "LC001")
    assert finding.severity == "warning"
    assert "claude-sonnet-4-6" in finding.message
    # a version Opus never had is certainly wrong: an error, with the closest spelling
    finding = next(f for f in validate(minimal("claude-opus-4-88"), as_of="2026-11-24").findings if f.code == "LC010")
    assert finding.severity == "error" and "claude-opus-4-8" in finding.message


def test_alias_resolves_to_snapshot_for_lifecycle() -> None:
    report = validate(minimal("claude-sonnet-4-5"), as_of="2026-12-01")
    assert "LC002" in report.codes()
    assert any(f.code == "LC009" and "claude-sonnet-4-5-20250929" in f.message for f in report.findings)


def test_active_models_have_no_lifecycle_findings() -> None:
    for model in ("claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-fable-5-2", "claude-opus-4-8", "claude-sonnet-4-6"):
        found = [c for c in codes(model, "2026-11-24") if c.startswith("LC")]
        assert found == [], (model, found)


def test_bedrock_uses_anthropic_schedule_only_as_a_warning() -> None:
    body = minimal("anthropic.claude-sonnet-4-20250514-v1:0")
    report = validate(body, surface="bedrock", as_of="2026-07-01")
    lifecycle = [f for f in report.findings if f.code == "LC002"]
    if lifecycle:  # unless the catalogue has Bedrock's own date, Anthropic's is only indicative
        assert all(f.severity in ("warning", "error") for f in lifecycle)


def test_bedrock_profile_prefixes_resolve() -> None:
    report = validate(minimal("us.anthropic.claude-opus-4-8"), surface="bedrock", as_of="2026-11-24")
    assert report.model == "claude-opus-4-8"
    assert not [c for c in report.codes() if c.startswith(("LC", "PF"))]


def test_latest_suffix_on_the_claude_4_naming_is_impossible() -> None:
    from claude_preflight import validate

    def codes(model: str) -> dict[str, str]:
        report = validate({"model": model, "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}, as_of="2026-01-08")
        return {f.code: f.severity for f in report.findings}

    assert codes("claude-haiku-4-5-latest").get("LC010") == "error"  # langsmith-sdk's recorded 404
    assert "LC010" not in codes("claude-3-5-haiku-latest")  # a real alias of the Claude 3 naming
    assert codes("claude-sonnet-9-latest").get("LC001") == "warning"  # a version the catalogue does not list
