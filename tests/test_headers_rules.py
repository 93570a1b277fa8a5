"""Headers family (HD): anthropic-version, surface headers, anthropic-beta values, nested beta features."""

from __future__ import annotations

from typing import Any

import pytest

from claude_preflight import validate
from conftest import minimal

AS_OF = "2026-11-24"
V = {"anthropic-version": "2023-06-01"}


def run(body: Any = None, **kwargs: Any):  # noqa: ANN201 - a Report
    kwargs.setdefault("as_of", AS_OF)
    return validate(minimal() if body is None else body, **kwargs)


def wire(body: Any = None, **kwargs: Any):  # noqa: ANN201 - a Report
    """Check final wire headers (as the middleware and the proxy see them)."""
    return run(body, headers_complete=True, **kwargs)


def hits(report: Any, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


# ------------------------------------------------------------------ HD001 anthropic-version missing


def test_missing_version_header_is_an_error() -> None:
    # "anthropic-version: header is required" - https://github.com/envoyproxy/ai-gateway/issues/1909
    report = wire(headers={"content-type": "application/json"})
    [finding] = hits(report, "HD001")
    assert finding.severity == "error" and finding.path == ""
    assert "2023-06-01" in (finding.fix or "")


@pytest.mark.parametrize("surface", ["anthropic", "aws-platform", "google-cloud", "foundry"])
def test_partial_headers_need_no_sdk_supplied_header(surface: str) -> None:
    # A fixture or validate(headers=...) holds what the caller adds; the SDK still adds
    # anthropic-version and (Claude Platform on AWS) the workspace ID from the environment.
    report = run(headers={"content-type": "application/json", "anthropic-beta": "context-management-2025-06-27"}, surface=surface)
    assert not hits(report, "HD001") and not hits(report, "HD004"), report.findings
    complete = wire(headers={"content-type": "application/json"}, surface=surface)
    assert hits(complete, "HD001")


def test_unknown_headers_mean_no_header_findings() -> None:
    report = run(headers=None)
    assert not [f for f in report.findings if f.code.startswith("HD00") and f.code != "HD009"]


def test_header_names_are_case_insensitive() -> None:
    assert not hits(run(headers={"Anthropic-Version": "2023-06-01"}), "HD001")


def test_version_in_body_suffices_on_bedrock_but_not_on_the_claude_api() -> None:
    body = minimal("global.anthropic.claude-sonnet-4-6", anthropic_version="bedrock-2023-05-31")
    assert not hits(wire(body, surface="bedrock", headers={"x": "y"}), "HD001")
    assert hits(wire(minimal(), surface="anthropic", headers={"x": "y"}), "HD001")


def test_body_version_surfaces_are_left_to_the_surface_rules() -> None:
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-6:rawPredict"
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
    assert not hits(wire(body, endpoint=endpoint, headers={"x": "y"}), "HD001")


def test_header_rules_run_once_for_a_batch() -> None:
    batch = {"requests": [{"custom_id": f"r{i}", "params": minimal()} for i in range(5)]}
    report = wire(batch, endpoint="/v1/messages/batches", headers={"content-type": "application/json"})
    assert [f.path for f in hits(report, "HD001")] == [""]


def test_get_routes_need_the_header_too() -> None:
    assert hits(wire(None, endpoint="GET /v1/models", headers={"x-other": "1"}), "HD001")


# ------------------------------------------------------------------ HD002 / HD003 version values


@pytest.mark.parametrize(
    "headers",
    [
        # "anthropic-version: \"2023-06-01, 2023-06-01\" is not a valid version" - https://github.com/decolua/9router/issues/2357
        {"anthropic-version": "2023-06-01, 2023-06-01"},
        [("anthropic-version", "2023-06-01"), ("anthropic-version", "2023-06-01")],
        {"anthropic-version": ["2023-06-01", "2026-10-21"]},
        {"anthropic-version": "2023-06-31"},
        {"anthropic-version": "latest"},
        {"anthropic-version": ""},
    ],
)
def test_invalid_version_values(headers: Any) -> None:
    [finding] = hits(run(headers=headers), "HD002")
    assert finding.severity == "error"


@pytest.mark.parametrize("value", ["2023-06-01", "2026-10-21", " 2023-06-01 "])
def test_valid_version_values(value: str) -> None:
    assert not hits(run(headers={"anthropic-version": value}), "HD002")


def test_duplicate_header_fix_names_the_value() -> None:
    [finding] = hits(run(headers={"anthropic-version": "2023-06-01, 2023-06-01"}), "HD002")
    assert finding.fix == "send anthropic-version: 2023-06-01 once"


def test_version_not_listed_for_surface_is_a_warning() -> None:
    [finding] = hits(run(headers={"anthropic-version": "2023-01-01"}, surface="aws-platform"), "HD003")
    assert finding.severity == "warning"
    assert not hits(run(headers={"anthropic-version": "2023-01-01"}, surface="anthropic"), "HD003")


# ------------------------------------------------------------------ HD004 surface headers


def test_workspace_header_required_on_aws_platform_only() -> None:
    [finding] = hits(wire(headers=V, surface="aws-platform"), "HD004")
    assert "anthropic-workspace-id" in finding.message
    assert not hits(wire(headers={**V, "anthropic-workspace-id": "wrkspc_01x"}, surface="aws-platform"), "HD004")
    assert not hits(wire(headers=V, surface="anthropic"), "HD004")
    assert not hits(wire(headers=None, surface="aws-platform"), "HD004")
    assert not hits(run(headers=V, surface="aws-platform"), "HD004")  # partial: the SDK adds it


def test_blank_workspace_header_counts_as_missing() -> None:
    assert hits(wire(headers={**V, "anthropic-workspace-id": "  "}, surface="aws-platform"), "HD004")


# ------------------------------------------------------------------ HD005-HD008 beta values


def test_unknown_beta_is_a_warning_with_suggestion() -> None:
    [finding] = hits(run(headers={**V, "anthropic-beta": "context-1m-2025-08-7"}), "HD005")
    assert finding.severity == "warning"
    assert "context-1m-2025-08-07" in finding.message


def test_each_beta_value_of_a_list_is_checked() -> None:
    report = run(headers={**V, "anthropic-beta": "context-management-2025-06-27, bogus-2026-01-01,,"})
    assert [f.message.split()[0] for f in hits(report, "HD005")] == ["'bogus-2026-01-01'"]


def test_repeated_beta_headers_are_all_read() -> None:
    headers = [("anthropic-version", "2023-06-01"), ("anthropic-beta", "context-management-2025-06-27"), ("anthropic-beta", "nope-2026-01-01")]
    assert len(hits(run(headers=headers), "HD005")) == 1


def test_body_anthropic_beta_values_are_checked_with_their_path() -> None:
    endpoint = "/model/us.anthropic.claude-opus-4-6-v1/invoke"
    body = {"anthropic_version": "bedrock-2023-05-31", "anthropic_beta": ["context-1m-2025-08-07", "typo-beta-2025"], "max_tokens": 5,
            "messages": [{"role": "user", "content": "Hi"}]}
    [finding] = hits(run(body, endpoint=endpoint), "HD005")
    assert finding.path == "/anthropic_beta/1"


VERTEX = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6:streamRawPredict"
VERTEX_BODY = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}


