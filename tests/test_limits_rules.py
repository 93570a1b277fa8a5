"""Limits and output options (LM*): body size, context window, max_tokens 0, output_config,
fast mode, metadata, inference_geo, container, context management, threads, fallbacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.checks import _estimate
from claude_preflight.engine.scan import number_len
from claude_preflight.report import Report

AS_OF = "2026-11-24"
HEADERS = {"anthropic-version": "2023-06-01"}


def body(model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
    base.update(extra)
    return base


def run(request: Any, **kwargs: Any) -> Report:
    return validate(request, as_of=kwargs.pop("as_of", AS_OF), **kwargs)


def hits(report: Report, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


def beta(*names: str) -> dict[str, str]:
    return {**HEADERS, "anthropic-beta": ",".join(names)}


# Reference walkers: the obvious per-node implementations the shared scan must agree with.
_ENCODE_UTF8, _ENCODE_ASCII = _estimate._ENCODE_UTF8, _estimate._ENCODE_ASCII


def _cheap_size(value: Any) -> tuple[int, int, int]:
    """(characters of ASCII strings, of other strings, everything else) of the compact JSON."""
    chars = wide = other = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.isascii():
                chars += len(item)
            else:
                wide += len(item)
            other += 2
        elif isinstance(item, dict):
            other += 2 + max(len(item) - 1, 0) + len(item)  # braces, commas, colons
            for key, child in item.items():
                if isinstance(key, str):
                    chars += len(key)
                    other += 2
                else:
                    other += 2 + number_len(key)
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            other += 2 + max(len(item) - 1, 0)
            stack.extend(item)
        elif item is None:
            other += 4
        else:
            other += number_len(item)
    return chars, wide, other


def _exact_size(value: Any) -> _estimate.Size:
    utf8 = ascii_ = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            utf8 += _estimate.utf8_len(_ENCODE_UTF8(item))
            ascii_ += len(_ENCODE_ASCII(item))
        elif isinstance(item, dict):
            n = 2 + max(len(item) - 1, 0) + len(item)
            utf8 += n
            ascii_ += n
            for key, child in item.items():
                text = key if isinstance(key, str) else str(key) if isinstance(key, (int, float)) else "?"
                utf8 += _estimate.utf8_len(_ENCODE_UTF8(text))
                ascii_ += len(_ENCODE_ASCII(text))
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            n = 2 + max(len(item) - 1, 0)
            utf8 += n
            ascii_ += n
            stack.extend(item)
        elif item is None:
            utf8 += 4
            ascii_ += 4
        else:
            n = number_len(item)
            utf8 += n
            ascii_ += n
    return _estimate.Size(utf8, ascii_, True)


# ---------------------------------------------------------------------- LM001 (SIZE-01..03)


def _padded(total: int, char: str = "x") -> dict[str, Any]:
    """A request whose compact UTF-8 JSON is exactly ``total`` bytes (for one-byte ``char``)."""
    request = body(messages=[{"role": "user", "content": ""}])
    overhead = len(json.dumps(request, separators=(",", ":")).encode())
    request["messages"][0]["content"] = char * (total - overhead)
    return request


def test_padding_helper_is_exact() -> None:
    request = _padded(1000)
    assert len(json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode()) == 1000


def test_size_thresholds() -> None:
    assert not hits(run(_padded(32_000_000)), "LM001")
    gray = hits(run(_padded(32_000_001)), "LM001")
    assert [(f.severity, f.path) for f in gray] == [("warning", "")]
    assert [f.severity for f in hits(run(_padded(33_554_432)), "LM001")] == ["warning"]
    assert [f.severity for f in hits(run(_padded(33_554_433)), "LM001")] == ["error"]


def test_size_counts_json_escaping() -> None:
    # 5.6M newlines are 11.2 MB once escaped as \n, 33.6 MB as six-byte \u000b controls.
    request = body(messages=[{"role": "user", "content": "\x0b" * 5_600_000}])
    assert [f.severity for f in hits(run(request), "LM001")] == ["error"]
    assert not hits(run(body(messages=[{"role": "user", "content": "\n" * 5_600_000}])), "LM001")


def test_size_of_non_ascii_text_when_escaped() -> None:
    # 3.2M emoji: 12.8 MB as UTF-8, 38.4 MB as \ud83d\ude00 escapes (json.dumps' default)
    request = body(messages=[{"role": "user", "content": "\U0001f600" * 3_200_000}])
    found = hits(run(request), "LM001")
    assert [f.severity for f in found] == ["warning"] and "escaped" in found[0].message


def test_cheap_pass_is_exact_enough() -> None:
    value = {"a": ["é", 1, 2.5, None, True, {"b": "\n"}], "c": "x" * 10}
    size = _estimate.json_size(_estimate.scan(value, "sk-ant-"), near=0)
    assert size.exact
    assert size.utf8 == len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    assert size.ascii == len(json.dumps(value, separators=(",", ":")))
    assert not _estimate.json_size(_estimate.scan(value, "sk-ant-"), near=10_000).exact


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.text(alphabet=st.characters(max_codepoint=0x80), max_size=12)
    | st.sampled_from(["sk-ant-", "xsk-ant-api03-y", "image", "document", "é"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6) | st.sampled_from(["type", "sk-", "ant-x", "sk-ant-k"]), inner, max_size=4),
    max_leaves=25,
)


def _count_typed(value: Any, kind: str) -> int:
    if isinstance(value, dict):
        return (value.get("type") == kind) + sum(_count_typed(v, kind) for v in value.values())
    if isinstance(value, list):
        return sum(_count_typed(v, kind) for v in value)
    return 0


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)] + [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_shared_scan_agrees_with_the_separate_passes(value: Any) -> None:
    scanned = _estimate.scan(value, "sk-ant-")
    assert scanned.size_parts == _cheap_size(value)
    assert scanned.images_at_most >= _count_typed(value, "image")
    assert scanned.documents_at_most >= _count_typed(value, "document")
    # A superset test: never false when some string or key holds the marker.
    if any("sk-ant-" in s for s in _strings(value)):
        assert scanned.secret_maybe


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES | st.sampled_from(["é\u2028\"\\\n\x01", {"k\u00e9\"": ["\ud83d\ude00", "\x7f"]}, ["a\x7f\x7fb", {"\x7f": "\x1f"}]]))
def test_exact_size_from_the_scan_matches_the_walk(value: Any) -> None:
    found = _estimate.scan(value, "sk-ant-")
    assert _estimate.exact_size(found) == _exact_size(value)
    assert _estimate.json_size(found, near=0) == _exact_size(value)
    text = json.dumps(value, separators=(",", ":"))
    assert _estimate.exact_size(found).ascii == len(text)


def test_shared_scan_with_non_string_keys() -> None:
    value = {1: "a", "sk-ant-x": [None], (2, 3): {"type": "image"}}
    scanned = _estimate.scan(value, "sk-ant-")
    assert scanned.size_parts == _cheap_size(value)
    assert scanned.secret_maybe and scanned.images_at_most == 1


def test_size_not_checked_per_batch_entry() -> None:
    entry = _padded(33_600_000)
    batch = {"requests": [{"custom_id": "big-1", "params": entry}]}
    report = run(batch, endpoint="/v1/messages/batches")
    assert not [f for f in hits(report, "LM001") if f.path.startswith("/requests/")]


# ---------------------------------------------------------------------- LM002 (SIZE-04, SIZE-06)


def _long(chars: int) -> dict[str, Any]:
    words = "timeout retry backoff jitter "
    return {"role": "user", "content": (words * (chars // len(words) + 1))[:chars]}


def test_context_window_warning_and_error() -> None:
    # "prompt is too long: 219898 tokens > 200000 maximum" (earendil-works/pi#102)
    haiku = "claude-haiku-4-5-20251001"
    assert not hits(run(body(haiku, messages=[_long(700_000)])), "LM002")
    warn = hits(run(body(haiku, messages=[_long(900_000)])), "LM002")
    assert [f.severity for f in warn] == ["warning"]
    err = hits(run(body(haiku, messages=[_long(1_700_000)])), "LM002")
    assert [f.severity for f in err] == ["error"]


def test_whitespace_does_not_make_an_error() -> None:
    padded = {"role": "user", "content": "a" + " " * 1_700_000}
    assert [f.severity for f in hits(run(body("claude-haiku-4-5-20251001", messages=[padded])), "LM002")] == ["warning"]


def test_base64_payloads_are_not_text() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A" * 4_000_000}}
    messages = [{"role": "user", "content": [image, {"type": "text", "text": "What is it?"}]}]
    assert not hits(run(body("claude-haiku-4-5-20251001", messages=messages)), "LM002")


def test_foundry_defaults_opus_4_8_to_200k() -> None:
    request = body("claude-opus-4-8", messages=[_long(1_000_000)])
    assert not hits(run(request, surface="anthropic"), "LM002")
    assert hits(run(request, surface="foundry"), "LM002")


def test_context_1m_beta_for_sonnet_4_5() -> None:
    request = body("claude-sonnet-4-5-20250929", messages=[_long(1_000_000)])
    assert hits(run(request, headers=HEADERS), "LM002")
    assert not hits(run(request, headers=beta("context-1m-2025-08-07")), "LM002")


# ---------------------------------------------------------------------- LM003..LM005 (TOP-04/05)

WARM_SYSTEM = [{"type": "text", "text": "You are the support assistant.", "cache_control": {"type": "ephemeral"}}]


def warm(**extra: Any) -> dict[str, Any]:
    return body(max_tokens=0, system=WARM_SYSTEM, messages=[{"role": "user", "content": "warmup"}], **extra)


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"stream": True}, "/stream"),
        ({"output_config": {"format": {"type": "json_schema", "schema": {"type": "object", "additionalProperties": False}}}}, "/output_config/format"),
        ({"tool_choice": {"type": "any"}, "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]}, "/tool_choice/type"),
        ({"tool_choice": {"type": "tool", "name": "t"}, "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]}, "/tool_choice/type"),
    ],
)
def test_pre_warm_conflicts(extra: dict[str, Any], path: str) -> None:
    assert [f.path for f in hits(run(warm(**extra)), "LM003")] == [path]


def test_pre_warm_without_conflicts() -> None:
    assert not hits(run(warm(stream=False, tool_choice={"type": "auto"}, thinking={"type": "adaptive"})), "LM003")
    assert not hits(run(body(max_tokens=1, stream=True)), "LM003")


def test_pre_warm_date_and_surface() -> None:
    assert [f.severity for f in hits(run(warm(), as_of="2026-04-30T23:59:59Z"), "LM004")] == ["error"]
    assert not hits(run(warm(), as_of="2026-05-01"), "LM004")
    bedrock = {**warm(), "model": "global.anthropic.claude-sonnet-4-6"}
    assert [f.severity for f in hits(run(bedrock, surface="bedrock"), "LM004")] == ["warning"]
    assert not hits(run(warm(), surface="foundry"), "LM004")


def test_pre_warm_needs_a_breakpoint() -> None:
    assert [f.path for f in hits(run(body(max_tokens=0)), "LM005")] == ["/max_tokens"]
    automatic = hits(run(body(max_tokens=0, cache_control={"type": "ephemeral"})), "LM005")
    assert [(f.path, f.severity) for f in automatic] == [("/cache_control", "info")]
    assert not hits(run(warm()), "LM005")


# ---------------------------------------------------------------------- output_config (TOP-18..21, SO-01, TOP-23)


def test_effort_per_model() -> None:
    # "This model does not support the effort parameter." (anthropics/claude-code#30010)
    assert hits(run(body("claude-sonnet-4-5-20250929", output_config={"effort": "high"})), "LM007")
    assert not hits(run(body("claude-sonnet-4-5-20250929", output_config={"effort": None})), "LM007")
    # "This model does not support effort level 'xhigh'. Supported levels: ..." (askalf/dario#413)
    found = hits(run(body("claude-opus-4-5-20251101", output_config={"effort": "max"})), "LM008")
    assert found and found[0].fix == "use effort 'high'"
    assert hits(run(body("claude-opus-4-8", output_config={"effort": "extreme"})), "LM008")
    for level in ("low", "medium", "high", "xhigh", "max"):
        assert not hits(run(body("claude-opus-5-5", output_config={"effort": level})), "LM008")
    assert not hits(run(body("claude-haiku-4-5-20251001", output_config={"effort": "xhigh"})), "LM008")  # LM007's case


def test_output_format_shapes() -> None:
    assert not hits(run(body(output_config={"format": None})), "LM009")
    assert [f.path for f in hits(run(body(output_config={"format": "json"})), "LM009")] == ["/output_config/format"]
    bad_type = hits(run(body(output_config={"format": {"type": "json_object", "schema": {"type": "object"}}})), "LM009")
    assert [f.path for f in bad_type] == ["/output_config/format/type"]


def test_task_budget() -> None:
    headers = beta("task-budgets-2026-03-13")
    ok = {"type": "tokens", "total": 20000, "remaining": 5000}
    assert not hits(run(body("claude-opus-5-5", output_config={"task_budget": ok}), headers=headers), "LM010")
    negative = {"type": "tokens", "total": 50000, "remaining": -1}
    assert [f.path for f in hits(run(body("claude-opus-5-5", output_config={"task_budget": negative}), headers=headers), "LM010")] == ["/output_config/task_budget/remaining"]
    fraction = {"type": "tokens", "total": 20000.5}
    assert hits(run(body("claude-opus-5-5", output_config={"task_budget": fraction}), headers=headers), "LM010")


# ---------------------------------------------------------------------- fast mode (TOP-16/17/36, SURF-01)


def test_fast_mode_windows() -> None:
    fast_beta = beta("fast-mode-2026-02-01")
    opus48 = body("claude-opus-4-8", speed="fast")
    assert not hits(run(opus48, headers=fast_beta, as_of="2026-11-29T23:59:59Z"), "LM011")
    assert hits(run(opus48, headers=fast_beta, as_of="2026-11-30"), "LM011")
    assert hits(run(opus48, headers=fast_beta, as_of="2026-05-27"), "LM011")
    opus55 = body("claude-opus-5-5", speed="fast")
    assert hits(run(opus55, as_of="2026-09-21"), "LM011")
    assert not hits(run(opus55, as_of="2026-09-22"), "LM011")


def test_fast_mode_surfaces() -> None:
    opus55 = body("claude-opus-5-5", speed="fast")
    assert not hits(run(opus55, surface="foundry"), "LM011")
    assert hits(run(opus55, surface="google-cloud"), "LM011")
    # surfaces without any fast mode are the surfaces family's finding
    assert not hits(run({**opus55, "model": "claude-opus-5-5"}, surface="aws-platform"), "LM011")


def test_fast_mode_beta() -> None:
    opus48 = body("claude-opus-4-8", speed="fast")
    assert [f.severity for f in hits(run(opus48, headers=HEADERS), "LM012")] == ["error"]
    assert [f.severity for f in hits(run(opus48), "LM012")] == ["warning"]
    assert not hits(run(body("claude-opus-4-8", speed="standard"), headers=HEADERS), "LM012")
    assert not hits(run(body("claude-opus-5-5", speed="fast"), headers=HEADERS), "LM012")


# ---------------------------------------------------------------------- metadata, inference_geo


def test_metadata() -> None:
    assert not hits(run(body(metadata={"user_id": None})), "LM013")
    assert not hits(run(body(metadata={})), "LM013")
    assert hits(run(body(metadata={"user_id": "u" * 257})), "LM014")
    assert not hits(run(body(metadata={"user_id": "u" * 256})), "LM014")
    assert [f.severity for f in hits(run(body(metadata={"user_id": "+1 (415) 555-0134"})), "LM015")] == ["info"]
    assert not hits(run(body(metadata={"user_id": "550e8400-e29b-41d4-a716-446655440000"})), "LM015")
    # an email address is refused (BerriAI/litellm#10106); one inside the ID is only likely to be
    assert [f.severity for f in hits(run(body(metadata={"user_id": "myname@example.com"})), "LM015")] == ["error"]
    assert [f.severity for f in hits(run(body(metadata={"user_id": "Jane Doe <myname@example.com>"})), "LM015")] == ["warning"]
    assert not hits(run(body(metadata={"user_id": "team@acme/8c1f"})), "LM015")


def test_inference_geo() -> None:
    assert hits(run(body("claude-sonnet-4-5-20250929", inference_geo="us")), "LM016")
    assert not hits(run(body("claude-sonnet-4-5-20250929", inference_geo=None)), "LM016")
    assert not hits(run(body("claude-sonnet-4-6", inference_geo="us")), "LM016")
    assert [f.severity for f in hits(run(body("claude-sonnet-4-6", inference_geo="EU")), "LM017")] == ["warning"]


# ---------------------------------------------------------------------- container, context management, compaction


def test_container() -> None:
    assert not hits(run(body(container="container_011CNha8iCJcU1wXNR6q4V8w")), "LM018")
    assert [f.path for f in hits(run(body(container={"skills": "xlsx"})), "LM018")] == ["/container/skills"]
    assert [f.path for f in hits(run(body(container={"id": 5})), "LM018")] == ["/container/id"]
    assert [f.path for f in hits(run(body(container={"id": "c", "ttl": 60})), "LM018")] == ["/container/ttl"]


def test_context_management_edits() -> None:
    headers = beta("context-management-2025-06-27", "compact-2026-01-12")
    edits = {"edits": [{"type": "clear_tool_uses_20250919"}, {"type": "compact_20260112", "instructions": "Keep file paths."}]}
    assert not hits(run(body(context_management=edits), headers=headers), "LM020")
    assert [f.path for f in hits(run(body(context_management={"edits": "all"}), headers=headers), "LM020")] == ["/context_management/edits"]
    assert [f.path for f in hits(run(body(context_management={"edits": [], "mode": "auto"}), headers=headers), "LM020")] == ["/context_management/mode"]


def test_clear_thinking_edit() -> None:
    headers = beta("context-management-2025-06-27")
    edits = {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
    assert [f.path for f in hits(run(body(context_management=edits), headers=headers), "LM021")] == ["/context_management/edits/0"]
    assert not hits(run(body(context_management=edits, thinking={"type": "adaptive"}), headers=headers), "LM021")
    # a model that thinks by default needs no thinking field
    assert not hits(run(body("claude-opus-5-5", context_management=edits), headers=headers), "LM021")


def test_compaction() -> None:
    headers = beta("compact-2026-09-04")
    assert not hits(run(body("claude-opus-5-5", compaction={"type": "summarize", "instructions": None}), headers=headers), "LM022")
    assert [f.path for f in hits(run(body("claude-opus-5-5", compaction={"type": "summarize", "trigger": 1}), headers=headers), "LM022")] == ["/compaction/trigger"]
    assert not hits(run(body("claude-opus-5-5", compaction={"type": "summarize"}, context_management=None), headers=headers), "LM023")


# ---------------------------------------------------------------------- thread, fallbacks, billing, diagnostics


def test_thread() -> None:
    headers = beta("message-threads-2026-08-12")
    assert hits(run(body("claude-opus-5-5", thread={"type": "resume"}), headers=headers), "LM024")
    cached = body("claude-opus-5-5", thread={"type": "create"},
                  system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}])
    assert [f.path for f in hits(run(cached, headers=headers), "LM025")] == ["/system/0/cache_control"]
    # Opus 5.5 thinks by default; only an explicit thinking configuration is flagged
    assert not hits(run(body("claude-opus-5-5", thread={"type": "create"}), headers=headers), "LM025")
    assert not hits(run(body("claude-opus-5-5", thread={"type": "create"}, thinking={"type": "disabled"}), headers=headers), "LM025")


def test_fallbacks() -> None:
    headers = beta("server-side-fallback-2026-07-01")
    assert not hits(run(body("claude-fable-5-2", fallbacks="default"), headers=headers), "LM026")
    assert [f.path for f in hits(run(body("claude-fable-5-2", fallbacks="auto"), headers=headers), "LM026")] == ["/fallbacks"]
    assert [f.path for f in hits(run(body("claude-fable-5-2", fallbacks=[]), headers=headers), "LM026")] == ["/fallbacks"]
    extra_key = [{"model": "claude-opus-5-5", "temperature": 0.2}]
    assert [f.path for f in hits(run(body("claude-fable-5-2", fallbacks=extra_key), headers=headers), "LM026")] == ["/fallbacks/0/temperature"]
    zero = [{"model": "claude-opus-5-5", "max_tokens": 0}]
    assert [f.path for f in hits(run(body("claude-fable-5-2", fallbacks=zero), headers=headers), "LM026")] == ["/fallbacks/0/max_tokens"]


def test_billing_and_diagnostics() -> None:
    headers = beta("user-profiles-billing-2026-10-01")
    assert hits(run(body(billing_policy={"bill_to": "self"}), headers=headers), "LM030")
    assert not hits(run(body(billing_policy={"type": "billing_policy", "bill_to": "user_profile"}), headers=headers), "LM030")
    found = hits(run(body(diagnostics={"previous_message_id": "req_011CNha8iCJcU1wXNR6q4V8w"})), "LM031")
    assert [(f.path, f.severity) for f in found] == [("/diagnostics/previous_message_id", "warning")]
    assert [f.severity for f in hits(run(body(diagnostics={"previous_message_id": 7})), "LM031")] == ["error"]


# ---------------------------------------------------------------------- robustness

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["fast", "standard", "tokens", "summarize", "create", "continue", "default", "high", "xhigh", "msg_1", "us"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["type", "total", "remaining", "effort", "format", "schema", "task_budget", "user_id", "skills",
                                       "edits", "model", "max_tokens", "token", "mode", "bill_to", "previous_message_id", "id"]), children, max_size=4),
    max_leaves=20,
)
FIELDS = ["output_config", "metadata", "speed", "inference_geo", "container", "context_management", "compaction", "thread",
          "fallbacks", "fallback_credit_token", "billing_policy", "diagnostics", "max_tokens", "cache_control", "stream"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=6), st.sampled_from(["claude-opus-4-8", "claude-haiku-4-5-20251001", "claude-opus-5-5", "x"]))
def test_random_option_values_never_break(extra: dict[str, Any], model: str) -> None:
    request = body(model, **extra)
    for headers in (None, HEADERS):
        report = run(request, headers=headers)
        assert "PF900" not in report.codes(), report.summary_text()


# ------------------------------------------------------------------ LM032 input + max_tokens


def _export(chars: int) -> str:
    line = ";".join(f"order{1000 + i}=status:shipped,qty:{i % 7 + 1}" for i in range(200))
    return (line * (chars // len(line) + 1))[:chars]


@pytest.mark.parametrize(
    ("model", "max_tokens", "chars", "headers", "severity"),
    [
        ("claude-sonnet-4-20250514", 8192, 780_000, None, "warning"),  # continuedev/continue#6080: fits at 6 chars/token
        ("claude-sonnet-4-20250514", 64000, 900_000, None, "error"),  # over even at 6 chars/token
        ("claude-3-7-sonnet-20250219", 20000, 740_000, None, "warning"),  # anthropics/claude-code#228
        ("claude-sonnet-4-20250514", 64000, 900_000, {"anthropic-beta": "model-context-window-exceeded-2025-08-26"}, None),
        ("claude-sonnet-4-5-20250929", 64000, 700_000, None, None),  # 4.5 stops early instead
        ("claude-sonnet-4-20250514", 8192, 400_000, None, None),  # fits
    ],
)
def test_lm032_input_plus_max_tokens(model: str, max_tokens: int, chars: int, headers: Any, severity: Any) -> None:
    body = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": _export(chars)}]}
    report = validate(body, headers=headers, as_of="2025-06-11")
    found = [f for f in report.findings if f.code == "LM032"]
    assert [f.severity for f in found] == ([severity] if severity else []), report.findings
    assert all(f.path == "/max_tokens" for f in found)


@pytest.mark.parametrize(
    ("as_of", "headers", "flagged"),
    [
        ("2026-03-01", None, True),  # 200K by default before 2026-03-13
        ("2026-03-01", {"anthropic-beta": "context-1m-2025-08-07"}, False),  # 1M with the beta
        ("2026-03-13", None, False),  # 1M by default from the release notes' day
    ],
)
def test_lm002_sonnet_4_6_window_before_1m_became_default(as_of: str, headers: Any, flagged: bool) -> None:
    # about 250,000 tokens at 4 characters per token: over 200K, far under 1M
    body = {"model": "claude-sonnet-4-6", "max_tokens": 4096, "messages": [{"role": "user", "content": _export(1_000_000)}]}
    report = validate(body, headers=headers, as_of=as_of)
    assert bool([f for f in report.findings if f.code == "LM002"]) == flagged, report.findings


def test_lm032_certainty_counts_non_space_characters_as_lm002_does() -> None:
    # 900,000 characters, a fifth of them spaces: over the room at 6 characters per token
    # (150,000 > 136,000) but not at 6 non-space characters (120,000): only a warning
    text = ("word " * 180_000)[:900_000]
    body = {"model": "claude-sonnet-4-20250514", "max_tokens": 64000, "messages": [{"role": "user", "content": text}]}
    found = [f for f in validate(body, as_of="2025-06-11").findings if f.code == "LM032"]
    assert [f.severity for f in found] == ["warning"]
