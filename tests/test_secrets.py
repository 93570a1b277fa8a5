"""Secrets family (SC) and claude_preflight.redact.

Every key here is obviously fake and assembled at run time, so that no literal in the
repository looks like a credential to secret scanners.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.redact import ANY_KEY_PATTERN, KEY_PATTERN, PREFIX, redact
from conftest import minimal

AS_OF = "2026-11-24"


def fake(kind: str = "api03", body: str = "x" * 93 + "AA") -> str:
    return "sk-" + "ant-" + kind + "-" + body


KEY = fake()


def run(body: Any, **kwargs: Any):  # noqa: ANN201 - a Report
    kwargs.setdefault("as_of", AS_OF)
    return validate(body, **kwargs)


def hits(report: Any, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


def assert_no_key(report: Any) -> None:
    # Only this family's messages are checked here; other families may quote request values,
    # which is why every output path is to pass messages through redact().
    for finding in report.findings:
        if not finding.code.startswith("SC"):
            continue
        assert KEY not in finding.message and "x" * 10 not in finding.message
        assert KEY not in (finding.fix or "")


# ------------------------------------------------------------------ redact()


@pytest.mark.parametrize("kind", ["api03", "admin01", "api01", "oat01", "ort01", "sid01"])
def test_redact_every_kind(kind: str) -> None:
    key = fake(kind, "Ab3_" * 20 + "wxyz")
    text = f"Authorization: Bearer {key}\n"
    assert redact(text) == f"Authorization: Bearer sk-ant-{kind}-\u2026wxyz\n"


def test_redact_keeps_at_most_four_characters() -> None:
    redacted = redact(KEY)
    assert redacted == "sk-ant-api03-\u2026xxAA"
    assert len(redacted) - len("sk-ant-api03-\u2026") <= 4


def test_redact_short_secrets_show_no_tail() -> None:
    assert redact(fake(body="abc123")) == "sk-ant-api03-\u2026"


def test_redact_several_keys_and_is_idempotent() -> None:
    text = f"{KEY} and '{fake('admin01', 'y' * 90)}'"
    once = redact(text)
    assert "x" * 5 not in once and "y" * 5 not in once
    assert redact(once) == once
    assert once.count("\u2026") == 2


def test_redact_leaves_other_text_alone() -> None:
    for text in ("", "sk-ant-", "sk-ant-api03-", "no key here", "sk-proj-abc123", "sk-ant-API03-Zz"):
        assert redact(text) == text


def test_redact_non_strings_pass_through() -> None:
    assert redact(None) is None  # type: ignore[arg-type]


def test_key_inside_json_and_url() -> None:
    assert KEY not in redact('{"x-api-key": "' + KEY + '"}')
    assert KEY not in redact("https://example.com/?key=" + KEY + "&a=1")


def test_patterns() -> None:
    assert KEY_PATTERN.search(KEY) and ANY_KEY_PATTERN.search(KEY)
    assert not KEY_PATTERN.search(fake(body="short-12345"))  # too short to report
    assert ANY_KEY_PATTERN.search(fake(body="short-12345"))  # but still redacted
    assert PREFIX == "sk-" + "ant-"


@settings(max_examples=200)
@given(st.text(max_size=200), st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_-", min_size=20, max_size=120))
def test_redact_never_leaks(prefix: str, secret: str) -> None:
    key = fake("api03", secret)
    out = redact(prefix + key + " tail")
    assert key not in out
    assert secret[:-4] not in out or len(secret) - 4 < 4 or secret[:-4] in prefix


# ------------------------------------------------------------------ SC001 body


def test_key_anywhere_in_the_body() -> None:
    body = minimal(metadata={"user_id": "u1"})
    body["messages"] = [{"role": "user", "content": [{"type": "text", "text": f"my key is {KEY}, why 401?"}]}]
    body["tools"] = [{"name": "t", "description": "d", "input_schema": {"type": "object", "properties": {"k": {"default": KEY}}}}]
    report = run(body)
    paths = sorted(f.path for f in hits(report, "SC001"))
    assert paths == ["/messages/0/content/0/text", "/tools/0/input_schema/properties/k/default"]
    assert all(f.severity == "error" for f in hits(report, "SC001"))
    assert_no_key(report)


def test_key_as_an_object_key_and_in_lists() -> None:
    body = minimal(stop_sequences=["END", fake("oat01", "z" * 95)])
    body["metadata"] = {KEY: "x"}
    report = run(body)
    found = {f.path: f.message for f in hits(report, "SC001")}
    assert "/stop_sequences/1" in found and "OAuth access token" in found["/stop_sequences/1"]
    assert any(p.startswith("/metadata/") for p in found)
    assert_no_key(report)


def test_body_that_is_a_string() -> None:
    assert [f.path for f in hits(run(KEY), "SC001")] == [""]


def test_placeholders_are_not_keys() -> None:
    body = minimal()
    body["messages"] = [{"role": "user", "content": "Set ANTHROPIC_API_KEY=sk-ant-api03-... or sk-ant-api03-YOUR_KEY"}]
    assert not hits(run(body), "SC001")


def test_batch_keys_reported_once_with_entry_paths() -> None:
    params = minimal()
    params["messages"] = [{"role": "user", "content": KEY}]
    batch = {"requests": [{"custom_id": "a", "params": params}, {"custom_id": "b", "params": minimal()}]}
    report = run(batch, endpoint="/v1/messages/batches")
    assert [f.path for f in hits(report, "SC001")] == ["/requests/0/params/messages/0/content"]


def test_key_in_other_endpoints_bodies() -> None:
    body = {"model": "claude-opus-5-5", "name": "a", "system": f"use {KEY}"}
    report = run(body, endpoint="/v1/agents", headers={"anthropic-version": "2023-06-01", "anthropic-beta": "managed-agents-2026-04-01"})
    assert [f.path for f in hits(report, "SC001")] == ["/system"]


def test_findings_are_capped() -> None:
    body = minimal(stop_sequences=[KEY] * 500)
    assert len(hits(run(body), "SC001")) == 50


def test_deep_and_large_bodies_are_fast() -> None:
    deep: Any = KEY
    for _ in range(100_000):
        deep = {"content": [deep]}
    start = time.perf_counter()
    report = run(minimal(metadata=deep))
    [finding] = hits(report, "SC001")
    assert finding.path.startswith("/metadata/content/0/content/0")
    big = minimal()
    big["messages"] = [{"role": "user", "content": "y" * 5_000_000 + KEY}] + [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "n"}] * 20_000
    assert [f.path for f in hits(run(big), "SC001")] == ["/messages/0/content"]
    assert time.perf_counter() - start < 20


# ------------------------------------------------------------------ SC002 headers


@pytest.mark.parametrize("name", ["x-api-key", "Authorization", "X-Custom-Upstream"])
def test_key_in_any_header(name: str) -> None:
    value = KEY if name != "Authorization" else f"Bearer {KEY}"
    report = run(minimal(), headers={"anthropic-version": "2023-06-01", name: value})
    [finding] = hits(report, "SC002")
    assert finding.severity == "error" and name.lower() in finding.message
    assert_no_key(report)


def test_no_header_finding_for_placeholders_or_unknown_headers() -> None:
    assert not hits(run(minimal(), headers={"x-api-key": "${ANTHROPIC_API_KEY}"}), "SC002")
    assert not hits(run(minimal(), headers=None), "SC002")


def test_batch_headers_checked_once() -> None:
    batch = {"requests": [{"custom_id": f"r{i}", "params": minimal()} for i in range(3)]}
    report = run(batch, endpoint="/v1/messages/batches", headers={"anthropic-version": "2023-06-01", "x-api-key": KEY})
    assert len(hits(report, "SC002")) == 1