@pytest.mark.parametrize(
    "beta",
    [
        # "Unexpected value(s) `prompt-caching-scope-2026-01-05` ..." - https://github.com/anthropics/claude-code/issues/21767
        "prompt-caching-scope-2026-01-05",
        # "Unexpected value(s) `oauth-2025-04-20` ..." - https://github.com/anthropics/claude-code/issues/13770
        "oauth-2025-04-20",
        # "Unexpected value(s) `effort-2025-11-24`, ..." (req_vrtx_) - https://github.com/anthropics/claude-agent-sdk-typescript/issues/307
        "effort-2025-11-24",
    ],
)
def test_beta_a_surface_refuses_is_an_error_there_only(beta: str) -> None:
    report = run(VERTEX_BODY, endpoint=VERTEX, headers={"anthropic-beta": f"claude-code-20250219,{beta}"})
    [finding] = hits(report, "HD006")
    assert finding.severity == "error" and "vertex" in finding.message
    assert not hits(report, "HD005") and not hits(report, "HD007")  # one finding per cause
    first_party = run(headers={**V, "anthropic-beta": f"claude-code-20250219,{beta}"})
    assert not hits(first_party, "HD006") and first_party.ok


def test_disputed_beta_is_not_an_error_on_the_claude_api() -> None:
    # Conflict recorded on HD006: effort-2025-11-24 refused through an unnamed gateway (4.5 only),
    # forwarded as accepted by LiteLLM; the policy blocks no request the API may accept.
    report = run(headers={**V, "anthropic-beta": "effort-2025-11-24"})
    assert report.ok and [f.severity for f in hits(report, "HD007")] == ["info"]


