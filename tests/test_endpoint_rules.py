"""Endpoints family (EP): route betas, Message Batches, the MCP connector, Managed Agents bodies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.catalogue import load_catalogue
from claude_preflight.checks.endpoints import batch_limits, json_size_at_least
from claude_preflight.engine.resolve import build_context
from claude_preflight.dates import parse_moment
from conftest import minimal

AS_OF = "2026-11-24"
V = {"anthropic-version": "2023-06-01"}
MA = {**V, "anthropic-beta": "managed-agents-2026-04-01"}
BATCHES = "/v1/messages/batches"


def run(body: Any, **kwargs: Any):  # noqa: ANN201 - a Report
    kwargs.setdefault("as_of", AS_OF)
    return validate(body, **kwargs)


def hits(report: Any, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


def entry(custom_id: Any = "req-1", **params: Any) -> dict[str, Any]:
    return {"custom_id": custom_id, "params": minimal(**params)}


# ------------------------------------------------------------------ EP001 route betas


@pytest.mark.parametrize(
    ("endpoint", "header", "fires"),
    [
        ("/v1/agents", "managed-agents-2026-04-01", False),
        ("GET /v1/agents", None, True),
        ("/v1/sessions/sesn_01/events", None, True),
        ("/v1/memory_stores", "agent-memory-2026-07-22", False),
        ("/v1/memory_stores/memstore_01/memories", "managed-agents-2026-04-01", False),
        ("/v1/dreams", "managed-agents-2026-04-01", True),
        ("/v1/dreams", "dreaming-2026-04-21", False),
        ("/v1/messages", None, False),
        ("/v1/files", None, False),
    ],
)
def test_route_betas(endpoint: str, header: str | None, fires: bool) -> None:
    headers = {**V, "anthropic-beta": header} if header else dict(V)
    assert bool(hits(run({"name": "x"}, endpoint=endpoint, headers=headers), "EP001")) == fires


def test_route_beta_unknown_headers_is_a_warning() -> None:
    [finding] = hits(run({"name": "x"}, endpoint="/v1/vaults"), "EP001")
    assert finding.severity == "warning"


# ------------------------------------------------------------------ EP002 batch limits


def test_batch_size_lower_bound_counts_strings_and_stops_early() -> None:
    assert json_size_at_least({"a": "xyz"}, 10_000) >= len('{"a":"xyz"}')
    huge = ["x" * 1000] * 10_000
    assert json_size_at_least(huge, 5_000) > 5_000


def test_batch_limits_with_small_params() -> None:
    # The real limits (100,000 requests, 256 MB) are too big for a unit test; the check takes them from params.
    catalogue = load_catalogue()
    body = {"requests": [entry(f"r{i}") for i in range(3)]}
    ctx = build_context(catalogue, body, endpoint=BATCHES, headers=None, surface=None, as_of=parse_moment(AS_OF), api_version=None)
    problems = [h.args["problem"] for h in batch_limits(ctx, {"maximum": 2, "max_bytes": 100})]
    assert any("3 requests" in p for p in problems) and any("MB" in p for p in problems)
    assert not list(batch_limits(ctx, {"maximum": 100_000, "max_bytes": 268435456}))


def test_empty_batch_is_a_warning_and_missing_requests_is_shape() -> None:
    assert hits(run({"requests": []}, endpoint=BATCHES), "EP002")[0].severity == "warning"
    report = run({}, endpoint=BATCHES)
    assert "SH002" in report.codes() and not hits(report, "EP002")


# ------------------------------------------------------------------ EP003-EP005 entries and custom_id


def test_entry_shape_problems() -> None:
    body = {"requests": ["not an object", {"custom_id": "a"}, {"custom_id": "b", "params": minimal(), "method": "POST"}]}
    paths = [f.path for f in hits(run(body, endpoint=BATCHES), "EP003")]
    assert paths == ["/requests/0", "/requests/1", "/requests/2/method"]


@pytest.mark.parametrize(
    "custom_id",
    [
        "x" * 65,  # "requests.0.custom_id: String should have at most 64 characters" - anthropic-sdk-python#984
        "",
        "has space",
        "dot.json",
        "colon:1",
        "naïve",
        42,
        None,
    ],
)
def test_invalid_custom_ids(custom_id: Any) -> None:
    [finding] = hits(run({"requests": [entry(custom_id)]}, endpoint=BATCHES), "EP004")
    assert finding.path == "/requests/0/custom_id"


@pytest.mark.parametrize("custom_id", ["a", "x" * 64, "ticket_2026-11-24", "A-b_C-9"])
def test_valid_custom_ids(custom_id: str) -> None:
    assert not hits(run({"requests": [entry(custom_id)]}, endpoint=BATCHES), "EP004")


def test_custom_id_with_trailing_newline_is_invalid() -> None:
    assert hits(run({"requests": [entry("abc\n")]}, endpoint=BATCHES), "EP004")


def test_duplicate_custom_ids_reported_on_later_entries() -> None:
    body = {"requests": [entry("a"), entry("b"), entry("a"), entry("a")]}
    assert [f.path for f in hits(run(body, endpoint=BATCHES), "EP005")] == ["/requests/2/custom_id", "/requests/3/custom_id"]


def test_custom_ids_are_case_sensitive() -> None:
    assert not hits(run({"requests": [entry("A"), entry("a")]}, endpoint=BATCHES), "EP005")


# ------------------------------------------------------------------ EP006-EP010 entry params


@pytest.mark.parametrize(
    ("params", "code", "path"),
    [
        ({"stream": True}, "EP006", "/requests/0/params/stream"),
        ({"max_tokens": 0}, "EP007", "/requests/0/params/max_tokens"),
        ({"speed": "fast"}, "EP008", "/requests/0/params/speed"),
        ({"fallbacks": [{"model": "claude-opus-5-5"}]}, "EP009", "/requests/0/params/fallbacks"),
        ({"billing_policy": {"type": "billing_policy", "bill_to": "user_profile"}}, "EP010", "/requests/0/params/billing_policy/bill_to"),
    ],
)
def test_entry_values_refused_in_batches(params: dict[str, Any], code: str, path: str) -> None:
    report = run({"requests": [entry(**params)]}, endpoint=BATCHES)
    assert path in [f.path for f in hits(report, code)]
    # the same values outside a batch are not this rule's concern
    assert not hits(run(minimal(**params)), code)


@pytest.mark.parametrize(
    ("params", "code"),
    [({"stream": False}, "EP006"), ({"max_tokens": 1}, "EP007"), ({"speed": "standard"}, "EP008"), ({"fallbacks": None}, "EP009"),
     ({"billing_policy": {"type": "billing_policy", "bill_to": "self"}}, "EP010"), ({"max_tokens": False}, "EP007")],
)
def test_entry_values_allowed_in_batches(params: dict[str, Any], code: str) -> None:
    assert not hits(run({"requests": [entry(**params)]}, endpoint=BATCHES), code)


def test_batch_stream_fix_is_a_remove_edit() -> None:
    [finding] = hits(run({"requests": [entry(stream=True)]}, endpoint=BATCHES), "EP006")
    assert [(e.op, e.path) for e in finding.edits] == [("remove", "/requests/0/params/stream")]


def test_jsonl_batch_documents_are_entries(tmp_path: Any) -> None:
    from claude_preflight.files.checking import Options, check_file

    path = tmp_path / "batch.jsonl"
    path.write_text('{"custom_id": "a", "params": {"model": "claude-sonnet-4-6", "max_tokens": 0, "messages": [{"role": "user", "content": "Hi"}]}}\n')
    result = check_file(path, Options(catalogue=load_catalogue(), as_of=parse_moment(AS_OF)))
    assert "EP007" in [f.code for f in result.findings]


# ------------------------------------------------------------------ EP011-EP014 MCP connector


def mcp_body(servers: list[dict[str, Any]], toolsets: list[str]) -> dict[str, Any]:
    return minimal(mcp_servers=servers, tools=[{"type": "mcp_toolset", "mcp_server_name": n} for n in toolsets])


SERVER = {"type": "url", "url": "https://mcp.example.com/sse", "name": "tracker"}
MCP_NEW = {**V, "anthropic-beta": "mcp-client-2025-11-20"}


def test_unreferenced_server_error_warning_and_legacy() -> None:
    # "MCP server 'mcp' is defined but not referenced by any `mcp_toolset` in `tools`." - anthropic-sdk-csharp#267
    body = mcp_body([SERVER], [])
    assert hits(run(body, headers=MCP_NEW), "EP013")[0].severity == "error"
    assert hits(run(body), "EP013")[0].severity == "warning"
    assert not hits(run(body, headers={**V, "anthropic-beta": "mcp-client-2025-04-04"}), "EP013")
    assert not hits(run(mcp_body([SERVER], ["tracker"]), headers=MCP_NEW), "EP013")


def test_toolset_for_unknown_or_already_referenced_server() -> None:
    report = run(mcp_body([SERVER], ["tracker", "tracker", "wiki"]), headers=MCP_NEW)
    assert [f.path for f in hits(report, "EP014")] == ["/tools/1/mcp_server_name", "/tools/2/mcp_server_name"]


@pytest.mark.parametrize(
    ("server", "path"),
    [
        ({"type": "sse", "url": "https://a.example.com", "name": "a"}, "/mcp_servers/0/type"),
        ({"type": "url", "url": "http://a.example.com", "name": "a"}, "/mcp_servers/0/url"),
        ({"type": "url", "name": "a"}, "/mcp_servers/0"),
        ({"type": "url", "url": "https://a.example.com", "name": ""}, "/mcp_servers/0/name"),
        ({"type": "url", "url": "https://a.example.com"}, "/mcp_servers/0"),
    ],
)
def test_invalid_servers(server: dict[str, Any], path: str) -> None:
    assert path in [f.path for f in hits(run(mcp_body([server], ["a"]), headers=MCP_NEW), "EP011")]


def test_uppercase_https_scheme_is_fine() -> None:
    server = {**SERVER, "url": "HTTPS://mcp.example.com/sse"}
    assert not hits(run(mcp_body([server], ["tracker"]), headers=MCP_NEW), "EP011")


def test_duplicate_server_names() -> None:
    report = run(mcp_body([SERVER, dict(SERVER)], ["tracker"]), headers=MCP_NEW)
    assert [f.path for f in hits(report, "EP012")] == ["/mcp_servers/1/name"]


def test_agent_mcp_rules_and_limit() -> None:
    servers = [{"type": "url", "url": f"https://m{i}.example.com", "name": f"m{i}"} for i in range(21)]
    body = {"model": "claude-opus-5-5", "name": "a", "mcp_servers": servers,
            "tools": [{"type": "mcp_toolset", "mcp_server_name": f"m{i}"} for i in range(20)]}
    report = run(body, endpoint="/v1/agents", headers=MA)
    assert [f.path for f in hits(report, "EP013")] == ["/mcp_servers/20/name"]  # toolsets always required for agents
    assert [f.path for f in hits(report, "EP021")] == ["/mcp_servers"]


# ------------------------------------------------------------------ Managed Agents bodies


def test_agent_required_unknown_and_types() -> None:
    report = run({"name": 3, "instructions": "x"}, endpoint="/v1/agents", headers=MA)
    assert hits(report, "EP016") and hits(report, "EP018")
    assert hits(report, "EP017")[0].severity == "warning"


def test_metadata_limits() -> None:
    metadata = {f"k{i}": "v" for i in range(17)}
    metadata["k" * 65] = "x" * 513
    report = run({"model": "claude-opus-5-5", "name": "a", "metadata": metadata}, endpoint="/v1/agents", headers=MA)
    problems = [f.message for f in hits(report, "EP020")]
    assert len(problems) == 3


def test_model_support_and_config() -> None:
    report = run({"model": {"id": "claude-haiku-4-5", "speed": "standard"}, "name": "a"}, endpoint="/v1/agents", headers=MA)
    assert not hits(report, "EP023") and not hits(report, "EP024")  # alias of a supported model
    report = run({"model": "claude-opus-9", "name": "a"}, endpoint="/v1/agents", headers=MA)
    assert hits(report, "EP023")[0].severity == "warning"
    body = {"model": {"id": "claude-opus-5-5", "speed": "fast"}, "inputs": []}
    [finding] = hits(run(body, endpoint="/v1/dreams", headers={**V, "anthropic-beta": "dreaming-2026-04-21"}), "EP024")
    assert finding.severity == "warning" and finding.path == "/model/speed"


@pytest.mark.parametrize(
    ("multiagent", "fires"),
    [
        ({"type": "coordinator", "agents": []}, True),
        ({"type": "coordinator", "agents": [f"agent_{i}" for i in range(21)]}, True),
        ({"type": "coordinator", "agents": [{"type": "self"}, {"type": "self"}]}, True),
        ({"type": "swarm"}, True),
        ({"type": "coordinator", "agents": ["agent_1", {"type": "agent", "id": "agent_2", "version": 1}, {"type": "self"}]}, False),
        ({"type": "multiagent_20261001", "advisor": {"type": "disabled"}}, False),
        (None, False),
    ],
)
def test_multiagent(multiagent: Any, fires: bool) -> None:
    body = {"model": "claude-opus-5-5", "name": "lead", "multiagent": multiagent}
    assert bool(hits(run(body, endpoint="/v1/agents", headers=MA), "EP025")) == fires


def test_environment_config() -> None:
    def check(config: Any) -> list[str]:
        return [f.path for f in hits(run({"name": "ci", "config": config}, endpoint="/v1/environments", headers=MA), "EP026")]

    assert check({"type": "self_hosted"}) == []
    assert check({"type": "cloud", "networking": {"type": "unrestricted"}, "packages": {"npm": ["left-pad"]}}) == []
    assert check({"type": "docker"}) == ["/config/type"]
    assert check({"type": "self_hosted", "networking": {"type": "unrestricted"}}) == ["/config/networking"]
    assert check({"type": "cloud", "networking": {"type": "open"}}) == ["/config/networking/type"]
    assert check({"type": "cloud", "networking": {"type": "limited"}, "packages": {"type": "packages", "pip": []}}) == []


def test_session_agent_reference_and_initial_events() -> None:
    body = {"agent": {"type": "agent_with_overrides", "id": "agent_1", "model": "claude-opus-5-5"}, "environment_id": "env_1",
            "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "Go"}]}]}
    report = run(body, endpoint="/v1/sessions", headers=MA)
    assert not [f for f in report.findings if f.severity == "error"]
    body["initial_events"].append({"type": "user.interrupt"})
    assert [f.path for f in hits(run(body, endpoint="/v1/sessions", headers=MA), "EP028")] == ["/initial_events/1/type"]
    deployment = {"agent": {"type": "agent_with_overrides", "id": "agent_1"}, "environment_id": "env_1", "name": "d",
                  "initial_events": [{"type": "system.message", "content": [{"type": "text", "text": "Be brief"}]}]}
    report = run(deployment, endpoint="/v1/deployments", headers=MA)
    assert [f.path for f in hits(report, "EP027")] == ["/agent/type"]
    assert not hits(report, "EP028")


def test_session_events() -> None:
    events = [
        {"type": "system.message", "content": [{"type": "text", "text": "Note"}]},
        {"type": "user.message", "content": []},
        {"type": "user.tool_confirmation", "tool_use_id": "sevt_1", "result": "maybe"},
        {"type": "user.custom_tool_result"},
        {"type": "agent.message"},
        "text",
    ]
    paths = [f.path for f in hits(run({"events": events}, endpoint="/v1/sessions/sesn_1/events", headers=MA), "EP028")]
    assert sorted(paths) == sorted(["/events/1/content", "/events/2/result", "/events/3", "/events/4/type", "/events/5", "/events/0"])


def test_outcomes() -> None:
    def check(event: dict[str, Any]) -> list[str]:
        body = {"events": [{"type": "user.define_outcome", **event}]}
        return [f.path for f in hits(run(body, endpoint="/v1/sessions/sesn_1/events", headers=MA), "EP029")]

    rubric = {"type": "text", "content": "Has tests."}
    assert check({"description": "A fix", "rubric": rubric}) == []
    assert check({"description": "A fix", "rubric": {"type": "file", "file_id": "file_01"}, "max_iterations": 20}) == []
    assert check({"description": "A fix", "rubric": {"type": "text", "content": "x" * 262_145}}) == ["/events/0/rubric/content"]
    assert check({"description": "A fix", "rubric": {"type": "text", "content": "x" * 262_144}}) == []
    assert check({"description": "A fix", "rubric": {"type": "url"}}) == ["/events/0/rubric/type"]
    assert check({"description": "", "rubric": rubric, "max_iterations": 0}) == ["/events/0/description", "/events/0/max_iterations"]
    assert check({"description": "A fix", "rubric": rubric, "max_iterations": 2.5}) == ["/events/0/max_iterations"]


def test_deployment_lists_and_schedule() -> None:
    body = {"agent": "agent_1", "environment_id": "env_1", "name": "nightly",
            "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "Go"}]}] * 51,
            "vault_ids": ["v"] * 51, "schedule": {"type": "cron", "expression": "0 0 * * * *", "timezone": "UTC"}}
    report = run(body, endpoint="/v1/deployments", headers=MA)
    assert [f.path for f in hits(report, "EP021")] == ["/initial_events", "/vault_ids"]
    assert [f.path for f in hits(report, "EP030")] == ["/schedule/expression"]


def test_memory_store_vault_and_dream_strings() -> None:
    mem = {**V, "anthropic-beta": "agent-memory-2026-07-22"}
    assert hits(run({"name": "n" * 256}, endpoint="/v1/memory_stores", headers=mem), "EP022")
    assert hits(run({"name": "ok", "description": "d" * 1025}, endpoint="/v1/memory_stores", headers=mem), "EP022")
    assert hits(run({"display_name": ""}, endpoint="/v1/vaults", headers=MA), "EP022")
    assert not hits(run({"display_name": "CI\tsecrets"}, endpoint="/v1/vaults", headers=MA), "EP022")  # control chars only matter for store names


def test_dream_inputs() -> None:
    headers = {**V, "anthropic-beta": "dreaming-2026-04-21"}

    def check(inputs: Any) -> list[str]:
        return [f.message for f in hits(run({"model": "claude-opus-5-5", "inputs": inputs}, endpoint="/v1/dreams", headers=headers), "EP031")]

    store = {"type": "memory_store", "memory_store_id": "memstore_1"}
    assert check([store, {"type": "sessions", "session_ids": ["sesn_1"]}]) == []
    assert len(check([store, store, {"type": "sessions", "session_ids": ["sesn_1"]}])) == 1
    assert len(check([store, {"type": "sessions", "session_ids": []}])) == 1
    assert len(check([store, {"type": "sessions", "session_ids": [f"s{i}" for i in range(101)]}])) == 1
    assert len(check([store, {"type": "sessions", "session_ids": ["a", "a"]}])) == 1
    assert len(check([])) == 2


# ------------------------------------------------------------------ never raises


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
        ["requests", "custom_id", "params", "events", "type", "agent", "model", "inputs", "config", "networking", "metadata",
         "mcp_servers", "tools", "name", "url", "rubric", "content", "multiagent", "agents", "schedule", "session_ids"]), children, max_size=5),
    max_leaves=30,
)
ENDPOINTS = [BATCHES, "/v1/agents", "/v1/environments", "/v1/sessions", "/v1/sessions/s/events", "/v1/deployments", "/v1/dreams",
             "/v1/memory_stores", "/v1/vaults", "/v1/messages"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(json_values, st.sampled_from(ENDPOINTS))
def test_never_raises_on_endpoint_bodies(body: Any, endpoint: str) -> None:
    report = run(body, endpoint=endpoint, headers=MA)
    assert "PF900" not in report.codes(), [f.message for f in report.findings if f.code == "PF900"]


WEIRD = [None, True, 0, -1, 2.5, "", "x", [], [[]], {}, {"type": []}, {"type": {}}, [{"type": []}], [{"type": {"a": 1}}]]
KEYS = ["requests", "custom_id", "params", "events", "initial_events", "agent", "model", "inputs", "config", "metadata", "mcp_servers",
        "tools", "multiagent", "schedule", "name", "display_name", "description", "instructions", "vault_ids", "resources"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unhashable_and_odd_values_never_raise(endpoint: str) -> None:
    for key in KEYS:
        for value in WEIRD:
            for body in ({key: value}, {key: [value]}, {key: {"type": value, "agent": value, "networking": value, "session_ids": value}}):
                if key == "requests":
                    body = {"requests": [{"custom_id": value, "params": value}, value]}
                report = run(body, endpoint=endpoint, headers={**MA, "anthropic-beta": [value]})
                assert "PF900" not in report.codes(), (endpoint, body, [f.message for f in report.findings if f.code == "PF900"])
