"""Surfaces (SF) and platform (PF) rules: features per surface, model and version placement,
surface ID forms (Vertex @-IDs, Bedrock profiles and ARNs)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from conftest import minimal

AS_OF = "2026-11-24"
VERTEX = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/{model}:rawPredict"
INVOKE = "/model/{model}/invoke"


def run(body: Any, **kwargs: Any):  # noqa: ANN201 - a Report
    kwargs.setdefault("as_of", AS_OF)
    return validate(body, **kwargs)


def hits(report: Any, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


def path_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}
    body.update(extra)
    return body


# ------------------------------------------------------------------ SF001 features a surface lacks


@pytest.mark.parametrize(
    ("surface", "extra", "path"),
    [
        ("bedrock", {"tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}]}, "/tools/0/type"),
        ("bedrock", {"tools": [{"type": "code_execution_20250825", "name": "code_execution"}]}, "/tools/0/type"),
        ("bedrock", {"fallbacks": "default"}, "/fallbacks"),
        ("foundry", {"fallbacks": "default"}, "/fallbacks"),
        ("aws-platform", {"speed": "fast"}, "/speed"),
    ],
)
def test_feature_lacking_on_surface(surface: str, extra: dict[str, Any], path: str) -> None:
    model = "global.anthropic.claude-opus-5-5" if surface == "bedrock" else "claude-opus-5-5"
    report = run(minimal(model, **extra), surface=surface)
    assert path in [f.path for f in hits(report, "SF001")]


def test_file_sources_are_found_in_blocks_and_tool_results() -> None:
    body = minimal("global.anthropic.claude-sonnet-4-6")
    body["messages"] = [
        {"role": "user", "content": [{"type": "document", "source": {"type": "file", "file_id": "file_01"}}]},
    ]
    assert [f.path for f in hits(run(body, surface="bedrock"), "SF001")] == ["/messages/0/content/0/source/type"]
    assert not hits(run(minimal(messages=body["messages"]), surface="anthropic"), "SF001")


def test_batches_endpoint_on_vertex_reported_once() -> None:
    batch = {"requests": [{"custom_id": "a", "params": path_body(model="claude-sonnet-4-6")}]}
    report = run(batch, endpoint="/v1/messages/batches", surface="vertex")
    assert [f.path for f in hits(report, "SF001")] == [""]


def test_count_tokens_on_invoke_surface() -> None:
    report = run(minimal("us.anthropic.claude-opus-4-6-v1"), endpoint="/v1/messages/count_tokens", surface="bedrock-invoke")
    assert "count-tokens" in hits(report, "SF001")[0].message


def test_route_not_on_surface_is_left_to_pf003() -> None:
    report = run({"model": "claude-opus-5-5", "name": "a"}, endpoint="/v1/agents", surface="vertex")
    assert hits(report, "PF003") and not hits(report, "SF001")


def test_mid_conversation_system_is_left_to_sm002() -> None:
    body = minimal("claude-opus-4-8")
    body["messages"].append({"role": "system", "content": "Be brief."})
    assert not hits(run(body, surface="foundry"), "SF001")


def test_null_and_standard_values_are_not_feature_use() -> None:
    assert not hits(run(minimal("global.anthropic.claude-opus-5-5", inference_geo=None, speed="standard"), surface="bedrock"), "SF001")


# ------------------------------------------------------------------ SF002 / SF003 model placement


def test_model_in_body_and_vertex_path() -> None:
    report = run(path_body(model="claude-sonnet-4-6", anthropic_version="vertex-2023-10-16"), endpoint=VERTEX.format(model="claude-sonnet-4-6"))
    [finding] = hits(report, "SF002")
    assert finding.path == "/model" and [(e.op, e.path) for e in finding.edits] == [("remove", "/model")]


def test_vertex_count_tokens_takes_the_model_in_the_body() -> None:
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/count-tokens:rawPredict"
    body = {"anthropic_version": "vertex-2023-10-16", "model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "Hi"}]}
    report = run(body, endpoint=endpoint)
    assert report.surface == "vertex"
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_invoke_route_with_arn_in_path() -> None:
    # The SDK percent-encodes the ARN's "/" in the URL (urllib.parse.quote(model, safe=":")).
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile%2Fus.anthropic.claude-opus-4-6-v1"
    report = run(path_body(anthropic_version="bedrock-2023-05-31"), endpoint=INVOKE.format(model=arn))
    assert report.surface == "bedrock-invoke" and report.model == "claude-opus-4-6"
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_messages_route_on_path_surface_warns() -> None:
    report = run(minimal("us.anthropic.claude-opus-4-6-v1", anthropic_version="bedrock-2023-05-31"), surface="bedrock-invoke")
    assert hits(report, "SF003")[0].severity == "warning"
    assert not hits(run(minimal(), surface="anthropic"), "SF003")


# ------------------------------------------------------------------ SF004 / SF005 API versions


@pytest.mark.parametrize(
    ("endpoint", "version", "fires"),
    [
        (VERTEX.format(model="claude-sonnet-4-6"), "vertex-2023-10-16", False),
        (VERTEX.format(model="claude-sonnet-4-6"), "2026-10-21", False),
        (VERTEX.format(model="claude-sonnet-4-6"), "bedrock-2023-05-31", True),
        (VERTEX.format(model="claude-sonnet-4-6"), 20231016, True),
        (INVOKE.format(model="us.anthropic.claude-opus-4-6-v1"), "bedrock-2023-05-31", False),
        (INVOKE.format(model="us.anthropic.claude-opus-4-6-v1"), "vertex-2023-10-16", True),
    ],
)
def test_body_versions(endpoint: str, version: Any, fires: bool) -> None:
    assert bool(hits(run(path_body(anthropic_version=version), endpoint=endpoint), "SF004")) == fires


def test_body_version_optional_on_bedrock_messages_route() -> None:
    body = minimal("global.anthropic.claude-opus-4-8")
    assert not hits(run(body, surface="bedrock"), "SF004")
    assert hits(run({**body, "anthropic_version": "2023-06-01"}, surface="bedrock"), "SF004")


@pytest.mark.parametrize(
    ("model", "fires"),
    [
        ("us.anthropic.claude-opus-4-6-v1", True),
        ("anthropic.claude-sonnet-4-6", True),
        ("us.anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("global.anthropic.claude-opus-4-7", False),
        ("global.anthropic.claude-opus-5-5", False),
    ],
)
def test_new_api_version_needs_claude_47_on_bedrock(model: str, fires: bool) -> None:
    # "Sending 2026-10-21 to ARN-versioned Bedrock models can 400" (Anthropic's Bedrock legacy page).
    report = run(minimal(model, anthropic_version="2026-10-21"), surface="bedrock")
    assert bool(hits(report, "SF005")) == fires
    report = run(minimal(model), surface="bedrock", headers={"anthropic-version": "2026-10-21"})
    assert bool(hits(report, "SF005")) == fires


def test_new_api_version_elsewhere_is_fine_and_assumed_version_warns() -> None:
    assert not hits(run(minimal("claude-sonnet-4-6"), headers={"anthropic-version": "2026-10-21"}), "SF005")
    [finding] = hits(run(minimal("global.anthropic.claude-sonnet-4-6"), surface="bedrock", api_version="2026-10-21"), "SF005")
    assert finding.severity == "warning"


# ------------------------------------------------------------------ SF006-SF008 Bedrock specifics


@pytest.mark.parametrize(
    ("model", "fires"),
    [
        ("anthropic.claude-sonnet-4-6", True),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("eu.anthropic.claude-sonnet-4-6", False),
        ("arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123", False),
    ],
)
def test_bare_bedrock_ids(model: str, fires: bool) -> None:
    assert bool(hits(run(minimal(model), surface="bedrock"), "SF006")) == fires


def test_bare_id_of_an_old_model_is_exempt() -> None:
    report = run(minimal("anthropic.claude-3-5-sonnet-20241022-v2:0"), surface="bedrock", as_of="2025-06-01")
    assert not hits(report, "SF006")


def test_invoke_stream_and_betas() -> None:
    endpoint = INVOKE.format(model="us.anthropic.claude-opus-4-6-v1")
    report = run(path_body(anthropic_version="bedrock-2023-05-31", stream=False), endpoint=endpoint,
                 headers={"anthropic-beta": "context-1m-2025-08-07, interleaved-thinking-2025-05-14"})
    assert hits(report, "SF007")[0].path == "/stream"
    [finding] = hits(report, "SF008")
    assert [(e.op, e.path, e.value) for e in finding.edits] == [
        ("add", "/anthropic_beta", ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"])]
    report = run(path_body(anthropic_version="bedrock-2023-05-31", anthropic_beta=["context-1m-2025-08-07"]), endpoint=endpoint,
                 headers={"anthropic-beta": "context-1m-2025-08-07"})
    assert not hits(report, "SF008")


# ------------------------------------------------------------------ PF004 surface ID forms


@pytest.mark.parametrize(
    ("surface", "model", "expected"),
    [
        ("vertex", "claude-opus-4-5-20251101", "claude-opus-4-5@20251101"),
        ("anthropic", "claude-opus-4-5@20251101", "claude-opus-4-5-20251101"),
        ("google-cloud", "claude-sonnet-4-6@default", "claude-sonnet-4-6"),
        ("foundry", "us.anthropic.claude-sonnet-4-6", "claude-sonnet-4-6"),
        ("aws-platform", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-5-5", "claude-opus-5-5"),
        ("bedrock", "claude-haiku-4-5@20251001", "anthropic.claude-haiku-4-5-20251001-v1:0"),
    ],
)
def test_ids_in_another_surface_form(surface: str, model: str, expected: str) -> None:
    [finding] = hits(run(minimal(model), surface=surface), "PF004")
    assert repr(expected) in finding.message


def test_vertex_accepts_plain_ids_for_newer_models_and_at_ids_for_older() -> None:
    for model in ("claude-sonnet-4-6", "claude-opus-5-5", "claude-haiku-4-5@20251001"):
        report = run(path_body(anthropic_version="vertex-2023-10-16"), endpoint=VERTEX.format(model=model))
        assert not hits(report, "PF004"), model


def test_bedrock_suggestion_mentions_profiles() -> None:
    [finding] = hits(run(minimal("claude-opus-5-5"), surface="bedrock"), "PF004")
    assert "global.anthropic.claude-opus-5-5" in finding.message


def test_unknown_ids_are_not_pf004() -> None:
    assert not hits(run(minimal("claude-nonexistent-9"), surface="bedrock"), "PF004")


WEIRD = [None, True, 0, "", "x", [], [[]], {}, {"type": []}, [{"type": []}], [{"source": {"type": []}, "content": [{"source": []}]}]]
KEYS = ["model", "anthropic_version", "anthropic_beta", "stream", "speed", "inference_geo", "fallbacks", "tools", "messages", "mcp_servers"]


@pytest.mark.parametrize("surface", ["anthropic", "bedrock", "bedrock-invoke", "vertex", "foundry", "aws-platform", "google-cloud", "nowhere"])
def test_odd_values_never_raise(surface: str) -> None:
    for key in KEYS:
        for value in WEIRD:
            body = minimal("claude-sonnet-4-6")
            body[key] = value
            for headers in (None, {"anthropic-beta": "a,b", "anthropic-version": ["2026-10-21", "x"]}):
                report = run(body, surface=surface, headers=headers)
                assert "PF900" not in report.codes(), (surface, key, value, [f.message for f in report.findings if f.code == "PF900"])


# ------------------------------------------------------------------ SF009 profiles a model lacks


@pytest.mark.parametrize(
    ("model", "as_of", "flagged"),
    [
        ("eu.anthropic.claude-fable-5", "2026-09-17", True),  # anthropics/claude-code#95128
        ("eu.anthropic.claude-fable-5-1", "2026-11-24", True),
        ("eu.anthropic.claude-fable-5-1", "2026-09-16", False),  # before the refusal was seen
        ("us.anthropic.claude-fable-5-1", "2026-09-17", False),  # worked from the same account
        ("global.anthropic.claude-fable-5-1", "2026-09-17", False),
        ("eu.anthropic.claude-opus-4-8", "2026-09-17", False),  # Opus has an eu. profile
    ],
)
def test_sf009_profile_a_model_lacks(model: str, as_of: str, flagged: bool) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 32000, "messages": [{"role": "user", "content": "Hello"}]}
    report = run(body, endpoint=INVOKE.format(model=model), as_of=as_of)
    found = hits(report, "SF009")
    assert bool(found) == flagged, report.findings
    if flagged:
        assert found[0].severity == "error" and "us.anthropic." in (found[0].fix or "")


def test_sf009_in_a_bedrock_messages_api_body() -> None:
    report = run({"model": "eu.anthropic.claude-fable-5", "max_tokens": 32000, "messages": [{"role": "user", "content": "Hello"}]},
                 surface="bedrock", as_of="2026-09-17")
    assert [f.path for f in hits(report, "SF009")] == ["/model"]


# ------------------------------------------------------------------ SF010 disputed per model

STRUCTURED = {"format": {"type": "json_schema", "schema": {"type": "object", "properties": {"title": {"type": "string"}},
                                                           "required": ["title"], "additionalProperties": False}}}


@pytest.mark.parametrize(
    ("surface", "endpoint", "model", "flagged"),
    [
        ("vertex", VERTEX.format(model="claude-haiku-4-5@20251001"), None, True),  # anthropic-sdk-csharp#132
        ("vertex", VERTEX.format(model="claude-sonnet-4-6"), None, False),
        (None, INVOKE.format(model="au.anthropic.claude-haiku-4-5-20251001-v1:0"), None, True),  # hindsight#3300
        (None, "/v1/messages", "claude-haiku-4-5-20251001", False),  # the Claude API offers it
    ],
)
def test_sf010_structured_outputs_for_haiku_4_5_warns_on_vertex_and_bedrock(surface: Any, endpoint: str, model: Any, flagged: bool) -> None:
    body: dict[str, Any] = {"max_tokens": 1024, "output_config": STRUCTURED, "messages": [{"role": "user", "content": "Give this article a title."}]}
    if model:
        body["model"] = model
    elif surface == "vertex":
        body["anthropic_version"] = "vertex-2023-10-16"
    else:
        body["anthropic_version"] = "bedrock-2023-05-31"
    report = run(body, surface=surface, endpoint=endpoint)
    found = hits(report, "SF010")
    assert bool(found) == flagged, report.findings
    assert all(f.severity == "warning" and f.path == "/output_config/format" for f in found)
    assert report.ok or not flagged or not any(f.code == "SF010" for f in report.errors)


# ------------------------------------------------------------------ Text Completions bodies on InvokeModel

TEXT_COMPLETION = {"prompt": "\n\nHuman: Hello\n\nAssistant:", "max_tokens_to_sample": 300, "stop_sequences": ["\n\nHuman:"]}


@pytest.mark.parametrize(
    ("model", "as_of", "codes"),
    [
        ("anthropic.claude-v2", "2024-03-01", {"LC003"}),  # AWS documents this body for Claude 2.x and Instant
        ("anthropic.claude-instant-v1", "2024-03-01", {"LC003"}),
        ("anthropic.claude-v2:1", "2026-03-01", {"LC002"}),  # still judged by Bedrock's end-of-life date
        ("anthropic.claude-3-haiku-20240307-v1:0", "2024-06-01", {"LC003", "SF004", "SH002", "SH003"}),  # Claude 3 needs Messages
    ],
)
def test_text_completions_body_on_invoke_for_legacy_models(model: str, as_of: str, codes: set[str]) -> None:
    report = run(TEXT_COMPLETION, endpoint=INVOKE.format(model=model), as_of=as_of)
    assert {f.code for f in report.findings} == codes, report.findings


def test_anthropic_beta_in_the_body_is_disputed_on_the_bedrock_messages_api() -> None:
    body = {"model": "anthropic.claude-opus-5", "max_tokens": 4096, "anthropic_beta": ["task-budgets-2026-03-13"],
            "output_config": {"task_budget": {"type": "tokens", "total": 50000}}, "messages": [{"role": "user", "content": "Plan it."}]}
    mantle = run(body, endpoint="https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages", as_of="2026-07-27")
    first_party = run({**body, "model": "claude-opus-5"}, as_of="2026-07-27")
    assert [f.severity for f in hits(mantle, "SH003")] == ["warning"]  # AWS's samples send it there
    assert [f.severity for f in hits(first_party, "SH003")] == ["error"]


@pytest.mark.parametrize(
    ("model", "body"),
    [
        ("cohere.embed-english-v3", {"texts": ["hello"], "input_type": "search_document"}),  # recorded 200s (pydantic-ai)
        ("amazon.titan-embed-text-v2:0", {"inputText": "hello"}),
        ("us.meta.llama3-2-11b-instruct-v1:0", {"prompt": "hello", "max_gen_len": 100}),  # behind a profile prefix
    ],
)
def test_other_providers_models_on_bedrock_are_not_judged_as_claude(model: str, body: dict[str, Any]) -> None:
    assert run(body, endpoint=INVOKE.format(model=model)).ok
    # a pasted key is still reported: secrets are checked in any body
    leaked = run({**body, "note": "sk-ant-api03-" + "A" * 93 + "AA"}, endpoint=INVOKE.format(model=model))
    assert "SC001" in leaked.codes()


def test_an_unknown_anthropic_id_on_bedrock_is_still_judged() -> None:
    report = run({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]},
                 endpoint=INVOKE.format(model="anthropic.claude-sonet-4-6"))
    assert "LC001" in report.codes()  # judged as a Claude request (a did-you-mean), not skipped


def test_bedrock_count_tokens_checks_the_counted_invoke_body() -> None:
    import base64
    import json

    inner = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}],
             "tools": [{"type": "web_search_20250305", "name": "web_search"}]}
    endpoint = "/model/anthropic.claude-sonnet-4-20250514-v1:0/count-tokens"
    def envelope(body: Any) -> dict[str, Any]:
        return {"input": {"invokeModel": {"body": base64.b64encode(json.dumps(body).encode()).decode()}}}
    # pydantic-ai's recorded 400: tools.0: Input tag 'web_search_20250305' ... does not match
    refused = run(envelope(inner), endpoint=endpoint, as_of="2025-11-01")
    assert [(f.code, f.path, f.edits) for f in refused.errors] == [("SF001", "/input/invokeModel/body/tools/0/type", ())]
    fine = run(envelope({k: v for k, v in inner.items() if k != "tools"}), endpoint=endpoint, as_of="2025-11-01")
    assert fine.ok and "SF006" not in fine.codes()  # CountTokens takes the base model ID (PF005)
    assert run({"input": {"invokeModel": {"body": "not base64 !"}}}, endpoint=endpoint, as_of="2025-11-01").ok


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(counted=st.one_of(st.text(max_size=200), _JSON, st.binary(max_size=120).map(lambda b: __import__("base64").b64encode(b).decode())))
def test_count_tokens_envelope_never_raises(counted: Any) -> None:
    report = run({"input": {"invokeModel": {"body": counted}}}, endpoint="/model/anthropic.claude-sonnet-4-6/count-tokens")
    assert all(f.path == "" or f.path.startswith("/input") for f in report.findings)