def test_ga_beta_is_info_only_after_ga_date() -> None:
    headers = {**V, "anthropic-beta": "files-api-2025-04-14"}
    assert not hits(run(headers=headers, as_of="2026-08-18"), "HD007")
    [finding] = hits(run(headers=headers, as_of="2026-08-19"), "HD007")
    assert finding.severity == "info"


def test_obsolete_beta_names_successor() -> None:
    [finding] = hits(run(headers={**V, "anthropic-beta": "computer-use-2024-10-22"}), "HD007")
    assert "computer-use-2025-01-24" in finding.message


def test_needed_beta_is_not_reported() -> None:
    report = run(headers={**V, "anthropic-beta": "context-management-2025-06-27"})
    assert not [f for f in report.findings if f.code in ("HD005", "HD006", "HD007", "HD008")]


def test_restricted_beta_is_info() -> None:
    [finding] = hits(run(headers={**V, "anthropic-beta": "dev-full-thinking-2025-05-14"}), "HD008")
    assert finding.severity == "info"


def test_same_beta_twice_reports_once() -> None:
    headers = {**V, "anthropic-beta": "prompt-caching-2024-07-31,prompt-caching-2024-07-31"}
    assert len(hits(run(headers=headers), "HD007")) == 1


# ------------------------------------------------------------------ HD009 nested beta features


def _budget_body() -> dict[str, Any]:
    return minimal("claude-opus-5-5", max_tokens=64000, output_config={"effort": "high", "task_budget": {"type": "tokens", "total": 50000}})


def test_nested_beta_feature_error_warning_and_pass() -> None:
    assert hits(run(_budget_body(), headers=V), "HD009")[0].severity == "error"
    assert hits(run(_budget_body(), headers=None), "HD009")[0].severity == "warning"
    assert not hits(run(_budget_body(), headers={**V, "anthropic-beta": "task-budgets-2026-03-13"}), "HD009")


def test_display_updates_needs_its_beta_but_summarized_does_not() -> None:
    body = minimal("claude-opus-5-5", thinking={"type": "adaptive", "display": "updates"})
    assert hits(run(body, headers=V), "HD009")[0].path == "/thinking/display"
    body["thinking"]["display"] = "summarized"
    assert not hits(run(body, headers=V), "HD009")


def test_context_edits_need_the_matching_beta() -> None:
    edits = [{"type": "clear_tool_uses_20250919"}, {"type": "compact_20260112"}]
    body = minimal(context_management={"edits": edits})
    report = run(body, headers={**V, "anthropic-beta": "compact-2026-01-12"})
    assert [f.path for f in hits(report, "HD009")] == ["/context_management/edits/0/type"]
    report = run(body, headers={**V, "anthropic-beta": "compact-2026-01-12,context-management-2025-06-27"})
    assert not hits(report, "HD009")


def test_tool_change_blocks_need_their_beta() -> None:
    body = minimal("claude-opus-5-5")
    body["messages"] = [
        {"role": "user", "content": "Hi"},
        {"role": "system", "content": [{"type": "tool_addition", "tool": {"type": "tool_reference", "name": "search"}}]},
    ]
    assert hits(run(body, headers=V), "HD009")[0].path == "/messages/1/content/0"
    assert not hits(run(body, headers={**V, "anthropic-beta": "mid-conversation-tool-changes-2026-07-01"}), "HD009")


