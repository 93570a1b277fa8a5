"""Issue 13 §2 semantics on realistic requests: where a request goes (named platform, URL host,
route prefixes), unknown is not wrong, graded model IDs, dated refusals, one finding per cause."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.catalogue import load_catalogue
from claude_preflight.checks._model_ids import ModelIdGrammar
from conftest import minimal

AS_OF = "2026-12-04"
HELLO = [{"role": "user", "content": "Hello"}]


def run(body: Any, **kwargs: Any):  # noqa: ANN201 - a Report
    kwargs.setdefault("as_of", AS_OF)
    return validate(body, **kwargs)


def codes(report: Any) -> set[str]:
    return {f.code for f in report.findings}


# ------------------------------------------------------------------ where the request goes


@pytest.mark.parametrize(
    ("url", "surface"),
    [
        ("https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages", "bedrock"),
        ("https://bedrock-runtime.eu-west-1.amazonaws.com/model/global.anthropic.claude-opus-4-8/invoke", "bedrock-invoke"),
        ("https://bedrock.us-east-1.amazonaws.com/anthropic/v1/agents", "bedrock"),
        ("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6:rawPredict", "vertex"),
        ("https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-6:rawPredict", "vertex"),
        ("https://example-resource.services.ai.azure.com/anthropic/v1/messages", "foundry"),
        ("https://aws-external-anthropic.us-west-2.api.aws/v1/messages", "aws-platform"),
        ("https://api.anthropic.com/v1/messages", "anthropic"),
        ("https://gateway.example.com/v1/messages", "anthropic"),  # an unknown host: the default
    ],
)
def test_the_url_host_decides_the_surface(url: str, surface: str) -> None:
    assert run(minimal(), endpoint=url).surface == surface
    assert run(minimal(), endpoint=f"POST {url}").surface == surface


def test_a_named_surface_wins_over_the_host() -> None:
    assert run(minimal(), endpoint="https://api.anthropic.com/v1/messages", surface="aws-platform").surface == "aws-platform"


def test_inference_profile_on_a_bedrock_messages_host_is_not_judged_first_party() -> None:
    body = {"model": "global.anthropic.claude-opus-4-8", "max_tokens": 1024, "messages": HELLO}
    report = run(body, endpoint="https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages")
    assert report.ok and not codes(report) & {"PF003", "PF004"}, report.findings
    # the same ID named for the Claude API is still another surface's form
    assert "PF004" in codes(run(body, surface="anthropic"))


@pytest.mark.parametrize("route", ["invoke", "invoke-with-response-stream"])
def test_bedrock_named_with_an_invoke_path_is_invoke_model(route: str) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": HELLO}
    report = run(body, surface="bedrock", endpoint=f"/model/global.anthropic.claude-opus-4-8/{route}")
    assert report.surface == "bedrock-invoke"
    assert report.ok and "PF003" not in codes(report), report.findings


def test_managed_agents_on_the_bedrock_control_plane() -> None:
    # SDK 2.17: agents, sessions and memory stores under bedrock.{region}.amazonaws.com/anthropic
    headers = {"anthropic-beta": "managed-agents-2026-04-01"}
    base = "https://bedrock.us-east-1.amazonaws.com/anthropic"
    agent = run({"name": "triage", "model": "claude-opus-4-8"}, endpoint=f"{base}/v1/agents", headers=headers)
    assert agent.ok and not codes(agent) & {"PF002", "PF003", "SF001"}, agent.findings
    session = run({"agent": "agent_01abc", "environment_id": "env_01abc"}, endpoint=f"{base}/v1/sessions", headers=headers)
    assert session.ok and not codes(session) & {"PF002", "PF003"}, session.findings
    listing = run(None, endpoint=f"GET {base}/v1/memory_stores", headers={"anthropic-beta": "agent-memory-2026-07-22"})
    assert not codes(listing) & {"PF002", "PF003"}, listing.findings
    # environments are not served there
    env = run({"name": "py", "config": {"type": "cloud"}}, endpoint=f"{base}/v1/environments", headers=headers)
    assert "PF003" in {f.code for f in env.errors}


# ------------------------------------------------------------------ unknown is not wrong


def test_unknown_endpoint_is_a_warning_naming_the_catalogue_date() -> None:
    report = run(None, endpoint="GET /v1/widgets/w_01")
    [finding] = [f for f in report.findings if f.code == "PF002"]
    assert finding.severity == "warning" and "2026-11-24" in finding.message


@pytest.mark.parametrize(
    ("endpoint", "known"),
    [
        ("/v1/message", "/v1/messages"),
        ("/v1/messages/count_token", "/v1/messages/count_tokens"),
        ("/v1/mesages/batches", "/v1/messages/batches"),
        ("/v1/projects/p/locations/us-east5/publishers/google/models/claude-sonnet-4-6:rawPredict",
         "/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict"),
    ],
)
def test_typo_of_a_known_endpoint_is_an_error(endpoint: str, known: str) -> None:
    [finding] = [f for f in run(minimal(), endpoint=endpoint).findings if f.code == "PF002"]
    assert finding.severity == "error" and repr(known) in finding.message


@pytest.mark.parametrize("endpoint", ["GET /v1/widgets", "GET /v1/sessions/s_01/newthing", "GET /v1/compliance/review/items"])
def test_a_new_route_or_sub_resource_is_not_a_typo(endpoint: str) -> None:
    [finding] = [f for f in run(None, endpoint=endpoint).findings if f.code == "PF002"]
    assert finding.severity == "warning"


@pytest.mark.parametrize(
    "endpoint",
    ["GET /v1/compliance/review/cases", "GET /v1/compliance/review/cases/case_01", "POST /v1/compliance/review/cases/case_01/respond",
     "GET /v1/compliance/review/items/item_01", "GET /v1/compliance/review/notices"],
)
def test_compliance_review_endpoints_are_known(endpoint: str) -> None:
    assert "PF002" not in codes(run(None, endpoint=endpoint))


def test_unknown_beta_is_a_warning_naming_the_catalogue_date() -> None:
    report = run(minimal(), headers={"anthropic-beta": "shiny-feature-2026-11-30"})
    [finding] = [f for f in report.findings if f.code == "HD005"]
    assert finding.severity == "warning" and "2026-11-24" in finding.message and report.ok


def test_sdk_217_beta_is_known() -> None:
    report = run(minimal(), headers={"anthropic-beta": "google-managed-data-controls-2026-09-01"})
    assert "HD005" not in codes(report)


def test_fallback_credit_token_authorises_one_prefill() -> None:
    body = {"model": "claude-opus-4-8", "max_tokens": 1024, "fallback_credit_token": "fct_01AbCdEf",
            "messages": [{"role": "user", "content": "Summarise the report."}, {"role": "assistant", "content": "The incident began"}]}
    report = run(body, headers={"anthropic-beta": "fallback-credit-2026-06-01"})
    assert "MS015" not in codes(report) and report.ok, report.findings
    del body["fallback_credit_token"]
    assert "MS015" in codes(run(body))


# ------------------------------------------------------------------ graded model IDs


@pytest.mark.parametrize(
    ("model", "suggestion"),
    [
        ("Claude Sonnet 4.5", "claude-sonnet-4-5"),  # a display name
        ("claude-sonnet-4-5-20250101", "claude-sonnet-4-5"),  # a date it never had
        ("claude-opus-4", "claude-opus-4-0"),  # a known version in an unpublished form
        ("claude-sonnet", "claude-sonnet-5-5"),  # a bare family
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),  # dots
        ("opus-4", "claude-opus-4-0"),  # https://github.com/anthropics/claude-code/issues/6169
        ("claude-sonet-4-6", "claude-sonnet-4-6"),  # a misspelt family
    ],
)
def test_impossible_model_ids_are_errors_with_did_you_mean(model: str, suggestion: str) -> None:
    [finding] = [f for f in run(minimal(model)).findings if f.code == "LC010"]
    assert finding.severity == "error" and repr(suggestion) in finding.message
    assert "LC001" not in codes(run(minimal(model)))


@pytest.mark.parametrize("model", ["claude-opus-6", "claude-sonnet-5-7", "claude-nova-1"])
def test_ids_newer_than_the_catalogue_are_warnings_naming_its_date(model: str) -> None:
    report = run(minimal(model))
    [finding] = [f for f in report.findings if f.code == "LC001"]
    assert finding.severity == "warning" and "2026-11-24" in finding.message
    assert report.ok


def test_a_foundry_deployment_name_is_never_impossible() -> None:
    report = run(minimal("Sonnet Prod Deployment"), endpoint="https://r.services.ai.azure.com/anthropic/v1/messages")
    assert report.surface == "foundry" and "LC010" not in codes(report) and report.ok


@pytest.mark.parametrize(
    ("model", "suggestion"),
    [
        # "The provided model identifier is invalid." (Bedrock ValidationException)
        ("anthropic.claude-opus-4-6-v1:0", "anthropic.claude-opus-4-6-v1"),
        ("us.anthropic.claude-opus-4-7-v1", "us.anthropic.claude-opus-4-7"),
        ("anthropic.claude-3-5-sonnet-20241022-v1:0", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ],
)
def test_bedrock_ids_in_a_revision_never_published(model: str, suggestion: str) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": HELLO}
    report = run(body, surface="bedrock", endpoint=f"/model/{model}/invoke", as_of="2026-04-20")
    [finding] = [f for f in report.findings if f.code == "LC010"]
    assert finding.severity == "error" and repr(suggestion) in finding.message
    good = run(body, surface="bedrock", endpoint=f"/model/{suggestion}/invoke", as_of="2026-04-20")
    assert "LC010" not in codes(good) and "LC001" not in codes(good)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_grading_never_raises(text: str) -> None:
    grammar = ModelIdGrammar(load_catalogue().models, ("opus", "sonnet", "haiku", "fable", "mythos"))
    grade = grammar.grade(text)
    assert grade is None or grade.certainty in ("impossible", "newer")


@pytest.mark.parametrize(("kind", "surface"), [("first-party", "anthropic"), ("bedrock", "bedrock")])
def test_no_catalogued_id_is_graded_unknown(kind: str, surface: str) -> None:
    catalogue = load_catalogue()
    for model_id in catalogue.model_ids(kind):
        assert not codes(run(minimal(model_id), surface=surface)) & {"LC001", "LC010"}, model_id


# ------------------------------------------------------------------ dated refusals, one finding per cause


def test_consecutive_user_turns_were_refused_before_the_api_merged_them() -> None:
    body = {"model": "claude-3-5-sonnet-20240620", "max_tokens": 1024,
            "messages": [{"role": "user", "content": "Here is the report."}, {"role": "user", "content": "Summarise it."}]}
    # "roles must alternate ..." - https://github.com/etkecc/baibot/issues/13 (2024-09-21)
    [before] = [f for f in run(body, as_of="2024-09-21").findings if f.code == "MS018"]
    assert before.severity == "error"
    [after] = [f for f in run(body, as_of="2024-10-20").findings if f.code == "MS018"]
    assert after.severity == "info"


def test_a_leading_run_of_system_messages_is_one_finding() -> None:
    body = {"model": "claude-opus-4-8", "max_tokens": 1024,
            "messages": [{"role": "system", "content": "a"}, {"role": "system", "content": "b"}, {"role": "user", "content": "hi"}]}
    assert [f.code for f in run(body).errors] == ["SM003"]


def test_a_lone_system_message_on_a_surface_without_them_is_one_finding() -> None:
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 1024, "messages": [{"role": "system", "content": "Be brief."}]}
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4-8:rawPredict"
    assert [f.code for f in run(body, endpoint=endpoint).errors] == ["SM002"]


def test_disputed_surface_gives_a_warning_naming_both_sides() -> None:
    body = {"model": "global.anthropic.claude-opus-4-8", "max_tokens": 1024,
            "messages": [{"role": "user", "content": "Summarise."}, {"role": "system", "content": "Answer in French."}]}
    report = run(body, surface="bedrock")
    [finding] = [f for f in report.findings if f.code == "SM002"]
    assert finding.severity == "warning" and "AWS" in finding.message and report.ok