def test_null_nested_fields_do_not_count() -> None:
    body = minimal(container={"id": "cntr_01", "skills": None})
    assert not hits(run(body, headers=V), "HD009")


def test_batch_entries_use_the_batch_headers() -> None:
    batch = {"requests": [{"custom_id": "a", "params": _budget_body()}]}
    report = run(batch, endpoint="/v1/messages/batches", headers={**V, "anthropic-beta": "task-budgets-2026-03-13"})
    assert not hits(report, "HD009")
    report = run(batch, endpoint="/v1/messages/batches", headers=V)
    assert [f.path for f in hits(report, "HD009")] == ["/requests/0/params/output_config/task_budget"]


def test_bedrock_takes_its_own_tool_examples_beta() -> None:
    """Bedrock and Vertex name the tool use examples beta tool-examples-2025-10-29 (docs: implement
    tool use); a Bedrock request that sends it with input_examples must not be told to add the
    first-party advanced-tool-use header, and one that sends neither still is."""
    from claude_preflight import validate

    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "anthropic_beta": ["tool-examples-2025-10-29"],
        "max_tokens": 512,
        "tools": [{"name": "get_weather", "description": "Weather for a city",
                   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                   "input_examples": [{"city": "Paris"}]}],
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
    }
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-opus-4-5-20251101-v1:0/invoke"
    with_beta = validate(body, endpoint=url, as_of="2026-02-01", headers={})
    assert "HD009" not in with_beta.codes() and "HD005" not in with_beta.codes()
    without = validate({k: v for k, v in body.items() if k != "anthropic_beta"}, endpoint=url, as_of="2026-02-01", headers={})
    assert [f.severity for f in without.findings if f.code == "HD009"] == ["error"]


# ------------------------------------------------------------------ HD006 refusals per model


@pytest.mark.parametrize(
    ("model", "as_of", "code"),
    [
        ("claude-sonnet-4-5-20250929", "2026-04-27", "HD006"),  # anthropics/claude-code#53855
        ("claude-haiku-4-5-20251001", "2026-05-10", "HD006"),
        ("claude-sonnet-4-5-20250929", "2026-04-26", "HD007"),  # before the refusal was seen
        ("claude-opus-4-5-20251101", "2026-05-10", "HD007"),  # the model the beta was made for
        ("claude-sonnet-4-6", "2026-05-10", "HD007"),  # 4.6 accepted it
    ],
)
def test_hd006_effort_beta_per_model_on_the_claude_api(model: str, as_of: str, code: str) -> None:
    report = validate({"model": model, "max_tokens": 32000, "messages": [{"role": "user", "content": "Hello"}]},
                      headers={"anthropic-beta": "claude-code-20250219,effort-2025-11-24"}, as_of=as_of)
    found = {f.code for f in report.findings if f.code in ("HD006", "HD007")}
    assert found == {code}, report.findings


@pytest.mark.parametrize(
    ("model", "betas", "refused"),
    [
        ("eu.anthropic.claude-opus-4-7", ["claude-code-20250219", "effort-2025-11-24", "tool-search-tool-2025-10-19"],
         {"claude-code-20250219", "effort-2025-11-24", "tool-search-tool-2025-10-19"}),  # claude-code#49370
        ("eu.anthropic.claude-opus-4-7", ["interleaved-thinking-2025-05-14"], set()),  # disputed: not flagged
        ("global.anthropic.claude-opus-4-6-v1", ["claude-code-20250219"], set()),  # Opus 4.6 accepted it
        ("global.anthropic.claude-sonnet-4-6", ["interleaved-thinking-2025-05-14", "extended-cache-ttl-2025-04-11"],
         {"extended-cache-ttl-2025-04-11"}),  # claude-code#56595
    ],
)
def test_hd006_bedrock_betas(model: str, betas: list[str], refused: set[str]) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "anthropic_beta": betas, "max_tokens": 32000,
            "messages": [{"role": "user", "content": "Hello"}]}
    report = validate(body, endpoint=f"/model/{model}/invoke-with-response-stream", as_of="2026-05-06")
    flagged = {betas[int(f.path.rsplit("/", 1)[1])] for f in report.findings if f.code == "HD006"}
    assert flagged == refused, report.findings
